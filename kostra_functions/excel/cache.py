"""A small bounded LRU cache for function results.

Excel recalculates the same ``KOSTRA_*`` call many times (every cell that depends on it, every
open of the workbook). Results depend only on the converted arguments and on the data files (code
lists, rule sets), so the key includes :func:`kostra_functions.versioning.data_version`: editing a
code list or rule set invalidates every entry without anyone clearing the cache.
Errors are not cached (they are cheap and their message may depend on the data).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


class ResultCache:
    """Thread-safe LRU mapping of hashable keys to results, at most ``maxsize`` entries."""

    def __init__(self, maxsize: int = 4096) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be positive")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        data = self._data
        with self._lock:
            value = data.get(key, _MISSING)
            if value is not _MISSING:
                data.move_to_end(key)
                self.hits += 1
                return value
        value = compute()  # may raise: nothing is stored then
        with self._lock:
            self.misses += 1
            data.pop(key, None)  # another thread may have stored it meanwhile
            data[key] = value  # goes last: the most recently used
            while len(data) > self.maxsize:
                data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

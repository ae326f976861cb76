"""A small bounded LRU cache for function results.

Excel recalculates the same ``KOSTRA_*`` call many times (every cell that depends on it, every
open of the workbook). Results depend only on the converted arguments and on the data files (code
lists, rule sets), so the key includes :func:`kostra_functions.versioning.data_version`: editing a
code list or rule set invalidates every entry without anyone clearing the cache.
Errors are not cached (they are cheap and their message may depend on the data).
"""

from __future__ import annotations

import hashlib
import marshal
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
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


# ---------------------------------------------------------------------------------------------
# Digests of ranges (lists of rows) by content


_CALL = threading.local()


def content_digest(value: Any) -> bytes:
    """A 16-byte digest of a cell value or a range (nested lists) by its content.

    ``marshal`` is fast for plain cells (str, float, int, bool, None) and keeps ``1``, ``1.0`` and
    ``True`` apart; format 2 has no back-references, so the bytes do not depend on which cells
    happen to be shared objects (and it is twice as fast on ranges whose cells are referenced
    twice, as every converted range is). Anything else (error values, dates, numpy numbers) is
    pickled. Equal digests mean equal content; equal content may (rarely) digest differently, which
    only costs a cache miss. Inside :func:`digests_known` the digest of an argument already
    computed is reused.
    """
    known = getattr(_CALL, "known", None)
    if known is not None:
        hit = known.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]  # type: ignore[no-any-return]
    try:
        data = marshal.dumps(value, 2)
    except ValueError:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(data, digest_size=16).digest()


@contextmanager
def digests_known(values: Sequence[Any], digests: Sequence[bytes]) -> Iterator[None]:
    """While the block runs (one function call), :func:`content_digest` of one of ``values`` (the
    same object) returns its digest from ``digests`` instead of hashing the range again."""
    previous = getattr(_CALL, "known", None)
    known = dict(previous or {})
    known.update((id(v), (v, d)) for v, d in zip(values, digests, strict=True) if isinstance(v, list))
    _CALL.known = known
    try:
        yield
    finally:
        _CALL.known = previous

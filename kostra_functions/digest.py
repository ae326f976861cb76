"""Digests of cell values and ranges by their content.

The bottom layer both the Excel faces (their result cache keys ranges by content) and the library
(a prognosis table's identity) use: a short digest of what a range holds, fast on the plain cells
ranges are made of.
"""

from __future__ import annotations

import hashlib
import marshal
import pickle
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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

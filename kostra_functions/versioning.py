"""Version of the data the results depend on (code lists and rule sets).

The version is a hash of the bytes of every data file under ``codes/``, ``rulesets/`` and
``controls_data/`` (and of any rule set file loaded by path). It is recomputed when a file's
modification time changes (checked at most once a second), so a controller who edits a rule set
sees new results at the next recalculation.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

_PACKAGE = Path(__file__).parent
_DATA_DIRS = (_PACKAGE / "codes", _PACKAGE / "rulesets", _PACKAGE / "controls_data")
_DATA_SUFFIXES = {".csv", ".toml"}
#: Seconds between checks of the files' modification times (a UDF call must stay cheap).
CHECK_INTERVAL = 1.0
_state: dict[str, object] = {"stamp": None, "version": "", "checked": -1e9}
_EXTRA: list[Path] = []


def _files() -> list[Path]:
    files = [p for d in _DATA_DIRS if d.is_dir() for p in d.rglob("*") if p.suffix in _DATA_SUFFIXES]
    return sorted(files + [p for p in _EXTRA if p.is_file()])


def watch(path: str | os.PathLike[str]) -> None:
    """Also include a user's own rule set file in the data version."""
    p = Path(path).resolve()
    if p not in _EXTRA:
        _EXTRA.append(p)
        _state["stamp"] = None


def data_version() -> str:
    """A short hash identifying the current contents of all code lists and rule sets."""
    now = time.monotonic()
    state = _state
    if state["stamp"] is not None and now - state["checked"] < CHECK_INTERVAL:  # type: ignore[operator]
        return state["version"]  # type: ignore[return-value]
    state["checked"] = now
    files = _files()
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if stamp != state["stamp"]:
        digest = hashlib.sha256()
        for p in files:
            digest.update(p.name.encode())
            digest.update(p.read_bytes())
        state["stamp"] = stamp
        state["version"] = digest.hexdigest()[:16]
    return str(state["version"])

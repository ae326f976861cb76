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

from kostra_functions.rulesets import DEFAULT_RULESET, RuleSet, load_ruleset

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


_RULESETS: dict[tuple[object, str], tuple[RuleSet, str | None]] = {}
_RULESETS_MAX = 64


def current_ruleset(name_or_path: str | os.PathLike[str] | RuleSet | None = None) -> RuleSet:
    """``load_ruleset(name_or_path or DEFAULT_RULESET)``, re-checked only when :func:`data_version` changes.

    :func:`~kostra_functions.rulesets.load_ruleset` looks at every file of the inheritance chain
    (``stat``) on each call, which costs more than a whole ``KOSTRA_AVVIK``; a UDF asks for the rule
    set on every call. The data version covers every package rule set and every file a rule set was
    loaded from by path (:func:`watch`), so an edited rule set is seen as soon as the version changes
    (checked at most every :data:`CHECK_INTERVAL` seconds, as for the result caches). A
    :class:`~kostra_functions.rulesets.RuleSet` is returned as it is.
    """
    if isinstance(name_or_path, RuleSet):
        return name_or_path
    try:
        hit = _RULESETS.get((name_or_path, data_version()))
    except TypeError:  # not hashable: not a name; load_ruleset says what is wrong
        return load_ruleset(name_or_path or DEFAULT_RULESET)  # type: ignore[arg-type]
    # A relative path means another file after a change of working directory.
    if hit is not None and (hit[1] is None or hit[1] == os.getcwd()):
        return hit[0]
    name = str(name_or_path or DEFAULT_RULESET)
    is_path = "/" in name or "\\" in name or name.lower().endswith(".toml")
    rs = load_ruleset(name_or_path or DEFAULT_RULESET)
    # Loading by path watches the file, which changes the version: key by the version after loading.
    if len(_RULESETS) >= _RULESETS_MAX:
        _RULESETS.clear()
    _RULESETS[(name_or_path, data_version())] = (rs, os.getcwd() if is_path else None)
    return rs

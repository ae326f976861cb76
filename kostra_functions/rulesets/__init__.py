"""Rule sets: one TOML file per municipality or regulation, every value with its source.

A rule set is found by name (a file ``<name>.toml`` in this folder) or by path (a controller's own
file). ``arver = "other"`` in ``[regelsett]`` inherits another rule set: tables are merged key by
key, the inheriting file wins, and arrays of tables (such as ``[[funksjonsomrader]]``) are replaced
whole. Loaded rule sets are cached per file and modification time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kostra_functions.errors import RuleSetError
from kostra_functions.versioning import data_version, watch

RULESET_DIR = Path(__file__).parent
DEFAULT_RULESET = "oslo_bydel"


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A loaded rule set: its name, the files it was read from, and the merged values."""

    name: str
    files: tuple[Path, ...]
    data: dict[str, Any]

    def get(self, path: str, default: Any = ...) -> Any:
        """The value at a dotted path (``"kontostreng.art.siffer"``); a missing value is a RuleSetError."""
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is not ...:
                    return default
                raise RuleSetError(
                    f"Regelsettet «{self.name}» mangler verdien «{path}» "
                    f"(filer: {', '.join(f.name for f in self.files)})."
                )
            node = node[part]
        return node

    def source(self, path: str) -> str:
        """The ``kilde`` given for the table at ``path`` (or the nearest table above it)."""
        parts = path.split(".")
        while parts:
            node = self.get(".".join(parts), None)
            if isinstance(node, dict) and "kilde" in node:
                return str(node["kilde"])
            parts.pop()
        return str(self.data.get("regelsett", {}).get("kilde", ""))


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path).strip()
    if not text:
        raise RuleSetError("Regelsettet er ikke oppgitt.")
    candidate = Path(text)
    if candidate.suffix.lower() == ".toml" or candidate.parent != Path("."):
        if not _is_file(candidate):
            raise RuleSetError(f"Finner ikke regelsettfilen «{text}».")
        return candidate.resolve()
    path = RULESET_DIR / f"{text}.toml"
    if not _is_file(path):
        known = ", ".join(sorted(p.stem for p in RULESET_DIR.glob("*.toml")))
        raise RuleSetError(f"Ukjent regelsett «{text}». Kjente regelsett: {known}.")
    return path


def _is_file(path: Path) -> bool:
    """``Path.is_file`` that answers False for a name the system cannot look up (a cell holds 32 767
    characters; a file name at most 255), instead of raising ``OSError: File name too long``."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@lru_cache(maxsize=64)
def _load_file(path: Path, mtime_ns: int) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(f"Regelsettfilen «{path.name}» har feil i TOML-formatet: {exc}.") from exc


_LOADED: dict[tuple[str, tuple[tuple[Path, int], ...]], RuleSet] = {}


_RECENT: dict[tuple[object, str], tuple[RuleSet, str | None]] = {}
_RECENT_MAX = 64


def load_ruleset(name_or_path: str | Path | RuleSet | None = DEFAULT_RULESET) -> RuleSet:
    """Load a rule set by name or path, following ``arver`` (inheritance) chains.

    ``None`` means the default rule set; a :class:`RuleSet` is returned as it is. The same object
    is returned while none of the files in the chain has changed, so callers may cache what they
    derive from it by identity. Looking at every file of the chain costs more than a whole
    ``KOSTRA_AVVIK``, and every Excel call asks for its rule set, so the files are looked at again
    only when :func:`kostra_functions.versioning.data_version` changes (at most once a second; it
    covers the package's rule sets and every file loaded by path).
    """
    if isinstance(name_or_path, RuleSet):
        return name_or_path
    try:
        hit = _RECENT.get((name_or_path, data_version()))
    except TypeError:  # not hashable, so not a name or path: the slow path says what is wrong
        hit = None
    # A relative path names another file after a change of working directory.
    if hit is not None and (hit[1] is None or hit[1] == os.getcwd()):
        return hit[0]
    name = str(name_or_path or DEFAULT_RULESET)
    result = _load(name)
    if len(_RECENT) >= _RECENT_MAX:
        _RECENT.clear()
    is_path = "/" in name or "\\" in name or name.lower().endswith(".toml")
    # Loading by path watches the file and so changes the version: key by the version after loading.
    _RECENT[(name_or_path, data_version())] = (result, os.getcwd() if is_path else None)
    return result


def _load(name_or_path: str | Path) -> RuleSet:
    chain = _chain(name_or_path)
    for path in chain:
        if path.parent != RULESET_DIR:  # a controller's own file: its edits must invalidate caches
            watch(path)
    key = (str(name_or_path), tuple((p, p.stat().st_mtime_ns) for p in chain))
    cached = _LOADED.get(key)
    if cached is None:
        cached = _LOADED[key] = _build(chain)
    return cached


def _chain(name_or_path: str | Path) -> list[Path]:
    chain: list[Path] = []
    current: str | Path | None = name_or_path
    while current:
        path = _resolve(current)
        if path in chain:
            raise RuleSetError(f"Regelsettet «{path.stem}» arver fra seg selv (sirkulær «arver»).")
        chain.append(path)
        data = _load_file(path, path.stat().st_mtime_ns)
        current = data.get("regelsett", {}).get("arver")
        if current and Path(str(current)).suffix != ".toml" and path.parent != RULESET_DIR:
            sibling = path.parent / f"{current}.toml"
            current = sibling if _is_file(sibling) else current
    return chain


def _build(chain: list[Path]) -> RuleSet:
    merged: dict[str, Any] = {}
    for path in reversed(chain):
        merged = _merge(merged, _load_file(path, path.stat().st_mtime_ns))
    name = str(merged.get("regelsett", {}).get("navn", chain[0].stem))
    return RuleSet(name=name, files=tuple(chain), data=merged)

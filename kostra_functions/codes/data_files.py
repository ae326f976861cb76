"""The data files of the KOSTRA code catalog (``functions.csv``, ``arts.csv``, ``changes.csv``,
``coverage.csv``, described in :mod:`kostra_functions.codes`) read, checked and cached: one
:class:`CodeEntry` per code and period, one :class:`Change` per year-to-year change, what each year's
source covers, and the version of the code lists (:func:`code_lists_version`). A broken row is refused naming
its file and line. The files are re-read when they change (checked at most every
:data:`CHECK_INTERVAL` seconds).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from kostra_functions.errors import KostraError

#: Folder holding the data files (installed as package data).
DATA_DIR = Path(__file__).parent
#: The code lists a catalog answers for.
KINDS = ("funksjon", "art")
#: Account classes: ``drift`` (operating, kontoklasse 1) and ``investering`` (capital, kontoklasse 0).
ACCOUNT_CLASSES = ("drift", "investering")

_FILES = {"funksjon": "functions.csv", "art": "arts.csv"}
_CHANGES_FILE = "changes.csv"
_COVERAGE_FILE = "coverage.csv"
_ENTRY_KINDS = {
    "funksjon": ("kommunal", "finansiell", "oslo_bydel", "fylkeskommunal"),
    "art": ("utgift", "inntekt"),
}
_ROW_REGIONS = ("", "oslo", "oslo_bydel")
_COVERAGE_REGIONS = ("", "oslo", "oslo_bydel", "oslo_kommune")
_CHANGE_TYPES = ("ny", "utgått", "nytt_navn", "endret_liste", "endret_region")
#: «Funksjon» or «Art», the word a message starts with.
KIND_LABEL = {"funksjon": "Funksjon", "art": "Art"}


@dataclass(frozen=True)
class CodeEntry:
    """One KOSTRA code as one source describes it for a period of years.

    ``kind`` is ``kommunal``, ``finansiell`` (800–899) or ``oslo_bydel`` (691–696) for a function,
    ``utgift`` (010–599) or ``inntekt`` (600–999) for an art. ``only`` is ``"drift"`` or
    ``"investering"`` when SSB's controls 020/025/040/050 allow the code in one account class only,
    else ``None``. ``name_certain`` is ``False`` when the name was not found in a source (marked
    INFERRED or IKKE FUNNET in ``reference/``) or is not verified for these years; ``name`` is then
    our best reading or ``""``. ``region`` is ``None`` (all municipalities), ``"oslo"`` (030100–030115)
    or ``"oslo_bydel"`` (030101–030115). ``valid_to`` is ``None`` while the code is in the newest list.
    """

    code: str
    name: str
    kind: str
    only: str | None
    name_certain: bool
    source: str
    table: str = "funksjon"
    region: str | None = None
    valid_from: int = 0
    valid_to: int | None = None
    note: str = ""

    @property
    def display_name(self) -> str:
        """The name as a controller sees it in a sheet or a report.

        A name the code list has no source for is not shown as an official name: a code without a
        name reads «Oslo-funksjon 691» (an Oslo-only code) or «Funksjon 691». How sure each name is
        stays in the data file (``navn_sikker``/``sikkerhet``) and in :attr:`name_certain`; it is not
        printed after the name in the committee's report."""
        if not self.name:
            label = "Art" if self.table == "art" else "Funksjon"
            if self.region and "oslo" in self.region:
                label = f"Oslo-{label.lower()}"
            return f"{label} {self.code}"
        return self.name

    def valid_in(self, year: int) -> bool:
        """Whether this row's period includes ``year`` (region not considered)."""
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


@dataclass(frozen=True)
class Change:
    """A year-to-year change of one code (``changes.csv``).

    The change takes effect on 1 January of a year between ``year_from`` and ``year_to``; the two are
    equal when the sources give the exact year. ``change`` is ``ny``, ``utgått``, ``nytt_navn``,
    ``endret_liste`` (moved between SSB's lists) or ``endret_region``.
    """

    year_from: int
    year_to: int
    table: str
    code: str
    change: str
    old_name: str
    new_name: str
    replaced_by: tuple[str, ...]
    note: str
    source: str

    @property
    def exact(self) -> bool:
        """True when the sources give the exact year."""
        return self.year_from == self.year_to

    def when(self) -> str:
        """Norwegian text for when the change took effect, e.g. ``1.1.2024``."""
        if self.exact:
            return f"1.1.{self.year_from}"
        return f"en gang mellom {self.year_from} og {self.year_to} (eksakt år ikke funnet)"


@dataclass(frozen=True)
class Coverage:
    """One row of ``coverage.csv``: whether a year's source covers a range of codes for a region."""

    year: int
    table: str
    region: str
    low: str
    high: str
    covered: bool
    source: str
    note: str

    def contains(self, code: str) -> bool:
        """Whether ``code`` lies in this row's range."""
        return self.low <= code <= self.high


@dataclass(frozen=True)
class CodeData:
    """Everything the data files say, checked: code rows per list, changes, coverage, their version."""

    rows: Mapping[str, tuple[CodeEntry, ...]]
    changes: tuple[Change, ...]
    coverage: tuple[Coverage, ...]
    version: str


# --------------------------------------------------------------------------------------- loading
def _data_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.glob("*.csv") if p.is_file())


#: Seconds between checks of the data files' modification times (a UDF call must stay cheap).
CHECK_INTERVAL = 1.0
_stamp_state: dict[str, object] = {"dir": None, "checked": -1e9, "stamp": ()}


def data_stamp() -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every data file: a cheap key for the caches.

    Re-read from disk at most every :data:`CHECK_INTERVAL` seconds, so an edited file is picked up
    at the next recalculation without a ``stat`` per cell.
    """
    now = time.monotonic()
    state = _stamp_state
    if state["dir"] == DATA_DIR and now - float(state["checked"]) < CHECK_INTERVAL:  # type: ignore[arg-type]
        return state["stamp"]  # type: ignore[return-value]
    out = []
    for p in _data_files():
        st = p.stat()
        out.append((str(p), st.st_mtime_ns, st.st_size))
    state.update(dir=DATA_DIR, checked=now, stamp=tuple(out))
    return tuple(out)


def _hash(contents: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(contents):
        digest.update(name.encode())
        digest.update(contents[name])
    return digest.hexdigest()[:16]


def code_lists_version() -> str:
    """A short hash of the bytes of every code list (``*.csv``) in the codes folder.

    It changes whenever a code list, change or coverage row changes; a :class:`Catalog` carries it
    as ``version``. It covers the code lists only: the version of all the data a result depends on
    (code lists, rule sets, controls), which caches are keyed by, is
    :func:`kostra_functions.versioning.data_version`.
    """
    return load_data(data_stamp()).version


def _bad(file: str, line: int, message: str) -> KostraError:
    return KostraError(message, where=f"kostra_functions/codes/{file}, linje {line}")


def _year(text: str, file: str, line: int, column: str, *, blank_ok: bool = False) -> int | None:
    text = text.strip()
    if not text and blank_ok:
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise _bad(file, line, f"kolonnen {column} må være et årstall med fire siffer (fant «{text}»).")
    return int(text)


def _code(text: str, file: str, line: int, column: str = "kode") -> str:
    text = text.strip()
    if not (len(text) == 3 and text.isascii() and text.isdigit()):
        raise _bad(file, line, f"kolonnen {column} må være en kode med tre siffer (fant «{text}»).")
    return text


def _choice(text: str, allowed: Iterable[str], file: str, line: int, column: str) -> str:
    text = text.strip()
    allowed = tuple(allowed)
    if text not in allowed:
        shown = ", ".join(f"«{a}»" for a in allowed)
        raise _bad(file, line, f"kolonnen {column} må være en av {shown} (fant «{text}»).")
    return text


def _read(
    contents: Mapping[str, bytes], name: str, columns: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    if name not in contents:
        raise KostraError(f"Datafilen kostra_functions/codes/{name} mangler.")
    reader = csv.DictReader(io.StringIO(contents[name].decode("utf-8-sig")))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise _bad(name, 1, f"kolonne(r) mangler: {', '.join(missing)}.")
    return [(i, {k: (v or "") for k, v in row.items() if k}) for i, row in enumerate(reader, start=2)]


_ROW_COLUMNS = ("kode", "navn", "type", "kun", "region", "gyldig_fra", "gyldig_til", "navn_sikker",
                "sikkerhet", "kilde")


def _parse_rows(contents: Mapping[str, bytes], table: str) -> tuple[CodeEntry, ...]:
    file = _FILES[table]
    entries: list[CodeEntry] = []
    for line, r in _read(contents, file, _ROW_COLUMNS):
        code = _code(r["kode"], file, line)
        valid_from = _year(r["gyldig_fra"], file, line, "gyldig_fra")
        valid_to = _year(r["gyldig_til"], file, line, "gyldig_til", blank_ok=True)
        assert valid_from is not None
        if valid_to is not None and valid_to < valid_from:
            raise _bad(file, line, "gyldig_til er før gyldig_fra.")
        if not r["kilde"].strip():
            raise _bad(file, line, "kolonnen kilde er tom; hver rad må ha en kilde.")
        only = _choice(r["kun"], ("", *ACCOUNT_CLASSES), file, line, "kun")
        region = _choice(r["region"], _ROW_REGIONS, file, line, "region")
        certain = _choice(r["navn_sikker"], ("ja", "nei"), file, line, "navn_sikker") == "ja"
        name = r["navn"].strip()
        if certain and not name:
            raise _bad(file, line, "navn_sikker er «ja», men navnet er tomt.")
        entries.append(CodeEntry(
            code=code,
            name=name,
            kind=_choice(r["type"], _ENTRY_KINDS[table], file, line, "type"),
            only=only or None,
            name_certain=certain,
            source=r["kilde"].strip(),
            table=table,
            region=region or None,
            valid_from=valid_from,
            valid_to=valid_to,
            note=r["sikkerhet"].strip(),
        ))
    by_code: dict[str, list[CodeEntry]] = {}
    for e in entries:
        by_code.setdefault(e.code, []).append(e)
    for code, group in by_code.items():
        group.sort(key=lambda e: e.valid_from)
        for a, b in itertools.pairwise(group):
            if a.valid_to is None or b.valid_from <= a.valid_to:
                raise KostraError(f"{KIND_LABEL[table]} {code} har overlappende gyldighetsperioder i "
                                  f"kostra_functions/codes/{file} ({a.valid_from}– og {b.valid_from}–).")
    return tuple(sorted(entries, key=lambda e: (e.code, e.valid_from)))


_CHANGE_COLUMNS = ("aar_fra", "aar_til", "liste", "kode", "endring", "gammelt_navn", "nytt_navn",
                   "erstattet_av", "sikkerhet", "kilde")


def _parse_changes(contents: Mapping[str, bytes]) -> tuple[Change, ...]:
    file = _CHANGES_FILE
    out = []
    for line, r in _read(contents, file, _CHANGE_COLUMNS):
        year_from = _year(r["aar_fra"], file, line, "aar_fra")
        year_to = _year(r["aar_til"], file, line, "aar_til")
        assert year_from is not None and year_to is not None
        if year_to < year_from:
            raise _bad(file, line, "aar_til er før aar_fra.")
        replaced_by = tuple(_code(c, file, line, "erstattet_av") for c in r["erstattet_av"].split())
        out.append(Change(
            year_from=year_from,
            year_to=year_to,
            table=_choice(r["liste"], KINDS, file, line, "liste"),
            code=_code(r["kode"], file, line),
            change=_choice(r["endring"], _CHANGE_TYPES, file, line, "endring"),
            old_name=r["gammelt_navn"].strip(),
            new_name=r["nytt_navn"].strip(),
            replaced_by=replaced_by,
            note=r["sikkerhet"].strip(),
            source=r["kilde"].strip(),
        ))
    return tuple(sorted(out, key=lambda c: (c.year_from, c.year_to, c.table, c.code)))


_COVERAGE_COLUMNS = ("aar", "liste", "region", "fra_kode", "til_kode", "dekning", "kilde", "merknad")


def _parse_coverage(contents: Mapping[str, bytes]) -> tuple[Coverage, ...]:
    file = _COVERAGE_FILE
    out = []
    for line, r in _read(contents, file, _COVERAGE_COLUMNS):
        year = _year(r["aar"], file, line, "aar")
        assert year is not None
        out.append(Coverage(
            year=year,
            table=_choice(r["liste"], KINDS, file, line, "liste"),
            region=_choice(r["region"], _COVERAGE_REGIONS, file, line, "region"),
            low=_code(r["fra_kode"], file, line, "fra_kode"),
            high=_code(r["til_kode"], file, line, "til_kode"),
            covered=_choice(r["dekning"], ("dekket", "ikke_dekket"), file, line, "dekning") == "dekket",
            source=r["kilde"].strip(),
            note=r["merknad"].strip(),
        ))
    return tuple(out)


@lru_cache(maxsize=2)
def load_data(stamp: tuple[tuple[str, int, int], ...]) -> CodeData:
    """Read and check every data file; cached per file stamp, so an edited file is re-read."""
    contents = {p.name: p.read_bytes() for p in _data_files()}
    return CodeData(
        rows=MappingProxyType({table: _parse_rows(contents, table) for table in KINDS}),
        changes=_parse_changes(contents),
        coverage=_parse_coverage(contents),
        version=_hash(contents),
    )



def covered_years(data: CodeData) -> tuple[int, ...]:
    """The years some source covers (in part or whole)."""
    return tuple(sorted({c.year for c in data.coverage if c.covered}))


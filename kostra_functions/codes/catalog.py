"""The KOSTRA code catalog: which functions and arts are valid in a year, with names and sources.

Reads the data files next to this module (``functions.csv``, ``arts.csv``, ``changes.csv``,
``coverage.csv``; columns are described in :mod:`kostra_functions.codes`) and answers, for one
accounting year and optionally one region (an Oslo district reports as ``030101``–``030115``):

>>> cat = Catalog.for_year(2024)
>>> cat.is_valid("202")
True
>>> cat.name("202")
'Grunnskole'
>>> cat.is_valid("254")
False
>>> cat.successors("254")
('257', '258')
>>> cat.is_valid("841", account_class="drift")
False
>>> Catalog.for_year(2023).is_valid("691"), Catalog.for_year(2023, region="030105").is_valid("691")
(False, True)

Sources (each data row names its own in the ``kilde`` column):

* 2023–2026: SSB's control program for municipal accounts, ``statisticsnorway/kostra-kontrollprogram``
  ``KommuneKostraMain.kt`` at @91278ab6 (2023), @f5ef6c6c (2024), @27c6b573 (2025), @17178682 (2026),
  as extracted in ``reference/ssb_gyldige_koder_kommune.csv``; only-drift/only-investment from its
  controls 020, 025, 040 and 050; Oslo's extra codes from ``osloFunksjoner``/``osloArter`` and
  ``RegnskapConstants.osloKommuner``.
* 2012: functions 100–215 from the KRD guide for the accounting year 2012 (seeds/002, ch. 2.5). The
  copy we have stops after function 215, so 2012 covers only those functions and no arts.
* 1999: the new function 383, the new art 629 and six renames (seeds/003, letter of 2.11.1998) are
  recorded as changes; 1999 itself is not a catalog year.

Years without a source (2013–2022, before 2012) are **not** extrapolated: :meth:`Catalog.for_year`
raises :class:`~kostra_functions.errors.OutOfRangeError` for them, and a code outside what a year's
source covers (a 2012 function above 215, any 2012 art, the county functions Oslo may also use)
raises the same error instead of being called invalid. ``coverage.csv`` lists what is covered.

Codes are always three-digit strings (``"010"``). Surrounding whitespace is stripped; numbers are
refused rather than coerced (``kostra_functions.excel.convert`` turns a cell's ``202.0`` into
``"202"`` before calling us).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from kostra_functions.errors import (
    InvalidArgumentError,
    InvalidCodeError,
    KostraError,
    MissingArgumentError,
    OutOfRangeError,
)

__all__ = [
    "ACCOUNT_CLASSES",
    "KINDS",
    "Catalog",
    "Change",
    "CodeEntry",
    "available_years",
    "data_version",
    "latest_year",
]

#: Folder holding the data files (installed as package data).
DATA_DIR = Path(__file__).parent
#: The code lists a catalog answers for.
KINDS = ("funksjon", "art")
#: Account classes: ``drift`` (operating, kontoklasse 1) and ``investering`` (capital, kontoklasse 0).
ACCOUNT_CLASSES = ("drift", "investering")
#: SSB region code of Oslo municipality and of its 15 districts (``RegnskapConstants.osloKommuner``).
OSLO_MUNICIPALITY = "030100"
OSLO_DISTRICTS = tuple(f"0301{n:02d}" for n in range(1, 16))

_FILES = {"funksjon": "functions.csv", "art": "arts.csv"}
_CHANGES_FILE = "changes.csv"
_COVERAGE_FILE = "coverage.csv"
_LABEL = {"funksjon": "Funksjon", "art": "Art"}
_CODE_WORD = {"funksjon": "funksjonskode", "art": "artskode"}
_EXAMPLE = {"funksjon": "202", "art": "010"}
_ENTRY_KINDS = {
    "funksjon": ("kommunal", "finansiell", "oslo_bydel", "fylkeskommunal"),
    "art": ("utgift", "inntekt"),
}
_ROW_REGIONS = ("", "oslo", "oslo_bydel")
_COVERAGE_REGIONS = ("", "oslo", "oslo_bydel", "oslo_kommune")
_CHANGE_TYPES = ("ny", "utgått", "nytt_navn", "endret_liste", "endret_region")
_REGION_TEXT = {
    "oslo": "Oslo kommune og Oslos bydeler (region 030100–030115)",
    "oslo_bydel": "Oslos bydeler (region 030101–030115)",
}
_REGION_ONLY = {
    "oslo": "bare for Oslo kommune og Oslos bydeler, region 030100–030115",
    "oslo_bydel": "bare for Oslos bydeler, region 030101–030115",
}


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
class _Coverage:
    year: int
    table: str
    region: str
    low: str
    high: str
    covered: bool
    source: str
    note: str

    def contains(self, code: str) -> bool:
        return self.low <= code <= self.high


@dataclass(frozen=True)
class _Data:
    rows: Mapping[str, tuple[CodeEntry, ...]]
    changes: tuple[Change, ...]
    coverage: tuple[_Coverage, ...]
    version: str


# --------------------------------------------------------------------------------------- loading
def _data_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.glob("*.csv") if p.is_file())


#: Seconds between checks of the data files' modification times (a UDF call must stay cheap).
CHECK_INTERVAL = 1.0
_stamp_state: dict[str, object] = {"dir": None, "checked": -1e9, "stamp": ()}


def _stamp() -> tuple[tuple[str, int, int], ...]:
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


def data_version() -> str:
    """A short hash of the bytes of every data file (``*.csv``) in the codes folder.

    It changes whenever a code list, change or coverage row changes, so caches of results that
    depend on the code lists can be keyed by it.
    """
    return _load(_stamp()).version


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
                raise KostraError(f"{_LABEL[table]} {code} har overlappende gyldighetsperioder i "
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


def _parse_coverage(contents: Mapping[str, bytes]) -> tuple[_Coverage, ...]:
    file = _COVERAGE_FILE
    out = []
    for line, r in _read(contents, file, _COVERAGE_COLUMNS):
        year = _year(r["aar"], file, line, "aar")
        assert year is not None
        out.append(_Coverage(
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
def _load(stamp: tuple[tuple[str, int, int], ...]) -> _Data:
    """Read and check every data file; cached per file stamp, so an edited file is re-read."""
    contents = {p.name: p.read_bytes() for p in _data_files()}
    return _Data(
        rows=MappingProxyType({table: _parse_rows(contents, table) for table in KINDS}),
        changes=_parse_changes(contents),
        coverage=_parse_coverage(contents),
        version=_hash(contents),
    )


# --------------------------------------------------------------------------------------- checks
def _join(codes: Iterable[str]) -> str:
    items = list(codes)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def _check_kind(kind: object) -> str:
    if isinstance(kind, str) and kind.strip().lower() in KINDS:
        return kind.strip().lower()
    raise InvalidArgumentError(f"Kodetypen må være «funksjon» eller «art» (fikk {kind!r}).")


def _check_account_class(account_class: object) -> str | None:
    if account_class is None:
        return None
    if isinstance(account_class, str):
        text = account_class.strip().lower()
        if not text:
            return None
        if text in ACCOUNT_CLASSES:
            return text
    raise InvalidArgumentError(
        f"Regnskapet må være «drift» eller «investering» (eller tomt for begge), fikk {account_class!r}."
    )


def _check_code(code: object, table: str) -> str:
    word = _CODE_WORD[table]
    if isinstance(code, bool) or not isinstance(code, str):
        is_number = isinstance(code, (int, float)) and not isinstance(code, bool)
        shown = f"tallet {code!r}" if is_number else repr(code)
        raise InvalidArgumentError(
            f"{word.capitalize()}n må være tekst med tre siffer, f.eks. «{_EXAMPLE[table]}» (fikk {shown})."
        )
    text = code.strip()
    if not text:
        raise MissingArgumentError(f"{word.capitalize()}n mangler (tom tekst).")
    if not (len(text) == 3 and text.isascii() and text.isdigit()):
        raise InvalidArgumentError(
            f"«{text}» er ikke en gyldig {word}: en KOSTRA-{table} har tre siffer, "
            f"f.eks. «{_EXAMPLE[table]}»."
        )
    return text


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidArgumentError(f"Året må være et heltall, f.eks. 2024 (fikk {year!r}).")
    return year


def _check_region(region: object) -> str | None:
    if region is None:
        return None
    if isinstance(region, str):
        text = region.strip()
        if not text:
            return None
        if text.isascii() and text.isdigit() and len(text) in (4, 6):
            return text if len(text) == 6 else text + "00"
    raise InvalidArgumentError(
        "Regionen må være et kommunenummer med fire siffer eller SSBs regionkode med seks siffer som tekst, "
        f"f.eks. «030105» for en bydel i Oslo (fikk {region!r})."
    )


def _region_tags(region: str | None) -> frozenset[str]:
    if region == OSLO_MUNICIPALITY:
        return frozenset({"oslo", "oslo_kommune"})
    if region in OSLO_DISTRICTS:
        return frozenset({"oslo", "oslo_bydel"})
    return frozenset()


def _applies(row_region: str | None, tags: frozenset[str]) -> bool:
    return not row_region or row_region in tags


def _is_covered(data: _Data, year: int, tags: frozenset[str], table: str, code: str) -> bool:
    rows = [c for c in data.coverage
            if c.year == year and c.table == table and _applies(c.region, tags) and c.contains(code)]
    return any(c.covered for c in rows) and not any(not c.covered for c in rows)


def _ranges_text(rows: Iterable[_Coverage]) -> str:
    parts = [r.low if r.low == r.high else f"{r.low}–{r.high}" for r in rows]
    return _join(parts)


def _years_text(data: _Data) -> str:
    parts = []
    for year in _covered_years(data):
        partial = []
        for table in KINDS:
            rows = [c for c in data.coverage
                    if c.year == year and c.table == table and c.covered and not c.region]
            if not rows:
                continue
            if not any(c.low == "000" and c.high == "999" for c in rows):
                partial.append(f"{table} {_ranges_text(rows)}")
        parts.append(f"{year} (bare {_join(partial)})" if partial else str(year))
    return _join(parts)


def _covered_years(data: _Data) -> tuple[int, ...]:
    return tuple(sorted({c.year for c in data.coverage if c.covered}))


def available_years() -> tuple[int, ...]:
    """The accounting years the catalog has a source for (some only partly: see ``coverage.csv``)."""
    return _covered_years(_load(_stamp()))


def latest_year() -> int:
    """The newest accounting year with a code list: the default year of the Excel functions.

    A fixed default (rather than today's year) keeps recalculated workbooks stable in CI; it moves
    only when a new year's code list is added.
    """
    return max(available_years())


# --------------------------------------------------------------------------------------- catalog
@dataclass(frozen=True, eq=False)
class Catalog:
    """The valid KOSTRA functions and arts of one accounting year, for one region.

    Build it with :meth:`for_year` (cached). ``region`` is SSB's six-digit region code, e.g.
    ``"030105"`` for an Oslo district, or ``None`` for an ordinary municipality; it matters only for
    Oslo's own codes (functions 691–696, arts 298/379/798).
    """

    year: int
    region: str | None
    version: str
    _data: _Data = field(repr=False)
    _tags: frozenset[str] = field(repr=False)
    _valid: Mapping[tuple[str, str], CodeEntry] = field(repr=False)

    # -- construction
    @classmethod
    def for_year(cls, year: int, region: str | None = None) -> Catalog:
        """The catalog for ``year`` (and ``region``), cached until a data file changes.

        Raises :class:`~kostra_functions.errors.OutOfRangeError` for a year without a source (for
        instance 2013–2022) and :class:`~kostra_functions.errors.InvalidArgumentError` for a year
        that is not an integer or a malformed region.
        """
        return _catalog(_check_year(year), _check_region(region), _stamp())

    @classmethod
    def _build(cls, year: int, region: str | None, data: _Data) -> Catalog:
        if year not in _covered_years(data):
            raise OutOfRangeError(
                f"Det finnes ingen kildebelagt KOSTRA-kodeliste for {year}. Kodekatalogen har "
                f"{_years_text(data)}; andre år er ikke lagt inn fordi kildene mangler."
            )
        tags = _region_tags(region)
        valid: dict[tuple[str, str], CodeEntry] = {}
        for table in KINDS:
            for e in data.rows[table]:
                if not (e.valid_in(year) and _applies(e.region, tags)):
                    continue
                if _is_covered(data, year, tags, table, e.code):
                    valid[(table, e.code)] = e
        return cls(year=year, region=region, version=data.version, _data=data, _tags=tags,
                   _valid=MappingProxyType(valid))

    # -- queries
    def is_covered(self, code: str, kind: str = "funksjon") -> bool:
        """Whether this year's sources say anything about ``code`` (valid or not) for this region."""
        table = _check_kind(kind)
        return self._coverage_problem(_check_code(code, table), table) is None

    def is_valid(self, code: str, kind: str = "funksjon", account_class: str | None = None) -> bool:
        """True when ``code`` is a valid ``kind`` (``"funksjon"``/``"art"``) this year and region.

        With ``account_class`` (``"drift"``/``"investering"``) a code that SSB allows only in the
        other account class is not valid. Malformed input (``""``, ``"20"``, ``202.0``) gives
        ``False``. A code the year's sources do not cover raises
        :class:`~kostra_functions.errors.OutOfRangeError` instead of guessing (see :meth:`validate`).
        """
        table = _check_kind(kind)
        ac = _check_account_class(account_class)
        try:
            self.validate(code, table, ac)
        except (InvalidCodeError, InvalidArgumentError):
            return False
        return True

    def validate(self, code: str, kind: str = "funksjon", account_class: str | None = None) -> CodeEntry:
        """Return the entry of a valid code, or raise with the reason in Norwegian.

        Raises :class:`~kostra_functions.errors.InvalidCodeError` for an unknown code, an expired one
        (with its successors), one not yet valid, one valid only for Oslo, or one valid only in the
        other account class (e.g. «Funksjon 841 er bare gyldig i investering, ikke i drift.»);
        :class:`~kostra_functions.errors.MissingArgumentError` /
        :class:`~kostra_functions.errors.InvalidArgumentError` for empty or malformed input;
        :class:`~kostra_functions.errors.OutOfRangeError` when this year's sources do not cover the code.
        """
        table = _check_kind(kind)
        ac = _check_account_class(account_class)
        code = _check_code(code, table)
        problem = self._coverage_problem(code, table)
        if problem is not None:
            raise OutOfRangeError(problem)
        entry = self._valid.get((table, code))
        if entry is None:
            raise InvalidCodeError(self._why_invalid(code, table))
        if ac is not None and entry.only is not None and entry.only != ac:
            raise InvalidCodeError(f"{_LABEL[table]} {code} er bare gyldig i {entry.only}, ikke i {ac}.")
        return entry

    def entry(self, code: str, kind: str = "funksjon") -> CodeEntry:
        """The :class:`CodeEntry` of a valid code (any account class); raises like :meth:`validate`."""
        return self.validate(code, kind)

    def name(self, code: str, kind: str = "funksjon") -> str:
        """The Norwegian name of a valid code; raises like :meth:`validate`.

        As :attr:`CodeEntry.display_name`: the code list's name, or «Oslo-funksjon 691» / «Funksjon 691»
        for a code without a sourced name. The raw name is :attr:`CodeEntry.name`.
        """
        return self.validate(code, kind).display_name

    def successors(self, code: str, kind: str = "funksjon") -> tuple[str, ...]:
        """The codes ``code`` was replaced by (any year), e.g. 254 → ``("257", "258")``; ``()`` if none."""
        table = _check_kind(kind)
        code = _check_code(code, table)
        out: list[str] = []
        for c in self._data.changes:
            if c.table == table and c.code == code:
                out.extend(s for s in c.replaced_by if s not in out)
        return tuple(out)

    def history(self, code: str, kind: str = "funksjon") -> tuple[Change, ...]:
        """Every recorded change of ``code`` (all years, oldest first), e.g. 383 new in 1999."""
        table = _check_kind(kind)
        code = _check_code(code, table)
        return tuple(c for c in self._data.changes if c.table == table and c.code == code)

    def codes(self, kind: str = "funksjon") -> tuple[str, ...]:
        """All valid codes of ``kind`` this year and region, sorted.

        For a partly covered year (2012) only the covered codes; raises
        :class:`~kostra_functions.errors.OutOfRangeError` if the year has no list of this kind at all.
        """
        table = _check_kind(kind)
        if not self._covering_rows(table):
            raise OutOfRangeError(self._no_list_text(table))
        return tuple(sorted(code for (t, code) in self._valid if t == table))

    # -- explanations
    def _covering_rows(self, table: str) -> list[_Coverage]:
        return [c for c in self._data.coverage
                if c.year == self.year and c.table == table and c.covered and _applies(c.region, self._tags)]

    def _no_list_text(self, table: str) -> str:
        what = "funksjoner" if table == "funksjon" else "arter"
        return (f"Kodelisten over {what} for {self.year} er ikke lagt inn i kodekatalogen (ingen kilde). "
                f"Kodekatalogen har {_years_text(self._data)}.")

    def _coverage_problem(self, code: str, table: str) -> str | None:
        covering = self._covering_rows(table)
        if not covering:
            return self._no_list_text(table)
        for c in self._data.coverage:
            if (c.year == self.year and c.table == table and not c.covered and _applies(c.region, self._tags)
                    and c.contains(code)):
                where = f" for region {self.region}" if self.region else ""
                return f"{_LABEL[table]} {code} kan ikke kontrolleres{where} i {self.year}: {c.note}."
        if not _is_covered(self._data, self.year, self._tags, table, code):
            ranges = _ranges_text(covering)
            return (f"{_LABEL[table]} {code} kan ikke kontrolleres for {self.year}: kodelisten for "
                    f"{self.year} dekker bare {table} {ranges} (kilde: {covering[0].source}).")
        return None

    def _why_invalid(self, code: str, table: str) -> str:
        label = f"{_LABEL[table]} {code}"
        rows = [e for e in self._data.rows[table] if e.code == code]
        this_year = [e for e in rows if e.valid_in(self.year)]
        if this_year:
            where = _REGION_TEXT.get(this_year[0].region or "", "enkelte regioner")
            if self.region:
                return f"{label} er bare gyldig for {where} i {self.year}, ikke for region {self.region}."
            return (f"{label} er bare gyldig for {where} i {self.year}. Oppgi regionen (f.eks. 030105 for en "
                    "bydel) hvis regnskapet gjelder Oslo.")
        expired = [c for c in self.history(code, table) if c.change == "utgått" and c.year_from <= self.year]
        if expired:
            last = expired[-1]
            text = f"{label} er ikke gyldig i {self.year}. Den utgikk {last.when()}"
            if last.replaced_by:
                text += f" og er erstattet av {_join(last.replaced_by)}"
            return text + "."
        later = [e for e in rows if e.valid_from > self.year]
        if later:
            first = min(later, key=lambda e: e.valid_from)
            where = f", og {_REGION_ONLY[first.region]}" if first.region else ""
            return f"{label} er ikke gyldig i {self.year}. Den gjelder først fra {first.valid_from}{where}."
        earlier = [e for e in rows if e.valid_to is not None and e.valid_to < self.year]
        if earlier:
            last_year = max(e.valid_to for e in earlier if e.valid_to is not None)
            return f"{label} er ikke gyldig i {self.year}. Den er sist belagt i kilde for {last_year}."
        return f"{label} finnes ikke i KOSTRA-kodelisten for {self.year}."


@lru_cache(maxsize=128)
def _catalog(year: int, region: str | None, stamp: tuple[tuple[str, int, int], ...]) -> Catalog:
    return Catalog._build(year, region, _load(stamp))

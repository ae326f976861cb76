"""The KOSTRA code catalog: which functions and arts are valid in a year, with names and sources.

Reads the data files next to this module (``functions.csv``, ``arts.csv``, ``changes.csv``,
``coverage.csv``; columns are described in :mod:`kostra_functions.codes`, read by
:mod:`kostra_functions.codes.data_files`) and answers, for one accounting year and optionally one
region (an Oslo district reports as ``030101``–``030115``):

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from kostra_functions.codes.data_files import (
    ACCOUNT_CLASSES,
    KIND_LABEL,
    KINDS,
    Change,
    CodeData,
    CodeEntry,
    Coverage,
    covered_years,
    data_stamp,
    load_data,
)
from kostra_functions.errors import (
    InvalidArgumentError,
    InvalidCodeError,
    MissingArgumentError,
    OutOfRangeError,
)

__all__ = [
    "Catalog",
    "available_years",
    "latest_year",
]

#: SSB region code of Oslo municipality and of its 15 districts (``RegnskapConstants.osloKommuner``).
OSLO_MUNICIPALITY = "030100"
OSLO_DISTRICTS = tuple(f"0301{n:02d}" for n in range(1, 16))

_CODE_WORD = {"funksjon": "funksjonskode", "art": "artskode"}
_EXAMPLE = {"funksjon": "202", "art": "010"}
_REGION_TEXT = {
    "oslo": "Oslo kommune og Oslos bydeler (region 030100–030115)",
    "oslo_bydel": "Oslos bydeler (region 030101–030115)",
}
_REGION_ONLY = {
    "oslo": "bare for Oslo kommune og Oslos bydeler, region 030100–030115",
    "oslo_bydel": "bare for Oslos bydeler, region 030101–030115",
}



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


def _is_covered(data: CodeData, year: int, tags: frozenset[str], table: str, code: str) -> bool:
    rows = [c for c in data.coverage
            if c.year == year and c.table == table and _applies(c.region, tags) and c.contains(code)]
    return any(c.covered for c in rows) and not any(not c.covered for c in rows)


def _ranges_text(rows: Iterable[Coverage]) -> str:
    parts = [r.low if r.low == r.high else f"{r.low}–{r.high}" for r in rows]
    return _join(parts)


def _years_text(data: CodeData) -> str:
    parts = []
    for year in covered_years(data):
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



def available_years() -> tuple[int, ...]:
    """The accounting years the catalog has a source for (some only partly: see ``coverage.csv``)."""
    return covered_years(load_data(data_stamp()))


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
    _data: CodeData = field(repr=False)
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
        return _catalog(_check_year(year), _check_region(region), data_stamp())

    @classmethod
    def _build(cls, year: int, region: str | None, data: CodeData) -> Catalog:
        if year not in covered_years(data):
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
            raise InvalidCodeError(f"{KIND_LABEL[table]} {code} er bare gyldig i {entry.only}, ikke i {ac}.")
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
    def _covering_rows(self, table: str) -> list[Coverage]:
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
                return f"{KIND_LABEL[table]} {code} kan ikke kontrolleres{where} i {self.year}: {c.note}."
        if not _is_covered(self._data, self.year, self._tags, table, code):
            ranges = _ranges_text(covering)
            return (f"{KIND_LABEL[table]} {code} kan ikke kontrolleres for {self.year}: kodelisten for "
                    f"{self.year} dekker bare {table} {ranges} (kilde: {covering[0].source}).")
        return None

    def _why_invalid(self, code: str, table: str) -> str:
        label = f"{KIND_LABEL[table]} {code}"
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
    return Catalog._build(year, region, load_data(stamp))

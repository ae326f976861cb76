"""Ledger and budget exports (Agresso/Unit4) read into one typed DataFrame.

A district controller gets the accounts (regnskap) and the adjusted budget (justert budsjett) out of
UNIT4-Agresso as CSV or as an Excel workbook. :func:`read_ledger` reads both kinds into the
canonical frame every other module works on; :func:`ledger_from_frame` does the same for a table
that comes from an Excel range (``KOSTRA_AVVIK_TABELL`` and friends).

Canonical columns
-----------------
=============  =================================================================================
``art``        internal 5-digit art as written in the file, leading zeros kept (``"10100"``,
               ``"01010"``); first digit 1 = drift, 0 = investering (økonomireglementet §2.1.2)
``ansvar``     responsibility (cost centre), digits
``funksjon``   KOSTRA function, 3 digits
``prosjekt``   project number, ``""`` when the row has none (or the file has no project column)
``periode``    ``int`` 1–13 (13 = Agresso's year-end closing period)
``belop``      ``float``, kroner; expenses positive, revenues negative (as in the accounts)
``kilde_rad``  ``int``, 1-based row number in the source (file or range) counting the header row
               (and any title lines above it): the row a controller sees when opening the file in
               Excel. A quoted CSV text that spans lines (Agresso does not write them) shifts the
               numbers of the rows after it by the extra lines.
=============  =================================================================================

The four code columns are pandas ``category`` columns whose values are ``str`` (never numbers):
compare them with strings as usual (``df.art == "10100"``, ``df.funksjon.isin([...])``,
``df.art.str[1:4]``); call ``.astype(str)`` when a plain string column is needed. Categories make a
million-row ledger cheap to validate and group: every distinct code is checked once, not per row.

``df.attrs`` holds ``kind`` (``"regnskap"``/``"budsjett"``), ``path`` (the file, or the ``source``
label of a frame), ``aar`` (the year when periods were written as ``YYYYMM``, else ``None``),
``kolonner`` (canonical name → header text used), ``tomme_rader`` (row numbers of blank rows that
were skipped because they hold nothing at all), ``utfylte_koder`` (per code column, how many
distinct codes got their leading zeros back) and for CSV ``koding`` (the text encoding found).

What is accepted
----------------
* CSV separated by ``;`` (also tab or ``,``, recognised from the header row), decimal comma
  (decimal point for ``,``-separated files); thousands separated by space, no-break space or dots
  (``"1 234 567,50"``, ``"1.234,50"``), trailing minus, ``kr``; all through
  :func:`kostra_functions.cells.parse_amount_text`, with a vectorised fast path for plain
  columns. An amount such as ``"1,234"`` (1–3 digits, a separator and exactly three digits) is
  refused as ambiguous, exactly as the Excel functions refuse it.
* Text encodings: UTF-8 (with or without BOM) or Windows-1252 (what Agresso and Excel write on
  Norwegian Windows), detected from the bytes. A file that is neither (UTF-16, binary, a byte that
  Windows-1252 does not define) is refused with the row where the problem is.
* XLSX/XLSM (read-only, stored values; the first sheet that has a recognisable header row, or
  ``sheet=``). Old ``.xls`` is refused with advice.
* Title lines above the header are skipped: the header is the first of the first 30 rows where at
  least three of the canonical columns are recognised.
* Header names are matched ignoring case, spaces, punctuation and accents (``Beløp``, ``BELOP``,
  ``beløp (kr)``). Recognised names: see :data:`HEADER_ALIASES` and :data:`AMOUNT_ALIASES`.
* Periods: ``6``, ``06``, ``6.0`` or Agresso's ``202306`` (year and month; every such row must be
  in the same year, or in ``year`` when given), and dates in XLSX (the month of the date).
* Codes that lost their leading zeros because Excel read them as numbers (``1010`` or ``1010.0``
  for art ``01010``) get them back up to the rule set's width (art 5, ansvar 3, funksjon 3, prosjekt
  5); how many is recorded in ``attrs["utfylte_koder"]``. Longer codes are never cut.

What is refused (:class:`~kostra_functions.errors.LedgerFormatError`, naming file, sheet, row and
column, listing up to :data:`MAX_REPORTED` problems at once): a missing required column, two
columns that mean the same thing, an unparseable or missing amount, a period outside 1–13 (budget:
1–12) or of another year, a code that is not digits or has the wrong width, an art whose first
digit is neither drift nor investering, an empty file or one with only a header, a file larger than
:data:`MAX_FILE_BYTES`. Text is never interpreted: a cell such as ``=HYPERLINK(...)`` is just text
and is refused where a code belongs. Rows are never dropped, except rows that are blank in every
column we read (listed in ``attrs["tomme_rader"]``).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from kostra_functions import formatting, safety
from kostra_functions.cells import MAX_AMOUNT, as_excel_error, parse_amount_text
from kostra_functions.errors import InvalidArgumentError, KostraError, LedgerFormatError
from kostra_functions.rulesets import RuleSet, load_ruleset

__all__ = [
    "AMOUNT_ALIASES",
    "CANONICAL_COLUMNS",
    "HEADER_ALIASES",
    "MAX_FILE_BYTES",
    "ledger_from_frame",
    "load_table",
    "read_ledger",
]

Kind = Literal["regnskap", "budsjett"]
KINDS: tuple[str, ...] = ("regnskap", "budsjett")

#: Column order of the returned frame.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "art", "ansvar", "funksjon", "prosjekt", "periode", "belop", "kilde_rad",
)

#: Files larger than this are refused (bytes); pass ``max_bytes`` to change it per call.
MAX_FILE_BYTES = 2 * 1024**3

#: At most this many problems are listed in one error message (the count of the rest is given).
MAX_REPORTED = 20

#: How many rows at the top are searched for the header row.
HEADER_SEARCH_ROWS = 30

#: Header names per canonical column, *normalised* (lower case, ø→o, æ→ae, å→a, only a–z and 0–9).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "art": ("art", "konto", "kontoart", "artskonto", "artkonto", "kontonr", "kontonummer", "artsnr",
            "artnr", "kto", "account"),
    "ansvar": ("ansvar", "ansvarssted", "ansvarsnr", "ansvarsnummer", "ansvarskode", "ansv",
               "koststed", "kostnadssted", "responsibility"),
    "funksjon": ("funksjon", "tjeneste", "funksjonsnr", "funksjonskode", "kostrafunksjon", "tjenestenr",
                 "tjenestekode", "function"),
    "prosjekt": ("prosjekt", "prosjektnr", "prosjektnummer", "prosj", "project"),
    "periode": ("periode", "per", "regnskapsperiode", "periodenr", "period", "maned", "mnd"),
}

#: Amount headers by kind, best first; the first level present wins. ``belop`` (Beløp) is generic.
AMOUNT_ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "regnskap": (
        ("regnskap", "regnskapsbelop", "faktisk", "actual"),
        ("belop", "beloep", "belopkr", "belopnok", "amount"),
    ),
    "budsjett": (
        ("justertbudsjett", "justbudsjett", "revidertbudsjett", "revbudsjett", "budsjettjustert"),
        ("budsjett", "budsjettbelop", "budget"),
        ("belop", "beloep", "belopkr", "belopnok", "amount"),
    ),
}
#: Budget columns that are *not* the adjusted budget; never used as the amount.
ORIGINAL_BUDGET_HEADERS: tuple[str, ...] = ("opprinneligbudsjett", "opprbudsjett", "vedtattbudsjett",
                                            "originalbudsjett")

_REQUIRED = ("art", "ansvar", "funksjon", "periode", "belop")
_AMOUNT_EXAMPLES = {"regnskap": ("Beløp", "Regnskap"), "budsjett": ("Justert budsjett", "Budsjett", "Beløp")}
_LABEL = {"art": "art", "ansvar": "ansvar", "funksjon": "funksjon", "prosjekt": "prosjekt",
          "periode": "periode", "belop": "beløp"}
_EXAMPLE_HEADER = {"art": "Art", "ansvar": "Ansvar", "funksjon": "Funksjon", "prosjekt": "Prosjekt",
                   "periode": "Periode"}


# ------------------------------------------------------------------------------------------ helpers
def normalise_header(text: Any) -> str:
    """A header cell reduced for matching: lower case, no accents, only a–z and 0–9.

    >>> normalise_header(" Beløp (kr) "), normalise_header("Justert  budsjett"), normalise_header("ÅR")
    ('belopkr', 'justertbudsjett', 'ar')
    """
    s = "" if text is None else str(text)
    s = s.lower().replace("ø", "o").replace("æ", "ae").replace("œ", "oe").replace("ß", "ss")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", s)


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _show(value: Any, limit: int = 40) -> str:
    """A cell value for a message: control characters removed, long text cut."""
    text = str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rows_text(rows: Sequence[int], total: int | None = None, shown: int = 5) -> str:
    """Row numbers as a Norwegian message names them: «rad 3», «rad 3, 4 og 7», or the first
    ``shown`` and how many more («rad 2, 3, 4, 5, 6 og 12 rader til»)."""
    total = len(rows) if total is None else total
    first = [str(r) for r in list(rows)[:shown]]
    if total == 1:
        return f"rad {first[0]}"
    if total <= shown:
        return "rad " + ", ".join(first[:-1]) + " og " + first[-1]
    return f"rad {', '.join(first)} og {formatting.whole(total - len(first))} rader til"


@dataclass
class _Source:
    """Where data comes from, for messages: a file (and sheet) or a range label."""

    label: str
    path: str
    sheet: str | None = None

    def where(self) -> str:
        return f"{self.label}, ark «{self.sheet}»" if self.sheet else self.label


@dataclass
class _Column:
    """One column of the source that feeds a canonical column."""

    name: str  # canonical
    header: str  # as written
    index: int  # 0-based position in the source

    def describe(self) -> str:
        return f"kolonne «{_show(self.header)}» ({column_letter(self.index)})"


@dataclass
class _Problems:
    """Problems found in the rows; raised together as one LedgerFormatError."""

    source: _Source
    items: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0

    def add(self, rows: Sequence[int] | np.ndarray, column: _Column | None, message: str) -> None:
        rows = [int(r) for r in rows]
        if not rows:
            return
        where = rows_text(rows)
        if column is not None:
            where += ", " + column.describe()
        self.items.append((rows[0], f"{where}: {message}"))
        self.total += 1

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])
        lines = [text for _, text in self.items[:MAX_REPORTED]]
        if self.total == 1:
            message = lines[0]
        else:
            message = f"{self.total} feil:\n  " + "\n  ".join(lines)
            if self.total > MAX_REPORTED:
                message += f"\n  … og {self.total - MAX_REPORTED} feil til."
        raise LedgerFormatError(message, where=self.source.where())


def _error(source: _Source, message: str) -> LedgerFormatError:
    return LedgerFormatError(message, where=source.where())


@dataclass(frozen=True)
class _Widths:
    art: int
    ansvar: int
    funksjon: int
    prosjekt: int
    art_first: tuple[str, str]  # (drift, investering)


def _widths(ruleset: str | RuleSet | None) -> _Widths:
    rs = load_ruleset(ruleset)
    return _Widths(
        art=int(rs.get("kontostreng.art.siffer")),
        ansvar=int(rs.get("kontostreng.ansvar.siffer")),
        funksjon=int(rs.get("kontostreng.funksjon.siffer")),
        prosjekt=int(rs.get("kontostreng.prosjekt.siffer")),
        art_first=(str(rs.get("kontostreng.art.drift_forste_siffer")),
                   str(rs.get("kontostreng.art.investering_forste_siffer"))),
    )


# ------------------------------------------------------------------------------------- header row
def _match_header(cells: Sequence[Any], kind: str | None) -> tuple[dict[str, _Column], list[str], str | None]:
    """Canonical columns found in a header row, duplicate problems, and the kind the amount implies."""
    found: dict[str, list[_Column]] = {}
    norm = [normalise_header(c) for c in cells]
    for i, (cell, key) in enumerate(zip(cells, norm, strict=True)):
        for name, aliases in HEADER_ALIASES.items():
            if key in aliases:
                found.setdefault(name, []).append(_Column(name, str(cell).strip(), i))
    problems = []
    columns: dict[str, _Column] = {}
    for name, cols in found.items():
        if len(cols) > 1:
            problems.append(_duplicate_text(name, cols))
        columns[name] = cols[0]
    # amount: choose by kind and priority level
    implied: str | None = None
    kinds = [kind] if kind else list(KINDS)
    candidates: dict[str, tuple[int, list[_Column]]] = {}
    for k in kinds:
        for level, aliases in enumerate(AMOUNT_ALIASES[k]):
            cols = [_Column("belop", str(cells[i]).strip(), i)
                    for i, key in enumerate(norm) if key in aliases]
            if cols:
                candidates[k] = (level, cols)
                break
    if kind is None and candidates:
        specific = {k for k, (level, cols) in candidates.items()
                    if not all(normalise_header(c.header) in AMOUNT_ALIASES[k][-1] for c in cols)}
        if len(specific) == 2:
            names = [c.header for k in KINDS for c in candidates[k][1]]
            problems.append(
                "filen har både regnskaps- og budsjettbeløp (" + ", ".join(f"«{n}»" for n in names) + "); "
                "oppgi om den skal leses som regnskap eller budsjett"
            )
            implied = None
        else:
            implied = specific.pop() if specific else "regnskap"
    elif kind is not None:
        implied = kind
    chosen = candidates.get(implied) if implied else None
    if chosen:
        level, cols = chosen
        if len(cols) > 1:
            problems.append(_duplicate_text("belop", cols))
        columns["belop"] = cols[0]
    return columns, problems, implied


def _duplicate_text(name: str, cols: Sequence[_Column]) -> str:
    shown = " og ".join(f"«{_show(c.header)}» ({column_letter(c.index)})" for c in cols)
    return (f"kolonnene {shown} betyr begge {_LABEL[name]}; fjern eller gi nytt navn til den som ikke "
            "skal brukes")


def _missing_text(columns: dict[str, _Column], cells: Sequence[Any], kind: str | None) -> list[str]:
    out = []
    for name in _REQUIRED:
        if name in columns:
            continue
        if name == "belop":
            k = kind or "regnskap"
            norm = [normalise_header(c) for c in cells]
            originals = [str(cells[i]).strip()
                         for i, key in enumerate(norm) if key in ORIGINAL_BUDGET_HEADERS]
            if k == "budsjett" and originals:
                out.append(
                    f"kolonnen for justert budsjett mangler: fant bare «{originals[0]}», som er det "
                    "opprinnelige budsjettet; eksporter justert budsjett (kolonnen «Justert budsjett» "
                    "eller «Budsjett»)"
                )
                continue
            names = _AMOUNT_EXAMPLES[k]
            out.append(f"kolonnen for beløp mangler (forventet f.eks. {', '.join(f'«{n}»' for n in names)})")
        else:
            out.append(f"kolonnen «{_EXAMPLE_HEADER[name]}» mangler")
    return out


def _header_found_text(cells: Sequence[Any]) -> str:
    names = [f"«{_show(c)}»" for c in cells if c is not None and str(c).strip()]
    return ", ".join(names[:15]) + (" …" if len(names) > 15 else "") if names else "(ingen)"


def _score(cells: Sequence[Any]) -> int:
    norm = {normalise_header(c) for c in cells}
    score = sum(1 for aliases in HEADER_ALIASES.values() if norm & set(aliases))
    amount = {a for levels in AMOUNT_ALIASES.values() for level in levels for a in level}
    return score + (1 if norm & amount else 0)


# --------------------------------------------------------------------------------------- encoding
_CHUNK = 1 << 22
#: The bytes Windows-1252 leaves undefined (``bytes([b]).decode("cp1252")`` fails for exactly these).
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


def _detect_encoding(path: Path, source: _Source) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp1252`` from the file's bytes; LedgerFormatError otherwise."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding, start = "utf-8-sig", 3
        elif head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise _error(source, "filen er lagret som UTF-16 («Unicode-tekst»). Lagre den som «CSV UTF-8» "
                                 "eller «CSV (semikolonseparert)» og prøv igjen.")
        else:
            encoding, start = "utf-8", 0
        fh.seek(start)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = start
        utf8_ok = True
        while chunk := fh.read(_CHUNK):
            if b"\x00" in chunk:
                line = _line_at(path, offset + chunk.index(b"\x00"))
                raise _error(source, f"rad {line}: filen inneholder binære data (NUL-tegn) og er ikke en "
                                     "tekstfil (CSV).")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                if encoding == "utf-8-sig":
                    line = _line_at(path, offset + max(exc.start, 0))
                    raise _error(source, f"rad {line}: filen starter med UTF-8-merke (BOM), men "
                                         "inneholder tegn som ikke er gyldig UTF-8. Lagre filen på nytt som "
                                         "«CSV UTF-8».") from None
                utf8_ok = False
                break
            offset += len(chunk)
        if utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
        if utf8_ok:
            return encoding
        fh.seek(0)
        offset = 0
        while chunk := fh.read(_CHUNK):
            # Windows-1252 defines every byte but five: searching for them is what decoding would
            # check, without building the text (pandas decodes the file again anyway).
            found = [i for i in (chunk.find(b) for b in _CP1252_UNDEFINED) if i >= 0]
            if found:
                start = min(found)
                line = _line_at(path, offset + start)
                raise _error(
                    source,
                    f"rad {line}: filen er verken UTF-8 eller Windows-1252 (byte 0x{chunk[start]:02X} "
                    "finnes ikke i noen av dem). Åpne filen i Excel og lagre som «CSV UTF-8».",
                )
            offset += len(chunk)
    return "cp1252"


def _line_at(path: Path, offset: int) -> int:
    """1-based line number of a byte offset (only computed when there is an error to report)."""
    line = 1
    with path.open("rb") as fh:
        while offset > 0:
            chunk = fh.read(min(_CHUNK, offset))
            if not chunk:
                break
            line += chunk.count(b"\n")
            offset -= len(chunk)
    return line


# ------------------------------------------------------------------------------------------ reading
def read_ledger(
    path: str | Path,
    *,
    kind: Kind | None = None,
    year: int | None = None,
    sheet: str | None = None,
    ruleset: str | RuleSet | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read an accounts or budget export (CSV or XLSX) into the canonical ledger frame.

    ``kind``: ``"regnskap"`` (accounts) or ``"budsjett"`` (adjusted budget spread over periods
    1–12; the sum is the adjusted annual budget). ``None`` decides from the amount header:
    «Budsjett»/«Justert budsjett» → budget, «Regnskap» → accounts, a generic «Beløp» → accounts.
    ``year``: when given, periods written as ``YYYYMM`` must be in this year. ``sheet``: XLSX sheet
    name (default: the first sheet with a header row). ``ruleset``: gives the code widths
    (default ``oslo_bydel``). ``max_bytes``: size limit (default :data:`MAX_FILE_BYTES`).

    Amounts are kroner, expenses positive, revenues negative, exactly as in the file. Raises
    :class:`~kostra_functions.errors.LedgerFormatError` naming file, row and column (see the
    module docstring for what is accepted).
    """
    if kind is not None and kind not in KINDS:
        raise InvalidArgumentError(f"Filtypen må være «regnskap» eller «budsjett», ikke «{kind}».")
    p = Path(path)
    source = _Source(label=str(path), path=str(path))
    if not p.exists():
        raise _error(source, "filen finnes ikke.")
    if p.is_dir():
        raise _error(source, "dette er en mappe, ikke en fil.")
    limit = MAX_FILE_BYTES if max_bytes is None else int(max_bytes)
    size = p.stat().st_size
    if size > limit:
        raise _error(source, f"filen er {_size_text(size)}, mer enn grensen på {_size_text(limit)}. Del opp "
                             "eksporten (f.eks. per periode eller ansvar) eller øk grensen.")
    if size == 0:
        raise _error(source, "filen er tom (0 byte).")
    widths = _widths(ruleset)
    with p.open("rb") as fh:
        magic = fh.read(8)
    suffix = p.suffix.lower()
    if magic.startswith(b"%PDF"):
        raise _error(source, "dette er en PDF-fil, ikke en eksport. Eksporter regnskapet fra Agresso som CSV "
                             "eller .xlsx.")
    if magic.startswith(b"\xd0\xcf\x11\xe0") and suffix in (".xlsx", ".xlsm"):
        raise _error(source, "arbeidsboken er passordbeskyttet (kryptert) eller lagret i det gamle "
                             "Excel-formatet (.xls). Fjern passordet, lagre som .xlsx eller CSV og prøv "
                             "igjen.")
    if magic.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise _error(source, "dette er det gamle Excel-formatet (.xls). Lagre filen som .xlsx eller som "
                             "CSV (semikolonseparert) og prøv igjen.")
    if magic.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        if not magic.startswith(b"PK\x03\x04"):
            raise _error(source, "filen har endelsen .xlsx, men er ikke en Excel-arbeidsbok.")
        frame = _read_xlsx(p, source, kind=kind, year=year, sheet=sheet, widths=widths, limit=limit)
    else:
        frame = _read_csv(p, source, kind=kind, year=year, widths=widths)
    return frame


def _size_text(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB".replace(".", ",")
    if n >= 1024**2:
        return f"{n / 1024**2:.1f} MB".replace(".", ",")
    return f"{formatting.whole(n)} byte"


def _split_line(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep, quotechar='"'))
    except (StopIteration, csv.Error):
        return line.split(sep)


def _read_csv(path: Path, source: _Source, *, kind: str | None, year: int | None,
              widths: _Widths) -> pd.DataFrame:
    encoding = _detect_encoding(path, source)
    with path.open("r", encoding=encoding, newline="") as fh:
        head = fh.read(1 << 16)
    lines = re.split(r"\r\n|\n|\r", head)  # also Excel for Mac's «CSV (Macintosh)», lines ended by CR
    if len(head) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    if not any(ln.strip() for ln in lines):
        raise _error(source, "filen er tom (ingen rader med tekst).")
    header_index = None
    best: tuple[int, str] = (0, ";")
    for i, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if not line.strip():
            continue
        for sep in (";", "\t", ","):
            if sep not in line and sep != ";":
                continue
            score = _score(_split_line(line, sep))
            if score > best[0]:
                best = (score, sep)
        if best[0] >= 3:
            header_index = i
            break
    if header_index is None:
        first = next(ln for ln in lines if ln.strip())
        raise _error(
            source,
            "fant ingen overskriftsrad med kolonnene Art, Ansvar, Funksjon, Periode og Beløp blant de "
            f"første {HEADER_SEARCH_ROWS} radene. Første rad er: «{_show(first, 80)}». Filen skal være "
            "semikolonseparert (;) med én overskriftsrad.",
        )
    sep = best[1]
    header_cells = _split_line(lines[header_index], sep)
    header_row = header_index + 1
    columns, problems, implied = _match_header(header_cells, kind)
    problems += _missing_text(columns, header_cells, kind)
    if problems:
        raise _error(source, f"overskriftsraden (rad {header_row}): " + "; ".join(problems)
                     + f". Kolonnene i filen er: {_header_found_text(header_cells)}.")
    assert implied is not None
    used = sorted(columns.values(), key=lambda c: c.index)
    decimal = "." if sep == "," else ","
    # Codes are read as categories (each distinct code parsed and checked once). Columns we do not
    # use are read too, because ``usecols`` makes pandas' C parser about twice as slow: as numbers
    # when the first rows hold only numbers (voucher numbers), as categories when they show few
    # distinct values, else as plain objects. If a guess fails, everything is re-read safely.
    codes: dict[int, Any] = {c.index: "category" for c in used if c.name != "belop"}
    amount_col = columns["belop"]
    sample = [_split_line(ln, sep) for ln in lines[header_index + 1:] if ln.strip()]
    guessed: dict[int, Any] = {}
    safe: dict[int, Any] = {}
    for i in range(len(header_cells)):
        if i in codes or i == amount_col.index:
            continue
        seen = [r[i].strip() for r in sample if i < len(r)]
        few = len(set(seen)) <= max(1, len(seen) // 2)
        safe[i] = "category" if few else object
        numeric = bool(seen) and all(_NUMBER_TEXT.match(v) for v in seen if v)
        guessed[i] = "float64" if numeric and not few else safe[i]
    read_kwargs: dict[str, Any] = dict(
        # The columns are the header's or the first data row's (a trailing «;»): without names,
        # pandas takes their number from the first line after the header, so a blank line there made
        # every row «no data» (issue 15). A later, wider row is still refused by the parser.
        sep=sep, header=None, names=range(max(len(header_cells), len(sample[0]) if sample else 0)),
        index_col=False,
        skiprows=header_row, encoding=encoding,
        keep_default_na=False, na_filter=True, na_values=[""], skip_blank_lines=False, quotechar='"',
        engine="c", decimal=decimal,
    )
    empty = _error(source, f"filen har en overskriftsrad (rad {header_row}), men ingen rader med data.")

    def read(dtype: dict[int, Any]) -> pd.DataFrame:
        try:
            return pd.read_csv(path, dtype=dtype, **read_kwargs)
        except pd.errors.EmptyDataError:
            raise empty from None
        except pd.errors.ParserError as exc:
            raise _parser_error(source, exc, header_cells) from None

    # Fast path: the C parser reads plain amounts ("-1234,50") as floats. Anything else (thousands
    # separators, "kr", blanks, or a value the text rules would read differently) is re-read as text.
    fast = True
    try:
        raw = read({**guessed, **codes, amount_col.index: "float64"})
        fast = not _needs_text_amounts(raw[amount_col.index].to_numpy(dtype=np.float64))
    except ValueError:  # a value the float parser refuses: read the amounts as text
        fast = False
    if not fast:
        raw = read({**safe, **codes, amount_col.index: object})
    n = len(raw)
    if n == 0:
        raise empty
    rows = np.arange(header_row + 1, header_row + 1 + n, dtype=np.int64)
    _check_complete(path, source, sep, int(rows[-1]))
    values: dict[str, Any] = {}
    for c in used:
        if c.index not in raw.columns:  # no data row reaches this column
            values[c.name] = _object_array([None] * n)
        elif c.name == "belop":
            values[c.name] = raw[c.index].to_numpy()
        else:
            values[c.name] = raw[c.index].array
    frame = _build(values, columns, rows, source=source, kind=implied, year=year, widths=widths,
                   amounts_are_text=not fast, decimal=decimal)
    frame.attrs["koding"] = encoding
    return frame


def _check_complete(path: Path, source: _Source, sep: str, last_row: int) -> None:
    """Refuse a file whose last line has data but no line break: it may be cut off mid-amount.

    Every program that exports CSV (Agresso, Excel, LibreOffice) ends each row with a line break; a
    download or copy that was interrupted does not, and «100 000,00» cut to «100» would otherwise be
    read as a plausible, wrong amount.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if tail.endswith((b"\n", b"\r")):
        return
    last = re.split(rb"\r\n|\n|\r", tail)[-1]
    if not last.replace(sep.encode(), b"").replace(b'"', b"").strip():
        return  # only separators: nothing can have been cut
    raise _error(source, f"rad {last_row} (siste rad) slutter uten linjeskift, så filen kan være avkortet "
                         "(f.eks. en kopiering eller nedlasting som ble avbrutt), og et beløp kan være "
                         "kuttet. Kontroller at siste rad er hel og avslutt den med linjeskift, eller "
                         "eksporter filen på nytt.")


def _parser_error(source: _Source, exc: Exception, header: Sequence[str]) -> LedgerFormatError:
    text = str(exc)
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:
        return _error(source, f"rad {int(m.group(1)) + 1}: et anførselstegn (\") åpner en tekst som aldri "
                              "avsluttes, så resten av filen ville blitt lest som én tekst. Fjern eller "
                              "doble anførselstegnet (\"\").")
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        expected, line, saw = m.groups()
        return _error(source, f"rad {line} har {saw} felt, men radene over har {expected} "
                              f"(overskriftsraden har {len(header)}). Sjekk om et semikolon (;) står i en "
                              "tekst uten anførselstegn.")
    return _error(source, f"filen kan ikke leses som CSV: {_show(text, 120)}.")


def _read_xlsx(path: Path, source: _Source, *, kind: str | None, year: int | None, sheet: str | None,
               widths: _Widths, limit: int) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise _error(source, "filen er ikke en gyldig Excel-arbeidsbok (.xlsx); den kan være skadet.") \
            from None
    if unpacked > 4 * limit:
        raise _error(source, f"arbeidsboken pakker seg ut til {_size_text(unpacked)}, mer enn grensen. "
                             "Eksporter som CSV eller del opp filen.")
    # zip bombs, XML entities and oversized sheets are refused before openpyxl parses anything
    wb = safety.open_xlsx(path, where=source.where())
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise _error(source, f"arket «{sheet}» finnes ikke; arkene er "
                                     + ", ".join(f"«{s}»" for s in wb.sheetnames) + ".")
            sheets = [wb[sheet]]
        else:
            sheets = list(wb.worksheets)
        for ws in sheets:
            result = _read_sheet(ws, path, source, kind=kind, year=year, widths=widths,
                                 last=ws is sheets[-1])
            if result is not None:
                return result
    finally:
        wb.close()
    raise _error(source, "arbeidsboken har ingen ark.")


def _read_sheet(ws: Any, path: Path, source: _Source, *, kind: str | None, year: int | None,
                widths: _Widths, last: bool) -> pd.DataFrame | None:
    sheet_source = _Source(label=source.label, path=source.path, sheet=ws.title)
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    rows_iter = safety.guarded_rows(ws.iter_rows(), where=sheet_source.where())
    header_cells: list[Any] | None = None
    header_row = 0
    seen = 0
    first_text: list[Any] | None = None
    for number, row in enumerate(rows_iter, start=1):
        values = [c.value for c in row]
        number = _row_number(row, number)
        if any(v is not None and str(v).strip() for v in values):
            seen += 1
            first_text = first_text or values
            if _score(values) >= 3:
                header_cells, header_row = values, number
                break
        if seen >= HEADER_SEARCH_ROWS:
            break
    if header_cells is None:
        if not last:
            return None
        if first_text is None:
            raise _error(sheet_source, "arket er tomt.")
        raise _error(sheet_source, "fant ingen overskriftsrad med kolonnene Art, Ansvar, Funksjon, Periode "
                                   f"og Beløp blant de første {HEADER_SEARCH_ROWS} radene. Første rad er: "
                                   f"{_header_found_text(first_text)}.")
    cells = ["" if c is None else c for c in header_cells]
    columns, problems, implied = _match_header(cells, kind)
    problems += _missing_text(columns, cells, kind)
    if problems:
        raise _error(sheet_source, f"overskriftsraden (rad {header_row}): " + "; ".join(problems)
                     + f". Kolonnene i arket er: {_header_found_text(cells)}.")
    assert implied is not None
    used = list(columns.values())
    data: dict[str, list[Any]] = {c.name: [] for c in used}
    numbers: list[int] = []
    # Only the columns we use: a stray cell in column XFD must not make every row 16 384 cells wide.
    data_rows = ws.iter_rows(min_row=header_row + 1, max_col=max(c.index for c in used) + 1)
    for number, row in enumerate(safety.guarded_rows(data_rows, where=sheet_source.where(),
                                                     start=header_row + 1), start=header_row + 1):
        number = _row_number(row, number)
        width = len(row)
        for c in used:
            data[c.name].append(row[c.index].value if c.index < width else None)
        numbers.append(number)
    if not numbers:
        raise _error(sheet_source,
                     f"arket har en overskriftsrad (rad {header_row}), men ingen rader med data.")
    values = {name: _object_array(v) for name, v in data.items()}
    frame = _build(values, columns, np.asarray(numbers, dtype=np.int64), source=sheet_source, kind=implied,
                   year=year, widths=widths, amounts_are_text=True, decimal=",", excel=True)
    frame.attrs["ark"] = ws.title
    return frame


def _row_number(row: Sequence[Any], fallback: int) -> int:
    for cell in row:
        r = getattr(cell, "row", None)
        if r is not None:
            return int(r)
    return fallback


def _object_array(values: Iterable[Any]) -> np.ndarray:
    items = list(values)
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr


def ledger_from_frame(
    df: pd.DataFrame,
    *,
    kind: Kind,
    source: str = "område",
    year: int | None = None,
    ruleset: str | RuleSet | None = None,
) -> pd.DataFrame:
    """Validate a table from an Excel range (header row as ``df.columns``, then the rows).

    Same columns, rules and messages as :func:`read_ledger`; ``kilde_rad`` counts the header as row
    1, so the first data row is 2 (the row within the range). ``source`` names the range in
    messages (e.g. ``"Ark1!A1:F200"``). Cell values may be numbers, text (``"1 234,50"``), blanks
    (``None``/NaN/``""``) or Excel error values; errors and blanks are refused where a value is
    required. ``year`` and ``ruleset`` as in :func:`read_ledger`. Kroner, expenses +, revenues −.
    """
    if kind not in KINDS:
        raise InvalidArgumentError(f"Filtypen må være «regnskap» eller «budsjett», ikke «{kind}».")
    src = _Source(label=str(source), path=str(source))
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgumentError(f"{source}: forventet en tabell (DataFrame), fikk {type(df).__name__}.")
    cells = ["" if c is None or (isinstance(c, float) and math.isnan(c)) else c for c in df.columns]
    columns, problems, _ = _match_header(cells, kind)
    problems += _missing_text(columns, cells, kind)
    if problems:
        raise _error(src, "overskriftsraden (rad 1): " + "; ".join(problems)
                     + f". Kolonnene i området er: {_header_found_text(cells)}.")
    if len(df) == 0:
        raise _error(src, "området har en overskriftsrad, men ingen rader med data.")
    values: dict[str, Any] = {}
    for c in columns.values():
        col = df.iloc[:, c.index]
        if c.name == "belop" and col.dtype.kind in "fi":
            values[c.name] = col.to_numpy(dtype=np.float64)
        else:
            values[c.name] = col.to_numpy(dtype=object)
    rows = np.arange(2, len(df) + 2, dtype=np.int64)
    numeric_amount = values["belop"].dtype != object
    return _build(values, columns, rows, source=src, kind=kind, year=year, widths=_widths(ruleset),
                  amounts_are_text=not numeric_amount, decimal=",", excel=True)


# ------------------------------------------------------------------------------------- validation
def _factorize(values: Any) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (-1 = missing) and the distinct raw values, for a categorical or object array."""
    if isinstance(values, pd.Categorical):
        return np.asarray(values.codes, dtype=np.int64), list(values.categories)
    arr = np.asarray(values, dtype=object)
    types = set(map(type, arr))
    is_bool = (np.fromiter((type(v) is bool or type(v) is np.bool_ for v in arr), dtype=bool, count=len(arr))
               if bool in types or np.bool_ in types else np.zeros(len(arr), dtype=bool))
    if is_bool.any():  # True would otherwise count as 1 (same hash): keep it apart, as SANN/USANN
        arr = arr.copy()
        arr[is_bool] = ["SANN" if v else "USANN" for v in arr[is_bool]]
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _excel_error_text(value: Any) -> str | None:
    err = as_excel_error(value)
    if err is None:
        return None
    return f"cellen inneholder feilverdien {err.norwegian}"


def _normalise_code(value: Any, name: str, width: int, *, exact: bool) -> tuple[str | None, str | None, bool]:
    """(code, problem, padded) for one distinct raw value of a code column; code None = blank."""
    if _is_blank(value):
        return None, None, False
    bad = _excel_error_text(value)
    if bad:
        return None, bad, False
    if isinstance(value, bool):
        return None, f"«{value}» er ikke en {_LABEL[name]}skode", False
    if isinstance(value, (datetime, date)):
        return None, f"en dato ({value:%d.%m.%Y}) er ikke en {_LABEL[name]}skode", False
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if not math.isfinite(number) or number < 0 or number != int(number):
            return None, f"«{_show(value)}» er ikke en gyldig {_LABEL[name]}skode", False
        text = str(int(number))
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    if not (text.isascii() and text.isdigit()):
        return None, f"«{_show(text)}» er ikke en gyldig {_LABEL[name]}: koden skal bare ha sifre", False
    padded = False
    if len(text) < width:
        text, padded = text.zfill(width), True
    if exact and len(text) != width:
        return None, f"«{text}» har {len(text)} sifre; {_LABEL[name]} skal ha {width} sifre", False
    return text, None, padded


def _normalise_period(value: Any) -> tuple[int | None, int | None, str | None]:
    """(period, year or None, problem) for one distinct raw period value; period None = blank."""
    if _is_blank(value):
        return None, None, None
    bad = _excel_error_text(value)
    if bad:
        return None, None, bad
    if isinstance(value, bool):
        return None, None, f"«{value}» er ikke en periode"
    if isinstance(value, (datetime, date)):
        return value.month, value.year, None
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if not math.isfinite(number) or number != int(number):
            return None, None, f"«{_show(value)}» er ikke en periode (1–13 eller ÅÅÅÅMM)"
        text = str(int(number))
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    if not (text.isascii() and text.isdigit()):
        return None, None, f"«{_show(text)}» er ikke en periode (1–13 eller ÅÅÅÅMM, f.eks. 202306)"
    if len(text) == 6:
        yr, per = int(text[:4]), int(text[4:])
        if not 1 <= per <= 13:
            return None, None, f"periode «{text}» har måned {per:02d}; periodene er 01–13"
        return per, yr, None
    if len(text) <= 2:
        per = int(text)
        if not 1 <= per <= 13:
            return None, None, f"periode {per} er utenfor 1–13"
        return per, None, None
    return None, None, f"«{text}» er ikke en periode (1–13 eller ÅÅÅÅMM, f.eks. 202306)"


#: How a raw amount is handled: 0 text, 1 plain number, 2 blank, anything else (3) one by one.
_VALUE_KIND: dict[type, int] = {str: 0, float: 1, int: 1, np.float64: 1, np.float32: 1, np.int64: 1,
                                np.int32: 1, type(None): 2}
_NUMBER_TEXT = re.compile(r"^-?\d{1,15}(?:[.,]\d+)?$")
_CLEAN_AMOUNT = {
    ",": (re.compile(r"^\s*[-+]?\d+(?:,\d+)?\s*$"), re.compile(r"^\s*[-+]?\d{1,3},\d{3}\s*$")),
    ".": (re.compile(r"^\s*[-+]?\d+(?:\.\d+)?\s*$"), re.compile(r"^\s*[-+]?\d{1,3}\.\d{3}\s*$")),
}


def _amount_reason(exc: KostraError) -> str:
    text = exc.message
    marker = "er ikke et tall: "
    if marker in text:
        return text.split(marker, 1)[1].rstrip(".")
    return text.rstrip(".")


def _parse_amounts(values: np.ndarray, *, as_text: bool, decimal: str,
                   rows: np.ndarray, column: _Column, problems: _Problems) -> tuple[np.ndarray, np.ndarray]:
    """Kroner as float64 and a blank mask; problems are recorded with their rows."""
    n = len(values)
    if not as_text:
        out = np.asarray(values, dtype=np.float64)
        blank = np.isnan(out)
        return out, blank
    out = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    clean_re, ambiguous_re = _CLEAN_AMOUNT[decimal]
    bad: dict[str, list[int]] = {}
    # vectorised: plain numbers (cells from Excel), blanks, and plain text amounts
    kinds = np.fromiter((_VALUE_KIND.get(type(v), 3) for v in values), dtype=np.int8, count=n)
    is_num = kinds == 1
    if is_num.any():
        out[is_num] = values[is_num].astype(np.float64)
        blank[is_num] = np.isnan(out[is_num])
    blank[kinds == 2] = True
    is_str = kinds == 0
    if is_str.any():
        s = pd.Series(values[is_str], dtype=object)
        clean = s.str.match(clean_re).to_numpy(dtype=bool) & ~s.str.match(ambiguous_re).to_numpy(dtype=bool)
        idx = np.flatnonzero(is_str)
        if clean.any():
            text = s[clean].str.strip()
            if decimal == ",":
                text = text.str.replace(",", ".", regex=False)
            out[idx[clean]] = text.astype(np.float64).to_numpy()
        rest = idx[~clean]
    else:
        rest = np.zeros(0, dtype=np.int64)
    others = np.flatnonzero(kinds == 3)
    for i in np.concatenate([rest, others]).astype(np.int64):
        v = values[i]
        if _is_blank(v):
            blank[i] = True
            continue
        message = _excel_error_text(v)
        number = math.nan
        if message is None:
            if isinstance(v, (bool, np.bool_)):
                message = f"«{'SANN' if v else 'USANN'}» er ikke et beløp"
            elif isinstance(v, (datetime, date)):
                message = f"en dato ({v:%d.%m.%Y}) er ikke et beløp"
            elif isinstance(v, str):
                try:
                    number = parse_amount_text(v, column.header)
                except KostraError as exc:
                    message = f"«{_show(v)}» er ikke et beløp: {_amount_reason(exc)}"
            elif isinstance(v, (int, float, np.integer, np.floating)):
                number = float(v)
            else:
                message = f"«{_show(v)}» er ikke et beløp"
        if message is None:
            out[i] = number
        else:
            bad.setdefault(message, []).append(i)
    for message, idx_list in bad.items():
        problems.add(rows[np.asarray(idx_list)], column, message)
    return out, blank


def _amount_problems(amount: np.ndarray, rows: np.ndarray, column: _Column, problems: _Problems) -> None:
    finite = np.isfinite(amount)
    bad = ~finite & ~np.isnan(amount)
    if bad.any():
        problems.add(rows[bad], column, "beløpet er ikke et endelig tall")
    huge = finite & (np.abs(amount) > MAX_AMOUNT)
    if huge.any():
        problems.add(rows[huge], column, "beløpet er urimelig stort (over 10 000 mrd. kr); sjekk enhet og "
                                         "desimaltegn")


def _needs_text_amounts(amount: np.ndarray) -> bool:
    """True when the fast float parse may have read something the text rules refuse or read otherwise."""
    a = np.abs(amount)
    if not np.isfinite(amount).all() or (a > MAX_AMOUNT).any():
        return True
    # "1,234" (1–3 digits, separator, exactly 3 decimals) is ambiguous in the text rules.
    window = (a >= 1) & (a < 1000)
    if not window.any():
        return False
    x = a[window]
    three = np.abs(x * 1000 - np.rint(x * 1000)) < 1e-6
    two = np.abs(x * 100 - np.rint(x * 100)) < 1e-6
    return bool((three & ~two).any())


def _build(values: dict[str, Any], columns: dict[str, _Column], rows: np.ndarray, *, source: _Source,
           kind: str, year: int | None, widths: _Widths, amounts_are_text: bool, decimal: str,
           excel: bool = False) -> pd.DataFrame:
    """Validate the raw columns and assemble the canonical frame (shared by CSV, XLSX and ranges)."""
    n = len(rows)
    problems = _Problems(source)
    blank_masks: dict[str, np.ndarray] = {}
    out: dict[str, Any] = {}
    padded_counts: dict[str, int] = {}
    # --- codes
    for name, width, exact in (("art", widths.art, True), ("ansvar", widths.ansvar, False),
                               ("funksjon", widths.funksjon, True), ("prosjekt", widths.prosjekt, False)):
        if name not in columns:  # only prosjekt is optional
            out[name] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), categories=[""])
            blank_masks[name] = np.ones(n, dtype=bool)
            continue
        codes, uniques = _factorize(values[name])
        normal: list[str | None] = []
        bad_of: dict[int, str] = {}
        padded = 0
        for k, raw in enumerate(uniques):
            code, problem, was_padded = _normalise_code(raw, name, width, exact=exact)
            if name == "art" and code is not None and code[0] not in widths.art_first:
                problem = (f"art «{code}» må begynne med {widths.art_first[0]} (drift) eller "
                           f"{widths.art_first[1]} (investering)")
                code = None
            if problem:
                bad_of[k] = problem
            padded += was_padded
            normal.append(code)
        padded_counts[name] = padded
        for k, problem in bad_of.items():
            problems.add(rows[codes == k], columns[name], problem)
        if (isinstance(values[name], pd.Categorical) and not bad_of and None not in normal
                and normal == list(uniques) and (codes >= 0).all()):
            # nothing to normalise (the usual case): keep the parsed categorical as it is
            out[name], blank_masks[name] = values[name], np.zeros(n, dtype=bool)
            continue
        out[name], blank_masks[name] = _recode(codes, normal, bad_of,
                                               blank_value="" if name == "prosjekt" else None)
    # --- period
    codes, uniques = _factorize(values["periode"])
    per_of = np.zeros(len(uniques) + 1, dtype=np.int64)  # last slot: missing
    year_of = np.zeros(len(uniques) + 1, dtype=np.int64)
    per_bad = np.zeros(len(uniques) + 1, dtype=bool)
    per_blank = np.zeros(len(uniques) + 1, dtype=bool)
    per_blank[-1] = True
    for k, raw in enumerate(uniques):
        per, yr, problem = _normalise_period(raw)
        if problem:
            per_bad[k] = True
            problems.add(rows[codes == k], columns["periode"], problem)
        elif per is None:
            per_blank[k] = True
        else:
            per_of[k] = per
            year_of[k] = yr or 0
    idx = np.where(codes < 0, len(uniques), codes)
    periode = per_of[idx]
    row_year = year_of[idx]
    blank_masks["periode"] = per_blank[idx]
    # --- amount
    amount_col = columns["belop"]
    amount, amount_blank = _parse_amounts(values["belop"], as_text=amounts_are_text, decimal=decimal,
                                          rows=rows, column=amount_col, problems=problems)
    _amount_problems(amount, rows, amount_col, problems)
    blank_masks["belop"] = amount_blank
    # --- blank rows: nothing in any column we read
    all_blank = np.ones(n, dtype=bool)
    for name in ("art", "ansvar", "funksjon", "periode", "belop", "prosjekt"):
        all_blank &= blank_masks[name]
    # --- required values missing in rows that are not blank
    hint = {
        "art": " (er dette en sumlinje? fjern den fra filen)",
        "belop": " (eller en formel uten lagret verdi: åpne og lagre arbeidsboken i Excel)" if excel else "",
    }
    for name in ("art", "ansvar", "funksjon", "periode", "belop"):
        missing = blank_masks[name] & ~all_blank
        if missing.any():
            problems.add(rows[missing], columns[name],
                         f"{_LABEL[name]} mangler (tom celle){hint.get(name, '')}")
    # --- period rules
    valid_period = ~all_blank & ~blank_masks["periode"] & (periode > 0)
    if kind == "budsjett":
        p13 = valid_period & (periode == 13)
        if p13.any():
            problems.add(rows[p13], columns["periode"],
                         "budsjettet skal være periodisert på periode 1–12; periode 13 (årsavslutning) har "
                         "ikke budsjett")
    with_year = valid_period & (row_year > 0)
    found_year = year
    if with_year.any():
        years, counts = np.unique(row_year[with_year], return_counts=True)
        if year is None:
            found_year = int(years[np.argmax(counts)])
        for y in years:
            if int(y) != found_year:
                wrong = with_year & (row_year == y)
                why = (f"regnskapsåret er {found_year}" if year is not None
                       else f"de fleste radene gjelder {found_year}")
                problems.add(rows[wrong], columns["periode"],
                             f"perioden er i {int(y)}, men {why}; en fil skal bare ha ett år")
    problems.raise_if_any()
    keep = ~all_blank
    frame = pd.DataFrame({
        "art": out["art"],
        "ansvar": out["ansvar"],
        "funksjon": out["funksjon"],
        "prosjekt": out["prosjekt"],
        "periode": periode.astype(np.int64),
        "belop": amount,
        "kilde_rad": rows,
    })
    if not keep.all():
        frame = frame[keep].reset_index(drop=True)
        for name in ("art", "ansvar", "funksjon", "prosjekt"):
            frame[name] = frame[name].cat.remove_unused_categories()
    if len(frame) == 0:
        raise _error(source, "filen har en overskriftsrad, men alle radene under er tomme.")
    frame.attrs.update({
        "kind": kind,
        "path": source.path,
        "aar": found_year,
        "kolonner": {name: c.header for name, c in columns.items()},
        "tomme_rader": [int(r) for r in rows[all_blank][:1000]],
        "utfylte_koder": {k: v for k, v in padded_counts.items() if v},
    })
    return frame


def _recode(codes: np.ndarray, normal: list[str | None], bad_of: dict[int, str], *,
            blank_value: str | None) -> tuple[pd.Categorical, np.ndarray]:
    """A categorical of the normalised codes (merging raw values that normalise alike) and a blank mask."""
    present = {c for c in normal if c is not None}
    cats = sorted(present | ({blank_value} if blank_value is not None else set()))
    position = {c: i for i, c in enumerate(cats)}
    lookup = np.full(len(normal) + 1, -1, dtype=np.int64)
    blank_lookup = np.zeros(len(normal) + 1, dtype=bool)
    fill = position[blank_value] if blank_value is not None else -1
    for k, code in enumerate(normal):
        if code is None:
            lookup[k] = fill if k not in bad_of else -1
            blank_lookup[k] = k not in bad_of
        else:
            lookup[k] = position[code]
    lookup[-1] = fill
    blank_lookup[-1] = True
    idx = np.where(codes < 0, len(normal), codes)
    new_codes = lookup[idx]
    if blank_value is None:
        new_codes = np.where(new_codes < 0, 0 if cats else -1, new_codes)  # blanks are errors; any filler
    return pd.Categorical.from_codes(new_codes, categories=cats or [""]), blank_lookup[idx]


# ------------------------------------------------------------------------------ small lookup tables
def load_table(
    path: str | Path,
    *,
    columns: dict[str, tuple[str, ...]],
    required: Sequence[str],
    unique: str | None = None,
    digits: Sequence[str] = (),
    what: str = "tabellen",
    ruleset: str | RuleSet | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """A small lookup table (CSV or XLSX) with text columns, e.g. the result units of a district.

    ``columns``: canonical name → accepted header names (normalised as :func:`normalise_header`).
    Every value is text (whole numbers from Excel lose their ``.0``; an ``ansvar`` column gets its
    leading zeros back up to the rule set's width). Blank rows are skipped; a blank required value, a
    non-digit value in a ``digits`` column or a value repeated in the ``unique`` column raises
    :class:`~kostra_functions.errors.LedgerFormatError` naming file, row and column. Returns the
    canonical columns (``""`` for an absent optional column) and ``kilde_rad``.
    """
    p = Path(path)
    source = _Source(label=str(path), path=str(path))
    if not p.is_file():
        raise _error(source, "filen finnes ikke.")
    limit = MAX_FILE_BYTES if max_bytes is None else int(max_bytes)
    size = p.stat().st_size
    if size > limit:
        raise _error(source, f"filen er {_size_text(size)}, mer enn grensen på {_size_text(limit)}.")
    if size == 0:
        raise _error(source, "filen er tom (0 byte).")
    widths = _widths(ruleset)
    with p.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise _error(source, "dette er det gamle Excel-formatet (.xls). Lagre filen som .xlsx eller CSV.")
    lookup = {alias: name for name, aliases in columns.items() for alias in aliases}

    def score(cells: Sequence[Any]) -> int:
        return len({lookup[k] for k in (normalise_header(c) for c in cells) if k in lookup})

    need = len(required)
    numbered: list[tuple[int, list[Any]]] = []
    if magic.startswith(b"PK\x03\x04"):
        wb = safety.open_xlsx(p, where=source.where())
        try:
            ws = wb.worksheets[0]
            source.sheet = ws.title
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            for number, row in enumerate(safety.guarded_rows(ws.iter_rows(), where=source.where()), start=1):
                numbered.append((_row_number(row, number), [c.value for c in row]))
        finally:
            wb.close()
    else:
        encoding = _detect_encoding(p, source)
        text = p.read_text(encoding=encoding)
        lines = text.split("\n")
        sep = ";"
        for line in lines[:HEADER_SEARCH_ROWS]:
            scores = {s: score(_split_line(line.rstrip("\r"), s)) for s in (";", "\t", ",")}
            best = max(scores, key=lambda s: (scores[s], s == ";"))
            if scores[best] >= need:
                sep = best
                break
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"')
        numbered = []
        for record in reader:  # line_num: the physical line where the record ends
            numbered.append((reader.line_num, list(record)))
    candidates = (k for k, (_, cells) in enumerate(numbered[:HEADER_SEARCH_ROWS]) if score(cells) >= need)
    header_at = next(candidates, None)
    if header_at is None:
        names = ", ".join(f"«{columns[c][0]}»" for c in required)
        raise _error(source, f"fant ingen overskriftsrad med {names} i {what}.")
    header_row, header = numbered[header_at]
    found: dict[str, list[_Column]] = {}
    for i, cell in enumerate(header):
        key = normalise_header(cell)
        if key in lookup:
            found.setdefault(lookup[key], []).append(_Column(lookup[key], str(cell).strip(), i))
    problems = [_duplicate_text_any(name, cols) for name, cols in found.items() if len(cols) > 1]
    problems += [f"kolonnen «{columns[name][0]}» mangler" for name in required if name not in found]
    if problems:
        raise _error(source, f"overskriftsraden (rad {header_row}): " + "; ".join(problems) + ".")
    cols = {name: cs[0] for name, cs in found.items()}
    data: dict[str, list[str]] = {name: [] for name in columns}
    rows: list[int] = []
    bad = _Problems(source)
    first_row: dict[str, int] = {}
    for number, cells in numbered[header_at + 1:]:
        values = {}
        for name in columns:
            c = cols.get(name)
            raw = cells[c.index] if c is not None and c.index < len(cells) else None
            values[name] = _cell_text(raw)
        if all(v == "" for v in values.values()):
            continue
        for name in required:
            if values[name] == "":
                bad.add([number], cols[name], f"{name.replace('_', ' ')} mangler (tom celle)")
        for name in digits:
            v = values.get(name, "")
            if v and not (v.isascii() and v.isdigit()):
                bad.add([number], cols[name], f"«{_show(v)}» skal bare ha sifre")
            elif v and name == "ansvar" and len(v) < widths.ansvar:
                values[name] = v.zfill(widths.ansvar)
        if unique and values[unique]:
            key = values[unique]
            if key in first_row:
                bad.add([number], cols[unique], f"{unique} {key} står også på rad {first_row[key]}; hver "
                                                f"{unique} skal stå én gang")
            else:
                first_row[key] = number
        for name in columns:
            data[name].append(values[name])
        rows.append(number)
    bad.raise_if_any()
    if not rows:
        raise _error(source, f"{what} har en overskriftsrad (rad {header_row}), men ingen rader med data.")
    frame = pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in data.items()})
    frame["kilde_rad"] = np.asarray(rows, dtype=np.int64)
    frame.attrs["path"] = str(path)
    return frame


def _duplicate_text_any(name: str, cols: Sequence[_Column]) -> str:
    shown = " og ".join(f"«{_show(c.header)}» ({column_letter(c.index)})" for c in cols)
    return f"kolonnene {shown} betyr begge {name.replace('_', ' ')}; fjern den som ikke skal brukes"


def _cell_text(value: Any) -> str:
    """A lookup-table cell as text: blanks ``""``, whole numbers without ``.0``, text stripped."""
    if _is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text

"""SSB's fixed-width accounting file (KOSTRA «regnskap»): write it from a ledger and read it back.

Every municipality (and every Oslo district, region 030101–030115) reports its accounts to SSB as a
text file with one record of 48 characters per line (SSB, ``kravspesifikasjon/
file_description_Regnskap_2025.md``):

=========  ========  =================================================================
position   field     content
=========  ========  =================================================================
1–2        skjema    ``0A`` bevilgningsregnskap, ``0B`` balanse, ``0M``/``0N`` konsolidert
3–6        årgang    the accounting year, e.g. ``2023``
7          kvartal   blank = årsregnskap, ``1``–``4`` = quarter
8–13       region    six digits; a municipality ends in ``00``, an Oslo district is ``0301nn``
14–22      orgnr     organisation number (may be blank for 0A/0B)
23–31      foretaksnr  (blank for municipal accounts)
32         kontoklasse  0A: ``1`` drift, ``0`` investering; 0M: ``3``/``4``; 0B ``2``; 0N ``5``
33–36      funksjon/kapittel  left-justified, e.g. ``202 `` or ``5900``
37–39      art/sektor
40–48      beløp     **whole 1000 kr**, right-justified, minus sign in front of the digits
=========  ========  =================================================================

Sign: as in the municipal accounts and in this project (ARCHITECTURE.md): expenses (debet) positive,
revenues (kredit) negative; in the balance assets positive, debt and equity negative.

Rounding (explicit, documented): ledger lines are first summed **in øre** per (kontoklasse,
funksjon, art), then each sum is rounded to whole 1000 kr *half away from zero*
(``1 499,99 kr`` → 1, ``1 500,00 kr`` → 2, ``-1 500,00 kr`` → -2). Each written line can therefore be
off by at most 500 kr, and a sum over *n* lines by at most ``n × 500`` kr; SSB's sum controls
tolerate this with their margins (±30 = 30 000 kr for drift/investment, ±10 for the balance and the
Oslo-internal arts 298/798, see :mod:`kostra_functions.controls`). Sums that round to 0 are not
written: SSB drops records with beløp 0 before it controls a file (``RegnskapValidator
.getRecordsList``), so such a line would carry no information.

Round trip: :func:`read_ssb_file` keeps every line as it was, so ``write → read → write`` gives the
same bytes, and :func:`amounts_in_thousands` of what was read equals what was written.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from kostra_functions.errors import InvalidArgumentError, KostraError, LedgerFormatError

__all__ = [
    "RECORD_LENGTH",
    "Form",
    "Record",
    "SsbFile",
    "Submission",
    "amounts_from_frame",
    "amounts_in_thousands",
    "form",
    "format_record",
    "forms",
    "kroner_to_thousands",
    "looks_like_ssb_file",
    "read_ssb_file",
    "read_ssb_lines",
    "read_ssb_text",
    "records_from_amounts",
    "render_ssb_file",
    "write_ssb_file",
]

#: Largest SSB file read (bytes); a municipality's file is well under 1 MB.
MAX_FILE_BYTES = 100 * 1024**2
#: Length of one record (the last field, beløp, ends in position 48).
RECORD_LENGTH = 48
#: Largest and smallest amount (1000 kr) the 9-character field can hold.
MAX_THOUSANDS = 999_999_999
MIN_THOUSANDS = -99_999_999

_DATA_DIR = Path(__file__).parent / "controls_data"
#: (name, first position, last position), 1-based inclusive as in SSB's file description.
FIELDS: tuple[tuple[str, int, int], ...] = (
    ("skjema", 1, 2),
    ("aargang", 3, 6),
    ("kvartal", 7, 7),
    ("region", 8, 13),
    ("orgnr", 14, 22),
    ("foretaksnr", 23, 31),
    ("kontoklasse", 32, 32),
    ("funksjon_kapittel", 33, 36),
    ("art_sektor", 37, 39),
    ("belop", 40, 48),
)
#: name → (start, end) as a Python slice of the record text.
_SLICES = {name: (start - 1, end) for name, start, end in FIELDS}
ACCOUNT_CLASS_NAMES = ("drift", "investering", "balanse")


# ------------------------------------------------------------------------------------------ forms
@dataclass(frozen=True)
class Form:
    """One SSB form (skjema) for municipal accounts, from ``controls_data/forms.csv``.

    ``kind`` is ``bevilgning`` (appropriation accounts: drift and investment) or ``balanse``;
    ``regional`` is SSB's «REG» flag (the annual municipal forms 0A/0M), which several sum controls
    require; ``account_classes`` maps ``drift``/``investering``/``balanse`` to the one-character code.
    """

    code: str
    name: str
    kind: str
    level: str
    regional: bool
    account_classes: Mapping[str, str]
    source: str

    def account_class_code(self, name: str) -> str:
        """The kontoklasse character for ``drift``/``investering``/``balanse`` in this form."""
        code = self.account_classes.get(name)
        if code is None:
            raise InvalidArgumentError(
                f"Kontoklassen «{name}» finnes ikke i skjema {self.code} ({self.name}); bruk "
                + " eller ".join(f"«{n}»" for n in self.account_classes) + "."
            )
        return code

    def account_class_name(self, code: str) -> str | None:
        """``drift``/``investering``/``balanse`` for a kontoklasse character, or ``None`` if unknown."""
        for name, value in self.account_classes.items():
            if value == code:
                return name
        return None


@lru_cache(maxsize=1)
def forms() -> Mapping[str, Form]:
    """The forms we support (0A, 0B, 0M, 0N), read from ``controls_data/forms.csv``."""
    path = _DATA_DIR / "forms.csv"
    out: dict[str, Form] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            classes = {
                name: row[f"kontoklasse_{name}"].strip()
                for name in ACCOUNT_CLASS_NAMES
                if row[f"kontoklasse_{name}"].strip()
            }
            if not row["kilde"].strip() or not classes:
                raise KostraError("rad uten kilde eller kontoklasse.", where=f"{path}, linje {line}")
            out[row["skjema"].strip()] = Form(
                code=row["skjema"].strip(),
                name=row["navn"].strip(),
                kind=row["regnskap"].strip(),
                level=row["nivaa"].strip(),
                regional=row["regional"].strip() == "ja",
                account_classes=classes,
                source=row["kilde"].strip(),
            )
    return out


def form(code: str) -> Form:
    """The :class:`Form` for a skjema code (``0A``); unknown codes raise with the supported ones."""
    text = (code or "").strip().upper()
    try:
        return forms()[text]
    except KeyError:
        raise InvalidArgumentError(
            f"Skjema «{code}» støttes ikke. Bruk et av kommuneskjemaene {', '.join(forms())} "
            "(kvartalsrapportering: 0AK1–0AK4 og 0BK1–0BK4)."
        ) from None


# ------------------------------------------------------------------------------------ submission
_SKJEMA_QUARTER = re.compile(r"^(0[A-Z])K([1-4])$")


@dataclass(frozen=True)
class Submission:
    """What one file reports: the values every record repeats, and what SSB's portal pre-fills.

    ``skjema`` is the two-character form (``0A``); ``quarter`` is ``None`` for the annual accounts
    and 1–4 for quarterly reporting (SSB's forms 0AK1–0AK4/0BK1–0BK4). ``region`` is six digits
    (``030105`` for an Oslo district, ``030100`` for Oslo municipality). Build it with
    :meth:`create`, which checks every value and explains mistakes in Norwegian.
    """

    skjema: str
    year: int
    quarter: int | None
    region: str
    orgnr: str = ""
    foretaksnr: str = ""
    orgnrs: tuple[str, ...] = ()
    foretaksnrs: tuple[str, ...] = ()

    @classmethod
    def create(
        cls,
        skjema: str = "0A",
        year: int | None = None,
        quarter: int | str | None = None,
        region: str | None = None,
        orgnr: str | Iterable[str] | None = None,
        foretaksnr: str | Iterable[str] | None = None,
    ) -> Submission:
        """Check and normalise the values (``skjema="0AK2"`` means skjema 0A, quarter 2).

        ``orgnr`` and ``foretaksnr`` may each be one number or several (a list, or text separated by
        commas), as SSB's portal gives them; every number must have nine digits and a valid check
        digit. The records must carry one of them (controls 007 and 008).
        """
        text = (skjema or "").strip().upper()
        match = _SKJEMA_QUARTER.match(text)
        if match:
            text, from_form = match.group(1), int(match.group(2))
            if quarter not in (None, "", " ") and _quarter(quarter) != from_form:
                raise InvalidArgumentError(
                    f"Skjema {skjema} gjelder kvartal {from_form}, men kvartal {quarter} er oppgitt."
                )
            quarter = from_form
        form(text)
        orgnrs = _numbers(orgnr, "organisasjonsnummeret")
        foretaksnrs = _numbers(foretaksnr, "foretaksnummeret")
        if year is None:
            raise InvalidArgumentError("Årgangen (regnskapsåret) mangler; oppgi for eksempel 2023.")
        if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
            raise InvalidArgumentError(f"Årgangen skal være et årstall med fire siffer, ikke «{year}».")
        return cls(
            skjema=text,
            year=year,
            quarter=_quarter(quarter),
            region=_region(region),
            orgnr=orgnrs[0] if orgnrs else "",
            foretaksnr=foretaksnrs[0] if foretaksnrs else "",
            orgnrs=orgnrs,
            foretaksnrs=foretaksnrs,
        )

    @property
    def form(self) -> Form:
        return form(self.skjema)

    @property
    def quarter_char(self) -> str:
        """The kvartal field: ``" "`` for the annual accounts, ``"1"``–``"4"`` for a quarter."""
        return " " if self.quarter is None else str(self.quarter)

    @property
    def label(self) -> str:
        """``0A 2023`` or ``0AK2 2023`` with the region, for reports."""
        q = "" if self.quarter is None else f"K{self.quarter}"
        return f"skjema {self.skjema}{q}, årgang {self.year}, region {self.region}"


def _quarter(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if isinstance(value, bool) or str(number) != str(value).strip() or not 1 <= number <= 4:
        raise InvalidArgumentError(
            f"Kvartalet skal være 1, 2, 3 eller 4 (tomt for årsregnskap), ikke «{value}»."
        )
    return number


def _region(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidArgumentError(
            "Regionen mangler; oppgi SSBs regionkode med seks siffer, f.eks. 030105 for en bydel i Oslo."
        )
    if text.isascii() and text.isdigit() and len(text) == 4:
        text += "00"
    if not (text.isascii() and text.isdigit() and len(text) == 6):
        raise InvalidArgumentError(
            f"Regionen «{value}» skal ha seks siffer (kommunenummer + 00, eller 0301nn for en bydel i Oslo)."
        )
    return text


def _numbers(value: str | Iterable[str] | None, what: str) -> tuple[str, ...]:
    """Organisation numbers (one, a list, or comma-separated text), each checked with its check digit."""
    from stdnum.no import orgnr as orgnr_check

    items = value.split(",") if isinstance(value, str) else list(value or ())
    out: list[str] = []
    for item in items:
        text = str(item).strip().replace(" ", "")
        if not text:
            continue
        if not (text.isascii() and text.isdigit() and len(text) == 9):
            raise InvalidArgumentError(f"{what.capitalize()} «{str(item).strip()}» skal ha 9 sifre.")
        if not orgnr_check.is_valid(text):
            raise InvalidArgumentError(
                f"{what.capitalize()} «{text}» har feil kontrollsiffer (siste siffer); sjekk nummeret i "
                "Enhetsregisteret.")
        if text not in out:
            out.append(text)
    return tuple(out)


# ---------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Record:
    """One line of an SSB accounting file, kept exactly as read (``text``, without the line break).

    Fields are sliced by position from ``text`` (padded with blanks if the line is too short, so a
    wrong length is reported by control 001 rather than crashing). ``line`` is the 1-based line
    number in the file; line numbers are what findings refer to.
    """

    line: int
    text: str

    def _field(self, name: str) -> str:
        start, end = _SLICES[name]
        return self.text.ljust(RECORD_LENGTH)[start:end]

    skjema = property(lambda self: self._field("skjema"))
    aargang = property(lambda self: self._field("aargang"))
    kvartal = property(lambda self: self._field("kvartal"))
    region = property(lambda self: self._field("region"))
    orgnr = property(lambda self: self._field("orgnr"))
    foretaksnr = property(lambda self: self._field("foretaksnr"))
    kontoklasse = property(lambda self: self._field("kontoklasse"))
    funksjon_kapittel = property(lambda self: self._field("funksjon_kapittel"))
    art_sektor = property(lambda self: self._field("art_sektor"))
    belop_text = property(lambda self: self._field("belop"))

    @property
    def code(self) -> str:
        """Funksjon or kapittel without the padding (``"202"``, ``"5900"``)."""
        return self.funksjon_kapittel.strip()

    @property
    def art(self) -> str:
        """Art or sektor as written (three characters)."""
        return self.art_sektor

    @property
    def belop(self) -> int | None:
        """The amount in whole 1000 kr, or ``None`` when the field is not a valid integer (control 014)."""
        text = self.belop_text
        if "\t" in text or not _AMOUNT.match(text):
            return None
        return int(text.strip())

    @property
    def amount(self) -> int:
        """The amount in 1000 kr, 0 when invalid (as SSB's sums do with ``fieldAsIntOrDefault``)."""
        value = self.belop
        return 0 if value is None else value

    def code_number(self) -> int | None:
        """Funksjon/kapittel as a number (``"5900"`` → 5900), ``None`` if it is not digits."""
        return int(self.code) if self.code.isdigit() else None

    def art_number(self) -> int | None:
        """Art/sektor as a number, ``None`` if it is not digits."""
        return int(self.art_sektor) if self.art_sektor.isdigit() else None


_AMOUNT = re.compile(r"^ *-?\d+$")


@dataclass(frozen=True)
class SsbFile:
    """A read file: its records (one per non-empty line) and where it came from."""

    records: tuple[Record, ...]
    source: str = ""
    newline: str = "\n"
    trailing_newline: bool = True
    blank_lines: tuple[int, ...] = field(default=())

    def render(self) -> str:
        """The text again, exactly as read (same records, line breaks and final newline)."""
        lines = {r.line: r.text for r in self.records}
        lines.update(dict.fromkeys(self.blank_lines, ""))
        body = self.newline.join(lines[n] for n in sorted(lines))
        return body + (self.newline if self.trailing_newline and lines else "")


def format_record(
    submission: Submission, account_class: str, code: str, art: str, thousands: int
) -> str:
    """One 48-character record; ``account_class`` is ``drift``/``investering``/``balanse``.

    ``code`` is the function (three digits) or chapter (two to four digits), ``art`` the art or
    sector (three digits), ``thousands`` the amount in whole 1000 kr (expenses +, revenues −).
    """
    kontoklasse = submission.form.account_class_code(account_class)
    code = str(code).strip()
    art = str(art).strip()
    if not (code.isascii() and code.isdigit() and 2 <= len(code) <= 4):
        raise InvalidArgumentError(f"Funksjonen/kapittelet «{code}» skal ha 2–4 sifre (funksjon: 3 sifre).")
    if not (art.isascii() and art.isdigit() and len(art) == 3):
        raise InvalidArgumentError(f"Arten/sektoren «{art}» skal ha tre sifre.")
    if isinstance(thousands, bool) or not isinstance(thousands, int):
        raise InvalidArgumentError(f"Beløpet skal være et helt antall 1000 kr, ikke «{thousands}».")
    if not MIN_THOUSANDS <= thousands <= MAX_THOUSANDS:
        raise InvalidArgumentError(
            f"Beløpet {thousands} (1000 kr) på {account_class} {code}/{art} får ikke plass i feltet på "
            "9 tegn i SSB-filen."
        )
    text = (
        submission.skjema
        + f"{submission.year:04d}"
        + submission.quarter_char
        + submission.region
        + submission.orgnr.ljust(9)
        + submission.foretaksnr.ljust(9)
        + kontoklasse
        + code.ljust(4)
        + art
        + str(thousands).rjust(9)
    )
    assert len(text) == RECORD_LENGTH, text
    return text


# --------------------------------------------------------------------------------------- rounding
def kroner_to_thousands(kroner: float | int | Decimal) -> int:
    """Whole 1000 kr, rounded half away from zero (``1500`` → 2, ``-1500`` → -2, ``1499.99`` → 1).

    The amount is first taken to whole øre (two decimals) so a float such as ``1499.995`` is not
    rounded twice in different directions.
    """
    if isinstance(kroner, float) and (math.isnan(kroner) or math.isinf(kroner)):
        raise InvalidArgumentError(f"Beløpet «{kroner}» er ikke et tall.")
    value = Decimal(str(kroner)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int((value / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


Key = tuple[str, str, str]  # (kontoklasse name, funksjon/kapittel, art/sektor)


def records_from_amounts(
    amounts: Mapping[Key, float | int | Decimal], submission: Submission, *, in_thousands: bool = False
) -> list[str]:
    """Record texts for amounts per (``drift``/``investering``/``balanse``, funksjon, art).

    Amounts are kroner (rounded as described in the module docstring) unless ``in_thousands``.
    Lines whose rounded amount is 0 are left out; the rest are sorted by kontoklasse, funksjon, art.
    """
    out: list[tuple[tuple[str, str, str], str]] = []
    for (account_class, code, art), value in amounts.items():
        thousands = int(value) if in_thousands else kroner_to_thousands(value)
        if in_thousands and Decimal(str(value)) != thousands:
            raise InvalidArgumentError(f"Beløpet {value} på {code}/{art} er ikke et helt antall 1000 kr.")
        if thousands == 0:
            continue
        text = format_record(submission, account_class, code, art, thousands)
        out.append(((text[31], text[32:36], text[36:39]), text))
    return [text for _, text in sorted(out)]


def render_ssb_file(records: Iterable[str], newline: str = "\n") -> str:
    """The file text for record texts: one per line, each line ended by ``newline``."""
    return "".join(r + newline for r in records)


def write_ssb_file(path: str | Path, records: Iterable[str], newline: str = "\n") -> Path:
    """Write record texts to ``path`` (ASCII); returns the path."""
    target = Path(path)
    text = render_ssb_file(records, newline)
    from kostra_functions.safety import atomic_write

    try:
        data = text.encode("ascii")
        with atomic_write(target, "wb") as fh:  # never half a file at the target
            fh.write(data)
    except UnicodeEncodeError as exc:  # pragma: no cover - format_record only produces ASCII
        raise LedgerFormatError("SSB-filen kan bare inneholde ASCII-tegn.", where=str(target)) from exc
    except OSError as exc:
        raise LedgerFormatError(f"Kan ikke skrive filen: {exc.strerror}.", where=str(target)) from exc
    return target


# ---------------------------------------------------------------------------------------- reading
def read_ssb_text(text: str, source: str = "") -> SsbFile:
    """Split file text into records (empty lines are skipped but remembered for :meth:`SsbFile.render`)."""
    # CRLF (Windows), LF, or CR alone (old Mac programs)
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    trailing = text.endswith("\n")
    body = text[: -len(newline)] if trailing and text.endswith(newline) else text
    records: list[Record] = []
    blanks: list[int] = []
    if body:
        for number, line in enumerate(body.split(newline), start=1):
            line = line.rstrip("\r") if newline == "\n" else line
            if line.strip():
                records.append(Record(number, line))
            else:
                blanks.append(number)
    return SsbFile(tuple(records), source, newline, trailing, tuple(blanks))


def read_ssb_file(path: str | Path) -> SsbFile:
    """Read an SSB accounting file; raises :class:`LedgerFormatError` when it cannot be read at all.

    A readable file with wrong records is *not* an exception: the controls report it (001 record
    length, 014 amount, …) with line numbers, as SSB's control program does.
    """
    p = Path(path)
    ssb = read_ssb_text(_file_text(p), str(p))
    if not ssb.records:
        raise LedgerFormatError("Filen er tom; den har ingen poster.", where=str(p))
    return ssb


def read_ssb_lines(path: str | Path) -> tuple[list[int], list[str]]:
    """(line numbers, record texts) of the non-empty lines of an SSB file, without building records.

    The same checks and decoding as :func:`read_ssb_file`; for controlling a large file in columns.
    """
    p = Path(path)
    text = _file_text(p)
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    lines = text.split(newline)
    if lines and lines[-1] == "":
        lines.pop()
    if newline == "\n" and "\r" in text:
        lines = [t.rstrip("\r") for t in lines]
    numbers = [i for i, t in enumerate(lines, start=1) if t.strip()]
    if not numbers:
        raise LedgerFormatError("Filen er tom; den har ingen poster.", where=str(p))
    if len(numbers) == len(lines):
        return numbers, lines
    return numbers, [lines[i - 1] for i in numbers]


def _file_text(p: Path) -> str:
    """The text of a file that should be an SSB file, refused with a clear reason when it is not."""
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LedgerFormatError(
                f"Filen er {size // 1024**2} MB; en SSB-fil er noen få MB (grense "
                f"{MAX_FILE_BYTES // 1024**2} MB). Er det riktig fil?", where=str(p))
        data = p.read_bytes()
    except FileNotFoundError:
        raise LedgerFormatError("Filen finnes ikke.", where=str(p)) from None
    except OSError as exc:
        raise LedgerFormatError(f"Filen kan ikke leses: {exc.strerror}.", where=str(p)) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for magic, what in ((b"PK\x03\x04", "en zip-pakke eller Excel-arbeidsbok"), (b"%PDF", "en PDF-fil"),
                        (b"\xd0\xcf\x11\xe0", "en gammel Excel-/Office-fil")):
        if data.startswith(magic):
            raise LedgerFormatError(f"Filen er {what} og ikke en tekstfil; en SSB-fil er tekst med én post "
                                    "per linje.", where=str(p))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerFormatError("Filen er lagret som UTF-16; en SSB-fil skal være ren tekst (ASCII).",
                                where=str(p))
    if b"\x00" in data:
        raise LedgerFormatError("Filen er ikke en tekstfil (den inneholder binære data).", where=str(p))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def looks_like_ssb_file(path: str | Path) -> bool:
    """True when the first non-empty line looks like an SSB record (skjema, årgang, region …).

    Used by the CLI to tell an SSB file from a ledger export. It only looks at the start of the line
    (``0A2023 030105`` …), so a file with a few malformed records is still treated as an SSB file and
    its errors are reported by the controls.
    """
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    for raw in head.splitlines():
        line = raw.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
        if line.strip():
            return bool(re.match(r"^0[A-Z]\d{4}[ 1-4]\d{6}", line))
    return False


def amounts_in_thousands(records: Iterable[Record]) -> dict[tuple[str, str, str], int]:
    """Sum per (kontoklasse character, funksjon/kapittel, art/sektor) in 1000 kr (invalid amounts as 0)."""
    out: dict[tuple[str, str, str], int] = {}
    for r in records:
        key = (r.kontoklasse, r.code, r.art_sektor)
        out[key] = out.get(key, 0) + r.amount
    return out


# ---------------------------------------------------------------------------------- ledger frames
def amounts_from_frame(
    frame: Any, *, year: int | None = None, ruleset: str | None = None
) -> dict[Key, Decimal]:
    """Kroner per (``drift``/``investering``, funksjon, KOSTRA art) from a ledger DataFrame.

    The frame needs ``funksjon`` (three digits), ``belop`` (kroner, expenses +) and either
    ``kontoklasse`` (``drift``/``investering``) with ``kostra_art`` (three digits), as
    :func:`kostra_functions.mapping.map_ledger` adds them, or the internal five-digit ``art`` of
    :func:`kostra_functions.ledger.read_ledger`; then the rule set's account-string layout
    (``[kontostreng.art]``: first digit drift/investering, digits 2–4 the KOSTRA art) gives both.
    We do not call ``map_ledger`` here on purpose: it refuses invalid codes and functions outside the
    rule set's function areas, and those are exactly what the SSB controls must *report* (010, 012, …)
    rather than stop on. ``year`` is accepted for symmetry with the mapping and not used.
    Sums are exact (in øre); a malformed value raises with its source row (``kilde_rad``).
    """
    import pandas as pd

    del year
    columns = set(getattr(frame, "columns", ()))
    if not {"kontoklasse", "kostra_art"} <= columns:
        frame = _classify_by_layout(frame, ruleset)
        columns = set(frame.columns)
    missing = [c for c in ("kontoklasse", "funksjon", "kostra_art", "belop") if c not in columns]
    if missing:
        raise LedgerFormatError(f"Hovedboken mangler kolonne(r): {', '.join(missing)}.")
    rows = (frame["kilde_rad"] if "kilde_rad" in columns
            else pd.Series(range(1, len(frame) + 1), index=frame.index))
    data = pd.DataFrame({
        "kontoklasse": frame["kontoklasse"].astype(str).str.strip().str.lower(),
        "funksjon": frame["funksjon"].astype(str).str.strip(),
        "kostra_art": frame["kostra_art"].astype(str).str.strip(),
    })
    checks = (
        ("kontoklasse", lambda v: v in ("drift", "investering"), "skal være drift eller investering"),
        ("funksjon", lambda v: len(v) == 3 and v.isascii() and v.isdigit(), "skal ha tre sifre"),
        ("kostra_art", lambda v: len(v) == 3 and v.isascii() and v.isdigit(), "skal ha tre sifre"),
    )
    for column, ok, rule in checks:
        bad = [v for v in data[column].unique() if not ok(v)]
        if bad:
            row = rows[data[column] == bad[0]].iloc[0]
            raise LedgerFormatError(f"{column} «{bad[0]}» {rule}.", where=f"rad {row}")
    amounts = pd.to_numeric(frame["belop"], errors="coerce").astype(float)
    finite = amounts.notna() & ~amounts.isin([math.inf, -math.inf])
    if not finite.all():
        row = rows[~finite].iloc[0]
        value = frame["belop"][~finite].iloc[0]
        raise LedgerFormatError(f"beløpet «{value}» er ikke et tall.", where=f"rad {row}")
    data["ore"] = (amounts * 100).round().astype("int64")
    sums = data.groupby(["kontoklasse", "funksjon", "kostra_art"], observed=True, sort=True)["ore"].sum()
    return {(str(k[0]), str(k[1]), str(k[2])): Decimal(int(v)) / 100 for k, v in sums.items()}


def _classify_by_layout(frame: Any, ruleset: str | None) -> Any:
    """Add ``kontoklasse`` and ``kostra_art`` from the internal art by the rule set's layout."""
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset

    if "art" not in set(getattr(frame, "columns", ())):
        raise LedgerFormatError("Hovedboken mangler kolonnen «art» (eller «kontoklasse» og «kostra_art»).")
    rs = load_ruleset(ruleset or DEFAULT_RULESET)
    drift = str(rs.get("kontostreng.art.drift_forste_siffer"))
    invest = str(rs.get("kontostreng.art.investering_forste_siffer"))
    start, end = int(rs.get("kontostreng.art.kostra_art_fra")), int(rs.get("kontostreng.art.kostra_art_til"))
    art = frame["art"].astype(str).str.strip()
    first = art.str[:1]
    bad = ~first.isin([drift, invest])
    if bad.any():
        row = (frame["kilde_rad"][bad].iloc[0] if "kilde_rad" in frame.columns
               else int(bad.to_numpy().argmax()) + 1)
        raise LedgerFormatError(
            f"art «{art[bad].iloc[0]}» må begynne med {drift} (drift) eller {invest} (investering) "
            f"(regelsett «{rs.name}»).", where=f"rad {row}")
    out = frame.copy()
    out["kontoklasse"] = first.map({drift: "drift", invest: "investering"})
    out["kostra_art"] = art.str[start - 1:end]
    return out

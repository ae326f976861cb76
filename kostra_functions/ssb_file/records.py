"""What one SSB file reports (:class:`Submission`: form, year, quarter, region, organisation
numbers), one record as read (:class:`Record`, fields sliced by position), a read file
(:class:`SsbFile`) and one record written (:func:`format_record`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kostra_functions.errors import InvalidArgumentError
from kostra_functions.ssb_file.layout import (
    FIELD_SLICES,
    MAX_THOUSANDS,
    MIN_THOUSANDS,
    RECORD_LENGTH,
    Form,
    form,
)

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
        start, end = FIELD_SLICES[name]
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

"""The layout of SSB's fixed-width accounting file (the fields of a 48-character record, the amount's
range) and SSB's forms for municipal accounts (0A, 0B, 0M, 0N) from ``controls_data/forms.csv``."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kostra_functions.errors import InvalidArgumentError, KostraError

#: Length of one record (the last field, beløp, ends in position 48).
RECORD_LENGTH = 48
#: Largest and smallest amount (1000 kr) the 9-character field can hold.
MAX_THOUSANDS = 999_999_999
MIN_THOUSANDS = -99_999_999

_DATA_DIR = Path(__file__).parents[1] / "controls_data"
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
FIELD_SLICES = {name: (start - 1, end) for name, start, end in FIELDS}
ACCOUNT_CLASS_NAMES = ("drift", "investering", "balanse")


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

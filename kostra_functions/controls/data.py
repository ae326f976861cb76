"""The control table and code lists in ``kostra_functions/controls_data/`` (data with sources).

* ``controls.csv``: one row per SSB control: number, title, base severity, the quarters in which
  it is downgraded to WARNING (``advarsel_i_kvartal``) or raised to ERROR (``feil_i_kvartal``), the
  margin in 1000 kr, which accounts it concerns (``fil``, ``bevilgning``, ``balanse``), whether it
  runs for Oslo districts (``ja``, ``nei`` = skipped for 030101–030115, ``kun`` = only for them),
  whether it runs for quarterly reports, the first/last year, the source.
* ``code_lists.csv``: the function/art/chapter lists a control uses (codes separated by blanks,
  ranges as ``100-799``), with years and source.
* ``balance_codes.csv``: valid balance chapters (kapittel) and sectors (sektor) per form.
* ``forms.csv``: the forms (0A, 0B, 0M, 0N) and their account-class codes
  (read by :mod:`kostra_functions.ssb_file`).

Valid functions and arts per year are **not** here: they come from the code catalog
(:class:`kostra_functions.codes.catalog.Catalog`), including which codes SSB allows in one account
class only (controls 020, 025, 040, 050).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kostra_functions.controls.model import Severity
from kostra_functions.errors import KostraError

DATA_DIR = Path(__file__).resolve().parent.parent / "controls_data"


@dataclass(frozen=True)
class ControlSpec:
    """One row of ``controls.csv``."""

    id: str
    title: str
    severity: Severity
    warning_quarters: frozenset[str]
    error_quarters: frozenset[str]
    margin: int | None
    accounts: str
    oslo_district: str
    quarterly: bool
    valid_from: int | None
    valid_to: int | None
    source: str
    note: str

    def severity_for(self, quarter: str) -> Severity:
        """The severity for the kvartal field (``" "`` = annual accounts, ``"1"``–``"4"``)."""
        if quarter in self.warning_quarters:
            return Severity.WARNING
        if quarter in self.error_quarters:
            return Severity.ERROR
        return self.severity

    def applies_to_year(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_to is None or year <= self.valid_to
        )


@dataclass(frozen=True)
class CodeSet:
    """A set of codes with ranges (``100-799``); ``in`` compares numerically for ranges."""

    codes: frozenset[str]
    ranges: tuple[tuple[int, int], ...]

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        text = code.strip()
        if text in self.codes:
            return True
        if text.isdigit():
            number = int(text)
            return any(low <= number <= high for low, high in self.ranges)
        return False

    def __str__(self) -> str:
        parts = sorted(self.codes) + [f"{low}–{high}" for low, high in self.ranges]
        if len(parts) <= 1:
            return "".join(parts)
        return ", ".join(parts[:-1]) + " og " + parts[-1]


def _bad(file: str, line: int, message: str) -> KostraError:
    return KostraError(message, where=f"kostra_functions/controls_data/{file}, linje {line}")


def _rows(file: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    path = DATA_DIR / file
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise _bad(file, 1, f"kolonne(r) mangler: {', '.join(missing)}.")
            rows = [(i, {k: (v or "").strip() for k, v in row.items() if k})
                    for i, row in enumerate(reader, 2)]
    except FileNotFoundError:
        raise KostraError(f"Datafilen kostra_functions/controls_data/{file} mangler.") from None
    for line, row in rows:
        if not row.get("kilde"):
            raise _bad(file, line, "kolonnen kilde er tom; hver rad må ha en kilde.")
    return rows


def _year(text: str, file: str, line: int) -> int | None:
    if not text:
        return None
    if not (text.isdigit() and len(text) == 4):
        raise _bad(file, line, f"«{text}» er ikke et årstall.")
    return int(text)


_CONTROL_COLUMNS = ("kontroll", "tittel", "alvorlighet", "advarsel_i_kvartal", "feil_i_kvartal", "margin",
                    "regnskap", "bydel", "kvartalsrapport", "gyldig_fra", "gyldig_til", "kilde", "merknad")


@lru_cache(maxsize=1)
def specs() -> Mapping[str, ControlSpec]:
    """Every control in ``controls.csv`` by number (``"020"``)."""
    out: dict[str, ControlSpec] = {}
    file = "controls.csv"
    for line, r in _rows(file, _CONTROL_COLUMNS):
        cid = r["kontroll"]
        if not (cid.isdigit() and len(cid) == 3) or cid in out:
            raise _bad(file, line, f"kontrollnummeret «{cid}» skal ha tre sifre og være unikt.")
        try:
            severity = Severity.parse(r["alvorlighet"])
        except ValueError as exc:
            raise _bad(file, line, str(exc)) from None
        quarters = {}
        for column in ("advarsel_i_kvartal", "feil_i_kvartal"):
            items = r[column].split()
            if any(q not in "1234" or len(q) != 1 for q in items):
                raise _bad(file, line, f"{column} skal være kvartaler 1–4 skilt med mellomrom.")
            quarters[column] = frozenset(items)
        if r["regnskap"] not in ("fil", "bevilgning", "balanse"):
            raise _bad(file, line, "regnskap skal være fil, bevilgning eller balanse.")
        if r["bydel"] not in ("ja", "nei", "kun"):
            raise _bad(file, line, "bydel skal være ja, nei eller kun.")
        if r["kvartalsrapport"] not in ("ja", "nei"):
            raise _bad(file, line, "kvartalsrapport skal være ja eller nei.")
        if r["margin"] and not r["margin"].isdigit():
            raise _bad(file, line, "margin skal være et helt antall 1000 kr.")
        out[cid] = ControlSpec(
            id=cid,
            title=r["tittel"],
            severity=severity,
            warning_quarters=quarters["advarsel_i_kvartal"],
            error_quarters=quarters["feil_i_kvartal"],
            margin=int(r["margin"]) if r["margin"] else None,
            accounts=r["regnskap"],
            oslo_district=r["bydel"],
            quarterly=r["kvartalsrapport"] == "ja",
            valid_from=_year(r["gyldig_fra"], file, line),
            valid_to=_year(r["gyldig_til"], file, line),
            source=r["kilde"],
            note=r["merknad"],
        )
    return out


def spec(control: str) -> ControlSpec:
    """The :class:`ControlSpec` of one control; a missing row is a data error."""
    try:
        return specs()[control]
    except KeyError:
        raise KostraError(
            f"Kontroll {control} mangler i kostra_functions/controls_data/controls.csv."
        ) from None


@lru_cache(maxsize=1)
def _lists() -> Mapping[tuple[str, str], tuple[tuple[CodeSet, int | None, int | None], ...]]:
    file = "code_lists.csv"
    out: dict[tuple[str, str], list[tuple[CodeSet, int | None, int | None]]] = {}
    for line, r in _rows(file, ("kontroll", "liste", "koder", "gyldig_fra", "gyldig_til", "kilde")):
        codes: set[str] = set()
        ranges: list[tuple[int, int]] = []
        for item in r["koder"].split():
            if "-" in item:
                low, _, high = item.partition("-")
                if not (low.isdigit() and high.isdigit() and int(low) <= int(high)):
                    raise _bad(file, line, f"intervallet «{item}» er ugyldig.")
                ranges.append((int(low), int(high)))
            elif item.isdigit() or item.isalnum():
                codes.add(item)
            else:
                raise _bad(file, line, f"koden «{item}» er ugyldig.")
        entry = (CodeSet(frozenset(codes), tuple(ranges)), _year(r["gyldig_fra"], file, line),
                 _year(r["gyldig_til"], file, line))
        out.setdefault((r["kontroll"], r["liste"]), []).append(entry)
    return {k: tuple(v) for k, v in out.items()}


def code_list(control: str, name: str, year: int | None = None) -> CodeSet:
    """The list ``name`` of ``control`` valid in ``year`` (``None`` = any year)."""
    entries = _lists().get((control, name))
    if not entries:
        raise KostraError(f"Listen «{name}» for kontroll {control} mangler i controls_data/code_lists.csv.")
    for codes, start, end in entries:
        if year is None or ((start is None or start <= year) and (end is None or year <= end)):
            return codes
    return CodeSet(frozenset(), ())


@lru_cache(maxsize=8)
def balance_codes(kind: str, skjema: str) -> frozenset[str]:
    """Valid chapters (``kind="kapittel"``) or sectors (``"sektor"``) for a balance form."""
    file = "balance_codes.csv"
    out = {r["kode"] for _, r in _rows(file, ("type", "kode", "skjema", "kilde"))
           if r["type"] == kind and skjema in r["skjema"].split()}
    return frozenset(out)

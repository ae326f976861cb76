"""Generate the example district's ledger, budget and result units (and large benchmark sets).

``python -m kostra_functions.example_data.generate --out DIR [--rows N] [--districts K]``

* Without ``--rows``/``--districts`` it writes ``DIR/bydel_eksempel/`` exactly as committed in this
  package (a test regenerates it and compares the bytes).
* ``--rows N``: each ledger file (this year and last year) gets exactly N rows; the monthly totals per
  account line stay the same, only the number of vouchers they are split into changes.
* ``--districts K``: writes K districts named after Oslo's 15 districts (``DIR/bydel_gamle_oslo/`` …),
  each with its own seed and size, instead of Bydel Eksempel. Not for committing: use it for
  benchmarks (``--rows 1000000 --districts 3`` ≈ 3 × 45 MB).

Everything is read from ``bydel_eksempel.toml`` (account lines, profiles, result units, the sourced
rules for holiday pay, employer's tax and the 298/798 balance); this module only does the mechanics.
It uses :class:`random.Random` and plain arithmetic only (no numpy, no ``math.log``/``sin``), so the
output is identical bytes on every platform and Python version.

Mechanics (amounts in kroner, expenses +, revenues −, rounded to øre):

* an ordinary line: annual amount × monthly profile weight, ± a small noise, split into vouchers;
* fixed pay (art 101xx): monthly pay with the pay settlement from May; in June also
  *Feriepenger* = 12 % of last year's regular pay and *Ferietrekk* = −monthly pay × 12 × 25/260
  (prognose_metoder.md §3), which gives the June spike in the salary accounts;
* per (ansvar, funksjon, prosjekt) with pay: pension (10900), employer's tax (10990, 14.1 % of all
  pay and pension that month) and sick-pay refunds (17100, two months late);
* every internal purchase (12980, KOSTRA art 298) is matched by an internal sale (17980, art 798) on
  the staff unit in the same month and for the same amount, so 298 + 798 = 0;
* period 13 gets the year-end entries; the budget (adjusted budget, whole kroner) is spread over
  periods 1–12: pay and its derived lines evenly, other lines by their profile.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).with_name("bydel_eksempel.toml")

#: Employee pay arts whose amounts carry pension/employer's tax (KOSTRA 010–040).
PAY_PREFIXES = ("101", "102", "103", "104")
FIXED_PAY_PREFIX = "101"
PENSION_ART = "10900"
EMPLOYER_TAX_ART = "10990"
SICK_PAY_REFUND_ART = "17100"
#: Relative noise on monthly amounts (illustrative).
NOISE_PAY = 0.01
NOISE_OTHER = 0.03
NOISE_SICK_PAY = 0.15
LUMP_PROFILES = ("kvartal", "halvaar", "april")


@dataclass(frozen=True)
class Line:
    ansvar: str
    funksjon: str
    art: str
    prosjekt: str
    annual: float
    profile: str
    vouchers: int
    budget_factor: float
    last_year_factor: float
    text: str


@dataclass
class Cell:
    """One account string, period and text: the monthly total (øre) and how many vouchers it has."""

    art: str
    ansvar: str
    funksjon: str
    prosjekt: str
    period: int
    text: str
    ore: int
    vouchers: int

    def key(self) -> tuple[int, str, str, str, str, str]:
        return (self.period, self.art, self.ansvar, self.funksjon, self.prosjekt, self.text)


def load_spec(path: Path = SPEC_FILE) -> dict[str, Any]:
    """The generator's data file (TOML)."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _lines(spec: dict[str, Any]) -> list[Line]:
    out = []
    for row in spec["kontolinjer"]["linjer"]:
        ansvar, funksjon, art, prosjekt, annual, profile, vouchers, budget_factor, last_year, text = row
        if profile not in spec["profiler"]:
            raise ValueError(f"ukjent profil {profile!r} i {row}")
        if ";" in text or '"' in text:
            raise ValueError(f"teksten {text!r} kan ikke ha ; eller \"")
        out.append(Line(ansvar, funksjon, art, prosjekt, float(annual), profile, int(vouchers),
                        float(budget_factor), float(last_year), text))
    return out


def _noise(rng: random.Random, spread: float) -> float:
    """A symmetric noise factor 1 ± about ``spread`` (Irwin–Hall: sum of three uniforms)."""
    return 1.0 + (rng.random() + rng.random() + rng.random() - 1.5) * spread


def _ore(kroner: float) -> int:
    return round(kroner * 100)


class _Pay:
    """Pay levels of one fixed-pay line: regular monthly pay per year and month, regular annual pay."""

    def __init__(self, annual_this_year: float, year: int, growth: dict[int, float], settlement_month: int):
        self.year = year
        self.growth = growth
        self.month = settlement_month
        g = growth[year]
        before = settlement_month - 1
        base = annual_this_year / (before + (12 - before) * (1 + g))  # level before this year's raise
        self.end_level = {year: base * (1 + g)}
        for y in range(year - 1, year - 4, -1):
            self.end_level[y] = self.end_level[y + 1] / (1 + growth.get(y + 1, 0.0))

    def monthly(self, year: int, month: int) -> float:
        return self.end_level[year - 1] if month < self.month else self.end_level[year]

    def regular_total(self, year: int) -> float:
        return sum(self.monthly(year, m) for m in range(1, 13))


def _weights(spec: dict[str, Any], profile: str) -> list[float]:
    w = [float(x) for x in spec["profiler"][profile]]
    total = sum(w)
    return [x / total for x in w]


def _spread_whole(total: int, weights: Sequence[float]) -> list[int]:
    """Whole amounts per period that sum exactly to ``total`` (cumulative rounding)."""
    out, done, cum = [], 0, 0.0
    for w in weights:
        cum += w
        target = round(total * cum)
        out.append(target - done)
        done = target
    out[-1] += total - done
    return out


def district_cells(spec: dict[str, Any], *, year: int, scale: float, seed: int) -> list[Cell]:
    """Monthly totals of one district's accounts for ``year`` (this year or last year)."""
    district = spec["bydel"]
    this_year = int(district["aar"])
    pay = spec["lonn"]
    growth = {int(k): float(v) for k, v in pay["lonnsvekst"].items()}
    rng = random.Random(seed * 1000 + year)
    cells: list[Cell] = []
    monthly_pay: dict[tuple[str, str, str], list[float]] = {}
    monthly_fixed: dict[tuple[str, str, str], list[float]] = {}
    fixed_lines: dict[tuple[str, str, str], list[_Pay]] = {}
    holiday_month = int(pay["feriepenger_maned"])
    deduction = 12 * float(pay["ferietrekk_dager"]) / float(pay["virkedager_aar"])
    later = year == this_year
    factor_last = 1.0 / (1.0 + float(pay["vekst_fra_fjoraar"]))

    def add(line_key: tuple[str, str, str, str], period: int, text: str, kroner: float, vouchers: int) -> int:
        ore = _ore(kroner)
        if ore != 0:
            art, ansvar, funksjon, prosjekt = line_key
            cells.append(Cell(art, ansvar, funksjon, prosjekt, period, text, ore, vouchers))
        return ore

    internal = spec["internt_salg"]
    internal_by_month: dict[int, int] = {}
    for line in _lines(spec):
        if not later and line.last_year_factor == 0:
            continue
        key4 = (line.art, line.ansvar, line.funksjon, line.prosjekt)
        group = (line.ansvar, line.funksjon, line.prosjekt)
        annual = line.annual * scale
        if line.art.startswith(FIXED_PAY_PREFIX):
            levels = _Pay(annual, this_year, growth, int(pay["lonnsoppgjor_maned"]))
            fixed_lines.setdefault(group, []).append(levels)
            for m in range(1, 13):
                regular = levels.monthly(year, m) * _noise(rng, NOISE_PAY)
                ore = add(key4, m, line.text, regular, line.vouchers)
                monthly_pay.setdefault(group, [0.0] * 12)[m - 1] += ore / 100
                monthly_fixed.setdefault(group, [0.0] * 12)[m - 1] += levels.monthly(year, m)
                if m == holiday_month:
                    holiday = (float(pay["feriepenger_sats"]) * levels.regular_total(year - 1)
                               * _noise(rng, 0.005))
                    cut = -levels.monthly(year, m) * deduction
                    ore_h = add(key4, m, "Feriepenger", holiday, 1)
                    ore_c = add(key4, m, "Ferietrekk", cut, 1)
                    monthly_pay[group][m - 1] += (ore_h + ore_c) / 100
            continue
        if not later:
            annual *= line.last_year_factor * factor_last
        weights = _weights(spec, line.profile)
        spread = 0.0 if line.profile in LUMP_PROFILES else (
            NOISE_PAY if line.art.startswith(PAY_PREFIXES) else NOISE_OTHER)
        for m, w in enumerate(weights, start=1):
            if w == 0:
                continue
            ore = add(key4, m, line.text, annual * w * _noise(rng, spread), line.vouchers)
            if line.art.startswith(PAY_PREFIXES):
                monthly_pay.setdefault(group, [0.0] * 12)[m - 1] += ore / 100
            if line.art == internal["kjop_art"]:
                internal_by_month[m] = internal_by_month.get(m, 0) + ore
    # pension, employer's tax and sick-pay refunds per group with pay
    pension_rate = float(pay["pensjon_sats"])
    tax_rate = float(pay["arbeidsgiveravgift_sats"])
    refund_share = float(pay["sykelonnsrefusjon_andel"])
    lag = int(pay["sykelonnsrefusjon_forsinkelse"])
    for group in sorted(monthly_pay):
        ansvar, funksjon, prosjekt = group
        fixed = monthly_fixed.get(group, [0.0] * 12)
        for m in range(1, 13):
            pension = pension_rate * fixed[m - 1] * _noise(rng, 0.005)
            ore_p = add((PENSION_ART, ansvar, funksjon, prosjekt), m, "Pensjonspremie", pension, 1)
            tax = tax_rate * (monthly_pay[group][m - 1] + ore_p / 100)
            add((EMPLOYER_TAX_ART, ansvar, funksjon, prosjekt), m, "Arbeidsgiveravgift", tax, 1)
            if group in fixed_lines:
                src_year, src_month = (year, m - lag) if m > lag else (year - 1, m - lag + 12)
                base = sum(p.monthly(src_year, src_month) for p in fixed_lines[group])
                refund = -refund_share * base * _noise(rng, NOISE_SICK_PAY)
                add((SICK_PAY_REFUND_ART, ansvar, funksjon, prosjekt), m, "Sykelønnsrefusjon NAV", refund, 1)
    # internal sale matching the internal purchases, month by month (298 + 798 = 0)
    for m in sorted(internal_by_month):
        cells.append(Cell(internal["salg_art"], internal["salg_ansvar"], internal["salg_funksjon"], "", m,
                          internal["tekst"], -internal_by_month[m], 1))
    # period 13: year-end entries
    for ansvar, funksjon, art, prosjekt, amount, text in spec["kontolinjer"]["aarsavslutning"]:
        kroner = float(amount) * scale * (1.0 if later else factor_last)
        add((art, ansvar, funksjon, prosjekt), 13, text, kroner, 1)
    return sorted(cells, key=Cell.key)


def district_budget(spec: dict[str, Any], *, scale: float) -> list[Cell]:
    """The adjusted budget of this year, whole kroner per period 1–12 (vouchers = 1)."""
    pay = spec["lonn"]
    year = int(spec["bydel"]["aar"])
    growth = {int(k): float(v) for k, v in pay["lonnsvekst"].items()}
    deduction = 12 * float(pay["ferietrekk_dager"]) / float(pay["virkedager_aar"])
    even = [1 / 12] * 12
    annual_by_key: dict[tuple[str, str, str, str], tuple[int, list[float]]] = {}
    pay_by_group: dict[tuple[str, str, str], float] = {}
    fixed_by_group: dict[tuple[str, str, str], float] = {}
    internal = spec["internt_salg"]

    def put(key4: tuple[str, str, str, str], kroner: float, weights: list[float]) -> int:
        whole = round(kroner / 1000.0) * 1000
        old = annual_by_key.get(key4)
        annual_by_key[key4] = ((old[0] if old else 0) + whole, weights)
        return whole

    for line in _lines(spec):
        key4 = (line.art, line.ansvar, line.funksjon, line.prosjekt)
        group = (line.ansvar, line.funksjon, line.prosjekt)
        annual = line.annual * scale
        if line.art.startswith(FIXED_PAY_PREFIX):
            levels = _Pay(annual, year, growth, int(pay["lonnsoppgjor_maned"]))
            holiday = float(pay["feriepenger_sats"]) * levels.regular_total(year - 1)
            cut = levels.monthly(year, int(pay["feriepenger_maned"])) * deduction
            expected = levels.regular_total(year) + holiday - cut
            whole = put(key4, expected * line.budget_factor, even)
            pay_by_group[group] = pay_by_group.get(group, 0.0) + whole
            fixed_by_group[group] = fixed_by_group.get(group, 0.0) + levels.regular_total(year)
            continue
        weights = even if line.art.startswith(PAY_PREFIXES) else _weights(spec, line.profile)
        whole = put(key4, annual * line.budget_factor, weights)
        if line.art.startswith(PAY_PREFIXES):
            pay_by_group[group] = pay_by_group.get(group, 0.0) + whole
    for group in sorted(pay_by_group):
        ansvar, funksjon, prosjekt = group
        pension = put((PENSION_ART, ansvar, funksjon, prosjekt),
                      float(pay["pensjon_sats"]) * fixed_by_group.get(group, 0.0), even)
        put((EMPLOYER_TAX_ART, ansvar, funksjon, prosjekt),
            float(pay["arbeidsgiveravgift_sats"]) * (pay_by_group[group] + pension), even)
        if group in fixed_by_group:
            put((SICK_PAY_REFUND_ART, ansvar, funksjon, prosjekt),
                -float(pay["sykelonnsrefusjon_andel"]) * fixed_by_group[group], even)
    cells: list[Cell] = []
    internal_by_period = [0] * 12
    for key4 in sorted(annual_by_key):
        total, weights = annual_by_key[key4]
        art, ansvar, funksjon, prosjekt = key4
        for m, amount in enumerate(_spread_whole(total, weights), start=1):
            if art == internal["kjop_art"]:
                internal_by_period[m - 1] += amount
            if amount != 0 or weights[m - 1] != 0:
                cells.append(Cell(art, ansvar, funksjon, prosjekt, m, "", amount * 100, 1))
    for m, amount in enumerate(internal_by_period, start=1):
        if amount:
            cells.append(Cell(internal["salg_art"], internal["salg_ansvar"], internal["salg_funksjon"], "", m,
                              "", -amount * 100, 1))
    return sorted(cells, key=Cell.key)


# ------------------------------------------------------------------------------------------ writing
def _split(ore: int, pieces: int, rng: random.Random) -> list[int]:
    """``ore`` split into ``pieces`` parts with random sizes that sum exactly to ``ore``."""
    if pieces <= 1:
        return [ore]
    weights = [0.5 + rng.random() for _ in range(pieces)]
    total = sum(weights)
    return _spread_whole(ore, [w / total for w in weights])


def _amount_text(ore: int) -> str:
    """Agresso style: ``-1234,50`` (decimal comma, no thousands separator)."""
    sign = "-" if ore < 0 else ""
    whole, frac = divmod(abs(ore), 100)
    return f"{sign}{whole},{frac:02d}"


def _budget_text(kroner: int) -> str:
    """Excel style: whole kroner with no-break-space thousands (``-1 234 000``)."""
    sign = "-" if kroner < 0 else ""
    return sign + f"{abs(kroner):,}".replace(",", "\u00a0")


def ledger_bytes(cells: list[Cell], year: int, *, rows: int | None, seed: int) -> tuple[bytes, int]:
    """The accounts CSV (Windows-1252, CRLF, ``;``) and its number of data rows."""
    rng = random.Random(seed * 1000 + year + 500)
    if rows is not None:
        if rows < len(cells):
            raise ValueError(f"--rows må være minst {len(cells)} (antall konto/periode-kombinasjoner).")
        base, extra = divmod(rows, len(cells))
        counts = [base + (1 if i < extra else 0) for i in range(len(cells))]
    else:
        counts = [c.vouchers for c in cells]
    out = ["Art;Ansvar;Funksjon;Prosjekt;Periode;Tekst;Beløp"]
    for cell, count in zip(cells, counts, strict=True):
        prefix = (f"{cell.art};{cell.ansvar};{cell.funksjon};{cell.prosjekt};{year}{cell.period:02d};"
                  f"{cell.text};")
        out.extend(prefix + _amount_text(piece) for piece in _split(cell.ore, count, rng))
    return ("\r\n".join(out) + "\r\n").encode("cp1252"), len(out) - 1


def budget_bytes(cells: list[Cell], year: int) -> bytes:
    """The budget CSV (UTF-8 with BOM, CRLF, ``;``), whole kroner with thousands separators."""
    out = ["Art;Ansvar;Funksjon;Prosjekt;Periode;Justert budsjett"]
    for c in cells:
        amount = _budget_text(c.ore // 100)
        out.append(f"{c.art};{c.ansvar};{c.funksjon};{c.prosjekt};{year}{c.period:02d};{amount}")
    return ("\r\n".join(out) + "\r\n").encode("utf-8-sig")


def result_units_bytes(spec: dict[str, Any]) -> bytes:
    """The result units CSV (UTF-8 with BOM, CRLF, ``;``): ansvar → RES."""
    out = ["Ansvar;Ansvarsnavn;Resultatenhet;Resultatenhet navn"]
    for unit in spec["resultatenheter"]:
        for ansvar, name in unit["ansvar"]:
            out.append(f"{ansvar};{name};{unit['kode']};{unit['navn']}")
    return ("\r\n".join(out) + "\r\n").encode("utf-8-sig")


def slug(name: str) -> str:
    """Folder name for a district: ``Bydel Grünerløkka`` → ``bydel_grunerlokka``."""
    text = name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def districts(spec: dict[str, Any], count: int | None) -> list[tuple[str, str, float, int]]:
    """(name, folder, scale, seed) per district: Bydel Eksempel, or the first ``count`` Oslo districts."""
    seed = int(spec["bydel"]["fro"])
    if count is None:
        return [(spec["bydel"]["navn"], spec["bydel"]["mappe"], 1.0, seed)]
    names = spec["benchmark"]["bydeler"]
    if not 1 <= count <= len(names):
        raise ValueError(f"--districts må være 1–{len(names)}.")
    out = []
    for i, name in enumerate(names[:count], start=1):
        scale = 0.7 + ((i * 37) % 9) / 10
        out.append((f"Bydel {name}", slug(f"bydel {name}"), scale, seed + i))
    return out


def generate(out: Path, *, rows: int | None = None, count: int | None = None,
             spec: dict[str, Any] | None = None) -> dict[str, dict[str, Path]]:
    """Write the files of each district under ``out``; returns the paths per district folder."""
    spec = spec or load_spec()
    year = int(spec["bydel"]["aar"])
    last = int(spec["bydel"]["fjoraar"])
    written: dict[str, dict[str, Path]] = {}
    for _name, folder, scale, seed in districts(spec, count):
        target = out / folder
        target.mkdir(parents=True, exist_ok=True)
        files = {
            "regnskap": target / f"regnskap_{year}.csv",
            "budsjett": target / f"budsjett_{year}.csv",
            "resultatenheter": target / "resultatenheter.csv",
            "regnskap_fjoraar": target / f"regnskap_{last}.csv",
        }
        for key, y in (("regnskap", year), ("regnskap_fjoraar", last)):
            cells = district_cells(spec, year=y, scale=scale, seed=seed)
            data, _ = ledger_bytes(cells, y, rows=rows, seed=seed)
            files[key].write_bytes(data)
        files["budsjett"].write_bytes(budget_bytes(district_budget(spec, scale=scale), year))
        files["resultatenheter"].write_bytes(result_units_bytes(spec))
        written[folder] = files
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kostra_functions.example_data.generate",
        description="Lag eksempeldata (Bydel Eksempel) eller store testsett for ytelsesmåling.",
    )
    parser.add_argument("--out", required=True, type=Path, help="mappen filene skrives til")
    parser.add_argument("--rows", type=int, default=None, help="antall rader i hver regnskapsfil")
    parser.add_argument("--districts", type=int, default=None,
                        help="antall bydeler (1–15, oppkalt etter Oslos bydeler) i stedet for Bydel Eksempel")
    args = parser.parse_args(argv)
    try:
        written = generate(args.out, rows=args.rows, count=args.districts)
    except ValueError as exc:
        print(f"Feil: {exc}", file=sys.stderr)
        return 2
    for folder, files in written.items():
        sizes = ", ".join(f"{p.name} ({p.stat().st_size:,} byte)".replace(",", " ") for p in files.values())
        print(f"{folder}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

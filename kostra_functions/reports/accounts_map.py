"""The accounts map (``kostra kart``): a district's accounts and budget per function area and KOSTRA function.

The follow-up table Fellesskriv 5/2022 asks for, as text: per function area → function, the adjusted
budget, the budget to date, the accounts in the period and to date and the deviation, with earmarked
projects (2xxxx/3xxxx) in their own block, then the accounts per period; and the detail (function
area, function, result unit, project, with accounts per period) as semicolon CSV with decimal comma.

Amounts are whole kroner (rounded half away from zero), expenses +, revenues −; deviation = budget to
date − accounts to date, + = mindreforbruk (underspend).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kostra_functions import formatting
from kostra_functions.formatting import whole
from kostra_functions.reports import files

MONTHS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des", "årsavsl.")
MONTH_NAMES = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
               "november", "desember", "årsavslutning")
LABEL_WIDTH = 42
NUMBER_WIDTH = 13
DETAIL_BY = ["funksjonsomrade", "funksjon", "resultatenhet", "prosjekt"]


def kroner(value: float) -> str:
    """Whole kroner with space as thousands separator, rounded half away from zero: ``-1 234 568``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return formatting.kroner(value, 0)


def percent(value: float) -> str:
    """A share as a whole percent (``0.987`` → ``99 %``); blank when unknown."""
    if value is None or not math.isfinite(value):
        return ""
    return f"{round(value * 100):d} %"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _row(label: str, values: list[str], last: str = "") -> str:
    cells = "".join(v.rjust(NUMBER_WIDTH) for v in values)
    return f"{_cut(label, LABEL_WIDTH):<{LABEL_WIDTH}}{cells}{last.rjust(7)}"


def _amounts(row: Any) -> list[str]:
    return [kroner(row[c]) for c in ("justert_budsjett", "budsjett_hittil", "regnskap_periode",
                                     "regnskap_hittil", "avvik_hittil")]


def _share(budget: float, actual: float) -> str:
    return percent(actual / budget) if budget else ""



def header_lines(*, example: bool, actual_path: Path, budget_path: Path | None, units_path: Path | None,
                 actual: pd.DataFrame, budget: pd.DataFrame | None, units: pd.DataFrame | None, year: int,
                 period: int, ruleset_name: str, region: str) -> list[str]:
    """The report's head: what was read (files, rows, budget total, result units), the rule set and
    how to read the amounts."""
    from kostra_functions import example_data

    who = f" for {example_data.NAME}" if example else ""
    lines = [f"KOSTRA-kart{who}: regnskap {year} til og med periode {period} ({MONTH_NAMES[period - 1]})"]
    lines.append(f"Regnskap:        {_shown(actual_path)} ({whole(len(actual))} rader)")
    if budget is not None:
        lines.append(f"Budsjett:        {_shown(budget_path)} ({whole(len(budget))} rader, justert budsjett "
                     f"{kroner(budget['belop'].sum())})")
    else:
        lines.append("Budsjett:        (ingen fil; budsjettkolonnene er 0)")
    if units is not None:
        lines.append(f"Resultatenheter: {_shown(units_path)} ({whole(len(units))} ansvar i "
                     f"{whole(units['resultatenhet'].nunique())} resultatenheter)")
    else:
        lines.append("Resultatenheter: (ingen fil; hvert ansvar er sin egen resultatenhet)")
    lines.append(f"Regelsett:       {ruleset_name}, KOSTRA-kodeliste {year}"
                 + (f", region {region}" if region else ""))
    if example:
        lines.append("Eksempeldata: oppgi --regnskap, --budsjett og --resultatenheter for å bruke egne "
                     "filer.")
    lines.append("Hele kroner. Utgifter +, inntekter −. Avvik = budsjett hittil − regnskap hittil "
                 "(+ = mindreforbruk, − = merforbruk).")
    lines.append("")
    return lines


def _shown(path: Path | None) -> str:
    """A path as the user will recognise it: relative to the working folder when inside it."""
    if path is None:
        return ""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _column_titles(period: int) -> tuple[list[str], list[str]]:
    return (["Justert", "Budsjett", "Regnskap", "Regnskap", "Avvik"],
            ["budsjett", "hittil", MONTHS[period - 1], "hittil", "hittil"])


def main_table(actual: pd.DataFrame, budget: pd.DataFrame | None, period: int, *, per_res: bool,
               earmarked_prefixes: list[str]) -> list[str]:
    """Budget, accounts and deviation per function area and function (and result unit with
    ``per_res``), earmarked projects in their own block, and the district's total."""
    from kostra_functions.mapping import summarise

    first, second = _column_titles(period)
    rule = "─" * (LABEL_WIDTH + NUMBER_WIDTH * len(first) + 7)
    lines = [_row("", first, "Forbr."), _row("Funksjonsområde / funksjon", second, "%"), rule]
    ordinary = summarise(actual, budget, through_period=period, by=("funksjonsomrade", "funksjon"),
                         earmarked=False)
    detail = (summarise(actual, budget, through_period=period,
                        by=("funksjonsomrade", "funksjon", "resultatenhet"), earmarked=False)
              if per_res else None)
    totals = _zero()
    for area in dict.fromkeys(ordinary.index.get_level_values("funksjonsomrade")):
        block = ordinary.xs(area, level="funksjonsomrade", drop_level=False)
        lines.append(f"{area} {block['funksjonsomrade_navn'].iloc[0]}")
        for (_, function), row in block.iterrows():
            lines.append(_row(f"  {function} {row['funksjon_navn']}", _amounts(row),
                              _share(row["justert_budsjett"], row["regnskap_hittil"])))
            if detail is not None:
                units = detail.xs((area, function), level=("funksjonsomrade", "funksjon"))
                for unit, urow in units.iterrows():
                    name = urow.get("resultatenhet_navn", "") or ""
                    lines.append(_row(f"      RES {unit} {name}".rstrip(), _amounts(urow),
                                      _share(urow["justert_budsjett"], urow["regnskap_hittil"])))
        area_sum = block[list(_zero().index)].sum()
        lines.append(_row(f"  Sum {area}", _amounts(area_sum),
                          _share(area_sum["justert_budsjett"], area_sum["regnskap_hittil"])))
        lines.append("")
        totals = totals + area_sum
    lines.append(_row("Sum ordinær drift", _amounts(totals),
                      _share(totals["justert_budsjett"], totals["regnskap_hittil"])))
    lines.append(rule)
    prefixes = " eller ".join(earmarked_prefixes) if earmarked_prefixes else "(ingen i regelsettet)"
    lines.append(f"Øremerkede prosjekter (prosjektnummer som begynner på {prefixes})")
    earmarked = summarise(actual, budget, through_period=period, by=("prosjekt", "funksjon"), earmarked=True)
    earmarked_totals = _zero()
    if len(earmarked) == 0:
        lines.append("  (ingen)")
    for (project, function), row in earmarked.iterrows():
        lines.append(_row(f"  {project}  {function} {row['funksjon_navn']}", _amounts(row),
                          _share(row["justert_budsjett"], row["regnskap_hittil"])))
        earmarked_totals = earmarked_totals + row[list(_zero().index)]
    lines.append(_row("Sum øremerkede prosjekter", _amounts(earmarked_totals),
                      _share(earmarked_totals["justert_budsjett"], earmarked_totals["regnskap_hittil"])))
    lines.append(rule)
    everything = totals + earmarked_totals
    lines.append(_row("Sum bydelen (drift inkl. øremerket)", _amounts(everything),
                      _share(everything["justert_budsjett"], everything["regnskap_hittil"])))
    lines.append("")
    return lines


def _zero() -> pd.Series:
    return pd.Series(0.0, index=["justert_budsjett", "budsjett_hittil", "regnskap_periode", "regnskap_hittil",
                                 "avvik_hittil"])


def period_table(actual: pd.DataFrame, period: int) -> list[str]:
    """The accounts per period 1..``period`` per function area, earmarked, in total and cumulated."""
    from kostra_functions.mapping import period_matrix

    ordinary = actual[~actual["oremerket"].to_numpy()]
    earmarked = actual[actual["oremerket"].to_numpy()]
    by_area = period_matrix(ordinary, ["funksjonsomrade"]) if len(ordinary) else None
    columns: list[tuple[str, np.ndarray]] = []
    if by_area is not None:
        for area, row in by_area.iterrows():
            columns.append((str(area), row.to_numpy()))
    earmarked_sums = np.zeros(13)
    if len(earmarked):
        matrix = period_matrix(earmarked.assign(_alle=pd.Categorical(["alle"] * len(earmarked))), ["_alle"])
        earmarked_sums = matrix.to_numpy()[0]
    columns.append(("Øremerket", earmarked_sums))
    total = sum((c for _, c in columns), np.zeros(13))
    columns.append(("Sum", total))
    columns.append(("Sum hittil", np.cumsum(total)))
    width = 12
    lines = ["Regnskap per periode (hele kroner)"]
    lines.append(f"{'Periode':<14}" + "".join(name.rjust(width) for name, _ in columns))
    lines.append("─" * (14 + width * len(columns)))
    for p in range(1, period + 1):
        label = f"{p:>2} {MONTHS[p - 1]}"
        lines.append(f"{label:<14}" + "".join(kroner(values[p - 1]).rjust(width) for _, values in columns))
    lines.append("─" * (14 + width * len(columns)))
    sums = [kroner(values[:period].sum()) if name != "Sum hittil" else "" for name, values in columns]
    lines.append(f"{'Sum hittil':<14}" + "".join(s.rjust(width) for s in sums))
    lines.append("")
    return lines


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def write_detail_csv(path: Path, actual: pd.DataFrame, budget: pd.DataFrame | None, period: int) -> int:
    """The detail table as ``;`` CSV (UTF-8 with BOM, decimal comma); returns the number of data rows."""
    from kostra_functions.mapping import period_matrix, summarise

    header = ["blokk", "funksjonsomrade", "funksjonsomrade_navn", "funksjon", "funksjon_navn",
              "resultatenhet", "resultatenhet_navn", "prosjekt", "justert_budsjett", "budsjett_hittil",
              "regnskap_periode", "regnskap_hittil", "avvik_hittil"]
    header += [f"regnskap_p{p:02d}" for p in range(1, 14)]
    rows = []
    for block, flag in (("ordinær drift", False), ("øremerket", True)):
        part = actual[actual["oremerket"].to_numpy() == flag]
        summary = summarise(actual, budget, through_period=period, by=DETAIL_BY, earmarked=flag)
        if len(summary) == 0:
            continue
        per = period_matrix(part, DETAIL_BY) if len(part) else None
        if per is not None:
            levels = [per.index.get_level_values(i).astype(str) for i in range(per.index.nlevels)]
            per.index = pd.MultiIndex.from_arrays(levels, names=DETAIL_BY)
        for key, row in summary.iterrows():
            area, function, unit, project = key
            periods = per.loc[key].to_numpy() if per is not None and key in per.index else np.zeros(13)
            rows.append([
                block, area, row.get("funksjonsomrade_navn", ""), function, row.get("funksjon_navn", ""),
                unit, row.get("resultatenhet_navn", ""), project,
                *(_decimal(row[c]) for c in ("justert_budsjett", "budsjett_hittil", "regnskap_periode",
                                             "regnskap_hittil", "avvik_hittil")),
                *(_decimal(v) for v in periods),
            ])
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_csv(path, [header, *rows])  # never half a file; names that start like a formula as text
    return len(rows)



"""``kostra kart``: a district's accounts and budget per function area and KOSTRA function.

Reads the accounts (and the adjusted budget and result units, when given), checks every row and
code, maps them to KOSTRA functions and function areas and prints the follow-up table that Fellesskriv 5/2022
asks for: per function area → function, the adjusted budget, the budget to date, the accounts in the
period and to date and the deviation, with earmarked projects (2xxxx/3xxxx) in their own block, then
the accounts per period. Without files it shows the bundled example district (Bydel Eksempel 2023).

Amounts are whole kroner (rounded half away from zero), expenses +, revenues −; deviation = budget to
date − accounts to date, + = mindreforbruk (underspend). ``--csv`` writes the detail (function area,
function, result unit, project, with accounts per period) as semicolon CSV with decimal comma.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from kostra_functions.errors import InvalidArgumentError, OutOfRangeError
from kostra_functions.reports import accounts_map as report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kart",
        help="vis regnskap og budsjett per funksjonsområde og KOSTRA-funksjon (uten filer: eksempelbydelen)",
        description="Les regnskap (og justert budsjett og resultatenheter), kontroller alle rader og koder, "
        "og vis budsjett, regnskap og avvik per funksjonsområde og KOSTRA-funksjon, med øremerkede "
        "prosjekter for seg. Uten filer brukes eksempeldataene (Bydel Eksempel 2023).",
    )
    p.add_argument("--regnskap", metavar="FIL", type=Path, help="regnskapseksport (CSV eller XLSX)")
    p.add_argument("--budsjett", metavar="FIL", type=Path, help="justert budsjett periodisert på 1–12")
    p.add_argument("--resultatenheter", metavar="FIL", type=Path,
                   help="ansvar → resultatenhet (uten denne er hvert ansvar sin egen resultatenhet)")
    p.add_argument("--aar", metavar="ÅR", type=int,
                   help="regnskapsåret (standard: året i periodene, f.eks. 202306 → 2023)")
    p.add_argument("--periode", metavar="N", type=int,
                   help="til og med periode N, 1–13 (standard: siste periode med regnskap)")
    p.add_argument("--regelsett", metavar="NAVN", default=None, help="regelsett (standard: oslo_bydel)")
    p.add_argument("--per-res", action="store_true", help="vis resultatenhetene under hver funksjon")
    p.add_argument("--csv", metavar="UT", type=Path, help="skriv detaljtabellen til en CSV-fil")
    p.set_defaults(func=run)


# ------------------------------------------------------------------------------------------- run
def run(args: argparse.Namespace) -> int:
    from kostra_functions import example_data
    from kostra_functions.ledger import read_ledger
    from kostra_functions.mapping import last_period, load_result_units, map_ledger
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset

    started = time.perf_counter()
    example = args.regnskap is None
    if example and (args.budsjett is not None or args.resultatenheter is not None):
        raise InvalidArgumentError("Oppgi regnskapsfilen med --regnskap når du oppgir budsjett eller "
                                   "resultatenheter.")
    files = example_data.paths()
    actual_path = files["regnskap"] if example else args.regnskap
    budget_path = files["budsjett"] if example else args.budsjett
    units_path = files["resultatenheter"] if example else args.resultatenheter
    ruleset = load_ruleset(args.regelsett or DEFAULT_RULESET)

    actual = read_ledger(actual_path, kind="regnskap", year=args.aar, ruleset=ruleset)
    year = args.aar or actual.attrs.get("aar")
    if year is None:
        raise InvalidArgumentError(
            f"Regnskapsåret står ikke i periodene i {actual_path} (de er 1–13, ikke ÅÅÅÅMM); oppgi --aar."
        )
    budget = read_ledger(budget_path, kind="budsjett", year=year, ruleset=ruleset) if budget_path else None
    units = load_result_units(units_path) if units_path else None
    mapped = map_ledger(actual, year=year, ruleset=ruleset, result_units=units)
    mapped_budget = map_ledger(budget, year=year, ruleset=ruleset, result_units=units) if budget is not None \
        else None
    period = args.periode if args.periode is not None else last_period(mapped)
    if not 1 <= period <= 13:
        raise OutOfRangeError(f"--periode må være 1–13 (fikk {period}).")

    drift, invest = _split_account_class(mapped)
    drift_budget, invest_budget = (_split_account_class(mapped_budget) if mapped_budget is not None
                                   else (None, None))
    lines = report.header_lines(example=example, actual_path=actual_path, budget_path=budget_path,
                                units_path=units_path, actual=actual, budget=budget, units=units,
                                year=int(year), period=period, ruleset_name=ruleset.name,
                                region=ruleset.get("regelsett.region", ""))
    lines += report.main_table(drift, drift_budget, period, per_res=args.per_res,
                               earmarked_prefixes=ruleset.get("oremerking.prosjekt_prefiks", []))
    lines += report.period_table(drift, period)
    for label, frame in (("regnskap", invest), ("budsjett", invest_budget)):
        if frame is not None and len(frame):
            lines.append(f"NB: {len(frame)} rader med investering i {label}et (sum "
                         f"{report.kroner(frame['belop'].sum())}) er holdt utenfor driftstabellen.")
    if args.csv:
        rows = report.write_detail_csv(args.csv, drift, drift_budget, period)
        lines.append(f"Detaljtabellen er skrevet til {args.csv} ({rows} rader).")
    seconds = f"{time.perf_counter() - started:.2f}".replace(".", ",")
    lines.append(f"Lest, kontrollert og summert på {seconds} s.")
    print("\n".join(lines))
    return 0


def _split_account_class(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    invest = frame["kontoklasse"].to_numpy() == "investering"
    return frame[~invest], frame[invest]

"""``kostra prognose``: deviation prognoses for a district, in the terminal, as CSV or as XLSX.

Runs on the bundled example district by default (2023 accounts and periodised budget, last year's
accounts as the seasonal profile, the result-unit register); ``--regnskap``/``--budsjett``/
``--fjoraar``/``--resultatenheter`` take the controller's own exports. The numbers are those of the
Excel function ``KOSTRA_AVVIK_TABELL`` for the same inputs (same library calls, same rounding):
kroner rounded to øre, expenses +, deviation + = mindreforbruk.

* ``--periode N`` (0–13; default the last period with postings in the accounts) or
  ``--alle-perioder`` (1–13; the terminal shows the totals per period, the files hold every table);
* ``--metode`` (default the rule set's, Oslo «periodisert»); ``--justeringer FIL`` (CSV with a header
  row: funksjon, resultatenhet, metode, prognose, tiltak, fremført, avsetninger or chapters 303–308);
* ``--per resultatenhet`` sorts by result unit (Fellesskriv 5/2022 §3), default by function;
* ``--csv UT`` (``;``-separated, decimal comma, UTF-8 with BOM, as Norwegian Excel opens it) and
  ``--xlsx UT`` (the table, and a sheet «Forklaringer» with every detail row explained).

Exit code 0; 1 when a function's prognosis could not be computed (shown as ``#NUM!``/``#VALUE!``
with the reasons below the table); 2 for bad input (the CLI prints the Norwegian message).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prognose",
        help="avviksprognoser per KOSTRA-funksjon for en bydel (eksempeldata eller egne filer)",
        description="Avviksprognoser per KOSTRA-funksjon: justert budsjett, regnskap og budsjett hittil, "
        "prognose og avviksprognose (+ = mindreforbruk), gruppert på funksjonsområde med øremerkede "
        "prosjekter for seg. Uten filer brukes eksempelbydelen.",
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument("--periode", type=int, metavar="N",
                      help="siste lukkede periode 0–13 (standard: siste periode med posteringer)")
    when.add_argument("--alle-perioder", action="store_true", help="beregn for periode 1–13")
    p.add_argument("--metode", help="lineær, periodisert, profil eller manuell (standard: regelsettets)")
    p.add_argument("--per", choices=("funksjon", "resultatenhet"), default="funksjon",
                   help="sorter etter funksjon (standard) eller resultatenhet")
    p.add_argument("--csv", type=Path, metavar="UT", help="skriv tabellen som CSV (semikolon, desimalkomma)")
    p.add_argument("--xlsx", type=Path, metavar="UT", help="skriv tabellen og forklaringene som XLSX")
    p.add_argument("--regnskap", type=Path, metavar="FIL", help="regnskapsfil (CSV/XLSX); standard eksempel")
    p.add_argument("--budsjett", type=Path, metavar="FIL", help="budsjettfil (CSV/XLSX); standard eksempel")
    p.add_argument("--fjoraar", type=Path, metavar="FIL",
                   help="fjorårets regnskap som sesongprofil for metoden profil (standard eksempel når "
                   "eksempeldata brukes)")
    p.add_argument("--resultatenheter", type=Path, metavar="FIL", help="register over resultatenheter")
    p.add_argument("--justeringer", type=Path, metavar="FIL",
                   help="CSV med tiltak, fremført, avsetninger, metode og manuell prognose per funksjon, "
                   "eller avviksprognose-arbeidsboken (arkene «Justeringer» og «Funksjonsvalg»)")
    p.add_argument("--aar", type=int, metavar="ÅR",
                   help="regnskapsåret (standard: året i periodene ÅÅÅÅMM i filene)")
    p.add_argument("--regelsett", help="regelsett (navn eller TOML-fil); standard oslo_bydel")
    bt = p.add_argument_group("tilbaketest (hvilken metode hadde truffet best?)")
    bt.add_argument("--tilbaketest", action="store_true",
                    help="tilbaketest metodene per funksjon på tidligere år (--csv/--xlsx for rapport)")
    bt.add_argument("--år", dest="tilbaketest_aar", metavar="ÅR-ÅR",
                    help="år som testes, f.eks. 2021-2023 (standard: alle år med året før i historikken)")
    bt.add_argument("--historikk", type=Path, metavar="FIL",
                    help="månedshistorikk (CSV/XLSX: År, Funksjon, Periode, Regnskap, Budsjett) eller en "
                    "mappe med regnskap_ÅÅÅÅ.csv og budsjett_ÅÅÅÅ.csv; standard eksempelbydelen")
    bt.add_argument("--lagre-metoder", type=Path, metavar="FIL",
                    help="skriv anbefalt metode per funksjon som regelsett (TOML) med feiltallene")
    p.set_defaults(func=run)


# ---------------------------------------------------------------------------------------------
# Inputs


def _inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Paths of the inputs: the example's unless the user gave files."""
    own = args.regnskap is not None or args.budsjett is not None
    if own and (args.regnskap is None or args.budsjett is None):
        from kostra_functions.errors import MissingArgumentError

        raise MissingArgumentError("Gi både --regnskap og --budsjett (eller ingen av dem for eksempeldata).")
    if own:
        return {"regnskap": args.regnskap, "budsjett": args.budsjett, "fjoraar": args.fjoraar,
                "resultatenheter": args.resultatenheter, "year": args.aar}
    from kostra_functions import example_data

    paths = example_data.paths()
    return {"regnskap": paths["regnskap"], "budsjett": paths["budsjett"],
            "fjoraar": args.fjoraar or paths.get("regnskap_fjoraar"),
            "resultatenheter": args.resultatenheter or paths.get("resultatenheter"),
            "year": args.aar}


def load_basis(regnskap: Path, budsjett: Path, *, fjoraar: Path | None = None,
               resultatenheter: Path | None = None, year: int | None = None,
               ruleset: str | None = None) -> Any:
    """Read the files and build the district basis (what the CLI and its tests share)."""
    from kostra_functions.ledger import read_ledger
    from kostra_functions.prognosis.district import district_basis

    actuals = read_ledger(regnskap, kind="regnskap", ruleset=ruleset)
    budget = read_ledger(budsjett, kind="budsjett", ruleset=ruleset)
    year_ = year or actuals.attrs.get("aar") or budget.attrs.get("aar")
    if year_ is None:
        from kostra_functions.errors import MissingArgumentError

        raise MissingArgumentError("Regnskapsåret står ikke i filene; gi det med --aar.")
    units = None
    if resultatenheter is not None:
        from kostra_functions.mapping import load_result_units

        units = load_result_units(resultatenheter)
    last_year = read_ledger(fjoraar, kind="regnskap", ruleset=ruleset) if fjoraar else None
    return district_basis(actuals, budget, year=int(year_), ruleset=ruleset, result_units=units,
                          last_year=last_year)


def read_workbook_adjustments(path: Path, ruleset: str | None, year: int) -> tuple[Any, list[str]]:
    """The adjustments and per-function choices typed in a prognosis workbook («Justeringer» and
    «Funksjonsvalg»), checked the way the workbook's Status column checks them: a row with an unknown
    function, a function not valid in ``year`` or text in an amount column is left out and reported,
    exactly as the workbook leaves it out. Earmarked projects' rows are not part of these figures
    (the table follows them separately). Returns ``(Adjustments, problems)``."""
    from kostra_functions import prognosis as pg
    from kostra_functions.codes.catalog import Catalog
    from kostra_functions.errors import LedgerFormatError
    from kostra_functions.prognosis.adjustments import Adjustments
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset
    from kostra_functions.tables.xlsx import open_workbook, sheet_rows

    wb = open_workbook(path, where=str(path))
    try:
        if "Justeringer" not in wb.sheetnames:
            raise LedgerFormatError("arbeidsboken har ikke arket «Justeringer».", where=str(path))
        region = str(load_ruleset(ruleset or DEFAULT_RULESET).get("regelsett.region", "") or "") or None
        catalog = Catalog.for_year(year, region)
        sums: dict[str, dict[str, float]] = {"tiltak": {}, "fremfort": {}, "avsetninger": {}}
        problems: list[str] = []
        covered = _covered_rows(wb, "J_Funksjon")
        rows = list(sheet_rows(wb["Justeringer"], where=f"{path} ark «Justeringer»", start=2, max_col=5))
        for r, (function, project, *amounts) in rows:
            if all(v in (None, "") for v in (function, project, *amounts)):
                continue
            if covered is not None and r > covered:
                problems.append(f"«Justeringer» rad {r} står under radene arbeidsboken regner med "
                                f"(til og med rad {covered}); raden er ikke tatt med.")
                continue
            if project not in (None, ""):
                continue  # an earmarked project's adjustment
            code = "" if function is None else str(function).strip()
            if code.endswith(".0"):
                code = code[:-2]
            if any(isinstance(a, str) and a.strip() for a in amounts):
                problems.append(f"«Justeringer» rad {r}: beløpet er tekst; raden er ikke tatt med.")
                continue
            if not (len(code) == 3 and code.isdigit() and catalog.is_valid(code)):
                problems.append(f"«Justeringer» rad {r}: funksjon {code or '(tom)'} finnes ikke i {year}; "
                                "raden er ikke tatt med.")
                continue
            for key, amount in zip(sums, amounts, strict=True):
                if isinstance(amount, (int, float)) and amount:
                    sums[key][code] = sums[key].get(code, 0.0) + float(amount)
        methods: dict[str, str] = {}
        manual: dict[str, float] = {}
        if "Funksjonsvalg" in wb.sheetnames:
            for _, (function, method, projection, *_rest) in sheet_rows(
                    wb["Funksjonsvalg"], where=f"{path} ark «Funksjonsvalg»", start=2, max_col=4):
                if function in (None, ""):
                    continue
                code = str(function).strip()
                if isinstance(projection, (int, float)):
                    manual[code] = float(projection)
                if code in manual:  # a typed projection makes the function manuell, as in the sheet
                    methods[code] = pg.MANUAL
                elif method not in (None, ""):
                    methods[code] = pg.normalise_method(str(method))
    finally:
        wb.close()
    return Adjustments(measures=sums["tiltak"], carried_forward=sums["fremfort"],
                       central_allocations=sums["avsetninger"], manual_projections=manual,
                       methods=methods), problems


def _covered_rows(wb: Any, name: str) -> int | None:
    """The last row a defined name covers (the workbook's formulas see nothing below it)."""
    import re

    try:
        dests = list(wb.defined_names[name].destinations)
    except (KeyError, AttributeError):
        return None
    match = re.search(r"\$?(\d+)$", dests[0][1]) if dests else None
    return int(match.group(1)) if match else None


def read_adjustments(path: Path, ruleset: str | None) -> Any:
    """Adjustments from a CSV file (header row first; ``;`` or ``,`` separated, UTF-8 or cp1252)."""
    from kostra_functions.errors import LedgerFormatError
    from kostra_functions.excel.functions.prognosis_table import prognosis_adjustments
    from kostra_functions.tables.text import check_complete, guess_delimiter, read_text

    if not path.is_file():
        raise LedgerFormatError("filen finnes ikke.", where=str(path))
    if path.stat().st_size > 64 * 1024**2:
        raise LedgerFormatError("filen er over 64 MB; en fil med justeringer har noen hundre rader.",
                                where=str(path))
    # UTF-8 or Windows-1252; UTF-16 and binary files are refused
    text, _ = read_text(path, where=str(path))
    first = text.splitlines()[0] if text else ""
    delimiter = guess_delimiter(first, (";", ","))
    if text.strip():
        check_complete(path, delimiter, where=str(path))  # a cut-off last row could hold a cut-off amount
    try:
        rows = [row for row in csv.reader(text.splitlines(), delimiter=delimiter, strict=True)]
    except csv.Error:
        raise LedgerFormatError("et anførselstegn (\") står feil eller avsluttes aldri; sjekk "
                                "anførselstegnene.", where=str(path)) from None
    return prognosis_adjustments(rows, ruleset, source=str(path))


def last_period(basis: Any) -> int:
    """The last period with postings in the accounts (0 when none)."""
    import numpy as np

    used = np.flatnonzero((basis.actual != 0).any(axis=0))
    return int(used[-1]) + 1 if len(used) else 0


def tables(basis: Any, periods: list[int], *, method: str | None, adjustments: Any, by: str
           ) -> list[tuple[int, list[list[Any]], Any]]:
    """For each period: the report rows (header first) and the detail frame."""
    from kostra_functions.prognosis.compute import compute
    from kostra_functions.prognosis.rows import sort_rows
    from kostra_functions.prognosis.table import report_rows

    out = []
    for period in periods:
        detail = compute(basis, period, method=method, adjustments=adjustments, errors="mark",
                         explain=True)
        detail = sort_rows(detail, by=by, area_order=basis.area_order)  # type: ignore[arg-type]
        out.append((period, report_rows(detail, by=by), detail))  # type: ignore[arg-type]
    return out


def _errors_of(detail: Any) -> list[str]:
    return list(dict.fromkeys(m for m in detail["feil"] if m))


def run(args: argparse.Namespace) -> int:
    if getattr(args, "tilbaketest", False):
        return run_backtest(args)
    from kostra_functions import prognosis as pg
    from kostra_functions.errors import OutOfRangeError
    from kostra_functions.reports import prognosis as report

    inputs = _inputs(args)
    basis = load_basis(inputs["regnskap"], inputs["budsjett"], fjoraar=inputs["fjoraar"],
                       resultatenheter=inputs["resultatenheter"], year=inputs["year"],
                       ruleset=args.regelsett)
    adjustments, adjustment_problems = None, []
    if args.justeringer and args.justeringer.suffix.lower() in (".xlsx", ".xlsm"):
        adjustments, adjustment_problems = read_workbook_adjustments(args.justeringer, args.regelsett,
                                                                     basis.year)
    elif args.justeringer:
        adjustments = read_adjustments(args.justeringer, args.regelsett)
    if args.periode is not None and not 0 <= args.periode <= pg.YEAR_END_PERIOD:
        raise OutOfRangeError(f"--periode er {args.periode}, men skal være 0–13.")
    periods = list(range(1, pg.YEAR_END_PERIOD + 1)) if args.alle_perioder else [
        args.periode if args.periode is not None else last_period(basis)]
    results = tables(basis, periods, method=args.metode, adjustments=adjustments, by=args.per)
    method = pg.normalise_method(args.metode, default=pg.default_method(args.regelsett))
    print(f"Avviksprognoser {basis.year}, metode {method}; beløp i kroner (utgift +, inntekt −), "
          "avvik + = mindreforbruk.")
    for note in basis.notes:
        print(note)
    for problem in adjustment_problems:
        print(problem)
    problems: list[str] = []
    if args.alle_perioder:
        print("\n".join(report.totals_lines(results)))
    for period, rows, detail in results:
        if not args.alle_perioder:
            print(f"Periode {period}:")
            print("\n".join(report.table_lines(rows, by=args.per)))
        problems += [f"Periode {period}: {m}" if args.alle_perioder else m for m in _errors_of(detail)]
        ignored = detail.attrs.get("carried_forward_ignored", 0.0)
        if ignored and not args.alle_perioder:
            print(f"Merk: fremført resultat ({pg.format_amount(ignored)}) tas med fra periode "
                  f"{detail.attrs['carried_forward_from']} og er ikke med i periode {period}.")
    if args.csv:
        report.write_csv(args.csv, results, with_period=args.alle_perioder)
        print(f"Skrev {args.csv}")
    if args.xlsx:
        report.write_xlsx(args.xlsx, results, with_period=args.alle_perioder)
        print(f"Skrev {args.xlsx}")
    if problems:
        print("Funksjoner uten prognose:", file=sys.stderr)
        for m in dict.fromkeys(problems):
            print(f"  {m}", file=sys.stderr)
        return 1
    return 0


def run_backtest(args: argparse.Namespace) -> int:
    """``kostra prognose --tilbaketest``: back-test the example history or the user's own."""
    from kostra_functions import backtest as btm
    from kostra_functions.reports.backtest import terminal_lines, write_csv, write_xlsx, years_text

    if args.historikk is not None:
        history = btm.read_history(args.historikk)
        source = str(args.historikk)
    else:
        from kostra_functions.example_data import historikk

        history = btm.read_history(historikk.HISTORY_FILE)
        source = "eksempelbydelens historikk"
    years = btm.parse_years(args.tilbaketest_aar, history.years, history.testable_years())
    bt = btm.run(history, years=years, ruleset=args.regelsett)
    print(f"Tilbaketest av prognosemetodene på {source}, år {years_text(bt)}: prognosen for årsregnskapet "
          "med det som var kjent i hver periode 1–11, mot faktisk årsregnskap (periode 1–13). Lineær er "
          "fremskriving av forbruket hittil (run-rate).")
    for line in terminal_lines(bt):
        print(line)
    if args.csv:
        write_csv(args.csv, bt)
        print(f"Skrev {args.csv}")
    if args.xlsx:
        write_xlsx(args.xlsx, bt)
        print(f"Skrev {args.xlsx}")
    if args.lagre_metoder:
        from kostra_functions.safety import atomic_write

        inherits = args.regelsett or "oslo_bydel"
        districts = list(dict.fromkeys(bt.rows["bydel"]))
        text = btm.ruleset_text(bt, name=Path(args.lagre_metoder).stem, inherits=inherits,
                                district=districts[0])
        with atomic_write(args.lagre_metoder, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        print(f"Skrev anbefalt metode per funksjon for {districts[0]} til {args.lagre_metoder} "
              f"(regelsett som arver «{inherits}»).")
        if len(districts) > 1:
            print(f"Merk: historikken har {len(districts)} bydeler; regelsettet gjelder bare "
                  f"{districts[0]}. Lag én historikkfil per bydel for å lagre de andres anbefalinger.")
    return 0

"""The deviation prognosis report (``kostra prognose``): terminal table, CSV and XLSX.

Each result is ``(period, rows, detail)``: the report rows of
:func:`kostra_functions.prognosis.table.report_rows` (header first) and the detail frame of
:func:`kostra_functions.prognosis.compute.compute` (with ``forklaring``). Kroner, expenses +,
deviation + = mindreforbruk; a figure that could not be computed shows its Excel error value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kostra_functions.prognosis.amounts import format_amount
from kostra_functions.prognosis.table import Cell
from kostra_functions.reports import files

#: One period's report: the period, the report rows (header first) and the detail frame.
Result = tuple[int, list[list[Any]], Any]

#: Columns shown in the terminal (the files hold all of them).
TERMINAL_AMOUNTS = ("Justert budsjett", "Regnskap hittil", "Avvik hittil", "Forventet regnskap",
                    "Avviksprognose")


def cell_text(value: Any, *, decimals: int | None = None) -> str:
    """A report cell as the terminal shows it: the error value, an amount in Norwegian notation."""
    if isinstance(value, Cell):
        return value.code
    if isinstance(value, float):
        return format_amount(value, decimals)
    return "" if value is None else str(value)


def table_lines(rows: list[list[Any]], *, by: str) -> list[str]:
    """The terminal table of one period: function (or result unit), method and the
    :data:`TERMINAL_AMOUNTS` in whole kroner, with a line naming each block."""
    header = rows[0]
    amount_idx = [header.index(h) for h in TERMINAL_AMOUNTS]
    name_col = header.index("Navn")
    code_col = header.index("Funksjon")  # "Sum" marks subtotals in the code columns
    method_col = header.index("Metode")
    unit_col = header.index("Resultatenhet") if by == "resultatenhet" else None
    lines = []
    for row in rows[1:]:
        if row[0] == "Totalt" or "Sum" in row[1:3]:
            label = str(row[name_col])
        else:
            parts = [row[unit_col]] if unit_col is not None else []
            label = " ".join(str(p) for p in [*parts, row[code_col], row[name_col]] if p)
        lines.append([label[:44], str(row[method_col])[:11]]
                     + [cell_text(row[i], decimals=0) for i in amount_idx])
    heads = ["Funksjon" if by == "funksjon" else "Resultatenhet / funksjon", "Metode", *TERMINAL_AMOUNTS]
    widths = [max(len(heads[i]), *(len(line[i]) for line in lines)) for i in range(len(heads))]
    out = ["  ".join(h.ljust(widths[i]) if i < 2 else h.rjust(widths[i]) for i, h in enumerate(heads)),
           "  ".join("-" * w for w in widths)]
    previous_block = None
    for row, line in zip(rows[1:], lines, strict=True):
        if row[0] != previous_block and row[0] != "Totalt":
            out.append(f"{row[0]}:")
            previous_block = row[0]
        out.append("  ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(line)))
    return out


def totals_lines(results: list[Result]) -> list[str]:
    """The district's totals per period (``--alle-perioder``), with the earmarked projects' deviation."""
    heads = ["Periode", "Regnskap hittil", "Avvik hittil", "Forventet regnskap", "Avviksprognose",
             "herav øremerket"]
    lines = []
    for period, rows, _detail in results:
        header = rows[0]
        total = rows[-1]
        earmarked = next((r for r in rows if r[0] == "Øremerkede prosjekter" and r[1] == "Sum"), None)
        cols = [header.index(h) for h in heads[1:5]]
        dev = header.index("Avviksprognose")
        lines.append([str(period)] + [cell_text(total[i], decimals=0) for i in cols]
                     + [cell_text(earmarked[dev], decimals=0) if earmarked else "0"])
    widths = [max(len(heads[i]), *(len(line[i]) for line in lines)) for i in range(len(heads))]
    out = ["  ".join(h.rjust(widths[i]) for i, h in enumerate(heads))]
    for line in lines:
        out.append("  ".join(c.rjust(widths[i]) for i, c in enumerate(line)))
    return out


def _csv_value(value: Any) -> str:
    if isinstance(value, Cell):
        return value.code
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return "" if value is None else str(value)


def write_csv(path: Path, results: list[Result], *, with_period: bool) -> None:
    """``;``-separated, decimal comma, two decimals, UTF-8 with BOM; a Periode column for several."""
    rows = []
    for n, (period, report, _detail) in enumerate(results):
        for i, row in enumerate(report):
            if i == 0 and n > 0:
                continue
            prefix = (["Periode"] if i == 0 else [str(period)]) if with_period else []
            rows.append(prefix + [_csv_value(v) for v in row])
    files.write_csv(path, rows)


def write_xlsx(path: Path, results: list[Result], *, with_period: bool) -> None:
    """The table (numbers as numbers, format with two decimals) and a sheet of explanations."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Avviksprognose"
    for n, (period, rows, _detail) in enumerate(results):
        for i, row in enumerate(rows):
            if i == 0 and n > 0:
                continue
            prefix = (["Periode"] if i == 0 else [period]) if with_period else []
            values = [v.code if isinstance(v, Cell) else v for v in row]
            ws.append(prefix + values)
            if i == 0 or str(row[2]) == "Sum" or str(row[1]) == "Sum" or row[0] == "Totalt":
                for cell in ws[ws.max_row]:
                    cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    _fit_columns(ws)
    ex = wb.create_sheet("Forklaringer")
    ex.append(["Periode", "Del", "Funksjonsområde", "Funksjon", "Resultatenhet", "Navn resultatenhet",
               "Metode", "Avviksprognose", "Forklaring"])
    for period, _rows, detail in results:
        for _, r in detail.iterrows():
            ex.append([period, r["blokk"], r["funksjonsomrade"], r["funksjon"], r["resultatenhet"],
                       r["resultatenhet_navn"], r["metode"],
                       None if r["avviksprognose"] != r["avviksprognose"] else float(r["avviksprognose"]),
                       r["forklaring"]])
    _fit_columns(ex, widest=80)
    files.save_workbook(wb, path)


def _fit_columns(ws: Any, widest: int = 60) -> None:
    """Columns wide enough for their longest entry (a 9-digit amount with øre and separators needs
    15), frozen heading, one page wide when printed, heading repeated on every page."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    from kostra_functions.engine.templates import print_setup

    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if value is None:
                continue
            length = 16 if isinstance(value, (int, float)) else len(str(value)) + 2
            widths[cell.column] = max(widths.get(cell.column, 8), min(length, widest))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    for cell in ws[1]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    print_setup(ws)
    ws.print_title_rows = "1:1"

"""The back-test report (``kostra prognose --tilbaketest``): terminal, CSV and XLSX with charts.

* terminal: per district the district total, each function area and its functions with the mean
  absolute error per method (thousand kroner, over periods 1–11 and the years tested), the
  recommended method and how much lower its error is than the run-rate (lineær), overall and in June;
* ``--csv``: one row per district, row and method with the mean absolute error for each period 1–11
  and overall, and which method is recommended (``;``, decimal comma, UTF-8 with BOM);
* ``--xlsx``: sheets «Sammendrag», «Feil per periode», «Diagramdata» and «Diagrammer» with one line
  chart per function area (and the district total): the prognosis of the annual accounts by period
  for each method against the actual annual accounts, for the last year tested — the picture a
  controller shows the district director to explain the choice of method;
* ``--lagre-metoder FIL``: the recommended method per function as a rule set (TOML) that inherits the
  district's rule set (:func:`kostra_functions.backtest.ruleset_text`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kostra_functions import backtest as btm
from kostra_functions import prognosis as pg
from kostra_functions.reports import files

_SIX = btm.PERIODS.index(6)


def _thousands(value: float) -> str:
    return "–" if value != value else pg.format_amount(round(value / 1000.0))


def _percent(value: float) -> str:
    return "–" if value != value or np.isinf(value) else f"{value * 100:.0f} %".replace("-", "−")


def terminal_lines(bt: btm.Backtest) -> list[str]:
    """The report as lines of text (one table per district)."""
    meths = list(bt.methods)
    best = bt.best
    improvement = bt.improvement()
    improvement6 = bt.improvement(6)
    heads = ["Funksjon", *meths, "Anbefalt", "Bedre enn lineær", "i juni"]
    lines_out: list[str] = []
    for district in dict.fromkeys(bt.rows["bydel"]):
        table = []
        for i, r in bt.rows.iterrows():
            if r["bydel"] != district:
                continue
            indent = {btm.TOTAL: "", btm.AREA: "  ", btm.FUNCTION: "    "}[r["niva"]]
            label = f"{indent}{r['kode']} {r['navn']}".rstrip()
            table.append([label[:56]] + [_thousands(bt.mae_overall[i, k]) for k in range(len(meths))]
                         + [best[i] or "–", _percent(improvement[i]), _percent(improvement6[i])])
        widths = [max(len(heads[c]), *(len(t[c]) for t in table)) for c in range(len(heads))]
        lines_out.append(f"{district}: gjennomsnittlig absolutt feil i prognosen for årsregnskapet, "
                         f"1000 kr, periode 1–11, år {years_text(bt)}")
        lines_out.append("  ".join(h.ljust(widths[c]) if c == 0 else h.rjust(widths[c])
                                   for c, h in enumerate(heads)))
        lines_out.append("  ".join("-" * w for w in widths))
        for t in table:
            lines_out.append("  ".join(v.ljust(widths[c]) if c == 0 else v.rjust(widths[c])
                                       for c, v in enumerate(t)))
        total = int(np.flatnonzero((bt.rows["bydel"] == district) & (bt.rows["niva"] == btm.TOTAL))[0])
        lines_out.append("")
        lines_out.append("Feil for bydelen totalt per periode (1000 kr):")
        lines_out.append("Periode  " + "  ".join(m.rjust(12) for m in meths))
        for j, p in enumerate(btm.PERIODS):
            lines_out.append(f"{p:>7}  " + "  ".join(_thousands(bt.mae[total, j, k]).rjust(12)
                                                      for k in range(len(meths))))
        lines_out.append("")
    return lines_out


def years_text(bt: btm.Backtest) -> str:
    return f"{bt.years[0]}–{bt.years[-1]}" if len(bt.years) > 1 else str(bt.years[0])


def period_rows(bt: btm.Backtest) -> list[list[Any]]:
    """Header and one row per district, row and method: MAE per period 1–11 and overall (kroner)."""
    header = ["Bydel", "Nivå", "Funksjonsområde", "Kode", "Navn", "Metode",
              *[f"Periode {p}" for p in btm.PERIODS], "Snitt periode 1–11", "Anbefalt"]
    out: list[list[Any]] = [header]
    best = bt.best
    for i, r in bt.rows.iterrows():
        for k, m in enumerate(bt.methods):
            if m == btm.RECOMMENDED and r["niva"] == btm.FUNCTION:
                continue  # a function's recommended mix is its best method, already listed
            values = [None if v != v else float(round(v, 2)) for v in bt.mae[i, :, k]]
            overall = bt.mae_overall[i, k]
            out.append([r["bydel"], r["niva"], r["funksjonsomrade"], r["kode"], r["navn"], m, *values,
                        None if overall != overall else float(round(overall, 2)),
                        "ja" if best[i] == m else ""])
    return out


def write_csv(path: Path, bt: btm.Backtest) -> None:
    """:func:`period_rows` as CSV: ``;``, decimal comma, two decimals, UTF-8 with BOM."""
    files.write_csv(path, [["" if v is None else f"{v:.2f}".replace(".", ",") if isinstance(v, float)
                            else str(v) for v in row] for row in period_rows(bt)])


def summary_rows(bt: btm.Backtest) -> list[list[Any]]:
    """Header and one row per district and row: overall MAE per method, recommended, improvement."""
    s = bt.summary()
    meths = list(bt.methods)
    header = ["Bydel", "Nivå", "Funksjonsområde", "Kode", "Navn", *[f"Feil {m}" for m in meths],
              "Anbefalt metode", "Feil lineær periode 6", "Feil anbefalt periode 6",
              "Bedre enn lineær %", "Bedre enn lineær periode 6 %"]
    out: list[list[Any]] = [header]

    def num(v: Any) -> float | None:
        return None if v != v or np.isinf(v) else float(round(v, 2))

    for _, r in s.iterrows():
        out.append([r["bydel"], r["niva"], r["funksjonsomrade"], r["kode"], r["navn"],
                    *[num(r[f"feil {m}"]) for m in meths], r["anbefalt metode"],
                    num(r["feil lineær periode 6"]), num(r["feil anbefalt periode 6"]),
                    num(round(r["forbedring %"], 1)), num(round(r["forbedring periode 6 %"], 1))])
    return out


#: Line colour and width (EMU) per method; the actual result is a thick black dashed line.
_COLOURS = {pg.LINEAR: "1F77B4", pg.PERIODISED: "D62728", pg.PROFILE: "2CA02C", btm.RECOMMENDED: "9467BD"}


def _style(names: list[str]) -> list[tuple[str, int]]:
    extra = ["FF7F0E", "8C564B", "E377C2", "7F7F7F"]
    out = []
    for name in names[:-1]:
        out.append((_COLOURS.get(name) or extra[len(out) % len(extra)], 28575))
    out.append(("000000", 38100))
    return out


def _title(text: str) -> Any:
    """A chart title in 11 pt bold (the default is large enough to push the plot aside)."""
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun

    props = CharacterProperties(sz=1100, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def write_xlsx(path: Path, bt: btm.Backtest) -> None:
    """The summary, the error per period, the chart data and one line chart per function area."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Sammendrag"
    for row in summary_rows(bt):
        ws.append(row)
    per = wb.create_sheet("Feil per periode")
    for row in period_rows(bt):
        per.append(row)
    for sheet in (ws, per):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[1].height = 32
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, float):
                    cell.number_format = "#,##0"
        sheet.freeze_panes = "F2"
        for col, width in zip("ABCDE", (16, 16, 10, 8, 44), strict=True):
            sheet.column_dimensions[col].width = width
        for c in range(6, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(c)].width = 14
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
    data = wb.create_sheet("Diagramdata")
    charts = wb.create_sheet("Diagrammer", 0)
    _chart_sheet(charts, data, bt, np.flatnonzero((bt.rows["niva"] != btm.FUNCTION).to_numpy()))
    files.save_workbook(wb, path)  # every sheet's text stays text


def write_chart_xlsx(path: Path, bt: btm.Backtest, code: str) -> None:
    """A workbook with the chart of one row (``"FO3"``, ``"Totalt"`` or a function) on its first
    sheet, for a picture (the user guide's)."""
    from openpyxl import Workbook

    rows = np.flatnonzero((bt.rows["kode"] == code).to_numpy())
    if not len(rows):
        raise KeyError(code)
    wb = Workbook()
    charts = wb.active
    charts.title = "Diagram"
    _chart_sheet(charts, wb.create_sheet("Diagramdata"), bt, rows[:1])
    wb.save(path)


def _chart_sheet(charts: Any, data: Any, bt: btm.Backtest, rows: Any) -> None:
    """One line chart per row in ``rows`` on ``charts``, its figures (mill. kr) on ``data``."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Font

    year_idx = len(bt.years) - 1
    year = bt.years[year_idx]
    charts["A1"] = (f"Prognose for årsregnskapet per periode og metode mot faktisk årsregnskap {year} "
                    "(mill. kr). Linjen som ligger nærmest den stiplede linjen, traff best.")
    charts["A1"].font = Font(bold=True)
    series_names = [*bt.methods, "Faktisk årsregnskap"]
    row0 = 1
    for n, i in enumerate(rows):
        r = bt.rows.iloc[i]
        title = f"{r['kode']} {r['navn']}" if r["niva"] != btm.TOTAL else f"{r['bydel']}: {r['navn']}"
        data.cell(row=row0, column=1, value=title).font = Font(bold=True)
        data.cell(row=row0 + 1, column=1, value="Periode")
        for c, name in enumerate(series_names, start=2):
            data.cell(row=row0 + 1, column=c, value=name)
        shown: list[float] = []
        act = bt.actual[i, year_idx]
        for j, p in enumerate(btm.PERIODS):
            data.cell(row=row0 + 2 + j, column=1, value=p)
            for k in range(len(bt.methods)):
                v = bt.projection[i, year_idx, j, k]
                value = None if v != v else round(v / 1e6, 3)
                data.cell(row=row0 + 2 + j, column=2 + k, value=value)
                if value is not None:
                    shown.append(value)
            data.cell(row=row0 + 2 + j, column=2 + len(bt.methods),
                      value=None if act != act else round(act / 1e6, 3))
        chart = LineChart()
        chart.title = _title(f"{title} – {year}")
        chart.y_axis.title = "mill. kr"
        chart.x_axis.title = "Periode (siste lukkede måned)"
        chart.height, chart.width = 8.5, 22
        chart.y_axis.number_format = "#,##0.0"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if shown and act == act:
            low, high = min(*shown, act / 1e6), max(*shown, act / 1e6)
            pad = max((high - low) * 0.08, abs(high) * 0.005, 0.05)
            chart.y_axis.scaling.min = _nice(low - pad, down=True)
            chart.y_axis.scaling.max = _nice(high + pad, down=False)
        last_row = row0 + 1 + len(btm.PERIODS)
        chart.add_data(Reference(data, min_col=2, max_col=1 + len(series_names), min_row=row0 + 1,
                                 max_row=last_row), titles_from_data=True)
        chart.set_categories(Reference(data, min_col=1, min_row=row0 + 2, max_row=last_row))
        for series, (colour, width) in zip(chart.series, _style(series_names), strict=True):
            series.smooth = False
            series.marker.symbol = "none"
            series.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.width = width
        chart.series[-1].graphicalProperties.line.dashStyle = "dash"
        charts.add_chart(chart, f"A{3 + n * 18}")
        row0 += len(btm.PERIODS) + 4
    data.column_dimensions["A"].width = 40
    charts.page_setup.orientation = "landscape"
    charts.page_setup.fitToWidth = 1
    charts.page_setup.fitToHeight = 0
    charts.sheet_properties.pageSetUpPr.fitToPage = True


def _nice(value: float, *, down: bool) -> float:
    """``value`` rounded outwards to a step that suits its size (axis limits)."""
    import math

    step = 10 ** math.floor(math.log10(abs(value))) / 10 if value else 0.1
    return (math.floor if down else math.ceil)(value / step) * step

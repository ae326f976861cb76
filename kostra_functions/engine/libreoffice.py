"""LibreOffice headless as an independent spreadsheet engine (for tests and ``kostra sjekk``).

LibreOffice recalculates an ``.xlsx`` on load only when told to; by default it shows the cached
values. We run it with a profile of our own (``-env:UserInstallation``) whose
``registrymodifications.xcu`` sets ``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode``
to 0 ("always recalculate") or 1 ("never", to see what a viewer shows from our cached values).
Several files are converted in one ``soffice`` call because starting LibreOffice costs seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kostra_functions.errors import KostraError

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>{mode}</value></prop></item>
</oor:items>
"""


class LibreOfficeError(KostraError):
    """LibreOffice is missing or could not convert a file."""


def find_soffice() -> str | None:
    """Path of the ``soffice`` program, or ``None`` when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    for candidate in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if os.path.exists(candidate):
            return candidate
    return None


def convert(files: Sequence[Path], outdir: Path, *, recalculate: bool = True,
            timeout: float = 300.0) -> dict[Path, Path]:
    """Open each file in LibreOffice (recalculating on load, or not) and save it as ``.xlsx``.

    Returns input → output path. Input names must be distinct (the output keeps the stem).
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) er ikke installert.")
    files = [Path(f).resolve() for f in files]
    stems = [f.stem for f in files]
    if len(set(stems)) != len(stems):
        raise ValueError("file names must be distinct")
    outdir.mkdir(parents=True, exist_ok=True)
    if any((outdir / (f.stem + ".xlsx")).resolve() == f for f in files):
        raise ValueError("outdir would overwrite an input file")
    with tempfile.TemporaryDirectory(prefix="kostra-lo-") as tmp:
        user = Path(tmp) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE.format(mode=0 if recalculate else 1),
                                                        encoding="utf-8")
        cmd = [soffice, f"-env:UserInstallation={Path(tmp).as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "xlsx", "--outdir",
               str(outdir), *map(str, files)]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(f"LibreOffice brukte mer enn {timeout:.0f} s.") from exc
    out = {}
    for f in files:
        target = outdir / (f.stem + ".xlsx")
        if not target.exists():
            raise LibreOfficeError(f"LibreOffice konverterte ikke {f.name}: {proc.stderr.strip()[-500:]}")
        out[f] = target
    return out


def to_pdf(workbook: Path, target: Path, *, sheets: Sequence[str] | None = None,
           timeout: float = 300.0) -> Path:
    """A PDF of a workbook as it prints (its own page setup: one page wide, heading rows, header and
    footer), from the values stored in it (LibreOffice does not recalculate). ``sheets``: only these
    sheets (the report sheets; input tables with thousands of rows are left out)."""
    import openpyxl

    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) er ikke installert; PDF kan ikke lages.")
    with tempfile.TemporaryDirectory(prefix="kostra-pdf-") as tmp:
        source = Path(tmp) / (target.stem + ".xlsx")
        wb = openpyxl.load_workbook(workbook)
        if sheets is not None:
            for ws in list(wb.worksheets):
                if ws.title not in sheets:
                    wb.remove(ws)
        for ws in wb.worksheets:
            _fit_wrapped_rows(ws)
        wb.save(source)
        user = Path(tmp) / "user"
        user.mkdir()
        profile = _with_locale(_PROFILE.format(mode=1))
        (user / "registrymodifications.xcu").write_text(profile, encoding="utf-8")
        outdir = Path(tmp) / "pdf"
        cmd = [soffice, f"-env:UserInstallation={Path(tmp).as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "pdf", "--outdir",
               str(outdir), str(source)]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(f"LibreOffice brukte mer enn {timeout:.0f} s.") from exc
        made = outdir / (target.stem + ".pdf")
        if not made.exists():
            raise LibreOfficeError(f"LibreOffice laget ikke PDF av {workbook.name}: "
                                   f"{proc.stderr.strip()[-500:]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), target)
    return target


def _fit_wrapped_rows(ws: object) -> None:
    """Rows whose wrapped text (a long name, an explanation) needs more than one line get the height
    for it; the PDF would otherwise cut the text at one line."""
    import math

    from openpyxl.utils import get_column_letter

    for row in ws.iter_rows():  # type: ignore[attr-defined]
        dim = ws.row_dimensions[row[0].row]  # type: ignore[attr-defined]
        if dim.customHeight:
            continue
        lines = 1
        for cell in row:
            if cell.value is None or not (cell.alignment and cell.alignment.wrap_text):
                continue
            width = ws.column_dimensions[get_column_letter(cell.column)].width or 8.43  # type: ignore[attr-defined]
            lines = max(lines, math.ceil(len(str(cell.value)) / max(width * 1.1, 1)))
        if lines > 1:
            dim.height = 13 * lines


def _with_locale(profile: str, locale: str = "nb-NO") -> str:
    """The profile with Norwegian number formats (space as thousands separator, decimal comma), as a
    Norwegian reader's Excel shows the numbers."""
    items = "".join(
        f'<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{locale}</value></prop></item>\n" for name in ("ooSetupSystemLocale", "ooLocale"))
    return profile.replace("</oor:items>", items + "</oor:items>")

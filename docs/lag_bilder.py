"""Lag bildene i brukerveiledningen (docs/bilder/*.png) fra eksempelarbeidsbøkene.

Bruk (fra prosjektmappen, etter ``kostra regenerer``)::

    python docs/lag_bilder.py                       # alle bildene
    python docs/lag_bilder.py avviksprognose        # bare bilder hvis navn inneholder teksten
    python docs/lag_bilder.py --arbeidsboker workbooks/bydel_eksempel --ut docs/bilder

Slik lages hvert bilde:

1. En kopi med verdier i stedet for formler (som ``kostra publiser --bruk-lagrede``), så bildet
   viser tallene som er lagret i arbeidsboka, aldri ``#NAVN?``.
2. Bare arket og området bildet skal vise beholdes; utskriften settes til liggende og én side i
   bredden (openpyxl).
3. LibreOffice (``soffice``) lager en PDF uten å beregne på nytt, med norsk tallformat (nb-NO).
4. ``pdftoppm -r 80 -f 1 -l 1`` gjør første side om til et bilde; hvit kant rundt skjæres bort, og
   bildet lagres som PNG (uten andre pakker enn standardbiblioteket).

Skriptet stopper med en feilmelding hvis en celle i området har en feilverdi (f.eks. ``#NAVN?``)
eller et bilde blir større enn 200 kB. Krever LibreOffice og poppler-utils (``pdftoppm``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 200 * 1024
ERROR_TEXTS = ("#NAME?", "#NAVN?", "#VALUE!", "#VERDI!", "#N/A", "#I/T", "#NUM!", "#REF!", "#DIV/0!",
               "#SPILL!", "#CALC!", "#NULL!")


@dataclass(frozen=True)
class Bilde:
    """Ett bilde: arbeidsboka (mønster for filnavnet), arket, området og filnavnet for PNG-en."""

    navn: str
    arbeidsbok: str
    ark: str
    omrade: str
    beskrivelse: str
    #: Skjul funksjonslinjer uten tall: rader der denne kolonnen har en KOSTRA-kode og alle tallene er 0.
    skjul_nullrader: str = ""
    #: Skjul rader der alle disse kolonnene er tomme (f.eks. «BCD»: linjer uten noe skrevet inn).
    skjul_uten: str = ""
    #: Punkter per tomme i bildet.
    oppl: int = 80
    #: Diagram fra tilbaketesten (``kostra prognose --tilbaketest``) for denne raden (f.eks. «FO3»)
    #: i stedet for en arbeidsbok.
    tilbaketest: str = ""


BILDER: tuple[Bilde, ...] = (
    Bilde("avviksprognose", "avviksprognose_*.xlsx", "Avviksprognose", "A1:Q104",
          "Avviksprognose per KOSTRA-funksjon (funksjoner uten tall er skjult)", skjul_nullrader="B",
          oppl=110),
    Bilde("avviksprognose_justeringer", "avviksprognose_*.xlsx", "Justeringer", "A1:G8",
          "Arket Justeringer: én linje per justering, med status"),
    Bilde("avviksprognose_funksjonsvalg", "avviksprognose_*.xlsx", "Funksjonsvalg", "A1:F45",
          "Arket Funksjonsvalg: metode, manuell prognose og forklaring per funksjon (linjer uten "
          "valg er skjult)", skjul_uten="BCD"),
    Bilde("avviksprognose_oppsett", "avviksprognose_*.xlsx", "Oppsett", "A1:C14",
          "Oppsett-arket: bydel, år, periode, metode, regelsett og grense for vesentlig merforbruk"),
    Bilde("statusrapport_funksjoner", "statusrapport_*.xlsx", "Funksjoner", "A1:Q104",
          "Statusrapporten per KOSTRA-funksjon", skjul_nullrader="B", oppl=110),
    Bilde("statusrapport_funksjonsomrader", "statusrapport_*.xlsx", "Funksjonsområder", "A1:I18",
          "Statusrapport til bydelsutvalget sortert på funksjonsområde"),
    Bilde("statusrapport_resultatenheter", "statusrapport_*.xlsx", "Resultatenheter", "A1:H30",
          "Statusrapport sortert på resultatenhet"),
    Bilde("statusrapport_kostra_og_enheter", "statusrapport_*.xlsx", "KOSTRA og enheter", "A1:I26",
          "Avvik hittil per resultatenhet og funksjonsområde (sammenhengen KOSTRA – resultatenhet)"),
    Bilde("aarsavslutning", "aarsavslutning_*.xlsx", "Resultatdisponering", "A1:H27",
          "Årsresultat per resultatenhet, fremført samlet i en bydel", oppl=100),
    Bilde("bilagskontroll", "bilagskontroll_*.xlsx", "Kontroll", "A1:D33",
          "Kontroll av attestasjon, anvisning og utbetaling"),
    Bilde("tilbaketest", "", "Diagram", "A1:J20",
          "Tilbaketest: prognose per periode og metode mot faktisk årsregnskap, funksjonsområde FO3",
          tilbaketest="FO3", oppl=110),
)

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>1</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>nb-NO</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse">
<value>nb-NO</value></prop></item>
</oor:items>
"""


class BildeFeil(Exception):
    """Noe gikk galt; meldingen sier hva."""


def finn_arbeidsbok(mappe: Path, monster: str) -> Path:
    treff = sorted(mappe.glob(monster))
    if not treff:
        raise BildeFeil(f"Fant ingen arbeidsbok {monster} i {mappe}. Kjør «kostra regenerer» først.")
    return treff[-1]  # nyeste periode (filnavnet slutter på _<år>-<periode>)


def verdikopi(kilde: Path, bilde: Bilde, ut: Path) -> None:
    """Kopi med verdier, bare arket og området i bildet, liggende, én side i bredden."""
    import openpyxl
    from openpyxl.worksheet.properties import PageSetupProperties

    from kostra_functions.engine.publish import publish

    verdier = ut.with_name(ut.stem + "_verdier.xlsx")
    publish(kilde, verdier, overwrite=True, recalculate=False)
    wb = openpyxl.load_workbook(verdier)
    if bilde.ark not in wb.sheetnames:
        arkene = ", ".join(wb.sheetnames)
        raise BildeFeil(f"{kilde.name}: finner ikke arket «{bilde.ark}» (arkene er {arkene}).")
    ws = wb[bilde.ark]
    feil = [f"{c.coordinate}={c.value}" for rad in ws[bilde.omrade] for c in rad
            if isinstance(c.value, str) and c.value.strip().upper().startswith(ERROR_TEXTS)]
    if feil:
        raise BildeFeil(f"{kilde.name}!{bilde.ark}: feilverdier i området {bilde.omrade}: "
                        + ", ".join(feil[:8]))
    if bilde.skjul_nullrader:
        skjul_tomme_funksjoner(ws, bilde)
    if bilde.skjul_uten:
        skjul_uten_inndata(ws, bilde)
    skjul_tomme_rader(ws, bilde)
    tilpass_radhoyde(ws, bilde)
    for navn in list(wb.sheetnames):
        if navn != bilde.ark:
            del wb[navn]
    for navn in list(wb.defined_names):  # navn som viser til slettede ark
        del wb.defined_names[navn]
    ws.print_area = bilde.omrade
    ws.print_title_rows = None
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.3
    ws.oddHeader.center.text = ws.oddFooter.center.text = None
    ws.oddHeader.left.text = ws.oddFooter.left.text = None
    ws.oddHeader.right.text = ws.oddFooter.right.text = None
    wb.active = 0
    wb.save(ut)
    verdier.unlink()


def tilbaketest_diagram(bilde: Bilde, ut: Path) -> None:
    """Diagrammet fra tilbaketesten av eksempelbydelens historikk (som ``--xlsx``-rapporten)."""
    from kostra_functions import backtest
    from kostra_functions.example_data import historikk
    from kostra_functions.reports import backtest as backtest_report

    resultat = backtest.run(backtest.read_history(historikk.HISTORY_FILE))
    backtest_report.write_chart_xlsx(ut, resultat, bilde.tilbaketest)


def skjul_tomme_funksjoner(ws: Any, bilde: Bilde) -> None:
    """Skjul rader der kolonnen ``bilde.skjul_nullrader`` har en KOSTRA-kode og alle tallene er 0."""
    import re

    from openpyxl.utils import column_index_from_string

    kol = column_index_from_string(bilde.skjul_nullrader)
    for rad in ws[bilde.omrade]:
        celle = next((c for c in rad if c.column == kol), None)
        if celle is None or not re.fullmatch(r"\d{3}", str(celle.value or "").strip()):
            continue
        tall = [c.value for c in rad if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
        if tall and all(v == 0 for v in tall):
            ws.row_dimensions[celle.row].hidden = True


def skjul_uten_inndata(ws: Any, bilde: Bilde) -> None:
    """Skjul datarader der alle kolonnene i ``bilde.skjul_uten`` er tomme."""
    from openpyxl.utils import column_index_from_string

    kolonner = {column_index_from_string(k) for k in bilde.skjul_uten}
    for rad in ws[bilde.omrade]:
        if rad[0].row == 1:
            continue
        if all(c.value in (None, "") for c in rad if c.column in kolonner):
            ws.row_dimensions[rad[0].row].hidden = True


def skjul_tomme_rader(ws: Any, bilde: Bilde) -> None:
    """Skjul tomme rader som følger etter en annen tom rad (ledige rader i en tabell)."""
    forrige_tom = False
    for rad in ws[bilde.omrade]:
        tom = all(c.value is None or str(c.value).strip() == "" for c in rad)
        if tom and forrige_tom:
            ws.row_dimensions[rad[0].row].hidden = True
        forrige_tom = tom


def tilpass_radhoyde(ws: Any, bilde: Bilde) -> None:
    """Gi rader med tekstbryting og uten fast høyde plass til alle linjene (ellers flyter teksten over
    neste rad i PDF-en)."""
    import math

    from openpyxl.utils import get_column_letter

    for rad in ws[bilde.omrade]:
        dim = ws.row_dimensions[rad[0].row]
        if dim.customHeight or dim.hidden:
            continue
        linjer = 1
        for c in rad:
            if c.value is None or not (c.alignment and c.alignment.wrap_text):
                continue
            bredde = ws.column_dimensions[get_column_letter(c.column)].width or 8.43
            linjer = max(linjer, math.ceil(len(str(c.value)) / max(bredde * 1.2, 1)))
        if linjer > 1:
            dim.height = 15 * linjer


def til_pdf(xlsx: Path, mappe: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise BildeFeil("LibreOffice (soffice) er ikke installert.")
    with tempfile.TemporaryDirectory(prefix="kostra-bilder-lo-") as tmp:
        user = Path(tmp) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        cmd = [soffice, f"-env:UserInstallation={Path(tmp).as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(mappe),
               str(xlsx)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "HOME": tmp})
    pdf = mappe / (xlsx.stem + ".pdf")
    if not pdf.is_file():
        melding = proc.stderr.strip() or proc.stdout.strip()
        raise BildeFeil(f"LibreOffice laget ingen PDF av {xlsx.name}: {melding}")
    return pdf


def les_ppm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    felt: list[bytes] = []
    pos = 0
    while len(felt) < 4:  # P6, bredde, høyde, maksverdi (med mulige kommentarer)
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        slutt = pos
        while not data[slutt:slutt + 1].isspace():
            slutt += 1
        felt.append(data[pos:slutt])
        pos = slutt
    if felt[0] != b"P6" or felt[3] != b"255":
        raise BildeFeil(f"{path.name}: uventet bildeformat fra pdftoppm.")
    return int(felt[1]), int(felt[2]), data[pos + 1:]


def beskjaer(bredde: int, hoyde: int, piksler: bytes, kant: int = 8) -> tuple[int, int, bytes]:
    """Skjær bort hvit kant (med ``kant`` piksler luft igjen)."""
    rad_bytes = bredde * 3
    hvit_rad = b"\xff" * rad_bytes
    rader = [piksler[y * rad_bytes:(y + 1) * rad_bytes] for y in range(hoyde)]
    brukte = [y for y, r in enumerate(rader) if r != hvit_rad]
    if not brukte:
        raise BildeFeil("Siden er tom.")
    topp, bunn = max(brukte[0] - kant, 0), min(brukte[-1] + kant, hoyde - 1)
    venstre, hoyre = bredde, 0
    for r in rader[topp:bunn + 1]:
        stripped_l = len(r) - len(r.lstrip(b"\xff"))
        stripped_r = len(r) - len(r.rstrip(b"\xff"))
        if stripped_l < len(r):
            venstre = min(venstre, stripped_l // 3)
            hoyre = max(hoyre, (len(r) - stripped_r - 1) // 3)
    venstre, hoyre = max(venstre - kant, 0), min(hoyre + kant, bredde - 1)
    ny_bredde = hoyre - venstre + 1
    ut = b"".join(r[venstre * 3:(hoyre + 1) * 3] for r in rader[topp:bunn + 1])
    return ny_bredde, bunn - topp + 1, ut


def skriv_png(path: Path, bredde: int, hoyde: int, piksler: bytes) -> None:
    """RGB-piksler som PNG (filter «Up» per rad gir små filer for regneark)."""
    rad_bytes = bredde * 3
    raw = bytearray()
    forrige = bytes(rad_bytes)
    for y in range(hoyde):
        rad = piksler[y * rad_bytes:(y + 1) * rad_bytes]
        raw.append(2)  # filter Up
        raw.extend((a - b) & 0xFF for a, b in zip(rad, forrige, strict=True))
        forrige = rad

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", bredde, hoyde, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))
    path.write_bytes(png)


def lag_bilde(bilde: Bilde, arbeidsboker: Path, ut: Path, oppl: int | None = None) -> Path:
    if shutil.which("pdftoppm") is None:
        raise BildeFeil("pdftoppm mangler: installer poppler-utils (apt-get install -y poppler-utils).")
    kilde = None if bilde.tilbaketest else finn_arbeidsbok(arbeidsboker, bilde.arbeidsbok)
    with tempfile.TemporaryDirectory(prefix="kostra-bilder-") as tmp:
        mappe = Path(tmp)
        xlsx = mappe / f"{bilde.navn}.xlsx"
        if kilde is None:
            tilbaketest_diagram(bilde, xlsx)
        else:
            verdikopi(kilde, bilde, xlsx)
        pdf = til_pdf(xlsx, mappe)
        subprocess.run(["pdftoppm", "-r", str(oppl or bilde.oppl), "-f", "1", "-l", "1", str(pdf),
                        str(mappe / "side")], check=True, capture_output=True)
        ppm = next(mappe.glob("side*.ppm"))
        bredde, hoyde, piksler = beskjaer(*les_ppm(ppm))
        ut.mkdir(parents=True, exist_ok=True)
        png = ut / f"{bilde.navn}.png"
        skriv_png(png, bredde, hoyde, piksler)
    storrelse = png.stat().st_size
    if storrelse > MAX_BYTES:
        raise BildeFeil(f"{png.name} er {storrelse // 1024} kB, over grensen på {MAX_BYTES // 1024} kB; "
                        "gjør området mindre.")
    return png


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Lag bildene i docs/bilder/ fra eksempelarbeidsbøkene.")
    p.add_argument("filter", nargs="*", help="bare bilder hvis navn inneholder en av tekstene")
    p.add_argument("--arbeidsboker", type=Path, default=ROOT / "workbooks" / "bydel_eksempel",
                   help="mappen med arbeidsbøkene (standard: workbooks/bydel_eksempel)")
    p.add_argument("--ut", type=Path, default=ROOT / "docs" / "bilder", help="mappen bildene skrives til")
    p.add_argument("--opplosning", type=int, default=None,
                   help="punkter per tomme for alle bildene (standard: bildets egen, 80 eller 100)")
    a = p.parse_args(argv)
    valgt = [b for b in BILDER if not a.filter or any(f in b.navn for f in a.filter)]
    if not valgt:
        navn = ", ".join(b.navn for b in BILDER)
        print(f"Ingen bilder passer filteret. Bildene er: {navn}", file=sys.stderr)
        return 2
    feil = 0
    for bilde in valgt:
        try:
            png = lag_bilde(bilde, a.arbeidsboker, a.ut, a.opplosning)
        except BildeFeil as exc:
            print(f"FEIL {bilde.navn}: {exc}", file=sys.stderr)
            feil += 1
            continue
        print(f"{png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}  "
              f"({png.stat().st_size // 1024} kB)  {bilde.beskrivelse}")
    return 1 if feil else 0


if __name__ == "__main__":
    sys.exit(main())

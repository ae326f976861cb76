"""Bundled example data: «Bydel Eksempel», a fictitious Oslo district, accounting year 2023.

The files in ``bydel_eksempel/`` are the output of :mod:`kostra_functions.example_data.generate`
with default arguments (a test regenerates them and compares the bytes); the district's structure
and the sourced rules it follows are in ``bydel_eksempel.toml``.

==========================  ==========================================================================
``regnskap_2023.csv``       accounts 2023, periods 202301–202313 (13 = year-end), Windows-1252, ``;``,
                            decimal comma; columns Art, Ansvar, Funksjon, Prosjekt, Periode, Tekst, Beløp
``budsjett_2023.csv``       adjusted budget 2023 over periods 202301–202312, UTF-8 with BOM, whole
                            kroner with no-break-space thousands; column «Justert budsjett»
``resultatenheter.csv``     ansvar → result unit (RES), UTF-8 with BOM
``regnskap_2022.csv``       accounts 2022 (last year), the seasonal profile for prognoses
==========================  ==========================================================================

Amounts in kroner, expenses positive, revenues negative. What the data shows: eight result units
with several ansvar each; functions in every function area of the ``oslo_bydel`` rule set; fixed
pay with the pay settlement from May and holiday pay in June (a June spike in art 10100); summer
substitutes in home care and a July dip in kindergartens (no parental fees in July); user payments
(16000/16200) and refunds (17000/17100/17700) as revenues; earmarked projects 21001, 21005 and 30012
(Fellesskriv 5/2022: projects starting with 2 or 3) and an ordinary project 10010; and internal purchases on
art 12980 (KOSTRA 298) matched by internal sales on 17980 (798), so 298 + 798 = 0.

For the back-test (``kostra prognose --tilbaketest``) there is also ``historikk/bydel_eksempel.csv``:
five years (2019–2023) of monthly accounts and periodised budget per KOSTRA function, written by
:mod:`kostra_functions.example_data.historikk` from ``bydel_eksempel_historikk.toml``, which says for
every function which pattern it follows (seasonal, stepwise, payroll, one-off events) and why a method
wins there. It is a separate, function-level series; the 2023 ledger above is unchanged.
"""

from __future__ import annotations

from pathlib import Path

#: The folder with the example district's files.
DATA_DIR = Path(__file__).with_name("bydel_eksempel")
#: The accounting year of the example.
YEAR = 2023
#: The district's name.
NAME = "Bydel Eksempel"


def paths() -> dict[str, Path]:
    """Paths of the example files.

    Keys: ``regnskap``, ``budsjett``, ``resultatenheter``, ``regnskap_fjoraar`` and ``dir`` (the folder).
    """
    return {
        "regnskap": DATA_DIR / f"regnskap_{YEAR}.csv",
        "budsjett": DATA_DIR / f"budsjett_{YEAR}.csv",
        "resultatenheter": DATA_DIR / "resultatenheter.csv",
        "regnskap_fjoraar": DATA_DIR / f"regnskap_{YEAR - 1}.csv",
        "dir": DATA_DIR,
    }

"""KOSTRA code lists as data, and the loader :class:`Catalog`.

>>> from kostra_functions.codes import Catalog
>>> Catalog.for_year(2024).name("215")
'Skolefritidstilbud'

The data files in this folder are UTF-8 CSV; every row names its source in ``kilde`` and says what is
uncertain in ``sikkerhet``. A controller who corrects a code list edits these files, not the code.

``functions.csv`` and ``arts.csv`` — one row per code and period with constant name and rules:
    ``kode`` (three digits), ``navn`` (empty when not found), ``type`` (functions: ``kommunal``,
    ``finansiell`` for 800–899, ``oslo_bydel`` for 691–696; arts: ``utgift`` 010–599, ``inntekt``
    600–999), ``kun`` (``drift`` / ``investering`` / blank, SSB controls 020, 025, 040, 050),
    ``region`` (blank = every municipality, ``oslo`` = 030100–030115, ``oslo_bydel`` =
    030101–030115), ``gyldig_fra`` / ``gyldig_til`` (first/last year; ``gyldig_til`` blank = still in
    the newest list), ``navn_sikker`` (``ja`` / ``nei``: ``nei`` when a name was INFERRED, not found
    or not verified for these years), ``sikkerhet``, ``kilde``.
    ``gyldig_fra`` is the year of introduction where a source gives it (383: 1999), else the first
    year a source shows the code. Periods are asserted only for the years in ``coverage.csv``; for
    2013–2022 there is no source and the catalog refuses those years.

``changes.csv`` — year-to-year changes:
    ``aar_fra`` / ``aar_til`` (the change took effect on 1 January of a year in this range; equal when
    exact), ``liste`` (``funksjon`` / ``art``), ``kode``, ``endring`` (``ny``, ``utgått``,
    ``nytt_navn``, ``endret_liste``, ``endret_region``), ``gammelt_navn``, ``nytt_navn``,
    ``erstattet_av`` (space-separated codes), ``sikkerhet``, ``kilde``.

``coverage.csv`` — what each year's source covers:
    ``aar``, ``liste``, ``region`` (blank, ``oslo``, ``oslo_bydel``, ``oslo_kommune`` = 030100),
    ``fra_kode`` / ``til_kode``, ``dekning`` (``dekket`` / ``ikke_dekket``), ``kilde``, ``merknad``.
    A code is covered when a ``dekket`` row includes it and no ``ikke_dekket`` row for the region does.

Sources: SSB's control program (``statisticsnorway/kostra-kontrollprogram``, 2023–2026, via
``reference/ssb_gyldige_koder_kommune.csv``), names from ``reference/kostra_funksjoner_2023.csv`` and
``reference/kostra_arter.csv``, changes from ``reference/kostra_endringer_2012_2026.csv``, the KRD guide
for 2012 (seeds/002) and the KOSTRA letter of 2.11.1998 (seeds/003).
"""

from kostra_functions.codes.catalog import Catalog, available_years, latest_year
from kostra_functions.codes.data_files import ACCOUNT_CLASSES, KINDS, Change, CodeEntry, code_lists_version

__all__ = [
    "ACCOUNT_CLASSES",
    "KINDS",
    "Catalog",
    "Change",
    "CodeEntry",
    "available_years",
    "code_lists_version",
    "latest_year",
]

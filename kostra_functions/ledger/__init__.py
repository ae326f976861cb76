"""Ledger and budget exports (Agresso/Unit4) read into one typed DataFrame.

A district controller gets the accounts (regnskap) and the adjusted budget (justert budsjett) out of
UNIT4-Agresso as CSV or as an Excel workbook. :func:`read_ledger` reads both kinds into the
canonical frame every other module works on; :func:`ledger_from_frame` does the same for a table
that comes from an Excel range (``KOSTRA_AVVIK_TABELL`` and friends).

Canonical columns
-----------------
=============  =================================================================================
``art``        internal 5-digit art as written in the file, leading zeros kept (``"10100"``,
               ``"01010"``); first digit 1 = drift, 0 = investering (økonomireglementet §2.1.2)
``ansvar``     responsibility (cost centre), digits
``funksjon``   KOSTRA function, 3 digits
``prosjekt``   project number, ``""`` when the row has none (or the file has no project column)
``periode``    ``int`` 1–13 (13 = Agresso's year-end closing period)
``belop``      ``float``, kroner; expenses positive, revenues negative (as in the accounts)
``kilde_rad``  ``int``, 1-based row number in the source (file or range) counting the header row
               (and any title lines above it): the row a controller sees when opening the file in
               Excel. A quoted CSV text that spans lines (Agresso does not write them) shifts the
               numbers of the rows after it by the extra lines.
=============  =================================================================================

The four code columns are pandas ``category`` columns whose values are ``str`` (never numbers):
compare them with strings as usual (``df.art == "10100"``, ``df.funksjon.isin([...])``,
``df.art.str[1:4]``); call ``.astype(str)`` when a plain string column is needed. Categories make a
million-row ledger cheap to validate and group: every distinct code is checked once, not per row.

``df.attrs`` holds ``kind`` (``"regnskap"``/``"budsjett"``), ``path`` (the file, or the ``source``
label of a frame), ``aar`` (the year when periods were written as ``YYYYMM``, else ``None``),
``kolonner`` (canonical name → header text used), ``tomme_rader`` (row numbers of blank rows that
were skipped because they hold nothing at all), ``utfylte_koder`` (per code column, how many
distinct codes got their leading zeros back) and for CSV ``koding`` (the text encoding found).

What is accepted
----------------
* CSV separated by ``;`` (also tab or ``,``, recognised from the header row), decimal comma
  (decimal point for ``,``-separated files); thousands separated by space, no-break space or dots
  (``"1 234 567,50"``, ``"1.234,50"``), trailing minus, ``kr``; all through
  :func:`kostra_functions.cells.parse_amount_text`, with a vectorised fast path for plain
  columns. An amount such as ``"1,234"`` (1–3 digits, a separator and exactly three digits) is
  refused as ambiguous, exactly as the Excel functions refuse it.
* Text encodings: UTF-8 (with or without BOM) or Windows-1252 (what Agresso and Excel write on
  Norwegian Windows), detected from the bytes. A file that is neither (UTF-16, binary, a byte that
  Windows-1252 does not define) is refused with the row where the problem is.
* XLSX/XLSM (read-only, stored values; the first sheet that has a recognisable header row, or
  ``sheet=``). Old ``.xls`` is refused with advice.
* Title lines above the header are skipped: the header is the first of the first 30 rows where at
  least three of the canonical columns are recognised.
* Header names are matched ignoring case, spaces, punctuation and accents (``Beløp``, ``BELOP``,
  ``beløp (kr)``). Recognised names: see :data:`HEADER_ALIASES` and :data:`AMOUNT_ALIASES`.
* Periods: ``6``, ``06``, ``6.0`` or Agresso's ``202306`` (year and month; every such row must be
  in the same year, or in ``year`` when given), and dates in XLSX (the month of the date).
* Codes that lost their leading zeros because Excel read them as numbers (``1010`` or ``1010.0``
  for art ``01010``) get them back up to the rule set's width (art 5, ansvar 3, funksjon 3, prosjekt
  5); how many is recorded in ``attrs["utfylte_koder"]``. Longer codes are never cut.

What is refused (:class:`~kostra_functions.errors.LedgerFormatError`, naming file, sheet, row and
column, listing up to :data:`MAX_REPORTED` problems at once): a missing required column, two
columns that mean the same thing, an unparseable or missing amount, a period outside 1–13 (budget:
1–12) or of another year, a code that is not digits or has the wrong width, an art whose first
digit is neither drift nor investering, an empty file or one with only a header, a file larger than
:data:`MAX_FILE_BYTES`. Text is never interpreted: a cell such as ``=HYPERLINK(...)`` is just text
and is refused where a code belongs. Rows are never dropped, except rows that are blank in every
column we read (listed in ``attrs["tomme_rader"]``).

Modules
-------
``columns`` canonical columns, header names and the header row; ``codes`` codes and periods;
``amounts`` amounts; ``problems`` where data comes from and the problems found, raised together;
``frame`` the canonical frame assembled and validated (also from an Excel range); ``csv_file`` and
``reading`` the files; ``lookup`` small lookup tables. File-type sniffing, encodings, workbooks and
header normalisation are :mod:`kostra_functions.tables`'.
"""

from kostra_functions.ledger.columns import AMOUNT_ALIASES, CANONICAL_COLUMNS, HEADER_ALIASES, Kind
from kostra_functions.ledger.frame import ledger_from_frame
from kostra_functions.ledger.lookup import load_table
from kostra_functions.ledger.problems import rows_text
from kostra_functions.ledger.reading import MAX_FILE_BYTES, read_ledger

__all__ = [
    "AMOUNT_ALIASES",
    "CANONICAL_COLUMNS",
    "HEADER_ALIASES",
    "MAX_FILE_BYTES",
    "Kind",
    "ledger_from_frame",
    "load_table",
    "read_ledger",
    "rows_text",
]

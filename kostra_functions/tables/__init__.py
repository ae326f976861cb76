"""Tabular files as every reader of the library opens them: one place for what a CSV or XLSX is.

* :mod:`~kostra_functions.tables.sniff`: what kind of file this is, from its first bytes (XLSX,
  old Excel/encrypted workbook, PDF, text), and its size against a limit.
* :mod:`~kostra_functions.tables.text`: a text file's encoding (UTF-8 with or without BOM, or
  Windows-1252), its text, a cut-off last line, and the CSV separator.
* :mod:`~kostra_functions.tables.xlsx`: a workbook's sheets and rows, guarded by
  :mod:`kostra_functions.safety`.
* :mod:`~kostra_functions.tables.headers`: header cells normalised for matching, column letters,
  cell values shown in messages.

Readers of particular tables (:mod:`kostra_functions.ledger`, the attestation lists, ``kostra
prognose``'s adjustments) build on these; their errors are
:class:`~kostra_functions.errors.LedgerFormatError` naming file, row and column.
"""

"""The reports of the ``kostra`` command: what it prints and the files it writes.

One module per report; the commands (:mod:`kostra_functions.commands`) parse the arguments, call the
library and hand the results to these writers:

* :mod:`~kostra_functions.reports.prognosis`: deviation prognoses (``kostra prognose``), terminal, CSV
  and XLSX;
* :mod:`~kostra_functions.reports.accounts_map`: accounts and budget per function area and function
  (``kostra kart``), terminal and CSV;
* :mod:`~kostra_functions.reports.attestation`: the attestation check of a voucher list (``kostra
  kontroller bilag``), text and XLSX;
* :mod:`~kostra_functions.reports.files`: the CSV and XLSX writing they share, on the safe writer of
  :mod:`kostra_functions.safety` (atomic replace, text that looks like a formula stored as text).

A face: the XLSX reports use the workbooks' print layout
(:func:`kostra_functions.engine.templates.print_setup`).
"""

"""Guards against hostile or broken files, shared by every reader and writer (issue 8).

A ledger export comes from a file share or an e-mail; the library must never let such a file eat the
machine's memory, run for hours, read other files on the machine, or leave a half-written workbook.
This package holds the checks so that :mod:`kostra_functions.ledger`, :mod:`kostra_functions.attestation`
and the engine apply the same limits and say the same Norwegian things.

Reading Excel files (:func:`check_xlsx`, :func:`open_xlsx`, :func:`guarded_rows`)
    An ``.xlsx``/``.xlsm`` is a zip package of XML parts. Before openpyxl sees it we look at the zip
    directory and at the parts themselves, without ever holding a whole part in memory:

    * entry count, the sum of the declared unpacked sizes, each part's size and its compression
      ratio (a «zip bomb» of a few kB that inflates to gigabytes is refused before anything is
      inflated; Python's :mod:`zipfile` never inflates past a part's declared size, so a lying size
      is caught by the CRC check and reported as a damaged file);
    * every XML part's prolog: a ``<!DOCTYPE``/``<!ENTITY`` declaration is refused (Excel never
      writes one; it is what «billion laughs» and external-entity (XXE) attacks need). openpyxl also
      parses with :mod:`defusedxml` (checked and, if someone switched it off, switched back on by
      :func:`harden_openpyxl`), so either defence alone stops the attack;
    * worksheets are streamed once to count rows and cells (:data:`MAX_SHEET_ROWS`,
      :data:`MAX_SHEET_CELLS`), other parts to count XML elements (:data:`MAX_PART_ELEMENTS`: openpyxl
      builds a whole tree of ``styles.xml``, ``workbook.xml`` …);
    * while rows are read, :func:`guarded_rows` stops at Excel's last row (1 048 576), so a row
      numbered 2 000 000 000 cannot make openpyxl yield two billion empty rows, and turns the
      exceptions a damaged part raises (XML errors, CRC errors) into a Norwegian
      :class:`~kostra_functions.errors.LedgerFormatError`.

    Macros: workbooks are opened with ``keep_vba=False``; no code path of this project parses or
    runs ``vbaProject.bin``. Formulas are never evaluated by the readers (``data_only=True``: the
    values Excel saved).

Writing (:func:`atomic_write`, :func:`atomic_path`, :func:`staged_write`, :func:`csv_text` …)
    Every output is written to a temporary file in the system's temporary folder, flushed to disk,
    linked beside the target under a hidden name and at once renamed over the target
    (``os.replace``), so a crash or ``kill -9`` leaves either the old file or the new one, never
    half a file, and nothing beside it. An output the user did not allow us to overwrite is
    *created* exclusively (:func:`publish_file`): two runs started together cannot both think the
    name is free and silently overwrite each other. A target that another program has open (a
    LibreOffice ``.~lock.<name>#`` or Excel ``~$<name>`` owner file next to it) or that is marked
    read-only is refused with a Norwegian message before anything is written. Text from an export
    that begins with ``=``, ``+``, ``-`` or ``@`` is written as text, never as a formula: in XLSX as
    a string cell (:func:`text_cells`), in CSV with a leading apostrophe (:func:`csv_text`).

Names (:func:`safe_filename`)
    A file or folder name made from a district's name cannot climb out of the output folder
    (``../../etc``, ``/etc``, ``C:\\``), cannot be a Windows device name (``CON``, ``NUL``, ``COM1``)
    and has no trailing dot or space.

Every limit is a constant of :mod:`kostra_functions.safety.workbooks`; tests and unusual
installations may change it there.

The package, one module per job: :mod:`~kostra_functions.safety.workbooks` (reading Excel files:
the limits, the zip and XML checks, hardened openpyxl, guarded rows),
:mod:`~kostra_functions.safety.output_files` (writing: lock files, atomic and exclusive publishing),
:mod:`~kostra_functions.safety.formula_text` (text that must not run as a formula) and
:mod:`~kostra_functions.safety.filenames` (safe file names). The names every reader and writer uses
are imported from here (``from kostra_functions.safety import atomic_write``).
"""

from __future__ import annotations

from kostra_functions.safety.filenames import WINDOWS_RESERVED, safe_filename
from kostra_functions.safety.formula_text import csv_text, text_cells
from kostra_functions.safety.output_files import (
    OutputExistsError,
    OutputLockedError,
    atomic_path,
    atomic_write,
    check_output_target,
    lock_files,
    publish_file,
    staged_write,
)
from kostra_functions.safety.workbooks import (
    EXCEL_MAX_ROWS,
    MAX_ENTRIES,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_SHEET_CELLS,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    UnsafeFileError,
    check_xlsx,
    guarded_rows,
    harden_openpyxl,
    open_xlsx,
    translate_error,
)

__all__ = [
    "EXCEL_MAX_ROWS",
    "MAX_ENTRIES",
    "MAX_PART_BYTES",
    "MAX_RATIO",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_ROWS",
    "MAX_UNPACKED_BYTES",
    "WINDOWS_RESERVED",
    "OutputExistsError",
    "OutputLockedError",
    "UnsafeFileError",
    "atomic_path",
    "atomic_write",
    "check_output_target",
    "check_xlsx",
    "csv_text",
    "guarded_rows",
    "harden_openpyxl",
    "lock_files",
    "open_xlsx",
    "publish_file",
    "safe_filename",
    "staged_write",
    "text_cells",
    "translate_error",
]

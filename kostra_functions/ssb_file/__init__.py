"""SSB's fixed-width accounting file (KOSTRA «regnskap»): write it from a ledger and read it back.

Every municipality (and every Oslo district, region 030101–030115) reports its accounts to SSB as a
text file with one record of 48 characters per line (SSB, ``kravspesifikasjon/
file_description_Regnskap_2025.md``):

=========  ========  =================================================================
position   field     content
=========  ========  =================================================================
1–2        skjema    ``0A`` bevilgningsregnskap, ``0B`` balanse, ``0M``/``0N`` konsolidert
3–6        årgang    the accounting year, e.g. ``2023``
7          kvartal   blank = årsregnskap, ``1``–``4`` = quarter
8–13       region    six digits; a municipality ends in ``00``, an Oslo district is ``0301nn``
14–22      orgnr     organisation number (may be blank for 0A/0B)
23–31      foretaksnr  (blank for municipal accounts)
32         kontoklasse  0A: ``1`` drift, ``0`` investering; 0M: ``3``/``4``; 0B ``2``; 0N ``5``
33–36      funksjon/kapittel  left-justified, e.g. ``202 `` or ``5900``
37–39      art/sektor
40–48      beløp     **whole 1000 kr**, right-justified, minus sign in front of the digits
=========  ========  =================================================================

Sign: as in the municipal accounts and in this project (ARCHITECTURE.md): expenses (debet) positive,
revenues (kredit) negative; in the balance assets positive, debt and equity negative.

Rounding (explicit, documented): ledger lines are first summed **in øre** per (kontoklasse,
funksjon, art), then each sum is rounded to whole 1000 kr *half away from zero*
(``1 499,99 kr`` → 1, ``1 500,00 kr`` → 2, ``-1 500,00 kr`` → -2). Each written line can therefore be
off by at most 500 kr, and a sum over *n* lines by at most ``n × 500`` kr; SSB's sum controls
tolerate this with their margins (±30 = 30 000 kr for drift/investment, ±10 for the balance and the
Oslo-internal arts 298/798, see :mod:`kostra_functions.controls`). Sums that round to 0 are not
written: SSB drops records with beløp 0 before it controls a file (``RegnskapValidator
.getRecordsList``), so such a line would carry no information.

Round trip: :func:`read_ssb_file` keeps every line as it was, so ``write → read → write`` gives the
same bytes, and :func:`amounts_in_thousands` of what was read equals what was written.

The package, one module per job: :mod:`~kostra_functions.ssb_file.layout` (the record layout and
SSB's forms), :mod:`~kostra_functions.ssb_file.records` (what a file reports, one record, one record
written), :mod:`~kostra_functions.ssb_file.writing` (a ledger's amounts rounded to 1000 kr and
written) and :mod:`~kostra_functions.ssb_file.reading` (a file read back). The names the rest of the
code uses are imported from here (``from kostra_functions.ssb_file import Record, Submission``).
"""

from __future__ import annotations

from kostra_functions.ssb_file.layout import FIELDS, RECORD_LENGTH, Form, form, forms
from kostra_functions.ssb_file.reading import (
    amounts_in_thousands,
    looks_like_ssb_file,
    read_ssb_file,
    read_ssb_lines,
    read_ssb_text,
)
from kostra_functions.ssb_file.records import Record, SsbFile, Submission, format_record
from kostra_functions.ssb_file.writing import (
    amounts_from_frame,
    kroner_to_thousands,
    records_from_amounts,
    render_ssb_file,
    write_ssb_file,
)

__all__ = [
    "FIELDS",
    "RECORD_LENGTH",
    "Form",
    "Record",
    "SsbFile",
    "Submission",
    "amounts_from_frame",
    "amounts_in_thousands",
    "form",
    "format_record",
    "forms",
    "kroner_to_thousands",
    "looks_like_ssb_file",
    "read_ssb_file",
    "read_ssb_lines",
    "read_ssb_text",
    "records_from_amounts",
    "render_ssb_file",
    "write_ssb_file",
]

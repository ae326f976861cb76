"""An SSB accounting file read back: refused with a clear reason when it is no SSB file (too big,
a zip or PDF, UTF-16, binary), split into records with every line kept as it was (so
``write → read → write`` gives the same bytes), told apart from a ledger export
(:func:`looks_like_ssb_file`), and summed per key in 1000 kr (:func:`amounts_in_thousands`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from kostra_functions.errors import LedgerFormatError
from kostra_functions.ssb_file.records import Record, SsbFile
from kostra_functions.tables.sniff import OLE_MAGIC, PDF_MAGIC, ZIP_MAGIC

#: Largest SSB file read (bytes); a municipality's file is well under 1 MB.
MAX_FILE_BYTES = 100 * 1024**2


def read_ssb_text(text: str, source: str = "") -> SsbFile:
    """Split file text into records (empty lines are skipped but remembered for :meth:`SsbFile.render`)."""
    # CRLF (Windows), LF, or CR alone (old Mac programs)
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    trailing = text.endswith("\n")
    body = text[: -len(newline)] if trailing and text.endswith(newline) else text
    records: list[Record] = []
    blanks: list[int] = []
    if body:
        for number, line in enumerate(body.split(newline), start=1):
            line = line.rstrip("\r") if newline == "\n" else line
            if line.strip():
                records.append(Record(number, line))
            else:
                blanks.append(number)
    return SsbFile(tuple(records), source, newline, trailing, tuple(blanks))


def read_ssb_file(path: str | Path) -> SsbFile:
    """Read an SSB accounting file; raises :class:`LedgerFormatError` when it cannot be read at all.

    A readable file with wrong records is *not* an exception: the controls report it (001 record
    length, 014 amount, …) with line numbers, as SSB's control program does.
    """
    p = Path(path)
    ssb = read_ssb_text(_file_text(p), str(p))
    if not ssb.records:
        raise LedgerFormatError("Filen er tom; den har ingen poster.", where=str(p))
    return ssb


def read_ssb_lines(path: str | Path) -> tuple[list[int], list[str]]:
    """(line numbers, record texts) of the non-empty lines of an SSB file, without building records.

    The same checks and decoding as :func:`read_ssb_file`; for controlling a large file in columns.
    """
    p = Path(path)
    text = _file_text(p)
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    lines = text.split(newline)
    if lines and lines[-1] == "":
        lines.pop()
    if newline == "\n" and "\r" in text:
        lines = [t.rstrip("\r") for t in lines]
    numbers = [i for i, t in enumerate(lines, start=1) if t.strip()]
    if not numbers:
        raise LedgerFormatError("Filen er tom; den har ingen poster.", where=str(p))
    if len(numbers) == len(lines):
        return numbers, lines
    return numbers, [lines[i - 1] for i in numbers]


def _file_text(p: Path) -> str:
    """The text of a file that should be an SSB file, refused with a clear reason when it is not."""
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LedgerFormatError(
                f"Filen er {size // 1024**2} MB; en SSB-fil er noen få MB (grense "
                f"{MAX_FILE_BYTES // 1024**2} MB). Er det riktig fil?", where=str(p))
        data = p.read_bytes()
    except FileNotFoundError:
        raise LedgerFormatError("Filen finnes ikke.", where=str(p)) from None
    except OSError as exc:
        raise LedgerFormatError(f"Filen kan ikke leses: {exc.strerror}.", where=str(p)) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for magic, what in ((ZIP_MAGIC, "en zip-pakke eller Excel-arbeidsbok"), (PDF_MAGIC, "en PDF-fil"),
                        (OLE_MAGIC, "en gammel Excel-/Office-fil")):
        if data.startswith(magic):
            raise LedgerFormatError(f"Filen er {what} og ikke en tekstfil; en SSB-fil er tekst med én post "
                                    "per linje.", where=str(p))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerFormatError("Filen er lagret som UTF-16; en SSB-fil skal være ren tekst (ASCII).",
                                where=str(p))
    if b"\x00" in data:
        raise LedgerFormatError("Filen er ikke en tekstfil (den inneholder binære data).", where=str(p))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def looks_like_ssb_file(path: str | Path) -> bool:
    """True when the first non-empty line looks like an SSB record (skjema, årgang, region …).

    Used by the CLI to tell an SSB file from a ledger export. It only looks at the start of the line
    (``0A2023 030105`` …), so a file with a few malformed records is still treated as an SSB file and
    its errors are reported by the controls.
    """
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    for raw in head.splitlines():
        line = raw.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
        if line.strip():
            return bool(re.match(r"^0[A-Z]\d{4}[ 1-4]\d{6}", line))
    return False


def amounts_in_thousands(records: Iterable[Record]) -> dict[tuple[str, str, str], int]:
    """Sum per (kontoklasse character, funksjon/kapittel, art/sektor) in 1000 kr (invalid amounts as 0)."""
    out: dict[tuple[str, str, str], int] = {}
    for r in records:
        key = (r.kontoklasse, r.code, r.art_sektor)
        out[key] = out.get(key, 0) + r.amount
    return out

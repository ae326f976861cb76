"""Text files as tables: the encoding, the text, a cut-off last line and the CSV separator.

What Agresso and Excel write on Norwegian Windows is UTF-8 (with or without BOM) or Windows-1252;
:func:`detect_encoding` tells them apart from the bytes and refuses anything else (UTF-16, binary
data, a byte Windows-1252 does not define) with the row where the problem is. Errors are
:class:`~kostra_functions.errors.LedgerFormatError` with ``where`` naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from kostra_functions.errors import LedgerFormatError

#: A line break as spreadsheets write them: CRLF (Windows), LF, or CR alone (Excel for Mac's «CSV
#: (Macintosh)»).
LINE_BREAK = re.compile(r"\r\n|\n|\r")

_CHUNK = 1 << 22
#: The bytes Windows-1252 leaves undefined (``bytes([b]).decode("cp1252")`` fails for exactly these).
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


def detect_encoding(path: Path, *, where: str) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp1252`` from the file's bytes, read in chunks (the file is not
    held in memory); :class:`LedgerFormatError` for UTF-16, binary data (a NUL byte anywhere), a
    UTF-8 BOM followed by invalid UTF-8, or a byte that Windows-1252 does not define."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding, start = "utf-8-sig", 3
        elif head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise LedgerFormatError("filen er lagret som UTF-16 («Unicode-tekst»). Lagre den som «CSV UTF-8» "
                                    "eller «CSV (semikolonseparert)» og prøv igjen.", where=where)
        else:
            encoding, start = "utf-8", 0
        fh.seek(start)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = start
        utf8_ok = True
        while chunk := fh.read(_CHUNK):
            _refuse_nul(path, chunk, offset, where)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                if encoding == "utf-8-sig":
                    line = line_at(path, offset + max(exc.start, 0))
                    raise LedgerFormatError(f"rad {line}: filen starter med UTF-8-merke (BOM), men "
                                            "inneholder tegn som ikke er gyldig UTF-8. Lagre filen på nytt "
                                            "som «CSV UTF-8».", where=where) from None
                utf8_ok = False
                break
            offset += len(chunk)
        if utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
        if utf8_ok:
            return encoding
        fh.seek(0)
        offset = 0
        while chunk := fh.read(_CHUNK):
            _refuse_nul(path, chunk, offset, where)
            # Windows-1252 defines every byte but five: searching for them is what decoding would
            # check, without building the text (pandas decodes the file again anyway).
            found = [i for i in (chunk.find(b) for b in _CP1252_UNDEFINED) if i >= 0]
            if found:
                start = min(found)
                line = line_at(path, offset + start)
                raise LedgerFormatError(
                    f"rad {line}: filen er verken UTF-8 eller Windows-1252 (byte 0x{chunk[start]:02X} "
                    "finnes ikke i noen av dem). Åpne filen i Excel og lagre som «CSV UTF-8».",
                    where=where,
                )
            offset += len(chunk)
    return "cp1252"


def _refuse_nul(path: Path, chunk: bytes, offset: int, where: str) -> None:
    if b"\x00" in chunk:
        line = line_at(path, offset + chunk.index(b"\x00"))
        raise LedgerFormatError(f"rad {line}: filen inneholder binære data (NUL-tegn) og er ikke en tekstfil "
                                "(CSV).", where=where)


def read_text(path: Path, *, where: str) -> tuple[str, str]:
    """The file's text exactly as written (line breaks untranslated) and its encoding, as
    :func:`detect_encoding` finds it."""
    encoding = detect_encoding(path, where=where)
    return path.read_bytes().decode(encoding), encoding


def line_at(path: Path, offset: int) -> int:
    """1-based line number of a byte offset (only computed when there is an error to report)."""
    line = 1
    with path.open("rb") as fh:
        while offset > 0:
            chunk = fh.read(min(_CHUNK, offset))
            if not chunk:
                break
            line += chunk.count(b"\n")
            offset -= len(chunk)
    return line


def check_complete(path: Path, delimiter: str, *, where: str, last_row: int | None = None) -> None:
    """Refuse a file whose last line has data but no line break: it may be cut off mid-amount.

    Every program that exports CSV (Agresso, Excel, LibreOffice) ends each row with a line break; a
    download or copy that was interrupted does not, and «100 000,00» cut to «100» would otherwise be
    read as a plausible, wrong amount. A last line of only separators and quotes cannot have been
    cut and passes. ``last_row`` names the row in the message (default: the file's last physical
    line, counting CR, LF and CRLF as one break each).
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if tail.endswith((b"\n", b"\r")):
        return
    last = re.split(rb"\r\n|\n|\r", tail)[-1]
    if not last.replace(delimiter.encode(), b"").replace(b'"', b"").strip():
        return  # only separators: nothing can have been cut
    if last_row is None:
        last_row = len(re.split(rb"\r\n|\n|\r", path.read_bytes()))
    raise LedgerFormatError(f"rad {last_row} (siste rad) slutter uten linjeskift, så filen kan være avkortet "
                            "(f.eks. en kopiering eller nedlasting som ble avbrutt), og et beløp kan være "
                            "kuttet. Kontroller at siste rad er hel og avslutt den med linjeskift, eller "
                            "eksporter filen på nytt.", where=where)


def split_line(line: str, sep: str) -> list[str]:
    """One CSV line split at ``sep`` (quotes respected; a line the csv module refuses is split plainly).

    >>> split_line('10100;"Lønn; fast";5', ";")
    ['10100', 'Lønn; fast', '5']
    """
    try:
        return next(csv.reader([line], delimiter=sep, quotechar='"'))
    except (StopIteration, csv.Error):
        return line.split(sep)


def guess_delimiter(line: str, candidates: Sequence[str] = (";", ",", "\t")) -> str:
    """The separator of a header line: the candidate it holds most often, ``;`` on a tie.

    >>> guess_delimiter("Art;Ansvar;Beløp"), guess_delimiter("a,b\\tc,d"), guess_delimiter("x")
    (';', ',', ';')
    """
    return max(candidates, key=lambda d: (line.count(d), d == ";"))


def csv_records(path: Path, *, where: str, strict: bool = True) -> tuple[str, list[tuple[int, list[str]]]]:
    """A CSV file as its separator and ``(line number, fields)`` per record, blank records included.

    The encoding as :func:`read_text`; the separator from the first non-blank line
    (:func:`guess_delimiter`); a cut-off last line is refused (:func:`check_complete`). With
    ``strict``, a quote that never closes or a field over the csv module's limit is refused with the
    row, never read as the rest of the file in one cell. The line number is the physical line where
    the record ends. An empty file is refused.
    """
    text, _ = read_text(path, where=where)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first:
        raise LedgerFormatError("filen er tom.", where=where)
    delimiter = guess_delimiter(first)
    check_complete(path, delimiter, where=where)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for record in reader:
            number = reader.line_num
            records.append((number, record))
    except csv.Error as exc:
        why = ("et felt er lengre enn 131 072 tegn" if "field limit" in str(exc)
               else "et anførselstegn (\") står feil eller avsluttes aldri")
        raise LedgerFormatError(
            f"rad {number + 1 if number else reader.line_num} kan ikke leses som CSV: {why}. Sjekk "
            "anførselstegnene i og etter denne raden.", where=where,
        ) from None
    return delimiter, records

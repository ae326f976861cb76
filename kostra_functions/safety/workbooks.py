"""Reading Excel files without harm: the limits, the zip package and XML checks before openpyxl sees a
workbook (:func:`check_xlsx`), openpyxl with hardened parsers (:func:`harden_openpyxl`,
:func:`open_xlsx`), rows stopped at Excel's last row (:func:`guarded_rows`) and Norwegian errors for
a damaged file (:func:`translate_error`). See :mod:`kostra_functions.safety` for the whole story.

Every limit is a module constant; tests and unusual installations may change it here.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kostra_functions.errors import LedgerFormatError
from kostra_functions.formatting import whole

#: Excel's last row; a sheet cannot have more (row numbers above it are refused).
EXCEL_MAX_ROWS = 1_048_576
#: Most entries (parts) in a workbook package.
MAX_ENTRIES = 10_000
#: Largest sum of the parts' unpacked sizes (bytes).
MAX_UNPACKED_BYTES = 1024**3
#: Largest single part (bytes, unpacked).
MAX_PART_BYTES = 512 * 1024**2
#: Largest compression ratio (unpacked / packed) for a part larger than :data:`RATIO_FROM_BYTES`.
#: Worksheet XML packs 8–20 times, very repetitive sheets up to ~100; a zip bomb ~1 000.
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024**2
#: Most rows and cells in one worksheet the readers accept (larger exports: use CSV).
MAX_SHEET_ROWS = 500_000
MAX_SHEET_CELLS = 5_000_000
#: Most XML elements in a part that openpyxl parses into a whole tree (styles, workbook, strings).
MAX_PART_ELEMENTS = 2_000_000
#: How far into a part its prolog (before the root element) may reach.
PROLOG_BYTES = 64 * 1024

_CHUNK = 1 << 20


class UnsafeFileError(LedgerFormatError):
    """A file refused because opening it could harm the machine (zip bomb, XML entities, huge sheet)."""



# ------------------------------------------------------------------------------------------ helpers
def _size_text(n: float) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".", ",")
    return f"{int(n)} byte"


def _refuse(where: str, message: str) -> UnsafeFileError:
    return UnsafeFileError(message + " Filen er ikke åpnet.", where=where)


def _is_worksheet(name: str) -> bool:
    return bool(re.fullmatch(r"xl/(worksheets|dialogsheets|macrosheets|chartsheets)/[^/]+\.xml", name))


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


# ------------------------------------------------------------------------------------ XML parsers
def harden_openpyxl(*, include_formulas: bool = False) -> None:
    """Make sure openpyxl parses with :mod:`defusedxml` (no DTDs, entities or external references).

    openpyxl uses defusedxml by itself when it is installed, unless the environment says
    ``OPENPYXL_DEFUSEDXML=False``, and uses lxml (entities not resolved) when lxml is installed.
    Here the parsers in openpyxl's reader modules are set to defusedxml's whatever the environment
    says; ``include_formulas`` also sets the one the ``formulas`` library's workbook reader took from
    openpyxl (the engine's). Idempotent and cheap.
    """
    import importlib

    import defusedxml.ElementTree as SafeET
    from openpyxl.xml import functions as xml_functions

    if include_formulas and not getattr(xml_functions, "_kostra_hardened_formulas", False):
        try:
            xlreader = importlib.import_module("formulas.excel.xlreader")
        except ImportError:  # pragma: no cover - formulas is a dependency
            pass
        else:
            xlreader.iterparse = SafeET.iterparse  # type: ignore[attr-defined]
        xml_functions._kostra_hardened_formulas = True  # type: ignore[attr-defined]
    if getattr(xml_functions, "_kostra_hardened", False):
        return
    for module_name, names in (
        ("openpyxl.xml.functions", ("fromstring", "iterparse")),
        ("openpyxl.worksheet._reader", ("iterparse",)),
        ("openpyxl.reader.strings", ("iterparse",)),
        ("openpyxl.reader.excel", ("fromstring",)),
        ("openpyxl.reader.workbook", ("fromstring",)),
        ("openpyxl.reader.drawings", ("fromstring",)),
        ("openpyxl.packaging.relationship", ("fromstring",)),
        ("openpyxl.packaging.manifest", ("fromstring",)),
    ):
        module = importlib.import_module(module_name)
        for name in names:
            if hasattr(module, name):
                setattr(module, name, getattr(SafeET, name))
    xml_functions._kostra_hardened = True  # type: ignore[attr-defined]


def _prolog_problem(head: bytes) -> str | None:
    """Why an XML part's beginning is refused, or None: DOCTYPE/ENTITY, or a prolog that never ends."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    elif head.startswith(b"\x00<") or head.startswith(b"<\x00"):
        text = head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff")
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        return "inneholder en DOCTYPE-/ENTITY-erklæring"
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return None if len(head) < PROLOG_BYTES else "har en uvanlig lang innledning før innholdet"
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
        elif text.startswith("<!", pos):
            return "inneholder en DTD-erklæring"
        else:
            return None  # the root element (or not XML at all: the parser reports that)
        if end < 0:
            return None if len(head) < PROLOG_BYTES else "har en uvanlig lang innledning før innholdet"
        pos = end + 2


_ROW_PLAIN = (b"<row ", b"<row>", b"<row/", b"<row\t", b"<row\n", b"<row\r")
_CELL_PLAIN = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
_PREFIXED_ROW = re.compile(rb"<[A-Za-z_][\w.-]*:row[\s/>]")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
#: A row number of 7+ digits (row ``r="2000000000"`` or cell ``r="A2000000000"``), or 4+ column letters.
_FAR_REF = re.compile(rb"""\sr\s*=\s*["'](?:[A-Za-z]{0,3}(\d{7,})|([A-Za-z]{4,})\d)""")


def _count(data: bytes, patterns: tuple[bytes, ...]) -> int:
    return sum(data.count(p) for p in patterns)


def _count_tags(prev: bytes, chunk: bytes, patterns: tuple[bytes, ...], prefixed: re.Pattern[bytes]) -> int:
    """Tags in ``chunk``, plus those that start in ``prev`` (the chunk before) and end in it."""
    n = _count(chunk, patterns)
    edge_a, edge_b = prev[-5:], chunk[:5]
    n += _count(edge_a + edge_b, patterns) - _count(edge_a, patterns) - _count(edge_b, patterns)
    if b":" in chunk:
        n += sum(1 for _ in prefixed.finditer(chunk))
    return n


def _xml_refusal(where: str, name: str, problem: str) -> UnsafeFileError:
    return _refuse(where, f"delen «{name}» {problem}. Excel skriver aldri slikt; det brukes i angrep med "
                          "XML-entiteter (f.eks. «billion laughs» eller lesing av andre filer).")


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    """Stream one XML part: prolog, and rows/cells (worksheets) or elements (other parts)."""
    name = info.filename
    sheet = _is_worksheet(name)
    rows = cells = elements = 0
    prev = b""
    head = b""
    checked = False
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            if not checked:
                head += chunk[: PROLOG_BYTES - len(head)]
                if len(head) >= PROLOG_BYTES:
                    problem = _prolog_problem(head)
                    if problem:
                        raise _xml_refusal(where, name, problem)
                    checked = True
            if sheet:
                rows += _count_tags(prev, chunk, _ROW_PLAIN, _PREFIXED_ROW)
                cells += _count_tags(prev, chunk, _CELL_PLAIN, _PREFIXED_CELL)
                if rows > MAX_SHEET_ROWS:
                    raise _refuse(where, f"arket i «{name}» har mer enn {whole(MAX_SHEET_ROWS)} rader, "
                                         "grensen for Excel-filer. Eksporter som CSV (semikolonseparert), "
                                         "som leses mye raskere, eller del opp filen.")
                if cells > MAX_SHEET_CELLS:
                    raise _refuse(where, f"arket i «{name}» har mer enn {whole(MAX_SHEET_CELLS)} "
                                         "celler, grensen for Excel-filer. Eksporter som CSV eller del opp "
                                         "filen.")
                for m in _FAR_REF.finditer(prev[-32:] + chunk):
                    if m.group(2) or int(m.group(1)) > EXCEL_MAX_ROWS:
                        raise _refuse(where, f"arket i «{name}» har en celle utenfor Excels siste rad "
                                             f"({whole(EXCEL_MAX_ROWS)}) eller kolonne (XFD); filen er "
                                             "skadet eller laget for å henge programmet.")
                prev = chunk
            else:
                elements += chunk.count(b"<")
                if elements > MAX_PART_ELEMENTS:
                    raise _refuse(where, f"delen «{name}» har mer enn {whole(MAX_PART_ELEMENTS)} "
                                         "XML-elementer; en Excel-fil har aldri så mange der.")
    if not checked:
        problem = _prolog_problem(head)
        if problem:
            raise _xml_refusal(where, name, problem)


def check_xlsx(path: str | os.PathLike[str], *, where: str | None = None) -> None:
    """Refuse an Excel package that is damaged, or that could exhaust memory or time, or attack XML.

    Raises :class:`UnsafeFileError` (a :class:`~kostra_functions.errors.LedgerFormatError`) naming the
    file (``where``, default the path) and the part; see the module docstring for the limits. Reads
    the whole package once, streaming (a 30 MB sheet takes a fraction of a second).
    """
    label = where or str(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise LedgerFormatError("filen er ikke en gyldig Excel-arbeidsbok (.xlsx): zip-pakken er skadet "
                                "eller avkortet. Lagre eller eksporter filen på nytt.", where=label) from None
    except OSError as exc:
        raise LedgerFormatError(f"filen kan ikke leses: {exc.strerror or exc}.", where=label) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _refuse(label, f"pakken har {whole(len(infos))} deler (grense "
                                 f"{whole(MAX_ENTRIES)}); en Excel-fil har noen titalls.")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED_BYTES:
            raise _refuse(label, f"arbeidsboken pakker seg ut til {_size_text(total)}, mer enn grensen på "
                                 f"{_size_text(MAX_UNPACKED_BYTES)} (en «zip-bombe» eller en for stor "
                                 "eksport). Eksporter som CSV eller del opp filen.")
        names = [i.filename for i in infos]
        if "[Content_Types].xml" not in names:
            raise LedgerFormatError("filen er en zip-pakke, men ikke en Excel-arbeidsbok (delen "
                                    "«[Content_Types].xml» mangler). Er den omdøpt fra en annen filtype?",
                                    where=label)
        if len(set(names)) != len(names):
            raise _refuse(label, "pakken har flere deler med samme navn og er skadet eller manipulert.")
        for info in infos:
            if info.flag_bits & 0x1:
                raise LedgerFormatError(f"delen «{info.filename}» er kryptert; lagre arbeidsboken uten "
                                        "passord.", where=label)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse(label, f"delen «{info.filename}» er pakket med en metode Excel ikke bruker "
                                     f"(nr. {info.compress_type}).")
            if info.file_size > MAX_PART_BYTES:
                size = _size_text(info.file_size)
                raise _refuse(label, f"delen «{info.filename}» pakker seg ut til {size}, "
                                     f"mer enn grensen på {_size_text(MAX_PART_BYTES)}. Eksporter som CSV "
                                     "eller del opp filen.")
            if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise _refuse(label, f"delen «{info.filename}» blir {whole(ratio)} ganger større når "
                                     f"den pakkes ut (grense {MAX_RATIO}); slik ser en «zip-bombe» ut.")
        for info in infos:
            if _is_xml(info.filename) and not info.is_dir():
                try:
                    _scan_part(zf, info, label)
                except LedgerFormatError:
                    raise
                except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError from a damaged stream
                    why = ("kontrollsummen stemmer ikke" if "CRC" in str(exc)
                           else "pakkingen er ødelagt eller filen er avkortet")
                    raise LedgerFormatError(f"delen «{info.filename}» er skadet ({why}). Lagre eller "
                                            "eksporter filen på nytt.", where=label) from None


#: Suffixes openpyxl opens by name; anything else (an XLSX saved as .csv) is opened as a file object.
_OPENPYXL_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")


def open_xlsx(path: str | os.PathLike[str], *, where: str | None = None, read_only: bool = True,
              data_only: bool = True) -> Any:
    """:func:`check_xlsx`, then ``openpyxl.load_workbook`` with hardened parsers and ``keep_vba=False``.

    A workbook whose name does not end in ``.xlsx``/``.xlsm`` (an export saved as ``.csv``) is opened
    all the same. Any exception openpyxl raises for a damaged file becomes a Norwegian
    ``LedgerFormatError`` naming the file.
    """
    label = where or str(path)
    harden_openpyxl()
    check_xlsx(path, where=label)
    import openpyxl

    source: Any = path
    if Path(path).suffix.lower() not in _OPENPYXL_SUFFIXES:
        source = open(path, "rb")  # owned by the workbook's zip archive from here on
    try:
        return openpyxl.load_workbook(source, read_only=read_only, data_only=data_only, keep_vba=False,
                                      keep_links=False)
    except LedgerFormatError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise translate_error(exc, label) from None


def translate_error(exc: BaseException, where: str, row: int | None = None) -> LedgerFormatError:
    """A Norwegian :class:`LedgerFormatError` for what openpyxl or zipfile raised on a damaged file.

    The Python text is not shown (it is English and means nothing to a controller); the kind of damage
    and, where known, the row and the offending value are.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    at = f"rad {row}: " if row is not None else ""
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps what the parser raised in a ValueError
        if isinstance(cause, DefusedXmlException):
            exc = cause
            break
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, DefusedXmlException):
        return _refuse(where, f"{at}arbeidsboken inneholder XML-entiteter eller en DTD (brukes i angrep).")
    if isinstance(exc, MemoryError):
        return _refuse(where, f"{at}arbeidsboken er for stor til å leses.")
    if isinstance(exc, zipfile.BadZipFile):
        return LedgerFormatError(f"{at}arbeidsboken er skadet (zip-pakken er ødelagt eller kontrollsummen "
                                 "stemmer ikke). Lagre eller eksporter filen på nytt.", where=where)
    if isinstance(exc, ParseError):
        return LedgerFormatError(f"{at}arbeidsboken er skadet (en del er ikke gyldig XML). Åpne og lagre den "
                                 "i Excel, eller eksporter på nytt.", where=where)
    if isinstance(exc, (ValueError, TypeError, KeyError, IndexError, AttributeError)):
        found = re.search(r"'([^']{0,40})'", str(exc))
        value = f" (verdien «{found.group(1)}»)" if found else ""
        return LedgerFormatError(f"{at}arbeidsboken har en celle eller del som ikke følger Excel-formatet"
                                 f"{value}; den er skadet eller laget av et annet program. Åpne og lagre den "
                                 "i Excel som .xlsx, eller eksporter som CSV.", where=where)
    if isinstance(exc, OSError):
        return LedgerFormatError(f"{at}arbeidsboken kan ikke leses ({exc.strerror or type(exc).__name__}).",
                                 where=where)
    return LedgerFormatError(f"{at}arbeidsboken kan ikke leses (teknisk feil: {type(exc).__name__}). Lagre "
                             "den på nytt i Excel som .xlsx og prøv igjen.", where=where)


def guarded_rows(rows: Iterable[Any], *, where: str, start: int = 1) -> Iterator[Any]:
    """Rows from openpyxl's ``iter_rows``, stopped at Excel's last row and with Norwegian errors.

    ``start`` is the row number of the first row the iterator yields (openpyxl yields every row,
    empty ones too, so the count is the sheet's row number). A row past :data:`EXCEL_MAX_ROWS` (a
    row element numbered 2 000 000 000 makes openpyxl yield empty rows up to it) raises
    :class:`UnsafeFileError`; a damaged cell or part raises
    :class:`~kostra_functions.errors.LedgerFormatError` naming the row.
    """
    iterator = iter(rows)
    number = start
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except LedgerFormatError:
            raise
        except Exception as exc:  # ParseError, BadZipFile (CRC), ValueError from a bad cell
            raise translate_error(exc, where, number) from None
        if number > EXCEL_MAX_ROWS:
            raise _refuse(where, f"arket har rader etter rad {whole(EXCEL_MAX_ROWS)}, Excels siste "
                                 "rad; filen er skadet eller laget for å henge programmet.")
        yield row
        number += 1


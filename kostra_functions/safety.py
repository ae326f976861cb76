"""Guards against hostile or broken files, shared by every reader and writer (issue 8).

A ledger export comes from a file share or an e-mail; the library must never let such a file eat the
machine's memory, run for hours, read other files on the machine, or leave a half-written workbook.
This module holds the checks so that :mod:`kostra_functions.ledger`, :mod:`kostra_functions.attestation`
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

Every limit is a module constant; tests and unusual installations may change them.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from kostra_functions.errors import LedgerFormatError
from kostra_functions.formatting import whole

__all__ = [
    "EXCEL_MAX_ROWS",
    "MAX_ENTRIES",
    "MAX_PART_BYTES",
    "MAX_RATIO",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_ROWS",
    "MAX_UNPACKED_BYTES",
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


class OutputExistsError(LedgerFormatError):
    """The output file appeared while we worked (another run wrote it): nothing was written."""


class OutputLockedError(LedgerFormatError):
    """An output file that is open in another program or marked read-only; nothing was written."""


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


# ------------------------------------------------------------------------------------------ writing
def lock_files(target: str | os.PathLike[str]) -> list[Path]:
    """Owner/lock files next to ``target`` that say another program has it open."""
    t = Path(target)
    names = [f".~lock.{t.name}#", f"~${t.name}"]
    if len(t.name) > 2:
        names.append(f"~${t.name[2:]}")  # Word and older Excel drop the first two characters
    return [t.parent / n for n in dict.fromkeys(names) if (t.parent / n).exists()]


def check_output_target(target: str | os.PathLike[str]) -> None:
    """Refuse (before anything is written) a target that is a folder, open in another program (a lock
    file next to it) or read-only, or whose folder does not exist; :class:`OutputLockedError`."""
    target = Path(target)
    if target.exists() and target.is_dir():
        raise LedgerFormatError("dette er en mappe; oppgi et filnavn.", where=str(target))
    locks = lock_files(target)
    if locks:
        raise OutputLockedError(
            f"filen ser ut til å være åpen i et annet program (låsefilen «{locks[0].name}» finnes). Lukk "
            "den i Excel/LibreOffice og prøv igjen; ingenting er skrevet. Er ingen andre inne i filen, "
            "kan låsefilen slettes.", where=str(target))
    if target.exists():
        mode = target.stat().st_mode
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
            raise OutputLockedError("filen er skrivebeskyttet; ingenting er skrevet. Fjern "
                                    "skrivebeskyttelsen eller velg et annet filnavn.", where=str(target))
    parent = target.parent
    if not parent.is_dir():
        raise LedgerFormatError(f"mappen «{parent}» finnes ikke.", where=str(target))


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike[str], mode: str = "wb", *, encoding: str | None = None,
                 newline: str | None = None, exclusive: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file (in the system's temporary folder); on success it replaces ``target``
    in one step.

    The data is flushed and fsynced before the file is linked beside the target and renamed over it,
    so after a crash the target holds either the old content or the new, never a mix; on an
    exception the temporary file is removed and the target is untouched. Refuses (before writing)
    a target that is open in another program or read-only (:class:`OutputLockedError`). The new
    file keeps the old one's permission bits. ``exclusive``: create the target, never replace one
    (see :func:`publish_file`).
    """
    t = Path(target)
    check_output_target(t)
    with _staging(t, exclusive) as staged, open(staged, mode, encoding=encoding, newline=newline) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, exclusive: bool = False) -> Iterator[Path]:
    """Like :func:`atomic_write` for writers that want a path (``openpyxl``'s ``wb.save(path)``)."""
    t = Path(target)
    check_output_target(t)
    with _staging(t, exclusive) as staged:
        yield staged
        with open(staged, "rb+") as fh:
            os.fsync(fh.fileno())


@contextlib.contextmanager
def staged_write(target: str | os.PathLike[str], *, exclusive: bool = False) -> Iterator[IO[bytes]]:
    """A binary file that becomes ``target`` only when the block succeeds (like :func:`atomic_write`).

    The file is written in the system's temporary folder, so a process killed while writing
    (``kill -9``, a power cut) leaves nothing in the output folder. When it is complete and on disk
    it is linked into the target's folder under a hidden name and at once renamed over the target
    (or, with ``exclusive``, created: :func:`publish_file`); on another file system it is copied
    there first. Every failure Python sees removes what was written.
    """
    t = Path(target)
    with _staging(t, exclusive) as staged, open(staged, "w+b") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def _staging(target: Path, exclusive: bool) -> Iterator[Path]:
    """A file in the system's temporary folder that, when the block succeeds, is moved beside
    ``target`` (:func:`_move_beside`) and published as it (:func:`publish_file`); on any failure
    Python sees, nothing written is left anywhere."""
    if not os.access(target.parent, os.W_OK):
        raise LedgerFormatError(f"kan ikke skrive i mappen «{target.parent}»: du har ikke skrivetilgang.",
                                where=str(target))
    fd, name = tempfile.mkstemp(prefix=f"kostra-{target.stem[:40]}-", suffix=".tmp")
    os.close(fd)
    staged = Path(name)
    beside: Path | None = None
    try:
        yield staged
        beside = _move_beside(staged, target)
        publish_file(beside, target, exclusive=exclusive)
        with contextlib.suppress(OSError):
            staged.unlink()
    except BaseException:
        for leftover in (staged, beside):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    leftover.unlink()
        raise


def _move_beside(staged: Path, target: Path) -> Path:
    """Give the finished file a hidden name next to ``target`` (a hard link, or a copy on another
    file system); returns the new name. The caller removes the staged name after publishing, so the
    hidden name exists only for the moment between two renames."""
    for _ in range(100):
        beside = target.parent / f".{target.name}.{os.urandom(4).hex()}.tmp"
        try:
            os.link(staged, beside)
        except FileExistsError:
            continue
        except OSError:  # another file system (or no hard links): copy, then make it durable
            try:
                with open(staged, "rb") as src, open(beside, "xb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                    dst.flush()
                    os.fsync(dst.fileno())
            except FileExistsError:
                continue
            except BaseException:
                with contextlib.suppress(OSError):
                    beside.unlink()
                raise
        return beside
    raise LedgerFormatError("fant ikke et ledig navn for en midlertidig fil.", where=str(target))


def publish_file(tmp: str | os.PathLike[str], target: str | os.PathLike[str], *,
                 exclusive: bool = False) -> None:
    """Give the finished temporary file ``tmp`` (in the target's folder) the name ``target``.

    Without ``exclusive`` it replaces whatever is there in one step (``os.replace``). With
    ``exclusive`` the target is *created*, never replaced: ``os.link`` fails if the name exists,
    atomically, so of two runs writing the same new file at the same time exactly one wins and the
    other gets :class:`OutputExistsError` (a check «does it exist?» before writing cannot see the
    other run, which is still calculating). On a file system without hard links (FAT, some network
    shares) the name is reserved with ``O_CREAT | O_EXCL`` and then replaced by the finished file.
    ``tmp`` is gone afterwards in every case.
    """
    tmp, target = Path(tmp), Path(target)
    if not exclusive:
        _replace(tmp, target)
        return
    try:
        _set_new_mode(tmp)
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise _exists(target) from None
        except OSError:  # no hard links here: reserve the name exclusively, then fill it
            try:
                os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            except FileExistsError:
                raise _exists(target) from None
            _replace(tmp, target)
            return
        _fsync_dir(target.parent)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _exists(target: Path) -> OutputExistsError:
    return OutputExistsError(
        "filen ble laget av et annet program eller en annen kjøring mens denne arbeidet, så den er ikke "
        "skrevet over. Velg et annet filnavn, eller bruk --overskriv for å erstatte den.", where=str(target))


def _set_new_mode(tmp: Path) -> None:
    """The permission bits a new file gets (``mkstemp`` makes it private to its owner)."""
    with contextlib.suppress(OSError):
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _replace(tmp: Path, target: Path) -> None:
    if target.exists():
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
    else:
        _set_new_mode(tmp)
    try:
        os.replace(tmp, target)
    except PermissionError:
        raise OutputLockedError("filen kan ikke erstattes; den er trolig åpen i et annet program. Lukk den "
                                "og prøv igjen; ingenting er skrevet.", where=str(target)) from None
    except OSError as exc:
        raise LedgerFormatError(f"kan ikke skrive filen: {exc.strerror or exc}.", where=str(target)) from None
    _fsync_dir(target.parent)


#: Text that a spreadsheet would run as a formula when it starts a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_text(value: Any) -> Any:
    """A CSV cell that Excel/LibreOffice show as text, never run: ``'`` before ``= + - @`` (and tab/CR).

    Non-text values are returned unchanged; so is text that is a plain number (``-1234,50``), which
    a spreadsheet reads as that number and cannot run.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if re.fullmatch(r"[-+]?\d[\d  ]*(?:[.,]\d+)?", value):
        return value
    return "'" + value


def text_cells(cells: Iterable[Any]) -> None:
    """Make openpyxl cells holding text that starts like a formula into string cells (never formulas).

    openpyxl turns any assigned string that starts with ``=`` into a formula; here such cells get
    data type ``s`` again so the text is stored as text.
    """
    for cell in cells:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"


# -------------------------------------------------------------------------------------------- names
#: Names Windows reserves for devices, in any case and with any extension.
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                     *(f"LPT{i}" for i in range(10)), "CONIN$", "CONOUT$"}


def safe_filename(name: str, *, fallback: str = "uten_navn", max_length: int = 100) -> str:
    """A file or folder name made from free text that is safe on Windows, macOS and Linux.

    Letters are folded to ASCII (``æ`` → ``ae``, ``ø`` → ``o``, ``å`` → ``a``), anything but letters,
    digits, ``-`` and ``_`` becomes ``_``, so separators and ``..`` cannot survive; leading and
    trailing dots, spaces and underscores go; a Windows device name (``CON``, ``NUL``, ``COM1`` …)
    gets a ``_`` in front; empty gives ``fallback``.

    >>> safe_filename("../../etc/passwd"), safe_filename("Bydel Grünerløkka"), safe_filename("CON")
    ('etc_passwd', 'Bydel_Grunerlokka', '_CON')
    """
    text = str(name)
    for a, b in (("æ", "ae"), ("Æ", "Ae"), ("ø", "o"), ("Ø", "O"), ("å", "a"), ("Å", "A"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", text)
    text = re.sub(r"_+", "_", text).strip("._- ")[:max_length].strip("._- ")
    if not text:
        return fallback
    if text.upper() in WINDOWS_RESERVED:
        text = "_" + text
    return text

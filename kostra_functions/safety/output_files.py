"""Writing output files safely: a target open in another program or read-only is refused first
(:func:`check_output_target`); the file is written in the system's temporary folder and published
beside the target in one step, replacing it (:func:`atomic_write`, :func:`atomic_path`,
:func:`staged_write`) or created exclusively (:func:`publish_file`). A crash leaves the old file or
the new one, never half a file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from kostra_functions.errors import LedgerFormatError


class OutputExistsError(LedgerFormatError):
    """The output file appeared while we worked (another run wrote it): nothing was written."""


class OutputLockedError(LedgerFormatError):
    """An output file that is open in another program or marked read-only; nothing was written."""



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


"""File and folder names made from free text (a district's name) that cannot climb out of the output
folder, are no Windows device name and have no trailing dot or space (:func:`safe_filename`)."""

from __future__ import annotations

import re
import unicodedata

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

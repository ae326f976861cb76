"""The ``kostra`` command.

Each subcommand lives in its own module in :mod:`kostra_functions.commands` and exposes
``register(subparsers)``; this module only discovers them, parses the command line and turns what a
command raises into one Norwegian line on stderr:

* a :class:`~kostra_functions.errors.KostraError` (the user's mistake: a wrong code, a broken file)
  is its own message, exit code 2;
* an :class:`OSError` (a file that is not there, no access, a full disk) names the file and the
  reason in Norwegian, exit code 2;
* anything else is a bug in kostra-functions: one line saying so and how to get the details
  (``--debug``, anywhere on the command line, prints the Python traceback), exit code 2.

argparse's own messages (usage, «the following arguments are required», «invalid choice») are
English in the standard library; they are shown in Norwegian here (see :func:`_norwegian`).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import importlib
import pkgutil
import sys
import traceback
from collections.abc import Iterator, Sequence

from kostra_functions import commands
from kostra_functions.errors import KostraError

DEBUG_FLAG = "--debug"

#: argparse's English messages (Python 3.11–3.13) and what a Norwegian user reads instead.
_ARGPARSE_NORWEGIAN: dict[str, str] = {
    "usage: ": "bruk: ",
    "options": "valg",
    "positional arguments": "argumenter",
    "show this help message and exit": "vis denne hjelpen og avslutt",
    "%(prog)s: error: %(message)s\n": "%(prog)s: feil: %(message)s\n",
    "the following arguments are required: %s": "dette mangler: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ukjent valg %(value)r (velg blant %(choices)s)",
    "unrecognized arguments: %s": "ukjente argumenter: %s",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "expected one argument": "trenger én verdi",
    "expected at most one argument": "tar høyst én verdi",
    "expected at least one argument": "trenger minst én verdi",
    "invalid %(type)s value: %(value)r": "ugyldig verdi (%(type)s): %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydig valg: %(option)s kan være %(matches)s",
    "not allowed with argument %s": "kan ikke brukes sammen med %s",
    "one of the arguments %s is required": "ett av argumentene %s må være med",
    "ignored explicit argument %r": "verdien %r er ikke tillatt her",
    "unexpected option string: %s": "uventet valg: %s",
    "can't open '%(filename)s': %(error)s": "kan ikke åpne «%(filename)s»: %(error)s",
    "expected %s argument": "trenger %s verdi",
    "expected %s arguments": "trenger %s verdier",
    "show program's version number and exit": "vis versjonen og avslutt",
}
_TYPE_WORDS = {"(int)": "(heltall)", "(float)": "(tall)", "(Path)": "(sti)"}

#: What the operating system says (``errno``), in Norwegian.
_OS_REASONS: dict[int, str] = {
    errno.ENOENT: "finnes ikke",
    errno.EACCES: "du har ikke tilgang",
    errno.EPERM: "du har ikke tilgang",
    errno.EISDIR: "er en mappe, ikke en fil",
    errno.ENOTDIR: "en del av stien er ikke en mappe",
    errno.ENOSPC: "disken er full",
    errno.ENAMETOOLONG: "navnet er for langt",
    errno.EEXIST: "finnes allerede",
    errno.EROFS: "disken er skrivebeskyttet",
    errno.EBUSY: "er i bruk",
    errno.EINVAL: "ugyldig navn",
}


def _gettext(text: str) -> str:
    return _ARGPARSE_NORWEGIAN.get(text, text)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


@contextlib.contextmanager
def _norwegian() -> Iterator[None]:
    """argparse looks its messages up through ``gettext`` at the moment it prints them; answer in
    Norwegian while the ``kostra`` parser is built and used, and leave argparse as it was after."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _gettext, _ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class NorwegianArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are Norwegian and point to ``-h``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        for english, norwegian in _TYPE_WORDS.items():
            message = message.replace(english, norwegian)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: feil: {message}\nSkriv «{self.prog} -h» for hjelp.\n")


def _command_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__)
                  if not info.name.startswith("_"))  # helpers of a command, not commands themselves


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with only the command ``only`` (what ``main`` uses when
    the command line names one: importing every command's module would cost the start-up of each
    command the imports of all the others, pandas among them)."""
    with _norwegian():
        parser = NorwegianArgumentParser(
            prog="kostra",
            description="KOSTRA-funksjoner for budsjettoppfølging: koder, avviksprognoser, fullmakter, "
            "kontroller og arbeidsbøker.",
        )
        parser.add_argument(DEBUG_FLAG, action="store_true",
                            help="vis hele Python-sporingen når kostra selv feiler (for feilrapporter)")
        sub = parser.add_subparsers(dest="command", metavar="kommando",
                                    parser_class=NorwegianArgumentParser)
        sub.required = True
        for name in _command_modules():
            if only is not None and name != only:
                continue
            module = importlib.import_module(f"{commands.__name__}.{name}")
            module.register(sub)
    return parser


def os_error_text(exc: OSError) -> str:
    """A Norwegian line for an operating-system error: which file, and what is wrong with it."""
    reason = _OS_REASONS.get(exc.errno or -1) or (exc.strerror or type(exc).__name__)
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    if len(names) == 2:
        return f"«{_short(names[0])}» → «{_short(names[1])}»: {reason}."
    if names:
        return f"«{_short(names[0])}»: {reason}."
    return f"Fil- eller diskfeil: {reason}."


def _short(name: str, limit: int = 200) -> str:
    return name if len(name) <= limit else f"{name[:limit // 2]} … {name[-limit // 2:]}"


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """« Mente du X?» for the nearest of ``choices`` (case-insensitive), or an empty string."""
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=3, cutoff=0.5)
    if not close:
        return ""
    names = [f"«{by_lower[c]}»" for c in close]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " eller " + names[-1]
    return f" Mente du {listed}?"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in argv
    argv = [a for a in argv if a != DEBUG_FLAG]
    first = next((w for w in argv if not w.startswith("-")), None)
    only = first if first in _command_modules() and "-h" not in argv[:argv.index(first)] else None
    try:
        parser = build_parser(only)
        with _norwegian():
            args = parser.parse_args(argv)  # a usage error exits here (SystemExit 2), as argparse does
        return int(args.func(args) or 0)
    except KostraError as exc:
        print(f"Feil: {exc}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return 2
    except KeyboardInterrupt:
        print("Avbrutt.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"Feil: {os_error_text(exc)}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return 2
    except MemoryError:
        print("Feil: maskinen har ikke nok minne til denne jobben. Lukk andre programmer eller del opp "
              "filen.", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line, the trace only when asked for
        if debug:
            traceback.print_exc()
        print(f"Feil: en uventet programfeil i kostra ({type(exc).__name__}). Det er ikke din feil. "
              f"Kjør kommandoen på nytt med {DEBUG_FLAG} og send utskriften til den som drifter "
              "kostra-functions.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Typed errors carrying a Norwegian message for the controller.

Every failure the library can explain is a :class:`KostraError`. The message is written for a
district controller (bokmål) and names the argument, cell, file or row where it can. Each error also
says which Excel error value a face should show, so ``SUM`` over a range cannot silently skip it:

* ``#VERDI!`` / ``#VALUE!`` for input of the wrong type or format,
* ``#I/T`` / ``#N/A`` for a code that does not exist (in that year),
* ``#NUM!`` for a number outside the allowed range (period 14, a zero profile share).

The faces (xlwings, xlwings Server, the ``formulas`` engine) turn the exception into that error value
and keep the message retrievable (``KOSTRA_FEIL``, the xlwings message, the CLI's report).
"""

from __future__ import annotations

VALUE = "#VALUE!"
NA = "#N/A"
NUM = "#NUM!"
REF = "#REF!"
DIV0 = "#DIV/0!"


class KostraError(Exception):
    """Base class: a problem the user can fix, with a Norwegian message."""

    excel_error: str = VALUE

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def located(self, where: str) -> KostraError:
        """Return a copy of this error that also says where it happened (argument, cell, row)."""
        err = type(self).__new__(type(self))
        KostraError.__init__(err, self.message, where=f"{where}: {self.where}" if self.where else where)
        err.excel_error = self.excel_error
        return err


class InvalidArgumentError(KostraError):
    """An argument has the wrong type or format (text where a number belongs, a blank, …)."""

    excel_error = VALUE


class MissingArgumentError(InvalidArgumentError):
    """A required argument is empty."""


class OutOfRangeError(KostraError):
    """A number is of the right type but outside what the rule allows (period 14, share 0)."""

    excel_error = NUM


class InvalidCodeError(KostraError):
    """A KOSTRA code (function, art, …) that does not exist in the given year."""

    excel_error = NA


class InvalidAccountStringError(KostraError):
    """An account string (art/ansvar/funksjon/prosjekt) that does not follow the rule set's layout."""

    excel_error = VALUE


class LedgerFormatError(KostraError):
    """A ledger or budget export that cannot be read; names file, row and column."""

    excel_error = VALUE


class RuleSetError(KostraError):
    """A rule set (TOML) that is missing, malformed or lacks a value a rule needs."""

    excel_error = VALUE

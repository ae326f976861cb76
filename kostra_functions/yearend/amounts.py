"""What every year-end rule shares: the rule sets, the accounting year's range, and kroner handled to
the øre as :class:`~decimal.Decimal` (Kristiansands regler for årsavslutning, økonomireglementet)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from kostra_functions.authority import format_kroner
from kostra_functions.errors import InvalidArgumentError, OutOfRangeError
from kostra_functions.rulesets import RuleSet, load_ruleset

YEAREND_RULESET = "kristiansand_resultat"
CUTS_RULESET = "okonomireglement"
ORE = Decimal("0.01")
ZERO = Decimal("0.00")


def ruleset_for(ruleset: str | RuleSet | None, default: str) -> RuleSet:
    """The rule set given (a loaded one, or a name), or the ``default`` one by name."""
    if isinstance(ruleset, RuleSet):
        return ruleset
    return load_ruleset(ruleset or default)


def check_accounting_year(year: int | None, rs: RuleSet) -> None:
    """Refuse an accounting year outside the rule set's range (``arsresultat.regnskapsar``).

    The range runs from the year the regulation was adopted to the newest year with a KOSTRA code
    list plus the years of an economic plan: «23», «1899» or «2099» is a typing error, never a year
    a result is distributed for.
    """
    if year is None:
        return
    first = rs.get("arsresultat.regnskapsar.forste", None)
    if first is None:  # a rule set of its own without a range: only the plainly impossible is refused
        first, last = 1900, 9999
    else:
        from kostra_functions.codes.catalog import latest_year

        last = latest_year() + int(rs.get("arsresultat.regnskapsar.planlagte_ar", 0))
    if not int(first) <= year <= last:
        raise OutOfRangeError(
            f"Argumentet «regnskapsår» ({year}) er utenfor årene regelsettet «{rs.name}» gjelder for "
            f"({int(first)}–{last}). Skriv året med fire sifre, f.eks. {min(max(2023, int(first)), last)}."
        )


def to_ore(value: Any, arg: str) -> Decimal:
    """A kroner amount as a Decimal of whole øre; refuses amounts with a fraction of an øre.

    Float noise from Excel arithmetic (``0.1 + 0.2``) is accepted; ``100.005`` is refused.

    >>> to_ore(1234.5, "beløp")
    Decimal('1234.50')
    """
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError(f"Argumentet «{arg}» skal være et beløp i kroner, ikke «{value}».")
    else:
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise InvalidArgumentError(f"Argumentet «{arg}» er ikke et endelig tall.")
        cents = value * 100
        # Float noise grows with the amount (a SUM of øre amounts near 160 mill. kr is off by a few
        # millionths of an øre); allow it relative to the size, as Excel compares to 15 digits.
        if abs(cents - round(cents)) > max(1e-6, abs(cents) * 1e-13):
            raise InvalidArgumentError(
                f"Argumentet «{arg}» ({value}) har brøkdeler av øre; oppgi beløpet i hele øre."
            )
        number = Decimal(round(cents)) / 100
    if number != number.quantize(ORE):
        raise InvalidArgumentError(f"Argumentet «{arg}» ({number}) har brøkdeler av øre; oppgi hele øre.")
    return number.quantize(ORE)


def kroner_text(value: Decimal) -> str:
    """``value`` as Norwegian kroner text (``1 234,50 kr``) for the messages."""
    return format_kroner(float(value))



def money(value: Any, arg: str) -> Decimal:
    """An argument in kroner as whole øre: a Decimal rounded to the øre, anything else through
    :func:`to_ore`."""
    return value.quantize(ORE) if isinstance(value, Decimal) else to_ore(value, arg)


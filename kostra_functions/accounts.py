"""Account strings (kontostreng): art / ansvar / funksjon / prosjekt.

The layout comes from a rule set (``[kontostreng]`` in :mod:`kostra_functions.rulesets`); the
default follows økonomireglementet §2.1.2:

* **art** 5 digits: first digit 1 = drift (operations), 0 = investering (investment); digits 2–4 are
  the KOSTRA art (``10100`` → art ``010`` Lønn i faste stillinger; ``02000`` → investment art ``200``);
* **ansvar** 3 digits: first digit = sector; in investment every ansvar starts with 9;
* **funksjon** 3 digits: the KOSTRA function;
* **prosjekt** 5 digits: in økonomireglementet's drift, 9 = project and the second digit = sector; required in
  investment. Oslo districts (Fellesskriv 5/2022): projects starting with 2 or 3 are earmarked (øremerkede).

Written forms accepted: ``"10100.330.215.93159"`` with any of the rule set's separators, or the
parts run together (``"10100330215"``, ``"1010033021593159"``).

Uniform verbs, as in python-stdnum: :func:`compact`, :func:`parse` (raises
:class:`~kostra_functions.errors.InvalidAccountStringError` listing every problem),
:func:`problems` (the list, empty when valid), :func:`is_valid`.

>>> a = parse("10100.330.215.93159", "okonomireglement")
>>> (a.kostra_art, a.responsibility, a.function, a.project, a.account_class)
('010', '330', '215', '93159', 'drift')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kostra_functions.errors import InvalidAccountStringError
from kostra_functions.rulesets import RuleSet, load_ruleset

DRIFT = "drift"
INVESTERING = "investering"


@dataclass(frozen=True)
class AccountString:
    """A parsed, valid account string. Codes are digit strings; leading zeros are kept."""

    art: str
    responsibility: str
    function: str
    project: str | None
    account_class: str
    kostra_art: str
    sector: str
    earmarked: bool

    def __str__(self) -> str:
        parts = [self.art, self.responsibility, self.function]
        if self.project:
            parts.append(self.project)
        return ".".join(parts)


@dataclass(frozen=True)
class _Layout:
    order: tuple[str, ...]
    separators: tuple[str, ...]
    art_digits: int
    art_drift_first: str
    art_invest_first: str
    kostra_art_slice: tuple[int, int]
    resp_digits: int
    resp_sector_digit: int
    resp_invest_first: str
    func_digits: int
    proj_digits: int
    proj_required_invest: bool
    proj_drift_first: str
    earmarked_prefixes: tuple[str, ...]
    #: Derived once per rule set (a UDF parses one account string per call).
    widths: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    splitter: re.Pattern[str] | None = field(default=None, compare=False, hash=False)


_PART_NAMES = {"art": "art", "ansvar": "ansvar", "funksjon": "funksjon", "prosjekt": "prosjekt"}


@lru_cache(maxsize=32)
def _layout_for(ruleset: RuleSet) -> _Layout:
    g = ruleset.get
    layout = _Layout(
        order=tuple(g("kontostreng.rekkefolge")),
        separators=tuple(g("kontostreng.skilletegn")),
        art_digits=int(g("kontostreng.art.siffer")),
        art_drift_first=str(g("kontostreng.art.drift_forste_siffer")),
        art_invest_first=str(g("kontostreng.art.investering_forste_siffer")),
        kostra_art_slice=(int(g("kontostreng.art.kostra_art_fra")), int(g("kontostreng.art.kostra_art_til"))),
        resp_digits=int(g("kontostreng.ansvar.siffer")),
        resp_sector_digit=int(g("kontostreng.ansvar.sektor_siffer", 1)),
        resp_invest_first=str(g("kontostreng.ansvar.investering_forste_siffer", "")),
        func_digits=int(g("kontostreng.funksjon.siffer")),
        proj_digits=int(g("kontostreng.prosjekt.siffer")),
        proj_required_invest=bool(g("kontostreng.prosjekt.pakrevd_i_investering", False)),
        proj_drift_first=str(g("kontostreng.prosjekt.drift_forste_siffer", "")),
        earmarked_prefixes=tuple(str(p) for p in g("oremerking.prosjekt_prefiks", [])),
    )
    widths = {"art": layout.art_digits, "ansvar": layout.resp_digits, "funksjon": layout.func_digits,
              "prosjekt": layout.proj_digits}
    splitter = re.compile("[" + re.escape("".join(layout.separators)) + "]+")
    return _Layout(**{**layout.__dict__, "widths": widths, "splitter": splitter})


def compact(text: Any) -> str:
    """The account string as stripped text (whole numbers from Excel lose their ``.0``)."""
    if isinstance(text, float) and text == int(text):
        text = str(int(text))
    return str(text).strip() if text is not None else ""


def split(text: Any, ruleset: str | RuleSet | None = None) -> dict[str, str]:
    """The raw parts of an account string by name (not yet validated); raises if it cannot be split."""
    return _split(text, _layout_for(load_ruleset(ruleset)))


def _split(text: Any, layout: _Layout) -> dict[str, str]:
    s = compact(text)
    if not s:
        raise InvalidAccountStringError("Kontostrengen er tom.")
    widths = layout.widths
    assert layout.splitter is not None
    pieces = [p for p in layout.splitter.split(s) if p != ""]
    if len(pieces) == 1:
        run = pieces[0]
        full = sum(widths[n] for n in layout.order)
        without_last = full - widths[layout.order[-1]]
        if not run.isdigit() or len(run) not in (full, without_last):
            raise InvalidAccountStringError(
                f"Kontostrengen «{s}» kan ikke deles opp: skriv delene med skilletegn "
                f"(f.eks. 10100.330.215.93159) eller som {without_last} eller {full} sifre i rekkefølgen "
                f"{'/'.join(layout.order)}."
            )
        pieces, pos = [], 0
        for name in layout.order:
            if pos < len(run):
                pieces.append(run[pos : pos + widths[name]])
            pos += widths[name]
    if len(pieces) < len(layout.order) - 1 or len(pieces) > len(layout.order):
        raise InvalidAccountStringError(
            f"Kontostrengen «{s}» har {len(pieces)} deler; forventet {len(layout.order) - 1} eller "
            f"{len(layout.order)} ({'/'.join(layout.order)})."
        )
    return dict(zip(layout.order, pieces, strict=False))


def problems(text: Any, ruleset: str | RuleSet | None = None) -> list[str]:
    """Every problem with an account string, in Norwegian; empty when it is valid."""
    try:
        _parse(text, ruleset)
    except InvalidAccountStringError as exc:
        return list(exc.args[1]) if len(exc.args) > 1 else [exc.message]
    return []


def is_valid(text: Any, ruleset: str | RuleSet | None = None) -> bool:
    """True when the account string follows the rule set's layout."""
    return not problems(text, ruleset)


def parse(text: Any, ruleset: str | RuleSet | None = None) -> AccountString:
    """Parse and validate an account string; raises InvalidAccountStringError naming every problem."""
    return _parse(text, ruleset)


def _parse(text: Any, ruleset: str | RuleSet | None) -> AccountString:
    layout = _layout_for(load_ruleset(ruleset))
    parts = _split(text, layout)
    widths = layout.widths
    found: list[str] = []
    for name, value in parts.items():
        if not value.isdigit() or not value.isascii():
            found.append(f"{_PART_NAMES[name]} «{value}» skal bare ha sifre")
        elif len(value) != widths[name]:
            found.append(f"{_PART_NAMES[name]} «{value}» har {len(value)} sifre; skal ha {widths[name]}")
    art = parts.get("art", "")
    resp = parts.get("ansvar", "")
    func = parts.get("funksjon", "")
    proj = parts.get("prosjekt")
    account_class = ""
    if art.isdigit() and len(art) == layout.art_digits:
        if art[0] == layout.art_drift_first:
            account_class = DRIFT
        elif art[0] == layout.art_invest_first:
            account_class = INVESTERING
        else:
            found.append(
                f"art «{art}» må begynne med {layout.art_drift_first} (drift) eller "
                f"{layout.art_invest_first} (investering)"
            )
    if account_class == INVESTERING:
        if layout.resp_invest_first and resp.isdigit() and not resp.startswith(layout.resp_invest_first):
            found.append(
                f"ansvar «{resp}» må begynne med {layout.resp_invest_first} i investering (art {art})"
            )
        if layout.proj_required_invest and not proj:
            found.append("prosjekt mangler; alle investeringsposter skal ha prosjektnummer")
    if (
        account_class == DRIFT
        and proj
        and layout.proj_drift_first
        and proj.isdigit()
        and not proj.startswith(layout.proj_drift_first)
    ):
        found.append(f"prosjekt «{proj}» må begynne med {layout.proj_drift_first} i drift")
    if found:
        message = f"Kontostrengen «{compact(text)}» er ugyldig: " + "; ".join(found) + "."
        exc = InvalidAccountStringError(message)
        exc.args = (message, found)
        raise exc
    start, end = layout.kostra_art_slice
    sector = resp[layout.resp_sector_digit - 1] if layout.resp_sector_digit else ""
    earmarked = bool(proj) and proj.startswith(layout.earmarked_prefixes)  # type: ignore[union-attr]
    # Filled directly: the frozen dataclass's __init__ sets one field at a time (a UDF parses one
    # account string per call and this is a third of it).
    account = object.__new__(AccountString)
    account.__dict__.update(
        art=art,
        responsibility=resp,
        function=func,
        project=proj or None,
        account_class=account_class,
        kostra_art=art[start - 1 : end],
        sector=sector,
        earmarked=earmarked,
    )
    return account


def is_earmarked(project: str | None, ruleset: str | RuleSet | None = None) -> bool:
    """True when a project number is earmarked under the rule set (Oslo: starts with 2 or 3)."""
    if not project:
        return False
    prefixes = _layout_for(load_ruleset(ruleset)).earmarked_prefixes
    return any(str(project).strip().startswith(p) for p in prefixes)

"""A ledger's amounts written as an SSB file: kroner summed in øre per (kontoklasse, funksjon, art)
from a ledger frame (:func:`amounts_from_frame`), rounded to whole 1000 kr half away from zero
(:func:`kroner_to_thousands`), sums that round to 0 left out (:func:`records_from_amounts`), and the
file written atomically (:func:`write_ssb_file`). The rounding is explained in
:mod:`kostra_functions.ssb_file`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from kostra_functions.errors import InvalidArgumentError, LedgerFormatError
from kostra_functions.ssb_file.records import Submission, format_record


def kroner_to_thousands(kroner: float | int | Decimal) -> int:
    """Whole 1000 kr, rounded half away from zero (``1500`` → 2, ``-1500`` → -2, ``1499.99`` → 1).

    The amount is first taken to whole øre (two decimals) so a float such as ``1499.995`` is not
    rounded twice in different directions.
    """
    if isinstance(kroner, float) and (math.isnan(kroner) or math.isinf(kroner)):
        raise InvalidArgumentError(f"Beløpet «{kroner}» er ikke et tall.")
    value = Decimal(str(kroner)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int((value / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


Key = tuple[str, str, str]  # (kontoklasse name, funksjon/kapittel, art/sektor)


def records_from_amounts(
    amounts: Mapping[Key, float | int | Decimal], submission: Submission, *, in_thousands: bool = False
) -> list[str]:
    """Record texts for amounts per (``drift``/``investering``/``balanse``, funksjon, art).

    Amounts are kroner (rounded as described in the module docstring) unless ``in_thousands``.
    Lines whose rounded amount is 0 are left out; the rest are sorted by kontoklasse, funksjon, art.
    """
    out: list[tuple[tuple[str, str, str], str]] = []
    for (account_class, code, art), value in amounts.items():
        thousands = int(value) if in_thousands else kroner_to_thousands(value)
        if in_thousands and Decimal(str(value)) != thousands:
            raise InvalidArgumentError(f"Beløpet {value} på {code}/{art} er ikke et helt antall 1000 kr.")
        if thousands == 0:
            continue
        text = format_record(submission, account_class, code, art, thousands)
        out.append(((text[31], text[32:36], text[36:39]), text))
    return [text for _, text in sorted(out)]


def render_ssb_file(records: Iterable[str], newline: str = "\n") -> str:
    """The file text for record texts: one per line, each line ended by ``newline``."""
    return "".join(r + newline for r in records)


def write_ssb_file(path: str | Path, records: Iterable[str], newline: str = "\n") -> Path:
    """Write record texts to ``path`` (ASCII); returns the path."""
    target = Path(path)
    text = render_ssb_file(records, newline)
    from kostra_functions.safety import atomic_write

    try:
        data = text.encode("ascii")
        with atomic_write(target, "wb") as fh:  # never half a file at the target
            fh.write(data)
    except UnicodeEncodeError as exc:  # pragma: no cover - format_record only produces ASCII
        raise LedgerFormatError("SSB-filen kan bare inneholde ASCII-tegn.", where=str(target)) from exc
    except OSError as exc:
        raise LedgerFormatError(f"Kan ikke skrive filen: {exc.strerror}.", where=str(target)) from exc
    return target


def amounts_from_frame(
    frame: Any, *, year: int | None = None, ruleset: str | None = None
) -> dict[Key, Decimal]:
    """Kroner per (``drift``/``investering``, funksjon, KOSTRA art) from a ledger DataFrame.

    The frame needs ``funksjon`` (three digits), ``belop`` (kroner, expenses +) and either
    ``kontoklasse`` (``drift``/``investering``) with ``kostra_art`` (three digits), as
    :func:`kostra_functions.mapping.map_ledger` adds them, or the internal five-digit ``art`` of
    :func:`kostra_functions.ledger.read_ledger`; then the rule set's account-string layout
    (``[kontostreng.art]``: first digit drift/investering, digits 2–4 the KOSTRA art) gives both.
    We do not call ``map_ledger`` here on purpose: it refuses invalid codes and functions outside the
    rule set's function areas, and those are exactly what the SSB controls must *report* (010, 012, …)
    rather than stop on. ``year`` is accepted for symmetry with the mapping and not used.
    Sums are exact (in øre); a malformed value raises with its source row (``kilde_rad``).
    """
    import pandas as pd

    del year
    columns = set(getattr(frame, "columns", ()))
    if not {"kontoklasse", "kostra_art"} <= columns:
        frame = _classify_by_layout(frame, ruleset)
        columns = set(frame.columns)
    missing = [c for c in ("kontoklasse", "funksjon", "kostra_art", "belop") if c not in columns]
    if missing:
        raise LedgerFormatError(f"Hovedboken mangler kolonne(r): {', '.join(missing)}.")
    rows = (frame["kilde_rad"] if "kilde_rad" in columns
            else pd.Series(range(1, len(frame) + 1), index=frame.index))
    data = pd.DataFrame({
        "kontoklasse": frame["kontoklasse"].astype(str).str.strip().str.lower(),
        "funksjon": frame["funksjon"].astype(str).str.strip(),
        "kostra_art": frame["kostra_art"].astype(str).str.strip(),
    })
    checks = (
        ("kontoklasse", lambda v: v in ("drift", "investering"), "skal være drift eller investering"),
        ("funksjon", lambda v: len(v) == 3 and v.isascii() and v.isdigit(), "skal ha tre sifre"),
        ("kostra_art", lambda v: len(v) == 3 and v.isascii() and v.isdigit(), "skal ha tre sifre"),
    )
    for column, ok, rule in checks:
        bad = [v for v in data[column].unique() if not ok(v)]
        if bad:
            row = rows[data[column] == bad[0]].iloc[0]
            raise LedgerFormatError(f"{column} «{bad[0]}» {rule}.", where=f"rad {row}")
    amounts = pd.to_numeric(frame["belop"], errors="coerce").astype(float)
    finite = amounts.notna() & ~amounts.isin([math.inf, -math.inf])
    if not finite.all():
        row = rows[~finite].iloc[0]
        value = frame["belop"][~finite].iloc[0]
        raise LedgerFormatError(f"beløpet «{value}» er ikke et tall.", where=f"rad {row}")
    data["ore"] = (amounts * 100).round().astype("int64")
    sums = data.groupby(["kontoklasse", "funksjon", "kostra_art"], observed=True, sort=True)["ore"].sum()
    return {(str(k[0]), str(k[1]), str(k[2])): Decimal(int(v)) / 100 for k, v in sums.items()}


def _classify_by_layout(frame: Any, ruleset: str | None) -> Any:
    """Add ``kontoklasse`` and ``kostra_art`` from the internal art by the rule set's layout."""
    from kostra_functions.rulesets import DEFAULT_RULESET, load_ruleset

    if "art" not in set(getattr(frame, "columns", ())):
        raise LedgerFormatError("Hovedboken mangler kolonnen «art» (eller «kontoklasse» og «kostra_art»).")
    rs = load_ruleset(ruleset or DEFAULT_RULESET)
    drift = str(rs.get("kontostreng.art.drift_forste_siffer"))
    invest = str(rs.get("kontostreng.art.investering_forste_siffer"))
    start, end = int(rs.get("kontostreng.art.kostra_art_fra")), int(rs.get("kontostreng.art.kostra_art_til"))
    art = frame["art"].astype(str).str.strip()
    first = art.str[:1]
    bad = ~first.isin([drift, invest])
    if bad.any():
        row = (frame["kilde_rad"][bad].iloc[0] if "kilde_rad" in frame.columns
               else int(bad.to_numpy().argmax()) + 1)
        raise LedgerFormatError(
            f"art «{art[bad].iloc[0]}» må begynne med {drift} (drift) eller {invest} (investering) "
            f"(regelsett «{rs.name}»).", where=f"rad {row}")
    out = frame.copy()
    out["kontoklasse"] = first.map({drift: "drift", invest: "investering"})
    out["kostra_art"] = art.str[start - 1:end]
    return out

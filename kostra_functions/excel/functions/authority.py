"""The table's authority checks: who may decide a budget change (økonomireglementet §3.3), and
attestation, approval and payment against the authority register (økonomireglementet §4).

Thin: :mod:`kostra_functions.authority` and :mod:`kostra_functions.attestation` decide.
"""

from __future__ import annotations

from typing import Any

from kostra_functions.excel.functions.arguments import AUTH_RULESET_HELP, SIGN, answer_key
from kostra_functions.excel.spec import Arg, ExcelFunction


def kostra_fullmakt(action: str, amount: float, frame_area: str, when: Any, budget_year: int,
                    other_area: str | None, revenue_kind: str | None, actual_revenue: float | None,
                    increases_frame: bool, outside_premises: bool, answer: str | None,
                    ruleset: str | None) -> Any:
    from kostra_functions.authority import budget_authority

    key = answer_key(answer, ("organ", "tillatt", "begrunnelse", "paragraf"))
    d = budget_authority(action, amount, frame_area, when, budget_year, other_frame_area=other_area,
                         revenue_kind=revenue_kind, actual_revenue=actual_revenue,
                         increases_frame=bool(increases_frame), outside_premises=bool(outside_premises),
                         ruleset=ruleset)
    return _authority_answer(d, key)


def _authority_answer(d: Any, key: str) -> Any:
    if key == "tillatt":
        return d.allowed
    if key == "begrunnelse":
        return d.reason
    if key == "paragraf":
        return d.paragraph
    return d.body if d.allowed else "Ikke tillatt"


def kostra_fullmakt_flytting(amount: float, from_area: str, to_area: str, when: Any,
                             budget_year: int | None, answer: str | None, ruleset: str | None) -> Any:
    from kostra_functions.authority import BETWEEN_FRAME_AREAS, budget_authority, same_frame_area

    key = answer_key(answer, ("organ", "tillatt", "begrunnelse", "paragraf"))
    year = when.year if budget_year is None and hasattr(when, "year") else budget_year
    # the same area typed twice («2» and «02») is a move between responsibilities inside it
    action = "mellom_ansvar" if same_frame_area(from_area, to_area, ruleset) else BETWEEN_FRAME_AREAS
    d = budget_authority(action, amount, from_area, when, year, other_frame_area=to_area, ruleset=ruleset)
    return _authority_answer(d, key)


def _bank_columns(**given: Any) -> frozenset[str]:
    """The optional voucher columns a single-voucher call has: only those the caller filled in."""
    return frozenset(name for name, value in given.items() if value not in (None, ""))


def kostra_attestasjon(register: list[list[Any]], amount: float, responsibility: str, payee: str,
                       attested_by: str | None, approved_by: str | None, entered_by: str | None,
                       bank_approved_by: str | None, remitted_by: str | None, available: float | None,
                       ruleset: str | None) -> str:
    from kostra_functions import attestation

    header, rows, source = attestation.rows_from_range(register, "register")
    reg = attestation.register_from_rows(header, rows, source, ruleset)
    line = attestation.VoucherLine(
        voucher="", amount=amount, responsibility=responsibility, payee=payee, attested_by=attested_by,
        approved_by=approved_by, entered_by=entered_by, bank_approved_by=bank_approved_by,
        remitted_by=remitted_by, available=available,
    )
    # A blank bank argument means «not checked» (as the help says), so only filled ones are columns:
    # «registrert_av» alone is not a one-person payment, it is a payment whose approver is unknown.
    columns = _bank_columns(registrert_av=entered_by, godkjent_av=bank_approved_by, remittert_av=remitted_by)
    found = attestation.check_voucher([line], reg, ruleset, columns=columns)
    if not found:
        return "OK"
    return " | ".join(f"{v.rule} ({v.paragraph}): {v.message}" for v in found)


def kostra_fullmaktsregister(register: list[list[Any]], ruleset: str | None) -> list[list[Any]]:
    from kostra_functions import attestation

    header, rows, source = attestation.rows_from_range(register, "register")
    reg = attestation.register_from_rows(header, rows, source, ruleset)
    found = attestation.check_register(reg, ruleset)
    if not found:
        return [["OK", "", "", "Ingen brudd i fullmaktsregisteret."]]
    return [[v.rule, v.paragraph, ", ".join(v.people), v.message] for v in found]


def kostra_duplikater(vouchers: list[list[Any]], ruleset: str | None) -> list[list[Any]]:
    from kostra_functions import attestation

    header, rows, source = attestation.rows_from_range(vouchers, "bilagsliste")
    data = attestation.vouchers_from_rows(header, rows, source, ruleset)
    found = attestation.check_duplicates(data.lines, ruleset)
    by_line: dict[str, list[str]] = {}
    for v in found:  # reported at the later line (the last location)
        mark = "ADVARSEL " if v.is_warning else ""
        by_line.setdefault(v.locations[-1], []).append(f"{mark}{v.rule} ({v.paragraph}): {v.message}")
    return [[line.voucher, " | ".join(by_line.get(line.location, [])) or "OK"] for line in data.lines]


_ANSWER_BODY = "Valgfritt: organ (standard), tillatt (SANN/USANN), begrunnelse eller paragraf."
_AMOUNT_CHANGE = ("Endringens beløp i kroner, med fortegn som i regnskapet (utgift +, inntekt −). Det er "
                  "størrelsen som teller: en merinntekt på 250 000 kan skrives 250000 eller -250000.")
_AREA_FORMS = "Skriv 2, «02» eller «2 Oppvekst og kultur»."

#: This area's rows of the table, in table order.
ROWS: tuple[ExcelFunction, ...] = (
    ExcelFunction(
        name="KOSTRA_FULLMAKT",
        impl=kostra_fullmakt,
        help="Gir det laveste organet som kan vedta en budsjettendring (økonomireglementet §3.3), eller "
        "«Ikke tillatt». Flytting mellom rammeområder: KOSTRA_FULLMAKT_FLYTTING. " + SIGN,
        details="Gir det laveste organet som kan vedta en budsjettendring etter økonomireglementet §3.3 "
        "(Rådmannen, Hovedutvalget, Formannskapet eller Kommunestyret), eller «Ikke tillatt» når "
        "endringen er etter 31.12 i budsjettåret. Endringer bare kommunestyret kan gjøre (§3.3.1: sum "
        "frie disponible inntekter, finansutgifter netto, avsetninger netto, finansiering av "
        "investeringsbudsjettet) er egne handlinger. Et vedtak datert før budsjettåret får en merknad i "
        "begrunnelsen. Med «svar» får du begrunnelsen eller paragrafen. " + SIGN,
        args=(
            Arg("handling", "text",
                "Hva som vedtas, f.eks. merinntekt, mellom_ansvar, mellom_poster, omprioritering, "
                "bruk_disposisjonsfond, tilleggsbevilgning, endre_frie_inntekter, endre_finansutgifter, "
                "endre_avsetninger_netto (alle: se veiledningen)."),
            Arg("beløp", "number", _AMOUNT_CHANGE),
            Arg("rammeområde", "text",
                "Rammeområdet saken gjelder (1–9); ved flytting: området midlene tas fra. " + _AREA_FORMS
                + " 1, 7 og 8 er formannskapets områder, 9 er investering."),
            Arg("dato", "date", "Vedtaksdatoen, f.eks. 15.06.2023."),
            Arg("budsjettår", "int",
                "Året for årsbudsjettet som endres, f.eks. 2023. Vedtak etter 31.12 dette året er ikke "
                "tillatt (§3.3.6); vedtak før året begynner får en merknad."),
            Arg("annet_rammeområde", "text",
                "Valgfritt: rammeområdet midlene ender i (for bruk_disposisjonsfond: området der avsetningen "
                "ble gjort). Et annet område betyr at bare kommunestyret kan vedta. Tom = samme område.",
                optional=True),
            Arg("inntektstype", "text",
                "Valgfritt, bare for merinntekt: ordinaer (standard), prosjekt (eksterne "
                "prosjektinntekter), nav (refusjoner fra NAV), statstilskudd (øremerket, uten kommunal "
                "bevilgning) eller statstilskudd_med_bevilgning. Alle unntatt ordinaer er unntatt "
                "200 000-grensen.", optional=True),
            Arg("faktisk_inntekt", "number",
                "Valgfritt, for prosjekt/nav/statstilskudd: den faktiske inntekten i kroner. Fullmakten "
                "begrenser seg til den; et større beløp må til kommunestyret. Tom = ikke kontrollert.",
                optional=True),
            Arg("øker_ramme", "bool",
                "Valgfritt: SANN hvis endringen gjør at nettorammen overskrides (drift) eller øker et "
                "prosjekts totalbudsjett (investering); da må kommunestyret vedta. Tom = USANN.",
                optional=True, default=False),
            Arg("utenfor_premisser", "bool",
                "Valgfritt: SANN hvis tiltaket gir forpliktelser utover økonomiplanens rammer eller strider "
                "mot kommunestyrets mål og premisser (§3.3.2); da må kommunestyret vedta. Tom = USANN.",
                optional=True, default=False),
            Arg("svar", "text", _ANSWER_BODY, optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        example='=KOSTRA_FULLMAKT("merinntekt"; 200000; 2; "15.06.2023"; 2023) → "Hovedutvalget"',
    ),
    ExcelFunction(
        name="KOSTRA_FULLMAKT_FLYTTING",
        impl=kostra_fullmakt_flytting,
        help="Hvem kan vedta å flytte budsjettmidler fra ett rammeområde til et annet (økonomireglementet "
        "§3.3.1, §3.3.3 C)? Gir organet eller «Ikke tillatt». " + SIGN,
        args=(
            Arg("beløp", "number", _AMOUNT_CHANGE),
            Arg("fra_område", "text", "Rammeområdet midlene tas fra. " + _AREA_FORMS),
            Arg("til_område", "text", "Rammeområdet midlene flyttes til. " + _AREA_FORMS),
            Arg("dato", "date", "Vedtaksdatoen, f.eks. 15.06.2023."),
            Arg("budsjettår", "int", "Valgfritt: året for årsbudsjettet som endres. Tom = året i «dato».",
                optional=True),
            Arg("svar", "text", _ANSWER_BODY, optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        example='=KOSTRA_FULLMAKT_FLYTTING(500000; 2; 3; "15.06.2023") → "Kommunestyret"',
    ),
    ExcelFunction(
        name="KOSTRA_ATTESTASJON",
        impl=kostra_attestasjon,
        help="Kontrollerer ett bilag mot fullmaktsregisteret (økonomireglementet §4). Gir «OK», eller hvert "
        "brudd som «REGEL (§): forklaring», skilt med |. " + SIGN,
        args=(
            Arg("register", "table",
                "Fullmaktsregisteret som område med overskriftsrad: person, navn, stilling, roller "
                "(attestasjon, anvisning, utbetaling, bankavstemming), ansvar (330, 300-399 eller *), "
                "beløpsgrense, leder, nærstående, delegert_av."),
            Arg("beløp", "number", "Bilagets beløp i kroner: utgift positiv, kreditnota negativ."),
            Arg("ansvar", "text", "Ansvaret bilaget belastes, f.eks. 330."),
            Arg("mottaker", "text",
                "Hvem regningen er til: personens id i registeret (f.eks. reiseregning) eller "
                "leverandøren."),
            Arg("attestert_av", "text",
                "Valgfritt: personen som attesterte. Tom = ikke attestert (rapporteres som brudd).",
                optional=True),
            Arg("anvist_av", "text",
                "Valgfritt: personen som anviste. Tom = ikke anvist (rapporteres som brudd).",
                optional=True),
            Arg("registrert_av", "text",
                "Valgfritt: hvem som la inn utbetalingen i nettbanken. Tom = ikke kontrollert. To personer "
                "kontrolleres bare når både registrert_av og godkjent_av er fylt ut.", optional=True),
            Arg("godkjent_av", "text",
                "Valgfritt: hvem som godkjente utbetalingen i nettbanken. Tom = ikke kontrollert.",
                optional=True),
            Arg("remittert_av", "text", "Valgfritt: hvem som remitterte. Tom = ikke kontrollert.",
                optional=True),
            Arg("disponibelt", "number",
                "Valgfritt: disponibelt budsjett på ansvaret før bilaget, i kroner. Tom = budsjettdekning "
                "ikke kontrollert.", optional=True),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        example='=KOSTRA_ATTESTASJON(Register!A1:H40; 12500; 330; "KL"; "AB"; "AB") → '
        '"ATT-ANV-SAMME (§4.1): …"',
    ),
    ExcelFunction(
        name="KOSTRA_FULLMAKTSREGISTER",
        impl=kostra_fullmaktsregister,
        help="Kontrollerer hele fullmaktsregisteret (økonomireglementet §4): utbetaling og "
        "bankavstemming (§4.3), økonomisjef og delegering (§4.1, §4.2). Én rad per brudd, eller "
        "«OK». " + SIGN,
        args=(
            Arg("register", "table",
                "Fullmaktsregisteret med overskriftsrad: person, navn, stilling, roller, ansvar, "
                "beløpsgrense, leder, nærstående og delegert_av (hvem som ga personen myndigheten)."),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        returns="array",
        example='=KOSTRA_FULLMAKTSREGISTER(Register!A1:I20) → regel, paragraf, personer, forklaring',
    ),
    ExcelFunction(
        name="KOSTRA_DUPLIKATER",
        impl=kostra_duplikater,
        help="Finner fakturaer behandlet før (økonomireglementet §4.1): samme mottaker, beløp og "
        "fakturanummer eller KID. Nesten like gir ADVARSEL. Én rad per linje: bilag og funn. " + SIGN,
        args=(
            Arg("bilagsliste", "table",
                "Bilagslisten med overskriftsrad: bilag, beløp, ansvar, mottaker, attestert_av, anvist_av, "
                "og gjerne fakturanr, kid og dato."),
            Arg("regelsett", "text", AUTH_RULESET_HELP, optional=True),
        ),
        category="Fullmakter",
        returns="array",
        example='=KOSTRA_DUPLIKATER(Bilag!A1:N30) → bilag og «OK» eller «BILAG-DUPLIKAT (§4.1): …» per linje',
    ),
)

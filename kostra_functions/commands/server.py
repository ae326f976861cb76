"""``kostra server``: serve the KOSTRA functions to Excel on the web and on Mac (xlwings Server).

Needs the optional ``server`` extra (``pip install "kostra-functions[server]"``); nothing is
imported from it until the command runs, so the core install works without it. Listens on
127.0.0.1 by default; any other address needs ``--tillat-nettverk`` (and then, in practice, a
reverse proxy with HTTPS and authentication in front, see ``addin/server/README.md``).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from kostra_functions.errors import InvalidArgumentError


def register(sub: argparse._SubParsersAction) -> None:
    from kostra_functions.excel.server_face import DEFAULT_LOG_LEVEL, LOG_LEVELS
    from kostra_functions.excel.server_guard import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY

    p = sub.add_parser(
        "server",
        help="start xlwings Server med KOSTRA-funksjonene (Excel på nett og Mac)",
        description="Starter xlwings Server med KOSTRA-funksjonene for Excel på nett og Mac. "
        'Krever tillegget «server»: pip install "kostra-functions[server]".',
    )
    p.add_argument("--host", default="127.0.0.1", help="adressen serveren lytter på (standard: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="porten (standard: %(default)s)")
    p.add_argument("--tillat-nettverk", action="store_true",
                   help="tillat en adresse som ikke er lokal (f.eks. 0.0.0.0); krever HTTPS og "
                   "pålogging foran")
    p.add_argument("--lisens", metavar="NØKKEL",
                   help="xlwings-lisensnøkkel: «noncommercial» for offentlig virksomhet "
                   "(ellers XLWINGS_LICENSE_KEY)")
    p.add_argument("--maks-storrelse", type=int, default=DEFAULT_MAX_BODY, metavar="BYTE",
                   help="største forespørsel i byte (standard: %(default)s)")
    p.add_argument("--lesetid", type=float, default=DEFAULT_BODY_TIMEOUT, metavar="SEK",
                   help="lengste tid en klient får til å sende en forespørsel, i sekunder (standard: "
                   "%(default)s)")
    p.add_argument("--prosjektmappe", type=Path, metavar="MAPPE",
                   help="xlwings Server-prosjektmappe med .env (valgfri; se addin/server/README.md)")
    p.add_argument("--sertifikat", type=Path, metavar="FIL", help="TLS-sertifikat (PEM) for HTTPS direkte")
    p.add_argument("--nokkel", type=Path, metavar="FIL", help="privat nøkkel (PEM) til sertifikatet")
    p.add_argument("--arbeidere", type=int, default=1, metavar="N",
                   help="antall arbeidsprosesser (standard: %(default)s)")
    p.add_argument("--logg", "--logg-niva", dest="logg", default=DEFAULT_LOG_LEVEL, metavar="NIVÅ",
                   choices=sorted(LOG_LEVELS),
                   help="hvor mye serveren logger: feilsøking (hver forespørsel), info (hver beregning), "
                   "advarsel eller feil (standard: %(default)s, bare det som er galt)")
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from kostra_functions.excel.server_face import (
        ServerSetupError,
        configure_logging,
        create_app,
        require_server_extra,
    )

    if not 1 <= args.port <= 65535:
        raise InvalidArgumentError(f"Porten {args.port} er ugyldig; bruk et tall fra 1 til 65535.")
    if not is_loopback(args.host) and not args.tillat_nettverk:
        raise InvalidArgumentError(
            f"Adressen {args.host} gjør serveren tilgjengelig fra nettverket. Det krever HTTPS og pålogging "
            "foran serveren (se addin/server/README.md); start med --tillat-nettverk hvis det er på plass."
        )
    if (args.sertifikat is None) != (args.nokkel is None):
        raise InvalidArgumentError("Oppgi både --sertifikat og --nokkel for HTTPS, eller ingen av dem.")
    if args.lisens:
        os.environ["XLWINGS_LICENSE_KEY"] = args.lisens.strip()
    uvicorn_level = configure_logging(args.logg).lower()
    if not 1 <= args.arbeidere <= 64:
        raise InvalidArgumentError("--arbeidere må være mellom 1 og 64.")
    try:
        require_server_extra()
        # Build the app once here even with several workers: it reports a missing licence or a bad
        # option before any worker starts.
        app: object = create_app(max_body_bytes=args.maks_storrelse, project_dir=args.prosjektmappe,
                                 body_timeout=args.lesetid)
    except ServerSetupError as exc:
        print(f"Feil: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    if args.arbeidere > 1:  # each worker process builds its own app from the environment
        os.environ["KOSTRA_SERVER_MAX_BODY"] = str(args.maks_storrelse)
        os.environ["KOSTRA_SERVER_BODY_TIMEOUT"] = str(args.lesetid)
        if args.prosjektmappe:
            os.environ["KOSTRA_SERVER_PROJECT_DIR"] = str(args.prosjektmappe)
        app = "kostra_functions.excel.server_face:app_from_env"

    if not is_loopback(args.host) and not os.environ.get("XLWINGS_AUTH_PROVIDERS"):
        print("Advarsel: ingen pålogging er satt opp (XLWINGS_AUTH_PROVIDERS); alle som når serveren kan "
              "kalle funksjonene.", file=sys.stderr)
    scheme = "https" if args.sertifikat else "http"
    print(f"KOSTRA-funksjonene for Excel på nett/Mac: {scheme}://{args.host}:{args.port}/manifest.xml "
          "(Ctrl+C stopper)", file=sys.stderr)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=uvicorn_level,
        access_log=uvicorn_level == "debug",
        ssl_certfile=str(args.sertifikat) if args.sertifikat else None,
        ssl_keyfile=str(args.nokkel) if args.nokkel else None,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        workers=args.arbeidere if args.arbeidere > 1 else None,
        factory=args.arbeidere > 1,
    )
    return 0

"""``kostra addin``: install, update, configure and check the Excel desktop add-in (Windows).

The desktop face is xlwings' own add-in (``xlwings.xlam``, installed with ``xlwings addin install``
into Excel's XLSTART folder) plus the user's xlwings configuration file
(``%USERPROFILE%\\.xlwings\\xlwings.conf``) naming our interpreter and our UDF module:

* ``kostra addin installer`` / ``oppdater``: check the machine, run ``xlwings addin install`` (the
  add-in must match the installed xlwings version, so ``oppdater`` reinstalls it after a
  ``pip install --upgrade``) and write the configuration;
* ``kostra addin konfig``: write only the configuration (``--ark`` prints the two rows for a
  worksheet named ``xlwings.conf`` instead, which overrides the file for one workbook);
* ``kostra addin sjekk``: check the configuration and the interpreter it names; with
  ``--feilmelding "<text>"`` explain an error message Excel showed.

Off Windows nothing is installed: the commands print what they would do, and write the
configuration only to a path given with ``--til`` (which is how the tests run them).

Why a configuration *file* and not a custom add-in: a custom add-in (``xlwings quickstart --addin``)
needs its VBA project edited and its functions imported in Excel on Windows, which no command can
do for a controller; the file is plain text we can write, check and test. The config keys and the
file format are those of xlwings' VBA (``GetConfig``/``GetConfigFromFile`` in ``xlwings.bas``):
one ``"KEY","VALUE"`` line per key, read with VBA ``Input #`` in the Windows ANSI code page.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kostra_functions.safety import atomic_write

#: The Python module whose functions Excel imports (xlwings' "UDF MODULES" setting).
UDF_MODULE = "kostra_functions.excel.xlwings_udfs"
#: VBA reads xlwings.conf with ``Input #`` in the ANSI code page: cp1252 on Norwegian Windows.
CONF_ENCODING = "cp1252"
#: Office from the Microsoft Store runs sandboxed; its package folder under %LOCALAPPDATA%\Packages.
STORE_OFFICE_PACKAGE = "Microsoft.Office.Desktop_8wekyb3d8bbwe"

#: What the interpreter named in xlwings.conf must be able to do (run there, printed as JSON).
_PROBE = (
    "import json, sys\n"
    "out = {'python': sys.version.split()[0], 'executable': sys.executable}\n"
    "for mod in ('xlwings', 'kostra_functions'):\n"
    "    try:\n"
    "        out[mod] = __import__(mod).__version__\n"
    "    except Exception as exc:\n"
    "        out[mod] = None; out[mod + '_error'] = f'{type(exc).__name__}: {exc}'\n"
    "try:\n"
    "    import pythoncom, pywintypes  # noqa: F401\n"
    "    out['pywin32'] = True\n"
    "except Exception:\n"
    "    out['pywin32'] = False\n"
    "try:\n"
    f"    import {UDF_MODULE} as m\n"
    "    out['udfs'] = len(m.UDFS)\n"
    "except Exception as exc:\n"
    "    out['udfs'] = None; out['udfs_error'] = f'{type(exc).__name__}: {exc}'\n"
    "print(json.dumps(out))\n"
)

#: Known messages from Excel/xlwings (English, as the controller sees them) → Norwegian explanation.
KNOWN_ERRORS: tuple[tuple[str, str], ...] = (
    (
        "could not activate python com server",
        "Excel fikk ikke startet Python. Vanlige årsaker: (1) INTERPRETER_WIN i xlwings.conf peker på "
        "feil Python eller en som ikke finnes; (2) pywin32 mangler i den Python-tolken; (3) Python "
        "eller Office er installert fra Microsoft Store (begge kjører i en sandkasse som stopper "
        "oppstarten) – bruk Python fra python.org og Office fra office.com/Microsoft 365-portalen; "
        "(4) antivirus stopper python.exe. Kjør «kostra addin sjekk» for å finne hvilken.",
    ),
    (
        "could not load xlwings",
        "Excel fant ikke xlwings-DLL-en ved siden av Python-tolken. Tillegget og Python-pakken "
        "xlwings har ulik versjon, eller INTERPRETER_WIN peker på feil Python. Kjør «kostra addin "
        "oppdater» med samme Python som er satt i xlwings.conf.",
    ),
    (
        "xlwings version mismatch",
        "Tillegget i Excel og Python-pakken xlwings har ulik versjon. Lukk Excel og kjør «kostra "
        "addin oppdater».",
    ),
    (
        "no module named 'kostra_functions'",
        "kostra-functions er ikke installert i Python-tolken Excel bruker (INTERPRETER_WIN i "
        "xlwings.conf). Installer den der med «<tolk> -m pip install <hjulfila kostra_functions-….whl>», "
        "eller kjør «kostra addin konfig» fra riktig Python.",
    ),
    (
        "no module named 'xlwings'",
        "xlwings er ikke installert i Python-tolken Excel bruker. Kjør «kostra addin installer» fra "
        "den Python-en der kostra-functions er installert.",
    ),
    (
        "macro-enabled workbook",
        "Funksjonene kan bare importeres i en makroaktivert arbeidsbok: lagre arbeidsboka som "
        "«Excel-arbeidsbok med makroer (*.xlsm)» og trykk «Import Functions» igjen.",
    ),
    (
        "programmatic access to visual basic project is not trusted",
        "Excel må få lov til å skrive VBA-modulen med funksjonene: Fil → Alternativer → "
        "Klareringssenter → Innstillinger for klareringssenter → Makroinnstillinger → kryss av for "
        "«Klarer tilgang til objektmodellen for VBA-prosjekt».",
    ),
    (
        "python was not found",
        "Windows fant ikke Python (en snarvei til Microsoft Store svarte). Sett hele stien til "
        "python.exe i INTERPRETER_WIN: kjør «kostra addin konfig».",
    ),
)


@dataclass(frozen=True)
class Finding:
    """One result of ``kostra addin sjekk``: ``ok`` or a Norwegian description of the problem."""

    ok: bool
    text: str

    def __str__(self) -> str:
        return f"{'OK ' if self.ok else 'FEIL'}  {self.text}"


# ---------------------------------------------------------------------------------------------
# xlwings.conf


def default_conf_path() -> Path:
    """``%USERPROFILE%\\.xlwings\\xlwings.conf`` (what xlwings' VBA ``GetConfigFilePath`` reads)."""
    return Path(os.environ.get("USERPROFILE") or Path.home()) / ".xlwings" / "xlwings.conf"


def conf_settings(interpreter: str) -> dict[str, str]:
    """The keys we own in xlwings.conf."""
    return {"INTERPRETER_WIN": interpreter, "UDF MODULES": UDF_MODULE}


def _encode_value(key: str, value: str) -> bytes:
    if '"' in value or "\n" in value or "\r" in value:
        raise ValueError(f"Verdien for {key} («{value}») kan ikke inneholde anførselstegn eller linjeskift.")
    try:
        return f'"{key}","{value}"\r\n'.encode(CONF_ENCODING)
    except UnicodeEncodeError:
        raise ValueError(
            f"Verdien for {key} («{value}») har tegn Excel ikke kan lese fra xlwings.conf (bare "
            "vesteuropeiske tegn går). Installer Python i en mappe uten slike tegn."
        ) from None


def read_conf(path: Path) -> dict[str, str]:
    """Keys (upper case) and values of an xlwings.conf file; a missing file is empty."""
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for line in path.read_bytes().decode(CONF_ENCODING, errors="replace").splitlines():
        key, sep, value = line.partition(",")
        if sep:
            out[key.strip().strip('"').upper()] = value.strip().strip('"')
    return out


def write_conf(path: Path, settings: dict[str, str]) -> None:
    """Set ``settings`` in xlwings.conf, keeping every other line (e.g. LICENSE_KEY) byte for byte."""
    new_lines = [_encode_value(k, v) for k, v in settings.items()]
    ours = {k.upper() for k in settings}
    kept: list[bytes] = []
    if path.is_dir():
        raise ValueError(f"«{path}» er en mappe; oppgi xlwings.conf-fila.")
    if path.is_file():
        for raw in path.read_bytes().splitlines(keepends=True):
            if raw.strip() and not _CONF_LINE.match(raw.strip()):
                raise ValueError(f"«{path}» ser ikke ut som en xlwings.conf-fil (linjene skal være "
                                 '"NØKKEL","verdi"); den er ikke endret.')
            key = raw.split(b",", 1)[0].strip().strip(b'"').decode(CONF_ENCODING, errors="replace").upper()
            if raw.strip() and key not in ours:
                kept.append(raw if raw.endswith(b"\n") else raw + b"\r\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as fh:  # a temporary file that is removed on any failure
        fh.write(b"".join(kept + new_lines))


_CONF_LINE = re.compile(rb'^"[^"\r\n]*"\s*,\s*"[^"\r\n]*"$')


# ---------------------------------------------------------------------------------------------
# Checks


def explain_error(message: str) -> str | None:
    """The Norwegian explanation of a known Excel/xlwings error message, or ``None``."""
    low = message.lower()
    for needle, text in KNOWN_ERRORS:
        if needle in low:
            return text
    return None


def is_windows(platform: str | None = None) -> bool:
    return (platform or sys.platform).startswith("win")


def store_office_installed(localappdata: str | None = None) -> bool:
    """True when Office from the Microsoft Store (sandboxed) is installed for this user."""
    base = localappdata if localappdata is not None else os.environ.get("LOCALAPPDATA", "")
    return bool(base) and (Path(base) / "Packages" / STORE_OFFICE_PACKAGE).is_dir()


def probe_interpreter(interpreter: str, timeout: float = 120) -> dict[str, object]:
    """Run :data:`_PROBE` in ``interpreter``; raises ``OSError``/``RuntimeError`` with a Norwegian text."""
    if not Path(interpreter).is_file():
        raise OSError(f"Fant ikke Python-tolken «{interpreter}».")
    try:
        done = subprocess.run(
            [interpreter, "-c", _PROBE], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"Python-tolken «{interpreter}» svarte ikke innen {timeout:g} sekunder.") from None
    except OSError as exc:
        raise OSError(f"Kunne ikke starte Python-tolken «{interpreter}»: {exc.strerror or exc}.") from None
    lines = done.stdout.strip().splitlines()
    try:
        return dict(json.loads(lines[-1]))
    except (IndexError, ValueError):
        detail = (done.stderr.strip().splitlines() or ["ingen melding"])[-1]
        raise RuntimeError(f"«{interpreter}» er ikke en Python som virker ({detail}).") from None


def check(conf_path: Path, *, platform: str | None = None, localappdata: str | None = None,
          current_xlwings: str | None = None) -> list[Finding]:
    """Check the machine, the configuration and the interpreter it names (no changes made)."""
    findings: list[Finding] = []
    windows = is_windows(platform)
    if windows:
        findings.append(Finding(True, "Windows: skrivebordstillegget kan brukes."))
        if store_office_installed(localappdata):
            findings.append(Finding(False, (
                "Office er installert fra Microsoft Store. Den utgaven kjører i en sandkasse og kan "
                "ikke starte Python («Could not activate Python COM server»). Be IT installere "
                "Office fra Microsoft 365-portalen (Klikk-og-kjør) i stedet."
            )))
    else:
        findings.append(Finding(False, (
            "Dette er ikke Windows: skrivebordstillegget (xlwings) virker bare i Excel for Windows. "
            "I Excel på nett og på Mac brukes KOSTRA-funksjonene gjennom xlwings Server (kostra server)."
        )))
    # Off Windows «kostra addin konfig» writes nothing unless given --til: say where it helps.
    where = "" if windows else (" på Windows-maskinen (her skriver den bare til en fil du oppgir med "
                                "--til FIL)")
    conf = read_conf(conf_path)
    if not conf:
        findings.append(Finding(False, f"Fant ingen xlwings-innstillinger i {conf_path}: "
                                       f"kjør «kostra addin konfig»{where}."))
        return findings
    findings.append(Finding(True, f"Innstillinger lest fra {conf_path}."))
    modules = [m.strip() for m in conf.get("UDF MODULES", "").split(";") if m.strip()]
    if UDF_MODULE in modules:
        findings.append(Finding(True, f"UDF MODULES inneholder {UDF_MODULE}."))
    else:
        findings.append(Finding(False, f"UDF MODULES inneholder ikke {UDF_MODULE}: "
                                       f"kjør «kostra addin konfig»{where}."))
    interpreter = conf.get("INTERPRETER_WIN") or conf.get("INTERPRETER", "")
    if not interpreter:
        findings.append(Finding(False, "INTERPRETER_WIN mangler: Excel vil lete etter «pythonw» i PATH. "
                                       f"Kjør «kostra addin konfig»{where}."))
        return findings
    if windows and "\\windowsapps\\" in interpreter.lower():
        findings.append(Finding(False, (
            f"INTERPRETER_WIN («{interpreter}») er Python fra Microsoft Store. Den kjører i en sandkasse "
            "og gir «Could not activate Python COM server». Installer Python fra python.org."
        )))
    try:
        info = probe_interpreter(interpreter)
    except (OSError, RuntimeError) as exc:
        findings.append(Finding(False, f"{exc} Rett INTERPRETER_WIN med «kostra addin konfig --tolk <sti>»"
                                       f"{where}."))
        return findings
    findings.append(Finding(True, f"Python {info.get('python')} i «{interpreter}» starter."))
    for package, name in (("xlwings", "xlwings"), ("kostra_functions", "kostra-functions")):
        if info.get(package):
            findings.append(Finding(True, f"{name} {info[package]} er installert der."))
        else:
            findings.append(Finding(False, (
                f"{name} mangler i «{interpreter}» ({info.get(package + '_error')}). Installer med "
                f"«\"{interpreter}\" -m pip install kostra_functions-<versjon>-py3-none-any.whl» (hjulfila "
                "fra den som drifter kostra-functions; se brukerveiledningen, «Installere»)."
            )))
    if info.get("kostra_functions") and info.get("udfs") is None:
        findings.append(Finding(False, f"Funksjonsmodulen kan ikke lastes: {info.get('udfs_error')}."))
    elif info.get("udfs") is not None:
        findings.append(Finding(True, f"{info['udfs']} KOSTRA-funksjoner kan importeres i Excel."))
    current = current_xlwings or _xlwings_version()
    if info.get("xlwings") and current and info["xlwings"] != current:
        findings.append(Finding(False, (
            f"xlwings {info['xlwings']} i Excels Python, men tillegget ble installert fra xlwings {current}. "
            "Kjør «kostra addin oppdater» fra samme Python som INTERPRETER_WIN."
        )))
    if windows:
        if info.get("pywin32"):
            findings.append(Finding(True, "pywin32 er installert (Excel kan starte Python)."))
        else:
            findings.append(Finding(False, (
                "pywin32 mangler i Excels Python: Excel kan ikke starte Python («Could not activate "
                f"Python COM server»). Kjør «\"{interpreter}\" -m pip install pywin32»."
            )))
        findings.extend(_check_dll(interpreter, str(info.get("xlwings") or "")))
    return findings


def _check_dll(interpreter: str, version: str) -> list[Finding]:
    folders = [Path(interpreter).parent, Path(interpreter).parent.parent]  # as xlwings.bas looks
    names = [f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"]
    if any((folder / name).is_file() for folder in folders for name in names):
        return [Finding(True, f"xlwings-DLL {version} ligger ved siden av Python.")]
    return [Finding(False, (
        f"Fant ikke xlwings64-{version}.dll ved siden av «{interpreter}». Installer xlwings på nytt "
        f"(«\"{interpreter}\" -m pip install --force-reinstall xlwings=={version}»)."
    ))]


def _xlwings_version() -> str | None:
    try:
        import xlwings

        return str(xlwings.__version__)
    except ImportError:  # pragma: no cover - xlwings is a core dependency
        return None


# ---------------------------------------------------------------------------------------------
# The command


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("addin", help="installer og sjekk Excel-tillegget (Windows)",
                       description="Excel-tillegget for Windows (xlwings).")
    actions = p.add_subparsers(dest="action", metavar="handling")
    actions.required = True
    helps = {
        "installer": "installer xlwings-tillegget og skriv innstillingene",
        "oppdater": "installer tillegget på nytt (etter at pakken er oppgradert) og skriv innstillingene",
        "konfig": "skriv bare innstillingene (Python-tolk og funksjonsmodul)",
        "sjekk": "sjekk innstillingene og Python-tolken Excel bruker",
        "vba": "skriv VBA-modulen KOSTRA.bas til tillegget KOSTRA.xlam (for IT; gir ekte feilverdier)",
    }
    for action, text in helps.items():
        ap = actions.add_parser(action, help=text, description=text)
        if action == "vba":
            ap.add_argument("--til", type=Path, metavar="FIL", default=Path("KOSTRA.bas"),
                            help="fila som skrives (standard: %(default)s)")
            ap.set_defaults(func=run)
            continue
        ap.add_argument("--til", type=Path, metavar="FIL",
                        help="xlwings.conf-fila (standard på Windows: "
                        "%%USERPROFILE%%\\.xlwings\\xlwings.conf)")
        if action != "sjekk":
            ap.add_argument("--tolk", metavar="PYTHON", default=sys.executable,
                            help="Python-tolken Excel skal bruke (standard: denne, %(default)s)")
        if action == "konfig":
            ap.add_argument("--ark", action="store_true",
                            help="vis radene for et ark «xlwings.conf» i arbeidsboka i stedet for å "
                            "skrive fila")
        if action == "sjekk":
            ap.add_argument("--feilmelding", metavar="TEKST", help="forklar en feilmelding Excel viste")
        ap.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "sjekk":
        return _run_check(args)
    if args.action == "vba":
        return _run_vba(args.til)
    if args.action == "konfig" and args.ark:
        print("Lag et ark som heter «xlwings.conf» i arbeidsboka og skriv (kolonne A, kolonne B, "
              "uten anførselstegn):")
        for key, value in conf_settings(args.tolk).items():
            print(f"  {key}\t{value}")
        print("Arket overstyrer xlwings.conf-fila for denne arbeidsboka.")
        return 0
    windows = is_windows()
    target: Path | None = args.til or (default_conf_path() if windows else None)
    if args.action in ("installer", "oppdater"):
        command = [sys.executable, "-m", "xlwings.cli", "addin", "install"]
        if not windows:
            print("Dette er ikke Windows: skrivebordstillegget (xlwings) virker bare i Excel for Windows. "
                  "I Excel på nett og på Mac: bruk xlwings Server (se «kostra server --help»).")
            print(f"På Windows ville jeg kjørt: {' '.join(command)}")
        else:
            if store_office_installed():
                print("Advarsel: Office fra Microsoft Store kan ikke starte Python. Se «kostra addin sjekk».")
            print(f"Kjører: {' '.join(command)}")
            done = subprocess.run(command, check=False)
            if done.returncode != 0:
                print("Feil: «xlwings addin install» feilet. Lukk Excel og prøv igjen.", file=sys.stderr)
                return 1
    settings = conf_settings(args.tolk)
    if target is None:
        print("Ville skrevet disse innstillingene til %USERPROFILE%\\.xlwings\\xlwings.conf "
              "(bruk --til FIL for å skrive dem):")
        for key, value in settings.items():
            print(f'  "{key}","{value}"')
        return 1
    try:
        write_conf(target, settings)
    except (ValueError, OSError) as exc:
        print(f"Feil: kunne ikke skrive {target}: {exc}", file=sys.stderr)
        return 2
    print(f"Skrev innstillingene til {target}:")
    for key, value in settings.items():
        print(f'  "{key}","{value}"')
    if args.action in ("installer", "oppdater") and windows:
        print("For alle arbeidsbøker på én gang: be IT om tillegget KOSTRA.xlam eller Office-tillegget "
              "«KOSTRA-funksjoner» (addin/README.md). For å prøve i én arbeidsbok: lagre den som .xlsm, "
              "sett referanse til «xlwings» i VBA-redigeringen (Verktøy → Referanser) og trykk "
              "«Import Functions» i xlwings-fanen.")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    if args.feilmelding:
        text = explain_error(args.feilmelding)
        print(text or "Kjenner ikke denne feilmeldingen. Kjør «kostra addin sjekk» uten --feilmelding "
                      "og send resultatet til IT.")
        if text is None:
            return 1
    conf = args.til or default_conf_path()
    findings = check(conf)
    for finding in findings:
        print(finding)
    return 0 if all(f.ok for f in findings) else 1


def _run_vba(target: Path) -> int:
    from kostra_functions.excel.vba_module import MODULE_NAME, vba_module_bytes

    data = vba_module_bytes()
    try:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        print(f"Feil: kunne ikke skrive {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Skrev VBA-modulen «{MODULE_NAME}» til {target}. Importer den i KOSTRA.xlam (Alt+F11 → Fil → "
          "Importer fil), kjør makroen KostraRegistrerHjelp én gang og lagre. Se addin/README.md.")
    return 0

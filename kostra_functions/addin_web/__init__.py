"""What the Office add-in shows: manifest, task pane, icons and the custom functions' JavaScript.

xlwings Server renders ``manifest.xml`` and ``taskpane.html`` with Jinja from the templates of its
project folder before its own (``xlwings_server/templates.py``); :func:`install` puts this
package's ``templates`` first in that search, so the manifest and the task pane are ours (Norwegian,
our icon, no demo buttons), and gives the templates :class:`AddinInfo` as ``kostra``. Everything the
task pane lists comes from the one table (:data:`~kostra_functions.excel.functions.FUNCTIONS`).

The icon (``static/ikon-<size>.png``) is drawn by ``addin/lag_ikon.py``; the sizes are those the
manifest needs: 16, 32 and 80 px for the ribbon, 32 and 64 px for the add-in's own icon.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.spec import ExcelFunction

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
#: Icon sizes (px) the manifest refers to.
ICON_SIZES = (16, 32, 64, 80)
#: URL prefix of the add-in's own files.
PREFIX = "/kostra"
VERSION_PATH = f"{PREFIX}/versjon"
GUIDE_PATH = f"{PREFIX}/veiledning"
#: Where the user guide is in a source checkout (a wheel has none: then ``KOSTRA_VEILEDNING_URL``).
GUIDE_FILE = HERE.parent.parent / "docs" / "brukerveiledning.md"
GUIDE_ENV = "KOSTRA_VEILEDNING_URL"
#: The custom functions' timer (ms) and the most calls per request (Office's batching pattern).
BATCH_DELAY_MS = 20
MAX_BATCH_CLIENT = 1000
MAX_CACHE_ENTRIES = 20000
VERSION_CHECK_MS = 60_000


def excel_name(fn: ExcelFunction) -> str:
    """The name after the namespace: ``KOSTRA_NAVN`` → ``NAVN`` (the cell says ``KOSTRA.NAVN``)."""
    return fn.name.removeprefix("KOSTRA_")


def _public_text(text: str) -> str:
    """A rule set's description without references to internal source numbers."""
    return re.sub(r"\s*\((?:[^()]*\bseed\b[^()]*)\)", "", text).strip()


@dataclass
class AddinInfo:
    """The facts the manifest and the task pane show (``kostra`` in the templates)."""

    namespace: str = "KOSTRA"
    title: str = "KOSTRA-funksjoner"
    provider: str = "kostra-functions"
    description: str = (
        "Excel-funksjoner for budsjettoppfølging per KOSTRA-funksjon: funksjonsnavn og -områder, "
        "kontostrenger, avviksprognoser, fullmakts- og KOSTRA-kontroller. Skriv =KOSTRA. i en celle."
    )

    @cached_property
    def server_version(self) -> str:
        from kostra_functions import __version__

        return __version__

    @property
    def manifest_version(self) -> str:
        parts = [p for p in re.split(r"[.+-]", self.server_version) if p.isdigit()][:4]
        return ".".join(parts + ["0"] * (4 - len(parts)))

    @property
    def data_version(self) -> str:
        from kostra_functions.versioning import data_version

        return data_version()

    @property
    def code_year(self) -> int:
        from kostra_functions.codes.catalog import latest_year

        return latest_year()

    @property
    def code_years(self) -> str:
        from kostra_functions.codes.catalog import available_years

        years = sorted(available_years())
        return f"{years[0]}–{years[-1]}" if len(years) > 1 else ""

    @property
    def ruleset_name(self) -> str:
        from kostra_functions.rulesets import DEFAULT_RULESET

        return DEFAULT_RULESET

    @property
    def ruleset_description(self) -> str:
        from kostra_functions.rulesets import load_ruleset

        return _public_text(str(load_ruleset(None).get("regelsett.beskrivelse", "")))

    style_path: str = f"{PREFIX}/oppgaverute.css"

    def icon_path(self, size: int) -> str:
        return f"{PREFIX}/ikon-{size}.png"

    def icon_url(self, base_url: str, size: int) -> str:
        return f"{base_url}{self.icon_path(size)}"

    def guide_url(self, base_url: str = "") -> str:
        """``KOSTRA_VEILEDNING_URL`` (the municipality's own page), else the guide this server
        serves from a source checkout, else "" (the task pane then shows no link)."""
        configured = os.environ.get(GUIDE_ENV, "").strip()
        if configured:
            return configured
        return f"{base_url}{GUIDE_PATH}" if GUIDE_FILE.is_file() else ""

    def support_url(self, base_url: str, app_url: str) -> str:
        """The manifest's support and «learn more» link: the user guide, else the task pane (the
        manifest needs a URL there; the task pane has the help)."""
        return self.guide_url(base_url) or f"{app_url}/taskpane.html"

    @property
    def groups(self) -> list[dict[str, Any]]:
        """The table's rows by category, in table order, as the task pane lists them."""
        out: dict[str, list[dict[str, Any]]] = {}
        for fn in FUNCTIONS.values():
            args = "; ".join(a.signature for a in fn.args)
            out.setdefault(fn.category, []).append({
                "id": fn.name,
                "name": f"{self.namespace}.{excel_name(fn)}",
                "signature": f"{self.namespace}.{excel_name(fn)}({args})",
                "help": fn.help,
                "details": fn.details,
                "args": [{"name": a.name, "help": a.help, "optional": a.optional} for a in fn.args],
                "example": _officejs_example(fn.example, self.namespace),
            })
        return [{"category": c, "functions": fs} for c, fs in out.items()]


def _officejs_example(example: str, namespace: str) -> str:
    """``=KOSTRA_NAVN(202)`` → ``=KOSTRA.NAVN(202)`` (Office.js puts the namespace with a dot)."""
    return re.sub(r"\bKOSTRA_(?=[A-ZÆØÅ_]+\()", f"{namespace}.", example)


def custom_functions_js(batch_path: str, max_cache_entries: int = MAX_CACHE_ENTRIES) -> str:
    """The custom functions' JavaScript: the batching client plus one stub per table row."""
    from kostra_functions.versioning import data_version

    config = {
        "batchPath": batch_path,
        "versionPath": VERSION_PATH,
        "dataVersion": data_version(),
        "batchDelayMs": BATCH_DELAY_MS,
        "maxBatch": MAX_BATCH_CLIENT,
        "maxCacheEntries": max_cache_entries,
        "versionCheckMs": VERSION_CHECK_MS,
    }
    js = (STATIC / "custom-functions.js").read_text(encoding="utf-8")
    js = js.replace("placeholder_kostra_config", json.dumps(config))
    stubs = []
    for fn in FUNCTIONS.values():
        stubs.append(
            f"async function {fn.name}() {{\n"
            f"  return await kostraCall({json.dumps(fn.name)}, {str(fn.cached).lower()}, ...arguments);\n"
            f"}}\n"
            f'CustomFunctions.associate("{fn.name}", {fn.name});\n'
        )
    return js + "\n" + "".join(stubs)


def icon_bytes(size: int) -> bytes:
    """The PNG icon of ``size`` px (one of :data:`ICON_SIZES`)."""
    if size not in ICON_SIZES:
        raise KeyError(size)
    return (STATIC / f"ikon-{size}.png").read_bytes()


def guide_html() -> str | None:
    """The user guide (``docs/brukerveiledning.md``) as a plain HTML page, or ``None`` without it."""
    if not GUIDE_FILE.is_file():
        return None
    from kostra_functions.addin_web.guide import markdown_page

    return markdown_page(GUIDE_FILE.read_text(encoding="utf-8"), title="Brukerveiledning – KOSTRA-funksjoner")


def install(templates_module: Any) -> None:
    """Put this package's templates first in xlwings Server's Jinja search and give them ``kostra``."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    env = templates_module.env
    loader = env.loader
    ours = FileSystemLoader(str(TEMPLATES))
    if isinstance(loader, ChoiceLoader):
        if not any(getattr(x, "searchpath", None) == ours.searchpath for x in loader.loaders):
            loader.loaders.insert(0, ours)
    else:
        env.loader = ChoiceLoader([ours, loader])
    env.globals["kostra"] = AddinInfo()

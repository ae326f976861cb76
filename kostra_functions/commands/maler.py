"""``kostra maler``: list the workbook templates and build them from their sources."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("maler", help="vis og bygg arbeidsbokmalene (templates/)")
    actions = p.add_subparsers(dest="handling", metavar="handling")
    actions.required = True
    bygg = actions.add_parser("bygg", help="bygg malene (templates/*.xlsx) fra kildene i templates/src/")
    bygg.add_argument("navn", nargs="*", help="bare disse malene (standard: alle)")
    bygg.add_argument("--mappe", type=Path, help="malmappen (standard: templates/ i prosjektet)")
    bygg.set_defaults(func=run_build)
    liste = actions.add_parser("liste", help="vis malene med beskrivelse")
    liste.add_argument("--mappe", type=Path, help="malmappen (standard: templates/ i prosjektet)")
    liste.set_defaults(func=run_list)


def run_build(args: argparse.Namespace) -> int:
    from kostra_functions.engine.templates import (
        TemplateError,
        build_template,
        default_templates_dir,
        load_templates,
    )

    folder = args.mappe or default_templates_dir()
    templates = load_templates(folder)
    names = args.navn or sorted(templates)
    unknown = [n for n in names if n not in templates]
    if unknown:
        raise TemplateError(f"Ukjent mal: {', '.join(unknown)}. Finnes: {', '.join(sorted(templates))}.")
    for name in names:
        out = build_template(templates[name], Path(folder) / f"{name}.xlsx")
        print(f"Bygget {out}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    import textwrap

    from kostra_functions.engine.templates import load_templates

    for name, template in sorted(load_templates(args.mappe).items()):
        print(f"{name}: {template.title}")
        print(textwrap.indent(textwrap.fill(template.description, 96), "    "))
    return 0

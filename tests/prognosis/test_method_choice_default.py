"""The back-tested method per function is the default the prognosis workbook proposes (issue 19 item 2)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from kostra_functions.engine.template_parts import function_choice_rows
from kostra_functions.prognosis import default_method_for

RULESETS = Path(__file__).resolve().parents[2] / "kostra_functions" / "rulesets"


def _recommended_in_file() -> dict[str, str]:
    data = tomllib.loads((RULESETS / "bydel_eksempel.toml").read_text(encoding="utf-8"))
    return {code: entry["metode"] for code, entry in data["prognose"]["metode_per_funksjon"].items()}


def test_funksjonsvalg_proposes_the_back_tested_method_per_function() -> None:
    recommended = _recommended_in_file()
    rows = {r["F_Funksjon"]: r["F_Metode"] for r in function_choice_rows(2023, "bydel_eksempel")}
    # every function on the sheet that has a recommendation gets it, unless it is the general default
    # (periodisert, inherited from oslo_bydel), which is left blank so «Oppsett» applies
    for code, method in rows.items():
        expected = recommended.get(code)
        if expected is None or expected == "periodisert":
            assert method is None, (code, method)
        else:
            assert method == expected, (code, method, expected)
    assert rows["252"] == "lineær" and rows["254"] == "profil"


def test_without_recommendations_every_function_gets_the_rule_sets_default() -> None:
    assert default_method_for("252", "oslo_bydel") == "periodisert"
    assert all(r["F_Metode"] is None for r in function_choice_rows(2023, "oslo_bydel"))

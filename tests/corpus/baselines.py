"""Valid calls for functions whose documented example cannot be parsed (ranges as arguments).

Each entry is the raw argument tuple a face would pass; the corpus mutates one argument at a time.
"""

from __future__ import annotations

from typing import Any

_LEDGER_HEADER = ["Art", "Ansvar", "Funksjon", "Prosjekt", "Periode", "Beløp"]
_REGISTER = [
    ["person", "navn", "stilling", "roller", "ansvar", "beløpsgrense", "leder", "nærstående"],
    ["AB", "Anne Berg", "Enhetsleder", "attestasjon", "330", "", "CD", ""],
    ["CD", "Carl Dahl", "Bydelsdirektør", "anvisning", "300-399", "500000", "", ""],
]

BASELINES: dict[str, tuple[Any, ...]] = {
    "KOSTRA_AVVIK_TABELL": (
        [
            _LEDGER_HEADER,
            ["10100", "310", "253", "", 1, 110000.0],
            ["10100", "310", "253", "21001", 1, 5000.0],
        ],
        [
            _LEDGER_HEADER,
            ["10100", "310", "253", "", 1, 100000.0],
            ["10100", "310", "253", "21001", 1, 10000.0],
        ],
        1,
        2023,
    ),
    "KOSTRA_ATTESTASJON": (_REGISTER, 12500, "330", "LEV1", "AB", "CD"),
    "KOSTRA_FULLMAKTSREGISTER": (_REGISTER,),
    "KOSTRA_DUPLIKATER": (
        [
            ["bilag", "dato", "beløp", "ansvar", "mottaker", "attestert_av", "anvist_av", "fakturanr"],
            ["1", "05.06.2023", 12500, "330", "Meny AS", "AB", "CD", "F1"],
            ["2", "12.06.2023", 12500, "330", "Meny AS", "AB", "CD", "F1"],
        ],
    ),
    "KOSTRA_ARSAVSLUTNING": (
        [["enhet", "nettoresultat", "fond_før"], ["A", -300000, 100000], ["B", 100000, 0]],
        50000,
    ),
    "KOSTRA_KONTROLL_TABELL": (
        [
            ["kontoklasse", "funksjon", "art", "beløp"],
            ["1", "253", "010", 1200000],
            ["1", "253", "600", -200000],
        ],
        2023,
        None,
        "030105",
    ),
}

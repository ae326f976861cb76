"""The user guide (docs/brukerveiledning.md) stays true: its examples are run, its pictures exist.

The guide writes examples so that a controller can read them and this test can run them:

* In a fenced block marked ``excel``, a line ``=KOSTRA_NAVN(202; 2023) → "Grunnskole"`` is a
  formula in Norwegian Excel syntax (``;`` between arguments, decimal comma, ``SANN``/``USANN``,
  text in quotes, an empty argument for a blank) and the value the cell shows: text in quotes
  (ending in ``…`` = the text starts like this), a number in Norwegian format (``-1 200 000``,
  ``0,5``), ``SANN``/``USANN`` or an error value (``#I/T``, ``#VERDI!``, ``#NUM!``).
* A line ending in ``↓`` returns a table (spill); the expected cells are the next grid after the block.
* A *grid* is a Markdown table laid out like a sheet: the header row is an optional sheet name
  followed by column letters (``|   | A | B |``), each row starts with its row number. Formulas
  refer to grids above them (``A2:F7``, ``Register!A1:G6``) within the same ``##``/``###`` section.
  Grid cells are read like typed cells: numbers (``1 500 000``, ``-400 000``), ``SANN``/``USANN``,
  codes with a leading zero (``010``) as text, anything else as text, an empty cell as blank.

``python -m tests.test_docs`` prints every example with what the table returns (for writing the guide).
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kostra_functions.excel.convert import ERROR_CODES, ExcelError
from kostra_functions.excel.functions import FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "brukerveiledning.md"
PICTURES = ROOT / "docs" / "bilder"
MAX_PICTURE_BYTES = 200 * 1024

_NORWEGIAN_ERRORS = {v: k for k, v in ERROR_CODES.items()}
_COLUMN = re.compile(r"^[A-Z]{1,2}$")
_NUMBER = re.compile(r"^[-−]?(?:\d{1,3}(?:[  ]\d{3})+|\d+)(?:,\d+)?$")
_REF = re.compile(r"^(?:(?P<sheet>[A-Za-zÆØÅæøå_][\wÆØÅæøå]*)!)?(?P<c1>[A-Z]{1,2})(?P<r1>\d+)"
                  r"(?::(?P<c2>[A-Z]{1,2})(?P<r2>\d+))?$")
_FORMULA = re.compile(r"^=(?P<name>KOSTRA_[A-ZÆØÅ_]+)\((?P<args>.*)\)$")


# ------------------------------------------------------------------------------------------ parsing
@dataclass
class Grid:
    sheet: str
    cells: dict[tuple[int, int], str]
    line: int

    def value(self, row: int, col: int) -> Any:
        return cell_value(self.cells.get((row, col), ""))

    def rows(self) -> list[list[str]]:
        rmin, rmax = min(r for r, _ in self.cells), max(r for r, _ in self.cells)
        cmin, cmax = min(c for _, c in self.cells), max(c for _, c in self.cells)
        return [[self.cells.get((r, c), "") for c in range(cmin, cmax + 1)] for r in range(rmin, rmax + 1)]


@dataclass
class Example:
    line: int
    formula: str
    expected: str | None  # the text after →; None for ↓ (a table)
    grids: dict[str, Grid]
    spill: Grid | None = None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        m = _FORMULA.match(self.formula)
        self.name = m.group("name") if m else ""


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _split_row(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip() for c in inner.split("|")]


def _grid_from_table(lines: list[str], start: int) -> Grid | None:
    header = _split_row(lines[0])
    if len(header) < 2 or not all(_COLUMN.match(h) for h in header[1:]):
        return None
    cols = [column_number(h) for h in header[1:]]
    cells: dict[tuple[int, int], str] = {}
    for raw in lines[2:]:
        row = _split_row(raw)
        if not row[0].isdigit():
            return None
        for col, text in zip(cols, row[1:], strict=False):
            cells[(int(row[0]), col)] = text
    return Grid(sheet=header[0], cells=cells, line=start)


def parse_guide(text: str) -> tuple[list[Example], list[Grid]]:
    """Every example (formula + expected) with the grids it can refer to, and all grids."""
    lines = text.splitlines()
    examples: list[Example] = []
    all_grids: list[Grid] = []
    grids: dict[str, Grid] = {}
    waiting: list[Example] = []  # ↓ examples waiting for their spill grid
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^#{1,3} ", line):
            grids = {}
        fence = re.match(r"^\s*```\s*(\w*)", line)
        if fence:
            lang = fence.group(1)
            i += 1
            while i < len(lines) and not re.match(r"^\s*```", lines[i]):
                body = lines[i].strip()
                if lang == "excel" and body.startswith("="):
                    if "→" in body:
                        formula, expected = (s.strip() for s in body.split("→", 1))
                        examples.append(Example(i + 1, formula, expected, dict(grids)))
                    elif body.endswith("↓"):
                        ex = Example(i + 1, body[:-1].strip(), None, dict(grids))
                        examples.append(ex)
                        waiting.append(ex)
                i += 1
            i += 1
            continue
        is_table = i + 1 < len(lines) and re.match(r"^\s*\|[\s:|-]+\|\s*$", lines[i + 1])
        if line.lstrip().startswith("|") and is_table:
            start = i
            table = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                table.append(lines[i])
                i += 1
            grid = _grid_from_table(table, start + 1)
            if grid is not None:
                all_grids.append(grid)
                if waiting:
                    waiting.pop(0).spill = grid
                else:
                    grids[grid.sheet] = grid
            continue
        i += 1
    return examples, all_grids


def cell_value(text: str) -> Any:
    """A grid cell as Excel would hold it after typing ``text``."""
    t = text.strip()
    if t == "":
        return None
    if t in ("SANN", "USANN"):
        return t == "SANN"
    if re.fullmatch(r"0\d+", t):
        return t  # a code with a leading zero, typed as text
    if _NUMBER.match(t):
        return float(t.replace(" ", "").replace(" ", "").replace("−", "-").replace(",", "."))
    return t


def _split_args(text: str) -> list[str]:
    args, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    args.append("".join(current).strip())
    return [] if args == [""] else args


def argument(text: str, grids: dict[str, Grid]) -> Any:
    """One argument of a formula as the add-in receives it."""
    if text == "":
        return None
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return text[1:-1].replace('""', '"')
    if text in ("SANN", "USANN"):
        return text == "SANN"
    m = _REF.match(text)
    if m:
        sheet = m.group("sheet") or ""
        if sheet not in grids:
            raise AssertionError(f"{text}: no grid for sheet «{sheet}» above the example")
        grid = grids[sheet]
        r1, c1 = int(m.group("r1")), column_number(m.group("c1"))
        if not m.group("c2"):
            return grid.value(r1, c1)
        r2, c2 = int(m.group("r2")), column_number(m.group("c2"))
        return [[grid.value(r, c) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
    if re.fullmatch(r"-?\d+(?:,\d+)?", text):
        return float(text.replace(",", "."))
    raise AssertionError(f"cannot read the argument «{text}»")


def evaluate(example: Example) -> Any:
    m = _FORMULA.match(example.formula)
    if not m:
        raise AssertionError(f"line {example.line}: «{example.formula}» is not a single KOSTRA_ call")
    name = m.group("name")
    if name not in FUNCTIONS:
        raise AssertionError(f"line {example.line}: {name} is not in the function table")
    args = [argument(a, example.grids) for a in _split_args(m.group("args"))]
    return FUNCTIONS[name].call(*args)


def matches(actual: Any, expected_text: str) -> bool:
    """Does a returned value look like the expected text (as written in the guide)?"""
    t = expected_text.strip()
    if t.startswith('"') and t.endswith('"') and len(t) >= 2:
        want = t[1:-1]
        if want.endswith("…"):
            return isinstance(actual, str) and actual.startswith(want[:-1].rstrip())
        return actual == want
    if t in _NORWEGIAN_ERRORS:
        return isinstance(actual, ExcelError) and actual.code == _NORWEGIAN_ERRORS[t]
    if t in ("SANN", "USANN"):
        return actual is (t == "SANN")
    if t == "":
        return actual is None or actual == ""
    if _NUMBER.match(t):
        want_number = cell_value(t)
        return (isinstance(actual, (int, float)) and not isinstance(actual, bool)
                and abs(actual - want_number) < 0.006)
    if t.endswith("…"):
        return isinstance(actual, str) and actual.startswith(t[:-1].rstrip())
    return actual == t


def spill_mismatches(actual: Any, grid: Grid) -> list[str]:
    expected = grid.rows()
    if not isinstance(actual, list):
        return [f"expected a table, got {actual!r}"]
    problems = []
    if len(actual) != len(expected) or any(len(a) != len(expected[0]) for a in actual):
        problems.append(f"size {len(actual)}×{len(actual[0]) if actual else 0}, guide shows "
                        f"{len(expected)}×{len(expected[0])}")
    for r, (arow, erow) in enumerate(zip(actual, expected, strict=False)):
        for c, (a, e) in enumerate(zip(arow, erow, strict=False)):
            if isinstance(a, str) and a == e:
                continue  # text that looks like a number (a code such as "201")
            e_text = e if (cell_value(e) is None or isinstance(cell_value(e), (float, bool))) else f'"{e}"'
            if not matches(a, e_text):
                problems.append(f"cell ({r + 1}, {c + 1}): guide «{e}», table returns {a!r}")
    return problems


def _guide_text() -> str:
    if not GUIDE.is_file():
        pytest.fail(f"{GUIDE} is missing")
    return GUIDE.read_text(encoding="utf-8")


def _examples() -> list[Example]:
    return parse_guide(_guide_text())[0]


# ------------------------------------------------------------------------------------------- tests
def test_every_function_has_an_example_in_the_guide() -> None:
    shown = {ex.name for ex in _examples()}
    missing = sorted(set(FUNCTIONS) - shown)
    assert not missing, f"functions without a checked example in the guide: {', '.join(missing)}"


def test_every_function_is_named_in_the_function_list() -> None:
    text = _guide_text()
    missing = [name for name in FUNCTIONS if f"`{name}`" not in text]
    assert not missing, f"functions the guide never names in backticks: {', '.join(missing)}"


@pytest.mark.parametrize("example", _examples() if GUIDE.is_file() else [],
                         ids=lambda ex: f"line{ex.line}-{ex.name}")
def test_example_result_matches_the_table(example: Example) -> None:
    actual = evaluate(example)
    if example.expected is None:
        assert example.spill is not None, f"line {example.line}: ↓ but no grid after the block"
        problems = spill_mismatches(actual, example.spill)
        assert not problems, f"line {example.line} {example.formula}:\n  " + "\n  ".join(problems)
    else:
        assert matches(actual, example.expected), (
            f"line {example.line}: {example.formula} → guide says {example.expected}, "
            f"the table returns {actual!r}")


def test_the_guide_has_examples_of_both_kinds() -> None:
    examples = _examples()
    assert sum(ex.expected is None for ex in examples) >= 4  # table functions with a spill
    assert sum(ex.expected is not None for ex in examples) >= 40


def test_referenced_pictures_exist_and_are_small() -> None:
    text = _guide_text()
    referenced = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert referenced, "the guide shows no pictures"
    for ref in referenced:
        path = (GUIDE.parent / ref).resolve()
        assert path.is_file(), f"picture {ref} is referenced but missing (python docs/lag_bilder.py)"
        assert path.suffix == ".png"
        assert path.stat().st_size < MAX_PICTURE_BYTES, f"{ref} is {path.stat().st_size} bytes"
    for png in PICTURES.glob("*.png"):
        assert f"bilder/{png.name}" in referenced, f"{png.name} is in docs/bilder but not used in the guide"


def test_picture_script_makes_every_picture_the_guide_uses() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("lag_bilder", GUIDE.parent / "lag_bilder.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    made = {f"bilder/{b.navn}.png" for b in module.BILDER}
    referenced = set(re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", _guide_text()))
    assert referenced <= made, f"pictures the script does not make: {sorted(referenced - made)}"


def test_links_to_files_in_the_repository_exist() -> None:
    for target in re.findall(r"\]\(((?:\.\./|\./)?[^)#\s:]+)(?:#[^)]*)?\)", _guide_text()):
        if target.startswith("bilder/"):
            continue
        assert (GUIDE.parent / target).exists(), f"the guide links to {target}, which does not exist"


def _repository_markdown() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for folder in ("addin", "templates", "workbooks", "benchmarks", "kostra_functions"):
        files += sorted((ROOT / folder).rglob("*.md"))
    return files


def test_readme_and_docs_link_only_inside_the_repository() -> None:
    """A link in the README or any document of the repository points to a file in the repository
    that exists (or to the web, or to a heading); never to ``../shared`` or a machine path."""
    files = _repository_markdown()
    assert ROOT / "docs" / "ARCHITECTURE.md" in files
    wrong = []
    for path in files:
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
            if re.match(r"^(?:[a-z]+:|#)", target):
                continue
            resolved = (path.parent / target.split("#")[0]).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                wrong.append(f"{path.relative_to(ROOT)} → {target}")
    assert not wrong, "links outside the repository or to missing files: " + ", ".join(wrong)


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_links_within_the_guide_point_to_headings() -> None:
    text = _guide_text()
    anchors = {github_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}
    broken = [a for a in re.findall(r"\]\(#([^)]+)\)", text) if a not in anchors]
    assert not broken, f"links to headings that do not exist: {broken}"


def test_kostra_commands_in_the_guide_parse() -> None:
    """Every ``kostra …`` line in a code block is a valid command line (names and options)."""
    from kostra_functions.cli import build_parser

    parser = build_parser()
    in_block, lang = False, ""
    checked = 0
    for line in _guide_text().splitlines():
        fence = re.match(r"^\s*```\s*(\w*)", line)
        if fence:
            in_block, lang = (not in_block), fence.group(1)
            continue
        if not in_block or lang == "excel":
            continue
        words = shlex.split(line, comments=True)
        if not words or words[0] != "kostra":
            continue
        try:
            parser.parse_args(words[1:])
        except SystemExit as exc:
            pytest.fail(f"the guide shows «{line.strip()}», which the kostra command rejects ({exc.code})")
        checked += 1
    assert checked >= 10


if __name__ == "__main__":  # print every example with what the table returns
    for ex in _examples():
        result = evaluate(ex)
        if ex.expected is None:
            problems = spill_mismatches(result, ex.spill) if ex.spill else ["no grid"]
            print(f"{ex.line:5} {'OK ' if not problems else 'BAD'} {ex.formula} ↓")
            if problems:
                for row in result if isinstance(result, list) else [result]:
                    print("        ", row)
                for p in problems[:10]:
                    print("         !", p)
        else:
            ok = matches(result, ex.expected)
            print(f"{ex.line:5} {'OK ' if ok else 'BAD'} {ex.formula} → {ex.expected}"
                  + ("" if ok else f"\n         table: {result!r}"))

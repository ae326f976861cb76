"""The import contract of ``kostra_functions``, checked on every module's source.

The package has two layers:

* **Faces** present the library to a user or another program: ``kostra_functions.excel``
  (the Excel function table, argument conversion, the xlwings, VBA and xlwings Server faces, the
  result cache), ``kostra_functions.engine`` (headless recalculation, templates, publishing),
  ``kostra_functions.commands`` and ``kostra_functions.cli`` (the ``kostra`` command line),
  ``kostra_functions.reports`` (what the ``kostra`` command prints and writes: text, CSV and XLSX
  reports laid out with the workbooks' print setup from ``engine``),
  ``kostra_functions.server_batch`` and ``kostra_functions.addin_web`` (the web add-in and its HTTP
  server).
* **The library** is every other module: codes, mappings, ledgers, prognoses, controls, authority
  rules, year-end rules, and the bottom layer they share (``errors``, ``cells`` for cell values,
  amounts and dates, ``digest`` for content digests, ``formatting``, ``safety``, ``versioning``).

Rule 1: no library module imports a face module (``kostra_functions.excel``, ``.engine``,
``.commands``, ``.reports``, ``.cli``, ``.server_batch``, ``.addin_web`` or anything under them).
There are no exceptions: what the library and the faces both need (cell values, digests) lives in
the library's bottom layer and the faces import it from there.

Rule 2: no module imports an underscore-prefixed name (``_name``, not a dunder such as
``__version__``) from another module of the package, nor reaches one through a module it imported
(``pg._finite`` after ``from kostra_functions import prognosis as pg``). A name another module needs
is public, without the underscore, and has a docstring. A private module (``commands/_bilag.py``)
may be imported only by the modules of its own package.

Every import counts: module level, inside functions (lazy imports) and under ``TYPE_CHECKING``;
relative imports are resolved first.

Rule 3: no module is longer than :data:`MAX_MODULE_LINES` lines (docs/ARCHITECTURE.md, «Packages and
modules»); a module that grows past it is split by responsibility. A generated module may be exempt,
listed in :data:`EXEMPT_FROM_LENGTH` with the reason (none today).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "kostra_functions"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

FACES = (
    "kostra_functions.excel",
    "kostra_functions.engine",
    "kostra_functions.commands",
    "kostra_functions.reports",
    "kostra_functions.cli",
    "kostra_functions.server_batch",
    "kostra_functions.addin_web",
)

#: Most lines a module of the package may have (rule 3).
MAX_MODULE_LINES = 600
#: Modules exempt from rule 3, each with the reason (only generated files qualify).
EXEMPT_FROM_LENGTH: dict[str, str] = {}


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _is_face(name: str) -> bool:
    return any(_within(name, face) for face in FACES)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(module: str, path: Path) -> Iterator[tuple[int, str, str | None]]:
    """``(line, imported module, imported name or None)`` for every import in ``path``."""
    tree = _tree(path)
    package = module if _is_package(path) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                yield node.lineno, target, alias.name


def _module_attributes(module: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[int, str, str]]:
    """``(line, module, attribute)`` for every ``alias.attribute`` where ``alias`` names a module of
    the package imported in ``path`` (``import kostra_functions.x as alias``,
    ``from kostra_functions import x as alias``)."""
    tree = _tree(path)
    imported_from: dict[int, list[tuple[str, str]]] = {}
    for line, target, name in _imports(module, path):
        if name is not None:
            imported_from.setdefault(line, []).append((target, name))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in modules:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            for target, name in imported_from.get(node.lineno, ()):
                if f"{target}.{name}" in modules:
                    bound = next(a.asname or a.name for a in node.names if a.name == name)
                    aliases[bound] = f"{target}.{name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases):
            yield node.lineno, aliases[node.value.id], node.attr


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT.parent)}:{line}"


def test_the_walker_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    """The walker finds an import inside a function and resolves a relative one."""
    found = [(target, name) for _, target, name in _imports("kostra_functions.attestation.vouchers",
                                                             ROOT / "attestation" / "vouchers.py")]
    assert ("kostra_functions", "accounts") in found, "the import inside a function is seen"
    relative = tmp_path / "kostra_functions" / "engine" / "x.py"
    relative.parent.mkdir(parents=True)
    relative.write_text("def f():\n    from ..excel.convert import to_code\n    from . import _y\n")
    got = list(_imports(_module_name(relative, tmp_path / "kostra_functions"), relative))
    assert got == [(2, "kostra_functions.excel.convert", "to_code"), (3, "kostra_functions.engine", "_y")]


def test_the_library_imports_no_face() -> None:
    modules = _modules()
    assert "kostra_functions.cells" in modules and "kostra_functions.excel.convert" in modules
    wrong = []
    for module, path in modules.items():
        if _is_face(module):
            continue
        for line, target, name in _imports(module, path):
            full = f"{target}.{name}" if name else target
            if _is_face(target) or (name is not None and _is_face(full)):
                wrong.append(f"{_where(path, line)} imports {full}")
    assert not wrong, "library modules import a face:\n" + "\n".join(wrong)


def test_no_module_imports_another_modules_private_name() -> None:
    modules = _modules()
    wrong = []
    for module, path in modules.items():
        own_package = module if _is_package(path) else module.rpartition(".")[0]
        for line, target, name in _imports(module, path):
            if not _within(target, PACKAGE):
                continue
            if name is not None and f"{target}.{name}" in modules:
                target, name = f"{target}.{name}", None  # ``from package import module``
            if name is not None:
                if _is_private(name) and target != module:
                    wrong.append(f"{_where(path, line)} imports {name} from {target}")
                continue
            private = [part for part in target.split(".") if _is_private(part)]
            if private and target.rpartition(".")[0] != own_package:
                wrong.append(f"{_where(path, line)} imports the private module {target}")
        for line, target, attr in _module_attributes(module, path, modules):
            if _is_private(attr) and target != module:
                wrong.append(f"{_where(path, line)} uses {attr} of {target}")
    assert not wrong, "imports of another module's private names:\n" + "\n".join(wrong)


def test_no_module_is_longer_than_the_limit() -> None:
    """Every module of the package is at most :data:`MAX_MODULE_LINES` lines; all that are longer
    are named, so one run shows every module still to split."""
    modules = _modules()
    assert "kostra_functions.safety" in modules and "kostra_functions.codes.catalog" in modules
    unknown = sorted(set(EXEMPT_FROM_LENGTH) - set(modules))
    assert not unknown, f"EXEMPT_FROM_LENGTH names modules that do not exist: {unknown}"
    too_long = []
    for module, path in modules.items():
        if module in EXEMPT_FROM_LENGTH:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT.parent)}: {lines} lines")
    assert not too_long, (f"modules over {MAX_MODULE_LINES} lines (split them by responsibility, "
                          "docs/ARCHITECTURE.md):\n" + "\n".join(too_long))

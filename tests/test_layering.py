"""The import layering of DESIGN section 2, checked on the source with `ast`:

    flowgraph      imports none of the other packages
    hintannotator  imports flowgraph only
    timeshifter    imports flowgraph, hintannotator and rgen
    rgen           imports flowgraph only

Every `import`, `from ... import` (relative ones resolved against the
module's package) and `importlib.import_module("...")`/`__import__("...")`
with a literal name counts, wherever it appears (inside functions and
`if TYPE_CHECKING:` blocks too).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ALLOWED = {
    "flowgraph": set(),
    "hintannotator": {"flowgraph"},
    "timeshifter": {"flowgraph", "hintannotator", "rgen"},
    "rgen": {"flowgraph"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts)


def imported_names(source: str, modname: str, is_package: bool = False):
    """(lineno, absolute dotted name) for every import in `source`."""
    package = modname.split(".") if is_package else modname.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module
            else:
                base = package[:max(0, len(package) - node.level + 1)]
                yield node.lineno, ".".join(base + ([node.module] if node.module else []))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            yield node.lineno, node.args[0].value


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    named = ((isinstance(func, ast.Name) and func.id in ("__import__", "import_module"))
             or (isinstance(func, ast.Attribute) and func.attr == "import_module"))
    return (named and bool(node.args) and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str))


def violations(source: str, modname: str, filename: str = "?",
               is_package: bool = False) -> list[str]:
    """Messages for the imports of `modname` that go against the layering."""
    own = modname.split(".")[0]
    result = []
    for lineno, name in imported_names(source, modname, is_package):
        top = name.split(".")[0] if name else ""
        if top == own or top not in ALLOWED and top != "":
            continue
        if top not in ALLOWED[own]:
            allowed = ", ".join(sorted(ALLOWED[own])) or "none of the other packages"
            result.append(f"{filename}:{lineno}: {own} imports {name or '(above the root)'}; "
                          f"{own} may import {allowed}")
    return result


def package_modules():
    for package in ALLOWED:
        yield from sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", list(package_modules()),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_module_respects_layering(path):
    found = violations(path.read_text(), module_name(path), str(path),
                       path.name == "__init__.py")
    assert not found, "\n".join(found)


def test_every_package_has_modules():
    names = {module_name(p).split(".")[0] for p in package_modules()}
    assert names == set(ALLOWED)


@pytest.mark.parametrize("modname, source, bad", [
    ("flowgraph.builder", "import hintannotator\n", "hintannotator"),
    ("flowgraph.builder", "from timeshifter.core import x\n", "timeshifter.core"),
    ("flowgraph.builder", "def f():\n    import rgen.llvm\n", "rgen.llvm"),
    ("flowgraph.builder", "from ..hintannotator import hint\n", "hintannotator"),
    ("flowgraph.builder", "import importlib\nimportlib.import_module('rgen')\n", "rgen"),
    ("hintannotator.annotator", "from timeshifter import make_compiler\n", "timeshifter"),
    ("hintannotator.annotator", "import rgen\n", "rgen"),
    ("rgen.llvm.emit", "from ...hintannotator import hints\n", "hintannotator"),
    ("rgen.llvm.emit", "from hintannotator.hints import hint\n", "hintannotator.hints"),
    ("rgen.model", "__import__('timeshifter')\n", "timeshifter"),
])
def test_checker_detects_planted_import(modname, source, bad):
    found = violations(source, modname, "planted.py")
    assert len(found) == 1
    assert f"imports {bad};" in found[0]
    assert found[0].startswith("planted.py:")


@pytest.mark.parametrize("modname, source", [
    ("flowgraph.builder", "import ast, networkx\nfrom flowgraph.model import Block\n"),
    ("flowgraph.builder", "from . import model\nfrom .lltypes import Signed\n"),
    ("hintannotator.annotator", "import flowgraph\nfrom flowgraph import build_graph\n"),
    ("timeshifter.core", "import rgen, hintannotator\nfrom flowgraph.model import Block\n"),
    ("rgen.llvm.emit", "from ..model import x\nfrom . import emit\n"),
])
def test_checker_accepts_allowed_imports(modname, source):
    assert violations(source, modname) == []

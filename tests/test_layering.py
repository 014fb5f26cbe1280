"""The import layering of DESIGN section 2, checked on the source with `ast`:

    flowgraph      imports none of the other packages
    hintannotator  imports flowgraph only
    timeshifter    imports flowgraph, hintannotator and rgen
    rgen           imports flowgraph only
    timeshift      the command line and demo: may import every package, and
                   none imports it

Every `import`, `from ... import` (relative ones resolved against the
module's package) and `importlib.import_module("...")`/`__import__("...")`
with a literal name counts, wherever it appears (inside functions and
`if TYPE_CHECKING:` blocks too).

Imports are not the only way up: a lower layer (flowgraph, rgen) could call
a method of an object an upper layer hands it (a promotion site) by name.
So an attribute accessed in flowgraph or rgen code must be declared below:
by a class of flowgraph or rgen (a method, a class attribute, a slot or a
`self.x` assignment; the dispatch protocol of flowgraph/dispatch.py and
rgen/dispatch.py declares what promotion sites offer), stored by the lower
layer itself, or belong to a builtin or foreign (imported, non-project)
class.  A name defined only by classes of timeshifter or hintannotator is a
violation.
"""

import ast
import importlib
import inspect
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent

ALLOWED = {
    "flowgraph": set(),
    "hintannotator": {"flowgraph"},
    "timeshifter": {"flowgraph", "hintannotator", "rgen"},
    "rgen": {"flowgraph"},
    "timeshift": {"flowgraph", "hintannotator", "rgen", "timeshifter"},
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


# -- attributes: a lower layer uses only what the lower layers declare ----------------------

LOWER, UPPER = ("flowgraph", "rgen"), ("timeshifter", "hintannotator")


def class_attributes(tree) -> dict:
    """name -> class names, for what the classes in `tree` define: methods,
    class attributes, `__slots__` entries and `self.x = ...` in methods."""
    found: dict = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for name in _defined_by(node):
                found.setdefault(name, set()).add(node.name)
    return found


def _defined_by(cls: ast.ClassDef):
    for item in cls.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield item.name
            for sub in ast.walk(item):
                if (isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store)
                        and isinstance(sub.value, ast.Name) and sub.value.id == "self"):
                    yield sub.attr
        elif isinstance(item, ast.Assign):
            for target in item.targets:
                if isinstance(target, ast.Name):
                    yield target.id
                    if target.id == "__slots__":
                        yield from (c.value for c in ast.walk(item.value)
                                    if isinstance(c, ast.Constant) and isinstance(c.value, str))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            yield item.target.id


def _trees(packages):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path), ast.parse(path.read_text())


@cache
def upper_only() -> dict:
    """Attribute names defined by upper-layer classes and declared nowhere below."""
    upper: dict = {}
    for modname, tree in _trees(UPPER):
        for name, classes in class_attributes(tree).items():
            upper.setdefault(name, set()).update(f"{modname}.{c}" for c in classes)
    allowed = _builtin_attributes() | _foreign_attributes()
    for _, tree in _trees(LOWER):
        allowed |= set(class_attributes(tree))
        allowed |= {n.attr for n in ast.walk(tree)
                    if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)}
    return {name: classes for name, classes in upper.items() if name not in allowed}


def _builtin_attributes() -> set:
    types = (object, int, float, bool, str, bytes, list, dict, set, frozenset, tuple, type,
             BaseException, type(lambda: 0))
    return {name for t in types for name in dir(t)}


def _foreign_attributes() -> set:
    """Attributes of the classes of every non-project module the lower layers import."""
    names = set()
    for modname, tree in _trees(LOWER):
        for _, imported in imported_names(ast.unparse(tree), modname):
            if imported and imported.split(".")[0] not in ALLOWED:
                module = importlib.import_module(imported)
                objects = list(vars(module).values())
                objects += [o for m in objects if isinstance(m, ModuleType)   # from x import m
                            for o in vars(m).values()]
                names |= {a for obj in objects if isinstance(obj, type) for a in dir(obj)}
                names |= _instance_attributes(objects)
    return names


def _instance_attributes(objects) -> set:
    """What the classes among `objects` store on `self` in their methods (an
    llvmlite global's `value_type`), read from their modules' source."""
    names = set()
    for source in {inspect.getmodule(obj) for obj in objects if isinstance(obj, type)}:
        names |= _stored_on_self(source)
    return names


@cache
def _stored_on_self(module) -> frozenset:
    try:
        return frozenset(class_attributes(ast.parse(inspect.getsource(module))))
    except (OSError, TypeError):            # a compiled module: dir() saw it all
        return frozenset()


def attribute_violations(source: str, modname: str, filename: str = "?") -> list[str]:
    """Messages for attributes `modname` (of a lower layer) uses that only an
    upper layer's classes define."""
    own, forbidden = modname.split(".")[0], upper_only()
    result = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in forbidden:
            classes = ", ".join(sorted(forbidden[node.attr]))
            result.append(f"{filename}:{node.lineno}: {own} uses .{node.attr}, defined only "
                          f"by {classes}; declare it in a {own} protocol class")
    return result


def lower_modules():
    for package in LOWER:
        yield from sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", list(lower_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_lower_layer_uses_only_declared_attributes(path):
    found = attribute_violations(path.read_text(), module_name(path), str(path))
    assert not found, "\n".join(found)


def test_attribute_checker_detects_a_planted_call():
    source = "def run(site, value):\n    return site.resume_at_site(site, value)\n"
    assert attribute_violations(source, "flowgraph.interp", "planted.py") == [
        "planted.py:2: flowgraph uses .resume_at_site, defined only by "
        "timeshifter.specializer.Specializer; declare it in a flowgraph protocol class"]
    source = "def miss(site):\n    return site.fallback_runs + site.compile_case(1)\n"
    found = attribute_violations(source, "rgen.llvm.calls", "planted.py")
    assert [m.split(",")[0] for m in found] == ["planted.py:2: rgen uses .fallback_runs",
                                                 "planted.py:2: rgen uses .compile_case"]


def test_attribute_checker_accepts_the_declared_protocol():
    source = ("def run(site, value, live):\n    site.dispatch(value, live)\n"
              "    site.native_miss(value)\n    site.native_fallback(value)\n"
              "    return site.native_values, site.native_targets, site.native_count\n")
    assert attribute_violations(source, "flowgraph.interp") == []
    assert attribute_violations(source, "rgen.llvm.calls") == []

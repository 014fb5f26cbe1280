"""The operation table drives every stage (flowgraph/operations.py):

* no module of the packages keeps its own collection of operation names (an
  ast scan for set, list, tuple or dict literals holding two or more of them);
* every row has each stage's treatment: a fold function or an explicit None
  (and a fold wherever the row is pure), an LLVM lowering or a registered
  handler, an interpreter template or `op_<name>` method, and a treatment by
  the generating extension; each completeness check names a row that loses
  its treatment.
"""

import ast
import dataclasses
from pathlib import Path

import pytest

from flowgraph.interp.emit import unrunnable_ops
from flowgraph.operations import OPS
from rgen.llvm import compiler as llvm_compiler
from timeshifter.codegen import untreated_ops

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["flowgraph", "hintannotator", "timeshifter", "rgen", "timeshift"]
TABLE = ROOT / "flowgraph" / "operations.py"


def op_name_collections(source: str) -> list[tuple[int, list[str]]]:
    """(line, names) of every literal collection holding two or more op names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        else:
            continue
        names = [e.value for e in items
                 if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in OPS]
        if len(names) >= 2:
            found.append((node.lineno, names))
    return found


def package_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != TABLE:
                yield path


@pytest.mark.parametrize("path", list(package_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_keeps_a_list_of_operations(path):
    found = op_name_collections(path.read_text())
    assert not found, "\n".join(f"{path.relative_to(ROOT)}:{line}: a collection of operation "
                                f"names {names}; derive it from the table's columns"
                                for line, names in found)


def test_the_scan_finds_a_planted_list():
    source = 'ALLOCATIONS = ("newlist", "malloc")\ndef f(op):\n    return op in {"a", "b"}\n'
    assert op_name_collections(source) == [(1, ["newlist", "malloc"])]


def test_every_row_folds_or_says_it_cannot():
    for name, desc in OPS.items():
        assert desc.fold is None or callable(desc.fold), name
        if desc.pure and desc.kind != "copy":
            assert desc.fold is not None, f"{name} is pure but has no fold function"


def test_every_row_has_each_stage():
    assert llvm_compiler.unlowered_ops() == []
    assert unrunnable_ops() == []
    assert untreated_ops() == []


def test_removing_an_llvm_handler_is_reported(monkeypatch):
    monkeypatch.delitem(llvm_compiler.HANDLERS, "getfield")
    assert llvm_compiler.unlowered_ops() == ["getfield"]


def test_removing_an_interpreter_template_is_reported(monkeypatch):
    monkeypatch.setitem(OPS, "int_add", dataclasses.replace(OPS["int_add"], py=None))
    assert unrunnable_ops() == ["int_add"]


def test_a_treatment_naming_no_helper_is_reported(monkeypatch):
    monkeypatch.setitem(OPS, "list_len", dataclasses.replace(OPS["list_len"],
                                                             ts="rt.no_such_helper(js)"))
    assert untreated_ops() == ["list_len"]

"""The programs whose generating extension and residual graphs are pinned as
golden texts (tests/test_golden.py).

Each entry builds a compiler, specialises it and returns the texts to pin:
`genext` (the generating extension's source, `comp.source`, with the
checkout's path written `<root>`) and `residual`
(the printed residual graph, with every residual function it reaches; for a
promotion, the compiled case too).
"""

from __future__ import annotations

from pathlib import Path

from examples.arith import power
from flowgraph import format_graph
from hintannotator import hint
from timeshifter import make_compiler
from timeshifter.register_machine import SQUARE, interpret


def promote_square(n: int, m: int) -> int:
    """One promotion: the case compiled for n=6 folds (k * k) to 36."""
    k = hint(n, promote=True)
    return hint(k * k, variable=True) + m


def virtual_stack(a: int, b: int) -> int:
    """A list that never escapes: the residual graph holds no list operation."""
    stack = [a]
    stack.append(b)
    stack.append(stack.pop() * 2 + stack.pop())
    return stack[-1] + len(stack)


def _power():
    comp = make_compiler(power, green=["n"])
    res = comp.specialize(5)
    assert res(3) == power(3, 5)
    return comp, [res.graph]


def _register_machine():
    comp = make_compiler(interpret, green=["bytecode"])
    res = comp.specialize(SQUARE)
    assert res(7) == interpret(SQUARE, 7)
    return comp, [res.graph]


def _promotion():
    comp = make_compiler(promote_square, promote_threshold=1)
    res = comp.specialize()
    assert res.interpret(6, 1) == promote_square(6, 1)
    return comp, [res.graph, comp.sites[0].case_for(6).graph]


def _virtual_list():
    comp = make_compiler(virtual_stack)
    res = comp.specialize()
    assert res(3, 4) == virtual_stack(3, 4)
    return comp, [res.graph]


def _quietly(comp, *greens):
    """Specialise; the containers it reports as forced are expected here."""
    import warnings

    from timeshifter import SpecializationWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecializationWarning)
        return comp.specialize(*greens)


def _table_vm():
    """Issue 24: only the growing table is a real list (one newlist), the
    stack and the slots stay virtual."""
    from examples import tablevm
    comp = make_compiler(tablevm.run, green=["code"])
    res = _quietly(comp, tablevm.SQUARES)
    assert res(10) == tablevm.run(tablevm.SQUARES, 10)
    return comp, [res.graph]


def _output_vm():
    """Issue 24: a stack VM whose output list grows: the output is real, the
    stack stays virtual (no list_pop)."""
    from examples import tablevm
    comp = make_compiler(tablevm.emit_vm, green=["code"])
    res = _quietly(comp, tablevm.COUNTDOWN)
    assert res(5) == tablevm.emit_vm(tablevm.COUNTDOWN, 5)
    return comp, [res.graph]


def _frames_vm():
    """Issue 24: a VM with a list of frames (instances with a list of slots)
    and guest calls: on a guest whose call depth at a pc never changes, the
    frames, their slots and the value stack all stay virtual."""
    from examples import tablevm
    comp = make_compiler(tablevm.frames_vm, green=["code"])
    res = comp.specialize(tablevm.CUBES)
    assert res(10) == tablevm.frames_vm(tablevm.CUBES, 10)
    return comp, [res.graph]


ROOT = str(Path(__file__).resolve().parents[2])   # the checkout: golden texts say <root>

PROGRAMS = {"power": _power, "register_machine": _register_machine,
            "promotion": _promotion, "virtual_list": _virtual_list,
            "table_vm": _table_vm, "output_vm": _output_vm, "frames_vm": _frames_vm}


def golden_texts(name: str) -> dict[str, str]:
    """The texts pinned for program `name`: {"genext": ..., "residual": ...}."""
    comp, graphs = PROGRAMS[name]()
    residual = "\n".join(format_graph(g, with_callees=True) for g in graphs)
    return {"genext": comp.source.replace(ROOT, "<root>"), "residual": residual}

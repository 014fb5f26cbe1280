"""A global merge point at the entry of the function compiled (a *portal*, as
in the 2007 design: issue 12 item 8): accepted there, in the function and in
its recursive calls; a recursion with the same green arguments becomes a
residual call, in every mode against CPython."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter
from hintannotator import HintError, annotate, hint


def run(code: str, pc: int, n: int) -> int:
    """`+` adds n, `r` adds twice the program run again on n - 1."""
    hint(None, global_merge_point=True)
    code = hint(code, deepfreeze=True)
    pc = hint(pc, concrete=True)
    acc = 0
    while pc < len(code):
        c = code[pc]
        if c == "+":
            acc += n
        elif c == "r":
            if n > 0:
                acc += run(code, 0, n - 1) * 2
            return acc
        pc += 1
    return acc


@pytest.mark.parametrize("code", ["+r+", "++r", "r", "+++"])
def test_recursion_through_the_portal_agrees_with_cpython(code):
    g = flowgraph.build_graph(run)
    native = rgen.compile_graph(g)
    res = timeshifter.make_compiler(run, green=["code", "pc"]).specialize(code, 0)
    for n in (0, 1, 5, 12):
        expected = run(code, 0, n)
        assert flowgraph.run_graph(g, code, 0, n) == native(code, 0, n) == expected
        assert res(n) == res.interpret(n) == expected


def test_the_recursive_call_is_residual():
    res = timeshifter.make_compiler(run, green=["code", "pc"]).specialize("+r+", 0)
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert ops["direct_call"] == 1 and ops["str_getitem"] == 0


def not_first(n: int) -> int:
    n += 1
    hint(None, global_merge_point=True)
    return n


def test_a_merge_point_after_the_entry_is_still_rejected():
    with pytest.raises(HintError, match="is not at the head of a loop"):
        annotate(not_first, green=[])

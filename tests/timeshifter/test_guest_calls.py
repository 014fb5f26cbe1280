"""Guest calls through the interpreter itself (issue 16 item 4):
`examples.tablevm.calls_vm` runs frames_vm's programs with each guest CALL a
call of the interpreter (its global merge point at the entry, a portal).  A
guest call to a green target compiles to a native call of the residual
function for that target; RETURN promotes nothing."""

from collections import Counter

import pytest

import flowgraph
import rgen
from examples import tablevm
from examples.tablevm import CUBES, FACTORIAL, FIB, calls_vm
from timeshifter import make_compiler


def fib(x: int) -> int:
    return x if x < 2 else fib(x - 1) + fib(x - 2)


@pytest.mark.parametrize("program, n", [(FIB, 0), (FIB, 1), (FIB, 15), (FACTORIAL, 1),
                                        (FACTORIAL, 12), (CUBES, 0), (CUBES, 9)])
def test_every_mode_agrees_with_cpython_and_frames_vm(program, n):
    want = calls_vm(program, 0, n)
    assert want == tablevm.frames_vm(program, n)
    graph = flowgraph.build_graph(calls_vm)
    assert flowgraph.run_graph(graph, program, 0, n) == rgen.compile_graph(graph)(
        program, 0, n) == want
    comp = make_compiler(calls_vm, green=["code", "pc"])
    res = comp.specialize(program, 0)
    assert res(n) == res.interpret(n) == comp(program, 0, n) == want


def test_a_guest_call_is_a_native_call_and_a_return_promotes_nothing():
    comp = make_compiler(calls_vm, green=["code", "pc"])
    res = comp.specialize(FIB, 0)
    assert res(25) == fib(25)
    assert res.op_counts() == Counter({"int_sub": 4, "direct_call": 4, "int_lt": 2,
                                       "int_add": 2})
    assert not comp.sites                   # no promotion site at all

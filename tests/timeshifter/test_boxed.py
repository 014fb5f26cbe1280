"""The boxed-value VM of examples/boxed.py (issue 12, acceptance item 1):
W_Object with W_Int and W_List subclasses overriding add, sub, is_true,
getitem and length; each method call on a value after promoting its class.
Its results and errors equal CPython's in every mode, and the residual loop
of an integer sum holds no allocation, no call and no field operation."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter
from examples.boxed import SUM_LIST, SUM_TO_N, run


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:                # the same type and message in every mode
        return (type(exc), str(exc))


CASES = [(SUM_TO_N, 10, []), (SUM_TO_N, 1, []), (SUM_TO_N, 1000, []),
         (SUM_LIST, 0, [3, 4, 5]), (SUM_LIST, 0, [7]),
         ("X1+R", 0, [1]),              # a list plus an int: TypeError
         ("5XG R", 0, [1]),             # indexing an int: TypeError
         ("X9GR", 0, [1, 2]),           # an index out of range: IndexError
         ("XNR", 0, [4, 5, 6]), ("5J", 0, [])]


@pytest.mark.parametrize("program, n, xs", CASES)
def test_every_mode_agrees_with_cpython(program, n, xs):
    graph = flowgraph.build_graph(run)
    comp = timeshifter.make_compiler(run, green=["code"])
    res = comp.specialize(program)
    want = outcome(run, program, n, list(xs))
    assert outcome(flowgraph.run_graph, graph, program, n, list(xs)) == want
    assert outcome(rgen.compile_graph(graph), program, n, list(xs)) == want
    assert outcome(res, n, list(xs)) == want
    assert outcome(res.interpret, n, list(xs)) == want


def test_the_sum_loop_works_on_plain_integers():
    """The boxes of the loop stay virtual and every method call is direct:
    the residual code is the loop of the sum itself."""
    res = timeshifter.make_compiler(run, green=["code"]).specialize(SUM_TO_N)
    assert [res(10, []), res.interpret(100, [])] == [run(SUM_TO_N, 10, []), run(SUM_TO_N, 100, [])]
    # the first iteration peeled (0 + n folds), then the loop
    assert res.op_counts() == Counter({"int_ne": 2, "int_sub": 2, "int_add": 1})
    ops = {op.opname for op in res.graph.iteroperations()}
    assert not ops & {"malloc", "direct_call", "getfield", "setfield", "promote",
                      "instance_isinstance", "class_issubclass"}


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_the_jit_runs_the_boxed_vm(baseline):
    """make_jit: hot guest loops compiled with their class promotions (cases
    and bridges), the results CPython's."""
    jit = timeshifter.make_jit(run, green=["code"], threshold=3, background=False,
                               baseline=baseline)
    xs = list(range(50))
    assert [jit(SUM_TO_N, 100, []), jit(SUM_LIST, 0, xs), jit(SUM_TO_N, 7, [])] == \
        [run(SUM_TO_N, 100, []), run(SUM_LIST, 0, xs), run(SUM_TO_N, 7, [])]
    assert jit.stats["loops"] == 2 and jit.stats["compile case"] >= 1
    assert outcome(jit, "X1+R", 0, [1]) == outcome(run, "X1+R", 0, [1])

"""int against float compares exactly and int / int is correctly rounded, as in
CPython, in every mode (issue 10 item 2): the graph interpreter, native code
of the whole function, the residual graph interpreted and native, and the
generating extension's folding (all arguments green)."""

import math

import pytest

import flowgraph
import rgen
import timeshifter


def eq(x: int, y: float) -> bool:
    return x == y


def lt(x: int, y: float) -> bool:
    return x < y


def ge_float_left(y: float, x: int) -> bool:
    return y >= x


def eq_literal(y: float) -> bool:
    return y == 9007199254740993


def div(a: int, b: int) -> float:
    return a / b


NAN, INF = float("nan"), math.inf
CASES = [
    (eq, (2**53 + 1, 2.0**53), False), (eq, (3, 3.0), True), (eq, (3, NAN), False),
    (eq, (2**63 - 1, 2.0**63), False), (eq, (-2**63, -2.0**63), True), (eq, (5, INF), False),
    (lt, (2**63 - 1, 2.0**63), True), (lt, (2**53 + 1, 2.0**53), False),
    (lt, (2**53 + 1, 2.0**53 + 2), True), (lt, (-2**63, -2.0**63), False),
    (lt, (-2**63, INF), True), (lt, (0, -INF), False), (lt, (1, NAN), False),
    (lt, (-3, -3.5), False), (lt, (-3, -2.5), True),
    (ge_float_left, (2.0**53, 2**53 + 1), False), (ge_float_left, (2.0**63, 2**63 - 1), True),
    (ge_float_left, (NAN, 0), False),
    (eq_literal, (2.0**53,), False), (eq_literal, (2.0**53 + 2,), False),
    (div, (7062591869336763952, 66175), 106725982158470.17),
    (div, (4125986200184035928, 279270), 14774183407397.988),
    (div, (2**63 - 1, -7), -1.3176245766935393e+18), (div, (7, 2), 3.5),
]


@pytest.mark.parametrize("func, args, expected", CASES,
                         ids=[f"{c[0].__name__}{c[1]}" for c in CASES])
def test_every_mode_agrees_with_cpython(func, args, expected):
    assert func(*args) == expected
    g = flowgraph.build_graph(func)
    assert flowgraph.run_graph(g, *args) == expected
    assert rgen.compile_graph(g)(*args) == expected
    res = timeshifter.make_compiler(func).specialize()
    assert res(*args) == expected
    assert res.interpret(*args) == expected
    names = [v.name for v in g.getargs()]
    folded = timeshifter.make_compiler(func, green=names).specialize(*args)
    assert folded.op_counts() == {}
    assert folded() == folded.interpret() == expected


def test_the_ops_keep_the_int_uncast():
    g = flowgraph.build_graph(eq_literal)
    assert [(op.opname, op.args[0].value) for op in g.iteroperations()] == [
        ("int_float_eq", 9007199254740993)]
    assert [op.opname for op in flowgraph.build_graph(ge_float_left).iteroperations()] == [
        "int_float_le"]
    assert [op.opname for op in flowgraph.build_graph(div).iteroperations()] == ["int_truediv"]


def test_int_division_by_zero():
    g = flowgraph.build_graph(div)
    for call in (lambda: div(1, 0), lambda: flowgraph.run_graph(g, 1, 0),
                 lambda: rgen.compile_graph(g)(1, 0)):
        with pytest.raises(ZeroDivisionError, match="^division by zero$"):
            call()

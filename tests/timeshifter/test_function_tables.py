"""Calls through a module-level tuple or list of functions, `OPS[i](a, b)`
(issue 12 item 5), in every mode against CPython: with a constant or green
index the call is direct (and inlined: nothing of the table is left); with a
red one the index is checked as CPython does and a chain of tests calls each
function."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint


def op_add(a: int, b: int) -> int:
    return a + b


def op_sub(a: int, b: int) -> int:
    return a - b


def op_mul(a: int, b: int) -> int:
    return a * b


def op_half(a: int, b: int) -> float:
    return (a + b) / 2


OPS = (op_add, op_sub, op_mul)
OP_LIST = [op_mul, op_add]
MIXED = (op_add, op_half)


def pick(i: int, a: int) -> int:
    return OPS[i](a, 3) * 10 + OPS[-1](a, 2) + OP_LIST[i % 2](a, i)


def run(code: list[int], x: int) -> int:
    """A register machine whose opcodes index the table."""
    code = hint(code, deepfreeze=True)
    acc = x
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        op = hint(code[pc], concrete=True)
        acc = OPS[op](acc, hint(code[pc + 1], concrete=True))
        pc += 2
    return acc


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:
        return (type(exc), str(exc))


@pytest.mark.parametrize("i", [0, 1, 2, -1, -3, 3, -4, 2**40])
def test_every_mode_agrees_with_cpython(i):
    expected = outcome(pick, i, 5)
    g = flowgraph.build_graph(pick)
    assert outcome(flowgraph.run_graph, g, i, 5) == expected
    assert outcome(rgen.compile_graph(g), i, 5) == expected
    res = timeshifter.make_compiler(pick).specialize()
    assert outcome(res, i, 5) == outcome(res.interpret, i, 5) == expected
    green = timeshifter.make_compiler(pick, green=["i"]).specialize(i)
    assert outcome(green, 5) == outcome(green.interpret, 5) == expected


def test_a_green_index_leaves_only_the_function_called():
    code = [0, 5, 2, 3, 1, 1]           # + 5, * 3, - 1
    res = timeshifter.make_compiler(run, green=["code"]).specialize(code)
    assert res(4) == res.interpret(4) == run(code, 4) == 26
    assert Counter(op.opname for op in res.graph.iteroperations()) == {
        "int_add": 1, "int_mul": 1, "int_sub": 1}


def test_a_red_index_tests_it_and_inlines_every_function():
    res = timeshifter.make_compiler(pick).specialize()
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert ops["direct_call"] == 0
    assert ops["int_eq"] == 2 + 1           # OPS: 3 functions; OP_LIST: 2


def mixed_results(i: int) -> float:
    return MIXED[i](1, 2)


def too_many(i: int) -> int:
    return OPS[i](1, 2, 3)


def by_keyword(i: int) -> int:
    return OPS[i](1, b=2)


def out_of_range(a: int) -> int:
    return OPS[3](a, 1)


@pytest.mark.parametrize("func, message", [
    (mixed_results, r"the functions of 'MIXED' have different types: int and float"),
    (too_many, r"op_add\(\) takes 2 arguments but 3 were given"),
    (by_keyword, r"a call through the tuple 'OPS' takes positional arguments only"),
    (out_of_range, r"tuple index 3 is out of range for 'OPS' \(3 functions\)"),
])
def test_what_stays_out_is_named(func, message):
    with pytest.raises(FlowError, match=message) as info:
        flowgraph.build_graph(func)
    assert "test_function_tables.py" in str(info.value)

"""Every example, end to end through the flow graph: `run_graph(build_graph(f),
*args)` agrees with CPython (same value or same exception type, and the same
arguments afterwards: lists and instances passed in are mutated in place), the
graphs pass `checkgraph`, and the printer/parser round trip is exact."""

import ast
import functools
import inspect
import sys

import pytest
from hypothesis import given, settings

import flowgraph
from examples import EXAMPLES, by_name
from examples.interpreters import (BF_ADD, BF_COUNTDOWN, BF_MUL, BF_REVERSE, CONTAINS_AB,
                                   EVEN_AS, FACTORIAL, SQUARE, SQUARE_PLUS)
from flowgraph.printer import assert_roundtrip, referenced_graphs
from tests.differential import assert_same_outcome, outcome
from tests.strategies import oracle_namespace

IDS = [e.name for e in EXAMPLES]


@functools.cache
def graph_of(name: str):
    return flowgraph.build_graph(by_name(name).func)


def check_against_cpython(func, graph, args) -> None:
    expected = outcome(func, args)
    got = outcome(lambda *a: flowgraph.run_graph(graph, *a), args)
    assert_same_outcome(expected, got, f"{func.__name__}{tuple(args)!r}")


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_run_graph_matches_cpython(example):
    graph = graph_of(example.name)

    @settings(max_examples=100)
    @given(example.strategy())
    def check(args):
        check_against_cpython(example.func, graph, args)
    check()


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.bench], ids=lambda e: e.name)
def test_bench_input_matches_cpython(example):
    check_against_cpython(example.func, graph_of(example.name), example.bench)


@pytest.mark.parametrize("a, expected", [(1, 1), (7, 49), (9, 81), (1764, 3111696)])
def test_square_program(a, expected):
    assert flowgraph.run_graph(graph_of("interpret"), SQUARE, a) == expected


@pytest.mark.parametrize("code, args, expected", [
    (FACTORIAL, (10, 0, 0), 3628800),
    (FACTORIAL, (0, 0, 0), 1),
    (SQUARE_PLUS, (3, 2, 1), 101),
    (SQUARE_PLUS, (-2, 3, -1), 63),
])
def test_stack_programs(code, args, expected):
    assert flowgraph.run_graph(graph_of("run_stack"), code, *args) == expected


def _checksum(outputs):
    total = 0
    for value in outputs:
        total = (total * 257 + value + 1) % 1000000007
    return total


@pytest.mark.parametrize("program, inp, expected", [
    (BF_ADD, "\x03\x04", _checksum([7])),
    (BF_MUL, "\x03\x04", _checksum([12])),
    (BF_REVERSE, "\x01\x02", _checksum([2, 1])),
    (BF_COUNTDOWN, "", _checksum(range(24, 0, -1))),
])
def test_bf_programs(program, inp, expected):
    assert flowgraph.run_graph(graph_of("bf"), program, inp) == expected


@pytest.mark.parametrize("machine, s, expected", [
    (EVEN_AS, "abab", True), (EVEN_AS, "ab", False), (EVEN_AS, "", True),
    (CONTAINS_AB, "bbab", True), (CONTAINS_AB, "ba", False), (CONTAINS_AB, "abc", False),
])
def test_dfa(machine, s, expected):
    assert flowgraph.run_graph(graph_of("dfa_match"), *machine, s) is expected


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_checkgraph(example):
    graph = graph_of(example.name)
    for g in [graph] + referenced_graphs(graph):
        flowgraph.checkgraph(g)


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_printer_round_trip(example):
    graph = graph_of(example.name)
    for g in [graph] + referenced_graphs(graph):
        text = flowgraph.format_graph(g)
        assert flowgraph.format_graph(flowgraph.parse_graph(text)) == text
    parsed = assert_roundtrip(graph, with_callees=True)
    if example.bench is not None:
        check_against_cpython(example.func, parsed, example.bench)


# -- the examples themselves -------------------------------------------------------

def _example_modules():
    return sorted({sys.modules[e.func.__module__] for e in EXAMPLES}, key=lambda m: m.__name__)


@pytest.mark.parametrize("module", _example_modules(), ids=lambda m: m.__name__)
def test_examples_stay_within_64_bits(module):
    """Under the example strategies CPython never leaves 64 bits, so every
    execution mode must give exactly CPython's results (DESIGN section 4)."""
    namespace = oracle_namespace(inspect.getsource(module), module.__file__)
    for example in [e for e in EXAMPLES if e.func.__module__ == module.__name__]:
        wrapped = namespace[example.name]

        @settings(max_examples=30)
        @given(example.strategy())
        def check(args):
            outcome(wrapped, args)
            assert namespace["_wraps"] == 0, f"{example.name}{args!r} leaves 64 bits"
        check()


SUBSET = {
    # statements and expressions
    "if/elif/else": lambda n: isinstance(n, ast.If) and n.orelse,
    "while": lambda n: isinstance(n, ast.While),
    "for range 3 args, negative step": lambda n: (
        isinstance(n, ast.For) and isinstance(n.iter, ast.Call) and len(n.iter.args) == 3
        and isinstance(n.iter.args[2], ast.UnaryOp)),
    "break": lambda n: isinstance(n, ast.Break),
    "continue": lambda n: isinstance(n, ast.Continue),
    "conditional expression": lambda n: isinstance(n, ast.IfExp),
    "chained comparison": lambda n: isinstance(n, ast.Compare) and len(n.ops) > 1,
    "and": lambda n: isinstance(n, ast.BoolOp) and isinstance(n.op, ast.And),
    "or": lambda n: isinstance(n, ast.BoolOp) and isinstance(n.op, ast.Or),
    "raise": lambda n: isinstance(n, ast.Raise),
    "class with annotated fields": lambda n: (
        isinstance(n, ast.ClassDef) and any(isinstance(s, ast.AnnAssign) for s in n.body)),
    "list literal": lambda n: isinstance(n, ast.List) and n.elts,
    "[x] * n": lambda n: (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)
                          and isinstance(n.left, ast.List)),
    "negative index": lambda n: (isinstance(n, ast.Subscript)
                                 and isinstance(n.slice, ast.UnaryOp)),
    "char literal comparison": lambda n: (
        isinstance(n, ast.Compare) and isinstance(n.comparators[-1], ast.Constant)
        and isinstance(n.comparators[-1].value, str)),
    **{f"operator {type(op).__name__}": (lambda n, op=type(op): (
        isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, op)))
       for op in [ast.Add(), ast.Sub(), ast.Mult(), ast.FloorDiv(), ast.Mod(), ast.LShift(),
                  ast.RShift(), ast.BitAnd(), ast.BitOr(), ast.BitXor(), ast.Div()]},
    **{f"augmented {type(op).__name__}": (lambda n, op=type(op): (
        isinstance(n, ast.AugAssign) and isinstance(n.op, op)))
       for op in [ast.Add(), ast.Sub(), ast.Mult(), ast.BitAnd(), ast.BitOr(), ast.BitXor(),
                  ast.RShift(), ast.LShift(), ast.Mod()]},
    **{f"unary {type(op).__name__}": (lambda n, op=type(op): (
        isinstance(n, ast.UnaryOp) and isinstance(n.op, op)))
       for op in [ast.USub(), ast.Invert(), ast.Not()]},
    **{f"call {name}()": (lambda n, name=name: (
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name))
       for name in ["len", "ord", "chr", "abs", "min", "max", "int", "float", "range"]},
    **{f"method {name}()": (lambda n, name=name: (
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name))
       for name in ["append", "pop"]},
    **{f"parameter {text}": (lambda n, text=text: (
        isinstance(n, ast.arg) and n.annotation is not None
        and ast.unparse(n.annotation) == text))
       for text in ["int", "float", "bool", "str", "list[int]", "list[float]", "list[bool]",
                    "Vector"]},
}


def test_examples_cover_the_subset():
    """Together the examples use every construct of DESIGN section 4."""
    nodes = [n for m in _example_modules() for n in ast.walk(ast.parse(inspect.getsource(m)))]
    missing = [name for name, pred in SUBSET.items() if not any(pred(n) for n in nodes)]
    assert not missing, f"no example uses: {', '.join(missing)}"


def test_examples_are_many_and_uniquely_named():
    names = [e.name for e in EXAMPLES]
    assert len(names) >= 25 and len(set(names)) == len(names)
    assert {e.name for e in EXAMPLES if "interpreter" in e.tags} >= {
        "ll_plus_minus", "plus_minus_str", "interpret", "run_stack", "bf", "dfa_match"}

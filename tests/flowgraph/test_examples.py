"""Every example, end to end through the flow graph: `run_graph(build_graph(f),
*args)` agrees with CPython (same value or same exception type, and the same
arguments afterwards: lists and instances passed in are mutated in place), the
graphs pass `checkgraph`, and the printer/parser round trip is exact."""

import functools

import pytest
from hypothesis import given, settings

import flowgraph
from examples import EXAMPLES, by_name
from examples.interpreters import (BF_ADD, BF_COUNTDOWN, BF_MUL, BF_REVERSE, CONTAINS_AB,
                                   EVEN_AS, FACTORIAL, SQUARE, SQUARE_PLUS)
from flowgraph.printer import assert_roundtrip, referenced_graphs
from tests.differential import assert_same_outcome, outcome

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


@pytest.mark.parametrize("program, inp, expected", [
    (BF_ADD, "\x03\x04", 8),
    (BF_MUL, "\x03\x04", 13),
    (BF_REVERSE, "\x01\x02", 3 * 257 + 2),
    (BF_COUNTDOWN, "", None),
])
def test_bf_programs(program, inp, expected):
    from examples.interpreters import bf
    if expected is None:
        expected = bf(program, inp)
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

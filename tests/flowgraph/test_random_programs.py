"""Random programs (tests/strategies.py) through the flow graph: each is
built, checked, and run on a few argument tuples against CPython with 64-bit
wrap-around (identical to plain CPython whenever nothing overflows)."""

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import flowgraph
from tests.differential import assert_same_outcome, outcome
from tests.strategies import ALL_FEATURES, load, oracle, oracle_namespace, programs


@settings(max_examples=500)
@given(programs(), st.data())
def test_random_program_matches_cpython(program, data):
    graph = flowgraph.build_graph(getattr(load(program), program.name))
    flowgraph.checkgraph(graph)
    expected_func = oracle(program)
    for args in data.draw(st.lists(program.args, min_size=1, max_size=3), label="args"):
        expected = outcome(expected_func, args)
        got = outcome(lambda *a: flowgraph.run_graph(graph, *a), args)
        assert_same_outcome(expected, got, f"{program.name}{args!r} of\n{program.source}")
        event("raised" if expected.raised else "returned")
    if expected_func.__globals__["_wraps"]:
        event("wrapped around 64 bits")


@settings(max_examples=200)
@given(programs(features=ALL_FEATURES), st.data())
def test_random_program_with_floats_lists_classes_strings(program, data):
    graph = flowgraph.build_graph(getattr(load(program), program.name))
    flowgraph.checkgraph(graph)
    expected_func = oracle(program)
    for args in data.draw(st.lists(program.args, min_size=1, max_size=3), label="args"):
        assert_same_outcome(outcome(expected_func, args),
                            outcome(lambda *a: flowgraph.run_graph(graph, *a), args),
                            f"{program.name}{args!r} of\n{program.source}")


def test_oracle_wraps_like_machine_integers():
    namespace = oracle_namespace("def f(x: int, n: int) -> int:\n"
                                 "    y = x * x\n"
                                 "    y += x << n\n"
                                 "    return -y // 1 + abs(x)\n")
    f = namespace["f"]
    assert f(3, 2) == -(9 + 12) + 3
    assert namespace["_wraps"] == 0
    assert f(2**62, 0) == 0                  # x * x wraps to 0
    assert namespace["_wraps"] == 1
    assert f(1, 10**18) == 0                 # 1 << 10**18 wraps to 0
    assert f(-2**63, 0) == 0                 # -MININT and abs(MININT) are MININT
    with pytest.raises(ValueError):
        f(1, -1)

"""Random programs (tests/strategies.py) compiled to native code agree with
CPython with 64-bit wrap-around: same value or same exception type, and the
same arguments afterwards."""

from hypothesis import given, settings
from hypothesis import strategies as st

import flowgraph
from rgen.llvm import compile_graph
from tests.differential import assert_same_outcome, outcome
from tests.strategies import ALL_FEATURES, load, oracle, programs


@settings(max_examples=60)
@given(programs(), st.data())
def test_random_program_natively(program, data):
    native = compile_graph(flowgraph.build_graph(getattr(load(program), program.name)))
    expected_func = oracle(program)
    for args in data.draw(st.lists(program.args, min_size=1, max_size=4), label="args"):
        assert_same_outcome(outcome(expected_func, args), outcome(native, args),
                            f"{program.name}{args!r} natively, of\n{program.source}")


@settings(max_examples=40)
@given(programs(features=ALL_FEATURES), st.data())
def test_random_program_with_floats_lists_classes_strings_natively(program, data):
    native = compile_graph(flowgraph.build_graph(getattr(load(program), program.name)))
    expected_func = oracle(program)
    for args in data.draw(st.lists(program.args, min_size=1, max_size=4), label="args"):
        assert_same_outcome(outcome(expected_func, args), outcome(native, args),
                            f"{program.name}{args!r} natively, of\n{program.source}")

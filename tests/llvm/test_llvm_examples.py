"""Every example compiled natively agrees with CPython: same value or same
exception type, and the same arguments afterwards (lists and instances are
mutated in place)."""

import functools

import pytest
from hypothesis import given, settings

import flowgraph
from examples import EXAMPLES, by_name
from rgen.llvm import compile_graph
from tests.differential import assert_same_outcome, outcome

IDS = [e.name for e in EXAMPLES]


@functools.cache
def native_of(name: str):
    return compile_graph(flowgraph.build_graph(by_name(name).func))


def check_against_cpython(func, native, args) -> None:
    assert_same_outcome(outcome(func, args), outcome(native, args),
                        f"{func.__name__}{tuple(args)!r} natively")


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_native_matches_cpython(example):
    native = native_of(example.name)

    @settings(max_examples=40)
    @given(example.strategy())
    def check(args):
        check_against_cpython(example.func, native, args)
    check()


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.bench], ids=lambda e: e.name)
def test_bench_input_matches_cpython(example):
    check_against_cpython(example.func, native_of(example.name), example.bench)

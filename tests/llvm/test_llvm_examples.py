"""Every example compiled natively agrees with CPython: same value or same
exception type, and the same arguments afterwards (lists and instances are
mutated in place)."""

import copy
import gc
import functools
import sys

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


def refcount_deltas(call, args, times: int = 5) -> list:
    """How much each argument's reference count changes over `times` calls."""
    objs = [a for a in args if not isinstance(a, (int, float, bool))]
    before = [sys.getrefcount(o) for o in objs]
    for _ in range(times):
        try:
            call(*args)
        except Exception:
            pass
    return [sys.getrefcount(o) - b for o, b in zip(objs, before)]


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_native_reference_counts_match_cpython(example):
    """Native code keeps exactly the references CPython keeps (no leak, no
    premature free) on the example's inputs, returning or raising."""
    native = native_of(example.name)

    @settings(max_examples=10)
    @given(example.strategy())
    def check(args):
        py_args, native_args = copy.deepcopy(tuple(args)), copy.deepcopy(tuple(args))
        assert refcount_deltas(native, native_args) == refcount_deltas(example.func, py_args)
    check()


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.bench], ids=lambda e: e.name)
def test_native_code_does_not_leak_memory(example):
    """Allocated blocks do not grow over many calls on fresh copies of the
    bench input (a leaked list, int or string per call would show)."""
    native = native_of(example.name)

    def calls(n):
        for _ in range(n):
            args = copy.deepcopy(example.bench)
            try:
                native(*args)
            except Exception:
                pass
            del args
    calls(3)
    gc.collect()            # cycles left by earlier tests are not this code's blocks
    before = sys.getallocatedblocks()
    calls(200)
    gc.collect()
    assert sys.getallocatedblocks() - before < 100

"""Differential tests of the timeshifter over the example registry.

For every example with green parameters (`Example.green`), hypothesis draws
argument tuples from the example's strategy and checks that CPython, the
original flow graph interpreted (`flowgraph.run_graph`) and the residual
graph of `make_compiler(func, green).specialize(*greens)` interpreted on the
red arguments agree: the same value, or the same exception type, and the
same arguments after the call (lists passed in are mutated in place).  On
the benchmark inputs the native residual code agrees too.  The examples
without green parameters are specialised with every parameter red.

Compilers are cached per (function, green names) and residual graphs per
green values, so a green program drawn again is not specialised again.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings, strategies as st

import flowgraph
from examples import EXAMPLES
from tests.differential import Outcome, assert_same_outcome, outcome
from timeshifter import make_compiler

SPECIALISED = [e for e in EXAMPLES if e.green]
ALL_RED = [e for e in EXAMPLES if not e.green]

_COMPILERS: dict = {}
_GRAPHS: dict = {}
_RESIDUALS: dict = {}


def compiler(example):
    key = (example.func, example.green)
    if key not in _COMPILERS:
        _COMPILERS[key] = make_compiler(example.func, green=list(example.green))
    return _COMPILERS[key]


def original_graph(example):
    if example.func not in _GRAPHS:
        _GRAPHS[example.func] = flowgraph.build_graph(example.func)
    return _GRAPHS[example.func]


def green_indices(example) -> list[int]:
    return [example.params.index(name) for name in example.green]


def residual(example, greens: tuple):
    key = (example.func, example.green, tuple((type(g), g) for g in greens))
    if key not in _RESIDUALS:
        _RESIDUALS[key] = compiler(example).specialize(*greens)
    return _RESIDUALS[key]


def residual_outcome(example, args: tuple, native: bool = False) -> Outcome:
    """Specialise on the green arguments and run the residual code on (a deep
    copy of) the red ones: the residual graph interpreted, or native code.
    The arguments after the call are the greens as given and the reds as the
    residual code left them."""
    greens_at = green_indices(example)
    greens = tuple(args[i] for i in greens_at)
    res = residual(example, greens)
    reds = copy.deepcopy([a for i, a in enumerate(args) if i not in greens_at])
    try:
        value, raised = (res(*reds) if native else res.interpret(*reds)), None
    except Exception as exc:
        value, raised = str(exc), type(exc)
    red_iter = iter(reds)
    after = tuple(a if i in greens_at else next(red_iter) for i, a in enumerate(args))
    return Outcome(raised, value, after)


def check_example(example, args: tuple) -> None:
    expected = outcome(example.func, args)
    graph = original_graph(example)
    assert_same_outcome(expected, outcome(lambda *a: flowgraph.run_graph(graph, *a), args),
                        f"{example.name}{args!r}: original graph")
    assert_same_outcome(expected, residual_outcome(example, args),
                        f"{example.name}{args!r}: residual graph, green {example.green}")


@pytest.mark.parametrize("example", SPECIALISED, ids=lambda e: e.name)
@settings(max_examples=25)
@given(data=st.data())
def test_residual_agrees_with_cpython(example, data):
    check_example(example, data.draw(example.strategy(), label="args"))


@pytest.mark.parametrize("example", ALL_RED, ids=lambda e: e.name)
@settings(max_examples=15)
@given(data=st.data())
def test_all_red_residual_agrees_with_cpython(example, data):
    check_example(example, data.draw(example.strategy(), label="args"))


@pytest.mark.parametrize("example", [e for e in SPECIALISED if e.bench is not None],
                         ids=lambda e: e.name)
def test_benchmark_inputs(example):
    """The benchmark arguments (longer programs) agree as well, and so does
    the residual code compiled to native code (rgen.llvm)."""
    check_example(example, example.bench)
    assert_same_outcome(outcome(example.func, example.bench),
                        residual_outcome(example, example.bench, native=True),
                        f"{example.name}{example.bench!r}: native residual code")


def _again_params():
    return [e for e in SPECIALISED if e.bench is not None]


@pytest.mark.parametrize("example", _again_params(), ids=lambda e: e.name)
def test_specialising_again_agrees_with_cpython(example):
    """A compiler asked twice for the same green values (`specialize` does not
    cache) gives residual code that agrees with CPython both times."""
    comp = make_compiler(example.func, green=list(example.green))
    greens = [example.bench[i] for i in green_indices(example)]
    reds = [a for i, a in enumerate(example.bench) if i not in green_indices(example)]
    first, second = comp.specialize(*greens), comp.specialize(*greens)
    expected = example.func(*example.bench)
    assert first.interpret(*reds) == expected
    assert second.interpret(*reds) == expected


def test_every_interpreter_example_is_specialised():
    interpreters = {e.name for e in EXAMPLES if "interpreter" in e.tags}
    assert interpreters <= {e.name for e in SPECIALISED}


def test_promotion_cases_bounded_by_green_states():
    """A longer input over the same DFA meets only (state, letter) pairs the
    short one met: it must compile no new promotion case."""
    from examples.interpreters import CONTAINS_AB, dfa_match
    comp = make_compiler(dfa_match, green=["table", "accepting"])
    res = comp.specialize(*CONTAINS_AB)
    assert res.interpret("ba" * 5 + "ab") is True
    sites, cases = len(comp.sites), comp.stats["promotion cases"]
    assert res.interpret("ba" * 40 + "ab") is True
    assert (len(comp.sites), comp.stats["promotion cases"]) == (sites, cases)


def test_long_input_through_promotion_interpreted():
    from examples.interpreters import EVEN_AS, dfa_match
    res = make_compiler(dfa_match, green=["table", "accepting"]).specialize(*EVEN_AS)
    assert res.interpret("ab" * 600) is dfa_match(*EVEN_AS, "ab" * 600)

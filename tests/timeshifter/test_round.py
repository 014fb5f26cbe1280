"""round(x) (issue 12, reach): of an int or a bool, the value as an int; of a
float, the nearest int with ties to the even one (the prelude's round_float),
NaN and the infinities raising CPython's exceptions; results past 64 bits
wrap as int() of a float does.  Every mode against CPython; a green float
rounds at compile time.  round(x, n) is refused."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


def rounds(x: float, k: int, b: bool) -> int:
    return round(x) * 2 + round(k) + round(b) + round(x, None)


TIES_AND_EDGES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994,
                  -0.49999999999999994, 0.5000000000000001, 1e15 + 0.5, 2.0 ** 52 + 1,
                  2.0 ** 53, -2.0 ** 52 - 0.5, 4503599627370495.5, 3.7, -3.7, 0.0, -0.0,
                  5e-324, -5e-324, 123456.5, 2.0 ** 61, -2.0 ** 61]


@pytest.mark.parametrize("x", TIES_AND_EDGES + [math.inf, -math.inf, math.nan],
                         ids=repr)
def test_round_in_every_mode(x):
    assert_every_mode(rounds, (x, -7, True))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-2.0 ** 61, max_value=2.0 ** 61))
def test_round_of_any_float_is_cpythons(x):
    """Natively and interpreted (one compiled function for every example)."""
    expected = round(x) * 2 - 7 + 1 + round(x)
    assert _native(x, -7, True) == expected
    assert flowgraph.run_graph(_GRAPH, x, -7, True) == expected


_GRAPH = flowgraph.build_graph(rounds)


def _native(*args):
    global _compiled
    if "_compiled" not in globals():
        import rgen
        _compiled = rgen.compile_graph(_GRAPH)
    return _compiled(*args)


def test_a_green_float_rounds_at_compile_time():
    res = timeshifter.make_compiler(rounds, green=["x"]).specialize(2.5)
    assert res(4, False) == rounds(2.5, 4, False) == 2 * 2 + 4 + 0 + 2
    assert res(-1, True) == rounds(2.5, -1, True)
    # round(2.5) folded to 2; round(k) is k, round(b) int(b): the three additions
    assert res.op_counts() == {"int_add": 3, "cast_bool_to_int": 1}


def with_digits(x: float) -> float:
    return round(x, 2)


def of_a_str(s: str) -> int:
    return round(s)


@pytest.mark.parametrize("func, message", [
    (with_digits, "round(x, ndigits) is not supported; round(x) rounds to an int (scale "
     "first: round(x * 100) / 100)"),
    (of_a_str, "round() of str is not supported")], ids=["ndigits", "str"])
def test_what_round_refuses(func, message):
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(func)
    assert message in str(info.value)

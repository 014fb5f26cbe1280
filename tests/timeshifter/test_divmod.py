"""divmod(a, b) of ints and floats (issue 12, reach) in every mode against
CPython: signs, zero (divmod's ZeroDivisionError, "float divmod()" for
floats), bools, ints mixed with floats, infinities and NaN, unpacked and
indexed; of a str it is refused with the advice to use // and %."""

import math

import pytest

import flowgraph
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


def digits(n: int, base: int) -> int:
    total = 0
    while n != 0:
        n, d = divmod(n, base)
        total = total * 10 + d
    return total


def pair(a: int, b: int, flag: bool) -> int:
    t = divmod(a, b)
    u = divmod(flag, 1)
    return t[0] * 1000 + t[1] * 10 + u[0] + u[1]


CASES = [(digits, (1234, 10)), (digits, (255, 16)), (digits, (7, -3)),
         (pair, (17, 5, True)), (pair, (-17, 5, False)), (pair, (17, -5, True)),
         (pair, (3, 0, True))]


@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{a}" for f, a in CASES])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def of_floats(x: float, y: float, k: int) -> float:
    q, r = divmod(x, y)
    t = divmod(k, y)
    u = divmod(x, k)
    return q * 1000.0 + r + t[0] * 10.0 + t[1] + u[0] - u[1]


FLOAT_CASES = [(7.5, 2.0, 3), (-7.5, 2.0, -3), (7.0, -2.5, 4), (5.0, math.inf, 2),
               (-5.0, math.inf, 7), (math.inf, 2.0, 1), (math.nan, 3.0, 5), (1.5, 0.0, 2),
               (1.5, 2.0, 0), (0.0, -0.0, 1), (-0.0, 3.0, -2)]


@pytest.mark.parametrize("args", FLOAT_CASES, ids=repr)
def test_divmod_with_floats_in_every_mode(args):
    assert_every_mode(of_floats, args)


def of_a_str(s: str) -> int:
    q, r = divmod(s, 2)
    return q


def test_divmod_of_a_str_is_refused_with_advice():
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(of_a_str)
    assert str(e.value).endswith("divmod() of str is not supported (ints and floats only); "
                                 "use // and %")

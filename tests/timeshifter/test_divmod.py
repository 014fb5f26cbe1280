"""divmod(a, b) of ints (issue 12, reach) in every mode against CPython:
signs, zero (divmod's ZeroDivisionError), bools, unpacked and indexed; of a
float it is refused with the advice to use // and %."""

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


def of_floats(x: float) -> float:
    q, r = divmod(x, 2.0)
    return q + r


def test_divmod_of_floats_is_refused_with_advice():
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(of_floats)
    assert str(e.value).endswith("divmod() of float is not supported (ints only); use // and %")

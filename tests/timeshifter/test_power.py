"""`x ** n` of an int and a constant int n >= 0 (issue 12, reach) in every
mode against CPython (wrapping at 64 bits as every int product does; the
oracle's values are taken modulo 2**64), `**=` too; the multiplications are
by squaring; other powers are refused with the advice."""

from collections import Counter

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


def powers(x: int, flag: bool) -> int:
    y = x
    y **= 3
    return x ** 0 + x ** 1 * 10 + x ** 2 * 100 + y * 1000 + flag ** 5 + 2 ** 10


CASES = [(powers, (3, True)), (powers, (-7, False)), (powers, (0, True))]


@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{a}" for f, a in CASES])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def sixty_four(x: int) -> int:
    return x ** 64


def test_powers_wrap_and_multiply_by_squaring():
    res = timeshifter.make_compiler(sixty_four).specialize()
    for x in (3, -3, 2, 12345):
        wrapped = (x ** 64 + 2 ** 63) % 2 ** 64 - 2 ** 63
        assert res(x) == res.interpret(x) == flowgraph.run_graph(
            flowgraph.build_graph(sixty_four), x) == wrapped
    assert res.op_counts() == Counter({"int_mul": 6})


def negative(x: int) -> int:
    return x ** -1


def run_time(x: int, n: int) -> int:
    return x ** n


def of_floats(x: float) -> float:
    return x ** 2


@pytest.mark.parametrize("func, message", [
    (negative, "** of int and int is not supported; ** raises an int to a constant int >= 0 "
               "(x ** 3); else multiply in a loop"),
    (run_time, "** of int and int is not supported; ** raises an int to a constant int >= 0 "
               "(x ** 3); else multiply in a loop"),
    (of_floats, "** of float and int is not supported; ** raises an int to a constant int >= 0 "
                "(x ** 3); else multiply in a loop")])
def test_other_powers_are_refused_with_advice(func, message):
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(func)
    assert str(e.value).endswith(message)

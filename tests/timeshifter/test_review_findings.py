"""Reviewer's findings: minimal reproducers of bugs found in the hint annotator
and the timeshifter (all fixed; kept as regression tests).  Every test
compares a residual function with CPython (the oracle, DESIGN section 4)."""

import math

import pytest

from hintannotator import hint
from timeshifter import make_compiler


def _helper(v: int) -> int:
    if v > 2:
        return v * 2
    return v - 1


def fill_then_call(a: int) -> int:
    xs = [a] * 3
    return _helper(xs[1])


def test_call_on_item_of_repeated_list():
    res = make_compiler(fill_then_call).specialize()
    assert res.interpret(5) == fill_then_call(5) == 10


def fill_join(g: int, a: int) -> int:
    xs = [a] * 3
    if g > 0:
        v = xs[0]
    else:
        v = g
    return v * 2 + 1


def test_item_of_repeated_list_is_not_green():
    res = make_compiler(fill_join, green=["g"]).specialize(1)
    assert res.interpret(5) == fill_join(1, 5) == 11


def build_red(n: int) -> int:
    xs = []
    for i in range(n):
        xs.append(i)
    return len(xs) + n


def test_list_appended_in_red_loop():
    res = make_compiler(build_red).specialize()
    assert res.interpret(3) == build_red(3) == 6


def promote_float(x: float, y: float) -> float:
    v = hint(x, promote=True)
    return v * y


def test_promote_float_native():
    res = make_compiler(promote_float).specialize()
    assert res(1.5, 2.0) == 3.0


def promote_sign(x: float) -> float:
    v = hint(x, promote=True)
    return v


def test_promote_negative_zero():
    res = make_compiler(promote_sign).specialize()
    assert math.copysign(1.0, res.interpret(0.0)) == 1.0
    assert math.copysign(1.0, res.interpret(-0.0)) == -1.0


def green_zero(g: float, x: float) -> float:
    return g + 0.0 * x if x > 100.0 else g


def test_specialisation_cache_negative_zero():
    comp = make_compiler(green_zero, green=["g"])
    assert math.copysign(1.0, comp(0.0, 1.0)) == 1.0
    assert math.copysign(1.0, comp(-0.0, 1.0)) == -1.0


def negzero_items(i: int) -> float:
    xs = [-0.0] * 3
    return xs[i]


def test_forced_list_keeps_negative_zero():
    res = make_compiler(negzero_items).specialize()
    assert math.copysign(1.0, negzero_items(1)) == -1.0
    assert math.copysign(1.0, res.interpret(1)) == -1.0


def signed_zeros(x: float) -> float:
    a = 0.0
    b = -0.0
    if x > 1.0:
        return a
    return b


def test_red_constants_keep_the_sign_of_zero():
    """0.0 and -0.0 are different constants of the generating extension."""
    res = make_compiler(signed_zeros).specialize()
    assert math.copysign(1.0, res.interpret(2.0)) == 1.0
    assert math.copysign(1.0, res.interpret(0.0)) == -1.0
    assert math.copysign(1.0, res(0.0)) == -1.0

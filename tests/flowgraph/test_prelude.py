"""sum, min, max, any and all of a list: calls of functions written in the
subset itself (flowgraph/builder/prelude.py), in every mode, with
CPython's results and errors; `for i, x in enumerate(xs[, start])` (an
index loop, flowgraph/builder/stmt.py)."""

from __future__ import annotations

import pytest

import timeshifter
from tests.differential import assert_every_mode
from tests.flow_errors import assert_flow_error


def summary(xs: list[int], ys: list[float], bs: list[bool]) -> int:
    t = sum(xs) + sum(bs) + int(any(bs)) * 10 + int(all(xs)) * 100 + int(any(xs)) * 7
    if len(xs) > 0:
        t += min(xs) * max(xs)
    if len(ys) > 0:
        t += int(min(ys) * 100 + max(ys))
    return t + int(all(bs))


def top(xs: list[int]) -> int:
    return max(xs)


def lowest(ys: list[float]) -> float:
    return min(ys)


def enumerated(xs: list[int], s: str, k: int) -> int:
    """The list grows while it is enumerated: the loop sees the new items."""
    t = 0
    for i, x in enumerate(xs):
        t += i * x
        if x == 3:
            xs.append(1)
    for j, c in enumerate(s, k):
        if c == "a":
            t += j
    for i, x in enumerate((5, 6, 7), 1):
        t += i * x
    else:
        t += 1000
    return t


@pytest.mark.parametrize("func, args", [
    (enumerated, ([1, 3, 2], "banana", 10)), (enumerated, ([], "", -2)),
    (enumerated, ([3, 3], "a", 0)),
    (summary, ([3, -1, 4], [0.5, -2.5], [True, False])), (summary, ([], [], [])),
    (summary, ([0, 2], [float("nan"), 1.0], [True])), (top, ([],)), (top, ([5, 9, 2, 9],)),
    (lowest, ([],)), (lowest, ([-0.0, 0.0],)), (lowest, ([1.5, float("nan"), -1.0],)),
])
def test_list_builtins_in_every_mode(func, args):
    assert_every_mode(func, args)


def table_total(code: str, x: int) -> int:
    """A list made here, summed: its loop is a loop of the residual code (a
    red counter), so the list becomes real there."""
    xs = [len(code), 2, x]
    return sum(xs) * max(xs)


def test_specialised_on_a_list_made_in_the_function():
    res = timeshifter.make_compiler(table_total, green=["code"]).specialize("abc")
    assert res(4) == res.interpret(4) == table_total("abc", 4) == 9 * 4
    assert res(-7) == res.interpret(-7) == table_total("abc", -7) == -2 * 3


def sum_floats(ys: list[float]) -> float:
    return sum(ys)


def sum_strs(ss: list[str]) -> int:
    return len(sum(ss))


def enumerate_one_name(xs: list[int]) -> int:
    for pair in enumerate(xs):
        pass
    return 0


def enumerate_int(n: int) -> int:
    for i, x in enumerate(n):
        pass
    return 0


@pytest.mark.parametrize("func, text, message", [
    (sum_floats, "return sum(", "sum() of list[float] is not supported; sum() takes a list "
     "of bool or int (or write the loop)"),
    (sum_strs, "sum(ss)", "sum() of list[str] is not supported; sum() takes a list of bool or "
     "int (or write the loop)"),
    (enumerate_one_name, "for pair", "a loop over enumerate() unpacks its pairs: 'for i, x in "
     "enumerate(xs):'"),
    (enumerate_int, "for i, x", "enumerate() takes a list, a str or a tuple of one item type, "
     "not int"),
])
def test_what_stays_out_is_a_clear_error(func, text, message):
    assert_flow_error(func, text, message)

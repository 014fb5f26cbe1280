"""`"..." % values` with a literal format (issue 12, reach): `%s`, `%d`, `%i`
and `%%`, the values a tuple literal, a tuple or one value; every mode
against CPython (a float under %d truncated, NaN and infinities raising as
CPython does); a green value formats at compile time; other conversions and
a wrong number of values are refused."""

import math

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


def report(n: int, x: float, ok: bool, name: str) -> str:
    c = name[0]
    pair = (n, name)
    return ("%d%%: %s (%i) %s %d|%s|" % (n, x, ok, c, x, ok) + "%s=%s" % pair
            + "[%s]" % name + "%d" % True)


@pytest.mark.parametrize("n, x", [(0, 0.0), (-17, 2.75), (12, -2.9), (3, 1e15),
                                  (5, math.nan), (6, math.inf), (7, -math.inf)], ids=repr)
def test_percent_format_in_every_mode(n, x):
    for ok, name in ((True, "ab"), (False, "x")):
        assert_every_mode(report, (n, x, ok, name))


def greeting(name: str, n: int) -> str:
    return "%s has %d items" % (name, n)


def test_a_green_value_formats_at_compile_time():
    res = timeshifter.make_compiler(greeting, green=["name"]).specialize("box")
    assert [res(3), res.interpret(-1)] == [greeting("box", 3), greeting("box", -1)]
    # "box has " is known: one conversion of n and the two concatenations
    assert res.op_counts() == {"cast_int_to_str": 1, "str_concat": 2}


def other_conversion(x: float) -> str:
    return "%.2f" % x


def too_few(n: int) -> str:
    return "%d and %d" % (n,)


def number_of_a_str(s: str) -> str:
    return "%d" % s


@pytest.mark.parametrize("func, message", [
    (other_conversion, "'%.' in a % format is not supported; use %s, %d, %i and %% (or an "
     "f-string)"),
    (too_few, "the % format '%d and %d' takes 2 value(s), given 1 (CPython raises TypeError)"),
    (number_of_a_str, "%d in a % format takes a number, not str")],
    ids=["conversion", "count", "type"])
def test_what_percent_format_refuses(func, message):
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(func)
    assert message in str(info.value)

"""The `promote` operation natively: a site's table of compiled cases is
searched in native code; a miss calls `site.native_miss` in Python, which may
attach a case that the very same native code uses on the next call and returns
its address, which the native code then tail-calls."""

from __future__ import annotations


import pytest

from flowgraph import parse_graph
from flowgraph.lltypes import Signed, Void
from flowgraph.model import Constant
from rgen.dispatch import NativeSwitch
from rgen.llvm import compile_graph


class FakeSite(NativeSwitch):
    """The native side of the dispatch protocol (rgen/dispatch.py), nothing more:
    every miss compiles a case."""

    return_type = Signed

    def __init__(self, make_case):
        super().__init__(4)
        self.make_case = make_case
        self.misses = []
        self.cases = []

    def native_miss(self, value, *live):
        self.misses.append(value)
        case = self.make_case(value)
        self.cases.append(case)                 # kept alive with the site
        self.attach_native(value, case.address)
        return case.address

    def native_fallback(self, value, *live):
        raise AssertionError("every miss has a case")


RESIDUAL = """\
graph residual(x_0: Signed, y_1: Signed) -> Signed
block0(x_0, y_1):
    v2: Signed = int_add(x_0, y_1)
    r_3: Signed = direct_call(@site, v2, x_0)
    return(r_3)"""

CASE = """\
graph case(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_mul(x_0, {k})
    v2: Signed = int_floordiv(1000, v1)
    return(v2)"""


def with_site(text, site):
    g = parse_graph(text)
    op = g.startblock.operations[1]
    op.opname, op.args[0] = "promote", Constant(site, Void)
    return g


def test_promote_dispatches_natively_after_the_first_miss():
    site = FakeSite(lambda k: compile_graph(parse_graph(CASE.format(k=k))))
    f = compile_graph(with_site(RESIDUAL, site))
    assert f(3, 4) == 1000 // 21 and site.misses == [7]
    assert f(3, 4) == 1000 // 21 and site.misses == [7]          # hit: no Python
    assert f(2, 1) == 1000 // 6 and site.misses == [7, 3]
    with pytest.raises(ZeroDivisionError):                     # a case raising
        f(0, 3)
    assert site.misses == [7, 3]
    for _ in range(2):                                         # miss, then hit, raising
        with pytest.raises(ZeroDivisionError):
            f(0, 5)
    assert site.misses == [7, 3, 5] and site.native_count.value == 3
    assert [f(3, 4), f(2, 1), f(40, -35)] == [47, 166, 1000 // 200]


CHARS = """\
graph residual(s_0: Str, i_1: Signed) -> Signed
block0(s_0, i_1):
    c_2: Char = str_getitem(s_0, i_1)
    r_3: Signed = direct_call(@site, c_2, s_0)
    return(r_3)"""

LEN_TIMES = """\
graph case(s_0: Str) -> Signed
block0(s_0):
    v1: Signed = str_len(s_0)
    v2: Signed = int_mul(v1, {k})
    return(v2)"""


def test_promote_on_chars_with_gcref_live_values():
    site = FakeSite(lambda c: compile_graph(parse_graph(LEN_TIMES.format(k=ord(c)))))
    f = compile_graph(with_site(CHARS, site))
    text = "ab\u20ac"
    assert [f(text, i) for i in (0, 1, 2, 0, -1)] == [3 * 97, 3 * 98, 3 * 0x20AC, 291, 25092]
    assert site.misses == ["a", "b", "\u20ac"]

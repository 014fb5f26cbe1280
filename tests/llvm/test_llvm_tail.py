"""Tail transfers natively: `tail_call` and `promote` end a function with a
guaranteed tail call, so loops running through several functions (and
through promotion sites) take constant stack, however long they run."""

from __future__ import annotations

import functools
import sys

import pytest
from hypothesis import given, settings, strategies as st

from flowgraph import parse_graph, run_graph
from flowgraph.lltypes import Signed, Void
from flowgraph.model import Block, Constant, FunctionGraph, Link, SpaceOperation, Variable
from flowgraph.operations import result_type
from flowgraph.parser import parse_graphs
from rgen.dispatch import NativeSwitch
from rgen.llvm import CompileError, compile_graph


def _op(block, opname, *args):
    args = [a if isinstance(a, (Variable, Constant)) else Constant(a, Signed) for a in args]
    v = Variable("", result_type(opname, args))
    block.operations.append(SpaceOperation(opname, args, v))
    return v


def count_graph() -> FunctionGraph:
    """count(n, acc): return acc if n <= 0 else count(n - 1, acc + 2), the
    recursion a `tail_call`."""
    n, acc = Variable("n", Signed), Variable("acc", Signed)
    start = Block([n, acc])
    g = FunctionGraph("count", start, Signed)
    go = Block([Variable("n", Signed), Variable("acc", Signed)])
    start.exitswitch = _op(start, "int_gt", n, 0)
    start.closeblock(Link([acc], g.returnblock, False), Link([n, acc], go, True))
    r = _op(go, "tail_call", Constant(g, Void), _op(go, "int_sub", go.inputargs[0], 1),
            _op(go, "int_add", go.inputargs[1], 2))
    go.closeblock(Link([r], g.returnblock))
    return g


def test_a_function_tail_calling_itself_ten_million_times():
    g = count_graph()
    f = compile_graph(g)
    assert f(10_000_000, 1) == 20_000_001
    assert [f(n, 5) for n in (-3, 0, 1, 1000)] == [run_graph(g, n, 5) for n in (-3, 0, 1, 1000)]


# -- mutual tail calls between different prototypes -------------------------------------------

# ping(n, acc, s) hands over to pong with ten scalars (some passed on the stack),
# pong hands back with three; s (a str) and xs (a list) travel along.
PING_PONG = """\
graph ping(n_0: Signed, acc_1: Signed, s_2: Str, xs_3: List(Signed)) -> Signed
block0(n_0, acc_1, s_2, xs_3):
    v4: Bool = int_le(n_0, 0)
    exitswitch v4: False -> block1(n_0, acc_1, s_2, xs_3) | True -> return(acc_1)
block1(n_5: Signed, acc_6: Signed, s_7: Str, xs_8: List(Signed)):
    v9: Signed = str_len(s_7)
    v10: Signed = int_add(acc_6, v9)
    v11: Signed = int_sub(n_5, 1)
    v12: Float = cast_int_to_float(n_5)
    v13: Bool = int_lt(n_5, 3)
    v14: Signed = tail_call(@pong, v11, v10, 1, 2, 3, 4, 5, 6, v12, v13, xs_8, s_7)
    return(v14)

graph pong(n_0: Signed, acc_1: Signed, a_2: Signed, b_3: Signed, c_4: Signed, d_5: Signed, e_6: Signed, f_7: Signed, x_8: Float, flag_9: Bool, xs_10: List(Signed), s_11: Str) -> Signed
block0(n_0, acc_1, a_2, b_3, c_4, d_5, e_6, f_7, x_8, flag_9, xs_10, s_11):
    v12: Signed = int_add(a_2, f_7)
    v13: Signed = int_mul(v12, e_6)
    v25: Signed = int_and(n_0, 7)
    v14: Signed = list_getitem(xs_10, v25)
    v15: Signed = int_add(acc_1, v13)
    v16: Signed = int_add(v15, v14)
    v17: Signed = cast_float_to_int(x_8)
    v18: Signed = int_add(v16, v17)
    v19: Signed = int_sub(n_0, 1)
    exitswitch flag_9: False -> block1(v19, v18, s_11, xs_10) | True -> return(v18)
block1(n_20: Signed, acc_21: Signed, s_22: Str, xs_23: List(Signed)):
    v24: Signed = tail_call(@ping, n_20, acc_21, s_22, xs_23)
    return(v24)"""


def ping_pong_python(n, acc, s, xs):
    while n > 0:                       # ping
        acc += len(s)
        n, x, flag = n - 1, float(n), n < 3
        acc += (1 + 6) * 5 + xs[n & 7] + int(x)    # pong
        n -= 1
        if flag:
            return acc
    return acc


@functools.cache
def ping_pong():
    ping = parse_graphs(PING_PONG)["ping"]
    return ping, compile_graph(ping)


def test_mutual_tail_calls_with_different_parameter_lists():
    ping, f = ping_pong()
    s, xs = "abc", [3, -1, 4, 1, -5, 9, 2, 6]
    assert f(1_000_000, 0, s, xs) == ping_pong_python(1_000_000, 0, s, xs)
    for n in (0, 1, 2, 3, 9):
        assert f(n, 10, s, xs) == run_graph(ping, n, 10, s, xs) == ping_pong_python(n, 10, s, xs)
    with pytest.raises(IndexError):                     # raised after three transfers
        f(9, 0, s, xs[:6])
    with pytest.raises(TypeError):
        f(4, 0, s, [1.5] * 4)


def test_entering_the_function_with_stack_arguments_from_python():
    pong = parse_graphs(PING_PONG)["ping"].startblock.exits[0].target.operations[-1].args[0].value
    args = (5, 1, 2, 3, 4, 5, 6, 7, 2.5, False, [9, 8, 7, 6, 5, 4, 3, 2], "xy")
    assert compile_graph(pong)(*args) == run_graph(pong, *args)


HALVES = """\
graph halve(x_0: Float, n_1: Signed) -> Float
block0(x_0, n_1):
    v2: Bool = int_le(n_1, 0)
    exitswitch v2: False -> block1(x_0, n_1) | True -> return(x_0)
block1(x_3: Float, n_4: Signed):
    v5: Float = float_mul(x_3, 0.5)
    v6: Signed = int_sub(n_4, 1)
    v7: Float = tail_call(@twice, v6, v5)
    return(v7)

graph twice(n_0: Signed, x_1: Float) -> Float
block0(n_0, x_1):
    v2: Float = float_add(x_1, x_1)
    v3: Float = tail_call(@halve, v2, n_0)
    return(v3)"""


def test_float_results_through_transfers():
    halve = parse_graph(HALVES)
    assert compile_graph(halve)(3.0, 2_000_000) == 3.0 == run_graph(halve, 3.0, 1000)
    assert compile_graph(halve)(1e300, 3) == 1e300


@settings(max_examples=30, deadline=None)
@given(st.integers(-2, 60), st.text(max_size=5), st.lists(st.integers(-99, 99), max_size=10))
def test_mutual_tail_calls_against_the_interpreter(n, s, xs):
    ping, f = ping_pong()
    try:
        expected = ping_pong_python(n, 0, s, xs)
    except IndexError:
        with pytest.raises(IndexError):
            f(n, 0, s, xs)
        return
    assert f(n, 0, s, xs) == expected == run_graph(ping, n, 0, s, xs)


def test_references_are_balanced_across_transfers():
    f = ping_pong()[1]
    s, xs = "".join(["xyz", "w"]), [0] * 6 + [10**15]     # not interned, not small
    before = [sys.getrefcount(s), sys.getrefcount(xs), sys.getrefcount(xs[6])]
    for n in (0, 2, 3, 6, 1000, 9):
        for _ in range(50):
            try:
                f(n, 0, s, xs)
            except IndexError:
                pass
    assert [sys.getrefcount(s), sys.getrefcount(xs), sys.getrefcount(xs[6])] == before


# a list made natively travels through transfers and is returned: exactly one reference
GROW = """\
graph grow(n_0: Signed) -> List(Signed)
block0(n_0):
    l_1: List(Signed) = newlist(List(Signed), 0, 0)
    v2: List(Signed) = tail_call(@push, n_0, l_1, "tag")
    return(v2)

graph push(n_0: Signed, l_1: List(Signed), t_2: Str) -> List(Signed)
block0(n_0, l_1, t_2):
    v3: Bool = int_le(n_0, 0)
    exitswitch v3: False -> block1(n_0, l_1, t_2) | True -> return(l_1)
block1(n_4: Signed, l_5: List(Signed), t_6: Str):
    v9: Signed = int_and(n_4, 127)
    list_append(l_5, v9)
    v7: Signed = int_sub(n_4, 1)
    v8: List(Signed) = tail_call(@push, v7, l_5, t_6)
    return(v8)"""


def test_an_object_made_natively_survives_transfers_with_one_reference():
    f = compile_graph(parse_graph(GROW))
    result = f(1_000_000)
    assert result == [i & 127 for i in range(1_000_000, 0, -1)]
    assert sys.getrefcount(result) == 2                 # `result` and the argument
    assert f(0) == []


# -- promotion sites whose cases hand back ------------------------------------------------

class FakeSite(NativeSwitch):
    """The native side of the dispatch protocol (rgen/dispatch.py), nothing more:
    every miss compiles a case."""

    return_type = Signed

    def __init__(self, make_case):
        super().__init__(8)
        self.make_case = make_case
        self.misses = []
        self.cases = []

    def native_miss(self, value, *live):
        self.misses.append(value)
        case = compile_graph(self.make_case(value))
        self.cases.append(case)                 # kept alive with the site
        self.attach_native(value, case.address)
        return case.address

    def native_fallback(self, value, *live):
        raise AssertionError("every miss has a case")


# loop(s, i, acc): the entry reached again by every case (a merge-point entry)
LOOP = """\
graph loop(s_0: Str, i_1: Signed, acc_2: Signed) -> Signed
block0(s_0, i_1, acc_2):
    v3: Signed = str_len(s_0)
    v4: Bool = int_lt(i_1, v3)
    exitswitch v4: False -> return(acc_2) | True -> block1(s_0, i_1, acc_2)
block1(s_5: Str, i_6: Signed, acc_7: Signed):
    c_8: Char = str_getitem(s_5, i_6)
    v9: Signed = promote(@site, c_8, s_5, i_6, acc_7)
    return(v9)"""

# the case for the character k: acc * 31 + k, wrapped to 64 bits, then on
CASE = """\
graph case_{k}(s_0: Str, i_1: Signed, acc_2: Signed) -> Signed
block0(s_0, i_1, acc_2):
    v3: Signed = int_mul(acc_2, 31)
    v4: Signed = int_add(v3, {k})
    v5: Signed = int_add(i_1, 1)
    v6: Signed = tail_call(@loop, s_0, v5, v4)
    return(v6)"""


def wrap(x):
    return (x + 2**63) % 2**64 - 2**63


def hash_python(s, acc=0):
    for c in s:
        acc = wrap(acc * 31 + ord(c))
    return acc


def promoting_loop():
    site = FakeSite(None)
    loop = parse_graph(LOOP)
    op = loop.startblock.exits[1].target.operations[1]
    op.args[0] = Constant(site, Void)
    site.make_case = lambda c: parse_graph(CASE.format(k=ord(c)), graphs={"loop": loop})
    return site, loop


def test_promotion_cases_tail_calling_back_run_in_constant_stack():
    site, loop = promoting_loop()
    f = compile_graph(loop)
    text = "ab\u20acb" * 250_000
    assert f(text, 0, 0) == hash_python(text)
    assert site.misses == ["a", "b", "\u20ac"]          # then only native transfers
    assert f("ba" * 500_000 + "c", 0, 7) == hash_python("ba" * 500_000 + "c", 7)
    assert site.misses == ["a", "b", "\u20ac", "c"]
    refs = sys.getrefcount(text)
    for _ in range(20):
        f(text[:1000], 0, 0)
        f(text, 0, 0)
    assert sys.getrefcount(text) == refs


def test_a_promotion_site_in_a_recursive_cycle_is_a_recursion_error():
    """A case that calls back into the promoting function (not a tail call)
    makes a cycle only visible at run time: it counts against the recursion
    limit instead of overflowing the native stack."""
    site = FakeSite(None)
    down = parse_graph("graph down(n_0: Signed) -> Signed\nblock0(n_0):\n"
                       "    v1: Bool = int_le(n_0, 0)\n"
                       "    exitswitch v1: False -> block1(n_0) | True -> return(0)\n"
                       "block1(n_2: Signed):\n"
                       "    v3: Signed = int_and(n_2, 1)\n"
                       "    v4: Signed = promote(@site, v3, n_2)\n    return(v4)")
    down.startblock.exits[0].target.operations[1].args[0] = Constant(site, Void)
    site.make_case = lambda k: parse_graph(
        f"graph case(n_0: Signed) -> Signed\nblock0(n_0):\n"
        f"    v1: Signed = int_sub(n_0, 1)\n    v2: Signed = direct_call(@down, v1)\n"
        f"    v3: Signed = int_add(v2, {k + 1})\n    return(v3)", graphs={"down": down})
    f = compile_graph(down)
    assert f(10) == 15
    with pytest.raises(RecursionError):
        f(10_000_000)
    assert f(11) == 17                                  # the depth count is balanced


# -- the DFA of the promotion tests, specialised and run natively ------------------------------

def test_specialised_dfa_runs_a_million_characters_natively():
    from tests.timeshifter.test_promotion import dfa_accepts
    from timeshifter import make_compiler
    table = "122010"
    res = make_compiler(dfa_accepts, green=["table"]).specialize(table)
    for text in ("ab" * 1_000_000, "ab" * 1_000_000 + "a", "b" + "ab" * 1_000_000):
        assert res(text) == _dfa_oracle(table, text)
    for text in ("", "a", "ab", "abba", "bab", "abc", "aab" * 5):
        assert res(text) == dfa_accepts(table, text)


def _dfa_oracle(table, text):
    """dfa_accepts(table, text) for long texts: runs of "ab" pairs stepped
    through a table of their effect."""
    step = {"a": 0, "b": 1}
    pair = {q: int(table[int(table[q * 2]) * 2 + 1]) for q in range(len(table) // 2)}
    state, i = 0, 0
    while i < len(text):
        if text.startswith("ab", i):
            state, i = pair[state], i + 2
        elif text[i] in step:
            state, i = int(table[state * 2 + step[text[i]]]), i + 1
        else:
            return False
    return state % 2 == 1


# -- errors ---------------------------------------------------------------------------------

def test_a_transfer_must_end_its_function():
    g = parse_graph("graph t(n_0: Signed) -> Signed\nblock0(n_0):\n"
                    "    v1: Signed = tail_call(@t, n_0)\n    v2: Signed = int_add(v1, 1)\n"
                    "    return(v2)")
    with pytest.raises(CompileError, match=r"tail_call must be the last operation of its "
                                           r"block, followed by return of its result in "
                                           r"graph t \(.*\), block0"):
        compile_graph(g)

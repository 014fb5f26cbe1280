"""Whole graphs compiled natively, against the flow-graph interpreter and
plain Python: control flow, lists, structs, strings, calls, recursion."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, strategies as st

from flowgraph import parse_graph, run_graph
from flowgraph.parser import parse_graphs
from flowgraph.lltypes import Bool, Float, Signed, StructType
from flowgraph.operations import MAXINT, MININT
from rgen.llvm import NativeFunction, compile_graph

INTS = st.integers(MININT, MAXINT)

SUM_DIV = """\
graph sumdiv(a_0: Signed, b_1: Signed) -> Signed
block0(a_0, b_1):
    goto block1(a_0, b_1, 0)
block1(a_2: Signed, b_3: Signed, s_4: Signed):
    v5: Bool = int_gt(a_2, 0)
    exitswitch v5: False -> return(s_4) | True -> block2(a_2, b_3, s_4)
block2(a_6: Signed, b_7: Signed, s_8: Signed):
    v9: Signed = int_floordiv(a_6, b_7)
    s_10: Signed = int_add(s_8, v9)
    a_11: Signed = int_sub(a_6, 1)
    goto block1(a_11, b_7, s_10)"""


def sumdiv(a, b):
    s = 0
    while a > 0:
        s += a // b
        a -= 1
    return s


@given(st.integers(-5, 300), st.integers(-20, 20))
def test_loop_matches_python_and_interpreter(a, b):
    g = _parsed(SUM_DIV)
    f = compile_graph(g)
    if b == 0 and a > 0:
        for run in (f, lambda *args: run_graph(g, *args)):
            with pytest.raises(ZeroDivisionError, match="integer division or modulo by zero"):
                run(a, b)
    else:
        assert f(a, b) == run_graph(g, a, b) == sumdiv(a, b)


def test_native_function_attributes_and_cache():
    g = _parsed(SUM_DIV)
    f = compile_graph(g)
    assert isinstance(f, NativeFunction) and f.graph is g
    assert compile_graph(g) is f
    assert '%"s" = phi' in f.llvm_ir and "sdiv" in f.llvm_ir_optimized
    assert f.symbol in f.asm
    assert 0 < f.compile_seconds < 10
    g.invalidate()
    assert compile_graph(g) is not f


# -- 64-bit wrap-around -------------------------------------------------------------

POLY = """\
graph poly(x_0: Signed, y_1: Signed) -> Signed
block0(x_0, y_1):
    v2: Signed = int_mul(x_0, x_0)
    v3: Signed = int_mul(v2, y_1)
    v4: Signed = int_sub(v3, y_1)
    v5: Signed = int_lshift(v4, 3)
    v6: Signed = int_neg(v5)
    v7: Signed = int_abs(v6)
    return(v7)"""


@given(INTS, INTS)
def test_wraparound_matches_interpreter(x, y):
    g = _parsed(POLY)
    assert compile_graph(g)(x, y) == run_graph(g, x, y)


# -- lists -----------------------------------------------------------------------------

LISTS = """\
graph lists(l_0: List(Signed), i_1: Signed, x_2: Signed) -> Signed
block0(l_0, i_1, x_2):
    v3: Signed = list_getitem(l_0, i_1)
    v4: Signed = int_add(v3, x_2)
    list_setitem(l_0, i_1, v4)
    list_append(l_0, v3)
    list_append(l_0, x_2)
    v5: Signed = list_pop(l_0)
    v6: Signed = list_len(l_0)
    v7: Signed = int_mul(v6, 1000)
    v8: Signed = int_add(v7, v5)
    return(v8)"""


def lists(l, i, x):
    v = l[i]
    l[i] = v + x
    l.append(v)
    l.append(x)
    last = l.pop()
    return len(l) * 1000 + last


@given(st.lists(st.integers(-10**12, 10**12), max_size=6), st.integers(-8, 8),
       st.integers(-10**12, 10**12))
def test_list_mutation_is_visible_to_the_caller(items, i, x):
    f = compile_graph(_parsed(LISTS))
    native, python = list(items), list(items)
    try:
        expected = lists(python, i, x)
    except IndexError as exc:
        with pytest.raises(IndexError, match=str(exc)):
            f(native, i, x)
        assert native == items
        return
    assert f(native, i, x) == expected
    assert native == python


def scale_all(xs: list[float], k: float) -> float:
    total = 0.0
    i = 0
    while i < len(xs):
        xs[i] = xs[i] * k
        total += xs[i]
        i += 1
    return total


def test_a_float_only_the_list_holds_is_overwritten_in_place():
    """Storing a float over an exact float whose only reference is the list
    changes its value in place (the same object: no allocation); a float
    someone else holds, or the list holds twice, is replaced by a new one,
    and the holders see no change."""
    import flowgraph
    f = compile_graph(flowgraph.build_graph(scale_all))
    xs = [float(i) + 0.5 for i in range(100)]
    ids = [id(x) for x in xs]
    expected = scale_all(list(xs), 3.0)
    assert f(xs, 3.0) == expected
    assert xs == [(i + 0.5) * 3.0 for i in range(100)]
    assert [id(x) for x in xs] == ids
    shared, held = 2.5, 7.25
    ys = [shared, shared, held, 1.5]
    before = [sys.getrefcount(o) for o in (shared, held)]
    assert f(ys, 2.0) == scale_all([2.5, 2.5, 7.25, 1.5], 2.0)
    assert (shared, held, ys) == (2.5, 7.25, [5.0, 5.0, 14.5, 3.0])
    assert [sys.getrefcount(o) for o in (shared, held)] == [b - n for b, n in zip(before,
                                                                                (2, 1))]
    with pytest.raises(IndexError):
        compile_graph(flowgraph.build_graph(store_past_end))([1.5], 2.0)


def store_past_end(xs: list[float], x: float) -> int:
    xs[len(xs)] = x
    return 0


NEWLIST = """\
graph build(n_0: Signed, x_1: Float) -> List(Float)
block0(n_0, x_1):
    l_2: List(Float) = newlist(List(Float), n_0, x_1)
    v3: Signed = list_len(l_2)
    v4: Bool = int_gt(v3, 0)
    exitswitch v4: False -> return(l_2) | True -> block1(l_2, x_1)
block1(l_5: List(Float), x_6: Float):
    v7: Float = float_mul(x_6, 2.0)
    list_setitem(l_5, -1, v7)
    return(l_5)"""


@given(st.integers(-3, 50), st.floats(allow_nan=False))
def test_lists_built_natively(n, x):
    g = _parsed(NEWLIST)
    assert compile_graph(g)(n, x) == run_graph(g, n, x)


def test_pop_from_empty_list_and_bad_items():
    g = parse_graph("graph p(l_0: List(Signed)) -> Signed\nblock0(l_0):\n"
                    "    v1: Signed = list_pop(l_0)\n    return(v1)")
    f = compile_graph(g)
    with pytest.raises(IndexError, match="pop from empty list"):
        f([])
    with pytest.raises(TypeError, match=r"^p\(\) argument 'l' must be list\[int\], not a list "
                       r"with a float at index 0$"):
        f([1.5])
    with pytest.raises(TypeError, match=r"^p\(\) argument 'l' must be list\[int\], not tuple$"):
        f((1, 2))
    assert f([1, 2**40]) == 2**40


# -- reference counts ---------------------------------------------------------------------

def test_no_reference_leaks_on_success_and_failure():
    lists, count = compile_graph(_parsed(LISTS)), compile_graph(_parsed(COUNT))
    items, text, big = [10**15 + 1], "abc" * 5, 10**15 + 7
    before = [sys.getrefcount(o) for o in (items, text, big)]
    for _ in range(1000):
        lists(items, 0, big)
        items[:] = [10**15 + 1]
        with pytest.raises(IndexError):
            lists(items, 7, big)
        assert count(text, "b") == 5
        with pytest.raises(TypeError):
            count(text, "bb")
    assert [sys.getrefcount(o) for o in (items, text, big)] == before
    assert items == [10**15 + 1]


# -- strings and chars --------------------------------------------------------------------

COUNT = """\
graph count(s_0: Str, c_1: Char) -> Signed
block0(s_0, c_1):
    v2: Signed = str_len(s_0)
    goto block1(s_0, c_1, 0, 0, v2)
block1(s_3: Str, c_4: Char, i_5: Signed, n_6: Signed, len_7: Signed):
    v8: Bool = int_lt(i_5, len_7)
    exitswitch v8: False -> return(n_6) | True -> block2(s_3, c_4, i_5, n_6, len_7)
block2(s_9: Str, c_10: Char, i_11: Signed, n_12: Signed, len_13: Signed):
    v14: Char = str_getitem(s_9, i_11)
    v15: Bool = char_eq(v14, c_10)
    v16: Signed = cast_bool_to_int(v15)
    n_17: Signed = int_add(n_12, v16)
    i_18: Signed = int_add(i_11, 1)
    goto block1(s_9, c_10, i_18, n_17, len_13)"""


@given(st.text(max_size=20), st.characters())
def test_strings_and_chars(s, c):
    assert compile_graph(_parsed(COUNT))(s, c) == s.count(c)


def test_char_arguments_are_checked():
    f = compile_graph(_parsed(COUNT))
    with pytest.raises(TypeError, match=r"^count\(\) argument 'c' must be a str of length 1, "
                       r"not a str of length 2$"):
        f("abc", "ab")


def test_char_result_and_switch_on_chars():
    g = parse_graph("""\
graph sw(s_0: Str, i_1: Signed) -> Char
block0(s_0, i_1):
    c_2: Char = str_getitem(s_0, i_1)
    exitswitch c_2: '+' -> return('-') | '-' -> return('+') | default -> return(c_2)""")
    f = compile_graph(g)
    assert [f("+-x\u20ac", i) for i in range(-4, 0)] == ["-", "+", "x", "\u20ac"]
    assert [f("+-x\u20ac", i) for i in range(4)] == ["-", "+", "x", "\u20ac"]
    with pytest.raises(IndexError, match="string index out of range"):
        f("abc", 3)


def test_switch_without_default_raises_runtime_error():
    g = parse_graph("graph sw(n_0: Signed) -> Signed\nblock0(n_0):\n"
                    "    exitswitch n_0: 1 -> return(10) | 2 -> return(20)")
    f = compile_graph(g)
    assert (f(1), f(2)) == (10, 20)
    with pytest.raises(RuntimeError, match="no exit"):
        f(3)


# -- structs ------------------------------------------------------------------------------

class Point:
    x: int
    y: float

    def __init__(self, x, y):
        self.x, self.y = x, y


POINT = StructType("Point", {"x": Signed}, Point)

STRUCTS = """\
struct Point(x: Signed, y: Float)
graph move(p_0: Point, dx_1: Signed) -> Point
block0(p_0, dx_1):
    v2: Signed = getfield(p_0, `x`)
    v3: Signed = int_add(v2, dx_1)
    setfield(p_0, `x`, v3)
    q_4: Point = malloc(Point)
    v5: Float = getfield(p_0, `y`)
    setfield(q_4, `y`, v5)
    return(q_4)"""


def test_structs_are_the_users_instances():
    point = StructType("Point", {"x": Signed, "y": Float}, Point)
    g = parse_graph(STRUCTS, types={"Point": point})
    p = Point(1, 2.5)
    q = compile_graph(g)(p, 41)
    assert p.x == 42 and type(q) is Point and (q.x, q.y) == (0, 2.5)
    with pytest.raises(TypeError, match=r"^move\(\) argument 'p' must be Point, not object$"):
        compile_graph(g)(object(), 1)


def test_struct_without_class_uses_the_interpreters_record_class():
    g = parse_graph(STRUCTS)
    q = compile_graph(g)(run_graph(g, run_graph(g, _record(g), 1), 2), 3)
    assert type(q).__name__ == "Point" and (q.x, q.y) == (0, 1.5)


def _record(g):
    from flowgraph.interp import record_class
    r = record_class(g.return_type)()
    r.x, r.y = 5, 1.5
    return r


# -- calls, recursion, exceptions ------------------------------------------------------------

FIB = """\
graph fib(n_0: Signed) -> Signed
block0(n_0):
    v1: Bool = int_lt(n_0, 2)
    exitswitch v1: False -> block1(n_0) | True -> return(n_0)
block1(n_2: Signed):
    v3: Signed = int_sub(n_2, 1)
    v4: Signed = direct_call(@fib, v3)
    v5: Signed = int_sub(n_2, 2)
    v6: Signed = direct_call(@fib, v5)
    v7: Signed = int_add(v4, v6)
    return(v7)"""


def test_recursion():
    assert [compile_graph(_parsed(FIB))(n) for n in range(15)] == \
        [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]


class Oops(Exception):
    pass


EVEN_ODD = """\
graph even(n_0: Signed) -> Bool
block0(n_0):
    v1: Bool = int_eq(n_0, 0)
    exitswitch v1: False -> block1(n_0) | True -> return(True)
block1(n_2: Signed):
    v3: Bool = int_lt(n_2, 0)
    exitswitch v3: False -> block2(n_2) | True -> raise(Oops, "negative")
block2(n_4: Signed):
    v5: Signed = int_sub(n_4, 1)
    v6: Bool = direct_call(@odd, v5)
    return(v6)

graph odd(n_0: Signed) -> Bool
block0(n_0):
    v1: Bool = int_eq(n_0, 0)
    exitswitch v1: False -> block1(n_0) | True -> return(False)
block1(n_2: Signed):
    v3: Signed = int_sub(n_2, 1)
    v4: Bool = direct_call(@even, v3)
    return(v4)

graph top(n_0: Signed, l_1: List(Signed)) -> Bool
block0(n_0, l_1):
    list_append(l_1, n_0)
    v2: Bool = direct_call(@even, n_0)
    list_append(l_1, 7)
    return(v2)"""


def test_mutual_recursion_and_user_raise_through_native_calls():
    graphs = parse_graphs(EVEN_ODD, classes={"Oops": Oops})
    top = compile_graph(graphs["top"])
    log = []
    assert [top(n, log) for n in range(6)] == [True, False, True, False, True, False]
    assert log == [0, 7, 1, 7, 2, 7, 3, 7, 4, 7, 5, 7]
    with pytest.raises(Oops, match="^negative$"):
        top(-3, log)
    assert log[-1] == -3                        # the append before the raise happened
    assert compile_graph(graphs["odd"])(7) is True
    assert compile_graph(graphs["odd"]).symbol != compile_graph(graphs["even"]).symbol


def test_callee_compiled_before_its_caller():
    square = parse_graph("graph square(x_0: Signed) -> Signed\nblock0(x_0):\n"
                         "    v1 = int_mul(x_0, x_0)\n    return(v1)")
    assert compile_graph(square)(9) == 81
    caller = parse_graph("graph caller(n_0: Signed) -> Signed\nblock0(n_0):\n"
                         "    r_1: Signed = direct_call(@square, n_0)\n"
                         "    r_2: Signed = int_add(r_1, 1)\n    return(r_2)",
                         graphs={"square": square})
    f = compile_graph(caller)
    assert f(9) == 82 and compile_graph(square).symbol in f.llvm_ir


def test_calls_to_python_functions():
    seen = []

    def callback(n, s):
        seen.append((n, s))
        return n * 2

    g = parse_graph("graph c(n_0: Signed) -> Signed\nblock0(n_0):\n"
                    "    r_1: Signed = direct_call(@cb, n_0, \"hi\")\n    return(r_1)")
    from flowgraph.model import Constant
    from flowgraph.lltypes import Void
    g.startblock.operations[0].args[0] = Constant(callback, Void)
    assert compile_graph(g)(21) == 42 and seen == [(21, "hi")]


def test_void_result_and_bool_arguments():
    g = parse_graph("graph v(b_0: Bool, l_1: List(Bool)) -> Void\nblock0(b_0, l_1):\n"
                    "    v2: Bool = bool_not(b_0)\n    list_append(l_1, v2)\n    return(None)")
    out = []
    assert compile_graph(g)(True, out) is None and out == [False]


_cache: dict = {}


def _parsed(text):
    if text not in _cache:
        _cache[text] = parse_graph(text)
    return _cache[text]


def test_prebuilt_constants_void_parameters_and_exit_order():
    from flowgraph.lltypes import ListType, Void
    from flowgraph.model import Block, Constant, FunctionGraph, Link, SpaceOperation, Variable
    table = [5, 6, 7]
    k, flag = Variable("k", Signed), Variable("flag", Void)
    v, cond = Variable("v", Signed), Variable("c", Bool)
    start = Block([flag, k])
    g = FunctionGraph("lookup", start, Signed)
    c_table = Constant(table, ListType(Signed))
    start.operations = [SpaceOperation("list_getitem", [c_table, k], v),
                        SpaceOperation("int_gt", [v, Constant(5, Signed)], cond),
                        SpaceOperation("list_append", [c_table, v], Variable("", Void))]
    start.exitswitch = cond
    start.closeblock(Link([v], g.returnblock, True), Link([Constant(0, Signed)], g.returnblock,
                                                          False))
    f = compile_graph(g)
    assert (f("anything", -1), f(None, 0)) == (7, 0) and table == [5, 6, 7, 7, 5]
    with pytest.raises(IndexError):
        f(None, 9)
    none_list = Constant(None, ListType(Signed))
    start.operations[0].args[0] = none_list
    g.invalidate()
    with pytest.raises(TypeError, match="expected a list, got NoneType"):
        compile_graph(g)(None, 0)


def test_compile_errors_name_graph_block_and_line():
    from flowgraph.lltypes import Void
    from flowgraph.model import Constant
    from rgen.llvm import CompileError
    g = parse_graph("graph c(n_0: Signed) -> Signed\nblock0(n_0):\n"
                    "    r_1: Signed = direct_call(@cb, n_0)\n    return(r_1)")
    g.startblock.operations[0].args[0] = Constant(5, Void)
    g.startblock.operations[0].lineno = 12
    with pytest.raises(CompileError, match=r"direct_call of 5, which is neither a graph nor "
                                           r"callable in graph c \(.*\), block0, line 12"):
        compile_graph(g)


def test_unbounded_recursion_is_a_recursion_error():
    g = parse_graph("graph down(n_0: Signed) -> Signed\nblock0(n_0):\n"
                    "    v1: Signed = int_sub(n_0, 1)\n"
                    "    v2: Signed = direct_call(@down, v1)\n    return(v2)")
    f = compile_graph(g)
    for _ in range(3):
        with pytest.raises(RecursionError, match="maximum recursion depth exceeded"):
            f(5)
    assert compile_graph(_parsed(FIB))(20) == 6765       # the depth count is balanced

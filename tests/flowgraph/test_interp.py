"""The flow-graph interpreter on hand-built graphs: every operation of the
table against its fold function and CPython, memory, calls, exceptions,
switches, resuming in the middle of a graph."""

import math
import operator

import pytest
from hypothesis import given, settings, strategies as st

from flowgraph import parse_graph
from flowgraph.interp import TailCall, get_source, resume_frames, resume_graph, run_graph
from flowgraph.lltypes import (ArrayType, Bool, Char, Class, DictType, Float, ListType, Signed, Str,
                               StructType, Void, typeof_constant)
from flowgraph.model import Block, Constant, FunctionGraph, Link, SpaceOperation, Variable
from flowgraph.operations import MAXINT, MININT, OPS, result_type

# -- building graphs by hand ---------------------------------------------------------


def c(value, t=None):
    return Constant(value, t if t is not None else typeof_constant(value))


def block(*types, names="abcdefghijklmnop"):
    return Block([Variable(n, t) for n, t in zip(names, types)])


def op(blk, opname, *args):
    """Append `opname(*args)` to `blk` (plain Python values become constants)."""
    args = [a if isinstance(a, (Variable, Constant)) else c(a) for a in args]
    v = Variable("", result_type(opname, args))
    blk.operations.append(SpaceOperation(opname, args, v))
    return v


def goto(blk, target, *args):
    blk.closeblock(Link([a if isinstance(a, (Variable, Constant)) else c(a) for a in args],
                        target))


def branch(blk, cond, if_false, if_true):
    """`if_false`/`if_true`: (target, args)."""
    blk.exitswitch = cond
    blk.closeblock(*[Link([a if isinstance(a, (Variable, Constant)) else c(a) for a in args],
                          target, case)
                     for case, (target, args) in ((False, if_false), (True, if_true))])


def graph(name, argtypes, rettype, names="abcdefghijklmnop"):
    start = block(*argtypes, names=names)
    return FunctionGraph(name, start, rettype), start, start.inputargs


def op_graph(opname, argtypes):
    """f(a, b, ...) = opname(a, b, ...)."""
    start = block(*argtypes)
    g = FunctionGraph(opname, start, Signed)
    r = op(start, opname, *start.inputargs)
    g.returnblock.inputargs[0].concretetype = r.concretetype
    goto(start, g.returnblock, r)
    return g


def power_graph():
    """power(x, n): acc = 1; while n > 0: acc *= x; n -= 1; return acc."""
    g, start, (x, n) = graph("power", [Signed, Signed], Signed, names=["x", "n"])
    head = block(Signed, Signed, Signed, names=["x", "n", "acc"])
    body = block(Signed, Signed, Signed, names=["x", "n", "acc"])
    goto(start, head, x, n, 1)
    hx, hn, hacc = head.inputargs
    branch(head, op(head, "int_gt", hn, 0), (g.returnblock, [hacc]), (body, [hx, hn, hacc]))
    bx, bn, bacc = body.inputargs
    goto(body, head, bx, op(body, "int_sub", bn, 1), op(body, "int_mul", bacc, bx))
    return g, head, body


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:
        return ("raise", type(e))


def same(a, b):
    if a[0] != b[0]:
        return False
    x, y = a[1], b[1]
    if type(x) is not type(y):
        return False
    if isinstance(x, float):
        return (math.isnan(x) and math.isnan(y)) or (
            x == y and math.copysign(1, x) == math.copysign(1, y))
    return x == y


# -- every operation with a fold function -------------------------------------------

_FAMILY = {"int": Signed, "float": Float, "char": Char, "bool": Bool}


def argtypes_of(opname):
    desc = OPS[opname]
    family = opname.split("_")[0]
    if family == "cast":
        return [_FAMILY[opname.split("_")[1]]]
    if opname == "str_getitem":
        return [Str, Signed]
    if family == "str":
        return [Str] * desc.arity
    if opname == "same_as":
        return [Signed]
    return [_FAMILY[family]] * desc.arity


EDGES = [0, 1, -1, 2, -2, 63, 64, 65, MAXINT, MININT, MAXINT - 1, MININT + 1,
         2**32, -2**32, 2**62, -2**62]
signed = st.one_of(st.sampled_from(EDGES), st.integers(MININT, MAXINT),
                   st.integers(-300, 300))
STRATEGIES = {Signed: signed, Float: st.floats(), Bool: st.booleans(),
              Char: st.characters(max_codepoint=0x2FF), Str: st.text(max_size=5)}
# a tuple's operations take a type and a constant index, ptr_eq references, the class
# operations an instance and a class: tests/timeshifter/test_tuples.py, test_none.py and
# test_classes.py
TUPLE_OPS = {"newtuple", "tuple_getitem", "tuple_getitem_var", "ptr_eq",
             "instance_isinstance", "cast_pointer", "instance_class", "class_issubclass",
             "class_is"}
FOLDED = sorted(name for name, desc in OPS.items()
                if desc.fold is not None and name not in TUPLE_OPS)

# CPython's own operators: where their result fits in 64 bits, ours must equal it
CPYTHON = {"int_add": operator.add, "int_sub": operator.sub, "int_mul": operator.mul,
           "int_floordiv": operator.floordiv, "int_mod": operator.mod,
           "int_lshift": operator.lshift, "int_rshift": operator.rshift,
           "int_neg": operator.neg, "int_abs": abs, "cast_float_to_int": int}


@pytest.mark.parametrize("opname", FOLDED)
def test_op_matches_fold_and_cpython(opname):
    g = op_graph(opname, argtypes_of(opname))
    fold = OPS[opname].fold
    args_strategy = st.tuples(*[STRATEGIES[t] for t in argtypes_of(opname)])

    @settings(max_examples=60)
    @given(args_strategy)
    def check(args):
        if opname == "int_lshift" and args[1] > 1000:
            args = (args[0], args[1] % 1000)   # CPython itself would build a huge int
        got, want = outcome(run_graph, g, *args), outcome(fold, *args)
        assert same(got, want), (args, got, want)
        if opname in CPYTHON:
            py = outcome(CPYTHON[opname], *args)
            if py[0] == "raise" or MININT <= py[1] <= MAXINT:
                assert same(got, py), (args, got, py)
    check()


@pytest.mark.parametrize("opname, args, want", [
    ("int_add", (MAXINT, 1), MININT),
    ("int_sub", (MININT, 1), MAXINT),
    ("int_mul", (2**32, 2**32), 0),
    ("int_mul", (MAXINT, MAXINT), 1),
    ("int_floordiv", (MININT, -1), MININT),
    ("int_floordiv", (-7, 2), -4),
    ("int_floordiv", (7, -2), -4),
    ("int_mod", (-7, 2), 1),
    ("int_mod", (7, -2), -1),
    ("int_mod", (MININT, -1), 0),
    ("int_neg", (MININT,), MININT),
    ("int_abs", (MININT,), MININT),
    ("int_lshift", (1, 63), MININT),
    ("int_lshift", (1, 64), 0),
    ("int_lshift", (3, 2**62), 0),
    ("int_lshift", (-1, MAXINT), 0),
    ("int_rshift", (-8, 1), -4),
    ("int_rshift", (-8, 64), -1),
    ("int_rshift", (8, MAXINT), 0),
    ("int_invert", (MININT,), MAXINT),
    ("cast_float_to_int", (1e19,), 1e19.__int__() - 2**64),
    ("cast_float_to_int", (-2.7,), -2),
    ("cast_int_to_char", (65,), "A"),
    ("cast_char_to_int", ("\u00e9",), 0xE9),
    ("int_is_true", (MININT,), True),
    ("float_is_true", (-0.0,), False),
    ("str_getitem", ("abc", -1), "c"),
])
def test_op_edge_cases(opname, args, want):
    got = run_graph(op_graph(opname, argtypes_of(opname)), *args)
    assert type(got) is type(want) and got == want


@pytest.mark.parametrize("opname", ["int_add", "int_sub", "int_mul"])
@pytest.mark.parametrize("const", [1, -1, 0, 2, -2, MAXINT, MININT])
@pytest.mark.parametrize("const_first", [False, True])
def test_wrap_with_a_constant_operand(opname, const, const_first):
    # the range check after `x + c` looks at one side only: check both edges
    g, start, (x,) = graph("withconst", [Signed], Signed)
    args = (c(const), x) if const_first else (x, c(const))
    goto(start, g.returnblock, op(start, opname, *args))
    for value in [MAXINT, MININT, MAXINT - 1, MININT + 1, 0, 1, -1, 2**62, -2**62]:
        pair = (const, value) if const_first else (value, const)
        assert run_graph(g, value) == OPS[opname].fold(*pair), pair


@pytest.mark.parametrize("opname, args, exc", [
    ("int_floordiv", (1, 0), ZeroDivisionError),
    ("int_mod", (MININT, 0), ZeroDivisionError),
    ("int_lshift", (1, -1), ValueError),
    ("int_rshift", (1, MININT), ValueError),
    ("float_truediv", (1.0, 0.0), ZeroDivisionError),
    ("float_floordiv", (1.0, -0.0), ZeroDivisionError),
    ("float_mod", (1.0, 0.0), ZeroDivisionError),
    ("cast_float_to_int", (math.inf,), OverflowError),
    ("cast_float_to_int", (math.nan,), ValueError),
    ("cast_int_to_char", (-1,), ValueError),
    ("cast_int_to_char", (MAXINT,), OverflowError),
    ("str_getitem", ("abc", 3), IndexError),
    ("str_getitem", ("abc", -4), IndexError),
])
def test_op_raises_cpython_exception_type(opname, args, exc):
    with pytest.raises(exc):
        run_graph(op_graph(opname, argtypes_of(opname)), *args)


def test_bool_ops_return_bools():
    assert run_graph(op_graph("int_lt", [Signed, Signed]), 1, 2) is True
    assert run_graph(op_graph("bool_not", [Bool]), True) is False
    assert run_graph(op_graph("int_is_true", [Signed]), 0) is False
    assert run_graph(op_graph("cast_bool_to_int", [Bool]), True) == 1


# -- lists, arrays, structs --------------------------------------------------------

LS = ListType(Signed)


def test_list_ops_and_mutation_visible_to_caller():
    # f(l, x): l[0] = x; l.append(x + 1); l.append(len(l)); v = l.pop(); return l[-1] + v
    g, start, (l, x) = graph("lists", [LS, Signed], Signed)
    op(start, "list_setitem", l, 0, x)
    op(start, "list_append", l, op(start, "int_add", x, 1))
    op(start, "list_append", l, op(start, "list_len", l))
    v = op(start, "list_pop", l)
    goto(start, g.returnblock, op(start, "int_add", op(start, "list_getitem", l, -1), v))
    lst = [5, 6]
    assert run_graph(g, lst, 10) == 11 + 3
    assert lst == [10, 6, 11]


def test_list_insert_reverse_delitem_change_the_callers_list():
    # f(l, i, x): l.insert(i, x); l.reverse(); del l[i]; return len(l)
    g, start, (l, i, x) = graph("edits", [LS, Signed, Signed], Signed)
    op(start, "list_insert", l, i, x)
    op(start, "list_reverse", l)
    op(start, "list_delitem", l, i)
    goto(start, g.returnblock, op(start, "list_len", l))
    lst = [5, 6, 7]
    assert run_graph(g, lst, -1, 9) == 3 and lst == [7, 9, 6]     # [5, 6, 9, 7] reversed, [-1] gone
    with pytest.raises(IndexError, match="list assignment index out of range"):
        run_graph(g, [], 1, 2)


def test_list_slice_and_concat_make_new_lists():
    # f(l, a, b): m = l[a:b] + l; m[0] = 0; return len(m)
    g, start, (l, a, b) = graph("pieces", [LS, Signed, Signed], Signed)
    m = op(start, "list_concat", op(start, "list_slice", l, a, b), l)
    op(start, "list_setitem", m, 0, 0)
    goto(start, g.returnblock, op(start, "int_add", op(start, "list_len", m),
                                  op(start, "list_getitem", m, -1)))
    lst = [5, 6, 7]
    assert run_graph(g, lst, -2, 99) == 5 + 7 and lst == [5, 6, 7]
    assert run_graph(g, lst, 2, 1) == 3 + 7


def test_dict_operations_change_the_callers_dict():
    # f(d, k, v): d[k] = v; return len(d) + d.get(k + 1, 0) + (k in d) + d[k]
    D = DictType(Signed, Signed)
    g, start, (d, k, v) = graph("dicts", [D, Signed, Signed], Signed)
    op(start, "dict_setitem", d, k, v)
    other = op(start, "dict_get", d, op(start, "int_add", k, 1), 0)
    found = op(start, "cast_bool_to_int", op(start, "dict_contains", d, k))
    total = op(start, "int_add", op(start, "dict_len", d), other)
    total = op(start, "int_add", total, found)
    goto(start, g.returnblock, op(start, "int_add", total, op(start, "dict_getitem", d, k)))
    table = {2: 30}
    assert run_graph(g, table, 1, 7) == 2 + 30 + 1 + 7 and table == {2: 30, 1: 7}
    fresh = op(graph("fresh", [], Signed)[1], "newdict", Constant(D, Void))
    assert fresh.concretetype == D
    k, kstart, (kd,) = graph("keys", [D], ListType(Signed))
    goto(kstart, k.returnblock, op(kstart, "dict_keys", kd))
    assert run_graph(k, {3: 1, 1: 2}) == [3, 1]
    e, estart, (ed, ek) = graph("dels", [D, Signed], Signed)
    op(estart, "dict_delitem", ed, ek)
    goto(estart, e.returnblock, op(estart, "dict_len", ed))
    table = {3: 1, 1: 2}
    assert run_graph(e, table, 3) == 1 and table == {1: 2}
    with pytest.raises(KeyError):
        run_graph(e, table, 3)


def test_newlist_and_list_errors():
    # f(n, fill, i) = ([fill] * n)[i]
    g, start, (n, fill, i) = graph("newlist", [Signed, Float, Signed], Float)
    lst = op(start, "newlist", Constant(ListType(Float), Void), n, fill)
    goto(start, g.returnblock, op(start, "list_getitem", lst, i))
    assert run_graph(g, 3, 1.5, -3) == 1.5
    with pytest.raises(IndexError):
        run_graph(g, 3, 1.5, 3)
    with pytest.raises(IndexError):
        run_graph(g, -2, 1.5, 0)             # [x] * -2 == [] as in CPython


def test_list_setitem_and_pop_errors():
    g, start, (l, i) = graph("setitem", [LS, Signed], Signed)
    op(start, "list_setitem", l, i, 7)
    goto(start, g.returnblock, op(start, "list_pop", l))
    with pytest.raises(IndexError):
        run_graph(g, [1, 2], 2)
    with pytest.raises(IndexError):
        run_graph(g, [1, 2], -3)
    assert run_graph(g, [1, 2], -2) == 2
    g2, start2, (l2,) = graph("pop", [LS], Signed)
    goto(start2, g2.returnblock, op(start2, "list_pop", l2))
    with pytest.raises(IndexError):
        run_graph(g2, [])


def test_arrays():
    # f(n, i, x): a = malloc_varsize(Array(Signed), n); a[i] = x
    #             return a[i - 1] * 100 + a[i] + len(a)
    AS = ArrayType(Signed)
    g, start, (n, i, x) = graph("arrays", [Signed, Signed, Signed], Signed)
    a = op(start, "malloc_varsize", Constant(AS, Void), n)
    op(start, "setarrayitem", a, i, x)
    prev = op(start, "getarrayitem", a, op(start, "int_sub", i, 1))
    total = op(start, "int_add", op(start, "int_mul", prev, 100), op(start, "getarrayitem", a, i))
    goto(start, g.returnblock, op(start, "int_add", total, op(start, "getarraysize", a)))
    assert run_graph(g, 3, 0, 9) == 0 + 9 + 3
    assert run_graph(g, 1, 0, 9) == 900 + 9 + 1
    with pytest.raises(IndexError):
        run_graph(g, 3, 3, 9)
    with pytest.raises(ValueError):
        run_graph(g, -1, 0, 9)


class Point:
    x: int
    y: float

    def __init__(self):
        raise AssertionError("malloc must not call __init__")


def struct_graph(T):
    # f(a) = s = malloc(T); s.x = a; return s
    g, start, (a,) = graph("mkpoint", [Signed], T)
    s = op(start, "malloc", Constant(T, Void))
    op(start, "setfield", s, Constant("x", Void), a)
    goto(start, g.returnblock, s)
    return g


def test_malloc_with_user_class():
    T = StructType("Point", {"x": Signed, "y": Float, "label": Str}, Point)
    p = run_graph(struct_graph(T), 4)
    assert type(p) is Point and (p.x, p.y, p.label) == (4, 0.0, "")


def test_malloc_without_class_and_getfield():
    T = StructType("Pair", {"x": Signed, "next": None})
    T.fields["next"] = T
    g, start, (a,) = graph("getx", [Signed], Signed)
    s = op(start, "direct_call", Constant(struct_graph(T), Void), a)
    nxt = op(start, "getfield", s, Constant("next", Void))
    goto(start, g.returnblock, op(start, "getfield", s, Constant("x", Void)))
    assert run_graph(g, 12) == 12
    rec = run_graph(struct_graph(T), 3)
    assert type(rec).__name__ == "Pair" and rec.x == 3 and rec.next is None
    assert repr(rec) == "<Pair x=3, next=None>"
    assert nxt.concretetype is T


# -- calls, hints, exceptions, switches ------------------------------------------------

def test_direct_call_and_recursion():
    # fact(n) = 1 if n <= 1 else n * fact(n - 1)
    g, start, (n,) = graph("fact", [Signed], Signed)
    rec = block(Signed)
    branch(start, op(start, "int_le", n, 1), (rec, [n]), (g.returnblock, [1]))
    (m,) = rec.inputargs
    r = op(rec, "direct_call", Constant(g, Void), op(rec, "int_sub", m, 1))
    goto(rec, g.returnblock, op(rec, "int_mul", m, r))
    assert run_graph(g, 20) == math.factorial(20)
    assert run_graph(g, 25) == (math.factorial(25) + 2**63) % 2**64 - 2**63


def test_callee_exception_propagates_and_invalidate_rebinds():
    callee, cs, (a,) = graph("div10", [Signed], Signed)
    goto(cs, callee.returnblock, op(cs, "int_floordiv", 10, a))
    g, start, (x,) = graph("caller", [Signed], Signed)
    goto(start, g.returnblock, op(start, "direct_call", Constant(callee, Void), x))
    assert run_graph(g, 3) == 3
    with pytest.raises(ZeroDivisionError):
        run_graph(g, 0)
    cs.operations[0].opname = "int_mod"      # mutate the callee only
    callee.invalidate()
    assert run_graph(g, 3) == 1


def test_hints_return_their_argument():
    g, start, (x,) = graph("hints", [Signed], Signed)
    gmp = op(start, "hint", Constant(None, Void), Constant("global_merge_point", Void))
    y = op(start, "hint", x, Constant("concrete", Void))
    z = op(start, "hint", y, Constant("promote", Void))
    goto(start, g.returnblock, op(start, "same_as", z))
    assert gmp.concretetype is Void
    assert run_graph(g, 42) == 42


def test_exceptblock_raises_the_class_with_the_message():
    g, start, (x,) = graph("check", [Signed], Signed)
    branch(start, op(start, "int_lt", x, 0),
           (g.returnblock, [x]), (g.exceptblock, [Constant(KeyError, Class), c("negative")]))
    assert run_graph(g, 5) == 5
    with pytest.raises(KeyError, match="negative"):
        run_graph(g, -5)


def switch_graph(t, cases, default):
    """Switch on the argument: case value i -> return i-th result."""
    g, start, (x,) = graph("switch", [t], Signed)
    links = [Link([c(i)], g.returnblock, case) for i, case in enumerate(cases)]
    if default:
        links.append(Link([c(-1)], g.returnblock, "default"))
    start.exitswitch = x
    start.closeblock(*links)
    return g


def test_switches():
    g = switch_graph(Signed, [3, -4, 0], default=True)
    assert [run_graph(g, v) for v in (3, -4, 0, 7)] == [0, 1, 2, -1]
    g = switch_graph(Char, ["+", "'", "\n"], default=False)
    assert [run_graph(g, v) for v in "+'\n"] == [0, 1, 2]
    with pytest.raises(RuntimeError, match=r"switch value 'x' has no exit in block0"):
        run_graph(g, "x")
    assert run_graph(switch_graph(Signed, [], default=True), 5) == -1


@pytest.mark.parametrize("n", [9, 100, 5000])
def test_large_switches_bisect(n):
    g = switch_graph(Signed, [i * 3 - 50 for i in range(n)], default=True)
    assert [run_graph(g, i * 3 - 50) for i in range(n)] == list(range(n))
    assert [run_graph(g, v) for v in (-49, MAXINT, MININT)] == [-1, -1, -1]
    assert "_i = _k0.get(a_0, " in get_source(g)


def test_large_char_switch_without_default():
    g = switch_graph(Char, [chr(65 + i) for i in range(20)], default=False)
    assert [run_graph(g, chr(65 + i)) for i in range(20)] == list(range(20))
    with pytest.raises(RuntimeError, match=r"switch value 'z' has no exit in block0"):
        run_graph(g, "z")


def test_wrong_argument_count():
    g, _, _ = power_graph()
    with pytest.raises(TypeError) as info:
        run_graph(g, 1, 2, 3)
    assert str(info.value) == "power() takes 2 positional arguments but 3 were given"


# -- control flow ---------------------------------------------------------------------

@given(st.integers(-5, 5), st.integers(-2, 70))
def test_loop(x, n):
    g, _, _ = power_graph()
    want = 1
    for _ in range(n):
        want *= x
    assert run_graph(g, x, n) == (want + 2**63) % 2**64 - 2**63


def test_loop_swapping_arguments():
    # fib(n): a, b = 0, 1; while n > 0: a, b = b, a + b; n -= 1; return a
    g, start, (n,) = graph("fib", [Signed], Signed)
    head = block(Signed, Signed, Signed)
    goto(start, head, 0, 1, n)
    a, b, k = head.inputargs
    k1, s = op(head, "int_sub", k, 1), op(head, "int_add", a, b)
    branch(head, op(head, "int_gt", k, 0), (g.returnblock, [a]), (head, [b, s, k1]))
    assert [run_graph(g, i) for i in range(10)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]


def test_link_copies_are_parallel():
    # f(a, b) -> T(b, a, a) inline -> T computes p - q * 10 + r * 100, then
    # U(r, p, p) (label, reached twice) returns u - v * 10 + w * 100
    g, start, (a, b) = graph("copies", [Signed, Signed], Signed)
    t, u = block(Signed, Signed, Signed), block(Signed, Signed, Signed)
    goto(start, t, b, a, a)
    p, q, r = t.inputargs
    val = op(t, "int_add", op(t, "int_sub", p, op(t, "int_mul", q, 10)), op(t, "int_mul", r, 100))
    branch(t, op(t, "int_gt", p, 0), (u, [r, p, p]), (u, [val, q, r]))
    x, y, z = u.inputargs
    res = op(u, "int_add", op(u, "int_sub", x, op(u, "int_mul", y, 10)), op(u, "int_mul", z, 100))
    goto(u, g.returnblock, res)

    def expected(a, b):
        p, q, r = b, a, a
        x, y, z = (p - q * 10 + r * 100, q, r) if p > 0 else (r, p, p)
        return x - y * 10 + z * 100
    for args in [(1, 2), (3, -4), (0, 0), (-5, 7)]:
        assert run_graph(g, *args) == expected(*args)


def test_small_joins_are_copied_into_predecessors():
    # f(x, y): x = x + 1 if y else x - 1 (a diamond); join J: r = x * 2 -> return
    g, start, (x, y) = graph("diamond", [Signed, Bool], Signed)
    left, right, join = block(Signed), block(Signed), block(Signed)
    branch(start, y, (right, [x]), (left, [x]))
    goto(left, join, op(left, "int_add", left.inputargs[0], 1))
    goto(right, join, op(right, "int_sub", right.inputargs[0], 1))
    goto(join, g.returnblock, op(join, "int_mul", join.inputargs[0], 2))
    assert (run_graph(g, 5, True), run_graph(g, 5, False)) == (12, 8)
    src = get_source(g)
    assert src.count(" * 2") == 3 and "_b = " not in src.split("while True:")[0]


def test_cycle_of_small_joins():
    # start: y ? A(x) : B(x);  A(a): a1 = a - 1; a1 > 0 ? B(a1) : return(a1)
    #                          B(b): b1 = b - 2; goto A(b1)
    g, start, (x, y) = graph("cycle", [Signed, Bool], Signed)
    A, B = block(Signed), block(Signed)
    branch(start, y, (B, [x]), (A, [x]))
    a1 = op(A, "int_sub", A.inputargs[0], 1)
    branch(A, op(A, "int_gt", a1, 0), (g.returnblock, [a1]), (B, [a1]))
    goto(B, A, op(B, "int_sub", B.inputargs[0], 2))

    def expected(x, y):
        a = x if y else x - 2
        while True:
            a -= 1
            if not a > 0:
                return a
            a -= 2
    for x in range(-3, 12):
        for y in (False, True):
            assert run_graph(g, x, y) == expected(x, y)
    assert resume_graph(g, B, [10]) == expected(10, False)


def test_chain_of_small_switching_joins_stays_small():
    # J_i(x): x > i ? J_{i+1}(x + 1) : J_{i+1}(x - 1), 40 of them: copying every join
    # into both predecessors would double the code at each step
    g, start, (x,) = graph("chain2", [Signed], Signed)
    joins = [block(Signed) for _ in range(41)]
    branch(start, op(start, "int_gt", x, 0), (joins[0], [x]), (joins[0], [x]))
    for i, j in enumerate(joins[:-1]):
        v = j.inputargs[0]
        up, down = op(j, "int_add", v, 1), op(j, "int_sub", v, 1)
        branch(j, op(j, "int_gt", v, i), (joins[i + 1], [down]), (joins[i + 1], [up]))
    goto(joins[-1], g.returnblock, joins[-1].inputargs[0])

    def expected(x):
        for i in range(40):
            x = x + 1 if x > i else x - 1
        return x
    assert [run_graph(g, v) for v in (-3, 0, 5, 50)] == [expected(v) for v in (-3, 0, 5, 50)]
    assert len(get_source(g).splitlines()) < 2000


def test_deep_nesting_becomes_labels():
    # a chain of 120 tests x == i, each in the False branch of the previous one
    g, start, (x,) = graph("chain", [Signed], Signed)
    blk = start
    for i in range(120):
        nxt = block(Signed)
        branch(blk, op(blk, "int_eq", blk.inputargs[0], i),
               (nxt, [blk.inputargs[0]]), (g.returnblock, [i * 10]))
        blk = nxt
    goto(blk, g.returnblock, -1)
    assert [run_graph(g, v) for v in (0, 57, 119, 120)] == [0, 570, 1190, -1]
    assert max(len(line) - len(line.lstrip()) for line in get_source(g).splitlines()) <= 4 * 52


POWER_SOURCE = """\
def graph_power(x_0, n_1, _b=0, _env=None):
    if _b == 0:
        acc_2 = 1
        _b = 1
    elif _b == 1:
        x_0, n_1, acc_2, = _env
    while True:
        if _b == 1:
            if n_1 > 0:
                n_1 = n_1 - 1
                if n_1 < -9223372036854775808: n_1 = _wrap(n_1)
                acc_2 = acc_2 * x_0
                if not -9223372036854775808 <= acc_2 <= 9223372036854775807: acc_2 = _wrap(acc_2)
                continue
            else:
                return acc_2
        _bad_label(_b)
"""


def test_source_is_readable_and_cached():
    g, _, _ = power_graph()
    src = get_source(g)
    assert src == POWER_SOURCE
    assert g._cache["py_source"] == src
    assert get_source(g) is src
    g.invalidate()
    assert get_source(g) is not src


# -- resuming ---------------------------------------------------------------------------

def test_resume_at_label_and_inline_blocks():
    g, head, body = power_graph()
    assert resume_graph(g, head, [3, 2, 5]) == 45
    assert resume_graph(g, body, [3, 2, 5]) == 45
    assert resume_graph(g, body, [2, 3, 10]) == 80
    assert resume_graph(g, g.returnblock, [7]) == 7
    with pytest.raises(ValueError, match="boom"):
        resume_graph(g, g.exceptblock, [ValueError, "boom"])


def test_resume_at_inline_block_with_unused_argument():
    # f(x, y): B(x, y) inline; B returns y * 2 (x unused there)
    g, start, (x, y) = graph("unused", [Signed, Signed], Signed)
    b = block(Signed, Signed)
    goto(start, b, x, y)
    goto(b, g.returnblock, op(b, "int_mul", b.inputargs[1], 2))
    assert resume_graph(g, b, [1, 21]) == 42
    assert resume_graph(g, b, {b.inputargs[1]: 4}) == 8
    with pytest.raises(TypeError, match="resume unused: block takes 2 values, got 1"):
        resume_graph(g, b, [1])
    with pytest.raises(TypeError, match="at operation 1: want a mapping Variable -> value"):
        resume_graph(g, b, [1, 2], opindex=1)


def test_resume_in_the_middle_of_a_block():
    g, head, body = power_graph()
    bx, bn, bacc = body.inputargs
    sub = body.operations[0].result
    # after n - 1 was computed: needs x, acc and the new n
    assert resume_graph(g, body, {bx: 2, bacc: 5, sub: 2}, opindex=1) == 5 * 2 * 2 * 2
    # at the end of the block: only the link arguments are live
    mul = body.operations[1].result
    assert resume_graph(g, body, {bx: 2, sub: 1, mul: 7}, opindex=2) == 14
    with pytest.raises(TypeError, match="no value for live variable"):
        resume_graph(g, body, {bx: 2, bacc: 5}, opindex=1)
    # the head: its condition is fused into the `if` unless resumed after it
    cond = head.operations[0].result
    hx, hn, hacc = head.inputargs
    assert resume_graph(g, head, {hx: 3, hn: 1, hacc: 4, cond: False}, opindex=1) == 4
    assert resume_graph(g, head, {hx: 3, hn: 1, hacc: 4, cond: True}, opindex=1) == 12


def test_resume_frames_continues_the_caller():
    # caller(x) = power(x, 3) + x; resume inside power, then the caller's continuation
    callee, head, body = power_graph()
    g, start, (x,) = graph("caller", [Signed], Signed)
    r = op(start, "direct_call", Constant(callee, Void), x, 3)
    goto(start, g.returnblock, op(start, "int_add", r, x))
    assert run_graph(g, 2) == 10
    bx, bn, bacc = body.inputargs
    frames = [(callee, body, 0, [2, 1, 100]), (g, start, 1, {x: 5})]
    assert resume_frames(frames) == 200 + 5


def test_resume_frames_wants_a_call_before_the_outer_opindex():
    callee, head, body = power_graph()
    g, start, (x,) = graph("caller", [Signed], Signed)
    r = op(start, "direct_call", Constant(callee, Void), x, 3)
    goto(start, g.returnblock, op(start, "int_add", r, x))
    with pytest.raises(ValueError, match="operation 1 of the block in caller is int_add, "
                                         "want direct_call"):
        resume_frames([(callee, body, 0, [2, 1, 100]), (g, start, 2, {x: 5})])


def test_resume_rejects_bad_opindex():
    g, head, body = power_graph()
    with pytest.raises(ValueError, match=r"opindex 3 out of range 0\.\.2"):
        resume_graph(g, body, {}, opindex=3)


def test_resume_rejects_foreign_block():
    g, _, _ = power_graph()
    with pytest.raises(ValueError, match="not a block of the graph"):
        resume_graph(g, block(Signed), [1])


DEDICATED = {"newlist", "list_len", "list_getitem", "list_setitem", "list_append", "list_pop",
             "list_insert", "list_reverse", "list_delitem", "list_slice", "list_concat",
             "newdict", "dict_getitem", "dict_setitem", "dict_contains", "dict_get", "dict_len",
             "dict_keys", "dict_delitem",
             "malloc", "getfield", "setfield", "malloc_varsize", "getarrayitem",
             "setarrayitem", "getarraysize", "direct_call", "hint", "promote",
             "tail_call", "exc_message", "exc_class", "print_str"}


class _FakeSite:
    """Stands for a timeshifter promotion site: `dispatch` gives a result or
    another tail transfer; a return type for the operation table."""
    return_type = Signed

    def __init__(self, then=None):
        self.calls = []
        self.then = then

    def dispatch(self, value, live):
        self.calls.append((value, live))
        if self.then is not None:
            return TailCall(self.then, (value * 100, *live))
        return value * 100 + sum(live)


def test_promote_is_a_tail_transfer_run_by_the_trampoline():
    site = _FakeSite()
    g, start, (x, y) = graph("p", [Signed, Signed], Signed)
    r = op(start, "promote", Constant(site, Void), x, x, y)
    goto(start, g.returnblock, r)
    assert run_graph(g, 3, 4) == 307
    assert site.calls == [(3, (3, 4))]


def test_tail_call_loop_does_not_grow_the_stack():
    """count(n, acc): a function that tail-calls itself n times (far more than
    Python's recursion limit) and a promote handing over to it."""
    g, start, (n, acc) = graph("count", [Signed, Signed], Signed)
    stop = block(Signed, names=["acc"])
    go = block(Signed, Signed, names=["n", "acc"])
    start.exitswitch = op(start, "int_gt", n, 0)
    start.closeblock(Link([acc], stop, False), Link([n, acc], go, True))
    goto(stop, g.returnblock, stop.inputargs[0])
    r = op(go, "tail_call", Constant(g, Void), op(go, "int_sub", go.inputargs[0], 1),
           op(go, "int_add", go.inputargs[1], 2))
    goto(go, g.returnblock, r)
    assert run_graph(g, 100_000, 0) == 200_000
    site = _FakeSite(then=g)
    h, hstart, (x,) = graph("h", [Signed], Signed)
    goto(hstart, h.returnblock, op(hstart, "promote", Constant(site, Void), x, x))
    assert run_graph(h, 500) == 500 + 2 * 50_000     # count(50_000, 500)


RAISING_CALL = """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = direct_call(@g, x_0)
    exitswitch last_exception: None -> return(v1) | Oops -> block1()
block1():
    v2: Str = exc_message()
    v3: Signed = str_len(v2)
    v4: Signed = int_neg(v3)
    return(v4)

graph g(x_0: Signed) -> Signed
block0(x_0):
    v1: Bool = int_gt(x_0, 0)
    exitswitch v1: False -> block1(x_0) | True -> return(x_0)
block1(x_2: Signed):
    v3: Bool = int_eq(x_2, 0)
    exitswitch v3: False -> raise(Oops, "negative") | True -> raise(ValueError, "zero")
"""


def test_a_call_with_exception_exits_catches_only_their_classes():
    """The exception link's class catches what the callee raises (its
    message read by exc_message); another class propagates."""
    g = parse_graph(RAISING_CALL)
    assert run_graph(g, 7) == 7
    assert run_graph(g, -3) == -len("negative")
    with pytest.raises(ValueError, match="zero"):
        run_graph(g, 0)


def test_a_handler_raises_the_class_it_caught_again():
    """exc_class() gives the class of the exception caught (a subclass of
    the link's), which the handler raises again: interpreted and native."""
    import rgen
    text = RAISING_CALL.replace("| Oops -> block1()", "| Exception -> block1()").replace(
        """    v3: Signed = str_len(v2)
    v4: Signed = int_neg(v3)
    return(v4)""", """    v3: Class = exc_class()
    raise(v3, v2)""")
    g = parse_graph(text)
    for run in (lambda x: run_graph(g, x), rgen.compile_graph(g)):
        assert run(7) == 7
        with pytest.raises(Exception, match="^negative$") as info:
            run(-3)
        assert type(info.value).__name__ == "Oops"
        with pytest.raises(ValueError, match="^zero$"):
            run(0)


def test_every_operation_is_tested():
    assert set(OPS) == set(FOLDED) | DEDICATED | TUPLE_OPS


def counter_with_merge_point():
    """count(n): i = 0; while i < n: gmp; i += 1; return i."""
    g, start, (n,) = graph("count", [Signed], Signed, names=["n"])
    head = block(Signed, Signed, names=["n", "i"])
    goto(start, head, n, 0)
    hn, hi = head.inputargs
    op(head, "hint", Constant(None, Void), Constant("global_merge_point", Void))
    nxt = op(head, "int_add", hi, 1)
    branch(head, op(head, "int_lt", hi, hn), (g.returnblock, [hi]), (head, [hn, nxt]))
    return g, head


def test_merge_point_hook_sees_live_values_and_may_return():
    g, head = counter_with_merge_point()
    seen = []

    def hook(site, values):
        assert (site.graph, site.block, site.opindex) == (g, head, 1)
        seen.append(values[head.inputargs[1]])
        if values[head.inputargs[1]] == 3:
            return ("stopped",)
        assert resume_graph(g, head, values, opindex=1) == 5   # the rest, interpreted
        return None

    assert run_graph(g, 5, merge_point=hook) == "stopped"
    assert seen == [0, 1, 2, 3]
    assert run_graph(g, 5) == 5                    # no hook: nothing called
    assert seen == [0, 1, 2, 3]
    tailsite = []
    assert resume_graph(g, head, {head.inputargs[0]: 2, head.inputargs[1]: 1}, opindex=1,
                        merge_point=lambda s, v: tailsite.append(v) or None) == 2
    assert len(tailsite) == 1


def test_each_thread_sees_its_own_merge_point_hook():
    """Two threads run the graph with their own hooks, interleaved (A starts,
    B starts, A ends, B ends): each hook sees only its thread's run, and no
    hook is left installed after.  With one global hook, B restored A's when
    it ended, and every later run in any thread called it (a JIT's graph
    baseline in two threads)."""
    import threading
    g, head = counter_with_merge_point()
    events = {name: threading.Event() for name in ("a_in", "b_in", "a_go", "b_go")}
    seen = {"a": [], "b": []}

    def hook(name):
        def seen_by(site, values):
            seen[name].append(values[head.inputargs[1]])
            if len(seen[name]) == 1:
                events[f"{name}_in"].set()
                events[f"{name}_go"].wait(10)
            return None
        return seen_by

    a = threading.Thread(target=lambda: run_graph(g, 2, merge_point=hook("a")))
    b = threading.Thread(target=lambda: run_graph(g, 3, merge_point=hook("b")))
    a.start()
    assert events["a_in"].wait(10)
    b.start()
    assert events["b_in"].wait(10)
    events["a_go"].set()
    a.join(10)
    events["b_go"].set()
    b.join(10)
    assert seen == {"a": [0, 1, 2], "b": [0, 1, 2, 3]}
    assert run_graph(g, 4) == 4 and seen == {"a": [0, 1, 2], "b": [0, 1, 2, 3]}


def test_merge_point_hook_in_a_callee():
    callee, head = counter_with_merge_point()
    g, start, (x,) = graph("caller", [Signed], Signed)
    r = op(start, "direct_call", Constant(callee, Void), x)
    goto(start, g.returnblock, op(start, "int_mul", r, 10))
    assert run_graph(g, 4, merge_point=lambda s, v: (-1,)) == -10


def test_unread_results_still_raise_and_mutate():
    # f(l, a, b): a // b; a + b; l.append(a << 70); return 0 -- no result is read
    g, start, (l, a, b) = graph("unread", [LS, Signed, Signed], Signed)
    op(start, "int_floordiv", a, b)
    op(start, "int_add", a, b)
    op(start, "list_append", l, op(start, "int_lshift", a, 70))
    goto(start, g.returnblock, 0)
    lst = []
    assert run_graph(g, lst, MAXINT, 1) == 0 and lst == [0]
    with pytest.raises(ZeroDivisionError):
        run_graph(g, lst, 1, 0)
    assert get_source(g).splitlines()[2:5] == [
        "        b_1 // c_2", "        v_5 = b_1 << (70 if 70 < 64 else 64)",
        "        if not -9223372036854775808 <= v_5 <= 9223372036854775807: v_5 = _wrap(v_5)"]


# -- built functions: resuming anywhere agrees with CPython --------------------------

def one_op_graph(o):
    """A graph running just `o`, its variable arguments as parameters."""
    params = list(dict.fromkeys(a for a in o.args if isinstance(a, Variable)))
    fresh = {v: Variable(v.name, v.concretetype) for v in params}
    start = Block([fresh[v] for v in params])
    g = FunctionGraph(o.opname, start, o.result.concretetype)
    res = Variable("", o.result.concretetype)
    start.operations.append(SpaceOperation(o.opname, [fresh.get(a, a) for a in o.args], res))
    start.closeblock(Link([res], g.returnblock))
    return g, params


def snapshots(g, args, max_visits=2):
    """Run `g` operation by operation (each through its own one-op graph) and
    collect (block, opindex, deep copy of the block's variables) before each
    operation and before the exits, at most `max_visits` times per place."""
    import copy
    graphs, visits, found = {}, {}, []
    block, env = g.startblock, dict(zip(g.startblock.inputargs, args))
    while block is not g.returnblock and block is not g.exceptblock:
        for k in range(len(block.operations) + 1):
            visits[block, k] = visits.get((block, k), 0) + 1
            if visits[block, k] <= max_visits:
                keys = list(env)
                found.append((block, k, dict(zip(keys, copy.deepcopy([env[v] for v in keys])))))
            if k == len(block.operations):
                break
            o = block.operations[k]
            if o not in graphs:
                graphs[o] = one_op_graph(o)
            og, params = graphs[o]
            env[o.result] = run_graph(og, *[env[v] for v in params])
        val = lambda a: env[a] if isinstance(a, Variable) else a.value    # noqa: E731
        if block.exitswitch is None:
            link = block.exits[0]
        else:
            sw = val(block.exitswitch)
            link = next((l for l in block.exits if l.exitcase == sw and type(l.exitcase)
                         is type(sw)), None) or block.exits[-1]
        block, env = link.target, {t: val(a) for a, t in zip(link.args, link.target.inputargs)}
    return found


RESUME_EXAMPLES = ["power", "collatz_steps", "gcd", "tree_eval", "sieve", "bubble_sort",
                   "push_pop", "bank", "interpret", "run_stack", "bf", "dfa_match",
                   "plus_minus_str", "newton_sqrt", "checked_div"]


@pytest.mark.parametrize("name", RESUME_EXAMPLES)
def test_resume_anywhere_in_built_functions(name):
    import copy

    import flowgraph
    from examples import by_name
    from tests.differential import same_value
    example = by_name(name)
    g = flowgraph.build_graph(example.func)

    @settings(max_examples=4)
    @given(example.strategy())
    def check(args):
        want = outcome(example.func, *copy.deepcopy(args))
        points = snapshots(g, copy.deepcopy(args)) if want[0] == "ok" else []
        for block, k, env in points:
            got = outcome(resume_graph, g, block, env, k)
            assert got[0] == "ok" and same_value(got[1], want[1]), (block, k, got, want)
    check()


def test_merge_point_resume_in_a_built_interpreter():
    import flowgraph
    from examples.interpreters import FACTORIAL, run_stack
    g = flowgraph.build_graph(run_stack)
    results = []

    def hook(site, values):
        import copy
        keys = list(values)          # resume on copies: the stack is shared with the run
        values = dict(zip(keys, copy.deepcopy([values[v] for v in keys])))
        results.append(resume_graph(site.graph, site.block, values, site.opindex))
        return None

    assert run_graph(g, FACTORIAL, 6, 0, 0, merge_point=hook) == 720
    assert len(results) > 20 and set(results) == {720}


def test_public_names_are_importable_from_interp():
    """flowgraph.interp is split in parts; its public names stay where users import them."""
    import flowgraph.interp as interp
    import flowgraph.interp.runtime as runtime
    for name in ("TailCall", "Promote", "MergePoint", "Record", "record_class",
                 "struct_factory", "has_tail_ops"):
        assert getattr(interp, name) is getattr(runtime, name)
    for name in interp.__all__:
        assert callable(getattr(interp, name))

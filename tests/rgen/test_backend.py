"""The backend test suite: every builder method, checked by running the
built graph on each backend (see conftest.py).  Expected results come from
plain Python."""

from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from flowgraph.lltypes import (ArrayType, Bool, Char, Float, ListType, Signed, Str,
                               StructType, Void)
from flowgraph.model import Constant, Variable
from flowgraph.operations import wrap
from flowgraph.passes import PassOptions
from rgen import GraphBackend, RgenError

ints = st.integers(-2**63, 2**63 - 1)
small = st.integers(-1000, 1000)


def c(value, lltype=Signed):
    return Constant(value, lltype)


def opcounts(graph) -> dict:
    return dict(Counter(op.opname for op in graph.iteroperations()))


# -- straight-line code -----------------------------------------------------

def test_adder(backend):
    b, [x] = backend.new_graph("add5", [Signed], Signed, argnames=["x"])
    b.finish_return(b.genop("int_add", [x, b.genconst(5, Signed)]))
    g = b.end()
    assert g.name == "add5" and g.getargs()[0].name == "x"
    assert backend.run(g, 37) == 42
    assert backend.run(g, 2**63 - 1) == -2**63 + 4          # 64-bit wrap-around


def test_float_and_casts(backend):
    b, [x, f] = backend.new_graph("mix", [Signed, Float], Float)
    v = b.genop("cast_int_to_float", [x])
    b.finish_return(b.genop("float_mul", [v, f]))
    assert backend.run(b.end(), 3, 2.5) == 7.5


def test_return_constant(backend):
    b, [] = backend.new_graph("k", [], Signed)
    b.finish_return(b.genop("int_mul", [c(6), c(7)]))
    g = b.end()
    assert opcounts(g) == {} and b.op_count == 0
    assert backend.run(g) == 42


# -- folding and rules while building ---------------------------------------

def test_constant_folding_counts(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    k = b.genop("int_mul", [c(3), c(4)])                     # folded: 12
    assert k == c(12)
    y = b.genop("int_add", [x, k])
    z = b.genop("int_sub", [y, c(0)])                        # rule: y
    assert z is y
    b.finish_return(b.genop("int_mul", [z, c(1)]))           # rule: z
    assert b.op_count == 1 and backend.ops_emitted == 1
    g = b.end()
    assert opcounts(g) == {"int_add": 1}
    assert backend.run(g, 5) == 17


def test_fold_that_raises_is_emitted(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    q = b.genop("int_floordiv", [c(7), c(0)])
    assert isinstance(q, Variable)
    b.finish_return(b.genop("int_add", [x, q]))
    g = b.end()
    assert opcounts(g) == {"int_floordiv": 1, "int_add": 1}
    with pytest.raises(ZeroDivisionError):
        backend.run(g, 1)


def test_nested_rules_use_defining_op(backend):
    b, [flag, x] = backend.new_graph("f", [Bool, Signed], Bool)
    n1 = b.genop("bool_not", [flag])
    assert b.genop("bool_not", [n1]) is flag
    i = b.genop("cast_bool_to_int", [flag])
    assert b.genop("int_is_true", [i]) is flag
    assert b.genop("int_sub", [x, x]) == c(0)
    b.finish_return(n1)
    g = b.end()
    assert opcounts(g) == {"bool_not": 1}                    # the cast was dead
    assert backend.run(g, True, 3) is False


def test_rules_in_residual_code(backend):
    b, [v] = backend.new_graph("f", [Signed], Signed)
    w = b.genop("int_neg", [b.genop("int_neg", [v])])
    w = b.genop("int_xor", [b.genop("int_or", [w, c(0)]), c(0)])
    b.finish_return(b.genop("int_add", [w, c(1)]))
    g = b.end()
    assert opcounts(g) == {"int_add": 1}

    @given(x=ints)
    @settings(max_examples=50)
    def check(x):
        assert backend.run(g, x) == wrap(x + 1)
    check()


# -- branches, loops and labels ---------------------------------------------

def build_max(backend):
    b, [x, y] = backend.new_graph("max", [Signed, Signed], Signed)
    bt = b.jump_if_true(b.genop("int_gt", [x, y]))
    bt.finish_return(x)
    b.finish_return(y)
    return b.end()


def test_branch(backend):
    g = build_max(backend)
    assert [backend.run(g, x, y) for x, y in [(1, 2), (5, -3), (4, 4)]] == [2, 5, 4]

    @given(x=ints, y=ints)
    @settings(max_examples=50)
    def check(x, y):
        assert backend.run(g, x, y) == max(x, y)
    check()


def test_branch_on_constant(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    bt = b.jump_if_true(c(True, Bool))
    bt.finish_return(x)
    b.finish_return(b.genop("int_neg", [x]))             # unreachable, dropped
    g = b.end()
    assert opcounts(g) == {} and len(list(g.iterblocks())) == 2
    assert backend.run(g, 9) == 9


def test_values_defined_before_split_are_visible(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    a = b.genop("int_mul", [x, c(3)])
    d = b.genop("int_add", [x, c(100)])
    bt = b.jump_if_true(b.genop("int_lt", [x, c(0)]))
    bt.finish_return(bt.genop("int_sub", [a, d]))
    label, [m] = b.enter_label([a])
    b.finish_return(b.genop("int_add", [m, d]))
    g = b.end()
    assert backend.run(g, -5) == -15 - 95
    assert backend.run(g, 5) == 15 + 105


def build_sum_loop(backend):
    """sum(range(n)) * k, with n and k used inside the loop implicitly."""
    b, [n, k] = backend.new_graph("sumloop", [Signed, Signed], Signed, argnames=["n", "k"])
    label, [i, acc] = b.enter_label([c(0), c(0)])
    body = b.jump_if_true(b.genop("int_lt", [i, n]))
    b.finish_return(b.genop("int_mul", [acc, k]))
    acc2 = body.genop("int_add", [acc, i])
    body.jump(label, [body.genop("int_add", [i, c(1)]), acc2])
    return b.end()


def test_loop(backend):
    g = build_sum_loop(backend)
    for n in (0, 1, 10, 100):
        assert backend.run(g, n, 3) == sum(range(n)) * 3


def test_loop_graph_shape(backend):
    g = build_sum_loop(backend)
    assert str(g) + "\n" == """\
graph sumloop(n_0: Signed, k_1: Signed) -> Signed
block0(n_0, k_1):
    goto block1(0, 0, n_0, k_1)
block1(v2: Signed, v3: Signed, n_4: Signed, k_5: Signed):
    v6: Bool = int_lt(v2, n_4)
    exitswitch v6: False -> block2(k_5, v3) | True -> block3(n_4, k_5, v2, v3)
block2(k_7: Signed, v8: Signed):
    v9: Signed = int_mul(v8, k_7)
    return(v9)
block3(n_10: Signed, k_11: Signed, v12: Signed, v13: Signed):
    v14: Signed = int_add(v13, v12)
    v15: Signed = int_add(v12, 1)
    goto block1(v15, v14, n_10, k_11)
"""


def test_label_without_merge_values(backend):
    """A countdown loop whose state lives in a list (no merge values)."""
    LS = ListType(Signed)
    b, [n] = backend.new_graph("countdown", [Signed], Signed)
    box = b.genop("newlist", [Constant(LS, Void), c(1), n])
    label, [] = b.enter_label()
    cur = b.genop("list_getitem", [box, c(0)])
    body = b.jump_if_true(b.genop("int_gt", [cur, c(0)]))
    b.finish_return(cur)
    body.genop("list_setitem", [box, c(0), body.genop("int_sub", [cur, c(2)])])
    body.jump(label)
    g = b.end()
    assert backend.run(g, 7) == -1 and backend.run(g, 8) == 0


def test_nested_loops(backend):
    """sum(i * j for i in range(n) for j in range(i))"""
    b, [n] = backend.new_graph("nested", [Signed], Signed)
    outer, [i, acc] = b.enter_label([c(0), c(0)])
    obody = b.jump_if_true(b.genop("int_lt", [i, n]))
    b.finish_return(acc)
    inner, [j, acc2] = obody.enter_label([c(0), acc])
    ibody = obody.jump_if_true(obody.genop("int_lt", [j, i]))
    obody.jump(outer, [obody.genop("int_add", [i, c(1)]), acc2])
    prod = ibody.genop("int_mul", [i, j])
    ibody.jump(inner, [ibody.genop("int_add", [j, c(1)]), ibody.genop("int_add", [acc2, prod])])
    g = b.end()
    for n in (0, 3, 7):
        assert backend.run(g, n) == sum(i * j for i in range(n) for j in range(i))


# -- switches -----------------------------------------------------------------

def test_switch(backend):
    b, [x] = backend.new_graph("sw", [Signed], Signed)
    cases = b.switch(x, [1, 5, -3])
    for value, cb in cases.items():
        cb.finish_return(cb.genop("int_mul", [x, c(value * 10)]))
    b.finish_return(c(-1))
    g = b.end()
    expected = {1: 10, 5: 250, -3: 90, 0: -1, 7: -1}
    assert {x: backend.run(g, x) for x in expected} == expected


def test_switch_on_char(backend):
    b, [s, i] = backend.new_graph("chsw", [Str, Signed], Signed)
    ch = b.genop("str_getitem", [s, i])
    cases = b.switch(ch, ["+", "-"], default=False)
    cases["+"].finish_return(c(1))
    cases["-"].finish_return(c(-1))
    g = b.end()
    assert backend.run(g, "a+-", 1) == 1 and backend.run(g, "a+-", 2) == -1


def test_switch_on_constant(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    cases = b.switch(c(5), [1, 5])
    cases[1].finish_return(c(10))
    cases[5].finish_return(x)
    b.finish_return(c(0))
    g = b.end()
    assert len(list(g.iterblocks())) == 2 and backend.run(g, 3) == 3


# -- calls ----------------------------------------------------------------------

def test_call_between_generated_graphs(backend):
    bsq, [y] = backend.new_graph("square", [Signed], Signed)
    bsq.finish_return(bsq.genop("int_mul", [y, y]))
    b, [x] = backend.new_graph("caller", [Signed], Signed)
    r = b.genop("direct_call", [Constant(bsq.graph, Void), b.genop("int_add", [x, c(1)])])
    b.finish_return(b.genop("int_sub", [r, c(1)]))
    g = b.end()
    bsq.end()
    assert backend.run(g, 4) == 24


def test_recursive_call(backend):
    b, [n] = backend.new_graph("fact", [Signed], Signed)
    base = b.jump_if_true(b.genop("int_le", [n, c(1)]))
    base.finish_return(c(1))
    r = b.genop("direct_call", [Constant(b.graph, Void), b.genop("int_sub", [n, c(1)])])
    b.finish_return(b.genop("int_mul", [n, r]))
    g = b.end()
    assert [backend.run(g, n) for n in (0, 1, 5, 10)] == [1, 1, 120, 3628800]


def test_call_result_unused_stays(backend):
    bcallee, [y] = backend.new_graph("boom", [Signed], Signed)
    bcallee.finish_return(bcallee.genop("int_floordiv", [c(1), y]))
    bcallee.end()
    b, [x] = backend.new_graph("f", [Signed], Signed)
    b.genop("direct_call", [Constant(bcallee.graph, Void), x])
    b.finish_return(x)
    g = b.end()
    assert opcounts(g) == {"direct_call": 1}
    assert backend.run(g, 2) == 2
    with pytest.raises(ZeroDivisionError):
        backend.run(g, 0)


# -- raising ----------------------------------------------------------------------

def test_finish_raise(backend):
    b, [x] = backend.new_graph("check", [Signed], Signed)
    bad = b.jump_if_true(b.genop("int_lt", [x, c(0)]))
    bad.finish_raise(ValueError, "negative")
    b.finish_return(x)
    g = b.end()
    assert backend.run(g, 3) == 3
    with pytest.raises(ValueError, match="negative"):
        backend.run(g, -3)


def test_operation_raises(backend):
    b, [x, y] = backend.new_graph("div", [Signed, Signed], Signed)
    b.genop("int_floordiv", [x, y])                # unused, but it can raise: kept
    b.finish_return(x)
    g = b.end()
    assert opcounts(g) == {"int_floordiv": 1}
    with pytest.raises(ZeroDivisionError):
        backend.run(g, 1, 0)


# -- memory ---------------------------------------------------------------------------

def test_struct(backend):
    Point = StructType("Point", {"x": Signed, "y": Signed})
    b, [a, d] = backend.new_graph("pt", [Signed, Signed], Signed)
    p = b.genop("malloc", [Constant(Point, Void)])
    assert p.concretetype is Point
    b.genop("setfield", [p, Constant("x", Void), a])
    b.genop("setfield", [p, Constant("y", Void), d])
    gx = b.genop("getfield", [p, Constant("x", Void)])
    gy = b.genop("getfield", [p, Constant("y", Void)])
    b.finish_return(b.genop("int_sub", [gx, gy]))
    g = b.end()
    # the reads of what the block just stored are its values (rgen/fields.py)
    assert opcounts(g) == {"malloc": 1, "setfield": 2, "int_sub": 1}
    assert backend.run(g, 10, 3) == 7


def test_list_argument_mutated_in_place(backend):
    LS = ListType(Signed)
    b, [lst, v] = backend.new_graph("lst", [LS, Signed], Signed)
    b.genop("list_append", [lst, v])
    b.genop("list_setitem", [lst, c(0), c(99)])
    last = b.genop("list_getitem", [lst, c(-1)])
    popped = b.genop("list_pop", [lst])
    n = b.genop("list_len", [lst])
    b.finish_return(b.genop("int_add", [b.genop("int_mul", [n, c(1000)]),
                                        b.genop("int_add", [last, popped])]))
    g = b.end()
    data = [1, 2, 3]
    assert backend.run(g, data, 7) == 3014
    assert data == [99, 2, 3]


def test_newlist_and_index_error(backend):
    LS = ListType(Signed)
    b, [n, i] = backend.new_graph("nl", [Signed, Signed], Signed)
    lst = b.genop("newlist", [Constant(LS, Void), n, c(4)])
    b.finish_return(b.genop("list_getitem", [lst, i]))
    g = b.end()
    assert backend.run(g, 3, -1) == 4
    with pytest.raises(IndexError):
        backend.run(g, 3, 3)


def test_array(backend):
    A = ArrayType(Signed)
    b, [n] = backend.new_graph("arr", [Signed], Signed)
    arr = b.genop("malloc_varsize", [Constant(A, Void), n])
    b.genop("setarrayitem", [arr, c(0), c(5)])
    size = b.genop("getarraysize", [arr])
    b.finish_return(b.genop("int_add", [size, b.genop("getarrayitem", [arr, c(0)])]))
    g = b.end()
    assert backend.run(g, 4) == 9
    with pytest.raises(IndexError):
        backend.run(g, 0)


# -- redirect -----------------------------------------------------------------------

def build_redirected(backend):
    """A merge point first compiled for the constant x=5, then generalised.

    Path 1 (flag true) enters label L1 with x known to be 5 and compiles
    `x * y` there as `5 * y`.  Path 2 (flag false) arrives with x = 7: the
    timeshifter generalises: a new label L2 with a merge value gv_x, code
    compiled for it, and L1 redirected to L2 passing 5 for gv_x.
    """
    b, [flag, y] = backend.new_graph("redir", [Bool, Signed], Signed)
    b2 = b.jump_if_true(flag)
    l1, [] = b2.enter_label()
    b2.finish_return(b2.genop("int_mul", [c(5), y]))            # old code: dropped
    l2, [gx] = b.enter_label([c(7)])
    t = b.genop("int_mul", [gx, y])
    b.finish_return(b.genop("int_add", [t, c(1)]))
    backend.redirect_label(l1, l2, {gx: c(5)})
    return b.end()


def test_redirect(backend):
    g = build_redirected(backend)
    assert opcounts(g) == {"int_mul": 1, "int_add": 1}
    assert backend.run(g, True, 3) == 16 and backend.run(g, False, 3) == 22


def test_redirect_maps_old_merge_values_and_later_jumps(backend):
    """Old label L1(a) is redirected to L2(m) with m := a; a jump to L1
    written after the redirect follows it."""
    b, [x] = backend.new_graph("f", [Signed], Signed)
    cases = b.switch(x, [1, 2])
    b1 = cases[1]
    l1, [a] = b1.enter_label([b1.genop("int_add", [x, c(10)])])
    b1.finish_return(a)
    l2, [m] = b.enter_label([c(-100)])
    b.finish_return(b.genop("int_mul", [m, c(2)]))
    backend.redirect_label(l1, l2, {m: a})
    cases[2].jump(l1, [c(50)])                  # enters l2 with m = 50
    g = b.end()
    assert [backend.run(g, x) for x in (1, 2, 3)] == [22, 100, -200]


def test_redirect_errors(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    l1, [a] = b.enter_label([x])
    b2 = b.jump_if_true(b.genop("int_gt", [a, c(0)]))
    l2, [m] = b2.enter_label([a])
    with pytest.raises(RgenError, match="want a value for each merge value"):
        backend.redirect_label(l1, l2, {})
    with pytest.raises(RgenError, match="want a Signed value"):
        backend.redirect_label(l1, l2, {m: c(True, Bool)})
    other, _ = backend.new_graph("g", [], Signed)
    l3, [] = other.enter_label()
    with pytest.raises(RgenError, match="different functions"):
        backend.redirect_label(l1, l3, {})


# -- flexswitch ----------------------------------------------------------------------

def test_flexswitch_cases_added_after_running(backend):
    b, [x, y] = backend.new_graph("promo", [Signed, Signed], Signed)
    s = b.genop("int_add", [y, c(1000)])           # used by cases added later only
    flex = b.flexswitch(x)
    d = flex.default_builder()
    assert flex.default_builder() is d
    d.finish_return(c(-1))
    g = b.end()
    assert opcounts(g) == {}                       # s is dead for now
    assert backend.run(g, 5, 1) == -1
    c5 = flex.add_case(5)
    c5.finish_return(c5.genop("int_mul", [x, s]))
    assert b.end() is g
    assert backend.run(g, 5, 1) == 5005 and backend.run(g, 6, 1) == -1
    c6 = flex.add_case(c(6))
    c6.finish_return(c6.genop("int_sub", [y, s]))
    backend.finish()
    assert [backend.run(g, x, 2) for x in (5, 6, 7)] == [5010, -1000, -1]
    with pytest.raises(RgenError, match="already exists"):
        flex.add_case(5)


def test_flexswitch_on_bool(backend):
    b, [f] = backend.new_graph("pb", [Bool], Signed)
    flex = b.flexswitch(f)
    flex.default_builder().finish_return(c(0))
    flex.add_case(True).finish_return(c(1))
    g = b.end()
    assert backend.run(g, True) == 1 and backend.run(g, False) == 0


# -- errors ------------------------------------------------------------------------------

def test_value_not_dominating_its_use(backend):
    b, [x] = backend.new_graph("bad", [Signed], Signed)
    bt = b.jump_if_true(b.genop("int_gt", [x, c(0)]))
    only_true = bt.genop("int_add", [x, c(1)])
    bt.jump(label := b.enter_label()[0])
    b.finish_return(only_true)
    with pytest.raises(RgenError, match=r"bad: value .* is used where it is not defined"):
        b.end()
    assert label


def test_closed_builder(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    b.finish_return(x)
    with pytest.raises(RgenError, match="the builder is closed"):
        b.genop("int_add", [x, x])


def test_open_path_at_end(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    b.jump_if_true(b.genop("int_gt", [x, c(0)])).finish_return(x)
    with pytest.raises(RgenError, match="a path was left open"):
        b.end()


def test_bad_arguments(backend):
    b, [x] = backend.new_graph("f", [Signed], Signed)
    with pytest.raises(RgenError, match="unknown operation 'int_frob'"):
        b.genop("int_frob", [x])
    with pytest.raises(RgenError, match="int_add wants 2 arguments, have 1"):
        b.genop("int_add", [x])
    with pytest.raises(RgenError, match="want a Bool value"):
        b.jump_if_true(x)
    with pytest.raises(RgenError, match="finish_return: want a Signed value"):
        b.finish_return(c(1.5, Float))
    with pytest.raises(RgenError, match="does not fit a Char"):
        b.switch(Variable("ch", Char), [3])
    with pytest.raises(RgenError, match="square takes 1 arguments, have 2"):
        sq, _ = backend.new_graph("square", [Signed], Signed)
        b.genop("direct_call", [Constant(sq.graph, Void), x, x])
    with pytest.raises(RgenError, match="no result type for getfield"):
        b.genop("getfield", [x, Constant("f", Void)])


class PromotionCallback:
    """A Python function called from residual code (`direct_call` on a
    Constant callable with a `return_type`): attaches a case for the value it
    sees to the flexswitch, re-finishes the graph, and returns a marker."""

    return_type = Signed

    def __init__(self, flex, x):
        self.flex = flex
        self.x = x
        self.seen = []

    def __call__(self, value):
        self.seen.append(value)
        case = self.flex.add_case(value)
        case.finish_return(case.genop("int_mul", [self.x, c(100)]))
        case.end()
        return -value


def test_flexswitch_case_added_while_running(backend):
    backend.gen = GraphBackend(PassOptions(check=False))   # a plain Python callee, see below
    b, [x] = backend.new_graph("promote", [Signed], Signed)
    flex = b.flexswitch(x)
    callback = PromotionCallback(flex, x)
    d = flex.default_builder()
    d.finish_return(d.genop("direct_call", [Constant(callback, Void), x]))
    g = b.end()
    # checkgraph only accepts graphs as direct_call callees; the interpreter
    # and native code also call plain Python callables
    assert [backend.run(g, v, check=False) for v in (3, 3, 4, 3, 4)] == [-3, 300, -4, 300, 400]
    assert callback.seen == [3, 4]


def test_flexswitch_cases_jump_back_into_a_loop(backend):
    """An interpreter-like loop dispatching on a promoted value; cases are
    attached lazily after runs and jump back to the loop label."""
    b, [n] = backend.new_graph("interp", [Signed], Signed, argnames=["n"])
    loop, [i, acc] = b.enter_label([c(0), c(0)], names=["i", "acc"])
    done = b.jump_if_true(b.genop("int_ge", [i, n]))
    done.finish_return(acc)
    flex = b.flexswitch(b.genop("int_mod", [i, c(3)]))
    d = flex.default_builder()
    d.finish_return(d.genop("int_sub", [c(-1), i]))            # "fallback": -1 - i
    g = b.end()

    def attach(case):
        cb = flex.add_case(case)
        acc2 = cb.genop("int_add", [acc, c(10 ** case)])
        cb.jump(loop, [cb.genop("int_add", [i, c(1)]), acc2])
        backend.finish()

    assert backend.run(g, 5) == -1
    attach(0)
    assert backend.run(g, 5) == -2
    attach(2)
    attach(1)
    assert [backend.run(g, k) for k in (0, 5)] == [0, 122]
    assert sorted(opcounts(g).items()) == [("int_add", 6), ("int_ge", 1), ("int_mod", 1),
                                           ("int_sub", 1)]

"""Random programs: expression trees with conditionals, built through a
builder (so folding, rules, liveness threading, merges and clean-up all take
part) and run on each backend, against the same tree evaluated in Python with
the operation table's fold functions.

A tree is a leaf (`"x"`, `"y"` or an int), `(opname, left, right)`,
`("neg", t)` or `("ite", cmp, a, b, then, else)`: `then if a cmp b else else`,
compiled as a branch and a label with one merge value.  Values used inside a
branch that were computed before it (`x`, `y`, shared subtrees) reach it
through the backend's liveness threading.
"""

import pytest
from hypothesis import given, settings, strategies as st

from flowgraph.lltypes import Signed
from flowgraph.model import Constant
from flowgraph.operations import MAXINT, MININT, fold_op

BINOPS = ["int_add", "int_sub", "int_mul", "int_and", "int_or", "int_xor",
          "int_floordiv", "int_mod", "int_lshift", "int_rshift", "int_max"]
CMPS = ["int_lt", "int_le", "int_eq", "int_ne", "int_gt", "int_ge"]

leaves = st.one_of(st.sampled_from(["x", "y"]), st.sampled_from([0, 1, -1, 2, 63]),
                   st.integers(-100, 100))


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(BINOPS), children, children),
        st.tuples(st.just("int_neg"), children),
        st.tuples(st.just("ite"), st.sampled_from(CMPS), children, children, children,
                  children))


trees = st.recursive(leaves, _extend, max_leaves=12)
ints = st.one_of(st.sampled_from([0, 1, -1, 5, MAXINT, MININT]), st.integers(MININT, MAXINT))


def evaluate(tree, env):
    if isinstance(tree, str):
        return env[tree]
    if isinstance(tree, int):
        return tree
    if tree[0] == "ite":
        _, cmp, a, b, then, orelse = tree
        taken = fold_op(cmp, [evaluate(a, env), evaluate(b, env)])
        return evaluate(then if taken else orelse, env)
    return fold_op(tree[0], [evaluate(t, env) for t in tree[1:]])


def generate(builder, tree, env):
    """Emit `tree` through `builder` (which moves on past any merge)."""
    if isinstance(tree, str):
        return env[tree]
    if isinstance(tree, int):
        return Constant(tree, Signed)
    if tree[0] == "ite":
        _, cmp, a, b, then, orelse = tree
        cond = builder.genop(cmp, [generate(builder, a, env), generate(builder, b, env)])
        bthen = builder.jump_if_true(cond)
        gv_else = generate(builder, orelse, env)
        label, [merged] = builder.enter_label([gv_else])
        bthen.jump(label, [generate(bthen, then, env)])
        return merged
    return builder.genop(tree[0], [generate(builder, t, env) for t in tree[1:]])


def build(backend, tree):
    b, [x, y] = backend.new_graph("prog", [Signed, Signed], Signed, argnames=["x", "y"])
    b.finish_return(generate(b, tree, {"x": x, "y": y}))
    return b.end()


def expected(tree, x, y):
    try:
        return evaluate(tree, {"x": x, "y": y}), None
    except (ZeroDivisionError, ValueError) as exc:
        return None, type(exc)


def test_random_programs(backend):
    @given(tree=trees, inputs=st.lists(st.tuples(ints, ints), min_size=1, max_size=4))
    @settings(max_examples=40)
    def check(tree, inputs):
        graph = build(backend, tree)
        for x, y in inputs:
            value, exc = expected(tree, x, y)
            if exc is None:
                assert backend.run(graph, x, y) == value
            else:
                with pytest.raises(exc):
                    backend.run(graph, x, y)
    check()


def test_constant_program_folds_completely(backend):
    tree = ("ite", "int_lt", 3, 4, ("int_mul", 6, 7), ("int_floordiv", 1, 0))
    graph = build(backend, tree)
    ops = [op.opname for op in graph.iteroperations()]
    assert ops == []                        # the else side was never reachable
    assert backend.run(graph, 0, 0) == 42

"""Random typed expressions (hypothesis) through the builder and the
interpreter, against CPython: every operator of the subset over int, bool
and float, casts, short-circuit `and`/`or` with Python values, conditional
expressions, chained comparisons and the builtins on numbers."""

import itertools
import linecache

from hypothesis import assume, given, settings, strategies as st

import flowgraph
from flowgraph.operations import MAXINT, MININT
from tests.differential import assert_same_outcome, outcome

INT_OPS = ["+", "-", "*", "//", "%", "&", "|", "^"]
FLOAT_OPS = ["+", "-", "*", "/", "//", "%"]
CMP_OPS = ["<", "<=", "==", "!=", ">", ">="]
_counter = itertools.count()


@st.composite
def int_expr(draw, depth):
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["a", "b", "0", "1", "7", "-3", "int(p)"]))
    i = lambda: draw(int_expr(depth - 1))           # noqa: E731
    kind = draw(st.integers(0, 9))
    if kind <= 2:
        return f"({i()} {draw(st.sampled_from(INT_OPS))} {i()})"
    if kind == 3:
        return f"({i()} {draw(st.sampled_from(['<<', '>>']))} ({i()} & 7))"
    if kind == 4:
        return f"({draw(st.sampled_from(['-', '~', '+']))}{draw(st.sampled_from([i(), 'p']))})"
    if kind == 5:
        fn = draw(st.sampled_from(["abs", "min", "max"]))
        return f"abs({i()})" if fn == "abs" else f"{fn}({i()}, {i()})"
    if kind == 6:
        return f"({i()} if {draw(bool_expr(depth - 1))} else {i()})"
    if kind == 7:
        return f"({i()} {draw(st.sampled_from(['and', 'or']))} {i()})"
    if kind == 8:
        return f"(p + {i()})"
    return f"int({draw(bool_expr(depth - 1))})"


@st.composite
def float_expr(draw, depth):
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["x", "y", "0.5", "-2.25", "float(a)"]))
    f = lambda: draw(float_expr(depth - 1))         # noqa: E731
    kind = draw(st.integers(0, 6))
    if kind <= 1:
        return f"({f()} {draw(st.sampled_from(FLOAT_OPS))} {f()})"
    if kind == 2:
        return f"({draw(int_expr(depth - 1))} {draw(st.sampled_from(FLOAT_OPS))} {f()})"
    if kind == 3:
        return f"({draw(int_expr(depth - 1))} / {draw(int_expr(depth - 1))})"
    if kind == 4:
        return f"{draw(st.sampled_from(['min', 'max']))}({f()}, {f()})"
    if kind == 5:
        return f"({f()} if {draw(bool_expr(depth - 1))} else {f()})"
    return f"(-{f()})"


@st.composite
def bool_expr(draw, depth):
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["p", "True", "False", "(a > b)"]))
    b = lambda: draw(bool_expr(depth - 1))          # noqa: E731
    i = lambda: draw(int_expr(depth - 1))           # noqa: E731
    kind = draw(st.integers(0, 7))
    if kind <= 1:
        return f"({i()} {draw(st.sampled_from(CMP_OPS))} {i()})"
    if kind == 2:
        ops = draw(st.lists(st.sampled_from(CMP_OPS), min_size=2, max_size=3))
        return "(" + " ".join(f"{i()} {op}" for op in ops) + f" {i()})"
    if kind == 3:
        return f"({draw(float_expr(depth - 1))} {draw(st.sampled_from(CMP_OPS))} {i()})"
    if kind == 4:
        return f"(not {b()})"
    if kind == 5:
        return f"({b()} {draw(st.sampled_from(['and', 'or', '&', '|', '^']))} {b()})"
    if kind == 6:
        return f"bool({draw(st.sampled_from([i(), draw(float_expr(depth - 1))]))})"
    return f"max({b()}, {b()})"


EXPRS = {"int": int_expr, "float": float_expr, "bool": bool_expr}


@st.composite
def programs(draw):
    rtype = draw(st.sampled_from(sorted(EXPRS)))
    expr = EXPRS[rtype]
    return (f"def gen(a: int, b: int, p: bool, x: float, y: float) -> {rtype}:\n"
            f"    r = {draw(expr(3))}\n"
            f"    if {draw(bool_expr(2))}:\n"
            f"        r = {draw(expr(2))}\n"
            f"    return r\n")


def compile_source(source: str):
    """Define the function so that `inspect.getsource` finds its text."""
    filename = f"<builder-fuzz-{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["gen"]


ARGS = st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.booleans(),
                 st.floats(-100, 100, allow_nan=False), st.floats(-100, 100, allow_nan=False))


@settings(max_examples=150)
@given(programs(), st.lists(ARGS, min_size=1, max_size=4))
def test_random_expressions(source, argsets):
    func = compile_source(source)
    graph = flowgraph.build_graph(func)
    flowgraph.checkgraph(graph)
    for args in argsets:
        expected = outcome(func, args)
        if expected.raised is None and isinstance(expected.value, int):
            assume(MININT <= expected.value <= MAXINT)
        got = outcome(lambda *a: flowgraph.run_graph(graph, *a), args)
        assert_same_outcome(expected, got, f"{source}\nargs {args!r}")

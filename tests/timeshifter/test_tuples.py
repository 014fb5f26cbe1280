"""Tuples (issue 12 item 4): immutable values of a fixed length, one type per
position (`tuple[int, str]`), built by a literal, read at a constant index or
unpacked, passed, returned, held in lists; in every mode against CPython: the
graph interpreter, native code, and specialisations where a green tuple
folds away and a red one is residual (newtuple, tuple_getitem)."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint
from tests.differential import assert_every_mode


def pairs(x: int, s: str) -> tuple[int, str]:
    t = (x, s)
    a, b = t
    u = (t[1], len(t), t[-2] * 2.5, ())
    return (a + u[1], b + u[0] * (x % 3))


def swap(p: tuple[int, float], k: int) -> tuple[float, int]:
    a, b = p
    return b * k, a - k


def table_sum(rows: list[tuple[str, int]], scale: float) -> float:
    total = 0.0
    for row in rows:
        name, n = row
        total = total * scale + n * len(name)
    rows.append(("new", 1))
    return total + len(rows)


def loop_unpacking(rows: list[tuple[str, int]], k: int) -> int:
    total = 0
    for name, n in rows:
        total += len(name) * n + k
    for (a, b), c in [((1, 2), 3), ((k, k), 0)]:
        total = total * 3 + a - b + c
    return total


def same_items(t: tuple[int, int, int], i: int) -> int:
    """A tuple of one item type: iterated, and indexed at run time."""
    total = 0
    for x in t:
        total = total * 3 + x
    u = (i, i * 2)
    return total + t[i] + u[i % 2]


def compared(t: tuple[int, int, int], u: tuple[int, float, int], x: int) -> int:
    """`in` and `==` on tuple values (items compared as CPython does: 2 == 2.0)."""
    r = 0
    if x in t:
        r += 1
    if x not in t:
        r += 10
    if t == u:
        r += 100
    if t != (1, 2, 3):
        r += 1000
    if (x, "a") == (x, "a") and (1, 2) != (1, 2, 3):
        r += 10000
    return r


def nested(n: int) -> int:
    point = ((n, n + 1), (n * 2, (n - 1, True)))
    (x, y), rest = point
    z = rest[1]
    return x * 1000 + y * 100 + rest[0] + z[0] * 10 + z[1]


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:                    # the same type and message in every mode
        return (type(exc), str(exc))


CASES = [(pairs, (4, "ab")), (pairs, (-7, "")), (swap, ((3, 1.5), 2)), (swap, ((3, 2.0), -1)),
         (table_sum, ([("ab", 2), ("", 5), ("xyz", -1)], 0.5)), (table_sum, ([], 2.0)),
         (nested, (5,)), (nested, (-12345,)),
         (loop_unpacking, ([("ab", 2), ("c", 5)], 4)), (loop_unpacking, ([], -1)),
         (same_items, ((1, 2, 3), 1)), (same_items, ((1, 2, 3), -3)),
         (same_items, ((1, 2, 3), 3)), (same_items, ((4, 5, 6), -4)),
         (compared, ((1, 2, 3), (1, 2.0, 3), 2)), (compared, ((1, 2, 3), (1, 2.5, 3), 7)),
         (compared, ((4, 5, 6), (4, 5.0, 6), 5))]


@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{a}" for f, a in CASES])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


WRONG = [((3, 1.5, 0), "swap() argument 'p' must be tuple[int, float], not a tuple of 3 items"),
         ([3, 1.5], "swap() argument 'p' must be tuple[int, float], not list"),
         ((3.0, 1.5), "swap() argument 'p', item 0, must be int, not float"),
         ((2**64, 1.5), "swap() argument 'p', item 0, does not fit in a 64-bit int: "
                        "18446744073709551616")]


def test_an_int_item_for_a_float_is_converted_in_every_mode():
    """As for a float parameter (the numeric tower): CPython itself would
    compute with the int and return -2, every mode returns -2.0."""
    g = flowgraph.build_graph(swap)
    res = timeshifter.make_compiler(swap).specialize()
    for mode in (lambda *a: flowgraph.run_graph(g, *a), rgen.compile_graph(g), res,
                 res.interpret):
        result = mode((3, 2), -1)
        assert result == (-2.0, 4) and type(result[0]) is float


@pytest.mark.parametrize("p, message", WRONG)
def test_a_wrong_tuple_argument_is_the_same_error_in_every_mode(p, message):
    g = flowgraph.build_graph(swap)
    res = timeshifter.make_compiler(swap).specialize()
    native = rgen.compile_graph(g)
    for mode in (lambda *a: flowgraph.run_graph(g, *a), native, native.fast, res, res.interpret):
        got = outcome(mode, p, 1)
        assert got[1] == message and got[0] in (TypeError, OverflowError)


def ev(nodes: list[tuple[int, int, int]], i: int, x: int) -> int:
    """A tree-walking evaluator over an AST of tuples (op, a, b), the
    children by index: 0 const a, 1 the variable, 2 add, 3 multiply."""
    nodes = hint(nodes, deepfreeze=True)
    i = hint(i, concrete=True)
    op, a, b = nodes[i]
    if op == 0:
        return a                # green (a concrete hint), returned red among red results
    if op == 1:
        return x
    if op == 2:
        return ev(nodes, a, x) + ev(nodes, b, x)
    return ev(nodes, a, x) * ev(nodes, b, x)


X_PLUS_3X = [(2, 1, 4), (1, 0, 0), (0, 3, 0), (0, 5, 0), (3, 1, 2)]


def test_a_green_tree_of_tuples_leaves_only_the_arithmetic():
    res = timeshifter.make_compiler(ev, green=["nodes", "i"]).specialize(X_PLUS_3X, 0)
    assert [res(7), res.interpret(-2)] == [ev(X_PLUS_3X, 0, 7), ev(X_PLUS_3X, 0, -2)] == [28, -8]
    assert Counter(op.opname for op in res.graph.iteroperations()) == {"int_mul": 1,
                                                                       "int_add": 1}


def test_a_red_tuple_is_read_and_built_by_residual_operations():
    res = timeshifter.make_compiler(swap).specialize()
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert (ops["tuple_getitem"], ops["newtuple"]) == (2, 1)
    green = timeshifter.make_compiler(swap, green=["p"]).specialize((3, 1.5))
    assert green(2) == green.interpret(2) == swap((3, 1.5), 2)
    ops = Counter(op.opname for op in green.graph.iteroperations())
    assert (ops["tuple_getitem"], ops["newtuple"]) == (0, 1)


def test_the_textual_form_round_trips():
    g = flowgraph.build_graph(nested)
    text = str(g)
    assert "Tuple(Tuple(Signed, Signed), Tuple(Signed, Tuple(Signed, Bool)))" in text
    again = flowgraph.parse_graph(text)
    assert str(again) == text and flowgraph.run_graph(again, 5) == nested(5)


def variable_index(t: tuple[int, str], i: int) -> int:
    return t[i]


def unpack_three(t: tuple[int, int]) -> int:
    a, b, c = t
    return a


def out_of_range(t: tuple[int, int]) -> int:
    return t[2]


def open_ended(t: tuple[int, ...]) -> int:
    return 0


def item_target(xs: list[int]) -> int:
    for xs[0] in range(3):
        pass
    return xs[0]


@pytest.mark.parametrize("func, message", [
    (variable_index, r"indexing a tuple\[int, str\] needs a constant index \(each item has "
                     r"its own type\); unpack it \('a, b = t'\) or use a list"),
    (unpack_three, r"cannot unpack tuple\[int, int\] into 3 names"),
    (out_of_range, r"tuple index 2 is out of range for a tuple\[int, int\]"),
    (open_ended, r"a tuple has a fixed length \(tuple\[int, int\]\); use a list"),
    (item_target, r"the target of a for loop must be a name, or names unpacking a tuple "
                  r"\('for name, n in rows:'\)"),
])
def test_what_stays_out_is_named(func, message):
    with pytest.raises(FlowError, match=message) as info:
        flowgraph.build_graph(func)
    assert "test_tuples.py" in str(info.value)


def fib_pairs(n: int) -> int:
    state = (0, 1)
    i = 0
    while i < n:
        a, b = state
        state = (b, a + b)
        i += 1
    return state[0] + len(state)


def test_a_red_tuple_stays_virtual_through_a_loop():
    """Built and unpacked in the residual code, a red tuple is never made:
    its items are the loop's variables."""
    res = timeshifter.make_compiler(fib_pairs).specialize()
    assert [res(n) for n in (0, 1, 10, 90)] == [res.interpret(n) for n in (0, 1, 10, 90)] \
        == [fib_pairs(n) for n in (0, 1, 10, 90)]
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert (ops["newtuple"], ops["tuple_getitem"]) == (0, 0)


def across_promotion(n: int, k: int) -> tuple[int, int]:
    t = (n, n * 2)
    k = hint(k, promote=True)
    a, b = t
    return (a * k + b, k)


def test_a_virtual_tuple_crosses_a_promotion_site():
    """Live at a promotion, a virtual tuple is materialised for the fallback
    interpreter and rebuilt from its items in each compiled case."""
    res = timeshifter.make_compiler(across_promotion).specialize()
    for n, k in [(3, 5), (3, 5), (-4, 7), (2**40, 3), (1, 5)]:
        assert res(n, k) == res.interpret(n, k) == across_promotion(n, k)


def test_a_run_time_index_into_a_green_or_virtual_tuple():
    """A green tuple and a red index: a residual tuple_getitem_var (in the
    loop and for t[i]); a virtual tuple read at a red index is made (one
    newtuple); with the index green the virtual tuple is read at compile
    time."""
    res = timeshifter.make_compiler(same_items, green=["t"]).specialize((1, 2, 3))
    assert [outcome(res, i) for i in (1, -3, 3)] == [outcome(res.interpret, i)
                                                     for i in (1, -3, 3)] \
        == [outcome(same_items, (1, 2, 3), i) for i in (1, -3, 3)]
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert (ops["tuple_getitem_var"], ops["newtuple"], ops["tuple_getitem"]) == (3, 1, 0)
    fixed = timeshifter.make_compiler(same_items, green=["i"]).specialize(1)
    assert fixed((1, 2, 3)) == fixed.interpret((1, 2, 3)) == same_items((1, 2, 3), 1)
    ops = Counter(op.opname for op in fixed.graph.iteroperations())
    assert ops["newtuple"] == 0

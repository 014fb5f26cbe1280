"""The builder against CPython: small functions covering DESIGN section 4
one feature at a time, each built, checked (`checkgraph`) and run with
`run_graph` on inputs where CPython's result is compared by exact type and
value (or exception type), arguments included (lists mutate in place)."""

import pytest
from hypothesis import given, settings, strategies as st

import flowgraph
from flowgraph.lltypes import Bool, Signed
from hintannotator import dont_look_inside, hint, purefunction
from tests.differential import assert_same_outcome, outcome

A, B, C = range(3)
SCALE = 2.5
NAME = "abc"
FLAG = True
TABLE = [3, 1, 4, 1, 5]


def check(func, *argsets):
    graph = flowgraph.build_graph(func)
    flowgraph.checkgraph(graph)
    for args in argsets:
        expected = outcome(func, args)
        got = outcome(lambda *a: flowgraph.run_graph(graph, *a), args)
        assert_same_outcome(expected, got, f"{func.__name__}{tuple(args)!r}")
    return graph


def ints(*values):
    return [(v,) for v in values]


# -- arithmetic ---------------------------------------------------------------------

def arith_all(a: int, b: int) -> int:
    return (a + b) * 3 - (a - b) // 7 + a % 5 - (a & b) + (a | 3) ^ (b << 2) + (a >> 1)


def true_div(a: int, b: int) -> float:
    return a / b


def float_ops(x: float, n: int) -> float:
    y = x * n + 1.5
    y -= x / 4
    return y // 2.0 + y % 3.0 - (-y)


def unary_ops(a: int, f: bool) -> int:
    return -a + ~a + (+a) - (-f) + ~f + (+f) + (not a)


def bool_arith(p: bool, q: bool) -> int:
    return p + q + p * 3 - q


def bool_bitwise(p: bool, q: bool) -> bool:
    return (p & q) | (p ^ q)


def mixed_compare(a: int, x: float, f: bool) -> int:
    r = 0
    if a < x:
        r += 1
    if f == 1:
        r += 10
    if x >= f:
        r += 100
    if a != f:
        r += 1000
    return r


def chained(a: int, b: int, c: int) -> bool:
    return a < b <= c != a


def chained_in_if(a: int, b: int, c: int) -> int:
    if a < b < c:
        return 1
    if c > b > a or a == b == c:
        return 2
    return 3


def or_value(a: int, b: int) -> int:
    return a or b


def and_value(a: int, b: int) -> int:
    return a and b and a + b


def short_circuit(a: int, b: int) -> bool:
    return a != 0 and b // a > 1 or b == 7


def cond_expr(a: int, b: int) -> int:
    return a if a > b else b * 2 if b > 0 else -b


def not_and_or(a: int, b: int) -> int:
    if not (a > 0 and b > 0) or not a:
        return 1
    return 0


def builtins_numeric(a: int, b: int, x: float) -> float:
    return abs(a) + min(a, b) + max(a, b, 3) + abs(x) + min(x, 2.0) + max(x, -1.0, 0.5)


def conversions(a: int, x: float, f: bool) -> float:
    return int(x) + float(a) + int(f) + float(f) + bool(a) + bool(x) + int() + float()


def min_max_bools(p: bool, q: bool) -> bool:
    return min(p, q) or max(p, q, False)


def truthiness(a: int, x: float, s: str, xs: list[int]) -> int:
    r = 0
    if a:
        r += 1
    if x:
        r += 2
    if s:
        r += 4
    if xs:
        r += 8
    if not s:
        r += 16
    return r


def aug_ops(a: int, b: int) -> int:
    a += b
    a -= 1
    a *= 3
    a //= 2
    a %= 1000
    a &= 0xFF
    a |= 4
    a ^= b
    a <<= 2
    a >>= 1
    return a


SMALL = st.integers(-1000, 1000)


@pytest.mark.parametrize("func", [arith_all, aug_ops, or_value, and_value, short_circuit,
                                  cond_expr, not_and_or])
def test_int_pairs(func):
    graph = check(func)

    @settings(max_examples=50)
    @given(SMALL, st.integers(-10, 20))
    def run(a, b):
        check_graph(graph, func, (a, b))
    run()


def check_graph(graph, func, args):
    expected = outcome(func, args)
    got = outcome(lambda *a: flowgraph.run_graph(graph, *a), args)
    assert_same_outcome(expected, got, f"{func.__name__}{tuple(args)!r}")


def test_true_division():
    check(true_div, (7, 2), (-7, 2), (1, 0), (0, 5))


def test_floats():
    check(float_ops, (1.5, 3), (-2.25, -4), (0.0, 0))
    check(builtins_numeric, (-3, 5, -2.5), (4, -9, 7.0), (0, 0, 0.5))
    check(conversions, (3, -2.7, True), (-5, 3.9, False))


def test_unary_and_bools():
    for a in (-3, 0, 5):
        for f in (True, False):
            check(unary_ops, (a, f))
    for p in (True, False):
        for q in (True, False):
            check(bool_arith, (p, q))
            check(bool_bitwise, (p, q))
            check(min_max_bools, (p, q))


def test_comparisons():
    check(mixed_compare, (1, 1.5, True), (2, 1.0, False), (0, 0.0, False), (1, 2.0, True))
    for args in [(1, 2, 3), (1, 1, 1), (3, 2, 1), (1, 2, 2), (2, 1, 3), (1, 3, 1)]:
        check(chained, args)
        check(chained_in_if, args)


def test_truthiness():
    check(truthiness, (0, 0.0, "", []), (1, 0.5, "a", [0]), (-2, -0.0, "xy", [1, 2]))


# -- control flow -----------------------------------------------------------------

def loops(n: int) -> int:
    total = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        for j in range(i, 0, -2):
            if j == 5:
                break
            total += j
        else:
            total += 1000
    return total + i if n > 0 else total


def while_else(n: int) -> int:
    i = 0
    while i < n:
        if i == 7:
            break
        i += 1
    else:
        i += 100
    return i


def for_else(n: int) -> int:
    r = 0
    for i in range(n):
        r += i
        if r > 20:
            break
    else:
        r = -r
    return r


def range_step(a: int, b: int, step: int) -> int:
    total = 0
    for i in range(a, b, step):
        total = total * 3 + i
        total %= 1000003
    return total


def early_return(n: int) -> int:
    i = 0
    while True:
        if i * i > n:
            return i
        i += 1


def nested_while(n: int) -> int:
    count = 0
    i = 0
    while i < n:
        j = 0
        while j < i:
            if (i + j) % 4 == 0:
                j += 1
                continue
            count += i * j
            j += 1
        i += 1
    return count


def maybe_assigned(n: int) -> int:
    if n > 0:
        x = n * 2
    if n > 0:
        return x
    return -1


def second_iteration_read(n: int) -> int:
    total = 0
    for i in range(n):
        if i > 0:
            total += prev
        prev = i * i
    return total


def swap(a: int, b: int) -> int:
    a, b = b, a
    return a * 10 + b


def assert_positive(n: int) -> int:
    assert n > 0, "must be positive"
    return n


def test_loops():
    for n in (-1, 0, 1, 5, 13, 40):
        check(loops, (n,))
        check(while_else, (n,))
        check(for_else, (n,))
        check(early_return, (n,))
        check(nested_while, (n,))
        check(maybe_assigned, (n,))
        check(second_iteration_read, (n,))


@settings(max_examples=80)
@given(st.integers(-20, 20), st.integers(-20, 20), st.integers(-5, 5))
def test_range_runtime_step(a, b, step):
    check_graph(_graph(range_step), range_step, (a, b, step))


_GRAPHS = {}


def _graph(func):
    if func not in _GRAPHS:
        _GRAPHS[func] = flowgraph.build_graph(func)
        flowgraph.checkgraph(_GRAPHS[func])
    return _GRAPHS[func]


def test_swap_and_assert():
    check(swap, (1, 2))
    check(assert_positive, (3,), (0,))


# -- exceptions ---------------------------------------------------------------------

class MyError(Exception):
    pass


def raising(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    if n == 0:
        raise MyError
    if n == 1:
        raise MyError()
    return 100 // (n - 2)


def test_raise():
    check(raising, (-1,), (0,), (1,), (2,), (3,))


def test_operations_raise():
    check(true_div, (1, 0))
    check(arith_all, (1, 0))
    check(range_step, (0, 5, 0))


# -- strings ----------------------------------------------------------------------------

def chars(s: str, i: int) -> int:
    c = s[i]
    r = 0
    if c == "a":
        r += 1
    if "b" <= c <= "y":
        r += 2
    if c != s[-1]:
        r += 4
    if s == "abc":
        r += 8
    if s != NAME:
        r += 16
    return r + ord(c) + len(s)


def char_vars(s: str) -> int:
    best = "a"
    for c in s:
        if c > best:
            best = c
    return ord(best)


def chr_ord(n: int) -> bool:
    c = chr(n + 97)
    return c == "c" or ord(c) > 100


def test_strings():
    for s in ("abc", "zb", "a", "yyy"):
        for i in (0, -1, 1, 5):
            check(chars, (s, i))
        check(char_vars, (s,))
    check(chars, ("", 0))
    for n in (-200, 0, 2, 3, 10):
        check(chr_ord, (n,))


# -- lists ------------------------------------------------------------------------------

def list_basics(xs: list[int], n: int) -> int:
    ys = [0] * n
    zs = [n, n + 1, 7]
    for i in range(len(ys)):
        ys[i] = i * i
    xs.append(len(ys))
    ys[-1] += 5
    zs[0] -= 1
    return xs[-1] + ys[-1] + zs[0] + zs.pop() + len(zs) + TABLE[n % 5]


def empty_list_inferred() -> int:
    lst = []
    lst.append(12)
    return lst[0]


def annotated_empty(n: int) -> int:
    regs: list[int] = []
    for i in range(n):
        regs.append(i)
    return len(regs)


def list_of_floats(xs: list[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    xs[0] = total
    return total


def list_of_bools(n: int) -> int:
    flags = [False] * n
    for i in range(0, n, 2):
        flags[i] = True
    count = 0
    for f in flags:
        count += f
    return count


def grid(n: int) -> int:
    rows = [[0] * n] * 2
    rows[0][0] = 5
    return rows[1][0]


def test_lists():
    check(list_basics, ([1, 2], 3), ([], 1), ([5], 0))
    check(empty_list_inferred, ())
    check(annotated_empty, (0,), (4,))
    check(list_of_floats, ([1.5, 2.0],), ([],))
    check(list_of_bools, (0,), (5,))
    check(grid, (1,), (3,))


# -- calls, classes, hints --------------------------------------------------------------

def helper(a: int, b: int = 10, *, c: int = 100) -> int:
    return a + b * c


def calls(a: int) -> int:
    return helper(a) + helper(a, 2) + helper(b=3, a=a) + helper(a, c=1)


def fact(n: int):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def is_even(n: int) -> bool:
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n: int) -> bool:
    if n == 0:
        return False
    return is_even(n - 1)


class Point:
    x: int
    y: int
    tag: int = 7

    def __init__(self, x: int, y: int):
        self.x = x
        self.y = y

    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> "Point":
        return Point(self.x + dx, self.y)


class Bag:
    items: list[int]
    count: int

    def __init__(self):
        self.items = []
        self.count = 0

    def add(self, v: int) -> None:
        self.items.append(v)
        self.count += 1


def use_classes(a: int, b: int) -> int:
    p = Point(a, b)
    q = p.moved(3)
    q.y += 1
    bag = Bag()
    bag.add(a)
    bag.add(q.norm1())
    return p.norm1() + q.x * 100 + bag.count + bag.items[1] + p.tag


def take_point(p: Point) -> int:
    p.x = p.x * 2
    return p.y


@purefunction
def pure_sq(x: int) -> int:
    return x * x


@dont_look_inside
def opaque(x: int) -> int:
    return x + 1


def hinted(x: int, s: str) -> int:
    x = hint(x, concrete=True)
    hint(None, global_merge_point=True)
    c = hint(s[0], promote=True)
    return pure_sq(x) + opaque(x) + (c == "a")


def globals_used(n: int) -> float:
    if FLAG:
        n += A + B * 10 + C * 100
    return n * SCALE


def test_calls():
    check(calls, (1,), (-4,))
    check(fact, (0,), (5,), (20,))
    check(is_even, (0,), (7,), (10,))
    check(globals_used, (3,))
    check(hinted, (3, "abc"), (-2, "b"))


def test_classes():
    check(use_classes, (1, 2), (-5, 7))
    check(take_point, (Point(3, 4),))


# -- more shapes: characters as results, closures, methods built alone ---------------------

def first_char(s: str) -> str:
    if len(s) == 0:
        return "?"
    return s[0]


def flexible_char(s: str, i: int) -> int:
    c = "+"
    if i < len(s):
        c = s[i]
    return ord(c)


def mutate_while_iterating(xs: list[int]) -> int:
    count = 0
    for x in xs:
        if x > 0 and len(xs) < 10:
            xs.append(x - 1)
        count += 1
    return count


class Node:
    value: int
    children: list["Node"]

    def __init__(self, value: int):
        self.value = value
        self.children = []

    def add(self, child: "Node") -> "Node":
        self.children.append(child)
        return self

    def total(self) -> int:
        t = self.value
        for i in range(len(self.children)):
            t += self.children[i].total()
        return t


def tree(n: int) -> int:
    root = Node(n)
    for i in range(n):
        root.add(Node(i).add(Node(i * 10)))
    return root.total()


def test_more_shapes():
    graph = check(first_char, ("abc",), ("",))
    assert graph.return_type.short() == "Char"
    check(flexible_char, ("ab", 1), ("ab", 5))
    check(mutate_while_iterating, ([1, 3],), ([],), ([0, 0],))
    check(tree, (0,), (4,))


def test_closures_and_methods_alone():
    def inner(x: int) -> int:
        return x * 3

    def outer(x: int) -> int:
        return inner(x) + 1

    check(outer, (4,))
    graph = check(Point.norm1, (Point(-3, 4),))
    assert graph.getargs()[0].concretetype.pyclass is Point
    bound = flowgraph.build_graph(Point(1, -2).norm1)      # the graph takes self
    assert flowgraph.run_graph(bound, Point(1, -2)) == 3


# -- splits inside expressions: earlier operands survive the join ---------------------------

def three(a: int, b: int, c: int) -> int:
    return a * 100 + b * 10 + c


def splits(a: int, b: int, xs: list[int]) -> int:
    i = 0
    total = 0
    while (i if a > 0 else i * 2) < len(xs) and i < 10:
        total += three(a, b if b > i else i, int(a < b < i)) + xs[i if i < len(xs) else 0]
        xs[i] = xs[i] + (a or b) - (1 < a < 5)
        i += 1
    return total + max(a, b if b else 3, 0)


def test_splits_inside_expressions():
    check(splits, (1, 2, [5, 6, 7]), (0, 3, [1, 2, 3, 4]), (-1, 0, []), (7, 7, [0]))


# -- result types inferred from the non-recursive returns -------------------------------------

def count_down(n: int):
    if n > 0:
        return count_down(n - 1) + 1
    return 0


def even(n: int):
    if n == 0:
        return True
    return odd(n - 1)


def odd(n: int):
    if n == 0:
        return False
    return even(n - 1)


def test_inferred_recursive_results():
    assert check(count_down, (0,), (6,)).return_type is Signed
    assert check(even, (0,), (5,), (8,)).return_type is Bool


OPS_TABLE = "+-*"


def membership(s: str, n: int) -> int:
    r = 0
    for c in s:
        if c in "+-":
            r += 1
        elif c not in OPS_TABLE:
            r += 10
        if n in (A, C, 7):
            r += 100
    flag = n not in [1, 2]
    return r + flag + (s[0] in "") if s else r


def test_membership_against_constants():
    check(membership, ("+a*-", 0), ("x", 2), ("", 7), ("**", 1))

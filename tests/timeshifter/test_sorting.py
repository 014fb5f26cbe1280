"""sorted(xs) and xs.sort() of ints, `reverse=` too (issue 12, reach), in
every mode against CPython: empty, one item, duplicates, negative and large
values, odd lengths; the argument of sorted() is left as it was, sort()
changes the list in place; other sorts are refused with the advice."""

import random

import pytest

import flowgraph
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


def both(xs: list[int]) -> int:
    a = sorted(xs)
    b = sorted(xs, reverse=True)
    xs.sort()
    total = 0
    for x, y, z in zip(a, b, xs):
        total = (total * 31 + x * 7 + y * 3 + z) % 1000000007
    return total * 100 + len(a)


def in_place_reversed(xs: list[int]) -> int:
    xs.sort(reverse=True)
    return xs[0] if xs else -1


_draw = random.Random(5)
LISTS = [[], [1], [2, 1], [3, 1, 2], [5, 5, 1, 5, 0], [-(2 ** 40), 2 ** 40, 0, -1],
         [_draw.randrange(-50, 50) for _ in range(37)], list(range(20, 0, -1))]


@pytest.mark.parametrize("xs", LISTS, ids=[f"n{len(xs)}-{i}" for i, xs in enumerate(LISTS)])
@pytest.mark.parametrize("func", [both, in_place_reversed])
def test_every_mode_agrees_with_cpython(func, xs):
    assert_every_mode(func, (xs,))


def of_floats(xs: list[float]) -> float:
    return sorted(xs)[0]


def with_a_key(xs: list[int]) -> int:
    return sorted(xs, key=abs)[0]


@pytest.mark.parametrize("func, message", [
    (of_floats, "sorted() of list[float] is not supported; it sorts a list of ints"),
    (with_a_key, "sorting takes only a constant reverse=True or False here (no key=); sort a "
                 "list of ints")])
def test_other_sorts_are_refused_with_advice(func, message):
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(func)
    assert str(e.value).endswith(message)

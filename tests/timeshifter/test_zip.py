"""`for a, b in zip(xs, ys)` (issue 12, reach) in every mode against CPython:
lists, strings and tuples walked together to the shortest, lengths read
again at each step (a body that shortens or grows a list sees what CPython's
iterators see), three sequences, `else`, `break`; and the errors."""

import pytest

import flowgraph
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


def dot(xs: list[int], ys: list[int]) -> int:
    total = 0
    for x, y in zip(xs, ys):
        total += x * y
    return total


def three(s: str, xs: list[float], n: int) -> float:
    total = 0.0
    for c, x, k in zip(s, xs, (1, 2, 3)):
        if c == "!":
            break
        total = total * 2.0 + x * k + ord(c)
    else:
        total = -total
    return total + n


def changing(xs: list[int], ys: list[int]) -> int:
    """The body shortens one list and grows the other."""
    steps = 0
    for x, y in zip(xs, ys):
        if x > 2:
            xs.pop()
        ys.append(x + y)
        steps = steps * 10 + x + y
    return steps * 100 + len(xs) * 10 + len(ys)


CASES = [(dot, ([1, 2, 3], [4, 5, 6])), (dot, ([1, 2, 3], [4])), (dot, ([], [1, 2])),
         (three, ("ab", [1.5, 2.5, 3.5], 7)), (three, ("a!c", [1.0, 2.0, 3.0], 1)),
         (three, ("abcd", [0.5] * 4, 0)), (changing, ([1, 5, 2, 7, 3], [1, 1])),
         (changing, ([3, 3, 3], [0, 0, 0, 0]))]


@pytest.mark.filterwarnings("ignore::timeshifter.SpecializationWarning")
@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{a}" for f, a in CASES])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def not_unpacked(xs: list[int], ys: list[int]) -> int:
    n = 0
    for pair in zip(xs, ys):
        n += 1
    return n


def of_a_number(xs: list[int], n: int) -> int:
    t = 0
    for x, y in zip(xs, n):
        t += x
    return t


@pytest.mark.parametrize("func, message", [
    (not_unpacked, "a loop over zip() of 2 sequences unpacks its tuples into 2 names: "
                   "'for a, b in zip(xs, ys):'"),
    (of_a_number, "zip() takes lists, strings or tuples of one item type, not int")])
def test_what_zip_does_not_take_is_said(func, message):
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(func)
    assert str(e.value).endswith(message)

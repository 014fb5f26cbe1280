"""`for x in reversed(xs)` (issue 12, reach) in every mode against CPython:
lists, strings and tuples from the end, `else` and `break`, and a body that
changes the list (CPython's reverse iterator tests its index against the
length at every step: a shortened list ends the loop, a grown one is not
seen)."""

import pytest

import flowgraph
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


def digits(xs: list[int]) -> int:
    total = 0
    for x in reversed(xs):
        total = total * 10 + x
    return total


def text(s: str, stop: str) -> str:
    out = ""
    for c in reversed(s):
        if c == stop[0]:
            break
        out += c
    else:
        out += "."
    return out


def tuple_sum(n: int) -> int:
    total = 0
    for k in reversed((1, 2, 3, n)):
        total = total * 100 + k
    return total


def changing(xs: list[int]) -> int:
    steps = 0
    for x in reversed(xs):
        if x % 2 == 0:
            xs.pop()
            xs.pop()
        else:
            xs.append(x)
        steps = steps * 10 + x
    return steps * 100 + len(xs)


CASES = [(digits, ([1, 2, 3],)), (digits, ([],)), (text, ("hello", "e")),
         (text, ("abc", "z")), (text, ("", "a")), (tuple_sum, (9,)),
         (changing, ([1, 2, 3, 4, 5],)), (changing, ([5, 4, 1, 2],)), (changing, ([2],))]


@pytest.mark.filterwarnings("ignore::timeshifter.SpecializationWarning")
@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{a}" for f, a in CASES])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def of_a_number(n: int) -> int:
    t = 0
    for x in reversed(n):
        t += x
    return t


def test_reversed_of_a_number_is_said():
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(of_a_number)
    assert str(e.value).endswith("reversed() takes a list, a str or a tuple of one item type, "
                                 "not int")

"""`xs.index(v)`, `xs.count(v)`, `xs.extend(ys)` and `xs += ys` (issue 12,
reach) in every mode against CPython, with CPython's ValueError for a value
not in the list; extend of a list by itself doubles it; `+=` on a list held
in a field or a list item extends that same list.  They are functions of
the prelude (flowgraph/builder/prelude.py), inlined: no call is left in the
residual code."""

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint
from tests.differential import assert_every_mode


def search(xs: list[int], v: int) -> int:
    return xs.index(v) * 100 + xs.count(v) * 10 + [True, False, True].count(v > 2)


def flags(xs: list[bool], v: bool) -> int:
    return xs.index(v) + xs.count(not v) * 10


def words(xs: list[str], w: str) -> int:
    return xs.count(w) + xs.count("a")


def grow(xs: list[int], ys: list[int]) -> int:
    xs.extend(ys)
    xs.extend(xs)
    ys += [7, len(xs)]
    ys += ys
    return len(xs) * 1000 + len(ys)


class Bag:
    items: list[float]

    def __init__(self, items: list[float]):
        self.items = items


def into_a_field(b: Bag, extra: list[float]) -> float:
    alias = b.items
    b.items += extra
    rows = [[1.5], [2.5]]
    rows[1] += extra
    return alias[len(alias) - 1] + len(b.items) + len(rows[1]) + rows[1][len(rows[1]) - 1]


CASES = [(search, ([4, 5, 4, 6], 4)), (search, ([4, 5, 4, 6], 6)), (search, ([4, 5], 9)),
         (search, ([], 1)), (flags, ([False, True], True)), (flags, ([False], True)),
         (words, (["a", "b", "a"], "b")), (grow, ([1, 2], [3])), (grow, ([], [])),
         (into_a_field, (Bag([1.0, 2.0]), [0.5, 0.25])), (into_a_field, (Bag([]), [3.0]))]


@pytest.mark.filterwarnings("ignore::timeshifter.SpecializationWarning")
@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in
                                                   enumerate(CASES)])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def position(code: list[int], x: int) -> int:
    code = hint(code, deepfreeze=True)
    return code.index(3) * x + code.count(1)


def test_index_and_count_are_inlined():
    comp = timeshifter.make_compiler(position, green=["code"])
    res = comp.specialize([1, 2, 3, 1])
    assert res(5) == res.interpret(5) == position([1, 2, 3, 1], 5) == 12
    counts = res.op_counts()
    assert counts["int_eq"] > 0 and not any(name.endswith("call") for name in counts)


def floats(xs: list[float]) -> int:
    return xs.count(1.5)


def wrong_item(xs: list[int]) -> int:
    return xs.index("a")


def times(xs: list[int]) -> int:
    xs *= 2
    return len(xs)


@pytest.mark.parametrize("func, message", [
    (floats, "count() of list[float] is not supported; it takes a list of bool or int or str"),
    (wrong_item, "index() of list[int] takes int, not str"),
    (times, "augmented assignment *= on a list changes it in place, which is not supported; "
            "write 'xs = xs * n' for a new list")])
def test_what_is_not_supported_is_said(func, message):
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(func)
    assert str(e.value).endswith(message)

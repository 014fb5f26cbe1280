"""`xs[a:b]` and `xs + ys` on lists in every mode against CPython (issue 12
item 4): the graph interpreter, native code, and specialisations where the
new list is virtual (made at compile time, nothing left), real (one
residual list_slice / list_concat) or deep-frozen (green, folded)."""

from collections import Counter

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint
from tests.differential import assert_every_mode


def slices(n: int, a: int, b: int) -> int:
    xs = [1, 2, 3, 4, 5]
    ys = xs[a:b] + xs[:2] + [n]
    zs = ys[a:] + ys[:b]
    xs[0] = 9                       # the slices are copies: they do not see this
    total = len(zs) * 1000 + len(ys)
    for z in zs:
        total = total * 7 + z
    return total


def red_lists(xs: list[float], ys: list[float], a: int, b: int) -> float:
    zs = xs[a:b] + ys
    zs[0] = zs[-1] * 2.0
    return zs[0] - zs[len(zs) // 2] + len(zs) + xs[0]


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:
        return (type(exc), str(exc))


BOUNDS = [(1, 3), (0, 5), (-2, 10), (3, 1), (-100, -1), (9, 2), (2, -2)]
REDS = [([1.5, 2.5, 4.0], [8.0], 1, 3), ([1.0, 2.0], [3.0, 4.0], -1, 9),
        ([], [1.0], 0, 1), ([1.0], [], 5, 9)]


@pytest.mark.parametrize("func, args", [(slices, (7, a, b)) for a, b in BOUNDS]
                         + [(red_lists, args) for args in REDS])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def local_pieces(k: int, x: int) -> int:
    xs = [1, 2, 3, 4]
    ys = xs[k:] + [x] + xs[:k]
    return ys[0] * 100 + ys[-1] * 10 + len(ys) + ys[k]


@pytest.mark.parametrize("k", [0, 1, 3, -1])
def test_pieces_of_a_virtual_list_are_made_at_compile_time(k):
    res = timeshifter.make_compiler(local_pieces, green=["k"]).specialize(k)
    assert [outcome(res, x) for x in (5, -6)] == [outcome(res.interpret, x) for x in (5, -6)] \
        == [outcome(local_pieces, k, x) for x in (5, -6)]
    assert not any(op.opname.startswith("list") or op.opname == "newlist"
                   for op in res.graph.iteroperations())


def test_a_red_list_gets_one_residual_slice_and_one_concatenation():
    res = timeshifter.make_compiler(red_lists).specialize()
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert (ops["list_slice"], ops["list_concat"], ops["newlist"]) == (1, 1, 0)


def rotate_code(code: list[int], x: int) -> int:
    code = hint(code, deepfreeze=True)
    rotated = code[1:] + code[:1]
    return x * hint(rotated[0], concrete=True) + rotated[len(rotated) - 1]


def test_pieces_of_a_deep_frozen_list_are_green():
    res = timeshifter.make_compiler(rotate_code, green=["code"]).specialize([3, 5, 7])
    assert res(2) == res.interpret(2) == rotate_code([3, 5, 7], 2) == 13
    assert Counter(op.opname for op in res.graph.iteroperations()) == {"int_mul": 1,
                                                                       "int_add": 1}


def repeat_in_place(xs: list[int], n: int) -> int:
    xs *= n
    return len(xs)


def mixed_items(xs: list[int], ys: list[float]) -> int:
    return len(xs + ys)


def stepped(xs: list[int]) -> int:
    return len(xs[::2])


@pytest.mark.parametrize("func, message", [
    (repeat_in_place, r"augmented assignment \*= on a list changes it in place, which is "
                      r"not supported; write 'xs = xs \* n' for a new list"),
    (mixed_items, r"operator \+ on list\[int\] and list\[float\] is not supported: both "
                  r"lists must have the same item type"),
    (stepped, r"slicing with a step is not supported"),
])
def test_what_stays_out_is_named(func, message):
    with pytest.raises(FlowError, match=message) as info:
        flowgraph.build_graph(func)
    assert "test_list_slices.py" in str(info.value)

"""`lst.insert(i, x)`, `lst.reverse()`, `del lst[i]` and `lst.pop(i)` in every mode against
CPython (issue 12 item 4): the graph interpreter, native code, and
specialisations whose lists are real (residual list_insert / list_reverse /
list_delitem) or virtual (done at compile time, nothing left)."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter


def shuffle(n: int, k: int) -> int:
    xs = [0] * 0
    i = 0
    while i < n:
        xs.insert(k, i)
        i += 1
    xs.reverse()
    del xs[0]
    if len(xs) > 2:
        del xs[-2]
    total = 0
    for x in xs:
        total = total * 7 + x
    return total


def edit(xs: list[float], i: int, x: float) -> float:
    xs.insert(i, x)
    xs.reverse()
    del xs[i]
    return xs[0] - xs[-1] + len(xs)


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:
        return (type(exc), str(exc))


def pop_at(xs: list[int], i: int) -> int:
    """`xs.pop(i)` twice: CPython's IndexError messages out of range ("pop
    from empty list" once the list is empty), the list changed in place."""
    first = xs.pop(i)
    return first * 1000 + xs.pop(-1 - i) * 10 + len(xs)


SHUFFLES = [(5, 0), (5, 1), (6, -1), (1, 9), (0, 0), (3, -100), (4, 2**62)]
POPS = [([1, 2, 3, 4], 0), ([1, 2, 3, 4], -1), ([1, 2, 3], 1), ([1, 2, 3], 5),
        ([7], 0), ([], 0), ([1, 2], -3), ([1, 2, 3], 2**62)]
EDITS = [([1.5, 2.5, 4.0], 1, 9.0), ([1.5], -5, 2.0), ([], 0, 1.0), ([1.0, 2.0], 7, 3.0)]


@pytest.mark.parametrize("func, args", [(shuffle, a) for a in SHUFFLES]
                         + [(edit, a) for a in EDITS] + [(pop_at, a) for a in POPS])
def test_every_mode_agrees_with_cpython(func, args):
    def fresh():            # a list argument is changed in place: each mode its own copy
        return [list(a) if isinstance(a, list) else a for a in args]
    expected = outcome(func, *fresh())
    g = flowgraph.build_graph(func)
    assert outcome(flowgraph.run_graph, g, *fresh()) == expected
    assert outcome(rgen.compile_graph(g), *fresh()) == expected
    res = timeshifter.make_compiler(func).specialize()
    assert outcome(res, *fresh()) == outcome(res.interpret, *fresh()) == expected
    if expected[0] == "ok" and any(isinstance(a, list) for a in args):
        mine, theirs = fresh(), fresh()
        res(*mine)
        func(*theirs)
        assert mine == theirs           # the list argument changed as CPython changes it


def local_pops(k: int) -> int:
    xs = [1, 2, 3, 4]
    a = xs.pop(k)
    b = xs.pop(0)
    return a * 100 + b * 10 + len(xs)


@pytest.mark.parametrize("k", [0, 2, -1, -4, 4, -5])
def test_pops_from_a_virtual_list_fold(k):
    """k green: both pops (and their range checks) are done while compiling."""
    res = timeshifter.make_compiler(local_pops, green=["k"]).specialize(k)
    assert outcome(res) == outcome(res.interpret) == outcome(local_pops, k)
    assert dict(res.op_counts()) == {}


def test_a_real_list_gets_residual_operations():
    res = timeshifter.make_compiler(edit).specialize()
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert (ops["list_insert"], ops["list_reverse"], ops["list_delitem"]) == (1, 1, 1)


def local_edit(k: int) -> int:
    xs = [1, 2, 3]
    xs.insert(k, 10)
    xs.reverse()
    del xs[k]
    return xs[0] * 100 + xs[-1] * 10 + len(xs)


@pytest.mark.parametrize("k", [0, 1, -1, 2, 9, -9])
def test_a_virtual_list_is_edited_at_compile_time(k):
    """k green: the list never escapes, so the insert, the reverse and the
    del are done by the generating extension (an index error too)."""
    res = timeshifter.make_compiler(local_edit, green=["k"]).specialize(k)
    assert outcome(res) == outcome(res.interpret) == outcome(local_edit, k)
    assert not any(op.opname.startswith("list_") for op in res.graph.iteroperations())


def test_a_red_index_makes_the_virtual_list_real():
    res = timeshifter.make_compiler(local_edit).specialize()
    assert [outcome(res, k) for k in (0, 2, -9)] == [outcome(local_edit, k) for k in (0, 2, -9)]
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert (ops["newlist"], ops["list_insert"], ops["list_reverse"]) == (1, 1, 1)

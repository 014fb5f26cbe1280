"""`xs[a:b] = ys` (issue 12, reach): a slice of a list replaced by the items
of another list of its type, either bound left out or negative, clamped as
CPython clamps them, the list growing or shrinking; `xs[a:b] = xs` copies
first.  Every mode against CPython, the lists left as CPython leaves them; a
virtual list whose length changes is made real (as by extend); what stays
out is refused."""

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from timeshifter import SpecializationWarning
from tests.differential import assert_same_outcome, outcome


def every_mode(func, argsets):
    """Each argument tuple in every mode (assert_every_mode's), each mode's
    code compiled once for all of them."""
    import rgen
    g = flowgraph.build_graph(func)
    native = rgen.compile_graph(g)
    res = timeshifter.make_compiler(func).specialize()
    modes = (("run_graph", lambda *a: flowgraph.run_graph(g, *a)), ("native", native),
             ("residual native", res), ("residual interpreted", res.interpret))
    for args in argsets:
        expected = outcome(func, args)
        for what, call in modes:
            got = outcome(call, args)
            assert_same_outcome(expected, got, f"{what} {args!r}")
            assert got.value == expected.value or expected.raised is None


def replace(xs: list[int], ys: list[int], a: int, b: int) -> int:
    xs[a:b] = ys
    xs[:1] = [7, 8]
    xs[len(xs):] = xs
    return len(xs) * 100 + xs[0] + xs[-1]


def test_int_lists_in_every_mode():
    every_mode(replace, [([1, 2, 3, 4], ys, a, b) for a in (-9, -2, 0, 1, 3, 10)
                         for b in (-9, -1, 0, 2, 4, 12) for ys in ([], [5], [1, 2, 3])])


def other_types(fs: list[float], bs: list[bool], ss: list[str], k: int) -> float:
    fs[k:] = [0.5, -1.0]
    bs[:k] = [True]
    ss[1:k] = ss
    n = 0
    for s in ss:
        n += len(s)
    return n + len(bs) * 10.0 + fs[-1] + len(fs)


def test_float_bool_and_str_lists_in_every_mode():
    every_mode(other_types, [([1.5, 2.5, 3.5], [False, True], ["a", "bc", "def"], k)
                             for k in (-1, 0, 1, 2, 5)])


def virtual(x: int) -> int:
    xs = [1, 2, 3, 4]
    xs[1:3] = [x, x * 2, x * 3]
    xs[-1:] = []
    return xs[3] + len(xs) * 10


def test_a_virtual_list_whose_length_changes_is_made_real_as_extend_makes_it():
    """The prelude's loops change the list's length at each pass (as
    xs.extend does), so the virtual list is made real at their loop head,
    with the warning that says so; the results are CPython's."""
    with pytest.warns(SpecializationWarning, match="the list 'xs' became a real list"):
        res = timeshifter.make_compiler(virtual).specialize()
    assert [res(5), res.interpret(-2)] == [virtual(5), virtual(-2)]
    # xs made real, and the list [x, 2x, 3x] that the prelude copies first (made real
    # as the copy's source at the loop that appends it)
    assert res.op_counts()["newlist"] == 2


def with_step(xs: list[int]) -> None:
    xs[::2] = [1]


def to_a_str(s: str) -> None:
    s[1:2] = "x"


def other_item_type(xs: list[int], fs: list[float]) -> None:
    xs[1:2] = fs


@pytest.mark.parametrize("func, message", [
    (with_step, "slice assignment with a step is not supported; assign the items with a "
     "loop"),
    (to_a_str, "slice assignment to a str is not supported: strings are immutable"),
    (other_item_type, "slice assignment to a list[int] takes a list[int], not list[float]")],
    ids=["step", "str", "item_type"])
def test_what_slice_assignment_refuses(func, message):
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(func)
    assert message in str(info.value)

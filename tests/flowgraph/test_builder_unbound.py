"""Reads of locals that may be unassigned: CPython raises UnboundLocalError on
exactly the paths that did not assign the name, and so does every execution
mode (the graph branches on a bound flag, see flowgraph/builder/blockstate.py).  A read that no
path to it assigns is a FlowError."""

import pytest
from hypothesis import given, settings, strategies as st

import flowgraph
import rgen
import timeshifter
from flowgraph import FlowError
from tests.differential import assert_same_outcome, outcome

MESSAGE = "cannot access local variable '{}' where it is not associated with a value"


def check(func, *argsets):
    """Build `func` and compare run_graph with CPython on each argument tuple,
    messages included."""
    graph = flowgraph.build_graph(func)
    flowgraph.checkgraph(graph)
    for args in argsets:
        expected = outcome(func, args)
        got = outcome(lambda *a: flowgraph.run_graph(graph, *a), args)
        assert_same_outcome(expected, got, f"{func.__name__}{tuple(args)!r}")
        assert got.value == expected.value
    return graph


def unbound_exits(graph) -> list:
    """The names whose UnboundLocalError the graph can raise, one per exit."""
    names = []
    for block in graph.iterblocks():
        for link in block.exits:
            if link.target is graph.exceptblock and link.args[0].value is UnboundLocalError:
                names.append(link.args[1].value.split("'")[1])
    return names


def switch_count(graph) -> int:
    return sum(1 for block in graph.iterblocks() if block.exitswitch is not None)


# -- maybe unassigned: a run-time check on the paths that did not assign ---------------

def after_if(n: int) -> int:
    if n > 0:
        x = n * 2
    return x + 1


def after_for(n: int) -> int:
    for i in range(n):
        last = i * i
    return last + i


def across_iterations(n: int) -> int:
    total = 0
    i = 0
    while i < n:
        if i % 3 == 1:
            y = i
        elif i % 3 == 2:
            total += y
        i += 1
    return total


def read_twice(n: int) -> int:
    if n > 5:
        x = n
    a = x + 1
    return a * x


def in_condition(n: int) -> int:
    if n != 0:
        k = 100 // n
    if n < 10 and k > 3:
        return k
    return -1


def test_after_if_raises_on_the_unassigned_path_only():
    graph = check(after_if, (3,), (0,), (-4,))
    assert unbound_exits(graph) == ["x"]
    with pytest.raises(UnboundLocalError, match=MESSAGE.format("x")):
        flowgraph.run_graph(graph, 0)
    assert flowgraph.run_graph(graph, 3) == 7


def test_after_a_loop_that_may_not_run():
    graph = check(after_for, (0,), (1,), (4,))
    assert unbound_exits(graph) == ["last", "i"]        # CPython reads 'last' first


def test_across_loop_iterations():
    graph = check(across_iterations, (0,), (2,), (3,), (7,))
    assert unbound_exits(graph) == ["y"]


def test_one_check_per_path():
    graph = check(read_twice, (6,), (5,), (-1,))
    assert unbound_exits(graph) == ["x"]
    assert switch_count(graph) == 2                     # n > 5, then the flag


def test_check_inside_a_condition():
    check(in_condition, (0,), (5,), (20,), (-3,), (50,))


@settings(max_examples=60, deadline=None)
@given(st.integers(-20, 20))
def test_against_cpython(n):
    for func in (after_if, after_for, across_iterations, read_twice, in_condition):
        check(func, (n,))


def test_every_execution_mode_raises():
    """Native code and the residual graph raise CPython's error too."""
    native = rgen.compile_graph(flowgraph.build_graph(after_for))
    compiler = timeshifter.make_compiler(after_for, green=[])
    for run in (native, compiler, compiler.specialize().interpret):
        with pytest.raises(UnboundLocalError, match=MESSAGE.format("last")):
            run(0)
        assert run(4) == after_for(4)


# -- always assigned where read: no check --------------------------------------------------

def both_branches(n: int) -> int:
    if n > 0:
        x = 1
    else:
        x = 2
    return x


def assigned_again(n: int) -> int:
    if n > 0:
        x = n
    x = 7
    return x


def break_out(n: int) -> int:
    while True:
        n += 1
        if n % 7 == 0:
            found = n
            break
    return found


def raise_on_the_other_path(n: int) -> int:
    if n > 0:
        x = n
    else:
        raise ValueError("negative")
    return x


def never_read(n: int) -> int:
    if n > 0:
        x = n
    return n


@pytest.mark.parametrize("func", [both_branches, assigned_again, break_out,
                                  raise_on_the_other_path, never_read])
def test_no_check_where_every_path_assigns(func):
    graph = check(func, (3,), (0,), (-2,))
    assert unbound_exits(graph) == []
    assert all(v.concretetype is not flowgraph.lltypes.Bool
               for block in graph.iterblocks() for v in block.inputargs)


# -- never assigned on any path to the read: FlowError ---------------------------------------

def no_path_assigns(n: int) -> int:
    if n > 0:
        x = n
    else:
        n = x
    return n


def test_never_assigned_is_a_flow_error():
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(no_path_assigns)
    line = no_path_assigns.__code__.co_firstlineno + 4
    assert str(info.value) == (f"{__file__}:{line}: local variable 'x' is read before it "
                               "is assigned")

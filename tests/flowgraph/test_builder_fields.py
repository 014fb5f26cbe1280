"""Struct fields are assigned before they are read (flowgraph/builder/fieldinit.py):
a field without a class-level default must be assigned on every path of
`__init__` that returns, and not read (directly, or through a method call or
`self` passed on) where it may not be assigned yet; otherwise the graph would
read malloc's zero where CPython raises AttributeError.  Messages exact."""

import inspect

import pytest

import flowgraph
from flowgraph import FlowError
from tests.differential import assert_same_outcome, outcome

FILE = __file__


def line_in(obj, text: str) -> int:
    """The absolute line of the first source line of `obj` containing `text`."""
    lines, first = inspect.getsourcelines(obj)
    return next(first + i for i, line in enumerate(lines) if text in line)


def expect_error(func, line: int, message: str):
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(func)
    assert str(info.value) == f"{FILE}:{line}: {message}"


def check(func, *argsets):
    graph = flowgraph.build_graph(func)
    flowgraph.checkgraph(graph)
    for args in argsets:
        assert_same_outcome(outcome(func, args),
                            outcome(lambda *a: flowgraph.run_graph(graph, *a), args))


# -- rejected -----------------------------------------------------------------------

class OneBranch:
    x: int
    y: int

    def __init__(self, a: int):
        self.x = a
        if a > 0:
            self.y = a


def use_one_branch(a: int) -> int:
    return OneBranch(a).x


class EarlyReturn:
    x: int
    done: bool

    def __init__(self, a: int):
        self.done = a > 9
        if self.done:
            return
        self.x = a


def use_early_return(a: int) -> int:
    return EarlyReturn(a).x


class LoopOnly:
    last: int

    def __init__(self, n: int):
        for i in range(n):
            self.last = i


def use_loop_only(n: int) -> int:
    return LoopOnly(n).last


class NoInit:
    count: int


def use_no_init(n: int) -> int:
    return NoInit().count + n


class ReadFirst:
    total: float

    def __init__(self, a: float):
        self.total = self.total + a


def use_read_first(a: float) -> float:
    return ReadFirst(a).total


class AugFirst:
    total: int

    def __init__(self, a: int):
        self.total += a


def use_aug_first(a: int) -> int:
    return AugFirst(a).total


class MethodFirst:
    items: list[int]
    size: int

    def __init__(self, n: int):
        self.size = self.count(n)
        self.items = [0] * n

    def count(self, n: int) -> int:
        return len(self.items) + n


def use_method_first(n: int) -> int:
    return MethodFirst(n).size


class Node:
    value: int
    next: "Node"

    def __init__(self, value: int):
        self.value = value


def node_param(n: Node) -> int:
    return n.value


def test_not_assigned_on_every_path():
    expect_error(use_one_branch, line_in(OneBranch, "y: int"),
                 "field 'OneBranch.y' has no class-level default and OneBranch.__init__ does "
                 "not assign it on every path (not on the path reaching the end of __init__ "
                 f"at {FILE}:{line_in(OneBranch, 'self.y = a')}); give it a class-level "
                 "default ('y: int = 0') or assign 'self.y' on every path of __init__")


def test_not_assigned_before_a_return():
    expect_error(use_early_return, line_in(EarlyReturn, "x: int"),
                 "field 'EarlyReturn.x' has no class-level default and EarlyReturn.__init__ "
                 "does not assign it on every path (not on the path that returns in __init__ "
                 f"at {FILE}:{line_in(EarlyReturn, 'return')}); give it a class-level "
                 "default ('x: int = 0') or assign 'self.x' on every path of __init__")


def test_a_loop_may_not_run():
    expect_error(use_loop_only, line_in(LoopOnly, "last: int"),
                 "field 'LoopOnly.last' has no class-level default and LoopOnly.__init__ "
                 "does not assign it on every path (not on the path reaching the end of "
                 f"__init__ at {FILE}:{line_in(LoopOnly, 'self.last = i')}); give it a "
                 "class-level default ('last: int = 0') or assign 'self.last' on every path "
                 "of __init__")


def test_no_init():
    expect_error(use_no_init, line_in(NoInit, "count: int"),
                 "field 'NoInit.count' has no class-level default and class 'NoInit' has no "
                 "__init__ to assign it; give it a class-level default ('count: int = 0') or "
                 "assign 'self.count' on every path of __init__")


def test_read_before_assignment_in_init():
    declared = f"{FILE}:{line_in(ReadFirst, 'total: float')}"
    expect_error(use_read_first, line_in(ReadFirst, "self.total = self.total"),
                 f"field 'ReadFirst.total' (declared at {declared} without a class-level "
                 "default) is read in ReadFirst.__init__ before it is assigned on every path "
                 "(CPython raises AttributeError); give it a class-level default "
                 "('total: float = 0.0') or assign 'self.total' before this line")
    declared = f"{FILE}:{line_in(AugFirst, 'total: int')}"
    expect_error(use_aug_first, line_in(AugFirst, "self.total +="),
                 f"field 'AugFirst.total' (declared at {declared} without a class-level "
                 "default) is read in AugFirst.__init__ before it is assigned on every path "
                 "(CPython raises AttributeError); give it a class-level default "
                 "('total: int = 0') or assign 'self.total' before this line")


def test_method_call_before_every_field_is_assigned():
    declared = f"{FILE}:{line_in(MethodFirst, 'items: list')}"
    expect_error(use_method_first, line_in(MethodFirst, "self.size = self.count"),
                 f"field 'MethodFirst.items' (declared at {declared} without a class-level "
                 "default) may not be assigned yet at the method call 'self.count(...)' in "
                 "MethodFirst.__init__, which could read it (CPython raises AttributeError); "
                 "assign 'self.items' before this line")


def test_a_parameter_class_is_checked_too():
    expect_error(node_param, line_in(Node, 'next: "Node"'),
                 "field 'Node.next' has no class-level default and Node.__init__ does not "
                 "assign it on every path (not on the path reaching the end of __init__ at "
                 f"{FILE}:{line_in(Node, 'self.value = value')}); assign 'self.next' on every "
                 "path of __init__")


# -- accepted -----------------------------------------------------------------------

class Defaults:
    count: int = 0
    scale: float = 1.5
    label: str = "d"
    start: int

    def __init__(self, start: int):
        if start < 0:
            raise ValueError("negative start")      # no object escapes a raise
        self.start = start
        self.count += start                         # read: the class default


def use_defaults(start: int) -> float:
    d = Defaults(start)
    return d.count * d.scale + len(d.label) + d.start


class Branches:
    kind: int
    value: int

    def __init__(self, a: int):
        if a > 0:
            self.kind = 1
            self.value = a
        else:
            self.kind, self.value = 2, -a
            return
        self.value += 1                              # assigned on this path
        self.describe()                              # every field assigned here

    def describe(self) -> int:
        return self.kind * 100 + self.value


def use_branches(a: int) -> int:
    return Branches(a).describe()


class Searcher:
    found: int

    def __init__(self, xs: list[int], key: int):
        i = 0
        while True:
            if i == len(xs) or xs[i] == key:
                self.found = i
                break
            i += 1


def use_searcher(key: int) -> int:
    return Searcher([4, 7, 9], key).found


@pytest.mark.parametrize("func, argsets", [
    (use_defaults, [(3,), (0,), (-1,)]),
    (use_branches, [(5,), (0,), (-4,)]),
    (use_searcher, [(7,), (4,), (8,)]),
])
def test_accepted_classes_run_as_in_cpython(func, argsets):
    check(func, *argsets)

"""None as a value of class-typed variables, fields, parameters and results
(issue 12 item 2): `C | None` / `Optional[C]` annotations, `is None`,
`is not None`, `a is b`, the truth of a reference, and CPython's
AttributeError for a field or method of None, in every mode against CPython."""

from collections import Counter
from typing import Optional

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode


class Node:
    __slots__ = ("val", "next")
    val: int
    next: "Node | None"

    def __init__(self, val: int, next: "Node | None"):
        self.val = val
        self.next = next

    def total(self) -> int:
        return self.val + (self.next.total() if self.next is not None else 0)


def chain(n: int) -> int:
    head: Node | None = None
    i = 0
    while i < n:
        head = Node(i, head)
        i += 1
    s = 0
    cur = head
    while cur is not None:
        s = s * 3 + cur.val
        cur = cur.next
    if head:
        s += head.total()
    return s


def first(node: Optional[Node], other: Node | None) -> int:
    if node is None:
        return -1 if other is None else -2
    same = node is other
    return node.val * 10 + same + first(node.next, None)


def method_of_none(node: Node | None) -> int:
    return node.total()


def field_of_none(node: Node | None, k: int) -> int:
    if k > 0:
        node.val = k
    return node.val


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:                # the same type and message in every mode
        return (type(exc), str(exc))


A = Node(1, Node(2, None))
CASES = [(chain, (0,)), (chain, (1,)), (chain, (6,)),
         (first, (A, A)), (first, (A, None)), (first, (None, None)), (first, (None, A)),
         (method_of_none, (None,)), (method_of_none, (A,)),
         (field_of_none, (None, 0)), (field_of_none, (None, 3)), (field_of_none, (A, 0))]


@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{i}" for i, (f, _)
                                                   in enumerate(CASES)])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def linked(k: int) -> int:
    a = Node(k, None)
    b = Node(2, a)
    s = 0
    if b.next is not None:
        s += b.next.val
    if a.next is None:
        s += 100
    if a is b or not b:
        s += 1000
    return s + b.total()


def test_the_links_of_virtual_instances_fold():
    """A virtual instance is never None nor another one: every test folds,
    nothing is allocated, only the arithmetic on k is left."""
    res = timeshifter.make_compiler(linked).specialize()
    assert [res(5), res.interpret(-7)] == [linked(5), linked(-7)]
    assert Counter(op.opname for op in res.graph.iteroperations()) == {"int_add": 3}


def is_int(n: int) -> bool:
    return n is 3           # noqa: F632


class Sized:
    n: int

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


def truth_of_sized(k: int) -> int:
    s = Sized(k)
    if s:
        return 1
    return 0


def either(k: int) -> int:
    x: Node | str = "a"
    return k


@pytest.mark.parametrize("func, message", [
    (is_int, r"'is' between int and int is not supported; 'is' compares instances of one "
             r"class, or with None \(use == for values\)"),
    (truth_of_sized, r"truth value of a Sized \(which defines __bool__ or __len__\) is not "
                     r"supported"),
    (either, r"annotation 'Node \| str' is not supported; a union is only 'C \| None'"),
])
def test_what_stays_out_is_named(func, message):
    with pytest.raises(FlowError, match=message) as info:
        flowgraph.build_graph(func)
    assert "test_none.py" in str(info.value)


class Link:
    val: int
    next: "Link | None"

    def __init__(self, val: int, next: "Link | None"):
        self.val = val
        self.next = next

    def value(self) -> int:
        return self.val * 2


def walk(head: Link | None) -> int:
    s = 0
    cur = head
    while cur is not None:
        s += cur.value()            # cur is not None here: no test before the call
        cur = cur.next
    if head is None:
        return -1
    return s + head.value()         # nor here


@pytest.mark.parametrize("head", [None, Link(1, None), Link(1, Link(2, Link(3, None)))])
def test_a_method_call_after_is_not_none_tests_nothing_more(head):
    assert_every_mode(walk, (head,))
    ops = Counter(op.opname for op in flowgraph.build_graph(walk).iteroperations())
    assert ops["ptr_eq"] == 2                   # the two tests the source writes

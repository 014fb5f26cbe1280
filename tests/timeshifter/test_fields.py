"""Fields of red instances in residual loops (rgen/fields.py): a field whose
value is known is not read again, inside a block or around a loop, and every
mode still agrees with CPython where other code may change the field.
`drift` is bench_objects' attribute loop."""

from __future__ import annotations

import sys

import pytest

import timeshifter
from bench.objects_programs import Particle as Body, step as drift
from flowgraph.interp.names import cyclic_blocks
from hintannotator import dont_look_inside, hint
from tests.differential import assert_every_mode


@dont_look_inside
def kick(b: Body, i: int) -> int:
    b.v = b.v + i
    b.mass = b.mass + 1
    return 0


def kicked(b: Body, n: int) -> int:
    """A residual call changes the fields every fifth iteration."""
    i = 0
    while i < n:
        b.v = b.v + (b.x + b.mass) % 7 - 3
        b.x = b.x + b.v
        if i % 5 == 4:
            kick(b, i)
        i += 1
    return b.x * 1000 + b.v


def aliased(a: Body, b: Body, n: int) -> int:
    """Stores through `a` change what `b` reads when both are one object."""
    i = 0
    total = 0
    while i < n:
        total += b.x
        a.x = a.x + 3
        i += 1
    return total + b.x


def until_bad(b: Body, xs: list[int]) -> int:
    """An IndexError ends the loop: the stores before it must be done."""
    i = 0
    while i < 100:
        b.x = b.x + xs[i]
        i += 1
    return b.x


def capped(b: Body, n: int) -> int:
    """A raise leaves the loop: its exit stores first."""
    i = 0
    while i < n:
        b.x = b.x * 2 + 1
        b.v = b.v + 1
        if b.x > 1000:
            raise ValueError("too big")
        i += 1
    return b.x


@pytest.mark.parametrize("func, make_args", [
    (until_bad, lambda: (Body(1, 2, 3), [4, 5, 6])),
    (capped, lambda: (Body(1, 2, 3), 20)),
    (capped, lambda: (Body(1, 2, 3), 5)),
    (drift, lambda: (Body(1, 2, 12), 50)),
    (drift, lambda: (Body(1, 2, 12), 0)),
    (kicked, lambda: (Body(1, 2, 12), 23)),
    (aliased, lambda: (Body(1, 2, 3), Body(10, 0, 0), 7)),
])
def test_every_mode_agrees_with_cpython(func, make_args):
    assert_every_mode(func, make_args())


def test_one_object_passed_twice_sees_its_own_stores():
    res = timeshifter.make_compiler(aliased).specialize()
    shared, expected = Body(1, 2, 3), Body(1, 2, 3)
    assert res(shared, shared, 7) == aliased(expected, expected, 7) == 92
    assert shared.x == expected.x == 1 + 3 * 7


def test_the_loop_reads_and_stores_no_field():
    """The first iteration (peeled) reads v, x and mass and stores v and x;
    the loop after it carries them in block arguments, and stores them once,
    at its exit."""
    res = timeshifter.make_compiler(drift).specialize()
    ops = res.op_counts()
    assert (ops["getfield"], ops["setfield"]) == (4, 4)
    loop = cyclic_blocks(res.graph.iterblocks())
    assert len(loop) == 2 and [op.opname for b in loop for op in b.operations
                               if op.opname in ("getfield", "setfield")] == []
    b = Body(1, 2, 12)
    assert res(b, 40) == drift(Body(1, 2, 12), 40) == b.x


def test_a_loop_that_may_raise_keeps_its_stores():
    res = timeshifter.make_compiler(until_bad).specialize()
    b = Body(1, 2, 3)
    with pytest.raises(IndexError):
        res(b, [4, 5, 6])
    assert b.x == 1 + 4 + 5 + 6


# -- objects changed by native code, CPython and the fallback interpreter in turn ------

class Leaf:
    n: int

    def __init__(self, n: int):
        self.n = n


class State:
    count: int
    scale: float
    on: bool
    leaf: Leaf
    items: list[int]

    def __init__(self, leaf: Leaf):
        self.count = 0
        self.scale = 1.0
        self.on = False
        self.leaf = leaf
        self.items = [1, 2]


def churn(s: State, k: int) -> int:
    """Reads and writes every kind of field (a number, a float, a bool, a
    reference, a list it appends to), with a promotion in the middle: with
    a high promote_threshold its continuation runs in the fallback
    interpreter."""
    i = 0
    while i < 3:
        s.count = s.count + k
        s.scale = s.scale * 1.5
        s.on = not s.on
        i += 1
    m = hint(s.count % 4, promote=True)
    s.leaf.n = s.leaf.n + m
    if s.on:
        s.leaf = Leaf(s.count)
    s.items.append(m + len(s.items))
    return s.count + s.leaf.n + len(s.items)


def _snapshot(s: State) -> tuple:
    return (s.count, s.scale, s.on, s.leaf.n, list(s.items))


@pytest.mark.parametrize("order", [("native", "cpython", "fallback"),
                                   ("fallback", "native", "cpython"),
                                   ("cpython", "fallback", "native")])
def test_an_object_changed_in_turn_by_every_mode(order):
    """The same object goes through compiled code, CPython and the fallback
    interpreter, in each order: after each step it equals the object only
    CPython changed (as do the results)."""
    native = timeshifter.make_compiler(churn).specialize()
    slow = timeshifter.make_compiler(churn, promote_threshold=10**9)
    runs = {"native": native, "cpython": churn, "fallback": slow.specialize()}
    mine, reference = State(Leaf(5)), State(Leaf(5))
    for step, mode in enumerate(order * 2):
        assert runs[mode](mine, step + 1) == churn(reference, step + 1), (step, mode)
        assert _snapshot(mine) == _snapshot(reference), (step, mode)
    assert sum(site.fallback_runs for site in slow.sites) == 2     # it did run there


def test_reference_counts_after_100000_native_calls():
    """Every object the compiled code touches keeps its reference count
    over 100,000 calls (the fields it reads, replaces and appends to)."""
    res = timeshifter.make_compiler(churn).specialize()
    s = State(Leaf(5))
    for k in range(8):                  # every promoted value's case compiled first
        res(s, k)
    s.items = [1, 2]
    leaf, items = s.leaf, s.items
    before = [sys.getrefcount(x) for x in (s, leaf, items, Leaf, State)]
    for _ in range(100_000):
        s.on = True                     # (three toggles: off, so the leaf stays; and
        res(s, 4)                       # count % 4 stays, so the same case runs)
        s.items.pop()
    assert s.leaf is leaf and s.items is items
    assert [sys.getrefcount(x) for x in (s, leaf, items, Leaf, State)] == before

"""Fields of red instances in residual loops (rgen/fields.py): a field whose
value is known is not read again, inside a block or around a loop, and every
mode still agrees with CPython where other code may change the field.
`drift` is bench_objects' attribute loop."""

from __future__ import annotations

import pytest

import timeshifter
from bench.objects_programs import Particle as Body, step as drift
from flowgraph.interp.names import cyclic_blocks
from hintannotator import dont_look_inside
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

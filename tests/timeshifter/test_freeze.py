"""Freezing a state (state.py) reuses what it made of a virtual list of red
items frozen before: an interpreter's virtual tape changes an item or two
between merge points.  The key and the leaves must always be those of a
fresh freeze, whatever happened to the list in between."""

import random

import pytest

from flowgraph.lltypes import ListType, Signed
from flowgraph.model import Constant, Variable
from timeshifter.boxes import PtrBox, RedBox, VirtualList
from timeshifter.state import Frame, freeze_frames

LIST = ListType(Signed)


def leaf_parts(leaves):
    return [(id(leaf.holder), leaf.slot, leaf.gv) for leaf in leaves]


def fresh(frame, virtual):
    """The freeze of `frame` with the list's memory of earlier freezes set aside."""
    saved, virtual.frozen = virtual.frozen, None
    try:
        return freeze_frames(frame)
    finally:
        virtual.frozen = saved


def red(rng):
    return RedBox(Constant(rng.randrange(5), Signed) if rng.random() < 0.5
                  else Variable("v", Signed))


@pytest.mark.parametrize("seed", range(20))
def test_refreezing_equals_a_fresh_freeze(seed):
    rng = random.Random(seed)
    virtual = VirtualList(LIST, [red(rng) for _ in range(rng.randrange(1, 12))])
    frame = Frame(None, 0, 0, [RedBox(Variable("a", Signed)), PtrBox(LIST, virtual), 7])
    leaves = freeze_frames(frame)[1]
    for _ in range(60):
        items = virtual.items
        what = rng.randrange(8)
        if what == 0 and items:
            items[rng.randrange(len(items))] = red(rng)
        elif what == 1 and leaves:
            rng.choice(leaves).replace(Variable("merged", Signed))
        elif what == 2:
            items.append(red(rng))
        elif what == 3 and len(items) > 1:
            items.pop(rng.randrange(len(items)))
        elif what == 4 and items:                   # a nested virtual, then red again
            items[rng.randrange(len(items))] = PtrBox(LIST, VirtualList(LIST, [red(rng)]))
        elif what == 5:
            items.reverse()
        elif what == 6 and items:
            items[rng.randrange(len(items))] = PtrBox(LIST, None, Variable("p", LIST))
        elif what == 7:                             # the same items in a new list
            virtual.items = list(items)
        key, leaves = freeze_frames(frame)
        want_key, want_leaves = fresh(frame, virtual)
        assert key == want_key
        assert leaf_parts(leaves) == leaf_parts(want_leaves)


def test_an_unchanged_list_is_not_frozen_again():
    items = [RedBox(Variable("t", Signed)) for _ in range(32)]
    virtual = VirtualList(LIST, items)
    frame = Frame(None, 0, 0, [PtrBox(LIST, virtual)])
    first = freeze_frames(frame)[1]
    again = freeze_frames(frame)[1]
    assert all(a is b for a, b in zip(first, again)) and len(again) == 32
    items[5] = RedBox(Constant(1, Signed))          # one item replaced: one new leaf
    third = freeze_frames(frame)[1]
    assert [i for i, (a, b) in enumerate(zip(again, third)) if a is not b] == [5]
    assert third[5].gv == Constant(1, Signed) and third[5].holder is items

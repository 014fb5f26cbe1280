"""The compile-time state of one path being compiled, and its frozen form.

A `JitState` is one path through the program being compiled: an rgen builder
(where its residual code goes) and a chain of `Frame`s (the inlined calls).
A frame is a position in a coloured graph (block, operation index) and the
values the code there expects: green Python values and boxes (boxes.py).

At a merge point, states are compared through `freeze`:

    key     the green values of every frame and the shapes of the virtual
            containers (type, length, aliasing): states with different keys
            are never merged (the code is specialised per key)
    leaves  the red boxes (and forced pointers), in a fixed order: where two
            states with the same key hold different constants, the leaf is
            generalised to a residual variable passed at the label

`Leaf` remembers where a box sits so that it can be replaced by the label's
merge value.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import compress
from operator import is_not

from flowgraph.model import Constant
from rgen.model import Catcher
from timeshifter.boxes import PtrBox, RedBox, VirtualList, VirtualStruct, copy_box


class Frame:
    """`shares_calls`: the frame was resumed at a promotion site (the case of
    a promoted value); a recursive call it makes, with any green arguments,
    becomes a residual call to the one residual function of the callee and
    those arguments (Driver.shared_call)."""

    __slots__ = ("code", "block", "opindex", "values", "back", "greenargs", "shares_calls")

    def __init__(self, code, block: int, opindex: int, values: list, back=None,
                 greenargs=None, shares_calls: bool = False):
        self.code = code
        self.block = block
        self.opindex = opindex
        self.values = values
        self.back = back
        self.greenargs = greenargs
        self.shares_calls = shares_calls

    def copy(self, memo: dict) -> "Frame":
        back = self.back.copy(memo) if self.back is not None else None
        return Frame(self.code, self.block, self.opindex,
                     [copy_box(v, memo) for v in self.values], back, self.greenargs,
                     self.shares_calls)

    def chain(self) -> list:
        """Frames from the outermost to this one."""
        frames, f = [], self
        while f is not None:
            frames.append(f)
            f = f.back
        frames.reverse()
        return frames


class JitState(Catcher):
    """`known`: fields of run-time objects whose values a promotion made
    known, {id(box): (box, {field name: value})} (rtimeshift.getfield), or
    None; the inner dicts are never changed in place (states share them)."""

    __slots__ = ("builder", "frame", "driver", "finished", "resumed", "_line", "at", "_found",
                 "known")

    def __init__(self, builder, frame: Frame, driver, known=None):
        self.builder = builder
        self.frame = frame
        self.driver = driver
        self.finished = False
        self.resumed = False
        self.known = known
        self.line = 0          # the source line being run (set by the segments)
        self.at = None         # (block, position, live values) while the segments run the
        #                        last operation of a block with exception exits
        if driver.catching:    # (a program with `try`: operations that may raise ask
            builder.catcher = self      # the state whether a frame catches, rtimeshift)

    @property
    def line(self) -> int:
        """The source line being run (set by the segments)."""
        return self._line

    @line.setter
    def line(self, line: int) -> None:
        # the residual operations of the outermost frame's lines remember
        # them (the explorer links them to the source); an inlined callee's
        # lines are another function's
        self._line = line
        self.builder.set_source_line(line if self.frame.back is None else 0)

    def classes_for(self, canraise: tuple) -> list:
        """The builder's question about an operation that may raise the
        classes `canraise`: which exception exits may catch it (rtimeshift.
        catches; the answer is kept for `caught`)."""
        from timeshifter.rtimeshift import catches
        self._found = [(cls, depth, j) for cls, depth, j in catches(self, self.at, bool(self.at))
                       if any(issubclass(r, cls) or issubclass(cls, r) for r in canraise)]
        return [cls for cls, _, _ in self._found]

    def caught(self, handlers: list) -> None:
        """The builder made the exception exits `classes_for` asked for."""
        from timeshifter.rtimeshift import fork_handlers
        fork_handlers(self, self._found, handlers, self.at)

    def position(self) -> tuple:
        """Sort key: the outer frames' call positions, then this frame's
        position, as (reverse-postorder index, operation index, graph id).
        A state still inside a callee sorts before any state that already
        returned to the continuation of the call.  Paths of different
        residual functions (recursive specialisations) never meet."""
        f = self.frame
        if f.back is None:                      # (the common case, kept short)
            return (self.driver.function_number(self.builder.graph),
                    (f.code.rpo[f.block], f.opindex, f.code.number))
        key = [self.driver.function_number(self.builder.graph)]
        for f in self.frame.chain():
            opindex = f.opindex if f is self.frame else f.opindex - 1
            key.append((f.code.rpo[f.block], opindex, f.code.number))
        return tuple(key)


@dataclass(slots=True)
class Leaf:
    holder: object     # a list (frame values, list items), a dict (fields) or a PtrBox
    slot: object       # index, field name, or "gv" for a forced PtrBox
    gv: object

    def replace(self, gv) -> None:
        if isinstance(self.holder, PtrBox):
            self.holder.gv = gv
        else:
            self.holder[self.slot] = RedBox(gv)

    @property
    def box(self):
        """The box at the leaf now."""
        return self.holder if isinstance(self.holder, PtrBox) else self.holder[self.slot]


def known_key(known: dict, leaves: list) -> tuple:
    """The fields a promotion made known (JitState.known) of the boxes among
    `leaves`, by leaf index, as a part of a merge key: states knowing other
    values are compiled apart, as green values are."""
    index = {id(leaf.box): i for i, leaf in enumerate(leaves)}
    return tuple(sorted((index[key], name, value_key(value))
                        for key, (box, fields) in known.items() if key in index
                        for name, value in fields.items()))


def carry_known(known: dict, leaves: list, boxes: list) -> dict | None:
    """`known` for the boxes that replaced `boxes` at `leaves` (a merge's
    label values)."""
    carried = {}
    for leaf, old in zip(leaves, boxes):
        entry = known.get(id(old))
        if entry is not None:
            new = leaf.box
            carried[id(new)] = (new, entry[1])
    return carried or None


def freeze(js: JitState) -> tuple[tuple, list]:
    """(key, leaves) of a state: see the module docstring."""
    return freeze_frames(js.frame)


def freeze_frames(frame: Frame) -> tuple[tuple, list]:
    """(key, leaves) of a chain of frames, the innermost given."""
    key, leaves, _, _ = freeze_at_merge(frame)
    return key, leaves


def freeze_at_merge(frame: Frame) -> tuple[tuple, list, tuple, bool]:
    """`freeze_frames(frame)` and what a merge also asks of the state: (key,
    leaves, the keys of the green values of the frames (the key without
    boxes and shapes), whether any frame holds a virtual container),
    in one walk over the frames (a merge point of an interpreter unrolled
    over its program is passed once per guest instruction)."""
    key, leaves, memo, greens, virtual = [], [], {}, [], False
    for f in frame.chain():
        values = f.values
        for i, v in enumerate(values):
            cls = v.__class__
            if cls is RedBox:
                key.append("r")
                leaves.append(Leaf(values, i, v.gv))
            elif cls is PtrBox:
                if v.virtual is not None:
                    virtual = True
                    _freeze_value(values, i, v, key, leaves, memo, greens)
                else:
                    _freeze_value(values, i, v, key, leaves, memo)
            else:
                k = value_key(v)
                key.append(k)
                greens.append(k)
    return tuple(key), leaves, tuple(greens), virtual


def _freeze_value(holder, slot, v, key, leaves, memo, greens=None) -> None:
    """Add `v` to the key and leaves; the green values of virtual instances'
    green fields (setfield_green) to `greens` too, when given: they are the
    state's green values as much as the frames' own."""
    if isinstance(v, RedBox):
        key.append("r")
        leaves.append(Leaf(holder, slot, v.gv))
    elif isinstance(v, PtrBox):
        if id(v) in memo:
            key.append(("alias", memo[id(v)]))
        elif v.virtual is None:
            memo[id(v)] = len(memo)
            key.append("p")
            leaves.append(Leaf(v, "gv", v.gv))
        else:
            memo[id(v)] = len(memo)
            _freeze_virtual(v.virtual, key, leaves, memo, greens)
    else:
        k = value_key(v)
        key.append(k)
        if greens is not None:
            greens.append(k)


def _freeze_virtual(virtual, key, leaves, memo, greens=None) -> None:
    if isinstance(virtual, VirtualStruct):
        key.append(("struct", id(virtual.lltype)))
        for name in virtual.fields:
            _freeze_value(virtual.fields, name, virtual.fields[name], key, leaves, memo,
                          greens)
    else:
        assert isinstance(virtual, VirtualList)
        items = virtual.items
        key.append(("list", virtual.lltype, len(items)))
        if virtual.frozen is not None and _refreeze(virtual, leaves):
            return
        start, flat = len(leaves), True
        for i, item in enumerate(items):
            if item.__class__ is RedBox:        # the common case, kept short:
                leaves.append(Leaf(items, i, item.gv))      # implied "r" in the key
            else:
                flat = False
                key.append(i)
                _freeze_value(items, i, item, key, leaves, memo, greens)
        virtual.frozen = (items, tuple(items), leaves[start:]) if flat else None


def _refreeze(virtual: VirtualList, leaves: list) -> bool:
    """Add the leaves of a list of red items frozen before, made again only
    for the items replaced since (an interpreter's virtual tape or register
    file changes an item or two between merge points and has dozens):
    True, or False when it no longer holds red items only (or was
    rebuilt), to be frozen afresh.  Boxes compare by identity, and a red
    box never changes: a new value is a new box."""
    items, (holder, before, made) = virtual.items, virtual.frozen
    now = tuple(items)
    if holder is not items or len(now) != len(before):
        return False
    if now != before:
        made = list(made)
        for i in compress(range(len(now)), map(is_not, now, before)):
            item = now[i]
            if item.__class__ is not RedBox:
                return False
            made[i] = Leaf(items, i, item.gv)
        virtual.frozen = (items, now, made)
    leaves.extend(made)
    return True


def holds_green_fields(values) -> bool:
    """Whether a virtual instance among `values` (or held by one) keeps a
    green field's value (setfield_green): code entered with run-time
    objects there would not know it, so the fallback interpreter may not
    enter compiled code at such a merge point.  Lists are not looked into:
    an instance stored in a list has no green field (colours.Site), and a
    list's items are boxes (an interpreter's tape may be long)."""
    stack, seen = [v for v in values if v.__class__ is PtrBox], set()
    while stack:
        box = stack.pop()
        if not isinstance(box.virtual, VirtualStruct) or id(box) in seen:
            continue
        seen.add(id(box))
        for v in box.virtual.fields.values():
            if v.__class__ is PtrBox:
                stack.append(v)
            elif v.__class__ is not RedBox:
                return True
    return False


def value_key(value):
    """A hashable key equal only for interchangeable values: a float by its
    bits (so -0.0 and 0.0, or two NaNs, are told apart correctly), an
    unhashable object by identity."""
    if value.__class__ is float:
        return (float, struct.unpack("<q", struct.pack("<d", value))[0])
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return (type(value), value)


def virtual_shapes(js: JitState) -> dict:
    """{path: (own shape, box)} of every virtual container the state's frames
    reach, each once (by the first path to it).  A path is (frame depth,
    slot), then the field names or item indexes leading to a nested one.  A
    container's own shape is its type (and length: element 0, as in a key)
    and what each of its fields or items is: "r" a red value, "ref" a
    reference (virtual or real: a nested virtual's shape is its own entry),
    or a green value's key.  Merges judge each container by its own shape
    (driver.py), so a holder does not change shape when what it holds does."""
    shapes, seen = {}, set()
    for depth, f in enumerate(js.frame.chain()):
        for i, v in enumerate(f.values):
            if v.__class__ is PtrBox and v.virtual is not None and id(v) not in seen:
                _own_shapes(v, (depth, i), shapes, seen)
    return shapes


def _own_shapes(box, path: tuple, shapes: dict, seen: set) -> None:
    """`virtual_shapes` of the virtual `box` at `path` and of those it holds."""
    seen.add(id(box))
    virtual = box.virtual
    if isinstance(virtual, VirtualStruct):
        head, parts = ("struct", id(virtual.lltype)), list(virtual.fields.items())
    else:
        items = virtual.items
        head = ("list", virtual.lltype, len(items))
        frozen = virtual.frozen
        if frozen is not None and frozen[0] is items and frozen[1] == tuple(items):
            # red items only, as the merge's freeze just found (_freeze_virtual):
            # nothing nested, and the shape is the same tuple for every length
            reds = _REDS.get(len(items)) or _REDS.setdefault(len(items), ("r",) * len(items))
            shapes[path] = ((head,) + reds, box)
            return
        parts = list(enumerate(items))
    shapes[path] = ((head,) + tuple(_part_kind(v) for _, v in parts), box)
    for name, v in parts:
        if v.__class__ is PtrBox and v.virtual is not None and id(v) not in seen:
            _own_shapes(v, path + (name,), shapes, seen)


_REDS: dict = {}        # n -> ("r",) * n


def _part_kind(v):
    if isinstance(v, RedBox):
        return "r"
    if isinstance(v, PtrBox):
        return "ref"
    return value_key(v)


def generalize(spec: list | None, leaves: list) -> list:
    """Combine a leaf spec (a Constant per leaf that is a known constant, None
    for a variable) with a state's leaves: equal constants stay, anything
    else becomes a variable."""
    if spec is None:
        return [l.gv if isinstance(l.gv, Constant) else None for l in leaves]
    return [c if c is not None and isinstance(l.gv, Constant) and l.gv == c else None
            for c, l in zip(spec, leaves)]


def matches(spec: list, leaves: list) -> bool:
    return all(c is None or (isinstance(l.gv, Constant) and l.gv == c)
               for c, l in zip(spec, leaves))

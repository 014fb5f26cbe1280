"""Compile-time boxes: what the generating extension holds for red and blue values.

    RedBox(gv)        a red value: `gv` is an rgen value, a Constant while the
                      value is known at compile time (a "red constant"),
                      otherwise a Variable of the residual graph
    PtrBox(virtual)   a blue value: a pointer to a container allocated in the
                      analysed code.  While `virtual` is set the container
                      exists only at compile time (no residual allocation);
                      `force` emits the allocation and the stores once, after
                      which `gv` holds the residual pointer.
    VirtualStruct     fields: name -> box, or the green value itself in a
                      field the annotator found green (setfield_green)
    VirtualList       items: list of boxes (lists and fixed arrays)

Green values are plain Python values and never boxed.  Boxes are shared: two
variables pointing to the same container hold the same PtrBox, and copying a
state (at a split) copies boxes with a memo so the sharing is preserved.
"""

from __future__ import annotations

import math

from flowgraph.lltypes import ArrayType, Signed, StructType, TupleType, Void, default_value
from flowgraph.model import Constant


class RedBox:
    __slots__ = ("gv",)

    def __init__(self, gv):
        self.gv = gv

    @property
    def is_constant(self) -> bool:
        return isinstance(self.gv, Constant)

    @property
    def lltype(self):
        return self.gv.concretetype

    def copy(self, memo: dict) -> "RedBox":
        return self        # immutable: a new value makes a new box

    def __repr__(self) -> str:
        return f"RedBox({self.gv!r})"


class VirtualStruct:
    __slots__ = ("lltype", "fields")

    def __init__(self, lltype: StructType, fields: dict):
        self.lltype = lltype
        self.fields = fields

    def copy(self, memo) -> "VirtualStruct":
        return VirtualStruct(self.lltype, {k: copy_box(b, memo) for k, b in self.fields.items()})

    def boxes(self):
        return list(self.fields.values())


def container_kind(virtual) -> str:
    """"list", "tuple" or "object": what a virtual container is, in messages."""
    if isinstance(virtual, VirtualStruct):
        return "object"
    return "tuple" if isinstance(virtual.lltype, TupleType) else "list"


class VirtualList:
    """The items of a virtual list, array or tuple (by `lltype`).
    `frozen`: what state.py's freezing last made of it while every item was
    red (so that an unchanged list is not frozen again), or None."""

    __slots__ = ("lltype", "items", "frozen")

    def __init__(self, lltype, items: list):
        self.lltype = lltype
        self.items = items
        self.frozen = None

    def copy(self, memo) -> "VirtualList":
        return VirtualList(self.lltype, [copy_box(b, memo) for b in self.items])

    def boxes(self):
        return list(self.items)


class PtrBox:
    """A blue value: virtual container, or forced residual pointer."""

    __slots__ = ("virtual", "gv", "lltype")

    def __init__(self, lltype, virtual=None, gv=None):
        self.lltype = lltype
        self.virtual = virtual
        self.gv = gv

    @property
    def is_constant(self) -> bool:
        return self.virtual is None and isinstance(self.gv, Constant)

    def copy(self, memo: dict) -> "PtrBox":
        if id(self) in memo:
            return memo[id(self)]
        new = PtrBox(self.lltype, None, self.gv)
        memo[id(self)] = new
        if self.virtual is not None:
            new.virtual = self.virtual.copy(memo)
        return new

    def __repr__(self) -> str:
        return f"PtrBox({'virtual' if self.virtual is not None else self.gv!r})"


def copy_box(box, memo: dict):
    if isinstance(box, PtrBox):
        return box.copy(memo)
    return box


def zero_box(lltype):
    """The box of a fresh field or item: its type's zero, a red constant."""
    return RedBox(Constant(default_value(lltype), lltype))


def new_struct(lltype: StructType) -> PtrBox:
    return PtrBox(lltype, VirtualStruct(lltype, {name: zero_box(t)
                                                 for name, t in lltype.fields.items()}))


def new_list(lltype, items: list) -> PtrBox:
    return PtrBox(lltype, VirtualList(lltype, items))


def force(builder, box):
    """The residual value of a box: emits a virtual container (and what it
    points to) the first time it escapes; returns a gv."""
    if isinstance(box, RedBox):
        return box.gv
    if box.virtual is None:
        return box.gv
    virtual, box.virtual = box.virtual, None
    if isinstance(virtual, VirtualStruct):
        box.gv = builder.genop("malloc", [Constant(virtual.lltype, Void)])
        for name, field in virtual.fields.items():
            gv_field = force(builder, field) if isinstance(field, (RedBox, PtrBox)) \
                else Constant(field, virtual.lltype.fields[name])   # a green field's value
            if not _is_zero(gv_field, virtual.lltype.fields[name]):
                builder.genop("setfield", [box.gv, Constant(name, Void), gv_field])
    elif isinstance(virtual.lltype, TupleType):
        items = [force(builder, item) for item in virtual.items]
        box.gv = builder.genop("newtuple", [Constant(virtual.lltype, Void), *items])
    elif isinstance(virtual.lltype, ArrayType):
        n = Constant(len(virtual.items), Signed)
        box.gv = builder.genop("malloc_varsize", [Constant(virtual.lltype, Void), n])
        _store_items(builder, box.gv, virtual, "setarrayitem")
    else:
        item = virtual.lltype.item
        n = Constant(len(virtual.items), Signed)
        fill = Constant(default_value(item), item)
        box.gv = builder.genop("newlist", [Constant(virtual.lltype, Void), n, fill])
        _store_items(builder, box.gv, virtual, "list_setitem")
    return box.gv


def _store_items(builder, gv_list, virtual, opname) -> None:
    item_type = virtual.lltype.item
    for i, item in enumerate(virtual.items):
        gv_item = force(builder, item)
        if not _is_zero(gv_item, item_type):
            builder.genop(opname, [gv_list, Constant(i, Signed), gv_item])


def _is_zero(gv, lltype) -> bool:
    if not isinstance(gv, Constant):
        return False
    zero = default_value(lltype)
    if type(gv.value) is not type(zero) or gv.value != zero:
        return False
    return not isinstance(zero, float) or math.copysign(1.0, gv.value) == 1.0   # -0.0 is stored



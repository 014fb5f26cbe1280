"""Structs: `malloc`, `getfield`, `setfield` on instances of the user's class.

A struct value is the instance itself (`flowgraph.interp.record_class(T)`:
the user's class, or the interpreter's Record class for a type without one),
so the interpreter and native code share it.  Fields are read and written
with `PyObject_GetAttr` / `PyObject_SetAttr` and the interned field name:
right for any object and any class, and for CPython 3.11's plain classes it
uses the instances' inline attribute values.  (Going through the instance
dict directly was measured: it forces every instance to materialise a dict,
and the gain on field-heavy loops was small.)

A class with `__slots__` has its fields at fixed offsets (CPython's member
descriptors): native code reads and writes them there, with no lookup, when
the instance's type is exactly the class (a subclass, or an empty slot,
takes the `PyObject_GetAttr` / `PyObject_SetAttr` path, which raises what
CPython raises).  `slot_offset` reads the offset from the descriptor.

`malloc` makes the instance like `flowgraph.interp.struct_factory` does:
`cls.__new__(cls)`, then every field set to its default.  When `cls.__new__`
is `object.__new__` (no custom `__new__`, an ordinary metaclass) the type's
`tp_new` slot is called directly instead of through the Python-level
`__new__` wrapper.
"""

from __future__ import annotations

import ctypes
import types

from llvmlite import ir

from flowgraph import lltypes
from flowgraph.arguments import CHECKED_FIELDS, field_checker
from flowgraph.interp import record_class
from flowgraph.lltypes import Void
from rgen.llvm.memops import handles, new_box, take_item
from rgen.llvm.fastcall import branch_unless_scalar
from rgen.llvm.runtime import I32, I64, NULL, PTR, load_at

TP_NEW = 312                     # offsetof(PyTypeObject, tp_new) in CPython 3.11
OB_TYPE = 8
D_MEMBER = 40                    # offsetof(PyMemberDescrObject, d_member)
MEMBER_TYPE, MEMBER_OFFSET = 8, 16   # offsetof(PyMemberDef, type / offset)
T_OBJECT_EX = 16


def slot_offset(cls, name: str) -> int | None:
    """The byte offset of the `__slots__` field `name` in instances of `cls`
    (an object reference, T_OBJECT_EX), or None if it is not such a slot."""
    if cls is None or type(cls) is not type:
        return None
    descr = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), None)
    if type(descr) is not types.MemberDescriptorType:
        return None
    member = ctypes.c_void_p.from_address(id(descr) + D_MEMBER).value
    if ctypes.c_int.from_address(member + MEMBER_TYPE).value != T_OBJECT_EX:
        return None
    return ctypes.c_ssize_t.from_address(member + MEMBER_OFFSET).value


def _check_slot_layout() -> None:
    """Refuse the fixed-offset path if the descriptor layout is not the one
    assumed (the offset read must find the value stored)."""
    class Probe:
        __slots__ = ("a", "b")
    probe, value = Probe(), object()
    probe.b = value
    offset = slot_offset(Probe, "b")
    if offset is None or ctypes.c_void_p.from_address(id(probe) + offset).value != id(value):
        raise ImportError("rgen.llvm: unexpected layout of __slots__ member descriptors")


_check_slot_layout()


def _set(em, obj, name, value):
    """i1 failed: obj.name = value (value borrowed)."""
    r = em.b.call(em.rt.capi("PyObject_SetAttr"), [obj, em.rt.pyobj(name, name), value])
    return em.b.icmp_signed("!=", r, ir.Constant(I32, 0))


def _exact_slot(em, struct, name: str, obj):
    """(i1: obj's type is exactly its class and `name` is a slot there, the
    slot's address) or None when the class has no such slot."""
    cls = record_class(struct)
    offset = slot_offset(cls, name)
    if offset is None:
        return None
    b = em.b
    if not obj.type.is_opaque:          # a prebuilt object (an `i8*` global): as a `ptr`
        obj = b.inttoptr(b.ptrtoint(obj, I64), PTR)
    exact = b.icmp_unsigned("==", load_at(b, obj, OB_TYPE, PTR), em.rt.pyobj(cls, cls.__name__))
    return exact, b.gep(obj, [ir.Constant(I64, offset)], source_etype=ir.IntType(8))


@handles("getfield")
def _getfield(em, op):
    T, name = op.result.concretetype, op.args[1].value
    obj, b = em.value(op.args[0]), em.b
    slot = _exact_slot(em, op.args[0].concretetype, name, obj)
    if slot is None:
        p = b.call(em.rt.capi("PyObject_GetAttr"), [obj, em.rt.pyobj(name, name)], name=name)
    else:                       # the slot's value if set, else GetAttr (its error)
        exact, address = slot
        fast = em.fn.append_basic_block(f"{em.label}.slot.{name}")
        slow = em.fn.append_basic_block(f"{em.label}.getattr.{name}")
        done = em.fn.append_basic_block(f"{em.label}.got.{name}")
        b.cbranch(exact, fast, slow)
        b.position_at_end(fast)
        in_slot = b.load(address, typ=PTR, name=f"{name}.slot")
        set_bb = em.fn.append_basic_block(f"{em.label}.slot.{name}.set")
        b.cbranch(b.icmp_unsigned("==", in_slot, NULL), slow, set_bb)
        b.position_at_end(set_bb)
        em.rt.incref(b, in_slot)
        fast_end = b.block
        b.branch(done)
        b.position_at_end(slow)
        by_name = b.call(em.rt.capi("PyObject_GetAttr"), [obj, em.rt.pyobj(name, name)],
                         name=name)
        slow_end = b.block
        b.branch(done)
        b.position_at_end(done)
        p = b.phi(PTR, name=name)
        p.add_incoming(in_slot, fast_end)
        p.add_incoming(by_name, slow_end)
    em.fail_if(em.b.icmp_unsigned("==", p, NULL))
    if T is Void:
        em.rt.decref(em.b, p)
        return None
    if T in CHECKED_FIELDS:
        p = _checked_field(em, op.args[0].concretetype, name, T, p)
    return take_item(em, T, p)


def _checked_field(em, struct, name: str, T, p):
    """The field value `p` (a new reference) if it passes the inline test of
    its type, else what the shared field check (flowgraph.arguments) returns
    for it, or its error; the same rule and messages as the interpreter."""
    b, rt = em.b, em.rt
    slow = branch_unless_scalar(em, T, p, f"{em.label}.field.{name}")
    done = em.fn.append_basic_block(f"{em.label}.field.{name}.ok")
    here = b.block
    b.branch(done)
    b.position_at_end(slow)
    check = rt.pyobj(field_checker(struct.name, name, T), f"check_{name}")
    checked = b.call(rt.capi("PyObject_CallOneArg"), [check, p], name="checked")
    rt.decref(b, p)
    em.fail_if(b.icmp_unsigned("==", checked, NULL))
    slow_end = b.block
    b.branch(done)
    b.position_at_end(done)
    value = b.phi(PTR, name=name)
    value.add_incoming(p, here)
    value.add_incoming(checked, slow_end)
    return value


@handles("setfield")
def _setfield(em, op):
    value = new_box(em, op.args[2].concretetype, em.value(op.args[2]))
    obj, name, b = em.value(op.args[0]), op.args[1].value, em.b
    slot = _exact_slot(em, op.args[0].concretetype, name, obj)
    if slot is None:
        return _setattr(em, obj, name, value)
    exact, address = slot
    with b.if_else(exact, likely=True) as (in_slot, by_name):
        with in_slot:           # the slot takes the new reference; the old one is dropped
            old = b.load(address, typ=PTR, name=f"{name}.old")
            b.store(value, address)
            with b.if_then(b.icmp_unsigned("!=", old, NULL)):
                em.rt.decref(b, old)
        with by_name:
            _setattr(em, obj, name, value)


def _setattr(em, obj, name: str, value) -> None:
    """`obj.name = value` through SetAttr (`value` a new reference, consumed)."""
    failed = _set(em, obj, name, value)
    em.rt.decref(em.b, value)
    em.fail_if(failed)


def _new_instance(em, cls):
    """A new reference to `cls.__new__(cls)` (null on failure)."""
    rt, b = em.rt, em.b
    c_cls = rt.pyobj(cls, cls.__name__)
    if type(cls) is type and cls.__new__ is object.__new__:
        tp_new = ctypes.c_void_p.from_address(id(cls) + TP_NEW).value
        new = rt.native_function(tp_new, ir.FunctionType(PTR, [PTR, PTR, PTR]), "tp_new")
        return b.call(new, [c_cls, rt.pyobj((), "empty_tuple"), NULL], name="obj")
    return b.call(rt.capi("PyObject_CallOneArg"), [rt.pyobj(cls.__new__, "new"), c_cls],
                  name="obj")


@handles("instance_isinstance")
def _isinstance(em, op):
    """`isinstance(v, C)` (or a tuple of classes): `PyType_IsSubtype(Py_TYPE(v),
    C)` (None's type is no user class's subtype)."""
    ob_type = load_at(em.b, em.value(op.args[0]), OB_TYPE, PTR)
    classes = op.args[1].value
    tests = [_is_subtype(em, ob_type, cls)
             for cls in (classes if isinstance(classes, tuple) else (classes,))]
    found = tests[0]
    for test in tests[1:]:
        found = em.b.or_(found, test)
    return found


@handles("instance_class")
def _instance_class(em, op):
    """`v.__class__`: its type (a new reference, as every gcref result)."""
    cls = load_at(em.b, em.value(op.args[0]), OB_TYPE, PTR, op.result.name or "class")
    em.rt.incref(em.b, cls)
    return cls


@handles("class_issubclass")
def _class_issubclass(em, op):
    return _is_subtype(em, em.value(op.args[0]), op.args[1].value)


def _is_subtype(em, type_value, cls: type):
    """i1: is the type object `type_value` a subtype of `cls`?"""
    found = em.b.call(em.rt.capi("PyType_IsSubtype"), [type_value, em.rt.pyobj(cls, cls.__name__)])
    return em.b.icmp_signed("!=", found, ir.Constant(I32, 0), name="subtype")


@handles("class_is")
def _class_is(em, op):
    cls = op.args[1].value
    return em.b.icmp_unsigned("==", em.value(op.args[0]), em.rt.pyobj(cls, cls.__name__),
                              name=op.result.name or "is")


@handles("malloc")
def _malloc(em, op):
    T = op.args[0].value
    obj = _new_instance(em, record_class(T))
    em.fail_if(em.b.icmp_unsigned("==", obj, NULL))
    em.hold(obj)
    for name, t in T.fields.items():
        em.fail_if(_set(em, obj, name, em.rt.pyobj(lltypes.default_value(t), "default")))
    em.unhold(obj)
    return obj

"""Structs: `malloc`, `getfield`, `setfield` on instances of the user's class.

A struct value is the instance itself (`flowgraph.interp.record_class(T)`:
the user's class, or the interpreter's Record class for a type without one),
so the interpreter and native code share it.  Fields are read and written
with `PyObject_GetAttr` / `PyObject_SetAttr` and the interned field name:
right for any object and any class, and for CPython 3.11's plain classes it
uses the instances' inline attribute values.  (Going through the instance
dict directly was measured: it forces every instance to materialise a dict,
and the gain on field-heavy loops was small.)

`malloc` makes the instance like `flowgraph.interp.struct_factory` does:
`cls.__new__(cls)`, then every field set to its default.  When `cls.__new__`
is `object.__new__` (no custom `__new__`, an ordinary metaclass) the type's
`tp_new` slot is called directly instead of through the Python-level
`__new__` wrapper.
"""

from __future__ import annotations

import ctypes

from llvmlite import ir

from flowgraph import lltypes
from flowgraph.arguments import CHECKED_FIELDS, field_checker
from flowgraph.interp import record_class
from flowgraph.lltypes import Void
from rgen.llvm.memops import handles, new_box, take_item
from rgen.llvm.fastcall import branch_unless_scalar
from rgen.llvm.runtime import I32, NULL, PTR

TP_NEW = 312                     # offsetof(PyTypeObject, tp_new) in CPython 3.11


def _set(em, obj, name, value):
    """i1 failed: obj.name = value (value borrowed)."""
    r = em.b.call(em.rt.capi("PyObject_SetAttr"), [obj, em.rt.pyobj(name, name), value])
    return em.b.icmp_signed("!=", r, ir.Constant(I32, 0))


@handles("getfield")
def _getfield(em, op):
    T, name = op.result.concretetype, op.args[1].value
    p = em.b.call(em.rt.capi("PyObject_GetAttr"),
                  [em.value(op.args[0]), em.rt.pyobj(name, name)], name=name)
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
    failed = _set(em, em.value(op.args[0]), op.args[1].value, value)
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

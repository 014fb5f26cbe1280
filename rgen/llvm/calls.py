"""Calls: `direct_call` to other compiled graphs and to plain Python
callables, and the tail transfers `tail_call` and `promote` (a promotion
site's extensible switch).

A callee `FunctionGraph` is called natively: its function (defined in the
same module when it belongs to the caller's strongly connected component of
the call graph, else declared by the symbol it was compiled under) returns
`{T, i1}`; a set failure flag propagates the pending exception.  The callee
takes over one reference per gcref argument (see emit.py).  A tail transfer
ends the function with `return callee(*args)` as a guaranteed tail call
(`FunctionEmitter.tail_transfer`): a loop running through several functions
(a promotion case handing over to a shared merge-point entry, which reaches
the promotion site again) runs in constant stack.

Any other callee (a Python function the graph calls, e.g. a callback of the
promotion machinery) is called through `PyObject_Vectorcall` with boxed
arguments; its result is unboxed to the op's result type (a TypeError if it
does not fit).
"""

from __future__ import annotations

import ctypes

from llvmlite import ir

from flowgraph.dispatch import key_encoding
from flowgraph.lltypes import Signed, Void
from flowgraph.model import FunctionGraph
from rgen.llvm.memops import handles, new_box, take_item
from rgen.llvm.runtime import I1, I64, NULL, PTR, entry_alloca, lltype, result_struct


@handles("direct_call")
def _direct_call(em, op):
    callee = op.args[0].value
    if isinstance(callee, FunctionGraph):
        return _call_graph(em, op, callee)
    return _call_python(em, op, callee)


def _call_graph(em, op, graph):
    fn = em.callee(graph)
    counted = em.counted(graph)
    if counted:
        em.enter_recursive_call()
    args = em.call_arguments(op.args[1:], em.dying_after_op())
    result = em.b.call(fn, args, name=f"{graph.name}.result")
    if counted:
        em.leave_recursive_call()
    value = em.check(result, op.result.name or "v")
    return None if op.result.concretetype is Void else value


@handles("tail_call")
def _tail_call(em, op):
    """`tail_call(c_graph, *args)`: `return graph(*args)`, a tail call."""
    graph = op.args[0].value
    if not isinstance(graph, FunctionGraph):
        raise em.error(f"tail_call of {graph!r}, which is not a graph")
    em.tail_transfer(em.callee(graph), op.args[1:])


def _call_python(em, op, func):
    if not callable(func):
        raise em.error(f"direct_call of {func!r}, which is neither a graph nor callable")
    return call_python(em, func, op.args[1:], op.result.concretetype)


def call_python(em, func, args: list, T):
    """`func(*args)` through PyObject_Vectorcall: flow-graph values boxed,
    the result converted to T (None for Void)."""
    b, rt = em.b, em.rt
    boxes = []
    for a in args:
        if a.concretetype is Void:
            p = rt.pyobj(a.value, "arg")
            rt.incref(b, p)
        else:
            p = new_box(em, a.concretetype, em.value(a))
        em.hold(p)
        boxes.append(p)
    array = entry_alloca(em.fn, PTR, len(boxes), "args")
    for i, p in enumerate(boxes):
        b.store(p, b.gep(array, [ir.Constant(I64, i)], inbounds=True, source_etype=PTR))
    name = getattr(func, "__name__", "func")
    res = b.call(rt.capi("PyObject_Vectorcall"),
                 [rt.pyobj(func, name), array, ir.Constant(I64, len(boxes)), NULL],
                 name=f"{name}.result")
    for p in boxes:
        em.unhold(p)
    em.release(boxes)
    em.fail_if(b.icmp_unsigned("==", res, NULL))
    if T is Void:
        rt.decref(b, res)
        return None
    return take_item(em, T, res)


# -- promotion sites ------------------------------------------------------------------------

@handles("promote")
def _promote(em, op):
    """`promote(c_site, v, *live)`: the site's native table first, else Python.

    The site is a `rgen.dispatch.NativeSwitch`: its case table is read on
    every execution, so cases attached later are seen at once.  A hit
    tail-calls the case; a miss tail-calls the site's default (its
    megamorphic path) when it has one, else asks `site.native_miss(v, *live)`
    in Python for a case to tail-call (see `_promote_miss`)."""
    site, v_value, live = op.args[0].value, op.args[1], op.args[2:]
    b, T = em.b, op.result.concretetype
    em.rt.pyobj(site, "site")                                 # kept alive with the code
    key = _switch_key(em, v_value)
    count = b.load(_address(em, site.native_count, "site.count"), typ=I64, name="ncases")
    head, body, hit, miss = (em.fn.append_basic_block(f"{em.label}.promote.{n}")
                             for n in ("head", "body", "hit", "miss"))
    entry = b.block
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64, name="case")
    i.add_incoming(ir.Constant(I64, 0), entry)
    b.cbranch(b.icmp_signed("<", i, count), body, miss)
    b.position_at_end(body)
    values = _address(em, site.native_values, "site.values")
    found = b.load(b.gep(values, [i], source_etype=I64), typ=I64)
    i.add_incoming(b.add(i, ir.Constant(I64, 1)), body)
    b.cbranch(b.icmp_signed("==", found, key), hit, head)
    b.position_at_end(hit)
    fnty = ir.FunctionType(result_struct(T), [lltype(a.concretetype) for a in live
                                              if a.concretetype is not Void])
    targets = _address(em, site.native_targets, "site.targets")
    fnptr = b.load(b.gep(targets, [i], source_etype=PTR), typ=fnty.as_pointer(), name="case.fn")
    em.tail_transfer(fnptr, live)
    b.position_at_end(miss)
    default_ty = ir.FunctionType(result_struct(T), [lltype(v_value.concretetype), *fnty.args])
    default = b.load(_address(em, site.native_default, "site.default"),
                     typ=default_ty.as_pointer(), name="default.fn")
    served, ask = (em.fn.append_basic_block(f"{em.label}.promote.{n}")
                   for n in ("default", "ask"))
    b.cbranch(b.icmp_unsigned("!=", default, ir.Constant(default_ty.as_pointer(), None)),
              served, ask)
    b.position_at_end(served)
    em.tail_transfer(default, [v_value] + list(live))
    b.position_at_end(ask)
    _promote_miss(em, site, v_value, live, fnty, T)


def _promote_miss(em, site, v_value, live, fnty, T):
    """The miss path: `site.native_miss(v, *live)` returns the address of a
    case to tail-call (just compiled), like a hit, so Python returns before the
    case runs and loops through fresh cases run in constant stack; 0 means no
    case: `site.native_fallback(v, *live)` computes the result."""
    b = em.b
    address = call_python(em, site.native_miss, [v_value] + list(live), Signed)
    transfer, fallback = (em.fn.append_basic_block(f"{em.label}.promote.{n}")
                          for n in ("transfer", "fallback"))
    b.cbranch(b.icmp_signed("!=", address, ir.Constant(I64, 0)), transfer, fallback)
    b.position_at_end(transfer)
    em.tail_transfer(b.inttoptr(address, fnty.as_pointer(), name="case.fn"), live)
    b.position_at_end(fallback)
    value = call_python(em, site.native_fallback, [v_value] + list(live), T)
    em.release(em.owned)
    result = ir.Constant(result_struct(T), ir.Undefined)
    if value is not None:
        result = b.insert_value(result, value, 0)
    b.ret(b.insert_value(result, ir.Constant(I1, 0), 1))


def _switch_key(em, v_value):
    """The int64 key of the promoted value, as `flowgraph.dispatch.switch_key`."""
    key = em.value(v_value)
    encoding = key_encoding(v_value.concretetype)
    if encoding == "bits":
        return em.b.bitcast(key, I64)       # a Float keys by its bits (-0.0 != 0.0)
    if encoding == "address":
        return em.b.ptrtoint(key, I64)      # a class by its address
    return key if key.type == I64 else em.b.zext(key, I64)


def _address(em, ctypes_object, hint: str):
    return em.rt.address_global(ctypes.addressof(ctypes_object), hint)




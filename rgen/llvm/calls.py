"""`direct_call`: calls to other compiled graphs and to plain Python callables.

A callee `FunctionGraph` is called natively: its function (defined in the
same module when it belongs to the caller's strongly connected component of
the call graph, else declared by the symbol it was compiled under) returns
`{T, i1}`; a set failure flag propagates the pending exception.

Any other callee (a Python function the graph calls, e.g. a callback of the
promotion machinery) is called through `PyObject_Vectorcall` with boxed
arguments; its result is unboxed to the op's result type (a TypeError if it
does not fit).
"""

from __future__ import annotations

from llvmlite import ir

from flowgraph.lltypes import Void
from flowgraph.model import FunctionGraph
from rgen.llvm.memops import handles, new_box, take_item
from rgen.llvm.runtime import I64, NULL, PTR


@handles("direct_call")
def _direct_call(em, op):
    callee = op.args[0].value
    if isinstance(callee, FunctionGraph):
        return _call_graph(em, op, callee)
    return _call_python(em, op, callee)


def _call_graph(em, op, graph):
    fn = em.callee(graph)
    args = [em.value(a) for a in op.args[1:] if a.concretetype is not Void]
    result = em.b.call(fn, args, name=f"{graph.name}.result")
    value = em.check(result, op.result.name or "v")
    return None if op.result.concretetype is Void else value


def _call_python(em, op, func):
    if not callable(func):
        raise em.error(f"direct_call of {func!r}, which is neither a graph nor callable")
    b, rt = em.b, em.rt
    boxes = []
    for a in op.args[1:]:
        if a.concretetype is Void:
            p = rt.pyobj(a.value, "arg")
            rt.incref(b, p)
        else:
            p = new_box(em, a.concretetype, em.value(a))
        em.hold(p)
        boxes.append(p)
    array = _entry_alloca(em, len(boxes))
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
    T = op.result.concretetype
    if T is Void:
        rt.decref(b, res)
        return None
    return take_item(em, T, res)


def _entry_alloca(em, n: int):
    """A stack slot of n pointers, allocated once in the entry block."""
    entry = em.fn.entry_basic_block
    b = ir.IRBuilder(entry)
    b.position_at_start(entry)
    return b.alloca(PTR, size=max(n, 1), name="args")


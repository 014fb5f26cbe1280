"""Run-time support of the generated interpreter code (see run.py).

The objects the generated functions create or call: the tail-transfer tokens
`TailCall` and `Promote` (run by `interp.trampoline`), `MergePoint` (a global
merge point handed to the `merge_point` callback), the Python classes of
struct instances (`record_class`, `struct_factory`) and the helpers that
raise the interpreter's own errors.  Nothing here compiles or runs a graph.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass

from flowgraph import lltypes
from flowgraph.lltypes import StructType
from flowgraph.model import Block, FunctionGraph
from flowgraph.operations import OPS


# -- tail transfers ------------------------------------------------------------
# `promote` and `tail_call` end a residual function by handing over to other
# code (a promotion case, a shared entry).  Run as calls, a loop that crosses
# functions would grow the stack once per iteration; so the operations make a
# token that their function returns, and `trampoline` (at the outermost call,
# and after a call to any graph that has such operations) runs the next
# function until a real result comes back.

class TailCall:
    """Continue with `graph(*args)`."""

    __slots__ = ("graph", "args")

    def __init__(self, graph, args):
        self.graph = graph
        self.args = args


class Promote:
    """Continue at promotion site `site` with the run-time `value`: the site's
    `dispatch(value, live)` (`flowgraph.dispatch.InterpretedSwitch`) gives the
    result or another transfer."""

    __slots__ = ("site", "value", "live")

    def __init__(self, site, value, live):
        self.site = site
        self.value = value
        self.live = live


TRANSFERS = (TailCall, Promote)


def has_tail_ops(graph: FunctionGraph) -> bool:
    """Whether `graph` may return a tail transfer: it has a promote or a
    tail_call, or a global merge point, whose callback may answer with one
    (the fallback going on in compiled code there, interpreted)."""
    cached = graph._cache.get("has_tail_ops")
    if cached is None:
        cached = graph._cache["has_tail_ops"] = any(
            OPS[op.opname].kind == "transfer" or (
                op.opname == "hint" and "global_merge_point" in op.args[1].value.split(","))
            for op in graph.iteroperations())
    return cached


@dataclass(frozen=True, eq=False)
class MergePoint:
    """A global merge point of a graph: resume with
    `resume_graph(graph, block, values, opindex)`, `values` giving `live`."""

    graph: FunctionGraph
    block: Block
    opindex: int          # the operation after the merge point's hint
    live: tuple           # the variables live there


@dataclass(frozen=True, eq=False)
class CanEnterJit:
    """A `hint(None, can_enter_jit=True)` of a graph: where the guest closes
    a loop.  The merge-point callback is called with it (and no values)
    each time it runs, so that a JIT counts the loop (timeshifter/jit.py)."""

    graph: FunctionGraph
    block: Block
    opindex: int          # the operation after the hint


# -- struct instances -------------------------------------------------------------------

class Record:
    """Run-time instance of a StructType that has no Python class."""

    _lltype: StructType

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"<{self._lltype.name} {fields}>"


_record_classes: dict = {}


def record_class(T: StructType) -> type:
    """The Python class of T's instances: `T.pyclass`, or a Record subclass."""
    if T.pyclass is not None:
        return T.pyclass
    cls = _record_classes.get(T)
    if cls is None:
        cls = _record_classes[T] = type(T.name, (Record,), {"_lltype": T})
    return cls


def struct_factory(T: StructType):
    """A function making a fresh instance of T, every field at its default
    (generated, so that it costs one call and one store per field)."""
    ns = {"cls": record_class(T)}
    lines = ["def new():", "    obj = cls.__new__(cls)"]
    for i, (name, t) in enumerate(T.fields.items()):
        ns[f"d{i}"] = lltypes.default_value(t)
        attr = attribute_name(name)
        lines.append(f"    obj.{attr} = d{i}" if attr else f"    setattr(obj, {name!r}, d{i})")
    lines.append("    return obj")
    exec("\n".join(lines), ns)
    return ns["new"]


def attribute_name(field_name: str) -> str | None:
    """`field_name` if `obj.field_name` is valid syntax for it."""
    if field_name.isidentifier() and not keyword.iskeyword(field_name):
        return field_name
    return None


# -- errors -------------------------------------------------------------------------

def no_case(value, blockindex):
    raise RuntimeError(f"run_graph: switch value {value!r} has no exit in block{blockindex} "
                       f"(and no default)")


def bad_label(label):
    raise RuntimeError(f"run_graph: no block with label {label}")


def new_array(item, length: int) -> list:
    if length < 0:
        raise ValueError(f"negative array size {length}")
    return [item] * length


"""The run-time dispatch protocol: what a `promote` operation's site implements.

`promote(c_site, v_value, *live)` ends a residual function by handing the
rest over to its site, an object of an upper layer (timeshifter's promotion
sites; next, the JIT's hot-path exits).  The lower layers run it without
knowing that layer; they only use what is declared here and in
`rgen/dispatch.py`:

  * `InterpretedSwitch.dispatch(value, live)`: called by the flow-graph
    interpreter's trampoline (`interp.trampoline`) with the promoted value
    and the tuple of live values; returns the function's result or another
    tail transfer (`TailCall`, `Promote`) for the trampoline to run;
  * `rgen.dispatch.NativeSwitch`: the case table native code searches and
    the miss entry points it calls;
  * `switch_key(value)`: the int64 key of a promoted value in that table.
    Native code computes the same key from the value's machine form
    (`key_encoding`), so the two sides cannot disagree.

The interpreter's other callback, the merge-point callback, is declared by
`MergePointCallback` (see `interp.resume_graph`).
"""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from typing import Protocol

from flowgraph.lltypes import Class, Float


def key_encoding(T) -> str:
    """How a value of type T becomes its int64 key: "bits" (a Float's IEEE
    bits, so -0.0 != 0.0), "address" (a Class: the class object's address)
    or "int" (a Signed as it is, a Bool as 0/1, a Char as its code point:
    zero-extended machine values)."""
    return "bits" if T is Float else "address" if T is Class else "int"


def switch_key(value) -> int:
    """The int64 key of a promoted value (see `key_encoding`)."""
    if isinstance(value, type):
        return id(value)
    if isinstance(value, str):
        return ord(value)
    if isinstance(value, float):
        return struct.unpack("<q", struct.pack("<d", value))[0]
    return int(value)


class InterpretedSwitch(ABC):
    """The interpreted side of a promotion site."""

    @abstractmethod
    def dispatch(self, value, live: tuple):
        """Continue the residual function at this site with the run-time
        `value` and the `live` values: the result, or a tail transfer
        (`TailCall(graph, args)`) that the trampoline runs next."""


class MergePointCallback(Protocol):
    """The merge-point callback of `interp.resume_graph(merge_point=...)`:
    called just after every `hint(None, global_merge_point=True)` executed,
    and with a `CanEnterJit` site and no values after every
    `hint(None, can_enter_jit=True)` (a JIT counts there; others ignore it)."""

    def __call__(self, site, values: dict):
        """`site` is a `MergePoint`, `values` maps its live variables to their
        values; return None to continue interpreting, or `(result,)` to make
        the graph return `result` at once (compiled code ran the rest)."""

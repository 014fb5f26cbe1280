"""The native side of the dispatch protocol (see `flowgraph/dispatch.py`).

Native code of `promote(c_site, v_value, *live)` (rgen/llvm/calls.py) reads
a `NativeSwitch`'s case table on every execution, so a case attached later
is used at once without recompiling:

    native_count    c_int64: how many cases the table holds
    native_values   c_int64[capacity]: their keys (`flowgraph.dispatch.switch_key`)
    native_targets  c_void_p[capacity]: their addresses, each a native
                    function `{T, i1} tailcc case(*live)` (`NativeFunction.address`)

    native_default  c_void_p: 0, or the address of a native function
                    `{T, i1} tailcc default(value, *live)` serving every value
                    without a case (a megamorphic site's compiled path)

A hit tail-calls the target; a miss tail-calls the default when there is
one, without entering Python.  Else it calls `native_miss(value, *live)`, which
returns the address of a case to tail-call in the same way (0 for none), so
Python has returned before the case runs: loops and recursions through
freshly compiled cases nest no Python frames.  With 0 the native code calls
`native_fallback(value, *live)` and returns its result.
"""

from __future__ import annotations

import ctypes
from abc import ABC, abstractmethod

from flowgraph.dispatch import switch_key


class NativeSwitch(ABC):
    """A promotion site as native code sees it: its case table and misses."""

    def __init__(self, capacity: int):
        self.native_values = (ctypes.c_int64 * max(capacity, 1))()
        self.native_targets = (ctypes.c_void_p * max(capacity, 1))()
        self.native_count = ctypes.c_int64(0)
        self.native_default = ctypes.c_void_p(0)

    def attach_default(self, address: int) -> None:
        """Serve every value without a case by `address` from now on."""
        self.native_default.value = address

    def attach_native(self, value, address: int) -> bool:
        """Add the case `value -> address` to the table; False when full
        (the value is then served by `native_miss`)."""
        n = self.native_count.value
        if n >= len(self.native_values):
            return False
        self.native_values[n] = switch_key(value)
        self.native_targets[n] = address
        self.native_count.value = n + 1
        return True

    def replace_native(self, value, address: int) -> None:
        """The case of `value` is at `address` from now on (its code compiled
        again); code running the old one finishes there."""
        key = switch_key(value)
        for i in range(self.native_count.value):
            if self.native_values[i] == key:
                self.native_targets[i] = address

    @abstractmethod
    def native_miss(self, value, *live) -> int:
        """The address of the case to tail-call for `value` (compiled now if
        it is due), or 0 when there is none."""

    @abstractmethod
    def native_fallback(self, value, *live):
        """The function's result for `value` without a case (of the `promote`
        operation's result type)."""

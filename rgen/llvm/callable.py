"""The Python-facing side: `NativeFunction`, what `compile_graph` returns.

A call from Python reaches the graph's METH_FASTCALL entry (fastcall.py),
made into a builtin function object by `PyCFunction_NewEx`: no Python frame
and no ctypes on the call path.  `NativeFunction` is a `functools.partial`
around that builtin, so calling it goes through partial's C call slot
straight to the builtin; it also carries `.fast` (the builtin itself),
`.graph`, `.symbol`, `.address` (of the function `{T, i1} tailcc symbol(args)`
itself, for native callers such as a promotion site's table: LLVM's `tailcc`
convention, one reference per gcref argument handed over to the callee, a
gcref result a new reference, failure flag set with the Python exception
pending), `.tier` ("cheap" or "full", see jit.py), `.llvm_ir` (before
optimisation), `.llvm_ir_optimized`, a lazy
`.asm` and `.compile_seconds` (emission, optimisation and machine code of its
module, which holds the graphs of one call-graph SCC).

The entry is shared by every function of a signature: the builtin's `self`
is `(slow path, the function's address)` (fastcall.entry_self).  When an
argument fails its inline test, the entry calls the slow path, a Python
function that runs the shared check of flowgraph/arguments.py: it raises the
error every mode raises, or converts (an int for a float) and calls the entry
again with arguments that pass.  A graph with a parameter type the entry
cannot test inline (a list of str, of lists, of instances) also gets a
*trusting* entry, which skips the tests, for that second call.
"""

from __future__ import annotations

import ctypes
import functools

from flowgraph.arguments import check_arguments
from rgen.llvm import fastcall, jit
from rgen.vectorcall import inherit_vectorcall


class _MethodDef(ctypes.Structure):
    """CPython's PyMethodDef."""
    _fields_ = [("ml_name", ctypes.c_char_p), ("ml_meth", ctypes.c_void_p),
                ("ml_flags", ctypes.c_int), ("ml_doc", ctypes.c_char_p)]


_new_builtin = ctypes.pythonapi.PyCFunction_NewEx
_new_builtin.restype = ctypes.py_object
_new_builtin.argtypes = [ctypes.c_void_p, ctypes.py_object, ctypes.py_object]


def make_builtin(name: str, address: int, this) -> tuple:
    """(builtin, method def): a builtin function object calling the
    METH_FASTCALL C function at `address` with `this` as its self, and the
    PyMethodDef it points to, which the caller keeps alive as long."""
    ml = _MethodDef(name.encode(), address, fastcall.METH_FASTCALL, None)
    return _new_builtin(ctypes.addressof(ml), this, None), ml


@inherit_vectorcall
class NativeFunction(functools.partial):
    """A compiled graph, callable with the graph's parameters as Python values.
    (`__call__` must not be defined here: it would replace partial's C slot.)"""

    def __new__(cls, fast):
        return super().__new__(cls, fast)

    @property
    def fast(self):
        """The builtin function object of the entry."""
        return self.func

    # what the compiled code is: its NativeCode's (compiler.py)
    graph = property(lambda self: self.code.graph)
    symbol = property(lambda self: self.code.symbol)
    address = property(lambda self: self.code.address)
    reaches_promote = property(lambda self: self.code.reaches_promote)
    tier = property(lambda self: self.code.tier)
    llvm_ir = property(lambda self: self.code.llvm_ir)
    llvm_ir_optimized = property(lambda self: self.code.llvm_ir_optimized)
    compile_seconds = property(lambda self: self.code.compile_seconds)

    @property
    def loop_folded(self) -> bool:
        """Did LLVM fold the graph's loops into a closed form (compiler.loop_folded)?"""
        from rgen.llvm.compiler import loop_folded
        return loop_folded(self.code)

    @property
    def asm(self) -> str:
        """Target assembly of the optimised module (computed on first use)."""
        if self._asm is None:
            self._asm = jit.assembly(self.llvm_ir_optimized)
        return self._asm

    def __repr__(self) -> str:
        return f"<NativeFunction {self.fast.__name__} at {self.symbol}>"


def make_native(code, fast_address: int, trusting_address: int | None,
                name: str | None = None) -> NativeFunction:
    """The NativeFunction of compiled `code` (compiler.NativeCode, or any
    object with its attributes: a `code.graph` read only when the slow path
    runs) whose entries are at `fast_address` and, if any,
    `trusting_address`; `name`: the builtin's (by default the graph's)."""
    name = name or code.graph.name
    # again[0]: the entry the slow path calls after checking; again[1:]: the
    # PyMethodDefs, alive as long as the builtins (whose self is slow_path)
    again = [None]

    def slow_path(*args):
        return again[0](*check_arguments(code.graph, args))

    fast, ml = make_builtin(name, fast_address, fastcall.entry_self(slow_path, code.address))
    again[0] = fast
    again.append(ml)
    if trusting_address is not None:
        again[0], ml = make_builtin(name, trusting_address,
                                    fastcall.entry_self(None, code.address))
        again.append(ml)
    nf = NativeFunction(fast)
    nf.code = code
    nf._asm = None
    return nf

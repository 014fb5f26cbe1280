"""The Python-facing side: entry wrappers and `NativeFunction`.

Calls from Python go through `nf.fast`, the builtin of fastcall.py; the
ctypes entry below is its slow path (after the shared argument check,
`checked_call`) and the entry of tools that hold an address.

Each compiled graph `f.N` gets an entry wrapper `f.N.entry` with a C
signature ctypes can call directly:

    Signed -> int64_t   Float -> double   Bool -> _Bool
    Char, Str, lists, structs, Void -> PyObject*

The wrapper converts Char arguments (a str of length 1 -> code point),
type-checks list arguments (native code reads their items inline), calls
`f.N` (handing it a new reference to each gcref argument: ctypes lends its
arguments only) and converts the result back: a Char or Void result becomes a new
Python object, a gcref result is returned as the new reference it already
is (ctypes' `py_object` restype takes it over).  On failure it returns 0 /
NULL with the Python exception set.

`NativeFunction` is a ctypes function-pointer class created with the
`PYFUNCTYPE` flags: the GIL stays held during the call and ctypes raises the
pending Python exception when the call returns.  So a call with int
arguments costs one ctypes call: argument conversion and the error check
happen in C, no Python-level wrapper runs.  Instances carry `.graph`,
`.symbol`, `.address` (of the function `{T, i1} tailcc symbol(args)` itself,
for native callers such as a promotion site's table: LLVM's `tailcc`
convention, one reference per gcref argument handed over to the callee, a
gcref result a new reference, failure flag set with the Python exception
pending), `.llvm_ir` (before optimisation), `.llvm_ir_optimized`, a lazy
`.asm` and `.compile_seconds` (emission, optimisation and machine code of its
module, which holds the graphs of one call-graph SCC).
"""

from __future__ import annotations

import ctypes
import types

from llvmlite import ir

from flowgraph.arguments import checked_method
from flowgraph.lltypes import Bool, Char, Float, Signed, Void
from rgen.llvm import fastcall, jit
from rgen.llvm.runtime import (DOUBLE, I8, I64, PTR, Runtime, box, check_source, is_gcref,
                               lltype)

_FLAGS = ctypes._FUNCFLAG_CDECL | ctypes._FUNCFLAG_PYTHONAPI


def _ctype(T):
    if T is Signed:
        return ctypes.c_int64
    if T is Float:
        return ctypes.c_double
    if T is Bool:
        return ctypes.c_bool
    return ctypes.py_object


def _abi_type(T):
    if T is Signed:
        return I64
    if T is Float:
        return DOUBLE
    if T is Bool:
        return I8
    return PTR


def emit_entry(rt: Runtime, graph, fn: ir.Function, name: str) -> ir.Function:
    """Define the ctypes-callable wrapper `name` around the graph function `fn`."""
    params = graph.getargs()
    ret_t = _abi_type(graph.return_type)
    entry = ir.Function(rt.module, ir.FunctionType(ret_t, [_abi_type(v.concretetype)
                                                           for v in params]), name)
    b = ir.IRBuilder(entry.append_basic_block("entry"))
    zero = ir.Constant(ret_t, None)

    def fail_if(cond):
        with b.if_then(cond, likely=False):
            b.ret(zero)

    args = []
    for v, arg in zip(params, entry.args):
        arg.name = v.name or "arg"
        if v.concretetype is not Void:          # a Void parameter is accepted, unused
            args.append(_convert_arg(rt, b, v.concretetype, arg, fail_if))
    for v, arg in zip([v for v in params if v.concretetype is not Void], args):
        if is_gcref(v.concretetype):
            rt.incref(b, arg)                  # the callee takes it over
    result = b.call(fn, args, name="result")
    fail_if(b.extract_value(result, 1, name="failed"))
    T = graph.return_type
    value = b.extract_value(result, 0, name="value") if lltype(T) is not None else None
    if T is Bool:
        b.ret(b.zext(value, I8))
    elif T is Char or T is Void:
        b.ret(box(rt, b, T, value))
    else:
        b.ret(value)
    return entry


def _convert_arg(rt, b, T, arg, fail_if):
    if T is Bool:
        return b.icmp_unsigned("!=", arg, ir.Constant(I8, 0))
    if T is Char:
        result = rt.call(b, "rt.unbox.Char", arg)
        fail_if(b.extract_value(result, 1))
        return b.extract_value(result, 0, name="ch")
    if is_gcref(T):
        bad = check_source(rt, b, T, arg)
        if bad is not None:
            fail_if(bad)
    return arg


_cfunc_call = ctypes._CFuncPtr.__call__


class NativeFunction(ctypes._CFuncPtr):
    """A compiled graph, callable with the graph's parameters as Python values."""

    _flags_ = _FLAGS
    _restype_ = ctypes.c_int64
    _argtypes_ = ()

    def __call__(self, *args):
        return self.fast(*args)

    @property
    def asm(self) -> str:
        """Target assembly of the optimised module (computed on first use)."""
        if self._asm is None:
            self._asm = jit.assembly(self.llvm_ir_optimized)
        return self._asm

    def __repr__(self) -> str:
        return f"<NativeFunction {self.graph.name} at {self.symbol}>"


_classes: dict = {}


def _native_class(graph) -> type:
    """The NativeFunction subclass for the parameter types of `graph`: its
    ctypes signature and its argument-checking `__call__`."""
    argtypes = tuple(_ctype(v.concretetype) for v in graph.getargs())
    restype = _ctype(graph.return_type)
    key = (tuple(v.concretetype for v in graph.getargs()), restype)
    cls = _classes.get(key)
    if cls is None:
        # checked_call: the argument check every mode shares, then the ctypes call
        call = checked_method([v.concretetype for v in graph.getargs()], _cfunc_call)
        cls = _classes[key] = type("NativeFunction", (NativeFunction,),
                                   {"_flags_": _FLAGS, "_restype_": restype,
                                    "_argtypes_": argtypes, "checked_call": call})
    return cls


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


def make_native(graph, address: int, symbol: str, ir_text: str, optimized: str,
                seconds: float, fast_address: int) -> NativeFunction:
    cls = _native_class(graph)
    nf = cls(address)
    # the fast entry's slow path: the shared check, then the ctypes entry
    nf.fast, nf._method_def = make_builtin(graph.name, fast_address,
                                           types.MethodType(cls.checked_call, nf))
    nf.compile_seconds = seconds
    nf.graph = graph
    nf.symbol = symbol
    nf.llvm_ir = ir_text
    nf.llvm_ir_optimized = optimized
    nf._asm = None
    return nf


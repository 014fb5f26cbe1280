"""Heap layout and run-time helpers of native code.

Layout choice: native code works on the *real Python objects* through the
CPython C API (option 1 of the design discussion).  A `list[int]` is a Python
`list` of `int` objects, a struct is an instance of the user's class (or of
`flowgraph.interp.record_class(T)`), a `Str` is a `str`.  So the flow-graph
interpreter and native code share every heap object without copying: a list
passed in is mutated in place, appends and pops change its length, identity
and aliasing are exactly those of CPython.  Scalars live unboxed in registers:

    Signed  i64        Float  double      Bool  i1
    Char    i32 (code point)               Void  (no value)
    Str, List, Array, Struct               ptr (PyObject*, a counted reference)

Reference counting: every gcref SSA value owns one reference (see emit.py).
Native code is always entered with the GIL held (ctypes `PYFUNCTYPE`).

Errors: a helper that can fail sets a Python exception (PyErr_SetString and
friends) and reports failure to its caller: `{T, i1}` results carry an i1
"failed" flag; pointer results are null on failure.  Compiled functions
return `{T, i1}` the same way, so an exception propagates through native
calls; the entry wrapper returns to ctypes, which raises the pending
exception.

This module knows the CPython 3.11 object layout (checked at import) and
defines the small helpers as internal LLVM functions, built on demand into
the module that uses them (`Runtime.helper(name)`).  Fast paths are inline
(list items, small ints, exact floats); everything else calls the C API.
"""

from __future__ import annotations

import ctypes
import inspect
import re
import sys

from llvmlite import ir

from flowgraph.lltypes import ArrayType, Bool, Char, Float, ListType, Signed, TupleType, Void
from flowgraph.operations import Shown
from rgen.llvm import jit

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
DOUBLE, PTR, VOID = ir.DoubleType(), ir.PointerType(), ir.VoidType()
NULL = ir.Constant(PTR, None)

# -- CPython 3.11 object layout (byte offsets) --------------------------------------
OB_REFCNT, OB_TYPE, OB_SIZE = 0, 8, 16
LIST_ITEMS, LIST_ALLOCATED = 24, 32
TUPLE_ITEMS = 24                  # PyTupleObject.ob_item
LONG_DIGITS = 24                   # 30-bit digits; ob_size = +-ndigits
FLOAT_VALUE = 16
TP_NAME, TP_FLAGS = 24, 168
FLAG_LIST, FLAG_STR = 1 << 25, 1 << 28


def _check_layout() -> None:
    """Refuse to run on an interpreter whose object layout we do not know."""
    def word(obj, offset):
        return ctypes.c_int64.from_address(id(obj) + offset).value
    probe = [1, 2, 3]
    ok = (sys.version_info[:2] == (3, 11) and word(probe, OB_SIZE) == 3
          and word(list, TP_FLAGS) & FLAG_LIST and word(str, TP_FLAGS) & FLAG_STR
          and word(-7, OB_SIZE) == -1
          and ctypes.c_double.from_address(id(2.5) + FLOAT_VALUE).value == 2.5)
    if not ok:
        raise ImportError(f"rgen.llvm supports the CPython 3.11 object layout only, "
                          f"not {sys.version.split()[0]}")


_check_layout()

# -- C-API functions used by native code: name -> (result, parameters) -------------
CAPI = {
    "_Py_Dealloc": (VOID, [PTR]),
    "PyErr_SetString": (VOID, [PTR, PTR]),
    "PyErr_SetObject": (VOID, [PTR, PTR]),
    "PyErr_Format": (PTR, [PTR, PTR]),             # variadic
    "PyErr_Occurred": (PTR, []),
    "PyLong_AsLongLong": (I64, [PTR]),
    "PyLong_AsLongLongAndOverflow": (I64, [PTR, PTR]),
    "PyLong_FromLongLong": (PTR, [I64]),
    "PyFloat_AsDouble": (DOUBLE, [PTR]),
    "PyNumber_TrueDivide": (PTR, [PTR, PTR]),
    "PyFloat_FromDouble": (PTR, [DOUBLE]),
    "PyObject_IsTrue": (I32, [PTR]),
    "PyUnicode_GetLength": (I64, [PTR]),
    "PyUnicode_ReadChar": (I32, [PTR, I64]),
    "PyUnicode_FromOrdinal": (PTR, [I32]),
    "PyUnicode_Concat": (PTR, [PTR, PTR]),
    "PySequence_Repeat": (PTR, [PTR, I64]),
    "PySequence_GetSlice": (PTR, [PTR, I64, I64]),
    "PySequence_Concat": (PTR, [PTR, PTR]),
    "PySequence_DelItem": (I32, [PTR, I64]),
    "PyList_Insert": (I32, [PTR, I64, PTR]),
    "PyList_Reverse": (I32, [PTR]),
    "PyObject_RichCompareBool": (I32, [PTR, PTR, I32]),
    "PyObject_Hash": (I64, [PTR]),
    "PyTuple_New": (PTR, [I64]),
    "PyDict_New": (PTR, []),
    "PyDict_SetItem": (I32, [PTR, PTR, PTR]),
    "PyDict_Contains": (I32, [PTR, PTR]),
    "PyDict_GetItemWithError": (PTR, [PTR, PTR]),
    "PyDict_Size": (I64, [PTR]),
    "PyDict_Keys": (PTR, [PTR]),
    "PyObject_DelItem": (I32, [PTR, PTR]),
    "PyObject_GetItem": (PTR, [PTR, PTR]),
    "PyList_New": (PTR, [I64]),
    "PyList_Append": (I32, [PTR, PTR]),
    "PyObject_GetAttr": (PTR, [PTR, PTR]),
    "PyObject_SetAttr": (I32, [PTR, PTR, PTR]),
    "PyObject_CallOneArg": (PTR, [PTR, PTR]),
    "PyObject_Vectorcall": (PTR, [PTR, PTR, I64, PTR]),
    "PyObject_VectorcallMethod": (PTR, [PTR, PTR, I64, PTR]),
    "PySys_GetObject": (PTR, [PTR]),
    "Py_EnterRecursiveCall": (I32, [PTR]),
    "Py_LeaveRecursiveCall": (VOID, []),
    "PyErr_CheckSignals": (I32, []),
    "PyErr_ExceptionMatches": (I32, [PTR]),
    "PyErr_Fetch": (VOID, [PTR, PTR, PTR]),
    "PyErr_NormalizeException": (VOID, [PTR, PTR, PTR]),
    "PyErr_Clear": (VOID, []),
    "PyObject_Str": (PTR, [PTR]),
    "PyType_IsSubtype": (I32, [PTR, PTR]),
}
VARIADIC = {"PyErr_Format"}


def lltype(T) -> ir.Type | None:
    """The LLVM type of a value of low-level type T (None for Void)."""
    if T is Signed:
        return I64
    if T is Float:
        return DOUBLE
    if T is Bool:
        return I1
    if T is Char:
        return I32
    if T is Void:
        return None
    if T.is_gcref:
        return PTR
    raise TypeError(f"rgen.llvm: no native representation for type {T}")


def is_gcref(T) -> bool:
    return T is not Void and T.is_gcref


def result_struct(T) -> ir.LiteralStructType:
    """`{T, i1 failed}`: the result of compiled functions and failing helpers."""
    return ir.LiteralStructType([lltype(T) or I8, I1])


# -- small IR utilities -------------------------------------------------------------

def i64(n: int) -> ir.Constant:
    return ir.Constant(I64, n)


def at(b: ir.IRBuilder, p, offset: int):
    """Address `p + offset` bytes."""
    return b.gep(p, [i64(offset)], inbounds=True, source_etype=I8)


def load_at(b: ir.IRBuilder, p, offset: int, ty, name: str = ""):
    return b.load(at(b, p, offset), name=name, typ=ty)


def store_at(b: ir.IRBuilder, value, p, offset: int) -> None:
    b.store(value, at(b, p, offset))


def item_slot(b: ir.IRBuilder, items, index):
    """Address of `items[index]` in a PyObject* array."""
    return b.gep(items, [index], inbounds=True, source_etype=PTR)


def ok(b: ir.IRBuilder, T, value) -> None:
    """Return `{value, 0}` from a `{T, i1}` helper."""
    st = b.function.function_type.return_type
    b.ret(b.insert_value(b.insert_value(ir.Constant(st, ir.Undefined), value, 0),
                         ir.Constant(I1, 0), 1))


def failed(b: ir.IRBuilder) -> None:
    """Return `{undef, 1}` from a `{T, i1}` function (the exception is set)."""
    st = b.function.function_type.return_type
    b.ret(b.insert_value(ir.Constant(st, ir.Undefined), ir.Constant(I1, 1), 1))


class Runtime:
    """Per-module access to C-API declarations, Python-object constants,
    C strings and helper functions, each declared or built once."""

    def __init__(self, module: ir.Module, helpers: dict, strings: str = "msg"):
        self.module = module
        self.helpers = helpers
        self._strings = strings         # the names of C strings: f"{strings}.{n}"
        self._cache: dict = {}

    def capi(self, name: str) -> ir.Function:
        key = ("capi", name)
        if key not in self._cache:
            declared = self.module.globals.get(jit.capi_symbol(name))     # by a helper's text
            if declared is None:
                ret, params = CAPI[name]
                fnty = ir.FunctionType(ret, params, var_arg=name in VARIADIC)
                declared = ir.Function(self.module, fnty, name)
            self._cache[key] = declared
        return self._cache[key]

    def native_function(self, address: int, fnty: ir.FunctionType, hint: str) -> ir.Function:
        """A declaration of the native function at `address`."""
        name = jit.address_symbol(address, hint)
        if name not in self.module.globals:
            ir.Function(self.module, fnty, name)
        return self.module.globals[name]

    def address_global(self, address: int, hint: str, ty=I8):
        """A pointer to the process memory at `address` (kept alive by its
        owner) through a symbol, not an inline constant: the module text then
        holds no process address (objcache.py saves code by its text)."""
        name = jit.address_symbol(address, hint)
        if name not in self.module.globals:
            ir.GlobalVariable(self.module, ty, name)
        return self.module.globals[name]

    def pyobj(self, obj, hint: str = "obj"):
        """A pointer to the Python object `obj` (kept alive by the jit)."""
        name = jit.pyobject_symbol(obj, hint)
        if name not in self.module.globals:
            ir.GlobalVariable(self.module, I8, name)
        return self.module.globals[name]

    def cstring(self, text: str):
        key = ("cstr", text)
        if key not in self._cache:
            data = bytearray(text.encode("utf-8") + b"\0")
            gv = ir.GlobalVariable(self.module, ir.ArrayType(I8, len(data)),
                                   f"{self._strings}.{len(self._cache)}")
            gv.global_constant = True
            gv.linkage = "private"
            gv.initializer = ir.Constant(ir.ArrayType(I8, len(data)), data)
            self._cache[key] = gv
        return self._cache[key]

    def helper(self, name: str) -> ir.Function:
        """The internal function `name` from the helper tables, built on demand:
        its text is made once per process (`HelperText`) and copied into each
        module that uses it, with what it refers to."""
        key = ("helper", name)
        if key not in self._cache:
            text = helper_text(self.helpers, name)
            if text is None:
                self._cache[key] = self.build_helper(name)
            else:
                self._cache[key] = text.copy_into(self)
        return self._cache[key]

    def build_helper(self, name: str) -> ir.Function:
        """The helper `name` built into this module by its builder."""
        ret, params, build, inline = self.helpers[name]
        fn = ir.Function(self.module, ir.FunctionType(ret, params), name)
        fn.linkage = "internal"
        fn.attributes.add("alwaysinline" if inline else "noinline")
        self._cache[("helper", name)] = fn
        for arg, pname in zip(fn.args, list(inspect.signature(build).parameters)[2:]):
            arg.name = pname
        build(self, ir.IRBuilder(fn.append_basic_block("entry")), *fn.args)
        return fn

    def call(self, b: ir.IRBuilder, name: str, *args, result: str = ""):
        return b.call(self.helper(name), list(args), name=result)

    def set_error(self, b: ir.IRBuilder, exc: type, message: str) -> None:
        b.call(self.capi("PyErr_SetString"),
               [self.pyobj(exc, exc.__name__), self.cstring(message)])

    def incref(self, b, p) -> None:
        self.call(b, "rt.incref", p)

    def decref(self, b, p) -> None:
        self.call(b, "rt.decref", p)


class _TextFunction(ir.Function):
    """A function of a module whose definition is a text made before."""

    def __init__(self, module: ir.Module, fnty: ir.FunctionType, name: str, text: str):
        super().__init__(module, fnty, name)
        self.text = text

    @property
    def is_declaration(self) -> bool:
        return False

    def descr(self, buf) -> None:
        buf.append(self.text)


_METADATA_REF = re.compile(r"!(\d+)\b")


class HelperText:
    """A helper's definition as text, made once by building it into a module
    of its own; `copy_into(rt)` gives a module the function and declares what
    the text refers to: C-API functions and intrinsics, Python objects and
    addresses (process-wide symbols), C strings (named after the helper, so
    they cannot clash with a module's own), the helpers it calls, and the
    metadata it uses (branch weights, numbered again in the module).  An
    8-op function using `mod` compiled in 2.8 ms, of which 0.2 built the
    helper's IR and 0.1 printed it; with the copy, 2.35-2.5 ms."""

    def __init__(self, fn: ir.Function, module: ir.Module):
        self.fnty, self.name = fn.ftype, fn.name
        self.text = str(fn)
        self.globals = [g for g in module.globals.values()
                        if g is not fn and f'@"{g.name}"' in self.text]
        jit.keep_symbols(g.name for g in self.globals)
        used = set(_METADATA_REF.findall(self.text))
        self.metadata = {md.get_reference(): [o.string if isinstance(o, ir.MetaDataString)
                                              else o for o in md.operands]
                         for md in module.metadata if md.get_reference()[1:] in used}

    @staticmethod
    def make(helpers: dict, name: str) -> "HelperText | None":
        """The text of helper `name`; None if it refers to something that
        cannot be copied (its module then builds it itself)."""
        module = ir.Module(name=name)
        fn = Runtime(module, helpers, strings=f"msg.{name}").build_helper(name)
        for g in module.globals.values():
            if isinstance(g, ir.Function):
                if g is not fn and not g.is_declaration and g.name not in helpers:
                    return None
            elif not isinstance(g, ir.GlobalVariable) or g.metadata or g.section:
                return None
        if not all(isinstance(o, (ir.MetaDataString, ir.Constant))
                   for md in module.metadata for o in md.operands):
            return None
        return HelperText(fn, module)

    def copy_into(self, rt: "Runtime") -> ir.Function:
        module = rt.module
        for g in self.globals:
            if g.name in module.globals:
                continue
            if isinstance(g, ir.GlobalVariable):
                copy = ir.GlobalVariable(module, g.value_type, g.name, g.addrspace)
                copy.linkage, copy.global_constant = g.linkage, g.global_constant
                copy.initializer, copy.unnamed_addr, copy.align = (
                    g.initializer, g.unnamed_addr, g.align)
            elif g.is_declaration:
                copy = ir.Function(module, g.ftype, g.name)
                for attribute in g.attributes:
                    copy.attributes.add(attribute)
            else:
                rt.helper(g.name)
        renamed = {old: module.add_metadata([ir.MetaDataString(module, o) if isinstance(o, str)
                                             else o for o in operands]).get_reference()
                   for old, operands in self.metadata.items()}
        text = _METADATA_REF.sub(lambda m: renamed[m.group(0)], self.text) \
            if renamed else self.text
        return _TextFunction(module, self.fnty, self.name, text)


_HELPER_TEXTS: dict = {}        # (id of a helper table, name) -> HelperText or None


def helper_text(helpers: dict, name: str) -> HelperText | None:
    key = (id(helpers), name)
    if key not in _HELPER_TEXTS:
        _HELPER_TEXTS[key] = HelperText.make(helpers, name)
    return _HELPER_TEXTS[key]


HELPERS: dict = {}


def helper(name: str, ret, params, table: dict = HELPERS, inline: bool = True):
    """Register `build(rt, builder, *params)` as the body of helper `name`;
    `inline=False` keeps it out of line (a slow path)."""
    def register(build):
        table[name] = (ret, params, build, inline)
        return build
    return register


# -- reference counts -----------------------------------------------------------------

@helper("rt.incref", VOID, [PTR])
def _incref(rt, b, p):
    rc = load_at(b, p, OB_REFCNT, I64, "rc")
    store_at(b, b.add(rc, i64(1)), p, OB_REFCNT)
    b.ret_void()


@helper("rt.decref", VOID, [PTR])
def _decref(rt, b, p):
    rc = b.sub(load_at(b, p, OB_REFCNT, I64, "rc"), i64(1))
    store_at(b, rc, p, OB_REFCNT)
    with b.if_then(b.icmp_signed("==", rc, i64(0)), likely=False):
        b.call(rt.capi("_Py_Dealloc"), [p])
    b.ret_void()


@helper("rt.raise", VOID, [PTR, PTR], inline=False)
def _raise(rt, b, cls, message):
    """Set the exception `cls` with `message`, as operations.exception_of
    makes it: a KeyError's argument is `message` as a `Shown` str (str() of
    a KeyError is the repr of its argument)."""
    is_key = b.call(rt.capi("PyType_IsSubtype"), [cls, rt.pyobj(KeyError, "KeyError")])
    with b.if_else(b.icmp_signed("!=", is_key, ir.Constant(I32, 0))) as (key, other):
        with key:
            shown = b.call(rt.capi("PyObject_CallOneArg"), [rt.pyobj(Shown, "Shown"), message])
            with b.if_then(b.icmp_unsigned("!=", shown, NULL)):     # (else: the error)
                b.call(rt.capi("PyErr_SetObject"), [cls, shown])
                b.call(rt.helper("rt.decref"), [shown])
        with other:
            b.call(rt.capi("PyErr_SetObject"), [cls, message])
    b.ret_void()


@helper("rt.exception_caught", PTR, [PTR], inline=False)
def _exception_caught(rt, b, class_out):
    """Take the pending exception: a new reference to str() of it (the
    message of `except ... as e`), the exception cleared, and, if
    `class_out` is not null, a new reference to its class stored there (a
    handler's `exc_class`, for a bare `raise`); null with an exception set
    (and nothing stored) if str() fails."""
    slots = b.alloca(PTR, size=3, name="exc")
    parts = [b.gep(slots, [i64(i)], inbounds=True, source_etype=PTR) for i in range(3)]
    b.call(rt.capi("PyErr_Fetch"), parts)
    b.call(rt.capi("PyErr_NormalizeException"), parts)
    exc = b.load(parts[1], typ=PTR, name="value")
    message = b.call(rt.capi("PyObject_Str"), [exc], name="message")
    etype = b.load(parts[0], typ=PTR, name="type")
    keep = b.and_(b.icmp_unsigned("!=", class_out, NULL), b.icmp_unsigned("!=", message, NULL))
    with b.if_else(keep) as (then, otherwise):
        with then:
            b.store(etype, class_out)
        with otherwise:
            b.call(rt.helper("rt.decref"), [etype])
    for part in parts[1:]:
        p = b.load(part, typ=PTR)
        with b.if_then(b.icmp_unsigned("!=", p, NULL)):
            b.call(rt.helper("rt.decref"), [p])
    b.ret(message)


# -- boxing: scalar -> new reference (null on failure) ---------------------------------

@helper("rt.box.Signed", PTR, [I64])
def _box_signed(rt, b, v):
    b.ret(b.call(rt.capi("PyLong_FromLongLong"), [v]))


@helper("rt.box.Float", PTR, [DOUBLE])
def _box_float(rt, b, v):
    b.ret(b.call(rt.capi("PyFloat_FromDouble"), [v]))


@helper("rt.box.Bool", PTR, [I1])
def _box_bool(rt, b, v):
    p = b.select(v, rt.pyobj(True, "True"), rt.pyobj(False, "False"))
    rt.incref(b, p)
    b.ret(p)


@helper("rt.box.Char", PTR, [I32])
def _box_char(rt, b, v):
    b.ret(b.call(rt.capi("PyUnicode_FromOrdinal"), [v]))


# -- unboxing: borrowed PyObject* -> {scalar, i1 failed} --------------------------------

def _type_of(b, p):
    return load_at(b, p, OB_TYPE, PTR, "type")


@helper("rt.unbox.Signed", result_struct(Signed), [PTR])
def _unbox_signed(rt, b, p):
    """Inline: an exact int of at most one 30-bit digit; else the slow path."""
    with b.if_then(b.icmp_unsigned("==", _type_of(b, p), rt.pyobj(int, "int"))):
        size = load_at(b, p, OB_SIZE, I64, "ndigits")
        with b.if_then(b.icmp_signed("==", size, i64(0))):
            ok(b, Signed, i64(0))
        with b.if_then(b.icmp_unsigned("<=", b.add(size, i64(1)), i64(2))):
            digit = b.zext(load_at(b, p, LONG_DIGITS, I32, "digit"), I64)
            ok(b, Signed, b.mul(digit, size))
    b.ret(rt.call(b, "rt.unbox.Signed.slow", p))


@helper("rt.unbox.Signed.slow", result_struct(Signed), [PTR], inline=False)
def _unbox_signed_slow(rt, b, p):
    v = b.call(rt.capi("PyLong_AsLongLong"), [p], name="v")
    with b.if_then(b.icmp_signed("==", v, i64(-1)), likely=False):
        err = b.call(rt.capi("PyErr_Occurred"), [])
        with b.if_then(b.icmp_unsigned("!=", err, NULL)):
            failed(b)
    ok(b, Signed, v)


@helper("rt.unbox.Float", result_struct(Float), [PTR])
def _unbox_float(rt, b, p):
    with b.if_then(b.icmp_unsigned("==", _type_of(b, p), rt.pyobj(float, "float"))):
        ok(b, Float, load_at(b, p, FLOAT_VALUE, DOUBLE, "fval"))
    b.ret(rt.call(b, "rt.unbox.Float.slow", p))


@helper("rt.unbox.Float.slow", result_struct(Float), [PTR], inline=False)
def _unbox_float_slow(rt, b, p):
    v = b.call(rt.capi("PyFloat_AsDouble"), [p], name="v")
    with b.if_then(b.fcmp_ordered("==", v, ir.Constant(DOUBLE, -1.0)), likely=False):
        err = b.call(rt.capi("PyErr_Occurred"), [])
        with b.if_then(b.icmp_unsigned("!=", err, NULL)):
            failed(b)
    ok(b, Float, v)


@helper("rt.unbox.Bool", result_struct(Bool), [PTR])
def _unbox_bool(rt, b, p):
    with b.if_then(b.icmp_unsigned("==", p, rt.pyobj(True, "True"))):
        ok(b, Bool, ir.Constant(I1, 1))
    with b.if_then(b.icmp_unsigned("==", p, rt.pyobj(False, "False"))):
        ok(b, Bool, ir.Constant(I1, 0))
    b.ret(rt.call(b, "rt.unbox.Bool.slow", p))


@helper("rt.unbox.Bool.slow", result_struct(Bool), [PTR], inline=False)
def _unbox_bool_slow(rt, b, p):
    r = b.call(rt.capi("PyObject_IsTrue"), [p], name="truth")
    with b.if_then(b.icmp_signed("<", r, ir.Constant(I32, 0))):
        failed(b)
    ok(b, Bool, b.icmp_signed("!=", r, ir.Constant(I32, 0)))


@helper("rt.unbox.Char", result_struct(Char), [PTR], inline=False)
def _unbox_char(rt, b, p):
    flags = load_at(b, _type_of(b, p), TP_FLAGS, I64, "flags")
    with b.if_then(b.icmp_unsigned("!=", b.and_(flags, i64(FLAG_STR)), i64(0))):
        n = b.call(rt.capi("PyUnicode_GetLength"), [p], name="n")
        with b.if_then(b.icmp_signed("==", n, i64(1))):
            ok(b, Char, b.call(rt.capi("PyUnicode_ReadChar"), [p, i64(0)]))
    rt.set_error(b, TypeError, "expected a character (a str of length 1)")
    failed(b)


@helper("rt.check.list", I1, [PTR])
def _check_list(rt, b, p):
    flags = load_at(b, _type_of(b, p), TP_FLAGS, I64, "flags")
    with b.if_then(b.icmp_unsigned("==", b.and_(flags, i64(FLAG_LIST)), i64(0)), likely=False):
        b.ret(rt.call(b, "rt.type_error", p, rt.cstring("expected a list, got %.200s")))
    b.ret(ir.Constant(I1, 0))


@helper("rt.type_error", I1, [PTR, PTR], inline=False)
def _type_error(rt, b, p, message):
    """TypeError(message % type(p).__name__); returns 1 (failed)."""
    b.call(rt.capi("PyErr_Format"), [rt.pyobj(TypeError, "TypeError"), message,
                                     load_at(b, _type_of(b, p), TP_NAME, PTR)])
    b.ret(ir.Constant(I1, 1))


def box(rt: Runtime, b: ir.IRBuilder, T, value):
    """A new reference to a Python object for `value` (null on failure);
    for a gcref type the value itself, increfed."""
    if is_gcref(T):
        rt.incref(b, value)
        return value
    if T is Void:
        none = rt.pyobj(None, "None")
        rt.incref(b, none)
        return none
    return rt.call(b, f"rt.box.{T}", value, result="box")


def check_source(rt: Runtime, b: ir.IRBuilder, T, p):
    """i1 failed: a gcref that came from Python-visible storage (a parameter,
    a field, a Python call) must have the layout native code assumes.  Lists
    and arrays are accessed inline; so are tuples, whose items are read
    unchecked, so a tuple is checked whole (flowgraph.arguments.tuple_checker:
    small, and rare outside parameters, which the entry checks); everything
    else goes through type-checking C-API calls.  None for types needing no
    check."""
    if isinstance(T, (ListType, ArrayType)):
        return rt.call(b, "rt.check.list", p, result="badtype")
    if isinstance(T, TupleType):
        from flowgraph.arguments import tuple_checker
        checked = b.call(rt.capi("PyObject_CallOneArg"),
                         [rt.pyobj(tuple_checker(T), "check_tuple"), p], name="checked")
        failed = b.icmp_unsigned("==", checked, NULL, name="badtype")
        with b.if_then(b.not_(failed)):
            rt.decref(b, checked)
        return failed
    return None


def entry_alloca(fn: ir.Function, ty, n: int, name: str):
    """Stack space for n values of type ty, allocated once in `fn`'s entry
    block (an alloca in a loop would grow the stack every iteration)."""
    b = ir.IRBuilder(fn.entry_basic_block)
    b.position_at_start(fn.entry_basic_block)
    return b.alloca(ty, size=max(n, 1), name=name)

"""The native entry as a builtin: CPython's fast-call convention, generated in LLVM.

Each compiled graph `f.N` gets an entry `f.N.fast` with the signature of a METH_FASTCALL C function,

    PyObject *f.N.fast(PyObject *self, PyObject *const *args, Py_ssize_t nargs)

made into a builtin function object by `PyCFunction_NewEx` (`make_builtin`),
so a call runs no Python frame and no ctypes.  The entry tests the arity and
each argument inline, exactly as flowgraph/arguments.py's fast tests do:

    int       exact int; one 30-bit digit unboxed inline, more through
              PyLong_AsLongLongAndOverflow (out of line)
    float     exact float          bool   the True or False object
    str       exact str            char   exact str of length 1
    instance  the class, None or a known subclass (a later one: the shared checker)
    list[int], list[float], list[bool]
              exact list; an item is checked where native code reads it
              (memops.py), as in every mode
    None      anything (a Void parameter is never read)

then calls the compiled function and boxes its result.  Any argument that
fails a test, a wrong arity and every other parameter type (lists of str, of
lists, of instances) take the slow path: the call is handed whole to a Python
function (callable.py) that runs the shared check, which converts (an int for
a float) or raises the TypeError / OverflowError every mode raises, then calls the entry again
(or, for the types above not tested inline, the *trusting* entry generated
with `checked=False`).  So errors and conversions are the shared checker's.

One entry serves every function of a signature (parameter and result types):
the builtin's `self` is the tuple `(slow path, address)`, the address of the
function `{T, i1} tailcc f.N(params)` as 8 bytes, and the entry calls it
through that pointer.  So a new function whose signature was seen before
compiles no entry (the entry is about half the machine code of a small
module); the indirect call costs about a nanosecond against an inlined body.
"""

from __future__ import annotations

from llvmlite import ir

from flowgraph.arguments import items_checked_when_read
from flowgraph.interp.runtime import record_class
from flowgraph.lltypes import (ArrayType, Bool, Char, Float, ListType, Signed, Str, StructType,
                               TupleType, Void, DictType)
from rgen.llvm.emit import CCONV, function_type
from rgen.llvm.runtime import (DOUBLE, FLOAT_VALUE, I1, I32, I64, LONG_DIGITS,
                               NULL, OB_SIZE, OB_TYPE, PTR, TUPLE_ITEMS, Runtime, box, helper, i64,
                               is_gcref, load_at)

METH_FASTCALL = 0x0080


def tests_inline(graph) -> bool:
    """Can the entry test every parameter of `graph` inline?  (Else the slow
    path needs a trusting entry: see callable.py.)"""
    return all(_tested_inline(v.concretetype) for v in graph.getargs())


def _tested_inline(T) -> bool:
    """(An instance: its class is tested inline, but a subclass's instance
    is accepted by the shared checker, which then needs the trusting entry.)"""
    if isinstance(T, StructType):
        return T.pyclass is None
    return not isinstance(T, (ListType, ArrayType, TupleType, DictType)) \
        or items_checked_when_read(T)


# The builtin's self: a tuple (slow path, address as 8 bytes); the offset of a
# bytes object's data
BYTES_DATA = bytes.__basicsize__ - 1


def entry_self(slow_path, address: int) -> tuple:
    """The `self` of a builtin whose entry calls the function at `address`."""
    return (slow_path, address.to_bytes(8, "little"))


def emit_fast_entry(rt: Runtime, graph, name: str, checked: bool = True) -> ir.Function:
    """Define the METH_FASTCALL entry `name` for the functions of `graph`'s
    signature; one not `checked` trusts its arguments (checked and converted
    by the caller).  It calls the function whose address `self` holds
    (`entry_self`), once per run."""
    params = graph.getargs()
    entry = ir.Function(rt.module, ir.FunctionType(PTR, [PTR, PTR, I64]), name)
    this, argv, nargs = entry.args
    this.name, argv.name, nargs.name = "self", "args", "nargs"
    b = ir.IRBuilder(entry.append_basic_block("entry"))
    slow = entry.append_basic_block("slow")
    fnty = function_type(graph)

    def slow_unless(cond) -> None:
        if not checked:
            return
        cont = entry.append_basic_block("checked")
        b.cbranch(cond, cont, slow).set_weights([1000, 1])
        b.position_at_end(cont)

    slow_unless(b.icmp_signed("==", nargs, i64(len(params))))
    values, gcrefs = [], []
    for i, v in enumerate(params):
        T = v.concretetype
        if T is Void:
            continue
        p = b.load(b.gep(argv, [i64(i)], source_etype=PTR), typ=PTR, name=v.name or "arg")
        values.append(_argument(rt, b, T, p, slow_unless))
        if is_gcref(T):
            gcrefs.append(p)
    for p in gcrefs:
        rt.incref(b, p)                     # the callee takes them over
    address = load_at(b, load_at(b, this, TUPLE_ITEMS + 8, PTR, "address"), BYTES_DATA, I64)
    result = b.call(b.inttoptr(address, fnty.as_pointer(), name="fn"), values, name="result",
                    cconv=CCONV)
    with b.if_then(b.extract_value(result, 1, name="failed"), likely=False):
        b.ret(NULL)
    T = graph.return_type
    if is_gcref(T):
        b.ret(b.extract_value(result, 0))   # already a new reference
    else:
        b.ret(box(rt, b, T, None if T is Void else b.extract_value(result, 0)))
    b.position_at_end(slow)
    slow_path = load_at(b, this, TUPLE_ITEMS, PTR, "slow_path")
    b.ret(b.call(rt.capi("PyObject_Vectorcall"), [slow_path, argv, nargs, NULL]))
    return entry


def _argument(rt: Runtime, b: ir.IRBuilder, T, p, slow_unless):
    """The native value of the argument `p` for type T; a failed test branches
    to the slow path."""
    if T is Signed:
        slow_unless(is_exact(rt, b, p, int))
        return _small_int(rt, b, p, slow_unless)
    if T is Float:
        slow_unless(is_exact(rt, b, p, float))
        return load_at(b, p, FLOAT_VALUE, DOUBLE, "fval")
    if T is Bool:
        true = b.icmp_unsigned("==", p, rt.pyobj(True, "True"))
        slow_unless(b.or_(true, b.icmp_unsigned("==", p, rt.pyobj(False, "False"))))
        return true
    if T is Str:
        slow_unless(is_exact(rt, b, p, str))
        return p
    if T is Char:
        slow_unless(is_exact(rt, b, p, str))
        length = b.call(rt.capi("PyUnicode_GetLength"), [p])
        slow_unless(b.icmp_signed("==", length, i64(1)))
        return b.call(rt.capi("PyUnicode_ReadChar"), [p, i64(0)], name="ch")
    if isinstance(T, StructType):
        # the class, None, or a subclass known when this entry is made (a
        # subclass known later: the slow path's shared checker)
        ok = b.icmp_unsigned("==", p, rt.pyobj(None, "None"))
        for cls in [record_class(T)] + _known_subclasses(T):
            ok = b.or_(ok, is_exact(rt, b, p, cls))
        slow_unless(ok)
        return p
    if items_checked_when_read(T):          # its items are checked where read (memops)
        slow_unless(is_exact(rt, b, p, list))
        return p
    slow_unless(ir.Constant(I1, 0))         # checked by the shared checker only
    return p                                # (then passed to the trusting entry)


def _known_subclasses(T) -> list:
    """The subclasses of T's class compiled code knows now (flowgraph.arguments
    accepts them too), at most MAX_INLINE_SUBCLASSES (more: the slow path)."""
    if T.pyclass is None:
        return []
    from flowgraph.builder.signatures import known_subclasses
    return known_subclasses(T.pyclass, register=False)[:MAX_INLINE_SUBCLASSES]


MAX_INLINE_SUBCLASSES = 8


def is_exact(rt: Runtime, b: ir.IRBuilder, p, cls: type):
    """i1: is `p`'s type exactly `cls`?"""
    return b.icmp_unsigned("==", load_at(b, p, OB_TYPE, PTR, "type"),
                           rt.pyobj(cls, cls.__name__))


def test_scalar(rt: Runtime, b: ir.IRBuilder, T, p, fast_if) -> None:
    """The inline test of a value `p` read from Python storage (a field, a
    list item) for the scalar type T (one of flowgraph.arguments.CHECKED_FIELDS):
    `fast_if(cond)` for each step; passed, `p` needs no check (an int has at
    most two 30-bit digits: 60 bits)."""
    if T is Signed:
        fast_if(is_exact(rt, b, p, int))
        fast_if(b.icmp_unsigned("<=", b.add(load_at(b, p, OB_SIZE, I64), i64(2)), i64(4)))
    elif T is Float:
        fast_if(is_exact(rt, b, p, float))
    else:
        fast_if(b.or_(b.icmp_unsigned("==", p, rt.pyobj(True, "True")),
                      b.icmp_unsigned("==", p, rt.pyobj(False, "False"))))


def branch_unless_scalar(em, T, p, label: str) -> ir.Block:
    """Emit `test_scalar` of `p` for T in the emitter `em`'s function: the
    builder stays on the passing path; returns the (empty) block every
    failing test branches to, for the caller's slow path."""
    b = em.b
    slow = em.fn.append_basic_block(f"{label}.check")

    def fast_if(cond):
        following = em.fn.append_basic_block(f"{label}.test")
        b.cbranch(cond, following, slow).set_weights([1000, 1])
        b.position_at_end(following)

    test_scalar(em.rt, b, T, p, fast_if)
    return slow


def inline_value(em, T, p, label: str):
    """(value, slow): the native value of `p`, read from Python storage (a
    list item), on the path where it passes the inline test for T (the
    builder stays there), and the (empty) block every failing test branches
    to, for the caller's slow path.  An int of one digit (or 0) is read after
    two tests; one of two digits (60 bits) after a third, off the likely path."""
    b, rt = em.b, em.rt
    if T is not Signed:
        slow = branch_unless_scalar(em, T, p, label)
        if T is Float:
            return load_at(b, p, FLOAT_VALUE, DOUBLE, "fval"), slow
        return b.icmp_unsigned("==", p, rt.pyobj(True, "True")), slow
    fn = em.fn
    slow, exact, wide_test, one, two, done = (
        fn.append_basic_block(f"{label}.{x}")
        for x in ("check", "test", "wide", "int.one", "int.two", "int.done"))
    b.cbranch(is_exact(rt, b, p, int), exact, slow).set_weights([1000, 1])
    b.position_at_end(exact)
    size = load_at(b, p, OB_SIZE, I64, "ndigits")
    b.cbranch(b.icmp_unsigned("<=", b.add(size, i64(1)), i64(2)), one, wide_test).set_weights([1000, 1])
    b.position_at_end(wide_test)
    b.cbranch(b.icmp_unsigned("<=", b.add(size, i64(2)), i64(4)), two, slow).set_weights([1000, 1])
    b.position_at_end(one)
    small = b.mul(b.zext(load_at(b, p, LONG_DIGITS, I32, "digit"), I64), size)
    b.branch(done)
    b.position_at_end(two)                  # size is +-2
    low = b.zext(load_at(b, p, LONG_DIGITS, I32, "digit0"), I64)
    high = b.shl(b.zext(load_at(b, p, LONG_DIGITS + 4, I32, "digit1"), I64), i64(30))
    wide = b.mul(b.add(low, high), b.ashr(size, i64(1)))
    b.branch(done)
    b.position_at_end(done)
    value = b.phi(I64, name="int")
    value.add_incoming(small, one)
    value.add_incoming(wide, two)
    return value, slow


def _small_int(rt: Runtime, b: ir.IRBuilder, p, slow_unless):
    """An exact int's value: inline for at most one digit (ob_digit[0] exists
    for 0 too, and is multiplied by its size 0), else out of line; an int
    beyond 64 bits takes the slow path (for its OverflowError).  Not
    `inline_value`, whose inline two-digit path costs every entry about 11
    LLVM instructions per int parameter for a rare case."""
    size = load_at(b, p, OB_SIZE, I64, "ndigits")
    fn = b.function
    small_bb, big_bb = fn.append_basic_block("int.small"), fn.append_basic_block("int.big")
    done = fn.append_basic_block("int.done")
    b.cbranch(b.icmp_unsigned("<=", b.add(size, i64(1)), i64(2)), small_bb, big_bb)
    b.position_at_end(small_bb)
    small = b.mul(b.zext(load_at(b, p, LONG_DIGITS, I32, "digit"), I64), size)
    b.branch(done)
    b.position_at_end(big_bb)
    wide = rt.call(b, "rt.int64", p, result="wide")
    slow_unless(b.extract_value(wide, 1))
    big = b.extract_value(wide, 0)
    big_end = b.block
    b.branch(done)
    b.position_at_end(done)
    value = b.phi(I64, name="int")
    value.add_incoming(small, small_bb)
    value.add_incoming(big, big_end)
    return value


@helper("rt.int64", ir.LiteralStructType([I64, I1]), [PTR], inline=False)
def _int64(rt, b, p):
    """{value, fits}: an exact int's value if it fits in 64 bits."""
    overflow = b.alloca(I32, name="overflow")
    v = b.call(rt.capi("PyLong_AsLongLongAndOverflow"), [p, overflow], name="v")
    fits = b.icmp_signed("==", b.load(overflow, typ=I32), ir.Constant(I32, 0))
    st = ir.LiteralStructType([I64, I1])
    b.ret(b.insert_value(b.insert_value(ir.Constant(st, ir.Undefined), v, 0), fits, 1))

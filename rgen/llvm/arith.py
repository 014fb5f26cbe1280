"""The `@name` lowerings of the operation table (its `llvm` column).

Each helper is an internal LLVM function named like the table entry without
the `@` (`@floordiv` -> `floordiv`).  A helper of an operation that can raise
returns `{T, i1 failed}` and sets the Python exception CPython would raise,
with CPython's message; the others return T.  All are `alwaysinline`, so after
optimisation only the arithmetic and the (unlikely) error branches remain.

Semantics are DESIGN section 4, i.e. exactly the fold functions of
`flowgraph.operations`:

    floordiv, mod   Python floor division/modulo: the quotient is rounded
                    towards minus infinity, i.e. sdiv/srem corrected by one
                    when the remainder is non-zero and its sign differs from
                    the divisor's.  A divisor of -1 is special-cased
                    (-2**63 // -1 wraps to -2**63, never traps).
    lshift, rshift  negative count -> ValueError; counts >= 64 saturate
                    (0, or the sign for rshift) instead of being poison.
    ffloordiv, fmod CPython's float_floor_div / float_rem (fmod, then the
                    sign correction, then floor with the "round half" fix).
    fptosi          Python `int(f)` wrapped to 64 bits: NaN -> ValueError,
                    inf -> OverflowError, |f| < 2**63 -> fptosi, larger finite
                    values are m * 2**k exactly, so the low 64 bits are
                    (m << k) mod 2**64 (0 when k >= 64), negated for f < 0.
    chr             ValueError outside 0..0x10FFFF (OverflowError outside the
                    C int range, as CPython's chr()).
    fmin, fmax      Python's min(a, b)/max(a, b): b only if b < a (b > a), so
                    NaN and -0.0 behave as in CPython.
    int_float_*     an int against a float exactly, as CPython: with fx the
                    rounded float(x), fx < y implies x < y and fx > y implies
                    x > y (rounding is monotone and y is a float); when fx == y,
                    y is an integer in [-2**63, 2**63]: 2**63 is above every
                    int, anything else converts to i64 exactly and the ints
                    compare.  NaN is unordered (only != is true).
    itruediv        int / int correctly rounded: both operands within 2**53
                    convert exactly, so one fdiv rounds once (CPython's fast
                    path too); otherwise CPython's own int division (out of line).
"""

from __future__ import annotations

import ctypes

import llvmlite.binding as llvm
from llvmlite import ir

from flowgraph.lltypes import Char, Float, Signed
from rgen.llvm.runtime import (DOUBLE, FLOAT_VALUE, I1, I32, I64, NULL, failed, helper, i64,
                               load_at, ok, result_struct)

OP_HELPERS: dict = {}

_SR, _FR, _CR = result_struct(Signed), result_struct(Float), result_struct(Char)


def _f(x: float) -> ir.Constant:
    return ir.Constant(DOUBLE, x)


def _libm_symbols() -> None:
    """frem and floor may become calls to libm's fmod/floor: make them
    resolvable.  CPython has libm loaded already, so they are looked up in
    the process first; `ctypes.util.find_library` (which runs ldconfig: 8 ms,
    a fifth of importing rgen.llvm) only where they are not there."""
    try:
        libm = ctypes.CDLL(None)
        libm.fmod, libm.floor
    except (AttributeError, OSError):
        from ctypes.util import find_library
        libm = ctypes.CDLL(find_library("m"))
    for name in ("fmod", "floor"):
        llvm.add_symbol(name, ctypes.cast(getattr(libm, name), ctypes.c_void_p).value)


_libm_symbols()


def _intrinsic(b: ir.IRBuilder, name: str, *args):
    """Call the double-precision LLVM intrinsic `name` (llvm.fabs, llvm.copysign, ...)."""
    full = f"{name}.f64"
    fn = b.module.globals.get(full)
    if fn is None:
        fn = ir.Function(b.module, ir.FunctionType(DOUBLE, [DOUBLE] * len(args)), full)
    return b.call(fn, list(args))


def _raise_if(rt, b, cond, exc, message) -> None:
    with b.if_then(cond, likely=False):
        rt.set_error(b, exc, message)
        failed(b)


# -- integers ---------------------------------------------------------------------------

@helper("smin", I64, [I64, I64], OP_HELPERS)
def _smin(rt, b, x, y):
    b.ret(b.select(b.icmp_signed("<", y, x), y, x))


@helper("smax", I64, [I64, I64], OP_HELPERS)
def _smax(rt, b, x, y):
    b.ret(b.select(b.icmp_signed(">", y, x), y, x))


@helper("abs", I64, [I64], OP_HELPERS)
def _abs(rt, b, x):
    b.ret(b.select(b.icmp_signed("<", x, i64(0)), b.neg(x), x))


def _sign_differs(b, r, y):
    """r != 0 and sign(r) != sign(y): the C remainder needs a floor correction."""
    nonzero = b.icmp_signed("!=", r, i64(0))
    return b.and_(nonzero, b.icmp_signed("<", b.xor(r, y), i64(0)), name="fix")


@helper("floordiv", _SR, [I64, I64], OP_HELPERS)
def _floordiv(rt, b, x, y):
    _raise_if(rt, b, b.icmp_signed("==", y, i64(0)), ZeroDivisionError,
              "integer division or modulo by zero")
    with b.if_then(b.icmp_signed("==", y, i64(-1)), likely=False):
        ok(b, Signed, b.neg(x))
    q, r = b.sdiv(x, y, name="q"), b.srem(x, y, name="r")
    ok(b, Signed, b.sub(q, b.zext(_sign_differs(b, r, y), I64)))


@helper("mod", _SR, [I64, I64], OP_HELPERS)
def _mod(rt, b, x, y):
    _raise_if(rt, b, b.icmp_signed("==", y, i64(0)), ZeroDivisionError,
              "integer modulo by zero")
    with b.if_then(b.icmp_signed("==", y, i64(-1)), likely=False):
        ok(b, Signed, i64(0))
    r = b.srem(x, y, name="r")
    ok(b, Signed, b.add(r, b.select(_sign_differs(b, r, y), y, i64(0))))


@helper("lshift", _SR, [I64, I64], OP_HELPERS)
def _lshift(rt, b, x, n):
    _raise_if(rt, b, b.icmp_signed("<", n, i64(0)), ValueError, "negative shift count")
    big = b.icmp_signed(">=", n, i64(64))
    ok(b, Signed, b.select(big, i64(0), b.shl(x, b.select(big, i64(0), n))))


@helper("rshift", _SR, [I64, I64], OP_HELPERS)
def _rshift(rt, b, x, n):
    _raise_if(rt, b, b.icmp_signed("<", n, i64(0)), ValueError, "negative shift count")
    count = b.select(b.icmp_signed(">", n, i64(63)), i64(63), n)
    ok(b, Signed, b.ashr(x, count))


@helper("chr", _CR, [I64], OP_HELPERS)
def _chr(rt, b, x):
    with b.if_then(b.icmp_unsigned("<", x, i64(0x110000))):
        ok(b, Char, b.trunc(x, I32))
    in_c_int = b.icmp_unsigned("<", b.add(x, i64(2**31)), i64(2**32))
    _raise_if(rt, b, in_c_int, ValueError, "chr() arg not in range(0x110000)")
    rt.set_error(b, OverflowError, "Python int too large to convert to C int")
    failed(b)


# -- floats -------------------------------------------------------------------------------

@helper("fabs", DOUBLE, [DOUBLE], OP_HELPERS)
def _fabs(rt, b, x):
    b.ret(_intrinsic(b, "llvm.fabs", x))


@helper("fmin", DOUBLE, [DOUBLE, DOUBLE], OP_HELPERS)
def _fmin(rt, b, x, y):
    b.ret(b.select(b.fcmp_ordered("<", y, x), y, x))


@helper("fmax", DOUBLE, [DOUBLE, DOUBLE], OP_HELPERS)
def _fmax(rt, b, x, y):
    b.ret(b.select(b.fcmp_ordered(">", y, x), y, x))


@helper("fdiv", _FR, [DOUBLE, DOUBLE], OP_HELPERS)
def _fdiv(rt, b, x, y):
    _raise_if(rt, b, b.fcmp_ordered("==", y, _f(0.0)), ZeroDivisionError,
              "float division by zero")
    ok(b, Float, b.fdiv(x, y))


def _python_fmod(b, x, y):
    """(mod, corrected): CPython's float remainder with the sign of y."""
    mod = b.frem(x, y, name="mod")
    nonzero = b.fcmp_unordered("!=", mod, _f(0.0))
    differs = b.xor(b.fcmp_ordered("<", y, _f(0.0)), b.fcmp_ordered("<", mod, _f(0.0)))
    fix = b.and_(nonzero, differs, name="fix")
    zero = _intrinsic(b, "llvm.copysign", _f(0.0), y)
    result = b.select(nonzero, b.select(fix, b.fadd(mod, y), mod), zero)
    return mod, fix, result


@helper("fmod", _FR, [DOUBLE, DOUBLE], OP_HELPERS)
def _fmod(rt, b, x, y):
    _raise_if(rt, b, b.fcmp_ordered("==", y, _f(0.0)), ZeroDivisionError, "float modulo")
    ok(b, Float, _python_fmod(b, x, y)[2])


@helper("ffloordiv", _FR, [DOUBLE, DOUBLE], OP_HELPERS)
def _ffloordiv(rt, b, x, y):
    _raise_if(rt, b, b.fcmp_ordered("==", y, _f(0.0)), ZeroDivisionError,
              "float floor division by zero")
    mod, fix, _ = _python_fmod(b, x, y)
    div = b.fdiv(b.fsub(x, mod), y, name="div")
    div = b.select(fix, b.fsub(div, _f(1.0)), div)
    floor = _intrinsic(b, "llvm.floor", div)
    rounded = b.select(b.fcmp_ordered(">", b.fsub(div, floor), _f(0.5)),
                       b.fadd(floor, _f(1.0)), floor)
    zero = _intrinsic(b, "llvm.copysign", _f(0.0), b.fdiv(x, y))
    ok(b, Float, b.select(b.fcmp_unordered("!=", div, _f(0.0)), rounded, zero))


@helper("fptosi", _SR, [DOUBLE], OP_HELPERS)
def _fptosi(rt, b, x):
    _raise_if(rt, b, b.fcmp_unordered("uno", x, x), ValueError,
              "cannot convert float NaN to integer")
    magnitude = _intrinsic(b, "llvm.fabs", x)
    _raise_if(rt, b, b.fcmp_ordered("==", magnitude, _f(float("inf"))), OverflowError,
              "cannot convert float infinity to integer")
    with b.if_then(b.fcmp_ordered("<", magnitude, _f(2.0 ** 63))):
        ok(b, Signed, b.fptosi(x, I64))
    bits = b.bitcast(x, I64, name="bits")
    shift = b.sub(b.and_(b.lshr(bits, i64(52)), i64(0x7FF)), i64(1075), name="shift")
    mantissa = b.or_(b.and_(bits, i64(2**52 - 1)), i64(2**52), name="mantissa")
    big = b.icmp_signed(">=", shift, i64(64))
    low = b.select(big, i64(0), b.shl(mantissa, b.select(big, i64(0), shift)))
    ok(b, Signed, b.select(b.icmp_signed("<", bits, i64(0)), b.neg(low), low))



# -- mixed int/float ----------------------------------------------------------------------

def _int_float_order(b, x, y):
    """(unordered, sign): sign is -1, 0 or 1 as the int x is below, equal to or
    above the float y, exactly; meaningless when y is NaN (unordered)."""
    fx = b.sitofp(x, DOUBLE, name="fx")
    below, above = b.fcmp_ordered("<", fx, y), b.fcmp_ordered(">", fx, y)
    top = b.fcmp_ordered(">=", y, _f(2.0 ** 63), name="top")
    exact = b.and_(b.fcmp_ordered("==", fx, y), b.not_(top))
    t = b.fptosi(b.select(exact, y, _f(0.0)), I64, name="t")
    isign = b.select(b.icmp_signed("<", x, t), i64(-1),
                     b.select(b.icmp_signed(">", x, t), i64(1), i64(0)))
    sign = b.select(below, i64(-1), b.select(above, i64(1),
                                              b.select(top, i64(-1), isign)))
    return b.fcmp_unordered("uno", y, y, name="nan"), sign


def _int_float_helper(pred: str, symbol: str):
    @helper(f"int_float_{pred}", I1, [I64, DOUBLE], OP_HELPERS)
    def build(rt, b, x, y):
        nan, sign = _int_float_order(b, x, y)
        b.ret(b.select(nan, ir.Constant(I1, int(pred == "ne")),
                       b.icmp_signed(symbol, sign, i64(0))))
    return build


for _pred, _symbol in [("lt", "<"), ("le", "<="), ("eq", "=="), ("ne", "!="), ("gt", ">"),
                       ("ge", ">=")]:
    _int_float_helper(_pred, _symbol)


@helper("itruediv", _FR, [I64, I64], OP_HELPERS)
def _itruediv(rt, b, x, y):
    _raise_if(rt, b, b.icmp_signed("==", y, i64(0)), ZeroDivisionError, "division by zero")
    small = b.and_(b.icmp_unsigned("<=", b.add(x, i64(2 ** 53)), i64(2 ** 54)),
                   b.icmp_unsigned("<=", b.add(y, i64(2 ** 53)), i64(2 ** 54)))
    with b.if_then(small, likely=True):
        ok(b, Float, b.fdiv(b.sitofp(x, DOUBLE), b.sitofp(y, DOUBLE)))
    b.ret(rt.call(b, "itruediv.slow", x, y))


@helper("itruediv.slow", _FR, [I64, I64], OP_HELPERS, inline=False)
def _itruediv_slow(rt, b, x, y):
    """CPython's correctly rounded int / int on the two values boxed."""
    px = b.call(rt.capi("PyLong_FromLongLong"), [x], name="px")
    with b.if_then(b.icmp_unsigned("==", px, NULL), likely=False):
        failed(b)
    py = b.call(rt.capi("PyLong_FromLongLong"), [y], name="py")
    with b.if_then(b.icmp_unsigned("==", py, NULL), likely=False):
        rt.decref(b, px)
        failed(b)
    q = b.call(rt.capi("PyNumber_TrueDivide"), [px, py], name="q")
    rt.decref(b, px)
    rt.decref(b, py)
    with b.if_then(b.icmp_unsigned("==", q, NULL), likely=False):
        failed(b)
    value = load_at(b, q, FLOAT_VALUE, DOUBLE, "value")      # an exact float
    rt.decref(b, q)
    ok(b, Float, value)

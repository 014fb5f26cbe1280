"""The operation table: one row per operation, the single source of truth.

Each `OpDesc` row gives

    name      the opname used in `SpaceOperation.opname`
    arity     number of arguments (None: variable, e.g. `direct_call`)
    restype   a function of the argument Values giving the result's low-level type
    pure      no side effect and the result depends only on the arguments
              (so it may be folded when they are all constants)
    canraise  exception types the operation may raise (empty: never raises)
    fold      Python function computing the result from argument values with
              exactly the DESIGN section 4 semantics (CPython's result, 64-bit
              wrap-around, the same exception type); None when the operation
              cannot run at compile time (memory, calls)
    llvm      the LLVM lowering: an instruction name the emitter maps
              (`add`, `icmp slt`, `fdiv`, ...) or a name of one of its helpers
              (`@floordiv`); None where the emitter has a dedicated handler
    py        the fast interpreter's expression template: `{0}`, `{1}` ... are
              the arguments' source text; a result outside 64 bits is wrapped
              when `wraps` is set

The builder, the annotator, the constant folder, the interpreter and the LLVM
emitter all read this table; none keeps its own list of operations.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from flowgraph.lltypes import Bool, Char, Float, Signed, Str, Void

MAXINT = 2**63 - 1
MININT = -2**63


def wrap(value: int) -> int:
    """Reduce a Python int to a signed 64-bit machine integer."""
    if MININT <= value <= MAXINT:
        return value
    return ((value + 2**63) & (2**64 - 1)) - 2**63


@dataclass(frozen=True, slots=True)
class OpDesc:
    name: str
    arity: int | None
    restype: object          # callable(args) -> LowLevelType
    pure: bool
    canraise: tuple
    fold: object             # callable(*values) -> value, or None
    llvm: str | None
    py: str | None
    wraps: bool = False


# -- result type rules ------------------------------------------------------

def _fixed(t):
    return lambda args: t


def _same_as_arg0(args):
    return args[0].concretetype


def _item_of_arg0(args):
    t = args[0].concretetype
    if t is Str:
        return Char
    return t.item


def _field_type(args):
    return args[0].concretetype.fieldtype(args[1].value)


def _type_constant(args):
    return args[0].value


def _call_result(args):
    return args[0].value.return_type          # args[0]: Constant(callee FunctionGraph)


# -- fold functions with the DESIGN section 4 semantics ----------------------

def _floordiv(a, b):
    return wrap(a // b)


def _lshift(a, b):
    if b < 0:
        raise ValueError("negative shift count")
    return wrap(a << min(b, 64))


def _rshift(a, b):
    if b < 0:
        raise ValueError("negative shift count")
    return a >> min(b, 64)


def _float_to_int(f):
    return wrap(int(f))


def _truediv(a, b):
    return a / b


def _float_floordiv(a, b):
    return a // b


def _float_mod(a, b):
    return a % b


OPS: dict[str, OpDesc] = {}


def _op(name, arity, restype, *, pure=True, canraise=(), fold=None, llvm=None,
        py=None, wraps=False):
    assert name not in OPS, name
    OPS[name] = OpDesc(name, arity, restype, pure, tuple(canraise), fold, llvm, py, wraps)


_S, _F, _B, _C = _fixed(Signed), _fixed(Float), _fixed(Bool), _fixed(Char)
_V = _fixed(Void)

# integer arithmetic: (name, fold, llvm, py, wraps)
for _name, _fold, _llvm, _py, _wraps in [
    ("int_add", lambda a, b: wrap(a + b), "add", "{0} + {1}", True),
    ("int_sub", lambda a, b: wrap(a - b), "sub", "{0} - {1}", True),
    ("int_mul", lambda a, b: wrap(a * b), "mul", "{0} * {1}", True),
    ("int_and", operator.and_, "and", "{0} & {1}", False),
    ("int_or", operator.or_, "or", "{0} | {1}", False),
    ("int_xor", operator.xor, "xor", "{0} ^ {1}", False),
    ("int_min", min, "@smin", "min({0}, {1})", False),
    ("int_max", max, "@smax", "max({0}, {1})", False),
]:
    _op(_name, 2, _S, fold=_fold, llvm=_llvm, py=_py, wraps=_wraps)

_op("int_floordiv", 2, _S, canraise=(ZeroDivisionError,), fold=_floordiv,
    llvm="@floordiv", py="{0} // {1}", wraps=True)
_op("int_mod", 2, _S, canraise=(ZeroDivisionError,), fold=lambda a, b: a % b,
    llvm="@mod", py="{0} % {1}")
_op("int_lshift", 2, _S, canraise=(ValueError,), fold=_lshift, llvm="@lshift",
    py="{0} << ({1} if {1} < 64 else 64)", wraps=True)   # no huge ints
_op("int_rshift", 2, _S, canraise=(ValueError,), fold=_rshift, llvm="@rshift",
    py="{0} >> {1}")
_op("int_neg", 1, _S, fold=lambda a: wrap(-a), llvm="neg", py="-{0}", wraps=True)
_op("int_abs", 1, _S, fold=lambda a: wrap(abs(a)), llvm="@abs", py="abs({0})", wraps=True)
_op("int_invert", 1, _S, fold=operator.invert, llvm="not", py="~{0}")
_op("int_is_true", 1, _B, fold=bool, llvm="icmp ne 0", py="{0} != 0")

for _name, _fn, _icmp, _sym in [
    ("lt", operator.lt, "slt", "<"), ("le", operator.le, "sle", "<="),
    ("eq", operator.eq, "eq", "=="), ("ne", operator.ne, "ne", "!="),
    ("gt", operator.gt, "sgt", ">"), ("ge", operator.ge, "sge", ">="),
]:
    _op(f"int_{_name}", 2, _B, fold=_fn, llvm=f"icmp {_icmp}", py=f"{{0}} {_sym} {{1}}")
    _op(f"float_{_name}", 2, _B, fold=_fn,
        llvm="fcmp une" if _name == "ne" else f"fcmp o{_name}",
        py=f"{{0}} {_sym} {{1}}")
    _op(f"char_{_name}", 2, _B, fold=_fn, llvm="icmp " + _icmp.replace("s", "u", 1),
        py=f"{{0}} {_sym} {{1}}")

_op("bool_not", 1, _B, fold=operator.not_, llvm="xor 1", py="not {0}")

# floats
_op("float_add", 2, _F, fold=operator.add, llvm="fadd", py="{0} + {1}")
_op("float_sub", 2, _F, fold=operator.sub, llvm="fsub", py="{0} - {1}")
_op("float_mul", 2, _F, fold=operator.mul, llvm="fmul", py="{0} * {1}")
_op("float_truediv", 2, _F, canraise=(ZeroDivisionError,), fold=_truediv,
    llvm="@fdiv", py="{0} / {1}")
_op("float_floordiv", 2, _F, canraise=(ZeroDivisionError,), fold=_float_floordiv,
    llvm="@ffloordiv", py="{0} // {1}")
_op("float_mod", 2, _F, canraise=(ZeroDivisionError,), fold=_float_mod,
    llvm="@fmod", py="{0} % {1}")
_op("float_neg", 1, _F, fold=operator.neg, llvm="fneg", py="-{0}")
_op("float_abs", 1, _F, fold=abs, llvm="@fabs", py="abs({0})")
_op("float_min", 2, _F, fold=min, llvm="@fmin", py="min({0}, {1})")
_op("float_max", 2, _F, fold=max, llvm="@fmax", py="max({0}, {1})")
_op("float_is_true", 1, _B, fold=bool, llvm="fcmp une 0", py="{0} != 0.0")

# casts
_op("cast_int_to_float", 1, _F, fold=float, llvm="sitofp", py="float({0})")
_op("cast_float_to_int", 1, _S, canraise=(OverflowError, ValueError), fold=_float_to_int,
    llvm="@fptosi", py="int({0})", wraps=True)
_op("cast_bool_to_int", 1, _S, fold=int, llvm="zext", py="int({0})")
_op("cast_bool_to_float", 1, _F, fold=float, llvm="uitofp", py="float({0})")
_op("cast_char_to_int", 1, _S, fold=ord, llvm="zext", py="ord({0})")
_op("cast_int_to_char", 1, _C, canraise=(ValueError, OverflowError), fold=chr,
    llvm="@chr", py="chr({0})")

# strings (immutable: reads are pure)
_op("str_len", 1, _S, fold=len, llvm=None, py="len({0})")
_op("str_getitem", 2, _C, canraise=(IndexError,), fold=lambda s, i: s[i], llvm=None,
    py="{0}[{1}]")
_op("str_eq", 2, _B, fold=operator.eq, llvm=None, py="{0} == {1}")

# growable lists
_op("newlist", 3, _type_constant, pure=False, llvm=None,
    py="[{2}] * {1}")                       # newlist(c_ListType, length, fill)
_op("list_len", 1, _S, pure=False, llvm=None, py="len({0})")
_op("list_getitem", 2, _item_of_arg0, pure=False, canraise=(IndexError,), llvm=None,
    py="{0}[{1}]")
_op("list_setitem", 3, _V, pure=False, canraise=(IndexError,), llvm=None,
    py="{0}.__setitem__({1}, {2})")
_op("list_append", 2, _V, pure=False, llvm=None, py="{0}.append({1})")
_op("list_pop", 1, _item_of_arg0, pure=False, canraise=(IndexError,), llvm=None,
    py="{0}.pop()")

# structs and fixed arrays
_op("malloc", 1, _type_constant, pure=False, llvm=None, py=None)        # malloc(c_StructType)
_op("getfield", 2, _field_type, pure=False, llvm=None, py="getattr({0}, {1})")
_op("setfield", 3, _V, pure=False, llvm=None, py=None)
_op("malloc_varsize", 2, _type_constant, pure=False, canraise=(ValueError,), llvm=None,
    py=None)                                                           # (c_ArrayType, n)
_op("getarrayitem", 2, _item_of_arg0, pure=False, canraise=(IndexError,), llvm=None,
    py="{0}[{1}]")
_op("setarrayitem", 3, _V, pure=False, canraise=(IndexError,), llvm=None,
    py="{0}.__setitem__({1}, {2})")
_op("getarraysize", 1, _S, pure=False, llvm=None, py="len({0})")

# calls and the rest
_op("direct_call", None, _call_result, pure=False, canraise=(Exception,), llvm=None,
    py=None)                                                           # (c_func, *args)
_op("same_as", 1, _same_as_arg0, fold=lambda x: x, llvm=None, py="{0}")
_op("hint", 2, _same_as_arg0, pure=False, llvm=None, py="{0}")        # hint(v, c_flags)
# Tail transfers: each stands right before `return` of its result and hands the rest
# of the function over to other code without growing the stack (the interpreter
# returns a token its trampoline runs; native code uses musttail calls).
# promote(c_site, v_value, *live): a promotion site (timeshifter/promotion.py): the
# rest runs as `site.dispatch(value, live)` (interpreted: a result or another
# transfer); native code searches the site's case table first, `site.native_miss`
# on a miss.  tail_call(c_graph, *args): the rest is `graph(*args)`.
_op("promote", None, _call_result, pure=False, canraise=(Exception,), llvm=None, py=None)
_op("tail_call", None, _call_result, pure=False, canraise=(Exception,), llvm=None, py=None)

# -- mixed int/float arithmetic, exact as CPython (issue 10 item 2) ---------------------
# CPython never converts an int to a float to compare it with one: the comparison
# is exact (2**53 + 1 != 2.0**53, 2**63 - 1 < 2.0**63, NaN unordered), and int / int
# is correctly rounded.  Python's own operators on (int, float) and (int, int) do
# exactly that, so they are the fold functions and the interpreter templates.
# The builder puts the int first: `y < x` with y a float is int_float_gt(x, y).
for _name, _fn, _sym in [("lt", operator.lt, "<"), ("le", operator.le, "<="),
                         ("eq", operator.eq, "=="), ("ne", operator.ne, "!="),
                         ("gt", operator.gt, ">"), ("ge", operator.ge, ">=")]:
    _op(f"int_float_{_name}", 2, _B, fold=_fn, llvm=f"@int_float_{_name}",
        py=f"{{0}} {_sym} {{1}}")
_op("int_truediv", 2, _F, canraise=(ZeroDivisionError,), fold=_truediv, llvm="@itruediv",
    py="{0} / {1}")
# -- end of the mixed int/float block --------------------------------------------------

del _name, _fold, _llvm, _py, _wraps, _fn, _icmp, _sym


def getop(name: str) -> OpDesc:
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"unknown operation {name!r}") from None


def fold_op(name: str, values: list):
    """Run the fold function: returns the result, or raises the operation's
    exception exactly as CPython would."""
    desc = OPS[name]
    if desc.fold is None:
        raise TypeError(f"operation {name} cannot be folded")
    return desc.fold(*values)


def result_type(name: str, args: list):
    return OPS[name].restype(args)



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
              (`add`, `icmp slt`, `fdiv`, ...), a name of one of its helpers
              (`@floordiv`), or a C-API function returning a new reference,
              null on failure (`capi:PyUnicode_Concat`); None where the
              emitter has a registered handler
    py        the fast interpreter's template: `{0}`, `{1}` ... are the
              arguments' source text (`{*}`: arguments 1, 2, ... of a row of
              variable arity, comma-separated); an expression, or a statement for the
              `write` kind; a result outside 64 bits is wrapped when `wraps`
              is set; None where the interpreter has an `op_<name>` method
    kind      what the operation does, one of KINDS (below); the stages
              dispatch on it, never on names
    args      the expected type of each argument (None: not checked), read
              by flowgraph/checker.py: a low-level type, a type class
              (`ListType`: any list), or a function of the argument Values
              (e.g. the item type of argument 0's list); None: no check
    container the argument read or stored through (mutable memory: structs,
              lists, arrays), else None; strings are values, not containers
    field     the argument naming the field (a Void constant), None: the
              container's items
    value     the argument stored into the container (writes; newlist's fill)
    resizes   how much the operation changes its container's length (+1 for
              `list_append`, -1 for `list_pop`); 0 for every other row, so
              the other writes keep the length (rgen/lengths.py)
    calls     argument 0 is Constant(callee FunctionGraph), the others are
              the callee's arguments
    source    the `ast` operator class the builder maps to this row (`ast.Add`
              for `int_add` and `float_add`: see `source_ops`), else None
    ts        the generating extension's treatment (timeshifter/codegen.py):
              "op"    green: the `py` template; red: `rt.op(js, name, ...)`
              "call", "hint"  a dedicated writer of codegen for the kind
              "caught"  the message or the class of the exception an
                      exception exit caught (codegen's exception segments)
              "residual"  only in residual graphs (the timeshifter makes it,
                      never meets it in a source graph)
              "rt.helper(js, ...)"  red or virtual: a call of the run-time
                      helper; `{b0}` argument 0 boxed (`{b*}`: arguments
                      1, 2, ... boxed, as one tuple), `{t0}` its type
                      constant, `{r1}` repr of constant 1, `{name}` the
                      opname's repr; a result is assigned unless the kind
                      is `write`; green (deep-frozen reads): the `py` template

KINDS (a closed set):

    arith     pure computation on numbers and bools (incl. min/max, truth)
    compare   pure comparison giving a Bool
    cast      pure conversion between primitive types
    copy      `same_as`: the result is the argument
    hint      `hint(v, c_flags)`: the result is `v`; flags tell the stages more
    alloc     a fresh container (struct, array, list)
    read      an item or field of a container or string
    length    the length of a container or string
    write     a store into a container (no result)
    pop       `list_pop`: reads the last item and removes it
    call      a call of a graph (or of an opaque Python function)
    transfer  a tail transfer ending its block (`promote`, `tail_call`)
    effect    an effect outside the program (`print_str`): done where the code
              runs, never at compile time; it may run other code

Query helpers: `ops_of_kind(kind)`, `OpDesc.reads_memory`, `OpDesc.is_copy`.
The builder, the annotator, the constant folder, the interpreter, the
generating extension and the LLVM emitter all read this table; none keeps its
own list of operations (tests/test_optable.py checks both, and that every row
has each stage's treatment).
"""

from __future__ import annotations

import operator
import ast
import sys
from dataclasses import dataclass

from flowgraph.lltypes import (ArrayType, Bool, Char, Class, Float, ListType, Signed, Str,
                               StructType, TupleType, Void, DictType)

MAXINT = 2**63 - 1
MININT = -2**63


def wrap(value: int) -> int:
    """Reduce a Python int to a signed 64-bit machine integer."""
    if MININT <= value <= MAXINT:
        return value
    return ((value + 2**63) & (2**64 - 1)) - 2**63


KINDS = ("arith", "compare", "cast", "copy", "hint", "alloc", "read", "length", "write",
         "pop", "call", "transfer", "effect")
TREATMENTS = ("op", "call", "hint", "residual", "caught")   # or "rt.helper(...)"


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
    kind: str = "arith"
    args: tuple | None = None
    container: int | None = None
    field: int | None = None
    value: int | None = None
    calls: bool = False
    ts: str = "op"
    source: type | None = None    # the ast operator class the builder maps to it
    resizes: int = 0

    @property
    def reads_memory(self) -> bool:
        """A read (or length) of a mutable container: never pure."""
        return self.kind in ("read", "length") and self.container is not None

    def format_py(self, args: list) -> str:
        """The `py` template filled with the arguments' source texts; `{*}`
        stands for arguments 1, 2, ... of a variable-arity row."""
        if "{*}" in self.py:
            return self.py.replace("{*}", ", ".join(args[1:]))
        return self.py.format(*args)

    @property
    def is_copy(self) -> bool:
        """At run time the result is argument 0 (`same_as`, `hint`)."""
        return self.kind in ("copy", "hint")

    @property
    def is_switch(self) -> bool:
        """A transfer through a dispatch switch (`promote`): argument 0 is the
        switch (a promotion site), not a graph."""
        return self.kind == "transfer" and not self.calls


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


def _tuple_item(args):
    return args[0].concretetype.items[args[1].value]


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


class Shown(str):
    """A str whose repr is itself: the argument of a KeyError raised with a
    given message (str() of a KeyError is the repr of its argument)."""
    __slots__ = ()

    def __repr__(self) -> str:
        return str.__str__(self)


def exception_of(cls: type, message: str) -> BaseException:
    """The exception a raise of (class, message) makes, in every mode:
    `message` is what str() of it gives, as `except ... as e` reads it."""
    if issubclass(cls, KeyError):
        return cls(Shown(message))
    return cls(message)


def print_str(text: str) -> None:
    """`print(...)`: the text (its line end included) written to the
    `sys.stdout` of the moment."""
    sys.stdout.write(text)


def str_to_int(s: str) -> int:
    """`int(s)` as CPython parses it (its ValueError), within 64 bits: a
    value outside is an OverflowError, as for any int entering compiled code."""
    value = int(s)
    if not MININT <= value <= MAXINT:
        raise OverflowError(f"int() of a str does not fit in a 64-bit int: {s!r}")
    return value


def _float_mod(a, b):
    return a % b


OPS: dict[str, OpDesc] = {}


def _op(name, arity, restype, *, pure=True, canraise=(), fold=None, llvm=None,
        py=None, wraps=False, kind="arith", args=None, container=None, field=None,
        value=None, calls=False, ts="op", source=None, resizes=0):
    assert name not in OPS, name
    assert kind in KINDS, (name, kind)
    assert ts in TREATMENTS or ts.startswith("rt."), (name, ts)
    OPS[name] = OpDesc(name, arity, restype, pure, tuple(canraise), fold, llvm, py, wraps,
                       kind, args, container, field, value, calls, ts, source, resizes)


_S, _F, _B, _C = _fixed(Signed), _fixed(Float), _fixed(Bool), _fixed(Char)
_V = _fixed(Void)


# -- argument type rules (see `args` above) -------------------------------------------

def _item_of_container(args):
    return getattr(args[0].concretetype, "item", None)


def _item_of_type_constant(args):
    return getattr(args[0].value, "item", None)


_SS, _FF = (Signed, Signed), (Float, Float)

# integer arithmetic: (name, fold, llvm, py, wraps, source)
for _name, _fold, _llvm, _py, _wraps, _src in [
    ("int_add", lambda a, b: wrap(a + b), "add", "{0} + {1}", True, ast.Add),
    ("int_sub", lambda a, b: wrap(a - b), "sub", "{0} - {1}", True, ast.Sub),
    ("int_mul", lambda a, b: wrap(a * b), "mul", "{0} * {1}", True, ast.Mult),
    ("int_and", operator.and_, "and", "{0} & {1}", False, ast.BitAnd),
    ("int_or", operator.or_, "or", "{0} | {1}", False, ast.BitOr),
    ("int_xor", operator.xor, "xor", "{0} ^ {1}", False, ast.BitXor),
    ("int_min", min, "@smin", "min({0}, {1})", False, None),
    ("int_max", max, "@smax", "max({0}, {1})", False, None),
]:
    _op(_name, 2, _S, fold=_fold, llvm=_llvm, py=_py, wraps=_wraps, args=_SS, source=_src)

_op("int_floordiv", 2, _S, canraise=(ZeroDivisionError,), fold=_floordiv,
    llvm="@floordiv", py="{0} // {1}", wraps=True, args=_SS, source=ast.FloorDiv)
_op("int_mod", 2, _S, canraise=(ZeroDivisionError,), fold=lambda a, b: a % b,
    llvm="@mod", py="{0} % {1}", args=_SS, source=ast.Mod)
_op("int_lshift", 2, _S, canraise=(ValueError,), fold=_lshift, llvm="@lshift",
    py="{0} << ({1} if {1} < 64 else 64)", wraps=True,     # no huge ints
    args=_SS, source=ast.LShift)
_op("int_rshift", 2, _S, canraise=(ValueError,), fold=_rshift, llvm="@rshift",
    py="{0} >> {1}", args=_SS, source=ast.RShift)
_op("int_neg", 1, _S, fold=lambda a: wrap(-a), llvm="neg", py="-{0}", wraps=True,
    args=(Signed,))
_op("int_abs", 1, _S, fold=lambda a: wrap(abs(a)), llvm="@abs", py="abs({0})", wraps=True,
    args=(Signed,))
_op("int_invert", 1, _S, fold=operator.invert, llvm="not", py="~{0}", args=(Signed,))
_op("int_is_true", 1, _B, fold=bool, llvm="icmp ne 0", py="{0} != 0", args=(Signed,))

for _name, _fn, _icmp, _sym in [
    ("lt", operator.lt, "slt", "<"), ("le", operator.le, "sle", "<="),
    ("eq", operator.eq, "eq", "=="), ("ne", operator.ne, "ne", "!="),
    ("gt", operator.gt, "sgt", ">"), ("ge", operator.ge, "sge", ">="),
]:
    _op(f"int_{_name}", 2, _B, fold=_fn, llvm=f"icmp {_icmp}", py=f"{{0}} {_sym} {{1}}",
        kind="compare", args=_SS)
    _op(f"float_{_name}", 2, _B, fold=_fn,
        llvm="fcmp une" if _name == "ne" else f"fcmp o{_name}",
        py=f"{{0}} {_sym} {{1}}", kind="compare", args=_FF)
    _op(f"char_{_name}", 2, _B, fold=_fn, llvm="icmp " + _icmp.replace("s", "u", 1),
        py=f"{{0}} {_sym} {{1}}", kind="compare", args=(Char, Char))

_op("bool_not", 1, _B, fold=operator.not_, llvm="xor 1", py="not {0}", args=(Bool,))

# floats
_op("float_add", 2, _F, fold=operator.add, llvm="fadd", py="{0} + {1}", args=_FF,
    source=ast.Add)
_op("float_sub", 2, _F, fold=operator.sub, llvm="fsub", py="{0} - {1}", args=_FF,
    source=ast.Sub)
_op("float_mul", 2, _F, fold=operator.mul, llvm="fmul", py="{0} * {1}", args=_FF,
    source=ast.Mult)
_op("float_truediv", 2, _F, canraise=(ZeroDivisionError,), fold=_truediv,
    llvm="@fdiv", py="{0} / {1}", args=_FF, source=ast.Div)
_op("float_floordiv", 2, _F, canraise=(ZeroDivisionError,), fold=_float_floordiv,
    llvm="@ffloordiv", py="{0} // {1}", args=_FF, source=ast.FloorDiv)
_op("float_mod", 2, _F, canraise=(ZeroDivisionError,), fold=_float_mod,
    llvm="@fmod", py="{0} % {1}", args=_FF, source=ast.Mod)
_op("float_neg", 1, _F, fold=operator.neg, llvm="fneg", py="-{0}", args=(Float,))
_op("float_abs", 1, _F, fold=abs, llvm="@fabs", py="abs({0})", args=(Float,))
_op("float_min", 2, _F, fold=min, llvm="@fmin", py="min({0}, {1})", args=_FF)
_op("float_max", 2, _F, fold=max, llvm="@fmax", py="max({0}, {1})", args=_FF)
_op("float_is_true", 1, _B, fold=bool, llvm="fcmp une 0", py="{0} != 0.0", args=(Float,))

# casts
_op("cast_int_to_float", 1, _F, fold=float, llvm="sitofp", py="float({0})", kind="cast",
    args=(Signed,))
_op("cast_float_to_int", 1, _S, canraise=(OverflowError, ValueError), fold=_float_to_int,
    llvm="@fptosi", py="int({0})", wraps=True, kind="cast", args=(Float,))
_op("cast_bool_to_int", 1, _S, fold=int, llvm="zext", py="int({0})", kind="cast",
    args=(Bool,))
_op("cast_bool_to_float", 1, _F, fold=float, llvm="uitofp", py="float({0})", kind="cast",
    args=(Bool,))
_op("cast_char_to_int", 1, _S, fold=ord, llvm="zext", py="ord({0})", kind="cast",
    args=(Char,))
_op("cast_int_to_char", 1, _C, canraise=(ValueError, OverflowError), fold=chr,
    llvm="@chr", py="chr({0})", kind="cast", args=(Signed,))

# strings (immutable values, not containers: reads are pure)
_op("str_len", 1, _S, fold=len, py="len({0})", kind="length", args=(Str,))
_op("str_getitem", 2, _C, canraise=(IndexError,), fold=lambda s, i: s[i],
    py="{0}[{1}]", kind="read", args=(Str, Signed))
_op("str_eq", 2, _B, fold=operator.eq, py="{0} == {1}", kind="compare", args=(Str, Str))
_op("str_concat", 2, _fixed(Str), canraise=(MemoryError, OverflowError), fold=operator.add,
    llvm="capi:PyUnicode_Concat", py="{0} + {1}", args=(Str, Str))
_op("str_mul", 2, _fixed(Str), canraise=(MemoryError, OverflowError), fold=operator.mul,
    llvm="capi:PySequence_Repeat", py="{0} * {1}", args=(Str, Signed))
_op("cast_char_to_str", 1, _fixed(Str), fold=str, py="{0}", kind="cast", args=(Char,))
_op("str_to_int", 1, _S, canraise=(ValueError, OverflowError), fold=str_to_int,
    py="_str_to_int({0})", kind="cast", args=(Str,))
_op("str_hash", 1, _S, fold=hash, py="hash({0})", kind="cast", args=(Str,))
_op("str_slice", 3, _fixed(Str), fold=lambda s, a, b: s[a:b], llvm="capi:PySequence_GetSlice",
    py="{0}[{1}:{2}]", args=(Str, Signed, Signed))      # s[a:] is s[a:MAXINT], as in CPython

# methods of str (and of a character): each row's `py` is the call `{0}.name(...)`,
# which the builder maps `s.name(...)` to (`str_method`) and native code makes
# through CPython's method call (`llvm="method"`, or "method:NAME" where the
# template is not a method call: the arguments boxed, the result unboxed as the
# row's type), so every mode gives CPython's result and errors.  A
# new list (split) or a read of one (join) is not pure: always red, never folded
# into a compile-time constant list that the program could then change.
_STR_LIST = ListType(Str)
_op("str_find", 2, _S, fold=str.find, llvm="method", py="{0}.find({1})", args=(Str, Str))
_op("str_count", 2, _S, fold=str.count, llvm="method", py="{0}.count({1})", args=(Str, Str))
_op("str_startswith", 2, _B, fold=str.startswith, llvm="method", py="{0}.startswith({1})",
    kind="compare", args=(Str, Str))
_op("str_endswith", 2, _B, fold=str.endswith, llvm="method", py="{0}.endswith({1})",
    kind="compare", args=(Str, Str))
_op("str_replace", 3, _fixed(Str), canraise=(MemoryError, OverflowError), fold=str.replace,
    llvm="method", py="{0}.replace({1}, {2})", args=(Str, Str, Str))
_op("str_split", 2, _fixed(_STR_LIST), pure=False, canraise=(ValueError, MemoryError),
    fold=str.split, llvm="method", py="{0}.split({1})", args=(Str, Str))
_op("str_split_blank", 1, _fixed(_STR_LIST), pure=False, canraise=(MemoryError,),
    fold=str.split, llvm="method", py="{0}.split()", args=(Str,))
_op("str_join", 2, _fixed(Str), pure=False, canraise=(MemoryError, OverflowError),
    fold=str.join, llvm="method", py="{0}.join({1})", args=(Str, _STR_LIST))
_op("str_contains", 2, _B, fold=operator.contains, llvm="method:__contains__",
    py="{1} in {0}", kind="compare", args=(Str, Str))                  # `x in s`
for _type, _prefix in ((Signed, "int"), (Float, "float"), (Bool, "bool")):   # str(x)
    _op(f"cast_{_prefix}_to_str", 1, _fixed(Str), canraise=(MemoryError,), fold=str,
        llvm="method:__str__", py="str({0})", kind="cast", args=(_type,))
for _name in ("strip", "lower", "upper"):
    _op(f"str_{_name}", 1, _fixed(Str), canraise=(MemoryError,), fold=getattr(str, _name),
        llvm="method", py=f"{{0}}.{_name}()", args=(Str,))
for _name in ("isdigit", "isalpha", "isspace"):
    _op(f"str_{_name}", 1, _B, fold=getattr(str, _name), llvm="method", py=f"{{0}}.{_name}()",
        kind="compare", args=(Str,))
    _op(f"char_{_name}", 1, _B, fold=getattr(str, _name), llvm="method",
        py=f"{{0}}.{_name}()", kind="compare", args=(Char,))

# print(a, b): the builder makes the text (str() of each, spaces, the line end)
_op("print_str", 1, _V, pure=False, canraise=(Exception,), py="_print_str({0})", kind="effect",
    args=(Str,), llvm=None, ts="rt.effect(js, {name}, {b0})")

# references to instances: identity (`a is b`, `a is None`); a virtual instance is
# never identical to anything else, so the generating extension answers at once
_op("ptr_eq", 2, _B, fold=operator.is_, llvm="icmp eq", py="{0} is {1}", kind="compare",
    args=(StructType, StructType), ts="rt.ptr_eq(js, {b0}, {b1})")

# classes (single inheritance): instance_isinstance(v, c_class) is `isinstance(v, C)` for
# a user class C (False for None); cast_pointer(v, c_StructType) is `v` seen as an
# instance of another class of its hierarchy (a base's, or a subclass's where a test
# proved it): nothing at run time, a copy whose type changes.  A virtual instance
# knows its class: the generating extension answers the test at once.
_op("instance_isinstance", 2, _B, fold=isinstance, py="isinstance({0}, {1})",
    kind="compare", args=(StructType, Void), ts="rt.instance_isinstance(js, {b0}, {t1})")
_op("cast_pointer", 2, lambda args: args[1].value, fold=lambda v, t: v, py="{0}",
    kind="copy", args=(StructType, Void), ts="rt.cast_pointer(js, {b0}, {t1})")
# instance_class(v) is `v.__class__` (a Class value: promoted, `hint(o.__class__,
# promote=True)`, it makes the method calls on o direct); class_issubclass(k, c_class)
# is `issubclass(k, C)` (the dispatch's test on a promoted class); class_is(k, c_class)
# is `k is C` (`type(o) is C`)
_op("instance_class", 1, _fixed(Class), fold=lambda v: v.__class__, py="{0}.__class__",
    kind="cast", args=(StructType,), ts="rt.instance_class(js, {b0})")
_op("class_issubclass", 2, _B, fold=issubclass, py="issubclass({0}, {1})", kind="compare",
    args=(Class, Void))
_op("class_is", 2, _B, fold=operator.is_, py="{0} is {1}", kind="compare", args=(Class, Void))

# tuples (immutable values, like strings: pure; a red one is virtual in the timeshifter
# until it escapes)
# newtuple(c_TupleType, *items) has at least one item (the empty tuple is a constant);
# tuple_getitem(t, c_index): the index a constant, 0 <= index < len.
_op("newtuple", None, _type_constant, fold=lambda t, *items: tuple(items), py="({*},)",
    ts="rt.newtuple(js, {t0}, {b*})")
_op("tuple_getitem", 2, _tuple_item, fold=lambda t, i: t[i], py="{0}[{1}]", kind="read",
    args=(TupleType, Signed), ts="rt.tuple_getitem(js, {b0}, {r1})")
# tuple_getitem_var(t, i): a run-time index into a tuple whose items have one type
_op("tuple_getitem_var", 2, lambda args: args[0].concretetype.items[0], canraise=(IndexError,),
    fold=lambda t, i: t[i], py="{0}[{1}]", kind="read", args=(TupleType, Signed),
    ts="rt.tuple_getitem_var(js, {b0}, {b1})")

# growable lists
_op("newlist", 3, _type_constant, pure=False, py="[{2}] * {1}",   # (c_ListType, length, fill)
    kind="alloc", args=(Void, Signed, _item_of_type_constant), value=2,
    ts="rt.newlist(js, {t0}, {b1}, {b2})")
_op("list_len", 1, _S, pure=False, py="len({0})", kind="length", args=(ListType,),
    container=0, ts="rt.length(js, {name}, {b0})")
_op("list_getitem", 2, _item_of_arg0, pure=False, canraise=(IndexError,), py="{0}[{1}]",
    kind="read", args=(ListType, Signed), container=0,
    ts="rt.getitem(js, {name}, {b0}, {b1})")
_op("list_setitem", 3, _V, pure=False, canraise=(IndexError,), py="{0}[{1}] = {2}",
    kind="write", args=(ListType, Signed, _item_of_container), container=0, value=2,
    ts="rt.setitem(js, {name}, {b0}, {b1}, {b2})")
_op("list_append", 2, _V, pure=False, py="{0}.append({1})", kind="write", resizes=1,
    args=(ListType, _item_of_container), container=0, value=1,
    ts="rt.list_append(js, {b0}, {b1})")
_op("list_pop", 1, _item_of_arg0, pure=False, canraise=(IndexError,), py="{0}.pop()",
    resizes=-1,
    kind="pop", args=(ListType,), container=0, ts="rt.list_pop(js, {b0})")
_op("list_insert", 3, _V, pure=False, py="{0}.insert({1}, {2})", kind="write", resizes=1,
    args=(ListType, Signed, _item_of_container), container=0, value=2,
    ts="rt.list_insert(js, {b0}, {b1}, {b2})")
_op("list_reverse", 1, _V, pure=False, py="{0}.reverse()", kind="write", args=(ListType,),
    container=0, ts="rt.list_reverse(js, {b0})")
# New lists made of other lists' items: allocations (virtual when their sources are,
# deep-frozen when they are), each source `container` too; bounds as `str_slice`.
_op("list_slice", 3, _same_as_arg0, pure=False, py="{0}[{1}:{2}]", kind="alloc",
    args=(ListType, Signed, Signed), container=0, llvm="capi:PySequence_GetSlice",
    ts="rt.list_slice(js, {b0}, {b1}, {b2})")
_op("list_concat", 2, _same_as_arg0, pure=False, canraise=(MemoryError,), py="{0} + {1}",
    kind="alloc", args=(ListType, _same_as_arg0), container=0, llvm="capi:PySequence_Concat",
    ts="rt.list_concat(js, {b0}, {b1})")
_op("list_delitem", 2, _V, pure=False, canraise=(IndexError,), py="del {0}[{1}]",
    resizes=-1,
    kind="write", args=(ListType, Signed), container=0, ts="rt.list_delitem(js, {b0}, {b1})")

# dicts with int or str keys: always real objects (never virtual); a deep-frozen
# one read with green keys folds like a frozen list
def _dict_value(args):
    return args[0].concretetype.value


_op("newdict", 1, _type_constant, pure=False, py="{{}}", kind="alloc", args=(Void,),
    ts="rt.newdict(js, {t0})")
_op("dict_getitem", 2, _dict_value, pure=False, canraise=(KeyError,), py="{0}[{1}]",
    kind="read", args=(DictType, lambda args: args[0].concretetype.key), container=0)
_op("dict_setitem", 3, _V, pure=False, py="{0}[{1}] = {2}", kind="write",
    args=(DictType, lambda args: args[0].concretetype.key, _dict_value), container=0, value=2,
    ts="rt.dict_setitem(js, {b0}, {b1}, {b2})")
_op("dict_contains", 2, _B, pure=False, py="{1} in {0}", kind="read",
    args=(DictType, lambda args: args[0].concretetype.key), container=0)
_op("dict_get", 3, _dict_value, pure=False, py="{0}.get({1}, {2})", kind="read",
    args=(DictType, lambda args: args[0].concretetype.key, _dict_value), container=0)
_op("dict_delitem", 2, _V, pure=False, canraise=(KeyError,), py="del {0}[{1}]", kind="write",
    args=(DictType, lambda args: args[0].concretetype.key), container=0)
# dict_keys(d): a new list of the keys, in order (for loops over a dict iterate it)
_op("dict_keys", 1, lambda args: ListType(args[0].concretetype.key), pure=False,
    py="list({0})", kind="alloc", args=(DictType,), container=0,
    ts="rt.dict_keys(js, {b0})")
_op("dict_len", 1, _S, pure=False, py="len({0})", kind="length", args=(DictType,),
    container=0)

# structs and fixed arrays
_op("malloc", 1, _type_constant, pure=False, kind="alloc", args=(Void,),   # (c_StructType)
    ts="rt.malloc(js, {t0})")
_op("getfield", 2, _field_type, pure=False, py="getattr({0}, {1})", kind="read",
    args=(StructType, Void), container=0, field=1, ts="rt.getfield(js, {b0}, {r1})")
_op("setfield", 3, _V, pure=False, kind="write", args=(StructType, Void),   # value: field's
    container=0, field=1, value=2, ts="rt.setfield(js, {b0}, {r1}, {b2})")
_op("malloc_varsize", 2, _type_constant, pure=False, canraise=(ValueError,),  # (c_ArrayType, n)
    kind="alloc", args=(Void, Signed), ts="rt.malloc_varsize(js, {t0}, {b1})")
_op("getarrayitem", 2, _item_of_arg0, pure=False, canraise=(IndexError,), py="{0}[{1}]",
    kind="read", args=(ArrayType, Signed), container=0,
    ts="rt.getitem(js, {name}, {b0}, {b1})")
_op("setarrayitem", 3, _V, pure=False, canraise=(IndexError,), py="{0}[{1}] = {2}",
    kind="write", args=(ArrayType, Signed, _item_of_container), container=0, value=2,
    ts="rt.setitem(js, {name}, {b0}, {b1}, {b2})")
_op("getarraysize", 1, _S, pure=False, py="len({0})", kind="length", args=(ArrayType,),
    container=0, ts="rt.length(js, {name}, {b0})")

# calls and the rest
_op("direct_call", None, _call_result, pure=False, canraise=(Exception,),   # (c_func, *args)
    kind="call", calls=True, ts="call")
# The message and the class of the exception being handled: leading operations of
# an exception link's target (model.py), where the handler of `except E as e`
# reads str(e) and a bare `raise` (or `finally`) the class it raises again.
_op("exc_message", 0, _fixed(Str), pure=False, py="_exc_message", kind="read", args=(),
    ts="caught")
_op("exc_class", 0, _fixed(Class), pure=False, py="_exc_class", kind="read", args=(),
    ts="caught")
_op("same_as", 1, _same_as_arg0, fold=lambda x: x, py="{0}", kind="copy", args=(None,))
_op("hint", 2, _same_as_arg0, pure=False, py="{0}", kind="hint", args=(None, Void),
    ts="hint")                                                         # hint(v, c_flags)
# Tail transfers: each stands right before `return` of its result and hands the rest
# of the function over to other code without growing the stack (the interpreter
# returns a token its trampoline runs; native code uses musttail calls).
# promote(c_site, v_value, *live): a promotion site (timeshifter/promotion.py): the
# rest runs as `site.dispatch(value, live)` (interpreted: a result or another
# transfer); native code searches the site's case table first, `site.native_miss`
# on a miss.  tail_call(c_graph, *args): the rest is `graph(*args)`.
_op("promote", None, _call_result, pure=False, canraise=(Exception,), kind="transfer",
    ts="residual")
_op("tail_call", None, _call_result, pure=False, canraise=(Exception,), kind="transfer",
    calls=True, ts="residual")

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
        py=f"{{0}} {_sym} {{1}}", kind="compare", args=(Signed, Float))
_op("int_truediv", 2, _F, canraise=(ZeroDivisionError,), fold=_truediv, llvm="@itruediv",
    py="{0} / {1}", args=_SS)
# -- end of the mixed int/float block --------------------------------------------------


del _name, _fold, _llvm, _py, _wraps, _src, _fn, _icmp, _sym


def ops_of_kind(*kinds: str) -> frozenset:
    """The names of the rows whose kind is one of `kinds`."""
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown operation kind {kind!r}; the kinds are {', '.join(KINDS)}")
    return frozenset(name for name, desc in OPS.items() if desc.kind in kinds)


def source_ops(prefix: str) -> dict:
    """{ast operator class: opname} of the rows named `prefix...` with a `source`
    (the builder's mapping of `a + b` etc., e.g. `source_ops("int_")`)."""
    return {desc.source: name for name, desc in OPS.items()
            if desc.source is not None and name.startswith(prefix)}


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


def caught_reads(block) -> dict:
    """What the target of an exception link reads of the exception it
    caught: its leading `caught` operations, opname -> result variable."""
    reads = {}
    for op in block.operations:
        if OPS[op.opname].ts != "caught":
            break
        reads[op.opname] = op.result
    return reads

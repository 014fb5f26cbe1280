"""Random small programs in the low-level subset, for differential tests.

`programs()` is a hypothesis strategy of `Program`s: Python source text of a
module with an entry function `f` over 1-3 `int` parameters and up to two
helper functions it calls, plus a strategy of argument tuples.  The programs
use int arithmetic (`+ - * // % << >> & | ^`, unary `-` and `~`, `abs`,
`min`, `max`), conditional expressions, comparisons (chained too), `and`,
`or`, `not`, `if/elif/else`, bounded `for i in range(...)` (negative steps
too) and bounded `while` loops, `break`, `continue`, early `return`, `raise
ValueError(...)`, augmented assignment, calls, and `hint(x, variable=True)`.
With `Features.exceptions`, raises also of the program's own GuestError and
GuestStop, and try/except/else catching them (`except GuestStop as e`) and
what operations raise (ZeroDivisionError, ValueError, `except Exception`),
handlers testing (`isinstance(caught, ...)`) and raising again (a bare `raise`,
`raise caught`, `raise ... from e`) what they caught, `finally`;
some helpers are `@dont_look_inside` (calls left in the residual code).

`Features` widens the programs (helpers keep int parameters and results):
`floats` gives `f` a float parameter `w` and every function a float local
`u`: float arithmetic mixed with ints, `/`, `//`, `%`, `float()`,
comparisons of floats and of ints with floats, `round(u)`, sometimes a float result;
`lists` a `list[int]` parameter `lst` and locals `m = [e] * n`, with `len`,
indexing (negative too), item assignment, `append`, `pop()` and `pop(i)` (mostly
guarded, sometimes raising IndexError), `sum`, `min`, `max`, `any`, `all`; `strings` a `str` parameter `s`
with `len`, indexing, `ord`, comparisons with one-character literals and
str methods (find, count, startswith, split, strip, upper, isdigit, join,
replace), `x in s`, `str(x)`, f-strings and `'%s:%d%%' % (s, n)`; a for loop may be over
`enumerate(lst[:][, start])`;
`classes` a class `Acc` with an int and a float field and a random method,
and its subclass `Acc2` (one more field, `super().__init__`, the method
overridden), instantiated in the functions (either class, or one of them
chosen at run time) and tested with `isinstance`.  Mixed int/float comparisons and int `/` use
all 64-bit ints (exact as CPython does them); `wide_mixed=False` reduces the
int into +-2**52.

Every loop is bounded by construction (ranges are reduced modulo a small
literal, while loops count), so every program terminates quickly.  Divisions
and shifts are mostly guarded (`b | 1` is odd, `b & 63` is a valid count);
the unguarded ones raise ZeroDivisionError or ValueError, which every
execution mode must reproduce.

`load(program)` writes the source to a real file and imports it, so that
`inspect.getsource` works on its functions.  `oracle(program)` gives the
entry function under CPython with 64-bit semantics: the same source with
every operation that can leave 64 bits wrapped around (DESIGN section 4);
when nothing overflows it computes exactly what plain CPython computes, and
it counts the wraps in `namespace["_wraps"]`.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.util
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

MAXINT = 2**63 - 1
MININT = -2**63

HEADER = "from hintannotator import dont_look_inside, hint\n\n\n"

#: argument values: mostly small, sometimes at the edges of 64 bits
INT_ARGS = st.one_of(st.integers(-20, 20), st.integers(-2**20, 2**20),
                     st.sampled_from([MININT, MAXINT, MININT + 1, -1, 0, 1]),
                     st.integers(MININT, MAXINT))
FLOAT_ARGS = st.one_of(st.floats(-100, 100), st.sampled_from([0.0, -0.0, 0.5, 2.0**53, 1e300]),
                       st.floats(allow_nan=True, allow_infinity=True))
LIST_ARGS = st.lists(st.one_of(st.integers(-20, 20), INT_ARGS), max_size=5)
PAIR_ARGS = st.tuples(INT_ARGS, INT_ARGS)
STR_ARGS = st.text(alphabet="abcxyz", max_size=4)
_SMALL_LITERALS = st.integers(-10, 10)
_FLOAT_LITERALS = ["0.5", "(-2.25)", "3.0", "1e10", "0.1", "(-0.0)"]
_CHARS = ["'a'", "'b'", "'x'", "'z'"]
#: ints compared with floats or divided by `/` are reduced below this when
#: `Features.wide_mixed` is off
MIXED_BOUND = 2**53


@dataclass(frozen=True)
class Features:
    """What a program may use beyond int arithmetic and control flow."""
    floats: bool = False       # a float parameter and local, mixed arithmetic, `/`
    lists: bool = False        # a list[int] parameter and `[e] * n` locals
    strings: bool = False      # a str parameter: indexing, one-character literals, ord
    classes: bool = False      # a class with fields and a method, instantiated in f, and
                               # a reference that may be None (is None, field reads)
    tuples: bool = False       # a tuple[int, int] parameter, a nested tuple local rebuilt
                               # and unpacked by statements, items read by expressions
    dicts: bool = False        # a dict[int, int] local: d[k], get, in, pop, setdefault,
                               # len and a for loop over its keys or values
    exceptions: bool = False   # exception classes GuestError and GuestStop(GuestError),
                               # raised anywhere, and try/except/else catching them and
                               # the built-in errors of operations (ZeroDivisionError, ...)
    wide_mixed: bool = True    # int/float comparisons and `/` on all 64-bit ints
    # for make_jit: f ends with a while loop, and its loops not nested in
    # another begin with a global merge point and end with can_enter_jit
    merge_points: bool = False


ALL_FEATURES = Features(floats=True, lists=True, strings=True, classes=True, tuples=True,
                        dicts=True, exceptions=True)
CLASS_SOURCE = """class Acc:
    n: int
    w: float

    def __init__(self, n: int):
        self.n = n
        self.w = 0.5

    def bump(self, k: int) -> int:
{body}


class Acc2(Acc):
    k: int

    def __init__(self, n: int):
        super().__init__(n + 1)
        self.k = n

    def bump(self, k: int) -> int:
{body2}


"""

EXCEPTION_SOURCE = """class GuestError(Exception):
    pass


class GuestStop(GuestError):
    pass


"""

_BIG_LITERALS = st.sampled_from([255, 1000, 65535, 2**31, 2**62, MAXINT])


@dataclass(frozen=True)
class Program:
    source: str            # the module's text
    name: str              # the entry function
    params: tuple          # its parameter names
    args: object           # strategy of argument tuples
    types: tuple = ()      # its parameter types ("int", "float", "list[int]", "str")

    @property
    def key(self) -> str:
        return hashlib.sha1(self.source.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Scope:
    readable: tuple        # names an expression may read
    writable: tuple        # names a statement may assign
    helpers: tuple         # (name, arity) of callable helpers
    loop_depth: int = 0


class _Drawer:
    """Draws the pieces of one program from a hypothesis `draw`."""

    def __init__(self, draw, allow_raise: bool, allow_promote: bool = False,
                 features: Features = Features()):
        self.allow_promote = allow_promote
        self.features = features
        self.floats: tuple = ()        # float names in scope (of the function drawn)
        self.lists: tuple = ()         # list[int] names
        self.strings: tuple = ()       # str names
        self.objects: tuple = ()       # Acc instances
        self.optionals: tuple = ()     # `Acc | None` names
        self.pairs: tuple = ()         # tuple[int, int] names
        self.nests: tuple = ()         # tuple[int, tuple[int, int]] names
        self.dicts: tuple = ()         # dict[int, int] names
        self.returns_float = False
        self.draw = draw
        self.allow_raise = allow_raise
        self.counter = 0
        self.in_entry = False          # drawing the entry function f

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def chance(self, percent: int) -> bool:
        return self.draw(st.integers(0, 99)) < percent

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- expressions ----------------------------------------------------------

    def leaf(self, scope: Scope) -> str:
        if (self.pairs or self.nests) and self.chance(15):
            return self.tuple_item()
        if self.chance(25):
            special = self.special_int(scope)
            if special:
                return special
        if scope.readable and self.chance(70):
            return self.pick(scope.readable)
        value = self.draw(_BIG_LITERALS if self.chance(10) else _SMALL_LITERALS)
        return f"({value})" if value < 0 else str(value)

    def tuple_item(self) -> str:
        """An int read from a tuple in scope (a constant index, maybe negative)."""
        reads = [f"{p}[{i}]" for p in self.pairs for i in (0, 1, -1)]
        reads += [f"{t}[0]" for t in self.nests]
        reads += [f"{t}[1][{i}]" for t in self.nests for i in (0, -1)]
        return self.pick(reads)

    @staticmethod
    def formatted(inner: str, text: str) -> str:
        """`len` of an f-string of `inner` and `text`, quoted with a quote
        `inner` does not hold (CPython 3.11 refuses the f-string's own quote
        inside its braces); `str` and `+` when it holds both."""
        for quote in ("'", '"'):
            if quote not in inner:
                return f"len(f{quote}{{{inner}}}:{{{text}}}!{quote})"
        return f"len(str({inner}) + ':' + {text} + '!')"

    def expr(self, scope: Scope, depth: int = 2) -> str:
        if depth <= 0 or self.chance(40):
            return self.leaf(scope)
        kinds = ["arith", "arith", "bits", "div", "shift", "unary", "builtin", "ifexp"]
        if scope.helpers:
            kinds.append("call")
        kind = self.pick(kinds)
        a = self.expr(scope, depth - 1)
        if kind == "unary":
            return f"({self.pick(['-', '~'])}{a})"
        if kind == "call":
            name, arity = self.pick(scope.helpers)
            args = [a] + [self.expr(scope, depth - 1) for _ in range(arity - 1)]
            return f"{name}({', '.join(args)})"
        if kind == "ifexp":
            return f"({a} if {self.cond(scope, depth - 1)} else {self.expr(scope, depth - 1)})"
        b = self.expr(scope, depth - 1)
        if kind == "arith":
            return f"({a} {self.pick(['+', '-', '*'])} {b})"
        if kind == "bits":
            return f"({a} {self.pick(['&', '|', '^'])} {b})"
        if kind == "div":
            op = self.pick(["//", "%"])
            return f"({a} {op} {b})" if self.chance(15) else f"({a} {op} ({b} | 1))"
        if kind == "shift":
            op = self.pick(["<<", ">>"])
            return f"({a} {op} {b})" if self.chance(10) else f"({a} {op} ({b} & 63))"
        name = self.pick(["abs", "min", "max"])
        return f"abs({a})" if name == "abs" else f"{name}({a}, {b})"

    def cond(self, scope: Scope, depth: int = 1, truth: bool = True) -> str:
        """A condition; `truth` allows a bare int (tested for non-zero).
        The operands of and/or/not are comparisons, so they are bools."""
        kinds = ["cmp", "cmp", "chain", "and", "or", "not"] + (["truth"] if truth else [])
        if self.chance(30):
            typed = self.typed_cond(scope)
            if typed:
                return typed
        kind = self.pick(kinds)
        if kind == "truth":
            return self.expr(scope, depth)
        if kind in ("and", "or"):
            left, right = self.cond(scope, 0, False), self.cond(scope, 0, False)
            return f"({left} {kind} {right})"
        if kind == "not":
            return f"(not {self.cond(scope, 0, False)})"
        ops = ["<", "<=", "==", "!=", ">", ">="]
        a, b = self.expr(scope, depth), self.expr(scope, depth)
        if kind == "chain":
            return f"({a} {self.pick(ops)} {b} {self.pick(ops)} {self.expr(scope, depth)})"
        return f"({a} {self.pick(ops)} {b})"


    # -- typed pieces (Features) --------------------------------------------------

    def index(self, seq: str, scope: Scope) -> str:
        """An index into `seq`: mostly in range (non-negative or negative),
        sometimes not (IndexError)."""
        e = self.expr(scope, 0)
        shape = self.pick(["pos", "neg", "raw"])
        if shape == "raw" and self.chance(30):
            return e
        if shape == "neg":
            return f"-1 - {e} % len({seq})"
        return f"{e} % len({seq})"

    def special_int(self, scope: Scope):
        """An int read from a list, string or object, or None."""
        kinds = []
        if self.lists:
            kinds += ["len_list", "item", "list_builtin"]
        if self.strings:
            kinds += ["len_str", "ord", "str_method"]
        if self.objects:
            kinds += ["field", "method", "subclass"]
        if self.optionals:
            kinds += ["optional"]
        if self.dicts:
            kinds += ["len_dict", "get", "in_dict"]
        if self.floats:
            kinds += ["round"]
        if not kinds:
            return None
        kind = self.pick(kinds)
        if kind == "round":                      # ties to even; NaN and inf raise
            return f"round({self.pick(self.floats)})"
        if kind == "len_list":
            return f"len({self.pick(self.lists)})"
        if kind == "list_builtin":               # sum, min, max, any, all of a list
            lst = self.pick(self.lists)
            return self.pick([f"sum({lst})", f"(max({lst}) if len({lst}) > 0 else 5)",
                              f"(min({lst}) if len({lst}) > 0 else -5)", f"int(any({lst}))",
                              f"int(all({lst}))"])
        if kind == "item":
            lst = self.pick(self.lists)
            return f"({lst}[{self.index(lst, scope)}] if len({lst}) > 0 else 7)"
        if kind == "len_str":
            return f"len({self.pick(self.strings)})"
        if kind == "str_method":                 # a method of str (an int or a bool)
            text = self.pick(self.strings)
            return self.pick([f"{text}.find('a')", f"{text}.count('ab')",
                              f"int({text}.startswith('b'))", f"len({text}.split('a'))",
                              f"len({text}.strip().upper())", f"int({text}.isdigit())",
                              f"len(','.join([{text}, {text}.replace('a', 'xy')]))",
                              f"int(str({self.expr(scope, 0)})[-1] in {text})",
                              f"len(str({self.expr(scope, 0)}) + {text})",
                              f"len('%s:%d%%' % ({text}, {self.expr(scope, 0)}))",
                              self.formatted(self.expr(scope, 0), text)])
        if kind == "ord":
            text = self.pick(self.strings)
            return f"(ord({text}[{self.index(text, scope)}]) if len({text}) > 0 else 3)"
        if kind == "field":
            return f"{self.pick(self.objects)}.n"
        if kind == "subclass":
            o = self.pick(self.objects)
            return f"({o}.k if isinstance({o}, Acc2) else {self.expr(scope, 0)})"
        if kind == "len_dict":
            return f"len({self.pick(self.dicts)})"
        if kind == "get":
            return f"{self.pick(self.dicts)}.get({self.dict_key(scope)}, {self.expr(scope, 0)})"
        if kind == "in_dict":
            d, k = self.pick(self.dicts), self.dict_key(scope)
            return f"({d}[{k}] if {k} in {d} else {self.expr(scope, 0)})"
        if kind == "optional":
            q = self.pick(self.optionals)
            return f"({q}.n if {q} is not None else {self.expr(scope, 0)})"
        return f"{self.pick(self.objects)}.bump({self.expr(scope, 0)})"

    def dict_key(self, scope: Scope) -> str:
        """A key among few values (so that lookups find something)."""
        return f"({self.expr(scope, 0)}) % 5"

    def bounded(self, e: str) -> str:
        """`e` reduced into +-2**53 unless wide mixed operations are on."""
        if self.features.wide_mixed:
            return e
        return f"({e} % {MIXED_BOUND} - {MIXED_BOUND // 2})"

    def fexpr(self, scope: Scope, depth: int = 2) -> str:
        """A float expression."""
        if depth <= 0 or self.chance(35):
            options = ["lit", "conv"] + (["name", "name"] if self.floats else [])
            if self.objects:
                options.append("field")
            kind = self.pick(options)
            if kind == "lit":
                return self.pick(_FLOAT_LITERALS)
            if kind == "name":
                return self.pick(self.floats)
            if kind == "field":
                return f"{self.pick(self.objects)}.w"
            return f"float({self.expr(scope, 0)})"
        kind = self.pick(["arith", "arith", "mixed", "div", "idiv", "unary", "builtin",
                          "ifexp"])
        a = self.fexpr(scope, depth - 1)
        if kind == "unary":
            return f"(-{a})"
        if kind == "ifexp":
            return f"({a} if {self.cond(scope, 0)} else {self.fexpr(scope, depth - 1)})"
        if kind == "mixed":
            e = self.expr(scope, 0)
            return f"({a} {self.pick(['+', '-', '*'])} {e})" if self.chance(50) \
                else f"({e} {self.pick(['+', '-', '*'])} {a})"
        if kind == "idiv":          # int / int is a float
            return f"({self.bounded(self.expr(scope, 0))} / {self.bounded(self.expr(scope, 0))})"
        b = self.fexpr(scope, depth - 1)
        if kind == "arith":
            return f"({a} {self.pick(['+', '-', '*'])} {b})"
        if kind == "div":
            op = self.pick(["/", "/", "//", "%"])
            return f"({a} {op} {b})" if self.chance(20) else f"({a} {op} (abs({b}) + 1.0))"
        name = self.pick(["abs", "min", "max"])
        return f"abs({a})" if name == "abs" else f"{name}({a}, {b})"

    def typed_cond(self, scope: Scope):
        """A comparison over floats, mixed int/float or string characters, or None."""
        kinds = []
        if self.features.floats:
            kinds += ["float", "mixed"]
        if self.strings:
            kinds += ["char"]
        if self.optionals:
            kinds += ["none"]
        if not kinds:
            return None
        ops = ["<", "<=", "==", "!=", ">", ">="]
        kind = self.pick(kinds)
        if kind == "float":
            return f"({self.fexpr(scope, 1)} {self.pick(ops)} {self.fexpr(scope, 1)})"
        if kind == "mixed":
            i, f = self.bounded(self.expr(scope, 1)), self.fexpr(scope, 1)
            return f"({i} {self.pick(ops)} {f})" if self.chance(50) \
                else f"({f} {self.pick(ops)} {i})"
        if kind == "none":
            q = self.pick(self.optionals)
            other = self.pick(("None",) + self.objects)
            return f"({q} {self.pick(['is', 'is not'])} {other})"
        text = self.pick(self.strings)
        op = self.pick(ops if self.chance(50) else ["==", "!="])
        return (f"(len({text}) > 0 and {text}[{self.index(text, scope)}] {op} "
                f"{self.pick(_CHARS)})")

    def ret_expr(self, scope: Scope) -> str:
        return self.fexpr(scope) if self.returns_float else self.expr(scope)

    # -- statements -------------------------------------------------------------

    def block(self, scope: Scope, depth: int, indent: str, max_stmts: int = 3) -> list:
        lines: list = []
        for _ in range(self.draw(st.integers(1, max_stmts))):
            lines += self.stmt(scope, depth, indent)
        return lines

    def stmt(self, scope: Scope, depth: int, indent: str) -> list:
        kinds = ["assign", "assign", "augassign", "augassign"]
        if depth > 0:
            kinds += ["if", "if", "for", "while"]
        kinds += ["return"] + (["raise"] if self.allow_raise else [])
        if self.floats:
            kinds += ["fassign", "fassign"]
        if self.lists:
            kinds += ["append", "setitem", "pop"]
        if self.objects:
            kinds += ["setfield"]
        if self.optionals:
            kinds += ["optional"]
        if self.nests:
            kinds += ["retuple", "unpack"]
        if self.dicts:
            kinds += ["dict_set", "dict_update"] + (["dict_for"] if depth > 0 else [])
        if scope.loop_depth:
            kinds += ["break", "continue"]
        if self.features.exceptions and depth > 0:
            kinds += ["try"]
        kind = self.pick(kinds)
        return getattr(self, "stmt_" + kind)(scope, depth, indent)

    def stmt_assign(self, scope, depth, indent):
        value = self.expr(scope)
        if self.chance(10):
            value = f"hint({value}, variable=True)"
        elif self.allow_promote and self.chance(25):
            value = f"hint({value}, promote=True)"
        return [f"{indent}{self.pick(scope.writable)} = {value}"]

    def stmt_augassign(self, scope, depth, indent):
        target = self.pick(scope.writable)
        op = self.pick(["+", "-", "*", "&", "|", "^", "//", "%", "<<", ">>"])
        value = self.expr(scope, 1)
        if op in ("//", "%"):
            value = f"({value} | 1)"
        elif op in ("<<", ">>"):
            value = f"({value} & 63)"
        return [f"{indent}{target} {op}= {value}"]

    def stmt_if(self, scope, depth, indent):
        inner = indent + "    "
        lines = [f"{indent}if {self.cond(scope)}:"] + self.block(scope, depth - 1, inner)
        for _ in range(self.draw(st.integers(0, 1))):
            lines += [f"{indent}elif {self.cond(scope)}:"] + self.block(scope, depth - 1, inner)
        if self.chance(50):
            lines += [f"{indent}else:"] + self.block(scope, depth - 1, inner)
        return lines

    def stmt_for(self, scope, depth, indent):
        var = self.fresh("i")
        if self.lists and self.chance(20):        # an enumerate() of a list's copy (the
            item = self.fresh("e")                # body may append to the list itself)
            lst = self.pick(self.lists)
            body = Scope(scope.readable + (var, item), scope.writable, scope.helpers,
                         scope.loop_depth + 1)
            start = self.pick(["", ", 1", f", {self.expr(scope, 0)}"])
            return ([f"{indent}for {var}, {item} in enumerate({lst}[:]{start}):"]
                    + self.block(body, depth - 1, indent + "    "))
        a, b = self.expr(scope, 1), self.expr(scope, 1)
        step = self.pick([-3, -2, -1, 1, 1, 2, 3])
        shape = self.pick(["one", "two", "three"])
        if shape == "one":
            rng = f"range({a} % {self.draw(st.integers(1, 6))})"
        elif shape == "two":
            rng = f"range({a} % 5, {b} % 9)"
        elif step > 0:
            rng = f"range({a} % 5 - 4, {b} % 9, {step})"
        else:
            rng = f"range({a} % 9, {b} % 5 - 4, {step})"
        body = Scope(scope.readable + (var,), scope.writable, scope.helpers,
                     scope.loop_depth + 1)
        return [f"{indent}for {var} in {rng}:"] + self.block(body, depth - 1, indent + "    ")

    def stmt_while(self, scope, depth, indent):
        counter = self.fresh("n")
        bound = self.draw(st.integers(0, 6))
        cond = f"{counter} < {bound}"
        if self.chance(50):
            cond += f" and {self.cond(scope)}"
        body = Scope(scope.readable + (counter,), scope.writable, scope.helpers,
                     scope.loop_depth + 1)
        inner = indent + "    "
        if self.in_entry and self.features.merge_points and scope.loop_depth == 0:
            return ([f"{indent}{counter} = 0", f"{indent}while {cond}:",
                     f"{inner}hint(None, global_merge_point=True)", f"{inner}{counter} += 1"]
                    + self.block(body, depth - 1, inner)
                    + [f"{inner}hint(None, can_enter_jit=True)"])
        return ([f"{indent}{counter} = 0", f"{indent}while {cond}:",
                 f"{inner}{counter} += 1"] + self.block(body, depth - 1, inner))

    def stmt_return(self, scope, depth, indent):
        return [f"{indent}if {self.cond(scope)}:", f"{indent}    return {self.ret_expr(scope)}"]

    def stmt_fassign(self, scope, depth, indent):
        op = self.pick(["", "", "+", "-", "*"])
        return [f"{indent}{self.pick(self.floats)} {op}= {self.fexpr(scope)}"]

    def stmt_append(self, scope, depth, indent):
        return [f"{indent}{self.pick(self.lists)}.append({self.expr(scope, 1)})"]

    def stmt_setitem(self, scope, depth, indent):
        lst = self.pick(self.lists)
        line = f"{lst}[{self.index(lst, scope)}] = {self.expr(scope, 1)}"
        if self.chance(20):
            return [f"{indent}{line}"]
        return [f"{indent}if len({lst}) > 0:", f"{indent}    {line}"]

    def stmt_pop(self, scope, depth, indent):
        lst, target = self.pick(self.lists), self.pick(scope.writable)
        if self.chance(20):
            return [f"{indent}{target} = {lst}.pop()"]
        if self.chance(40):             # pop(i), i in range or not (IndexError)
            return [f"{indent}if len({lst}) > 0:",
                    f"{indent}    {target} += {lst}.pop({self.index(lst, scope)})"]
        return [f"{indent}if len({lst}) > 0:", f"{indent}    {target} += {lst}.pop()"]

    def stmt_setfield(self, scope, depth, indent):
        obj = self.pick(self.objects)
        if self.chance(50):
            return [f"{indent}{obj}.w = {self.fexpr(scope, 1)}"]
        return [f"{indent}{obj}.n {self.pick(['', '+', '^'])}= {self.expr(scope, 1)}"]

    def stmt_retuple(self, scope, depth, indent):
        """The nested tuple rebuilt from its items and new values."""
        t = self.pick(self.nests)
        a, b = self.expr(scope, 1), self.expr(scope, 1)
        shape = self.pick(["({a}, ({t}[1][1], {b}))", "({t}[1][0], {t}[1])",
                           "({a}, {t}[1])", "({b}, ({t}[0], {a}))"])
        return [f"{indent}{t} = {shape.format(a=a, b=b, t=t)}"]

    def stmt_unpack(self, scope, depth, indent):
        """`x, (y, z) = t` of the nested tuple, or `x, y = t[1]`."""
        t, names = self.pick(self.nests), scope.writable
        if self.chance(50):
            return [f"{indent}{self.pick(names)}, ({self.pick(names)}, {self.pick(names)}) "
                    f"= {t}"]
        return [f"{indent}{self.pick(names)}, {self.pick(names)} = {t}[1]"]

    def stmt_optional(self, scope, depth, indent):
        """The reference that may be None: set to an object or None."""
        q = self.pick(self.optionals)
        return [f"{indent}{q} = {self.pick(('None',) + self.objects)}"]

    def stmt_dict_set(self, scope, depth, indent):
        d = self.pick(self.dicts)
        if self.chance(15):
            return [f"{indent}if {self.dict_key(scope)} in {d}:",
                    f"{indent}    del {d}[{self.dict_key(scope)}]"]
        return [f"{indent}{d}[{self.dict_key(scope)}] = {self.expr(scope, 1)}"]

    def stmt_dict_update(self, scope, depth, indent):
        """pop (with a default, or without: KeyError as CPython's) or setdefault."""
        d, target = self.pick(self.dicts), self.pick(scope.writable)
        key, value = self.dict_key(scope), self.expr(scope, 0)
        call = self.pick([f"pop({key}, {value})", f"setdefault({key}, {value})",
                          f"pop({key})" if self.chance(20) else f"get({key}, {value})"])
        return [f"{indent}{target} += {d}.{call}"]

    def stmt_dict_for(self, scope, depth, indent):
        """A loop over the keys, the values or the items; its body does not
        add keys (a new key raises RuntimeError in every mode, drawn rarely)."""
        d, target = self.pick(self.dicts), self.pick(scope.writable)
        var = self.fresh("k")
        view = self.pick(["", ".keys()", ".values()"])
        inner = indent + "    "
        body = [f"{inner}{target} = {target} * 3 + {var}"]
        if self.chance(30):
            body.append(f"{inner}{d}[{var} % 5] = {self.expr(scope, 0)}")
        return [f"{indent}for {var} in {d}{view}:"] + body

    def stmt_raise(self, scope, depth, indent):
        cls = self.pick(["ValueError", "GuestError", "GuestStop"]) \
            if self.features.exceptions else "ValueError"
        return [f"{indent}if {self.cond(scope)}:",
                f'{indent}    raise {cls}("random program raised")']

    def stmt_try(self, scope, depth, indent):
        """try/except/else: what the body (and the helpers it calls) raise of
        the program's classes is caught; ValueError passes through."""
        inner = indent + "    "
        lines = [f"{indent}try:"] + self.block(scope, depth - 1, inner, 2)
        target = self.pick(scope.writable)
        if self.chance(60):
            lines += [f"{indent}except GuestStop as e:", f"{inner}{target} += len(str(e))"]
            if self.chance(20):
                lines += [f"{inner}if {self.cond(scope)}:",
                          f'{inner}    raise GuestError("translated") from e']
        clause = self.pick(["GuestError", "(GuestStop, GuestError)", "ZeroDivisionError",
                            "(ValueError, GuestError)", "Exception"])
        lines += [f"{indent}except {clause} as caught:"]
        lines += self.block(scope, depth - 1, inner, 2)
        if self.chance(25):                     # its class tested
            lines += [f"{inner}if isinstance(caught, (GuestStop, ZeroDivisionError)):",
                      f"{inner}    {target} += 3"]
        if self.chance(25):                     # raised again
            lines += [f"{inner}if {self.cond(scope)}:",
                      f"{inner}    {self.pick(['raise', 'raise caught'])}"]
        if self.chance(40):
            lines += [f"{indent}else:"] + self.block(scope, depth - 1, inner, 2)
        if self.chance(30):
            lines += [f"{indent}finally:"] + self.block(scope, depth - 1, inner, 2)
        return lines

    def stmt_break(self, scope, depth, indent):
        return [f"{indent}if {self.cond(scope)}:", f"{indent}    break"]

    def stmt_continue(self, scope, depth, indent):
        return [f"{indent}if {self.cond(scope)}:", f"{indent}    continue"]

    # -- functions ------------------------------------------------------------------

    def function(self, name: str, params: tuple, local_names: tuple, helpers: tuple,
                 depth: int, max_stmts: int, typed: tuple = ()) -> str:
        """`typed` are extra (name, type) parameters beyond the int ones."""
        self.floats = tuple(p for p, t in typed if t == "float")
        self.lists = tuple(p for p, t in typed if t == "list[int]")
        self.strings = tuple(p for p, t in typed if t == "str")
        self.pairs = tuple(p for p, t in typed if t == "tuple[int, int]")
        self.objects = ()
        self.optionals = ()
        self.nests = ()
        self.dicts = ()
        ret = "float" if self.returns_float else "int"
        signature = [p + ": int" for p in params] + [f"{p}: {t}" for p, t in typed]
        lines = [f"def {name}({', '.join(signature)}) -> {ret}:"]
        init_scope = Scope(params, params, helpers)
        for local in local_names:
            lines.append(f"    {local} = {self.expr(init_scope, 1)}")
        lines += self.typed_locals(init_scope)
        names = params + local_names
        scope = Scope(names, names, helpers)
        lines += self.block(scope, depth, "    ", max_stmts)
        if self.in_entry and self.features.merge_points:
            lines += self.stmt_while(scope, depth, "    ")
        lines.append(f"    return {self.ret_expr(scope)}")
        return "\n".join(lines) + "\n"

    def typed_locals(self, scope: Scope) -> list:
        """Locals of the Features kinds, initialised at the top of the function."""
        lines = []
        if self.features.classes and self.chance(70):
            made = self.pick([f"Acc({self.expr(scope, 1)})", f"Acc2({self.expr(scope, 1)})",
                              f"Acc({self.expr(scope, 0)}) if {self.cond(scope, 0)} else "
                              f"Acc2({self.expr(scope, 0)})"])
            lines.append(f"    o = {made}")
            self.objects += ("o",)
            if self.chance(60):
                lines.append(f"    oq: Acc | None = {self.pick(['None', 'o'])}")
                self.optionals += ("oq",)
        if self.features.floats and self.chance(60):
            lines.append(f"    u = {self.fexpr(scope, 1)}")
            self.floats += ("u",)
        if self.features.lists and self.chance(50):
            lines.append(f"    m = [{self.expr(scope, 0)}] * ({self.expr(scope, 0)} % 4)")
            self.lists += ("m",)
        if self.features.tuples and self.chance(50):
            lines.append(f"    tp = ({self.expr(scope, 1)}, ({self.expr(scope, 0)}, "
                         f"{self.expr(scope, 1)}))")
            self.nests += ("tp",)
        if self.features.dicts and self.chance(50):
            items = ", ".join(f"{k}: {self.expr(scope, 0)}"
                              for k in range(self.draw(st.integers(0, 3))))
            lines.append(f"    dm: dict[int, int] = {{{items}}}")
            self.dicts += ("dm",)
        return lines

    def method_body(self) -> str:
        scope = Scope(("k", "self.n"), ("k", "self.n"), ())
        lines = self.block(scope, 1, "        ", 2) + [f"        return {self.expr(scope)}"]
        return "\n".join(lines)

    def typed_params(self) -> tuple:
        """The entry's extra parameters: (name, type, strategy) triples."""
        result = []
        for flag, name, type_, args in ((self.features.floats, "w", "float", FLOAT_ARGS),
                                        (self.features.lists, "lst", "list[int]", LIST_ARGS),
                                        (self.features.strings, "s", "str", STR_ARGS),
                                        (self.features.tuples, "pr", "tuple[int, int]",
                                         PAIR_ARGS)):
            if flag and self.chance(50):
                result.append((name, type_, args))
        return tuple(result)


@st.composite
def programs(draw, max_helpers: int = 2, allow_raise: bool = True,
             allow_promote: bool = False, features: Features = Features()) -> Program:
    """A random module: helpers `h1`, `h2`, ... (each may call the earlier
    ones) and the entry function `f`, which may call them all.  With
    `allow_promote`, some assignments promote their value; `features` adds
    floats, lists, strings and a class (helpers keep int parameters and
    results, with float, list and object locals)."""
    d = _Drawer(draw, allow_raise, allow_promote, features)
    helpers: tuple = ()
    parts = [HEADER]
    if features.exceptions:
        parts.append(EXCEPTION_SOURCE)
    if features.classes:
        parts.append(CLASS_SOURCE.format(body=d.method_body(), body2=d.method_body()))
    for k in range(draw(st.integers(0, max_helpers))):
        name, arity = f"h{k + 1}", draw(st.integers(1, 3))
        params = ("p", "q", "r")[:arity]
        source = d.function(name, params, (), helpers, depth=1, max_stmts=2)
        if features.exceptions and d.chance(25):       # a call left residual (in a try too)
            source = "@dont_look_inside\n" + source
        parts.append(source + "\n\n")
        helpers += ((name, arity),)
    params = ("x", "y", "z")[:draw(st.integers(1, 3))]
    locals_ = ("a", "b")[:draw(st.integers(0, 2))]
    typed = d.typed_params()
    d.returns_float = features.floats and d.chance(30)
    d.in_entry = True
    parts.append(d.function("f", params, locals_, helpers, depth=2, max_stmts=3,
                            typed=tuple((n, t) for n, t, _ in typed)))
    strategies = [INT_ARGS] * len(params) + [a for _, _, a in typed]
    return Program("".join(parts), "f", params + tuple(n for n, _, _ in typed),
                   st.tuples(*strategies),
                   ("int",) * len(params) + tuple(t for _, t, _ in typed))


# -- loading and the 64-bit oracle ----------------------------------------------

_DIR = Path(tempfile.mkdtemp(prefix="timeshift_programs_"))


def program_path(program: Program) -> Path:
    path = _DIR / f"prog_{program.key}.py"
    if not path.exists():
        path.write_text(program.source)
    return path


def load(program: Program):
    """Import the program from a real file (so `inspect.getsource` works);
    returns the module."""
    path = program_path(program)
    modname = path.stem
    if modname in sys.modules:
        return sys.modules[modname]
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    return module


def wrap(value: int) -> int:
    """Reduce to a signed 64-bit integer (two's complement).  Deliberately
    not `flowgraph.operations.wrap`: the oracle shares no code with the
    implementation it checks."""
    return ((value + 2**63) & (2**64 - 1)) - 2**63


class _Wrap64(ast.NodeTransformer):
    """Rewrites `a + b` as `_w(a + b)` for every operation that can leave 64
    bits (+ - * // unary - abs), `a << b` as `_shl(a, b)`, and `x op= e` as
    `x = x op e` first.  (`_w` leaves values other than ints alone.)"""

    WRAPPED = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)

    def visit_AugAssign(self, node):
        load = copy.deepcopy(node.target)       # a name, attribute or item
        load.ctx = ast.Load()
        assign = ast.Assign([node.target], ast.BinOp(load, node.op, node.value))
        return self.visit(ast.copy_location(assign, node))

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.LShift):
            return _call("_shl", node.left, node.right)
        if isinstance(node.op, self.WRAPPED):
            return _call("_w", node)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return _call("_w", node) if isinstance(node.op, ast.USub) else node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in ("abs", "sum", "round"):
            return _call("_w", node)        # (a sum wrapped at each step wraps as a whole)
        return node


def _call(name: str, *args) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


def oracle_namespace(source: str, filename: str = "<oracle>") -> dict:
    """Executes `source` rewritten for 64-bit semantics; returns its globals."""
    tree = ast.fix_missing_locations(_Wrap64().visit(ast.parse(source)))
    namespace: dict = {"__name__": "timeshift_oracle", "_wraps": 0}

    def _w(value):
        if type(value) is not int:        # floats, strings and lists pass through
            return value
        wrapped = wrap(value)
        if wrapped != value:
            namespace["_wraps"] += 1
        return wrapped

    def _shl(a: int, b: int) -> int:
        if b < 0:
            raise ValueError("negative shift count")
        return _w(a << min(b, 64))        # any count >= 64 wraps to 0 alike

    namespace.update(_w=_w, _shl=_shl)
    exec(compile(tree, filename, "exec"), namespace)
    return namespace


def oracle(program: Program):
    """The entry function under CPython with 64-bit wrap-around; its globals
    (with the wrap counter `_wraps`) are `oracle(program).__globals__`.
    The program's exception classes are those of the loaded module (`load`),
    so that an exception the oracle raises is of the class the compiled
    code raises."""
    namespace = oracle_namespace(program.source)
    if "GuestError" in namespace:
        module = load(program)
        namespace.update(GuestError=module.GuestError, GuestStop=module.GuestStop)
    return namespace[program.name]

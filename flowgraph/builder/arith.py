"""Arithmetic, bitwise, comparison and truth-value rules of the builder.

Python's numeric tower restricted to bool < int < float: an operation on two
numbers works in the wider of the two kinds, converting the other operand
with an explicit cast (`True + 1` is `int_add(cast_bool_to_int(True), 1)`;
`1 + 2.5` is `float_add(cast_int_to_float(1), 2.5)`); `/` of two ints is
`int_truediv` (correctly rounded, as CPython), otherwise it works on floats.
`&`, `|`, `^` of two bools give a bool, as in Python: the int operation
followed by `int_is_true`.  Comparisons follow the same widening, except that
an int compares with a float exactly, never cast (`int_float_lt(i, f)`, the
int first); characters compare with `char_*` (a one-character literal becomes
a Char constant); two strings only compare for (in)equality.

Truth values: `int_is_true`, `float_is_true`, a string or list is true when
its length is not zero; a character and an instance are always true.  The
only folding done here is on casts and truth tests of constants.
"""

from __future__ import annotations

import ast

from flowgraph.lltypes import (Bool, Char, Class, Float, ListType, Signed, Str, StructType,
                               TupleType, Void, common_base)
from flowgraph.model import Constant
from flowgraph.operations import fold_op, result_type, source_ops
from flowgraph.builder.typeinfer import (NUMERIC_RANK, convert_constant, is_flexible_char,
                                         is_none, type_name)
from flowgraph.builder.unsupported import describe

_INT_OPS = source_ops("int_")          # {ast.Add: "int_add", ...}: the table's `source`
_FLOAT_OPS = source_ops("float_")
_BITWISE = (ast.BitAnd, ast.BitOr, ast.BitXor)
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
           ast.LShift: "<<", ast.RShift: ">>", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==",
           ast.NotEq: "!=", ast.Gt: ">", ast.GtE: ">=", ast.USub: "-", ast.UAdd: "+",
           ast.Invert: "~", ast.Not: "not", ast.Pow: "**"}
_SWAPPED = {"lt": "gt", "le": "ge", "eq": "eq", "ne": "ne", "gt": "lt", "ge": "le"}
_CMP = {ast.Lt: "lt", ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne", ast.Gt: "gt",
        ast.GtE: "ge"}


def common_numeric(t1, t2):
    """The wider of two numeric types, or None if either is not numeric."""
    if t1 not in NUMERIC_RANK or t2 not in NUMERIC_RANK:
        return None
    return t1 if NUMERIC_RANK[t1] >= NUMERIC_RANK[t2] else t2


class ArithBuilder:
    """Operator rules (a mixin of the function builder: needs `emit`, `error`)."""

    def cast(self, opname: str, value):
        if isinstance(value, Constant):
            return Constant(fold_op(opname, [value.value]), result_type(opname, [value]))
        return self.emit(opname, [value])

    def to_int(self, value):
        """A Bool as a Signed (Python's `True == 1`); other values unchanged."""
        if value.concretetype is Bool:
            return self.cast("cast_bool_to_int", value)
        return value

    def to_float(self, value):
        t = value.concretetype
        if t is Signed:
            return self.cast("cast_int_to_float", value)
        if t is Bool:
            return self.cast("cast_bool_to_float", value)
        return value

    def arith(self, op: ast.operator, v1, v2, node: ast.AST):
        """`v1 op v2` for a binary arithmetic or bitwise operator."""
        if isinstance(op, ast.Pow):
            return self.power(v1, v2, node)
        if type(op) not in SYMBOLS:
            raise self.error(describe(op), node)
        kind = common_numeric(v1.concretetype, v2.concretetype)
        if kind is None:
            value = self.string_arith(op, v1, v2)
            if value is None:
                value = self.list_concat(op, v1, v2, node)
            if value is not None:
                return value
            raise self.error(self._operands_message(op, v1, v2), node)
        if kind is Bool and isinstance(op, _BITWISE):
            v_int = self.emit(_INT_OPS[type(op)], [self.to_int(v1), self.to_int(v2)])
            return self.emit("int_is_true", [v_int])
        if kind is not Float and isinstance(op, ast.Div):     # correctly rounded
            return self.emit("int_truediv", [self.to_int(v1), self.to_int(v2)])
        if kind is Float or isinstance(op, ast.Div):
            opname = _FLOAT_OPS.get(type(op))
            if opname is None:
                raise self.error(f"operator {SYMBOLS[type(op)]} on a float is not supported",
                                 node)
            return self.emit(opname, [self.to_float(v1), self.to_float(v2)])
        return self.emit(_INT_OPS[type(op)], [self.to_int(v1), self.to_int(v2)])

    def power(self, base, exponent, node: ast.AST):
        """`x ** n` of an int (or bool) and a constant int n >= 0: multiplications
        by squaring (wrapping as every int product does: the product of the
        wrapped factors is the true power modulo 2**64).  A negative or
        run-time exponent would give CPython's float or int by value, and a
        float power CPython's libm pow: not supported."""
        if base.concretetype in (Signed, Bool) and isinstance(exponent, Constant) \
                and exponent.concretetype in (Signed, Bool) and exponent.value >= 0:
            n, factor, result = int(exponent.value), self.to_int(base), None
            while n:
                if n & 1:
                    result = factor if result is None else self.emit("int_mul", [result, factor])
                n >>= 1
                if n:
                    factor = self.emit("int_mul", [factor, factor])
            return Constant(1, Signed) if result is None else result
        raise self.error(f"** of {type_name(base.concretetype)} and "
                         f"{type_name(exponent.concretetype)} is not supported; ** raises an "
                         "int to a constant int >= 0 (x ** 3); else multiply in a loop", node)

    def string_arith(self, op: ast.operator, v1, v2):
        """`s + t` (a character is a one-character string there) and `s * n`
        or `n * s` (s a string or a character, n an int or bool): a Str value,
        or None for other operands."""
        t1, t2 = v1.concretetype, v2.concretetype
        if isinstance(op, ast.Add) and Str in (t1, t2) and {t1, t2} <= {Str, Char}:
            return self.emit("str_concat", [self.to_str(v1), self.to_str(v2)])
        if isinstance(op, ast.Mult) and {t1, t2} in ({Str, Signed}, {Str, Bool},
                                                     {Char, Signed}, {Char, Bool}):
            s, n = (v1, v2) if t1 in (Str, Char) else (v2, v1)
            return self.emit("str_mul", [self.to_str(s), self.to_int(n)])
        return None

    def list_concat(self, op: ast.operator, v1, v2, node: ast.AST):
        """`xs + ys` of two lists of the same item type: a new list (None for
        other operands)."""
        t1, t2 = v1.concretetype, v2.concretetype
        if not (isinstance(op, ast.Add) and isinstance(t1, ListType) and isinstance(t2, ListType)):
            return None
        if t1 != t2:
            raise self.error(f"operator + on {type_name(t1)} and {type_name(t2)} is not "
                             f"supported: both lists must have the same item type", node)
        return self.emit("list_concat", [v1, v2])

    def augmented(self, op: ast.operator, old, rhs, node: ast.AugAssign):
        """`old op= rhs`: as `old op rhs`, except that CPython changes a list in
        place: `xs += ys` extends xs (the same list is stored back); `xs *= n`
        is not supported."""
        if isinstance(old.concretetype, ListType):
            if not isinstance(op, ast.Add):
                raise self.error(f"augmented assignment {SYMBOLS[type(op)]}= on a list "
                                 f"changes it in place, which is not supported; write "
                                 f"'xs = xs {SYMBOLS[type(op)]} n' for a new list", node)
            key = self.hold(old)
            self.list_prelude_method(old, node.target, "extend", rhs, node)
            return self.release(key)
        return self.arith(op, old, rhs, node)

    def text_of(self, value, node: ast.AST, what: str):
        """str(value): CPython's text of an int, a float, a bool, a character
        (a str unchanged)."""
        t = value.concretetype
        if t is Str:
            return value
        prefix = {Signed: "int", Float: "float", Bool: "bool", Char: "char"}.get(t)
        if prefix is None:
            raise self.error(f"{what} of {type_name(t)} is not supported; it gives the text "
                             f"of an int, a float, a bool or a character", node)
        return self.emit(f"cast_{prefix}_to_str", [value])

    def concat(self, parts: list):
        """The Str of `parts` (Strs) one after the other: adjacent constants
        joined here, the rest by `str_concat`."""
        merged = []
        for part in parts:
            if merged and isinstance(part, Constant) and isinstance(merged[-1], Constant):
                merged[-1] = Constant(merged[-1].value + part.value, Str)
            else:
                merged.append(part)
        if not merged:
            return Constant("", Str)
        text = merged[0]
        for part in merged[1:]:
            text = self.emit("str_concat", [text, part])
        return text

    def to_str(self, value):
        """A Char as a one-character Str; a Str unchanged."""
        if value.concretetype is Char:
            return self.cast("cast_char_to_str", value)
        return value

    def _operands_message(self, op, v1, v2) -> str:
        t1, t2 = v1.concretetype, v2.concretetype
        text = (f"operator {SYMBOLS[type(op)]} on {type_name(t1)} and {type_name(t2)} "
                "is not supported")
        if isinstance(op, (ast.Add, ast.Mult)) and Str in (t1, t2):
            text += "; a string concatenates with a string or character, repeats by an int"
        if isinstance(op, (ast.Add, ast.Mult)) and isinstance(t1, ListType):
            text += "; build lists with [x] * n and append"
        return text

    def unary(self, op: ast.unaryop, value, node: ast.AST):
        if isinstance(op, ast.Not):
            return self.emit("bool_not", [self.truth(value, node)])
        t = value.concretetype
        if t not in NUMERIC_RANK or (t is Float and isinstance(op, ast.Invert)):
            raise self.error(f"unary {SYMBOLS[type(op)]} on {type_name(t)} is not supported",
                             node)
        if isinstance(op, ast.UAdd):
            return self.to_int(value)
        if t is Float:
            return self.emit("float_neg", [value])
        opname = "int_neg" if isinstance(op, ast.USub) else "int_invert"
        return self.emit(opname, [self.to_int(value)])

    def compare(self, op: ast.cmpop, v1, v2, node: ast.AST):
        """`v1 op v2` for one comparison operator; a Bool value."""
        if isinstance(op, (ast.Is, ast.IsNot)):
            same = self.identity(v1, v2, node)
            return same if isinstance(op, ast.Is) else self.emit("bool_not", [same])
        if type(op) not in _CMP:
            raise self.error(describe(op), node)
        suffix = _CMP[type(op)]
        t1, t2 = v1.concretetype, v2.concretetype
        if isinstance(t1, TupleType) and isinstance(t2, TupleType) and suffix in ("eq", "ne"):
            same = self.tuples_equal(v1, v2, node)
            return same if suffix == "eq" else self.emit("bool_not", [same])
        kind = common_numeric(t1, t2)
        if kind is Float and Signed in (t1, t2):
            return self.mixed_compare(suffix, v1, v2)
        if kind is Float:
            return self.emit("float_" + suffix, [self.to_float(v1), self.to_float(v2)])
        if kind is not None:
            return self.emit("int_" + suffix, [self.to_int(v1), self.to_int(v2)])
        if Char in (t1, t2) or (is_flexible_char(v1) and is_flexible_char(v2)):
            c1, c2 = convert_constant(v1, Char), convert_constant(v2, Char)
            if c1 is not None and c2 is not None:
                return self.emit("char_" + suffix, [c1, c2])
        if t1 is Str and t2 is Str and suffix in ("eq", "ne"):
            v_eq = self.emit("str_eq", [v1, v2])
            return v_eq if suffix == "eq" else self.emit("bool_not", [v_eq])
        raise self.error(self._compare_message(op, t1, t2), node)

    def mixed_compare(self, suffix: str, v1, v2):
        """An int against a float, exactly as CPython (`int_float_*`, the int
        first); a bool on the float side is a float."""
        if v1.concretetype is Signed:
            return self.emit("int_float_" + suffix, [v1, self.to_float(v2)])
        return self.emit("int_float_" + _SWAPPED[suffix], [v2, self.to_float(v1)])

    def _compare_message(self, op, t1, t2) -> str:
        text = (f"comparison {SYMBOLS[type(op)]} of {type_name(t1)} and {type_name(t2)} "
                "is not supported")
        if Char in (t1, t2):
            text += "; compare a character with a character or a one-character literal"
        elif t1 is Str and t2 is Str:
            text += "; strings only compare with == and !="
        return text

    def tuples_equal(self, v1, v2, node: ast.AST):
        """`t == u`: the same length and every item equal (all compared: the
        items' comparisons have no effect)."""
        n1, n2 = len(v1.concretetype.items), len(v2.concretetype.items)
        if n1 != n2:
            return Constant(False, Bool)
        result = Constant(True, Bool)
        for i in range(n1):
            a, b = (self.emit("tuple_getitem", [v, Constant(i, Signed)]) for v in (v1, v2))
            same = self.to_int(self.compare(ast.Eq(), a, b, node))
            result = same if i == 0 else self.emit("int_and", [result, same])
        return result if n1 == 0 else self.emit("int_is_true", [result])

    def identity(self, v1, v2, node: ast.AST):
        """`v1 is v2` of references to instances of one class, or None."""
        if is_none(v1) and is_none(v2):
            return Constant(True, Bool)
        if Class in (v1.concretetype, v2.concretetype):
            return self.class_identity(v1, v2, node)
        t = v1.concretetype if isinstance(v1.concretetype, StructType) else v2.concretetype
        if isinstance(v1.concretetype, StructType) and isinstance(v2.concretetype, StructType):
            t = common_base(v1.concretetype, v2.concretetype) or t
        a, b = (convert_constant(v, t) if isinstance(t, StructType) else None for v in (v1, v2))
        if a is None or b is None:
            raise self.error(f"'is' between {type_name(v1.concretetype)} and "
                             f"{type_name(v2.concretetype)} is not supported; 'is' compares "
                             "instances of one class, or with None (use == for values)", node)
        return self.emit("ptr_eq", [a, b])

    def class_identity(self, v1, v2, node: ast.AST):
        """`type(o) is C`: a class value against a class of the program."""
        if isinstance(v1, Constant) and isinstance(v2, Constant):
            return Constant(v1.value is v2.value, Bool)
        k, c = (v1, v2) if isinstance(v2, Constant) else (v2, v1)
        if not (k.concretetype is Class and isinstance(c, Constant) and c.concretetype is Class):
            raise self.error("'is' of a class compares it with a class named in the program: "
                             "type(o) is C", node)
        return self.emit("class_is", [k, Constant(c.value, Void)])

    def none_check(self, obj, attr: str, node: ast.AST):
        """`obj` after raising CPython's AttributeError where it is None (a
        method looked up on None); a known instance needs no test."""
        if isinstance(obj, Constant) and obj.value is not None or obj in self.not_none or any(
                op.result is obj and op.opname == "malloc" for op in self.block.operations):
            return obj                      # (an instance made just here, or a class test's)
        key = self.hold(obj)
        falses, trues = self.exit_switch(
            self.emit("ptr_eq", [obj, Constant(None, obj.concretetype)]))
        self.enter(trues)
        if self.block is not None:
            self.exit_to(self.graph.exceptblock, [
                Constant(AttributeError, Class),
                Constant(f"'NoneType' object has no attribute '{attr}'", Str)])
        self.enter(falses)
        return self.release(key) if self.block is not None else obj

    def truth(self, value, node: ast.AST):
        """The truth value of `value` as a Bool (Python's `bool(value)`)."""
        t = value.concretetype
        if t is Bool:
            return value
        if isinstance(value, Constant) and t in (Signed, Float, Str, Void):
            return Constant(bool(value.value), Bool)
        if t in (Signed, Float):
            return self.emit("int_is_true" if t is Signed else "float_is_true", [value])
        if t is Str or isinstance(t, ListType):
            v_len = self.emit("str_len" if t is Str else "list_len", [value])
            return self.emit("int_is_true", [v_len])
        if t is Char:
            return Constant(True, Bool)
        if isinstance(t, StructType):
            if any(hasattr(t.pyclass, m) for m in ("__bool__", "__len__")):
                raise self.error(f"truth value of a {t.name} (which defines __bool__ or "
                                 "__len__) is not supported; test what it means explicitly",
                                 node)
            return self.emit("bool_not", [self.emit("ptr_eq", [value, Constant(None, t)])])
        if t is Void:
            return Constant(False, Bool)
        raise self.error(f"truth value of {type_name(t)} is not supported", node)

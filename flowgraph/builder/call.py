"""Calls: builtins, hints, module-level functions, classes, methods, lists.

The callee of `f(...)` is found by name in the caller's scope (closure,
module globals, builtins) and decides the translation:

    hint(x, promote=True)   hint(v_x, Constant("promote", Void)); flags sorted,
                            comma-joined (any function with `_ts_hint_`)
    len ord chr abs min max int float bool
                            the operations of the table (`str_len`, `int_min`,
                            `cast_int_to_char`, ...)
    f(a, k=b)               direct_call(Constant(graph_of_f, Void), a, b, <defaults>)
    C(a)                    malloc(Constant(C_struct, Void)), setfield of class-level
                            defaults, direct_call(graph_of___init__, s, a); value s
    obj.m(a)                direct_call(graph_of_m, obj, a)
    xs.append(x), xs.pop()  list_append, list_pop

Arguments are evaluated in source order and must have exactly the
parameter's type (CPython would not convert them either).
"""

from __future__ import annotations

import ast
import builtins
import re
import types

from flowgraph.lltypes import (Bool, Char, Class, DictType, Float, ListType, Signed, Str,
                               StructType, TupleType, Void, is_subtype)
from flowgraph.model import Constant
from flowgraph.operations import OPS
from flowgraph.builder import prelude
from flowgraph.builder.blockstate import class_key, class_of_local
from flowgraph.builder.signatures import (class_attribute, is_program_class,
                                          overriding_classes)
from flowgraph.builder.typeinfer import UNKNOWN, convert_constant, is_pending, type_name
from flowgraph.builder.unsupported import describe

_ITEM_NAMES = {Signed: "int", Float: "float", Bool: "bool"}
_PRELUDE_ITEMS = {**_ITEM_NAMES, Str: "str"}


def _str_methods() -> dict:
    """(receiver type, method name) -> {arity: row}: the rows of the operation
    table whose `py` template calls a method of a str (or a character)."""
    table: dict = {}
    for desc in OPS.values():
        m = re.match(r"\{0\}\.(\w+)\(", desc.py or "")
        if m and desc.args and desc.args[0] in (Str, Char):
            table.setdefault((desc.args[0], m.group(1)), {})[desc.arity] = desc
    return table


STR_METHODS = _str_methods()

_BUILTINS = {len: "call_len", ord: "call_ord", chr: "call_chr", abs: "call_abs",
             min: "call_minmax", max: "call_minmax", int: "call_int", float: "call_float",
             bool: "call_bool", hash: "call_hash", isinstance: "call_isinstance",
             type: "call_type", str: "call_str", print: "call_print", sum: "call_over_list",
             any: "call_over_list", all: "call_over_list", divmod: "call_divmod",
             sorted: "call_sorted", round: "call_round"}
_ADVICE = {
    "range": "range() is only supported as the iterable of a for loop",
    "list": "build lists with [x] * n, literals and append",
    "enumerate": "enumerate() is only supported as the iterable of a for loop: 'for i, x "
                 "in enumerate(xs):'",
    "pow": "multiply in a loop (or x ** n for a constant n >= 0)",
}


class CallBuilder:
    """Call handlers (a mixin of the function builder)."""

    def expr_Call(self, node: ast.Call, expected):
        func = node.func
        if isinstance(func, ast.Attribute):
            return self.call_method(node)
        if isinstance(func, ast.Subscript) and isinstance(func.value, ast.Name) \
                and func.value.id not in self.local_names:
            table = self.lookup(func.value.id, func.value)
            if _is_function_table(table):
                return self.call_table(table, node)
        if not isinstance(func, ast.Name):
            raise self.error(f"call of '{ast.unparse(func)}' is not supported; call "
                             "module-level functions by name", node)
        if func.id in self.local_names:
            raise self.error(f"calling the local variable '{func.id}' is not supported; call "
                             "module-level functions by name", node)
        return self.call_object(self.lookup(func.id, func), func.id, node)

    def call_object(self, obj, name: str, node: ast.Call):
        if getattr(obj, "_ts_hint_", False):
            return self.call_hint(node)
        handler = _BUILTINS.get(obj) if _hashable(obj) else None
        if handler is not None:
            return getattr(self, handler)(node, name)
        if isinstance(obj, types.FunctionType):
            return self.call_function(obj, node)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            raise self.error(f"exception class '{name}' can only be raised: "
                             f"raise {name}(\"...\")", node)
        if isinstance(obj, type) and obj.__module__ != "builtins":
            return self.call_class(obj, node)
        if getattr(builtins, name, None) is obj:
            advice = _ADVICE.get(name, "see the supported subset in DESIGN section 4")
            raise self.error(f"builtin '{name}()' is not supported; {advice}", node)
        raise self.error(f"call of '{name}' ({type(obj).__name__}) is not supported", node)

    # -- builtins ----------------------------------------------------------------------

    def builtin_args(self, node: ast.Call, name: str, counts: tuple) -> list:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(f"{name}() takes positional arguments only", node)
        if len(node.args) not in counts:
            want = " or ".join(map(str, counts)) if len(counts) < 4 else f"{counts[0]} or more"
            raise self.error(f"{name}() takes {want} arguments here, got {len(node.args)}",
                             node)
        return self.exprs(node.args)

    def call_len(self, node: ast.Call, name: str):
        (value,) = self.builtin_args(node, name, (1,))
        t = value.concretetype
        if t is Str or isinstance(t, ListType):
            return self.emit("str_len" if t is Str else "list_len", [value])
        if t is Char:
            return Constant(1, Signed)
        if isinstance(t, TupleType):
            return Constant(len(t.items), Signed)
        if isinstance(t, DictType):
            return self.emit("dict_len", [value])
        raise self.error(f"len() of {type_name(t)} is not supported", node)

    def call_ord(self, node: ast.Call, name: str):
        (value,) = self.builtin_args(node, name, (1,))
        char = convert_constant(value, Char)
        if char is None:
            raise self.error(f"ord() of {type_name(value.concretetype)} is not supported; "
                             "index the string: ord(s[i])", node)
        return self.cast("cast_char_to_int", char)

    def call_chr(self, node: ast.Call, name: str):
        (value,) = self.builtin_args(node, name, (1,))
        if value.concretetype not in (Signed, Bool):
            raise self.error(f"chr() of {type_name(value.concretetype)} is not supported",
                             node)
        return self.emit("cast_int_to_char", [self.to_int(value)])

    def call_abs(self, node: ast.Call, name: str):
        (value,) = self.builtin_args(node, name, (1,))
        t = value.concretetype
        if t is Bool:
            return self.to_int(value)
        if t not in (Signed, Float):
            raise self.error(f"abs() of {type_name(t)} is not supported", node)
        return self.emit("int_abs" if t is Signed else "float_abs", [value])

    def call_minmax(self, node: ast.Call, name: str):
        """min/max of 2+ numbers of one type, folded pairwise left to right
        (which keeps CPython's choice of the first extreme argument)."""
        if len(node.args) == 1:
            return self.call_over_list(node, name)
        values = self.builtin_args(node, name, tuple(range(2, 2 + len(node.args))))
        kinds = {v.concretetype for v in values}
        t = kinds.pop() if len(kinds) == 1 else None
        if t not in (Signed, Float, Bool):
            names = " and ".join(dict.fromkeys(type_name(v.concretetype) for v in values))
            raise self.error(f"{name}() of {names} is not supported; the arguments must be "
                             "all int, all float or all bool (convert with float())", node)
        opname = ("float_" if t is Float else "int_") + name
        result = self.to_int(values[0])
        for value in values[1:]:
            result = self.emit(opname, [result, self.to_int(value)])
        return self.emit("int_is_true", [result]) if t is Bool else result

    def call_over_list(self, node: ast.Call, name: str):
        """`sum(xs)`, `min(xs)`, `max(xs)`, `any(xs)`, `all(xs)` of a list: a
        call of the prelude's function for its item type (prelude.py)."""
        if len(node.args) != 1 or node.keywords:
            raise self.error(f"{name}() takes one list here", node)
        value = self.expr(node.args[0])
        t = value.concretetype
        item = t.item if isinstance(t, ListType) else None
        func = getattr(prelude, f"{name}_{_ITEM_NAMES.get(item)}", None)
        if func is None:
            kinds = sorted(k.split("_")[1] for k in vars(prelude) if k.startswith(name + "_"))
            raise self.error(f"{name}() of {type_name(t)} is not supported; {name}() takes a "
                             f"list of {' or '.join(kinds)} (or write the loop)", node)
        sig = self.ctx.signature(func, None, self.place(node))
        return self.direct_call(func, sig, [value], node, None)

    def call_sorted(self, node: ast.Call, name: str):
        """sorted(xs) (and `reverse=` a constant) of a list of ints: a new list,
        made by the prelude's merge sort (prelude.py)."""
        reverse = self.sort_reverse(node)
        if len(node.args) != 1 or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error("sorted() takes one list here", node)
        value = self.expr(node.args[0])
        result = self.sort_call("sorted", value, node)
        if reverse:
            self.emit("list_reverse", [result])
        return result

    def sort_reverse(self, node: ast.Call) -> bool:
        """The constant `reverse=` of sorted() or sort() (no `key=`)."""
        reverse = False
        for keyword in node.keywords:
            if keyword.arg != "reverse" or not isinstance(keyword.value, ast.Constant) \
                    or not isinstance(keyword.value.value, bool):
                raise self.error("sorting takes only a constant reverse=True or False here "
                                 "(no key=); sort a list of ints", node)
            reverse = keyword.value.value
        return reverse

    def sort_call(self, kind: str, value, node: ast.Call):
        t = value.concretetype
        if not (isinstance(t, ListType) and t.item is Signed):
            raise self.error(f"{'sorted()' if kind == 'sorted' else 'sort()'} of "
                             f"{type_name(t)} is not supported; it sorts a list of ints",
                             node)
        func = prelude.sorted_int if kind == "sorted" else prelude.sort_int
        sig = self.ctx.signature(func, None, self.place(node))
        return self.direct_call(func, sig, [value], node, None)

    def call_divmod(self, node: ast.Call, name: str):
        """divmod(a, b) of ints (or bools): the tuple (a // b, a % b), whose
        ZeroDivisionError is divmod's own; with a float, the prelude's
        divmod_float (CPython's float divmod has a message of its own)."""
        a, b = self.builtin_args(node, name, (2,))
        for value in (a, b):
            if value.concretetype not in (Signed, Bool, Float):
                raise self.error(f"divmod() of {type_name(value.concretetype)} is not "
                                 "supported (ints and floats only); use // and %", node)
        if Float in (a.concretetype, b.concretetype):
            key = self.hold(self.to_float(a))
            b = self.to_float(b)
            sig = self.ctx.signature(prelude.divmod_float, None, self.place(node))
            return self.direct_call(prelude.divmod_float, sig, [self.release(key), b], node,
                                    None)
        keys = [self.hold(a), self.hold(b)]
        quotient = self.arith(ast.FloorDiv(), self.env[keys[0]], self.env[keys[1]], node)
        quotient_key = self.hold(quotient)
        b, a = self.release(keys[1]), self.release(keys[0])
        remainder = self.arith(ast.Mod(), a, b, node)
        quotient = self.release(quotient_key)
        return self.emit("newtuple", [Constant(TupleType((Signed, Signed)), Void), quotient,
                                      remainder])

    def call_round(self, node: ast.Call, name: str):
        """round(x): an int or a bool is itself (as an int); a float rounds to
        the nearest int, ties to even (the prelude's round_float).  Not
        round(x, n), which CPython computes in decimal."""
        if len(node.args) == 2 and not (isinstance(node.args[1], ast.Constant)
                                        and node.args[1].value is None):
            raise self.error("round(x, ndigits) is not supported; round(x) rounds to an int "
                             "(scale first: round(x * 100) / 100)", node)
        value = self.builtin_args(node, name, (1, 2))[0]
        t = value.concretetype
        if t in (Signed, Bool):
            return self.to_int(value)
        if t is not Float:
            raise self.error(f"round() of {type_name(t)} is not supported", node)
        sig = self.ctx.signature(prelude.round_float, None, self.place(node))
        return self.direct_call(prelude.round_float, sig, [value], node, None)

    def call_int(self, node: ast.Call, name: str):
        values = self.builtin_args(node, name, (0, 1))
        if not values:
            return Constant(0, Signed)
        t = values[0].concretetype
        if t is Float:
            return self.emit("cast_float_to_int", values)
        if t in (Signed, Bool):
            return self.to_int(values[0])
        if t in (Str, Char):
            return self.emit("str_to_int", [self.to_str(values[0])])
        raise self.error(f"int() of {type_name(t)} is not supported", node)

    def call_hash(self, node: ast.Call, name: str):
        """hash(s) of a str or character: CPython's own string hash (salted
        per process, as in CPython: a value to compare within one run)."""
        value = self.builtin_args(node, name, (1,))[0]
        if value.concretetype not in (Str, Char):
            raise self.error(f"hash() of {type_name(value.concretetype)} is not supported "
                             "(strings only)", node)
        return self.emit("str_hash", [self.to_str(value)])

    def call_float(self, node: ast.Call, name: str):
        values = self.builtin_args(node, name, (0, 1))
        if not values:
            return Constant(0.0, Float)
        if values[0].concretetype not in (Signed, Bool, Float):
            raise self.error(f"float() of {type_name(values[0].concretetype)} is not "
                             "supported", node)
        return self.to_float(values[0])

    def call_bool(self, node: ast.Call, name: str):
        values = self.builtin_args(node, name, (0, 1))
        return self.truth(values[0], node) if values else Constant(False, Bool)

    def call_hint(self, node: ast.Call):
        """hint(x, flag=True, ...) -> hint(v_x, Constant("flag,...", Void))."""
        if len(node.args) != 1 or any(kw.arg is None for kw in node.keywords):
            raise self.error("hint() takes one value and keyword flags: "
                             "hint(x, concrete=True)", node)
        flags = []
        for kw in node.keywords:
            if not (isinstance(kw.value, ast.Constant) and kw.value.value is True):
                raise self.error(f"hint flag '{kw.arg}' must be True", node)
            flags.append(kw.arg)
        if not flags:
            raise self.error("hint() needs a flag, e.g. hint(x, concrete=True)", node)
        value = self.expr(node.args[0])
        result = self.emit("hint", [value, Constant(",".join(sorted(flags)), Void)])
        name = class_of_local(node.args[0])
        if "promote" in flags and value.concretetype is Class and name in self.local_names:
            # `hint(o.__class__, promote=True)`: o's class is known from here
            # on (until o is assigned), so o's method calls are direct
            self.env[class_key(name)] = result
        return result

    def call_print(self, node: ast.Call, name: str):
        """`print(a, b, sep=" ", end="\n")`: one `print_str` of the text
        (str() of each value, `sep` between, `end` after; constant strs)."""
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error("print() takes its values one by one here", node)
        options = {"sep": " ", "end": "\n"}
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg not in options or not (isinstance(value, ast.Constant)
                                                  and isinstance(value.value, str)):
                raise self.error("print() takes sep= and end= with constant strs only "
                                 "(it writes to sys.stdout)", node)
            options[keyword.arg] = value.value
        keys = []
        for i, arg in enumerate(node.args):
            if i:
                keys.append(self.hold(Constant(options["sep"], Str)))
            keys.append(self.hold(self.text_of(self.expr(arg), node, "print()")))
        parts = [self.release(key) for key in keys] + [Constant(options["end"], Str)]
        self.emit("print_str", [self.concat(parts)])
        return Constant(None, Void)

    def call_type(self, node: ast.Call, name: str):
        """`type(o)` of an instance: its class (a Class value)."""
        (value,) = self.builtin_args(node, name, (1,))
        if not (isinstance(value.concretetype, StructType) and value.concretetype.pyclass):
            raise self.error(f"type() of {type_name(value.concretetype)} is not supported; "
                             "type() gives the class of an instance", node)
        return self.emit("instance_class", [value])

    # -- functions, classes, methods ---------------------------------------------------

    def call_function(self, func, node: ast.Call, obj=None, self_type=None):
        """direct_call of a module-level function (or of a method, with its
        receiver `obj` already evaluated and held)."""
        sig = self.ctx.signature(func, self_type, self.place(node))
        key = None if obj is None else self.hold(obj)
        args = self.bind_arguments(sig, node, first=0 if obj is None else 1)
        if key is not None:
            args.insert(0, self.release(key))
        return self.direct_call(func, sig, args, node, self_type)

    def call_table(self, table, node: ast.Call):
        """`TABLE[i](args)` of a module-level tuple (or list, read when the
        graph is built) of functions: with a constant index a direct call;
        else the index is checked as CPython does (IndexError), the arguments
        evaluated once, and a chain of tests on the index calls each function
        (with a green index the generating extension keeps only one call).
        Positional arguments only; every function takes them and returns one
        type."""
        kind = type(table).__name__
        sub = node.func
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(f"a call through the {kind} '{sub.value.id}' takes positional "
                             "arguments only", node)
        index = self.index_value(self.expr(sub.slice), sub.slice)
        n = len(table)
        if isinstance(index, Constant):
            if not -n <= index.value < n:
                raise self.error(f"{kind} index {index.value} is out of range for "
                                 f"'{sub.value.id}' ({n} functions)", node)
            return self.call_with_values(table[index.value], self.exprs(node.args), node)
        negative = self.emit("cast_bool_to_int", [self.emit("int_lt", [index, Constant(0, Signed)])])
        j = self.emit("int_add", [index, self.emit("int_mul", [negative, Constant(n, Signed)])])
        inside = self.emit("int_and", [
            self.to_int(self.emit("int_ge", [j, Constant(0, Signed)])),
            self.to_int(self.emit("int_lt", [j, Constant(n, Signed)]))])
        j_key = self.hold(j)
        falses, trues = self.exit_switch(self.emit("int_is_true", [inside]))
        self.enter(falses)
        self.exit_to(self.graph.exceptblock, [Constant(IndexError, Class),
                                              Constant(f"{kind} index out of range", Str)])
        self.enter(trues)
        arg_keys = [self.hold(v) for v in self.exprs(node.args)]
        result, results = self.new_key(), []
        for k, func in enumerate(table):
            if k == n - 1:                  # the index is in range: the last is the rest
                trues, falses = self.exit_goto(), []
            else:
                falses, trues = self.exit_switch(
                    self.emit("int_eq", [self.env[j_key], Constant(k, Signed)]))
            self.enter(trues)
            value = self.call_with_values(func, [self.env[a] for a in arg_keys], node)
            for key in (j_key, *arg_keys):
                del self.env[key]
            self.env[result] = value
            results += self.exit_goto()
            self.enter(falses)
        self.unify(results, result, node, f"the functions of '{sub.value.id}'")
        self.enter(results)
        return self.release(result)

    def call_with_values(self, func, values: list, node: ast.Call):
        """direct_call of a module-level function on values already evaluated."""
        sig = self.ctx.signature(func, None, self.place(node))
        if len(values) != len(sig.params):
            raise self.error(f"{sig.name}() takes {len(sig.params)} arguments but "
                             f"{len(values)} were given", node)
        args = [self.sink(v, T, node, f"argument '{name}' of {sig.name}()", sig.places[name])
                for v, (name, T) in zip(values, sig.params)]
        return self.direct_call(func, sig, args, node)

    def direct_call(self, func, sig, args: list, node: ast.Call, self_type=None):
        """The direct_call of `func`'s graph on `args` (already typed)."""
        graph = self.ctx.graph_for(func, self_type, self.place(node))
        restype = self.ctx.return_type(func)
        if restype is None:
            raise self.unknown(f"the result type of '{sig.name}' is not known yet; a "
                               "recursive function needs a return annotation "
                               "(e.g. '-> int')", node)
        return self.emit("direct_call", [Constant(graph, Void)] + args, restype)

    def bind_arguments(self, sig, node: ast.Call, first: int) -> list:
        """The values of `sig.params[first:]` for the call `node`, evaluated in
        source order; defaults fill in missing ones."""
        params = sig.params[first:]
        names = [name for name, _ in params]
        bound = self.match_arguments(sig, names, node)
        wanted = dict(params)
        values = self.exprs([arg for _, arg in bound], [wanted[name] for name, _ in bound])
        by_name = {}
        for (name, arg), value in zip(bound, values):
            by_name[name] = self.sink(value, wanted[name], arg,
                                      f"argument '{name}' of {sig.name}()", sig.places[name])
        for name in names:
            if name not in by_name:
                by_name[name] = self.sink(self.constant(sig.defaults[name], node),
                                          wanted[name], None,
                                          f"default of '{name}' of {sig.name}()",
                                          sig.places[name])
        return [by_name[name] for name in names]

    def match_arguments(self, sig, names: list, node: ast.Call) -> list:
        """[(parameter name, argument node)] in source order."""
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(describe(ast.Starred()), node)
        if any(kw.arg is None for kw in node.keywords):
            raise self.error("**kwargs in a call is not supported; pass the arguments by "
                             "name", node)
        if len(node.args) > len(names):
            raise self.error(f"{sig.name}() takes {len(names)} arguments but "
                             f"{len(node.args)} were given", node)
        bound = list(zip(names, node.args))
        for kw in node.keywords:
            if kw.arg not in names or kw.arg in dict(bound):
                problem = "an unexpected" if kw.arg not in names else "a repeated"
                raise self.error(f"{sig.name}() got {problem} keyword argument '{kw.arg}'",
                                 node)
            bound.append((kw.arg, kw.value))
        missing = [n for n in names if n not in dict(bound) and n not in sig.defaults]
        if missing:
            raise self.error(f"{sig.name}() is missing the argument '{missing[0]}'", node)
        return bound

    def call_class(self, cls: type, node: ast.Call):
        """C(args): a fresh struct, class-level defaults, then __init__ (the
        class's own or a base's)."""
        struct = self.struct_of(cls, node)
        owner, init = class_attribute(cls, "__init__")
        if init is None:
            if node.args or node.keywords:
                raise self.error(f"{cls.__name__}() takes no arguments: the class has no "
                                 "__init__", node)
            return self.new_struct(struct)
        if not isinstance(init, types.FunctionType):
            raise self.error(f"{owner.__name__}.__init__ is not a plain function", node)
        owner_struct = self.struct_of(owner, node)
        sig = self.ctx.signature(init, owner_struct, self.place(node))
        args = self.bind_arguments(sig, node, first=1)
        v_obj = self.new_struct(struct)
        graph = self.ctx.graph_for(init, owner_struct, self.place(node))
        self.emit("direct_call", [Constant(graph, Void), v_obj] + args, Void)
        return v_obj

    def new_struct(self, struct: StructType):
        v_obj = self.emit("malloc", [Constant(struct, Void)])
        for field, t in struct.fields.items():
            default = class_attribute(struct.pyclass, field)[1]
            if isinstance(default, types.MemberDescriptorType):
                default = None                  # a __slots__ field: no class-level default
            if default is not None and not callable(default):
                value = self.constant(default, None, what=f"default of field '{field}'")
                self.emit("setfield", [v_obj, Constant(field, Void),
                                       self.sink(value, t, None, f"field '{field}'", None)])
        return v_obj

    def call_method(self, node: ast.Call):
        attr, base = node.func.attr, node.func.value
        if (isinstance(base, ast.Call) and isinstance(base.func, ast.Name)
                and base.func.id == "super" and "super" not in self.local_names):
            if base.args or base.keywords:
                raise self.error("super() with arguments is not supported; write super()",
                                 node)
            return self.call_super(node)
        module = self.module_of(base)
        if module is not None:
            return self.call_object(self.module_attribute(module, base, attr, node),
                                    f"{base.id}.{attr}", node)
        v_obj = self.expr(base)
        t = v_obj.concretetype
        if isinstance(t, ListType):
            return self.call_list_method(v_obj, base, attr, node)
        if isinstance(t, DictType) and attr == "get" and len(node.args) == 2 \
                and not node.keywords:
            d = self.hold(v_obj)
            key, default = self.exprs(node.args, [t.key, t.value])
            d = self.release(d)
            return self.emit("dict_get", [d, self.dict_key(d, key, node),
                                          self.sink(default, t.value, node,
                                                    "the default of get()", None)])
        if isinstance(t, DictType) and attr in ("pop", "setdefault") and not node.keywords \
                and (len(node.args) == 2 or attr == "pop" and len(node.args) == 1):
            return self.call_dict_update(v_obj, attr, node)
        if isinstance(t, DictType):
            raise self.error(f"method '.{attr}()' of a dict is not supported; dicts support "
                             "d[k], d[k] = v, del d[k], k in d, len(d), d.get(k, default), "
                             "d.pop(k[, default]), d.setdefault(k, default), and for loops "
                             "over d, d.keys(), d.values() and d.items()", node)
        if t in (Str, Char) and (Str, attr) in STR_METHODS:
            return self.call_str_method(v_obj, attr, node)
        if isinstance(t, StructType):
            owner, method = class_attribute(t.pyclass, attr)
            if isinstance(method, types.FunctionType):
                if not (isinstance(base, ast.Name) and base.id == "self"):
                    v_obj = self.none_check(v_obj, attr, node)
                    if self.block is None:          # None.method(): always raises
                        return Constant(None, Void)
                overriders = overriding_classes(t.pyclass, attr)
                known = class_key(base.id) if isinstance(base, ast.Name) else None
                if overriders or known in self.env:
                    return self.call_dispatch(v_obj, t, attr, overriders, node,
                                              self.env.get(known))
                return self.call_function(method, node, obj=v_obj,
                                          self_type=self.struct_of(owner, node))
            holders = [k.__name__ for k in overriding_classes(t.pyclass, attr)]
            if holders:
                raise self.error(f"class '{t.name}' has no method '{attr}' (its subclass "
                                 f"'{holders[-1]}' has); define it in '{t.name}' too (one "
                                 f"raising an error will do), or test isinstance(x, "
                                 f"{holders[-1]}) on the local x first", node)
            raise self.error(f"class '{t.name}' has no method '{attr}'", node)
        raise self.error(f"method '.{attr}()' of {type_name(t)} is not supported", node)

    def call_str_method(self, v_obj, attr: str, node: ast.Call):
        """`s.find(t)` and the other methods with a row in the operation
        table (`STR_METHODS`); a character argument (or receiver, for a
        method only str has) is made a str."""
        t = v_obj.concretetype
        rows = STR_METHODS.get((t, attr)) or STR_METHODS[(Str, attr)]
        desc = rows.get(len(node.args) + 1)
        if desc is None or node.keywords:
            counts = " or ".join(str(n - 1) for n in sorted(rows))
            raise self.error(f"'.{attr}()' of a str takes {counts} positional arguments here",
                             node)
        if desc.args[0] is Str and t is Char:
            v_obj = self.emit("cast_char_to_str", [v_obj])
        key = self.hold(v_obj)
        args = self.exprs(node.args, list(desc.args[1:]))
        for i, (a, want) in enumerate(zip(args, desc.args[1:])):
            if a.concretetype is Char and want is Str:
                args[i] = self.emit("cast_char_to_str", [a])
            elif not is_subtype(a.concretetype, want):
                raise self.error(f"argument {i + 1} of '.{attr}()' must be "
                                 f"{type_name(want)}, not {type_name(a.concretetype)}", node)
        return self.emit(desc.name, [self.release(key), *args])

    def call_super(self, node: ast.Call):
        """`super().m(args)` in a method: the method `m` the class defining
        the current function inherits, called directly on `self`."""
        attr = node.func.attr
        receiver = self.sig.params[0][1] if self.sig.params else None
        owner = None
        if isinstance(receiver, StructType):
            owner = next((k for k in receiver.pyclass.__mro__
                          if vars(k).get(self.source.func.__name__) is self.source.func), None)
        if owner is None:
            raise self.error("super() is only supported in a method of a class, as "
                             "super().name(...)", node)
        found, method = class_attribute(owner, attr, skip=1)
        if not isinstance(method, types.FunctionType):
            raise self.error(f"super().{attr}(): no base class of '{owner.__name__}' has a "
                             f"method '{attr}'", node)
        v_self = self.env.get(self.sig.params[0][0])
        if v_self is None:
            raise self.error("super() needs the method's first parameter bound to the "
                             "instance", node)
        return self.call_function(method, node, obj=v_self,
                                  self_type=self.struct_of(found, node))

    def call_dispatch(self, v_obj, t: StructType, attr: str, overriders: list, node,
                      v_class=None):
        """`obj.m(args)` where subclasses of obj's class override `m`: a test
        of the instance's class per overriding class, deepest first, each
        branch a direct call of the method that class resolves (an
        instance known at compile time, such as a virtual one, takes one
        branch).  `v_class`: obj's class promoted (`hint(o.__class__,
        promote=True)`): the tests are on it, green, and fold."""
        owner, method = class_attribute(t.pyclass, attr)
        sig = self.ctx.signature(method, self.struct_of(owner, node), self.place(node))
        class_key_ = self.hold(v_class) if v_class is not None else None
        obj_key = self.hold(v_obj)
        arg_keys = [self.hold(a) for a in self.bind_arguments(sig, node, first=1)]
        result_key, results = self.new_key(), []
        for cls in overriders + [None]:
            v_obj = self.env[obj_key]
            if cls is not None:
                struct = self.struct_of(cls, node)
                test = self.emit("class_issubclass", [self.env[class_key_], Constant(cls, Void)]) \
                    if class_key_ is not None else \
                    self.emit("instance_isinstance", [v_obj, Constant(cls, Void)])
                falses, trues = self.exit_switch(test)
                self.enter(trues)
                if self.block is not None:
                    v_obj = self.emit("cast_pointer", [self.env[obj_key], Constant(struct, Void)])
                impl_owner, impl = class_attribute(cls, attr)
            else:
                falses, impl_owner, impl = None, owner, method
            if self.block is not None:
                impl_struct = self.struct_of(impl_owner, node)
                impl_sig = self.ctx.signature(impl, impl_struct, self.place(node))
                if len(impl_sig.params) != len(sig.params):
                    raise self.error(f"{impl_owner.__name__}.{attr}() overrides "
                                     f"{owner.__name__}.{attr}() with other parameters; an "
                                     "override takes the same parameters", node)
                args = [v_obj] + [
                    self.sink(self.env[key], ptype, node,
                              f"parameter '{pname}' of {impl_owner.__name__}.{attr}()",
                              impl_sig.places.get(pname))
                    for key, (pname, ptype) in zip(arg_keys, impl_sig.params[1:])]
                self.env[result_key] = self.direct_call(impl, impl_sig, args, node,
                                                        impl_struct)
                results += self.exit_goto()
            if falses is not None:
                self.enter(falses)
        if not results:
            self.enter([])
            return Constant(None, Void)
        self.unify(results, result_key, node, f"the results of the overrides of '{attr}'")
        self.enter(results)
        for key in [obj_key] + arg_keys + ([class_key_] if class_key_ else []):
            self.release(key)
        return self.release(result_key)

    def call_isinstance(self, node: ast.Call, name: str):
        """`isinstance(obj, C)` for an instance of a class of the program and
        one such class C (or a tuple of them)."""
        if len(node.args) != 2 or node.keywords:
            raise self.error("isinstance() takes an object and a class", node)
        if isinstance(node.args[0], ast.Name) and node.args[0].id in self.exception_names:
            return self.isinstance_caught(node)             # (tryexcept.py)
        classes = self.isinstance_classes(node.args[1], node)
        v_obj = self.expr(node.args[0])
        t = v_obj.concretetype
        if not isinstance(t, StructType):
            raise self.error(f"isinstance() of {type_name(t)} is not supported; its type is "
                             "known statically: isinstance() tests instances of classes", node)
        related = [cls for cls in classes if is_subtype(self.struct_of(cls, node), t)
                   or is_subtype(t, self.struct_of(cls, node))]
        if not related:
            return Constant(False, Bool)        # classes of other hierarchies only
        if isinstance(v_obj, Constant):
            return Constant(isinstance(v_obj.value, tuple(related)), Bool)
        c_classes = Constant(related[0] if len(related) == 1 else tuple(related), Void)
        return self.emit("instance_isinstance", [v_obj, c_classes])

    def isinstance_classes(self, node: ast.expr, where: ast.AST) -> list:
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        classes = []
        for item in items:
            cls = self.lookup(item.id, item) if isinstance(item, ast.Name) else None
            if not is_program_class(cls):
                raise self.error(f"isinstance(): '{ast.unparse(item)}' is not a class of the "
                                 "program; give a class (or a tuple of classes) by name", where)
            classes.append(cls)
        return classes

    def call_dict_update(self, d, attr: str, node: ast.Call):
        """`d.pop(k)` (d[k], then del d[k]: KeyError as CPython's),
        `d.pop(k, default)` and `d.setdefault(k, default)`: a branch on
        `k in d`, the default converted to the value type."""
        t = d.concretetype
        d_key = self.hold(d)
        key = self.dict_key(self.env[d_key], self.expr(node.args[0], t.key), node)
        if attr == "pop" and len(node.args) == 1:
            d = self.release(d_key)
            value = self.emit("dict_getitem", [d, key])
            self.emit("dict_delitem", [d, key])
            return value
        k_key = self.hold(key)
        default = self.sink(self.expr(node.args[1], t.value), t.value, node,
                            f"the default of {attr}()", None)
        default_key, result = self.hold(default), self.new_key()
        d, key = self.env[d_key], self.env[k_key]
        absent, present = self.exit_switch(self.emit("dict_contains", [d, key]))
        self.enter(present)
        d, key = self.env[d_key], self.env[k_key]
        self.env[result] = self.emit("dict_getitem", [d, key])
        if attr == "pop":
            self.emit("dict_delitem", [d, key])
        results = self.exit_goto()
        self.enter(absent)
        self.env[result] = self.env[default_key]
        if attr == "setdefault":
            self.emit("dict_setitem", [self.env[d_key], self.env[k_key], self.env[result]])
        results += self.exit_goto()
        self.enter(results)
        for k in (d_key, k_key, default_key):
            self.release(k)
        return self.release(result)

    def call_list_method(self, v_list, base: ast.expr, attr: str, node: ast.Call):
        t = v_list.concretetype
        if attr == "append" and len(node.args) == 1 and not node.keywords:
            key = self.hold(v_list)
            item = None if is_pending(t) else t.item
            value = self.expr(node.args[0], item)
            v_list = self.release(key)
            value = self.list_item(v_list, base, value, node)
            return self.emit("list_append", [v_list, value])
        if attr == "pop" and not node.args and not node.keywords:
            if t.item is UNKNOWN:
                raise self.unknown(f"cannot infer the item type of the list "
                                   f"'{ast.unparse(base)}'", node)
            return self.emit("list_pop", [v_list])
        if attr == "pop" and len(node.args) == 1 and not node.keywords:
            if t.item is UNKNOWN:
                raise self.unknown(f"cannot infer the item type of the list "
                                   f"'{ast.unparse(base)}'", node)
            return self.list_pop_at(v_list, node)
        if attr == "pop":
            raise self.error("pop() takes at most one argument, the index", node)
        if attr == "insert" and len(node.args) == 2 and not node.keywords:
            key = self.hold(v_list)
            index = self.index_value(self.expr(node.args[0]), node.args[0])
            index_key = self.hold(index)
            value = self.expr(node.args[1], None if is_pending(t) else t.item)
            index = self.release(index_key)
            v_list = self.release(key)
            value = self.list_item(v_list, base, value, node)
            return self.emit("list_insert", [v_list, index, value])
        if attr == "reverse" and not node.args and not node.keywords:
            return self.emit("list_reverse", [v_list])
        if attr == "sort" and not node.args:
            reverse = self.sort_reverse(node)
            key = self.hold(v_list)
            self.sort_call("sort", self.env[key], node)
            if reverse:
                self.emit("list_reverse", [self.env[key]])
            self.release(key)
            return Constant(None, Void)
        if attr == "sort":
            raise self.error("sort() takes no positional argument (reverse=True or False "
                             "only)", node)
        if attr in ("index", "count", "extend") and len(node.args) == 1 and not node.keywords:
            key = self.hold(v_list)
            value = self.expr(node.args[0], t if attr == "extend" else t.item)
            return self.list_prelude_method(self.release(key), base, attr, value, node)
        if attr in ("index", "count", "extend"):
            raise self.error(f"{attr}() takes one argument here", node)
        raise self.error(f"list method '{attr}' is not supported; lists support append, pop, "
                         "insert, reverse, extend, index, count, sort, indexing, del and len", node)

    def list_prelude_method(self, v_list, base: ast.expr, attr: str, value, node: ast.AST):
        """`xs.index(v)`, `xs.count(v)`, `xs.extend(ys)`: a call of the prelude's
        function for the item type (prelude.py); `v` must have the item type,
        `ys` the list's type."""
        t = v_list.concretetype
        func = self.list_prelude_function(attr, t, base, node, f"{attr}()")
        wanted = t if attr == "extend" else t.item
        converted = convert_constant(value, wanted)
        if converted is None:
            raise self.error(f"{attr}() of {type_name(t)} takes {type_name(wanted)}, not "
                             f"{type_name(value.concretetype)}", node)
        sig = self.ctx.signature(func, None, self.place(node))
        return self.direct_call(func, sig, [v_list, converted], node, None)

    def list_prelude_function(self, attr: str, t, base: ast.expr, node: ast.AST, what: str):
        """The prelude's `list_<attr>_<item type>` for the list type `t`."""
        if t.item is UNKNOWN:
            raise self.unknown(f"cannot infer the item type of the list "
                               f"'{ast.unparse(base)}'", node)
        func = getattr(prelude, f"list_{attr}_{_PRELUDE_ITEMS.get(t.item)}", None)
        if func is None:
            kinds = sorted(k.split("_")[2] for k in vars(prelude)
                           if k.startswith(f"list_{attr}_"))
            raise self.error(f"{what} of {type_name(t)} is not supported; it takes a list of "
                             f"{' or '.join(kinds)}", node)
        return func

    def list_pop_at(self, v_list, node: ast.Call):
        """`lst.pop(i)`: i counted from the end when negative; outside the
        list CPython's IndexError ("pop from empty list" or "pop index out
        of range"); else `lst[i]`, then `del lst[i]`."""
        list_key = self.hold(v_list)
        index = self.index_value(self.expr(node.args[0]), node.args[0])
        index_key = self.hold(index)
        length_key = self.hold(self.emit("list_len", [self.env[list_key]]))
        zero = Constant(0, Signed)
        positive, negative = self.exit_switch(self.emit("int_lt", [self.env[index_key], zero]))
        self.enter(negative)
        self.env[index_key] = self.emit("int_add", [self.env[index_key], self.env[length_key]])
        self.enter(positive + self.exit_goto())
        below, above = self.exit_switch(self.emit("int_ge", [self.env[index_key], zero]))
        self.enter(above)
        beyond, inside = self.exit_switch(self.emit("int_lt", [self.env[index_key],
                                                               self.env[length_key]]))
        self.enter(below + beyond)
        some, empty = self.exit_switch(self.emit("int_eq", [self.env[length_key], zero]))
        for pendings, message in ((empty, "pop from empty list"),
                                  (some, "pop index out of range")):
            self.enter(pendings)
            self.exit_to(self.graph.exceptblock, [Constant(IndexError, Class),
                                                  Constant(message, Str)])
        self.enter(inside)
        self.release(length_key)
        v_list, index = self.release(list_key), self.release(index_key)
        value = self.emit("list_getitem", [v_list, index])
        self.emit("list_delitem", [v_list, index])
        return value

    def list_item(self, v_list, base: ast.expr, value, node: ast.AST):
        """`value` stored into `v_list` (append or item assignment): it must
        have the item type; a local list with pending items takes it."""
        t = v_list.concretetype
        local = base.id if isinstance(base, ast.Name) and base.id in self.local_names else None
        if t.item is UNKNOWN:
            if local is None:
                raise self.unknown(f"cannot infer the item type of the list "
                                   f"'{ast.unparse(base)}'", node)
            self.table.refine_list(local, ListType(value.concretetype), self.place(node))
            return value
        converted = convert_constant(value, t.item)
        if converted is None:
            where = self.table.place(local) if local else None
            since = f", {type_name(t.item)} at {where}" if where else ""
            raise self.error(f"type conflict for the items of list '{ast.unparse(base)}': "
                             f"{type_name(value.concretetype)} here{since}; a list holds "
                             f"one type ({type_name(t)})", node)
        return converted


def _hashable(obj) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


def _is_function_table(obj) -> bool:
    """A tuple or list of module-level functions (called by index)."""
    return isinstance(obj, (tuple, list)) and bool(obj) \
        and all(isinstance(f, types.FunctionType) for f in obj)

"""Expressions: one `expr_<Node>` handler per AST expression kind.

`expr(node, expected)` builds the operations computing `node` into the
current block and returns the Value; `expected` is the type the context
wants (it types empty lists `[]` and converts one-character literals to
characters).  Expressions with control flow inside (`a if c else b`,
`and`/`or`, chained comparisons, `x in "+-"` against constants) end the current block and start a join
block whose extra input argument is the result; `cond(node)` builds a test
directly as branches (short-circuit, no Bool materialised) and returns the
pair (exits when false, exits when true).

Operands evaluated before a later operand that may split are held in the
environment (`exprs`), so they reach the join block through its links.
"""

from __future__ import annotations

import ast
import types

from flowgraph.builder.blockstate import default_constant
from flowgraph.builder.signatures import class_attribute, is_program_class, known_subclasses
from flowgraph.builder.blockstate import class_of_local
from flowgraph.lltypes import (Bool, Char, DictType, Float, ListType, Signed, Str, StructType,
                               TupleType, Void, common_base_of, is_subtype, Class)
from flowgraph.model import Constant, Variable
from flowgraph.operations import MAXINT, MININT
from flowgraph.builder.typeinfer import (UNKNOWN, AnnotationError, convert_constant,
                                         dict_type, object_type, type_name)
from flowgraph.builder.unsupported import describe

_CONSTANT_TYPES = {bool: Bool, int: Signed, float: Float, str: Str}
_LOOKUP = object()


class ExprBuilder:
    """Expression handlers (a mixin of the function builder)."""

    def expr(self, node: ast.expr, expected=None):
        handler = getattr(self, "expr_" + type(node).__name__, None)
        if handler is None:
            raise self.error(describe(node), node)
        saved, self.lineno = self.lineno, self.absline(node)
        try:
            return handler(node, expected)
        finally:
            self.lineno = saved

    def exprs(self, nodes: list, expected: list | None = None) -> list:
        """Evaluate `nodes` left to right; earlier values survive later splits."""
        keys = []
        for i, node in enumerate(nodes):
            keys.append(self.hold(self.expr(node, expected[i] if expected else None)))
        return [self.release(key) for key in keys]

    # -- leaves ----------------------------------------------------------------------

    def expr_Constant(self, node: ast.Constant, expected):
        return self.constant(node.value, node)

    def constant(self, value, node: ast.AST, what: str = "constant"):
        if value is None:
            return Constant(None, Void)
        t = _CONSTANT_TYPES.get(type(value))
        if t is None:
            raise self.error(f"{what} of type {type(value).__name__} is not supported", node)
        if t is Signed and not MININT <= value <= MAXINT:
            raise self.error(f"integer {value} does not fit in 64 bits", node)
        return Constant(value, t)

    def expr_JoinedStr(self, node: ast.JoinedStr, expected):
        """An f-string: its parts' texts (`text_of`) concatenated; a field
        may have `!s`, not another conversion or a format."""
        keys = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                keys.append(self.hold(Constant(part.value, Str)))
                continue
            if part.conversion not in (-1, ord("s")) or part.format_spec is not None:
                raise self.error("an f-string field with a conversion (!r, !a) or a format "
                                 "(:...) is not supported; write {x} or {x!s}", node)
            keys.append(self.hold(self.text_of(self.expr(part.value), node,
                                               "an f-string field")))
        return self.concat([self.release(key) for key in keys])

    def expr_Name(self, node: ast.Name, expected):
        if node.id in self.exception_names:
            raise self.error(f"'{node.id}' holds an exception caught by 'except ... as "
                             f"{node.id}': only str({node.id}) (its message), "
                             f"isinstance({node.id}, C) and raise {node.id} are supported",
                             node)
        if node.id in self.local_names:
            return self.read_local(node.id, node)
        return self.global_value(node.id, node)

    def read_local(self, name: str, node: ast.AST):
        """The value of a local; where it may be unbound, a branch raising
        UnboundLocalError on the paths that did not bind it (blockstate.py)."""
        if name in self.env and self.check_bound(name):
            return self.env[name]
        if self.table.get(name) is None:
            raise self.unknown(f"local variable '{name}' is used before any assignment "
                               "gives it a type", node)
        raise self.unknown(f"local variable '{name}' is read before it is assigned", node)

    def global_value(self, name: str, node: ast.AST, obj=_LOOKUP):
        """A module-level constant: int, float, bool, str, None, or a prebuilt
        object used as itself (shared with the module): a list (of one item
        type; an empty one typed by a module-level annotation), a tuple, an
        instance of a user class."""
        if obj is _LOOKUP:
            obj = self.lookup(name, node)
        if obj is None or type(obj) in _CONSTANT_TYPES:
            return self.constant(obj, node, what=f"module-level name '{name}'")
        if is_program_class(obj):
            self.struct_of(obj, node)
            return Constant(obj, Class)         # `type(o) is C`
        return Constant(obj, self.prebuilt_type(obj, name, node))

    def prebuilt_type(self, obj, name: str, node: ast.AST):
        """The type of the prebuilt value `obj` (named `name` in messages)."""
        cls = type(obj)
        if cls in _CONSTANT_TYPES:
            return self.constant(obj, node, what=f"'{name}'").concretetype
        if cls is tuple:
            return TupleType(tuple(self.prebuilt_type(x, f"{name}[{i}]", node)
                                   for i, x in enumerate(obj)))
        if cls is list:
            if not obj:
                return self.empty_global_list_type(name, node)
            items = list(dict.fromkeys(self.prebuilt_type(x, f"{name}[{i}]", node)
                                       for i, x in enumerate(obj)))
            if len(items) != 1:
                raise self.error(f"module-level list '{name}' must hold items of one type, "
                                 f"not {' and '.join(map(type_name, items))}", node)
            return ListType(items[0])
        if isinstance(obj, (types.FunctionType, type)) or cls.__module__ == "builtins":
            kind = ("function" if isinstance(obj, types.FunctionType)
                    else "class" if isinstance(obj, type) else cls.__name__)
            raise self.error(f"module-level name '{name}' ({kind}) cannot be used as a value",
                             node)
        return self.struct_of(cls, node)

    def empty_global_list_type(self, name: str, node: ast.AST) -> ListType:
        """An empty module-level list, typed by its module-level annotation."""
        annotation = self.source.func.__globals__.get("__annotations__", {}).get(name)
        if annotation is None:
            raise self.error(f"module-level list '{name}' is empty: annotate it where it is "
                             f"made ('{name}: list[int] = []') to give its item type", node)
        try:
            t = object_type(annotation, self.source.lookup, self.ctx.struct_for(self.place(node)))
        except AnnotationError as exc:
            raise self.error(f"module-level list '{name}': {exc}", node) from None
        if not isinstance(t, ListType):
            raise self.error(f"module-level name '{name}' is annotated {type_name(t)} but "
                             "holds a list", node)
        return t

    # -- operators -------------------------------------------------------------------

    def expr_BinOp(self, node: ast.BinOp, expected):
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
                and isinstance(node.left.value, str):
            return self.percent_format(node)
        if isinstance(node.op, ast.Mult):
            if _is_single_list(node.left):
                return self.list_repeat(node.left.elts[0], node.right, True, expected)
            if _is_single_list(node.right):
                return self.list_repeat(node.right.elts[0], node.left, False, expected)
        v1, v2 = self.exprs([node.left, node.right])
        return self.arith(node.op, v1, v2, node)

    def percent_format(self, node: ast.BinOp):
        """`"..." % values` of a literal format: `%s` (str() of an int, a
        float, a bool, a character or a str), `%d` and `%i` (an int, a bool,
        or a float truncated as int() does) and `%%`; the values a tuple
        literal, a tuple, or one value.  The text is built as an f-string's."""
        fmt, pieces, i = node.left.value, [], 0
        while i < len(fmt):
            j = fmt.find("%", i)
            if j < 0:
                pieces.append(fmt[i:])
                break
            pieces.append(fmt[i:j])
            code = fmt[j + 1:j + 2]
            if code == "%":
                pieces.append("%")
            elif code in ("s", "d", "i"):
                pieces.append(("conversion", code))
            else:
                raise self.error(f"'%{code}' in a % format is not supported; use %s, %d, %i "
                                 f"and %% (or an f-string)", node)
            i = j + 2
        conversions = [p for p in pieces if isinstance(p, tuple)]
        if isinstance(node.right, ast.Tuple):
            values = self.exprs(node.right.elts)
        else:
            value = self.expr(node.right)
            t = value.concretetype
            values = ([self.emit("tuple_getitem", [value, Constant(k, Signed)])
                       for k in range(len(t.items))] if isinstance(t, TupleType) else [value])
        if len(values) != len(conversions):
            raise self.error(f"the % format '{fmt}' takes {len(conversions)} value(s), "
                             f"given {len(values)} (CPython raises TypeError)", node)
        values = iter(values)
        parts = []
        for piece in pieces:
            if not isinstance(piece, tuple):
                parts.append(Constant(piece, Str))
                continue
            value = next(values)
            t = value.concretetype
            if piece[1] != "s":
                if t is Float:
                    value = self.emit("cast_float_to_int", [value])
                elif t in (Signed, Bool):
                    value = self.to_int(value)
                else:
                    raise self.error(f"%{piece[1]} in a % format takes a number, not "
                                     f"{type_name(t)}", node)
            parts.append(self.text_of(value, node, f"%{piece[1]} in a % format"))
        return self.concat(parts)

    def expr_UnaryOp(self, node: ast.UnaryOp, expected):
        operand = node.operand
        if (isinstance(node.op, ast.USub) and isinstance(operand, ast.Constant)
                and type(operand.value) in (int, float)):
            return self.constant(-operand.value, node)        # a negative literal
        return self.unary(node.op, self.expr(operand), node)

    def expr_Compare(self, node: ast.Compare, expected):
        if len(node.ops) == 1 and not _is_membership(node):
            v1, v2 = self.exprs([node.left, node.comparators[0]])
            return self.compare(node.ops[0], v1, v2, node)
        return self.cond_value(node)

    def expr_BoolOp(self, node: ast.BoolOp, expected):
        """`a or b` is a if a is true, else b (`and`: a if a is false)."""
        key, results = self.new_key(), []
        for operand in node.values[:-1]:
            if self.narrows(operand):
                # `isinstance(x, C) and x.f`: x is a C in the operands after it
                falses, trues = self.cond(operand)
                for pendings, truth in ((falses, False), (trues, True)):
                    for pending in pendings:
                        pending.env[key] = Constant(truth, Bool)
            else:
                value = self.expr(operand, expected)
                self.env[key] = value
                falses, trues = self.exit_switch(self.truth(value, operand))
            decided, rest = (trues, falses) if isinstance(node.op, ast.Or) else (falses, trues)
            results += decided
            self.enter(rest)
            if self.block is None:
                break
        else:
            self.env[key] = self.expr(node.values[-1], expected)
            results += self.exit_goto()
        self.unify(results, key, node, f"the operands of '{type(node.op).__name__.lower()}'")
        self.enter(results)
        return self.release(key)

    def expr_ListComp(self, node: ast.ListComp, expected):
        """`[elt for x in xs if c ...]`: the loops and tests the comprehension
        stands for, appending to a list of its own (`node.result_name`, its
        loop variables renamed: signatures.scope_comprehensions)."""
        statements = getattr(node, "statements", None)
        if statements is None:
            statements = node.statements = _comprehension_statements(node)
        for statement in statements:
            if self.block is None:
                break
            self.stmt(statement)
        if self.block is None:
            return Constant(None, Void)     # (every path raised: nothing is read)
        value = self.expr(ast.Name(node.result_name, ast.Load(), lineno=node.lineno,
                                   col_offset=node.col_offset), expected)
        if self.strict and value.concretetype.item is UNKNOWN:
            raise self.error("cannot infer the item type of the list comprehension (it never "
                             "appends a typed value); build the list with a for loop into an "
                             "annotated variable, e.g. 'xs: list[int] = []'", node)
        return value

    def expr_IfExp(self, node: ast.IfExp, expected):
        falses, trues = self.cond(node.test)
        key = self.new_key()
        results = self.branch_value(trues, node.body, key, expected)
        results += self.branch_value(falses, node.orelse, key, expected)
        self.unify(results, key, node, "the two branches of a conditional expression")
        self.enter(results)
        return self.release(key)

    def branch_value(self, pendings: list, node: ast.expr, key: str, expected) -> list:
        if not pendings:
            return []
        self.enter(pendings)
        self.env[key] = self.expr(node, expected)
        return self.exit_goto()

    def unify(self, results: list, key: str, node: ast.AST, what: str) -> None:
        """All `results` must carry the same type under `key` (one-character
        literals become characters, empty lists take the others' type)."""
        values = [p.env[key] for p in results]
        targets = list(dict.fromkeys(v.concretetype for v in values))
        base = common_base_of(targets)
        if base is not None and base not in targets:
            targets.append(base)            # instances of two subclasses: their base
        for target in targets:
            converted = [convert_constant(v, target) for v in values]
            if all(c is not None for c in converted):
                for pending, value in zip(results, converted):
                    pending.env[key] = value
                return
        names = " and ".join(dict.fromkeys(type_name(v.concretetype) for v in values))
        raise self.error(f"{what} have different types: {names}; CPython would return "
                         "either type, the flow graph needs one", node)

    # -- conditions ------------------------------------------------------------------

    def cond(self, node: ast.expr) -> tuple[list, list]:
        """Branch on `node`'s truth: (exits when false, exits when true)."""
        saved, self.lineno = self.lineno, self.absline(node)
        try:
            if isinstance(node, ast.BoolOp):
                return self.cond_boolop(node)
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                falses, trues = self.cond(node.operand)
                return trues, falses
            if isinstance(node, ast.Compare) and _is_membership(node):
                return self.cond_in(node)
            if isinstance(node, ast.Compare) and len(node.ops) > 1:
                return self.cond_chain(node)
            if self.narrows(node):
                return self.cond_narrowing(node)
            falses, trues = self.exit_switch(self.truth(self.expr(node), node))
            name, is_not = _none_test(node, self.local_names)
            if name is not None:            # `x is not None` / `x is None` of a local x
                for pending in (trues if is_not else falses):
                    self.not_none_links.setdefault(id(pending.link), set()).add(name)
            return falses, trues
        finally:
            self.lineno = saved

    def narrows(self, node: ast.expr) -> bool:
        """Is `node` a test that narrows a local's class where it holds
        (`isinstance(x, C)`, `type(x) is C`)?"""
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "isinstance" and len(node.args) == 2):
            return (isinstance(node.args[0], ast.Name) and node.args[0].id in self.local_names
                    and node.args[0].id not in self.exception_names)
        return (isinstance(node, ast.Compare) and len(node.ops) == 1
                and isinstance(node.ops[0], ast.Is)
                and class_of_local(node.left) in self.local_names)

    def cond_narrowing(self, node: ast.expr) -> tuple[list, list]:
        """`isinstance(x, C)` or `type(x) is C` of a local x: where it holds,
        x is seen as a C (a `cast_pointer` made before the test: nothing at
        run time), so that C's fields and methods can be used on it; and it
        is not None (`none_check`)."""
        is_call = isinstance(node, ast.Call)
        name = node.args[0].id if is_call else class_of_local(node.left)
        v_test = self.expr(node)
        v_obj = self.env.get(name)
        ops = self.block.operations if self.block is not None else []
        narrow = None
        if (isinstance(v_obj, Variable) and ops and ops[-1].result is v_test
                and ops[-1].opname == ("instance_isinstance" if is_call else "class_is")):
            cls = ops[-1].args[1].value
            struct = None if isinstance(cls, tuple) else self.struct_of(cls, node)
            if struct is not None and struct != v_obj.concretetype \
                    and is_subtype(struct, v_obj.concretetype):
                narrow = self.emit("cast_pointer", [v_obj, Constant(struct, Void)])
                self.not_none.add(narrow)
        falses, trues = self.exit_switch(v_test)
        if narrow is not None:
            for pending in trues:
                pending.env[name] = narrow
        return falses, trues

    def cond_boolop(self, node: ast.BoolOp) -> tuple[list, list]:
        is_or, decided = isinstance(node.op, ast.Or), []
        for operand in node.values[:-1]:
            falses, trues = self.cond(operand)
            decided += trues if is_or else falses
            self.enter(falses if is_or else trues)
            if self.block is None:
                return ([], decided) if is_or else (decided, [])
        falses, trues = self.cond(node.values[-1])
        return (falses, trues + decided) if is_or else (falses + decided, trues)

    def cond_chain(self, node: ast.Compare) -> tuple[list, list]:
        """`a < b < c`: `a < b and b < c` with b evaluated once."""
        all_falses, left = [], self.expr(node.left)
        last = len(node.ops) - 1
        for i, (op, right_node) in enumerate(zip(node.ops, node.comparators)):
            key = self.hold(left)
            right = self.expr(right_node)
            left = self.release(key)
            v_cmp = self.compare(op, left, right, node)
            if i == last:
                falses, trues = self.exit_switch(v_cmp)
                return all_falses + falses, trues
            key = self.hold(right)
            falses, trues = self.exit_switch(v_cmp)
            self.forget(falses, key)
            all_falses += falses
            self.enter(trues)
            if self.block is None:
                return all_falses, []
            left = self.release(key)

    def cond_in(self, node: ast.Compare) -> tuple[list, list]:
        """`x in "+-"`, `x in (A, B)`: x compared with each constant in turn."""
        key = self.hold(self.expr(node.left))
        candidates, tuple_keys = self.membership_constants(node.comparators[0], node,
                                                           self.env[key].concretetype)
        if candidates is None:                     # a dict or a str: one lookup
            d, item = self.release(tuple_keys[0]), self.release(key)
            if d.concretetype is Str:
                found = self.emit("str_contains", [d, self.str_operand(item, node)])
            else:
                found = self.emit("dict_contains", [d, self.dict_key(d, item, node)])
            falses, trues = self.exit_switch(found)
            return (trues, falses) if isinstance(node.ops[0], ast.NotIn) else (falses, trues)
        all_trues = []
        for candidate in candidates:
            if isinstance(candidate, tuple):        # (key of a tuple value, index)
                candidate = self.emit("tuple_getitem", [self.env[candidate[0]],
                                                        Constant(candidate[1], Signed)])
            v_eq = self.compare(ast.Eq(), self.env[key], candidate, node)
            falses, trues = self.exit_switch(v_eq)
            self.forget(trues, key, *tuple_keys)
            all_trues += trues
            self.enter(falses)
            if self.block is None:
                break
        all_falses = []
        if self.block is not None:
            self.release(key)
            for tkey in tuple_keys:
                self.release(tkey)
            all_falses = self.exit_goto()
        if isinstance(node.ops[0], ast.NotIn):
            return all_trues, all_falses
        return all_falses, all_trues

    def str_operand(self, v, node: ast.AST):
        """`v` as a str: a character made one; another type is an error."""
        if v.concretetype is Char:
            return self.emit("cast_char_to_str", [v])
        if v.concretetype is not Str:
            raise self.error(f"'in' of a str needs a str on its left, not "
                             f"{type_name(v.concretetype)}", node)
        return v

    def membership_constants(self, node: ast.expr, where: ast.AST,
                             item_type=None) -> tuple[list, tuple]:
        """(the values `x in ...` compares with, the keys it holds): constants,
        or (key, index) of the items of a tuple value held under `key`; None
        and the container's key for a dict, or a str searched with
        `str_contains` (a str value, or a constant one a str is looked for
        in: a character is compared with each of its characters).  A set
        literal of constants is the tuple of its items (`op in {ADD, SUB}`)."""
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            values = [self.expr(element) for element in node.elts]
        else:
            value = self.expr(node)
            values = None
            if isinstance(value, Constant) and value.concretetype is Str:
                values = [Constant(char, Str) for char in value.value]
            if isinstance(value.concretetype, DictType) or (
                    value.concretetype is Str and (values is None or item_type is not Char)):
                return None, (self.hold(value),)
            if isinstance(value.concretetype, TupleType):
                key = self.hold(value)
                return [(key, i) for i in range(len(value.concretetype.items))], (key,)
        if values is None or not all(isinstance(v, Constant) for v in values):
            raise self.error("'in' needs a tuple (a value, or a literal of constants), a set "
                             "literal of constants, a str or a dict on its right; search a "
                             "list with a loop", where)
        return values, ()

    def cond_value(self, node: ast.expr):
        """A condition materialised as a Bool (a chained comparison's value)."""
        falses, trues = self.cond(node)
        key = self.new_key()
        for pendings, value in ((falses, False), (trues, True)):
            for pending in pendings:
                pending.env[key] = Constant(value, Bool)
        self.enter(falses + trues)
        return self.release(key)

    # -- containers ------------------------------------------------------------------

    def expr_Subscript(self, node: ast.Subscript, expected):
        if isinstance(node.slice, ast.Slice):
            return self.slice(node)
        container, index = self.exprs([node.value, node.slice])
        return self.getitem(container, index, node)

    def slice(self, node: ast.Subscript):
        """`s[a:b]` of a str or a list (either bound may be left out); no step."""
        piece = node.slice
        if piece.step is not None:
            raise self.error("slicing with a step is not supported; copy the characters "
                             "with a loop", node)
        container = self.expr(node.value)
        t = container.concretetype
        if t is not Str and not isinstance(t, ListType):
            raise self.error(f"slicing a {type_name(t)} is not supported (strings and "
                             f"lists only); {describe(piece).split('; ')[-1]}", node)
        bounds = [self.slice_bound(piece.lower, 0), self.slice_bound(piece.upper, MAXINT)]
        return self.emit("str_slice" if t is Str else "list_slice", [container] + bounds)

    def slice_bound(self, bound: ast.expr | None, default: int):
        """A bound of `a[lo:hi]` (also of slice assignment): an int, `default`
        where it is left out."""
        if bound is None:
            return Constant(default, Signed)
        return self.index_value(self.expr(bound), bound, "a slice bound")

    def getitem(self, container, index, node: ast.AST):
        t = container.concretetype
        if isinstance(t, DictType):
            return self.emit("dict_getitem", [container, self.dict_key(container, index, node)])
        index = self.index_value(index, node)
        if t is Str:
            return self.emit("str_getitem", [container, index])
        if isinstance(t, TupleType):
            return self.tuple_getitem(container, index, node)
        if isinstance(t, ListType):
            if t.item is UNKNOWN:
                raise self.unknown("cannot infer the item type of the list "
                                   f"'{ast.unparse(node)}'", node)
            return self.emit("list_getitem", [container, index])
        raise self.error(f"indexing a {type_name(t)} is not supported", node)

    def index_value(self, index, node: ast.AST, what: str = "an index"):
        """An int operand (a Bool is cast); `what` names it in the error."""
        if index.concretetype not in (Signed, Bool):
            raise self.error(f"{what} must be an int, not {type_name(index.concretetype)}",
                             node)
        return self.to_int(index)

    def expr_Tuple(self, node: ast.Tuple, expected):
        """`(a, b)`: a tuple value (newtuple; the empty tuple is a constant);
        its item types are the values', or the expected tuple's where a
        literal converts to them."""
        if not node.elts:
            return Constant((), TupleType(()))
        items = (expected.items if isinstance(expected, TupleType)
                 and len(expected.items) == len(node.elts) else (None,) * len(node.elts))
        values = self.exprs(node.elts, list(items))
        values = [v if t is None or convert_constant(v, t) is None else convert_constant(v, t)
                  for v, t in zip(values, items)]
        t = TupleType(tuple(v.concretetype for v in values))
        return self.emit("newtuple", [Constant(t, Void)] + values)

    def tuple_getitem(self, value, index, node: ast.AST):
        """`t[i]` of a tuple: the index must be a constant (each position has
        its own type); a negative one counts from the end, as in CPython."""
        t = value.concretetype
        n = len(t.items)
        if not isinstance(index, Constant):
            if n and len(set(t.items)) == 1:         # one item type: any index
                return self.emit("tuple_getitem_var", [value, index])
            raise self.error(f"indexing a {type_name(t)} needs a constant index (each item "
                             "has its own type); unpack it ('a, b = t') or use a list", node)
        if not -n <= index.value < n:
            raise self.error(f"tuple index {index.value} is out of range for a {type_name(t)}",
                             node)
        return self.emit("tuple_getitem", [value, Constant(index.value % n, Signed)])

    def expr_Dict(self, node: ast.Dict, expected):
        """`{k: v, ...}`: a new dict, the pairs stored in order (an empty one
        needs its type from an annotation)."""
        if any(k is None for k in node.keys):
            raise self.error("'**' in a dict literal is not supported", node)
        if not node.keys:
            if not isinstance(expected, DictType):
                raise self.unknown("cannot infer the type of the empty dict {}; annotate the "
                                   "variable, e.g. 'd: dict[str, int] = {}'", node) \
                    if not self.strict else self.error(
                        "cannot infer the type of the empty dict {}; annotate the variable, "
                        "e.g. 'd: dict[str, int] = {}'", node)
            return self.emit("newdict", [Constant(expected, Void)])
        want = expected if isinstance(expected, DictType) else None
        values = self.exprs([x for pair in zip(node.keys, node.values) for x in pair],
                            [want and want.key, want and want.value] * len(node.keys))
        keys, items = values[0::2], values[1::2]
        if want is None:
            key = Str if all(v.concretetype in (Str, Char) for v in keys) else \
                keys[0].concretetype
            try:
                want = dict_type(key, self.common_item(items, None, node))
            except AnnotationError as exc:
                raise self.error(str(exc), node) from None
        held = [self.hold(v) for v in values]
        d = self.emit("newdict", [Constant(want, Void)])
        for k, v in zip(held[0::2], held[1::2]):
            key, value = self.release(k), self.release(v)
            self.emit("dict_setitem", [d, self.dict_key(d, key, node),
                                       self.sink(value, want.value, node, "a dict's value",
                                                 None)])
        return d

    def dict_key(self, d, key, node: ast.AST):
        """`key` as a key of the dict `d` (a one-character literal as a str)."""
        t = d.concretetype.key
        converted = convert_constant(key, t)
        if converted is None and t is Str and key.concretetype is Char:
            converted = self.cast("cast_char_to_str", key)
        if converted is None:
            raise self.error(f"a key of a {type_name(d.concretetype)} must be "
                             f"{type_name(t)}, not {type_name(key.concretetype)}", node)
        return converted

    def expr_List(self, node: ast.List, expected):
        item = expected.item if isinstance(expected, ListType) else None
        if not node.elts:
            return self.empty_list(item, node)
        values = self.exprs(node.elts, [item] * len(node.elts))
        item = self.common_item(values, item, node)
        c_type = Constant(ListType(item), Void)
        v_list = self.emit("newlist", [c_type, Constant(len(values), Signed),
                                       Constant(_default(item), item)])
        for i, value in enumerate(values):
            self.emit("list_setitem", [v_list, Constant(i, Signed),
                                       convert_constant(value, item)])
        return v_list

    def empty_list(self, item, node: ast.AST):
        if item is None or item is UNKNOWN:
            # (a comprehension's list is typed by its appends, checked after them)
            if self.strict and not getattr(node, "comprehension", False):
                raise self.error("cannot infer the item type of the empty list []; annotate "
                                 "the variable, e.g. 'xs: list[int] = []'", node)
            item = UNKNOWN
        return self.emit("newlist", [Constant(ListType(item), Void), Constant(0, Signed),
                                     Constant(_default(item), item)])

    def common_item(self, values: list, item, node: ast.AST):
        candidates = [item] if item is not None and item is not UNKNOWN else []
        candidates += [v.concretetype for v in values]
        for t in dict.fromkeys(candidates):
            if all(convert_constant(v, t) is not None for v in values):
                return t
        names = " and ".join(dict.fromkeys(type_name(v.concretetype) for v in values))
        raise self.error(f"list literal mixes {names}; a list holds one type", node)

    def list_repeat(self, item_node, count_node, list_first: bool, expected):
        """`[x] * n` (or `n * [x]`): newlist(T, n, x)."""
        item_t = expected.item if isinstance(expected, ListType) else None
        if list_first:
            item, count = self.exprs([item_node, count_node], [item_t, None])
        else:
            count, item = self.exprs([count_node, item_node], [None, item_t])
        if item_t is not None and convert_constant(item, item_t) is not None:
            item = convert_constant(item, item_t)
        count = self.index_value(count, count_node, "the count of [x] * n")
        return self.emit("newlist", [Constant(ListType(item.concretetype), Void), count, item])

    def expr_Attribute(self, node: ast.Attribute, expected):
        module = self.module_of(node.value)
        if module is not None:
            obj = self.module_attribute(module, node.value, node.attr, node)
            return self.global_value(f"{node.value.id}.{node.attr}", node, obj)
        obj = self.expr(node.value)
        return self.getattr_value(obj, node)

    def module_of(self, node: ast.expr):
        """The module a non-local name refers to (`mod` in `mod.CONST`)."""
        if isinstance(node, ast.Name) and node.id not in self.local_names:
            obj = self.lookup(node.id, node)
            if isinstance(obj, types.ModuleType):
                return obj
        return None

    def module_attribute(self, module, base: ast.Name, attr: str, node: ast.AST):
        try:
            return getattr(module, attr)
        except AttributeError:
            raise self.error(f"unknown name '{base.id}.{attr}'", node) from None

    def getattr_value(self, obj, node: ast.Attribute):
        t = obj.concretetype
        if not isinstance(t, StructType):
            raise self.error(f"attribute '.{node.attr}' of a {type_name(t)} is not "
                             "supported", node)
        if node.attr in t.fields:
            return self.emit("getfield", [obj, Constant(node.attr, Void)])
        if node.attr == "__class__" and t.pyclass is not None:
            return self.emit("instance_class", [obj])
        value = class_attribute(t.pyclass, node.attr)[1] if t.pyclass else None
        if value is not None and type(value) in _CONSTANT_TYPES:
            return self.constant(value, node)
        if callable(value):
            raise self.error(f"method '{t.name}.{node.attr}' can only be called", node)
        holders = [k.__name__ for k in known_subclasses(t.pyclass)
                   if node.attr in vars(k).get("__annotations__", {})] if t.pyclass else []
        if holders:
            raise self.error(f"class '{t.name}' has no field '{node.attr}' (its subclass "
                             f"'{holders[0]}' has); test isinstance(x, {holders[0]}) on the "
                             f"local x first: it is a {holders[0]} where the test holds", node)
        raise self.error(f"class '{t.name}' has no field '{node.attr}'; declare it in the "
                         f"class body ('{node.attr}: int')", node)


def _comprehension_statements(node: ast.ListComp) -> list:
    """`result = []` and the nest of for loops and ifs appending `elt` to it."""
    result = ast.Name(node.result_name, ast.Store())
    body = [ast.Expr(ast.Call(ast.Attribute(ast.Name(node.result_name, ast.Load()), "append",
                                            ast.Load()), [node.elt], []))]
    for gen in reversed(node.generators):
        for cond in reversed(gen.ifs):
            body = [ast.If(cond, body, [])]
        body = [ast.For(gen.target, gen.iter, body, [])]
    empty = ast.List([], ast.Load())
    empty.comprehension = True
    statements = [ast.Assign([result], empty), *body]
    for statement in statements:
        for sub in ast.walk(statement):
            if "lineno" in sub._attributes and not hasattr(sub, "lineno"):
                ast.copy_location(sub, node)
    return statements


def _none_test(node: ast.expr, local_names) -> tuple:
    """(x, True) for `x is not None`, (x, False) for `x is None` (x a local),
    else (None, None)."""
    if (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.ops[0], (ast.Is, ast.IsNot))
            and isinstance(node.left, ast.Name) and node.left.id in local_names
            and isinstance(node.comparators[0], ast.Constant)
            and node.comparators[0].value is None):
        return node.left.id, isinstance(node.ops[0], ast.IsNot)
    return None, None


def _is_membership(node: ast.Compare) -> bool:
    return len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn))


def _is_single_list(node: ast.AST) -> bool:
    return isinstance(node, ast.List) and len(node.elts) == 1


def _default(t):
    return default_constant(t).value if t is not UNKNOWN else None

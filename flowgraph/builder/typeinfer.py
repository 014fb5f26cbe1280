"""Types for the builder: annotations, the table of local types, conversions.

Every local variable of a function has exactly one low-level type, whatever
path assigns it (flow-insensitive, like RPython).  The `TypeTable` maps each
local (and the pseudo-local `RETURN`, the function's result) to its type and
to the place that fixed it, so that a conflict can name both places.

The table is filled *while* the builder builds the function (see the typing
rounds in `build.py`): the first assignment of a local records its type;
later assignments must agree.  Two kinds of entries are provisional and get
refined by later evidence, which makes the round that used them invalid
(`dirty`), so that the builder builds the function again:

- an empty list `[]` has the *pending* type `List(Unknown)` until an
  `append`, an item store or an assignment of a typed list fixes its items;
- a one-character string literal (`c = "+"`) is a `Str` that becomes a
  `Char` when the same local is also assigned a character (`c = s[i]`).

Conversions are exact or rejected: CPython is the oracle and results compare
by exact type (`1`, `1.0` and `True` differ), so an `int` is never silently
widened into a `float` sink; arithmetic mixes types as Python does, with
explicit `cast_*` operations (see `arith.py`).
"""

from __future__ import annotations

import ast
import types
import typing
from dataclasses import dataclass

from flowgraph.lltypes import (Bool, Char, Float, ListType, LowLevelType, Primitive, Signed,
                               Str, StructType, TupleType, Void, DictType, common_base,
                               is_subtype)
from flowgraph.model import Constant

UNKNOWN = Primitive("Unknown", object)      # items of an empty list not yet inferred
PENDING_LIST = ListType(UNKNOWN)
RETURN = "<return>"                         # the table's pseudo-local for the result

_PY_NAMES = {Signed: "int", Float: "float", Bool: "bool", Str: "str", Void: "None",
             Char: "str (a character)", UNKNOWN: "?"}
_BUILTIN_TYPES = {int: Signed, float: Float, bool: Bool, str: Str, None: Void,
                  type(None): Void}
NUMERIC_RANK = {Bool: 0, Signed: 1, Float: 2}


def type_name(t: LowLevelType) -> str:
    """The Python spelling of a low-level type, for error messages."""
    if isinstance(t, ListType):
        return f"list[{type_name(t.item)}]"
    if isinstance(t, DictType):
        return f"dict[{type_name(t.key)}, {type_name(t.value)}]"
    if isinstance(t, TupleType):
        return f"tuple[{', '.join(map(type_name, t.items))}]" if t.items else "tuple[()]"
    if isinstance(t, StructType):
        return t.name
    return _PY_NAMES.get(t, str(t))


def is_pending(t) -> bool:
    """Is `t` a list type whose item type (at any depth) is still unknown?"""
    while isinstance(t, ListType):
        t = t.item
    return t is UNKNOWN


def fits(src: LowLevelType, dst: LowLevelType) -> bool:
    """Can a value of type `src` flow into a sink of type `dst` unchanged?
    A pending list fits any list of the same depth."""
    if is_subtype(src, dst):            # the same type, or a subclass's instance
        return True
    if isinstance(src, ListType) and isinstance(dst, ListType):
        return src.item is UNKNOWN or dst.item is UNKNOWN or fits(src.item, dst.item)
    return False


def is_none(value) -> bool:
    """The constant None (of Void type: not yet a reference of some class)."""
    return isinstance(value, Constant) and value.concretetype is Void and value.value is None


def is_flexible_char(value) -> bool:
    """A one-character string constant: usable as a `Str` or as a `Char`."""
    return (isinstance(value, Constant) and value.concretetype is Str
            and isinstance(value.value, str) and len(value.value) == 1)


def convert_constant(value, target: LowLevelType):
    """The value as a `target` without any operation, or None.  The constant
    None is a value of every class type (a reference to no instance)."""
    if fits(value.concretetype, target):
        return value
    if is_none(value) and isinstance(target, StructType):
        return Constant(None, target)
    if target is Char and is_flexible_char(value):
        return Constant(value.value, Char)
    return None


# -- annotations ---------------------------------------------------------------

class AnnotationError(Exception):
    """An annotation outside the subset; the caller adds the place."""


def annotation_type(node: ast.expr, lookup, struct_of) -> LowLevelType:
    """The low-level type of an annotation's AST.  `lookup(name)` resolves a
    name in the function's scope (raising KeyError), `struct_of(cls)` gives a
    user class's StructType."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            raise AnnotationError(f"annotation {node.value!r} is not an expression") from None
        return annotation_type(node, lookup, struct_of)
    if isinstance(node, ast.Constant) and node.value is None:
        return Void
    if isinstance(node, ast.Name):
        try:
            obj = lookup(node.id)
        except KeyError:
            raise AnnotationError(f"unknown type '{node.id}' in annotation") from None
        return object_type(obj, lookup, struct_of)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _optional(ast.unparse(node), [annotation_type(side, lookup, struct_of)
                                             for side in (node.left, node.right)])
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id == "Optional":
            return _optional(ast.unparse(node),
                             [annotation_type(node.slice, lookup, struct_of), Void])
        if node.value.id in ("list", "List"):
            return ListType(annotation_type(node.slice, lookup, struct_of))
        if node.value.id in ("dict", "Dict"):
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else []
            if len(items) != 2:
                raise AnnotationError(f"annotation '{ast.unparse(node)}' is not supported: "
                                      "a dict annotation names its key and value types, "
                                      "dict[str, int]")
            return dict_type(*(annotation_type(i, lookup, struct_of) for i in items))
        if node.value.id in ("tuple", "Tuple"):
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if any(isinstance(i, ast.Constant) and i.value is Ellipsis for i in items):
                raise AnnotationError(f"annotation '{ast.unparse(node)}' is not supported: "
                                      "a tuple has a fixed length (tuple[int, int]); use a "
                                      "list for a variable number of items")
            return TupleType(tuple(annotation_type(i, lookup, struct_of) for i in items))
    raise AnnotationError(f"annotation '{ast.unparse(node)}' is not supported; use int, "
                          "float, bool, str, list[...], tuple[...] or a class")


def dict_type(key, value) -> DictType:
    """dict[key, value]; keys are ints or strs."""
    if key not in (Signed, Str):
        raise AnnotationError(f"a dict's keys must be int or str, not {type_name(key)}")
    return DictType(key, value)


def _optional(text: str, sides: list) -> LowLevelType:
    """`C | None` (or `Optional[C]`): the class type C, whose values include None."""
    classes = [t for t in sides if t is not Void]
    if len(classes) == 1 and len(sides) == 2 and isinstance(classes[0], StructType):
        return classes[0]
    raise AnnotationError(f"annotation '{text}' is not supported; a union is only "
                          "'C | None' of a class C (its values include None)")


def object_type(obj, lookup, struct_of) -> LowLevelType:
    """The low-level type of an annotation object (`int`, `list[int]`, a
    class, or a string to parse)."""
    if isinstance(obj, str):
        return annotation_type(ast.Constant(obj), lookup, struct_of)
    if obj in _BUILTIN_TYPES:
        return _BUILTIN_TYPES[obj]
    if isinstance(obj, types.UnionType) or getattr(obj, "__origin__", None) is typing.Union:
        return _optional(repr(obj), [Void if a is type(None) else object_type(a, lookup, struct_of)
                                     for a in obj.__args__])
    if isinstance(obj, types.GenericAlias) and obj.__origin__ is list:
        (item,) = obj.__args__
        return ListType(object_type(item, lookup, struct_of))
    if isinstance(obj, types.GenericAlias) and obj.__origin__ is dict:
        return dict_type(*(object_type(i, lookup, struct_of) for i in obj.__args__))
    if isinstance(obj, types.GenericAlias) and obj.__origin__ is tuple:
        if Ellipsis in obj.__args__:
            raise AnnotationError(f"annotation {obj!r} is not supported: a tuple has a fixed "
                                  "length (tuple[int, int]); use a list for a variable "
                                  "number of items")
        return TupleType(tuple(object_type(i, lookup, struct_of) for i in obj.__args__))
    if isinstance(obj, type) and not issubclass(obj, BaseException):
        return struct_of(obj)
    raise AnnotationError(f"annotation {obj!r} is not supported; use int, float, bool, "
                          "str, list[...], tuple[...] or a class")


# -- the table of local types ----------------------------------------------------

@dataclass(slots=True)
class Place:
    filename: str
    lineno: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


@dataclass(slots=True)
class Entry:
    type: LowLevelType
    place: Place
    declared: bool = False      # a parameter or an annotated local
    flexible: bool = False      # only one-character literals so far (Str or Char)


class TypeConflict(Exception):
    """Raised by the table; the builder turns it into a FlowError."""

    def __init__(self, name: str, new: LowLevelType, entry: Entry):
        super().__init__(name)
        self.name, self.new, self.entry = name, new, entry


class TypeTable:
    """Local name -> Entry.  `dirty` says the current round used a type that
    changed afterwards (or met an unknown); `progress` says it learnt
    something new."""

    def __init__(self):
        self.entries: dict[str, Entry] = {}
        self.dirty = False
        self.progress = False

    def start_round(self) -> None:
        self.dirty = False
        self.progress = False

    def get(self, name: str) -> LowLevelType | None:
        entry = self.entries.get(name)
        return entry.type if entry else None

    def place(self, name: str) -> Place | None:
        entry = self.entries.get(name)
        return entry.place if entry else None

    def has_pending(self) -> bool:
        """Is some list's item type still unknown?"""
        return any(is_pending(entry.type) for entry in self.entries.values())

    def declare(self, name: str, t: LowLevelType, place: Place) -> None:
        """A parameter or an annotated local: its type is fixed up front."""
        entry = self.entries.get(name)
        if entry is not None and entry.type != t:
            raise TypeConflict(name, t, entry)
        if entry is None:
            self.entries[name] = Entry(t, place, declared=True)

    def record(self, name: str, value, place: Place) -> LowLevelType:
        """Record that `value` is assigned to `name`; returns the local's type
        (the value must then be converted to it), raises TypeConflict."""
        t = value.concretetype
        entry = self.entries.get(name)
        if entry is None:
            self.entries[name] = Entry(t, place, flexible=is_flexible_char(value))
            self.progress = True
            return t
        if fits(t, entry.type) and not is_pending(entry.type):
            if entry.flexible and not is_flexible_char(value):
                entry.flexible = False
            return entry.type
        return self._refine(name, value, entry, place)

    def _refine(self, name: str, value, entry: Entry, place: Place) -> LowLevelType:
        t = value.concretetype
        if is_flexible_char(value) and entry.type is Char:
            return Char
        refinable = (is_pending(entry.type) and fits(t, entry.type)
                     or entry.flexible and t is Char)
        base = common_base(t, entry.type) if isinstance(t, StructType) else None
        if base is not None and not entry.declared:
            # instances of two classes of one hierarchy: the local holds their
            # nearest common base (flow-insensitive, as every local's type)
            entry.type, entry.place = base, place
            self.dirty = self.progress = True
            return base
        if entry.declared or not refinable:
            if fits(t, entry.type):
                return entry.type
            raise TypeConflict(name, t, entry)
        if t != entry.type and not is_pending(t):
            entry.type, entry.place, entry.flexible = t, place, False
            self.dirty = self.progress = True
        return entry.type

    def refine_list(self, name: str, t: LowLevelType, place: Place) -> None:
        """A list local with pending items meets a use that fixes them
        (`name.append(1)`, `f(name)` with a `list[int]` parameter)."""
        entry = self.entries.get(name)
        if entry is not None and is_pending(entry.type) and not is_pending(t) \
                and fits(t, entry.type):
            entry.type, entry.place = t, place
            self.dirty = self.progress = True

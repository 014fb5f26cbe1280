"""Low-level types of flow-graph values.

Every `Variable` and `Constant` carries one of these as its `concretetype`:

    Signed   64-bit two's complement integer (Python `int`)
    Float    IEEE double (Python `float`)
    Bool     `bool`
    Char     one character (the result of indexing a `str`)
    Void     compile-time-only values: function references, type and flag constants
    Str      immutable string
    ListType(item)      growable list (Python `list[...]`), a GC reference
    TupleType(items)    immutable tuple of a fixed length (`tuple[int, str]`), a GC reference
    DictType(key, value) a dict with int or str keys (`dict[str, int]`), a GC reference
    ArrayType(item)     fixed-size array, a GC reference
    StructType(name, fields)  an instance of a user class, a GC reference

Primitive types are singletons compared by identity; container types compare
structurally, except `StructType`, which is nominal (one per user class).
"""

from __future__ import annotations

from dataclasses import dataclass


class LowLevelType:
    """Base class of all low-level types."""

    __slots__ = ()
    is_gcref = False

    def short(self) -> str:
        """Name used by the textual IR (`Signed`, `List(Signed)`, `S`)."""
        return str(self)


class Primitive(LowLevelType):
    __slots__ = ("name", "pytype", "is_gcref")

    def __init__(self, name: str, pytype, is_gcref: bool = False):
        self.name = name
        self.pytype = pytype
        self.is_gcref = is_gcref

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def __reduce__(self):
        return (_primitive_by_name, (self.name,))


Signed = Primitive("Signed", int)
Float = Primitive("Float", float)
Bool = Primitive("Bool", bool)
Char = Primitive("Char", str)
Void = Primitive("Void", object)
Str = Primitive("Str", str, is_gcref=True)
Class = Primitive("Class", type, is_gcref=True)     # a user class, `o.__class__`

PRIMITIVES = {t.name: t for t in (Signed, Float, Bool, Char, Void, Str, Class)}


def _primitive_by_name(name: str) -> Primitive:
    return PRIMITIVES[name]


@dataclass(frozen=True, slots=True)
class ListType(LowLevelType):
    """A growable list of `item`; Python `list[item]`."""

    item: LowLevelType
    is_gcref = True

    def __str__(self) -> str:
        return f"List({self.item})"


@dataclass(frozen=True, slots=True)
class TupleType(LowLevelType):
    """An immutable tuple, one type per position; Python `tuple[int, str]`."""

    items: tuple
    is_gcref = True

    def __str__(self) -> str:
        return f"Tuple({', '.join(map(str, self.items))})"


@dataclass(frozen=True, slots=True)
class DictType(LowLevelType):
    """A dict from `key` (Signed or Str) to `value`; Python `dict[str, int]`."""

    key: LowLevelType
    value: LowLevelType
    is_gcref = True

    def __str__(self) -> str:
        return f"Dict({self.key}, {self.value})"


@dataclass(frozen=True, slots=True)
class ArrayType(LowLevelType):
    """A fixed-size array of `item`."""

    item: LowLevelType
    is_gcref = True

    def __str__(self) -> str:
        return f"Array({self.item})"


class StructType(LowLevelType):
    """An instance of a user class: a GC reference to a record of typed fields.

    Nominal: two struct types are equal only if they are the same object.
    `fields` is an ordered dict name -> LowLevelType; it may be completed after
    creation (a class whose fields refer to itself).  `base`: the struct of
    the class's base class (single inheritance), whose fields come first;
    a reference to a subclass's instance is also a reference of its bases'
    types (`is_subtype`).
    """

    __slots__ = ("name", "fields", "pyclass", "base", "__weakref__")
    is_gcref = True

    def __init__(self, name: str, fields: dict | None = None, pyclass=None, base=None):
        self.name = name
        self.fields = dict(fields or {})
        self.pyclass = pyclass
        self.base = base

    def ancestors(self) -> list:
        """This struct, then its base, its base's base, ..."""
        chain, t = [], self
        while t is not None:
            chain.append(t)
            t = t.base
        return chain

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def fieldtype(self, name: str) -> LowLevelType:
        return self.fields[name]


def is_subtype(src: LowLevelType, dst: LowLevelType) -> bool:
    """Can a value of type `src` be used where a `dst` is wanted?  The same
    type, or a struct whose class derives from `dst`'s."""
    return src == dst or (isinstance(src, StructType) and isinstance(dst, StructType)
                          and dst in src.ancestors())


def common_base(a: LowLevelType, b: LowLevelType) -> LowLevelType | None:
    """The nearest type both `a` and `b` are subtypes of, or None."""
    if is_subtype(a, b):
        return b
    if is_subtype(b, a):
        return a
    if isinstance(a, StructType) and isinstance(b, StructType):
        return next((t for t in a.ancestors() if t in b.ancestors()), None)
    return None


def common_base_of(types) -> LowLevelType | None:
    """`common_base` of every type of `types` (a non-empty iterable), or None."""
    types = iter(types)
    joined = next(types)
    for t in types:
        joined = common_base(joined, t) if joined is not None else None
    return joined


_PYTYPES = {int: Signed, float: Float, bool: Bool, str: Str}


def typeof_constant(value) -> LowLevelType:
    """The low-level type of a Python literal (`True` is Bool, not Signed)."""
    t = _PYTYPES.get(type(value))
    if t is None:
        raise TypeError(f"no low-level type for constant {value!r}")
    return t


def default_value(t: LowLevelType):
    """The zero of a type, as used for fresh list and struct storage."""
    if t is Signed:
        return 0
    if t is Float:
        return 0.0
    if t is Bool:
        return False
    if t is Char:
        return "\x00"
    if t is Str:
        return ""
    return None

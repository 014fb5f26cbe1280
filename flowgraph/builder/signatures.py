"""Function sources, signatures and struct types for the builder.

`load_source(func)` reads and parses a function's `def` (absolute line
numbers: `offset` is added to the AST's), and resolves names in the
function's scope: closure cells, then module globals, then builtins.
`parse_signature` types the parameters from their annotations (the first
parameter of a method is the receiver, unannotated) and collects defaults.
`struct_of(cls)` gives the one `StructType` of a user class: its base
class's fields (single inheritance from another user class), then a field
per annotation of the class body; every field assigned before it is read
(`fieldinit.py`).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
import types
import weakref
from dataclasses import dataclass, field

from flowgraph.errors import FlowError
from flowgraph.builder.fieldinit import check_initialised
from flowgraph.lltypes import LowLevelType, StructType
from flowgraph.builder.typeinfer import (AnnotationError, Place, annotation_type, object_type,
                                         type_name)


# -- sources and signatures ------------------------------------------------------

@dataclass
class FunctionSource:
    """A function's parsed source: its `def` node, file, line offset and the
    scope names resolve in (closure cells, module globals, builtins)."""

    func: types.FunctionType
    node: ast.FunctionDef
    filename: str
    offset: int
    local_names: set = field(default_factory=set)
    _assigned: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.func.__qualname__.split("<locals>.")[-1]

    def absline(self, node: ast.AST) -> int:
        return getattr(node, "lineno", 1) + self.offset

    def lookup(self, name: str):
        code, closure = self.func.__code__, self.func.__closure__ or ()
        if name in code.co_freevars:
            try:
                return closure[code.co_freevars.index(name)].cell_contents
            except ValueError:
                raise KeyError(name) from None
        if name in self.func.__globals__:
            return self.func.__globals__[name]
        return builtins.__dict__[name]

    def assigned_in(self, node: ast.AST) -> list:
        """Names a statement (a loop) assigns anywhere inside it."""
        if node not in self._assigned:
            self._assigned[node] = list(dict.fromkeys(_assigned_names(node)))
        return self._assigned[node]


def load_source(func: types.FunctionType) -> FunctionSource:
    code = func.__code__
    try:
        lines, firstlineno = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        raise FlowError(f"cannot read the source of '{func.__qualname__}': {exc}",
                        code.co_filename, code.co_firstlineno) from None
    tree = ast.parse(textwrap.dedent("".join(lines)))
    node = tree.body[0] if tree.body else None
    if isinstance(node, ast.AsyncFunctionDef):
        raise FlowError(f"async function '{func.__qualname__}' is not supported; write a "
                        "plain function", code.co_filename, firstlineno)
    if not isinstance(node, ast.FunctionDef) or node.name != func.__name__:
        raise FlowError(f"'{func.__qualname__}' is not defined by a def statement (a lambda "
                        "is not supported; define a module-level function)",
                        code.co_filename, firstlineno)
    source = FunctionSource(func, node, code.co_filename, firstlineno - 1)
    params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
    results = scope_comprehensions(node)
    source.local_names = {a.arg for a in params} | set(_assigned_names(node)) | results
    return source


def scope_comprehensions(function: ast.FunctionDef) -> set:
    """Give each list comprehension of `function` the scope Python 3 gives
    it: its loop variables are renamed (`x` -> `x_lc12`, unique in the
    function) in the comprehension only, so that they are other variables
    than the function's own; and a name for its result list
    (`comp.result_name`), which the builder fills by a loop of its own
    (expr.py).  Inner comprehensions first: a name an inner one binds is its
    own, a name it reads from the outer one is the outer's.  Returns the
    result names."""
    taken = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    taken |= {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
    results = set()

    def fresh(base: str) -> str:
        name = base
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            visit(child)
        if not isinstance(node, ast.ListComp):
            return
        renamed = {}
        for gen in node.generators:
            for target in ast.walk(gen.target):
                if isinstance(target, ast.Name) and target.id not in renamed:
                    renamed[target.id] = fresh(f"{target.id}_lc{node.lineno}")
        # the first iterable is evaluated outside the comprehension's scope
        inside = [node.elt, *(gen.target for gen in node.generators),
                  *(cond for gen in node.generators for cond in gen.ifs),
                  *(gen.iter for gen in node.generators[1:])]
        for part in inside:
            for name in ast.walk(part):
                if isinstance(name, ast.Name) and name.id in renamed:
                    name.id = renamed[name.id]
        node.result_name = fresh(f"listcomp_{node.lineno}")
        results.add(node.result_name)

    visit(function)
    return results


def _assigned_names(node: ast.AST):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            yield sub.id


@dataclass
class Signature:
    name: str
    params: list                    # [(name, LowLevelType)]
    defaults: dict                  # name -> Python default value
    places: dict                    # name -> Place of the parameter
    return_type: LowLevelType | None
    return_place: Place


def parse_signature(source: FunctionSource, self_type, struct_for) -> Signature:
    args = source.node.args
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            star = "*" if extra is args.vararg else "**"
            raise FlowError(f"parameter '{star}{extra.arg}' of {source.name}() is not "
                            "supported; pass a list instead", source.filename,
                            source.absline(extra))
    params, places = [], {}
    for i, arg in enumerate(args.posonlyargs + args.args + args.kwonlyargs):
        places[arg.arg] = Place(source.filename, source.absline(arg))
        params.append((arg.arg, _param_type(source, arg, i, self_type, struct_for)))
    return_type = None
    if source.node.returns is not None:
        return_type = annotation_of(source, source.node.returns, struct_for)
    return Signature(source.name, params, _defaults(source.func), places, return_type,
                     Place(source.filename, source.absline(source.node)))


def _param_type(source, arg: ast.arg, index: int, self_type, struct_for) -> LowLevelType:
    if index == 0 and self_type is not None:
        return self_type
    if arg.annotation is None:
        raise FlowError(f"parameter '{arg.arg}' of {source.name}() needs a type annotation "
                        f"(e.g. '{arg.arg}: int'; int, float, bool, str, list[int], "
                        "list[float], list[bool] or a class)", source.filename,
                        source.absline(arg))
    return annotation_of(source, arg.annotation, struct_for)


def annotation_of(source, node: ast.expr, struct_for) -> LowLevelType:
    try:
        return annotation_type(node, source.lookup, struct_for)
    except AnnotationError as exc:
        raise FlowError(str(exc), source.filename, source.absline(node)) from None


def _defaults(func) -> dict:
    code = func.__code__
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    positional = names[:code.co_argcount]
    result = dict(zip(positional[len(positional) - len(func.__defaults__ or ()):],
                      func.__defaults__ or ()))
    result.update(func.__kwdefaults__ or {})
    return result


# -- classes ---------------------------------------------------------------------

_structs: "weakref.WeakKeyDictionary[type, StructType]" = weakref.WeakKeyDictionary()


_own_fields: "weakref.WeakKeyDictionary[StructType, dict]" = weakref.WeakKeyDictionary()


def struct_of(cls: type) -> StructType:
    """The StructType of a user class (one per class, shared by all builds):
    the base class's fields, then one field per annotation of the class
    body.  Raises AnnotationError."""
    if cls in _structs:
        return _structs[cls]
    base = _base_struct(cls)
    struct = _structs[cls] = StructType(cls.__name__, pyclass=cls, base=base)
    own = _own_fields[struct] = {}
    module = inspect.getmodule(cls)
    scope = dict(vars(module)) if module else {}
    scope[cls.__name__] = cls

    def lookup(name):
        if name in scope:
            return scope[name]
        return builtins.__dict__[name]
    try:
        _layout(struct)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            t = object_type(annotation, lookup, struct_of)
            if base is not None and name in base.fields and base.fields[name] != t:
                raise AnnotationError(
                    f"'{name}: {type_name(t)}' redeclares the field '{base.name}.{name}: "
                    f"{type_name(base.fields[name])}'; a subclass keeps its base's field "
                    "types")
            own[name] = t
        _layout(struct)
        check_initialised(cls, struct, load_source)
    except AnnotationError as exc:
        del _structs[cls]
        raise AnnotationError(f"field of class '{cls.__name__}': {exc}") from None
    except BaseException:
        del _structs[cls]
        raise
    known_subclasses(cls)       # the subclasses there are now may come where cls goes
    return struct


def is_known_class(cls: type) -> bool:
    """Has `cls` a struct already: a class compiled code may meet (made
    for it, or for a base class when it already existed)?"""
    return cls in _structs


def known_subclasses(cls: type, register: bool = True) -> list:
    """Every subclass of `cls` there is now, their structs made (`register`:
    from now on they are known, `is_known_class`); else only those known."""
    found, todo = [], list(cls.__subclasses__())
    while todo:
        k = todo.pop()
        todo.extend(k.__subclasses__())
        if register:
            try:
                struct_of(k)
            except (AnnotationError, FlowError):
                continue                # not a class of the subset: never accepted
        if k in _structs:
            found.append(k)
    return found


def class_attribute(cls: type, name: str, skip: int = 0) -> tuple:
    """(the class defining `name`, its value) for `cls` and its bases in
    method resolution order (after the first `skip` of them), or (None,
    None); `object` does not count."""
    for k in cls.__mro__[skip:-1]:
        if name in vars(k):
            return k, vars(k)[name]
    return None, None


def overriding_classes(cls: type, name: str) -> list:
    """The subclasses of `cls` (known now) that define the method `name`
    themselves, deepest first."""
    found = [k for k in known_subclasses(cls) if isinstance(vars(k).get(name), types.FunctionType)]
    return sorted(found, key=lambda k: -len(k.__mro__))


def is_program_class(obj) -> bool:
    """Is `obj` a class of the program (not a built-in type or an exception)?"""
    return (isinstance(obj, type) and obj.__module__ != "builtins"
            and not issubclass(obj, BaseException))


def _base_struct(cls: type) -> StructType | None:
    """The struct of `cls`'s one base class (None for `object`)."""
    bases = cls.__bases__
    if bases == (object,):
        return None
    if len(bases) > 1:
        names = ", ".join(b.__name__ for b in bases)
        raise AnnotationError(f"class '{cls.__name__}' has several base classes ({names}); "
                              "only single inheritance is supported")
    (base,) = bases
    if base.__module__ == "builtins" or not isinstance(base, type) or type(base) is not type:
        raise AnnotationError(f"class '{cls.__name__}' derives from '{base.__name__}'; a "
                              "class may only derive from another class of the program")
    try:
        return struct_of(base)
    except AnnotationError as exc:
        raise AnnotationError(f"base class of '{cls.__name__}': {exc}") from None


def _layout(struct: StructType) -> None:
    """`struct.fields`: its base's, then its own; again for every subclass
    made meanwhile (a base whose fields refer to a subclass)."""
    fields = dict(struct.base.fields) if struct.base is not None else {}
    fields.update(_own_fields.get(struct, {}))
    struct.fields = fields
    for other in list(_structs.values()):
        if other.base is struct:
            _layout(other)


def struct_converter(place: Place | None):
    """`struct_of` raising FlowError at `place`."""
    def convert(cls):
        try:
            return struct_of(cls)
        except AnnotationError as exc:
            where = place or Place("?", 0)
            raise FlowError(str(exc), where.filename, where.lineno) from None
    return convert

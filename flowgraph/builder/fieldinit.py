"""Definite initialisation of struct fields: no field is read before it holds
a value, as in CPython (where such a read raises AttributeError).

`malloc` gives every field a default value, so a field that CPython would not
have yet would silently read as 0 in the flow graph.  `check_initialised(cls,
struct, load_source)` therefore rejects a class unless every annotated field
without a class-level default (`count: int = 0`) is

- assigned (`self.f = ...`) on every path through `__init__` that returns
  normally (paths ending in `raise` do not count: no object escapes them);
- not read in `__init__` (`self.f`, `self.f += 1`, `self.f[i] = x`) where it
  may not be assigned yet;
- not reachable through `self` escaping `__init__` early: a method call
  (`self.m()`) or `self` passed or stored anywhere while some such field may
  still be unassigned.

The analysis walks `__init__`'s AST with the set of fields assigned so far
(None once a path has ended): an `if` meets both branches (intersection); a
loop body may run zero times, so after a loop comes the entry set (or, for
`while True`, the meet of the `break`s); `return` records an exit.  It is
sound for the subset the builder accepts and conservative elsewhere.
Errors name the class, the field and the place, and say what to write.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types

from flowgraph.errors import FlowError
from flowgraph.lltypes import default_value
from flowgraph.builder.typeinfer import Place, type_name


def check_initialised(cls: type, struct, load_source) -> None:
    """Raise FlowError if a field of `cls` may be read before assignment
    (see the module docstring).  `load_source(func)` parses `__init__`.
    A subclass's `super().__init__(...)` assigns its base's fields (checked
    with the base); an inherited `__init__` serves when the subclass adds no
    field that needs one."""
    needed = [name for name in struct.fields if not _has_default(cls, name)]
    if not needed:
        return
    places = _field_places(cls)
    owner = next((k for k in cls.__mro__[:-1] if "__init__" in vars(k)), None)
    init = vars(owner).get("__init__") if owner is not None else None
    inherited = owner is not cls and struct.base is not None
    if inherited:
        needed = [name for name in needed if name not in struct.base.fields]
    if not needed:
        return
    if not isinstance(init, types.FunctionType) or inherited:
        field = needed[0]
        raise _field_error(struct, field, places, "has no class-level default and class "
                           f"'{struct.name}' has no __init__ to assign it")
    source = load_source(init)
    _InitScan(struct, needed, places, source).run()


def _has_default(cls: type, name: str) -> bool:
    """Does `cls` or a base class give the field `name` a class-level value?"""
    return any(name in vars(k) for k in cls.__mro__[:-1])


def _is_super_init(node: ast.AST) -> bool:
    """`super().__init__(...)`."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__" and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name) and node.func.value.func.id == "super"
            and not node.func.value.args)


def _field_places(cls: type) -> dict:
    """Field name -> (Place of its annotation, annotation text), read from the
    class body's source; empty if the source cannot be read."""
    try:
        lines, first = inspect.getsourcelines(cls)
        filename = inspect.getsourcefile(cls) or inspect.getfile(cls)
    except (OSError, TypeError):
        return {}
    tree = ast.parse(textwrap.dedent("".join(lines)))
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.ClassDef):
        return {}
    return {stmt.target.id: (Place(filename, first + stmt.lineno - 1),
                             ast.unparse(stmt.annotation))
            for stmt in node.body
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)}


def _advice(struct, field: str, places: dict, where: str = "on every path of __init__") -> str:
    t = struct.fields[field]
    assign = f"assign 'self.{field}' {where}"
    if t.is_gcref:
        return assign
    annotation = places.get(field, (None, type_name(t)))[1]
    return (f"give it a class-level default ('{field}: {annotation} = "
            f"{default_value(t)!r}') or {assign}")


def _field_error(struct, field: str, places: dict, problem: str) -> FlowError:
    """An error at the field's declaration."""
    place = places.get(field, (Place("?", 0), None))[0]
    return FlowError(f"field '{struct.name}.{field}' {problem}; "
                     f"{_advice(struct, field, places)}", place.filename, place.lineno)


class _InitScan:
    """One pass over `__init__` (module docstring); raises the first problem."""

    def __init__(self, struct, needed: list, places: dict, source):
        self.struct, self.needed, self.places, self.source = struct, needed, places, source
        self.cls = struct.pyclass
        args = source.node.args.posonlyargs + source.node.args.args
        self.self_name = args[0].arg if args else None
        self.exits: list = []           # (assigned set, Place) of each normal exit
        self.loops: list = []           # break states of each enclosing loop

    def run(self) -> None:
        node = self.source.node
        end = self.block(node.body, frozenset())
        if end is not None:
            self.exits.append((end, self.place(node, end=True), "reaching the end of"))
        for assigned, place, how in self.exits:
            for field in self.needed:
                if field not in assigned:
                    raise _field_error(
                        self.struct, field, self.places,
                        f"has no class-level default and {self.struct.name}.__init__ does "
                        f"not assign it on every path (not on the path {how} __init__ at "
                        f"{place})")

    def place(self, node: ast.AST, end: bool = False) -> Place:
        line = (node.end_lineno or node.lineno) if end else node.lineno
        return Place(self.source.filename, line + self.source.offset)

    # -- statements ------------------------------------------------------------------

    def block(self, body: list, state):
        for stmt in body:
            if state is None:
                return None
            state = self.stmt(stmt, state)
        return state

    def stmt(self, node: ast.stmt, state):
        handler = getattr(self, "stmt_" + type(node).__name__, None)
        if handler is not None:
            return handler(node, state)
        self.reads(node, state)
        if isinstance(node, ast.Expr) and _is_super_init(node.value) and self.struct.base:
            return state | set(self.struct.base.fields)
        return state

    def stmt_If(self, node: ast.If, state):
        self.reads(node.test, state)
        return _meet(self.block(node.body, state), self.block(node.orelse, state))

    def stmt_While(self, node: ast.While, state):
        self.reads(node.test, state)
        breaks = self.loop_body(node.body, state)
        if isinstance(node.test, ast.Constant) and node.test.value:
            return _meet(*breaks) if breaks else None
        return _meet(self.block(node.orelse, state), *breaks)

    def stmt_For(self, node: ast.For, state):
        self.reads(node.iter, state)
        breaks = self.loop_body(node.body, self.store(node.target, state))
        return _meet(self.block(node.orelse, state), *breaks)

    def loop_body(self, body: list, state) -> list:
        self.loops.append([])
        self.block(body, state)
        return self.loops.pop()

    def stmt_Break(self, node: ast.Break, state):
        if self.loops:
            self.loops[-1].append(state)
        return None

    def stmt_Continue(self, node: ast.Continue, state):
        return None

    def stmt_Return(self, node: ast.Return, state):
        if node.value is not None:
            self.reads(node.value, state)
        self.exits.append((state, self.place(node), "that returns in"))
        return None

    def stmt_Raise(self, node: ast.Raise, state):
        self.reads(node, state)
        return None

    def stmt_Assign(self, node: ast.Assign, state):
        self.reads(node.value, state)
        for target in node.targets:
            state = self.store(target, state)
        return state

    def stmt_AnnAssign(self, node: ast.AnnAssign, state):
        if node.value is None:
            return state
        self.reads(node.value, state)
        return self.store(node.target, state)

    def stmt_AugAssign(self, node: ast.AugAssign, state):
        target = node.target
        field = self.field_of(target)
        if field is not None:
            self.read_field(field, target, state)
        else:
            self.reads(target, state)
        self.reads(node.value, state)
        return self.store(target, state)

    # -- expressions -----------------------------------------------------------------

    def field_of(self, node: ast.AST) -> str | None:
        """`f` for `self.f`, else None."""
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == self.self_name):
            return node.attr
        return None

    def store(self, target: ast.expr, state):
        field = self.field_of(target)
        if field is not None:
            return state | {field}
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                state = self.store(element, state)
            return state
        if not isinstance(target, ast.Name):
            self.reads(target, state)
        return state

    def reads(self, node: ast.AST, state) -> None:
        """Check every use of `self` inside `node` against `state`."""
        bases = set()
        for sub in ast.walk(node):
            field = self.field_of(sub)
            if field is None:
                continue
            bases.add(sub.value)
            if isinstance(sub.ctx, ast.Load) and field in self.struct.fields:
                self.read_field(field, sub, state)
            elif isinstance(sub.ctx, ast.Load) and callable(getattr(self.cls, field, None)):
                self.escape(sub, state, f"the method call 'self.{field}(...)'")
        for sub in ast.walk(node):
            if (isinstance(sub, ast.Name) and sub.id == self.self_name and sub not in bases
                    and isinstance(sub.ctx, ast.Load)):
                self.escape(sub, state, "passing or storing 'self'")

    def read_field(self, field: str, node: ast.AST, state) -> None:
        if field in self.needed and field not in state:
            raise self.use_error(field, node, f"is read in {self.struct.name}.__init__ "
                                 "before it is assigned on every path")

    def escape(self, node: ast.AST, state, what: str) -> None:
        missing = [field for field in self.needed if field not in state]
        if missing:
            raise self.use_error(missing[0], node, f"may not be assigned yet at {what} in "
                                 f"{self.struct.name}.__init__, which could read it")

    def use_error(self, field: str, node: ast.AST, problem: str) -> FlowError:
        """An error at a use in __init__, naming the field's declaration."""
        declared = self.places.get(field)
        where = f" (declared at {declared[0]} without a class-level default)" \
            if declared else " (no class-level default)"
        place = self.place(node)
        return FlowError(f"field '{self.struct.name}.{field}'{where} {problem} (CPython "
                         f"raises AttributeError); "
                         f"{_advice(self.struct, field, self.places, 'before this line')}",
                         place.filename, place.lineno)


def _meet(*states):
    """The fields assigned on every one of the paths that go on (None: none)."""
    live = [s for s in states if s is not None]
    if not live:
        return None
    return frozenset.intersection(*live)

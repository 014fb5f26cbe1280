"""The flow-graph builder: a Python function in the low-level subset -> a
typed SSA `FunctionGraph` (DESIGN section 4, conventions in README.md).

    g = build_graph(func)          # raises FlowError

Algorithm.  The function's source is read with `inspect`, dedented and
parsed with `ast`; line numbers are made absolute.  One `FunctionBuilder`
per function walks the tree with one small handler per node kind
(`stmt.py`, `expr.py`, `call.py`, `arith.py`),
emitting operations into the current block and building the control flow
with block arguments (`blockstate.py`).

Types.  Every local has one type (`typeinfer.TypeTable`), found *while*
building: a *typing round* builds the whole function, recording the type of
every assignment.  A read of a local whose type is not known yet (assigned
later in the text, an empty list whose items are unknown, a recursive call
whose result type is unknown) aborts only the current statement, and a
refinement of a provisional type marks the round dirty.  Rounds repeat until
one is clean: its graph is the result.  If a round learns nothing new, a last
*strict* round turns the first unknown into a FlowError that says what to
annotate.  Most functions need one or two rounds.

Calls.  Callee graphs are built within the same `BuildContext` (one per
top-level `build_graph` call): each function gets one graph object, created
before its body is built, so recursion refers to it; the result type of a
function still being built comes from its annotation or from the returns
its builder has seen so far.

Finally `simplify.py` tidies the graph (dead block arguments, constant block
arguments, empty blocks, block joining, same_as).
"""

from __future__ import annotations

import ast
import inspect
import types

from flowgraph.builder.blockstate import BlockState
from flowgraph.builder.arith import ArithBuilder
from flowgraph.builder.call import CallBuilder
from flowgraph.builder.expr import ExprBuilder
from flowgraph.builder.stmt import StmtBuilder, Unknown
from flowgraph.builder.tryexcept import TryBuilder
from flowgraph.errors import FlowError
from flowgraph.gcpause import collector_paused
from flowgraph.lltypes import ListType, LowLevelType, Str, StructType, Void
from flowgraph.model import Block, Constant, FunctionGraph, Variable
from flowgraph.builder.signatures import (FunctionSource, Signature, annotation_of, load_source,
                                  parse_signature, struct_converter, struct_of)
from flowgraph.simplify import simplify_graph
from flowgraph.builder.typeinfer import (RETURN, Place, TypeConflict, TypeTable, convert_constant,
                                 is_none, is_pending, type_name)

MAX_ROUNDS = 8


def build_graph(func) -> FunctionGraph:
    """The typed flow graph of `func` (and, through its direct_call
    constants, of every function it calls)."""
    self_type = None
    if inspect.ismethod(func):
        self_type, func = struct_of(type(func.__self__)), func.__func__
    if not isinstance(func, types.FunctionType):
        raise FlowError(f"build_graph needs a Python function, got {func!r}")
    context = BuildContext()
    with collector_paused():
        graph = context.graph_for(func, self_type)
    graph.defaults = _entry_defaults(context.signatures[func], func)
    return graph


def _entry_defaults(sig: Signature, func) -> tuple:
    """The defaults of the entry's last parameters, each checked against its
    parameter's type as an argument is (a default that does not fit would
    only fail at a call); a keyword-only parameter cannot be passed by a
    caller of compiled code, which passes arguments by position."""
    from flowgraph.arguments import check_value
    values = []
    for name, T in sig.params:
        place = sig.places[name]
        if name in (func.__kwdefaults__ or {}):
            raise FlowError(f"keyword-only parameter '{name}' of {sig.name}() is not "
                            "supported on the function compiled (its arguments are passed "
                            "by position); make it positional", place.filename, place.lineno)
        if name in sig.defaults:
            try:
                values.append(check_value(sig.name, name, T, sig.defaults[name]))
            except (TypeError, OverflowError) as exc:
                raise FlowError(f"default value of parameter '{name}': {exc}",
                                place.filename, place.lineno) from None
    return tuple(values)


# -- the build context -------------------------------------------------------------

class BuildContext:
    """One top-level build: graphs by function, builders in progress."""

    def __init__(self):
        self.graphs: dict = {}
        self.builders: dict = {}
        self.sources: dict = {}
        self.signatures: dict = {}
        self.failures: dict = {}

    def source(self, func) -> FunctionSource:
        if func not in self.sources:
            self.sources[func] = load_source(func)
        return self.sources[func]

    def signature(self, func, self_type=None, place: Place | None = None) -> Signature:
        if func not in self.signatures:
            source = self.source(func)
            self_type = self_type or _method_self_type(func, source, place)
            self.signatures[func] = parse_signature(source, self_type,
                                                    self.struct_for(place))
        return self.signatures[func]

    def struct_for(self, place: Place | None):
        return struct_converter(place)

    def graph_for(self, func, self_type=None, place: Place | None = None) -> FunctionGraph:
        if func in self.graphs:
            return self.graphs[func]
        if func in self.failures:
            raise self.failures[func]               # (a caller's typing round retries)
        source, sig = self.source(func), self.signature(func, self_type, place)
        graph = FunctionGraph(source.name, Block([]), sig.return_type or Void, func,
                              source.filename, source.offset + 1)
        self.graphs[func] = graph
        try:            # (the builder's constructor may fail too: a conflicting annotation)
            builder = self.builders[func] = FunctionBuilder(self, source, sig, graph)
            graph.startblock = builder.build()
        except BaseException as exc:
            del self.graphs[func]
            if isinstance(exc, FlowError):
                self.failures[func] = exc
            raise
        finally:
            self.builders.pop(func, None)
        graph.returnblock.inputargs[0].concretetype = builder.result_type()
        simplify_graph(graph)
        return graph

    def return_type(self, func) -> LowLevelType | None:
        """The result type of a callee; None while unknown (recursion)."""
        sig = self.signatures[func]
        if sig.return_type is not None and sig.return_type is not Str:
            return sig.return_type
        builder = self.builders.get(func)
        if builder is None:
            return self.graphs[func].return_type
        return builder.table.get(RETURN)


def _method_self_type(func, source: FunctionSource, place) -> StructType | None:
    """The class of `func` when it is a method built on its own (`S.m`)."""
    args = source.node.args.posonlyargs + source.node.args.args
    parts = func.__qualname__.split("<locals>.")[-1].split(".")
    if not args or args[0].annotation is not None or len(parts) != 2:
        return None
    try:
        cls = source.lookup(parts[0])
    except KeyError:
        return None
    if isinstance(cls, type) and cls.__dict__.get(parts[1]) is func:
        return struct_converter(place)(cls)
    return None


# -- the per-function builder ------------------------------------------------------------

class FunctionBuilder(StmtBuilder, CallBuilder, ExprBuilder, ArithBuilder, TryBuilder,
                      BlockState):
    """Builds one function's graph; see the module docstring for the rounds."""

    def __init__(self, ctx: BuildContext, source: FunctionSource, sig: Signature,
                 graph: FunctionGraph):
        self.ctx, self.source, self.sig, self.graph = ctx, source, sig, graph
        self.local_names = source.local_names
        self.lineno = source.absline(source.node)
        self.strict = False
        self.loops: list = []
        self.table = TypeTable()
        self.declare_locals()

    def declare_locals(self) -> None:
        for name, t in self.sig.params:
            self.table.declare(name, t, self.sig.places[name])
        for node in ast.walk(self.source.node):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                t = annotation_of(self.source, node.annotation, self.ctx.struct_for(None))
                try:
                    self.table.declare(node.target.id, t, self.place(node))
                except TypeConflict as exc:
                    raise self.conflict(exc, node) from None
        if self.sig.return_type is not None and self.sig.return_type is not Str:
            self.table.declare(RETURN, self.sig.return_type, self.sig.return_place)

    def build(self) -> Block:
        for _ in range(MAX_ROUNDS):
            self.table.start_round()
            start = self.build_round(strict=False)
            if not self.table.dirty and not self.table.has_pending():
                return start
            if not self.table.progress:
                break
        return self.build_round(strict=True)

    def build_round(self, strict: bool) -> Block:
        self.strict = strict
        self.not_none: set = set()     # instances a class test proved (see none_check)
        self.not_none_links: dict = {}  # id(link) -> names `x is not None` proved on it
        self.init_blocks()
        self.init_tries()
        start = Block([Variable(name, t) for name, t in self.sig.params])
        self.block, self.env = start, dict(zip([n for n, _ in self.sig.params],
                                               start.inputargs))
        self.stmts(self.source.node.body)
        if self.block is not None:
            self.implicit_return()
        return start

    def result_type(self) -> LowLevelType:
        t = self.table.get(RETURN)
        if self.sig.return_type is Str:
            return t or Str
        return self.sig.return_type or t or Void

    # -- errors and places ---------------------------------------------------------

    def absline(self, node: ast.AST) -> int:
        return self.source.absline(node)

    def place(self, node: ast.AST | None) -> Place:
        return Place(self.source.filename, self.absline(node) if node else self.lineno)

    def error(self, message: str, node: ast.AST | None = None) -> FlowError:
        lineno = self.absline(node) if node is not None and hasattr(node, "lineno") \
            else self.lineno
        return FlowError(message, self.source.filename, lineno)

    def unknown(self, message: str, node: ast.AST | None = None) -> Exception:
        """A type not known yet: an error in the strict round, else a retry."""
        return self.error(message, node) if self.strict else Unknown(message)

    def conflict(self, exc: TypeConflict, node: ast.AST) -> FlowError:
        entry = exc.entry
        if exc.name == RETURN:
            what = f"the result of '{self.sig.name}'"
            advice = "every return must give the same type"
        else:
            what = f"local variable '{exc.name}'"
            advice = "a local variable keeps one type; use a second variable"
        declared = "declared " if entry.declared else ""
        text = (f"type conflict for {what}: {type_name(exc.new)} here, "
                f"{type_name(entry.type)} {declared}at {entry.place}; {advice}")
        return self.error(text, node)

    def lookup(self, name: str, node: ast.AST):
        try:
            return self.source.lookup(name)
        except KeyError:
            raise self.error(f"unknown name '{name}'", node) from None

    def struct_of(self, cls: type, node: ast.AST) -> StructType:
        return self.ctx.struct_for(self.place(node))(cls)

    # -- typed sinks -----------------------------------------------------------------

    def assign_local(self, name: str, value, node: ast.AST) -> None:
        if value.concretetype is Void:
            declared = self.table.get(name)
            if not (is_none(value) and isinstance(declared, StructType)):
                raise self.error(f"cannot assign None to '{name}' (a call returning None?); a "
                                 "local that may hold None needs a class type: "
                                 "'x: C | None = None'", node)
            value = Constant(None, declared)
        try:
            t = self.table.record(name, value, self.place(node))
        except TypeConflict as exc:
            raise self.conflict(exc, node) from None
        value = convert_constant(value, t) or value
        if isinstance(value, Variable) and not value.name:
            value.name = name
        self.bind(name, value)

    def sink(self, value, target: LowLevelType, source_node, what: str, where: Place | None):
        """`value` flowing into a typed place (argument, field, result): it
        must have that type; an empty local list takes it."""
        converted = convert_constant(value, target)
        if converted is None:
            declared = f", {type_name(target)} declared at {where}" if where else \
                f", want {type_name(target)}"
            raise self.error(f"type conflict for {what}: {type_name(value.concretetype)} "
                             f"here{declared}", source_node)
        if (is_pending(value.concretetype) and isinstance(source_node, ast.Name)
                and source_node.id in self.local_names):
            self.table.refine_list(source_node.id, target, self.place(source_node))
        return converted

    def static_type(self, target: ast.expr):
        """The type an assignment target already has, if known without
        building anything (types `[]` on the right-hand side)."""
        if isinstance(target, ast.Name):
            t = self.table.get(target.id) if target.id in self.local_names else None
            return None if t is None or is_pending(t) else t
        inner = self.static_type(target.value) if isinstance(
            target, (ast.Attribute, ast.Subscript)) else None
        if isinstance(target, ast.Attribute) and isinstance(inner, StructType):
            return inner.fields.get(target.attr)
        if isinstance(target, ast.Subscript):
            if isinstance(target.slice, ast.Slice):         # xs[a:b] = ys: the list's type
                return inner if isinstance(inner, ListType) else None
            return getattr(inner, "item", None)
        return None

    # -- results ---------------------------------------------------------------------

    def result_sink_type(self):
        t = self.table.get(RETURN)
        return None if t is None or is_pending(t) else t

    def result_value(self, value, node: ast.AST):
        """The value of a return statement, with the function's result type."""
        declared = self.sig.return_type
        if declared is not None and declared is not Str:
            return self.sink(value, declared, node, f"the result of '{self.sig.name}'",
                             self.sig.return_place)
        try:
            t = self.table.record(RETURN, value, self.place(node))
        except TypeConflict as exc:
            raise self.conflict(exc, node) from None
        if declared is Str and t is not Str and t.short() != "Char":
            raise self.error(f"type conflict for the result of '{self.sig.name}': "
                             f"{type_name(t)} here, str declared at {self.sig.return_place}",
                             node)
        return convert_constant(value, t) or value

    def implicit_return(self) -> None:
        """Falling off the end of the function returns None.  (In a dirty
        typing round an aborted statement may have left the path open: no
        check then.)"""
        end = self.source.node
        self.lineno = (end.end_lineno or end.lineno) + self.source.offset
        if self.strict or not self.table.dirty:
            declared, t = self.sig.return_type, self.table.get(RETURN)
            if declared not in (None, Void) or t not in (None, Void):
                want = type_name(declared if declared not in (None, Void) else t)
                raise self.error(f"'{self.sig.name}' can reach its end without a return "
                                 f"statement (returning None), but it returns {want}; add "
                                 "a return statement at the end")
        self.exit_to(self.graph.returnblock, [self.constant(None, None)])

"""The graph backend: builds `FunctionGraph`s the flow-graph interpreter runs.

Each residual function has a private *logical graph* (`_FunctionState`):
ordinary `Block`s and `Link`s whose operations may use any gv defined
earlier, in any block (see `rgen.model`).  Builders append to it.  Finishing
the function (`Builder.end`, `GraphBackend.finish`) derives the real graph
from it with the residual pipeline (`rgen/pipeline.py`: `ssa.thread_values`
turns logical values into block arguments, then constant propagation and the
clean-ups drop dead code and join blocks), and the result is installed into
the `FunctionGraph` object the client has held since `new_graph` (so calls
to it, even recursive ones, stay valid).  `GraphBackend(passes=...)` takes
`flowgraph.passes.PassOptions` (disable, dump, check) for that pipeline.  Since the
logical graph is kept, the function can grow afterwards (a flexswitch case,
a redirect) and be finished again; each finish installs a fresh set of
blocks and calls `graph.invalidate()`.
"""

from __future__ import annotations

from flowgraph.lltypes import (Bool, Char, Class, Signed, Str, StructType, common_base,
                               is_subtype)
from flowgraph.model import (LAST_EXCEPTION, Block, Constant, FunctionGraph, Link, SpaceOperation,
                             Variable)
from flowgraph.operations import OPS

from flowgraph.passes import NO_OPTIONS, PassOptions

from rgen import ssa
from rgen.pipeline import residual_runner
from rgen.fold import simplify
from rgen.model import Backend, Builder, FlexSwitch, Label, RgenError


class _FunctionState:
    """Everything the backend knows about one residual function."""

    def __init__(self, backend: "GraphBackend", graph: FunctionGraph, gv_args: list):
        self.backend = backend
        self.graph = graph
        self.startblock = Block(list(gv_args))
        self.defs: dict = {}                # Variable -> defining SpaceOperation
        self.op_count = 0
        self.dirty = True
        self.label_links: dict = {}         # label block -> the links jumping into it
        self.line = 0                       # the source line of the next operations (lineno)

    def label_link(self, link: Link) -> Link:
        """Record a jump into a label's block (so redirecting it is cheap)."""
        self.label_links.setdefault(link.target, []).append(link)
        return link

    def new_block(self, inputargs=()) -> Block:
        return Block(list(inputargs))

    def widen_merge_values(self) -> None:
        """A label's merge value takes the nearest common class of the
        instances its jumps bring (a jump widens it as it comes:
        `_check_merge_values`); a merge value widened after it was passed
        on to another label widens that one's too, until nothing changes."""
        changed = True
        while changed:
            changed = False
            for block, links in self.label_links.items():
                for link in links:
                    for gv, arg in zip(block.inputargs, link.args):
                        base = common_base(arg.concretetype, gv.concretetype)
                        if isinstance(base, StructType) and base != gv.concretetype:
                            gv.concretetype, changed = base, True

    def finish(self) -> FunctionGraph:
        """Derive the real graph from the logical one and install it."""
        for block in ssa.reachable_blocks(self.startblock):
            if not block.exits and block not in (self.graph.returnblock,
                                                 self.graph.exceptblock):
                raise RgenError(f"residual function {self.graph.name}: a path was left "
                                f"open (a builder was not finished)")
        self.widen_merge_values()
        finished = self.graph.startblock
        self.graph.startblock = self.startblock     # the pipeline threads it first
        try:
            self.backend.runner.run(self.graph)
        except BaseException:
            self.graph.startblock = finished
            raise
        self.graph.invalidate()
        self.dirty = False
        return self.graph


class GraphLabel(Label):
    """A label: the logical block it starts, and its merge gvs."""

    __slots__ = ("state", "block", "merge_gvs", "redirect")

    def __init__(self, state: _FunctionState, block: Block, merge_gvs: list):
        self.state = state
        self.block = block
        self.merge_gvs = merge_gvs
        self.redirect = None                # (new label, mapping) once redirected

    def resolve(self, gv_args: list) -> tuple["GraphLabel", list]:
        """Follow redirections: the label really entered, and its values."""
        label, args = self, list(gv_args)
        while label.redirect is not None:
            new, mapping = label.redirect
            args = [label._translate(mapping[gv], args) for gv in new.merge_gvs]
            label = new
        return label, args

    def _translate(self, value, args: list):
        for gv, arg in zip(self.merge_gvs, args):
            if gv is value:
                return arg
        return value


class GraphBuilder(Builder):
    """A write position in a logical block (None once closed).

    `catcher`: None, or the client's answer to an operation that may raise
    (its row's `canraise`; not a tail transfer, which hands the rest of the
    function over to code that catches for itself):
    `catcher.classes_for(canraise)` lists the exception classes something
    catches; the block then ends after the operation with exception exits
    for them (`_catch_after`) and `catcher.caught(handlers)` gets the
    (builder, message) of each."""

    def __init__(self, state: _FunctionState, block: Block):
        self.state = state
        self.block = block
        self.catcher = None

    @property
    def graph(self) -> FunctionGraph:
        return self.state.graph

    @property
    def op_count(self) -> int:
        return self.state.op_count

    def set_source_line(self, line: int) -> None:
        self.state.line = line

    def _open_block(self) -> Block:
        if self.block is None:
            raise RgenError(f"residual function {self.graph.name}: the builder is closed "
                            f"(its block already ended)")
        return self.block

    def _close(self, exitswitch, *links: Link) -> Block:
        """End the current block; the builder is closed until repositioned."""
        block = self._open_block()
        block.exitswitch = exitswitch
        block.closeblock(*links)
        self.block = None
        self.state.dirty = True
        return block

    def _fork(self, block: Block) -> "GraphBuilder":
        return GraphBuilder(self.state, block)

    def _catch_after(self, classes: list) -> list:
        """End the block, whose last operation may raise, with exception
        exits for `classes` (flowgraph.model's LAST_EXCEPTION); continue on
        the normal exit.  [(builder, message)] per class, each builder after
        the `exc_message()` giving the message."""
        normal = self.state.new_block()
        targets = [self.state.new_block() for _ in classes]
        self._close(LAST_EXCEPTION, Link([], normal),
                    *[Link([], t, cls) for t, cls in zip(targets, classes)])
        self.block = normal
        handlers = []
        for target in targets:
            builder = self._fork(target)
            handlers.append((builder, builder.genop("exc_message", [])))
        return handlers

    # -- values and operations ------------------------------------------

    def genconst(self, value, lltype) -> Constant:
        return Constant(value, lltype)

    def genop(self, opname: str, args: list, name: str = ""):
        """See `Builder.genop`; `name` names the result Variable."""
        desc = OPS.get(opname)
        if desc is None:
            raise RgenError(f"genop: unknown operation {opname!r}")
        args = list(args)
        if desc.arity is not None and len(args) != desc.arity:
            raise RgenError(f"genop: {opname} wants {desc.arity} arguments, have {len(args)}")
        for arg in args:
            _check_value(arg, opname)
        if desc.calls and desc.kind == "call":
            _check_call(args)
        block = self._open_block()
        replacement = simplify(opname, args, self.state.defs)
        if replacement is not None:
            return replacement
        try:
            restype = desc.restype(args)
        except (AttributeError, KeyError, TypeError) as exc:
            raise RgenError(f"genop: no result type for {opname}{tuple(args)!r}: "
                            f"{exc!r}") from None
        result = Variable(name, restype)
        state = self.state
        op = SpaceOperation(opname, args, result, state.line)
        block.operations.append(op)
        state.defs[result] = op
        state.op_count += 1
        state.backend._ops_emitted += 1
        state.dirty = True
        if desc.canraise and self.catcher is not None and desc.kind != "transfer":
            classes = self.catcher.classes_for(desc.canraise)
            if classes:
                self.catcher.caught(self._catch_after(classes))
        return result

    # -- control flow ---------------------------------------------------

    def jump_if_true(self, gv_cond) -> "GraphBuilder":
        _check_type(gv_cond, (Bool,), "jump_if_true")
        false_block, true_block = self.state.new_block(), self.state.new_block()
        if isinstance(gv_cond, Constant):
            taken = true_block if gv_cond.value else false_block
            self._close(None, Link([], taken))
        else:
            self._close(gv_cond, Link([], false_block, False), Link([], true_block, True))
        self.block = false_block
        return self._fork(true_block)

    def switch(self, gv, cases: list, default: bool = True) -> dict:
        _check_type(gv, (Signed, Char), "switch")
        values = [_case_value(gv, case) for case in cases]
        if len(set(values)) != len(values):
            raise RgenError(f"switch: duplicate case values in {values!r}")
        if not values and not default:
            raise RgenError("switch: no cases and no default")
        targets = {value: self.state.new_block() for value in values}
        default_block = self.state.new_block() if default else None
        if isinstance(gv, Constant):
            taken = targets.get(gv.value, default_block)
            links = [Link([], taken)] if taken is not None else []
            if not links:
                raise RgenError(f"switch: constant {gv.value!r} matches no case and no default")
            self._close(None, *links)
        else:
            links = [Link([], block, value) for value, block in targets.items()]
            if default:
                links.append(Link([], default_block, "default"))
            self._close(gv, *links)
        self.block = default_block
        return {value: self._fork(block) for value, block in targets.items()}

    def enter_label(self, gv_args: list = (), names: list | None = None
                    ) -> tuple[GraphLabel, list]:
        """See `Builder.enter_label`; `names` names the merge gvs (by
        default they take the names of `gv_args`)."""
        for arg in gv_args:
            _check_value(arg, "enter_label")
        if names is None:
            names = [getattr(arg, "name", "") for arg in gv_args]
        if len(names) != len(gv_args):
            raise RgenError(f"enter_label: {len(gv_args)} values but {len(names)} names")
        merge_gvs = [Variable(name, arg.concretetype) for name, arg in zip(names, gv_args)]
        block = self.state.new_block(merge_gvs)
        self._close(None, self.state.label_link(Link(list(gv_args), block)))
        self.block = block
        return GraphLabel(self.state, block, merge_gvs), list(merge_gvs)

    def jump(self, label: GraphLabel, gv_args: list = ()) -> None:
        self._check_label(label)
        label, args = label.resolve(gv_args)
        _check_merge_values(label.merge_gvs, args, "jump")
        self._close(None, self.state.label_link(Link(args, label.block)))

    def call_catching(self, args: list, classes: list) -> tuple:
        for arg in args:
            _check_value(arg, "call_catching")
        _check_call(args)
        if not classes or not all(isinstance(c, type) and issubclass(c, BaseException)
                                  for c in classes):
            raise RgenError(f"call_catching: want exception classes, have {classes!r}")
        result = Variable("", OPS["direct_call"].restype(args))
        op = SpaceOperation("direct_call", list(args), result)
        self._open_block().operations.append(op)
        self.state.defs[result] = op
        self.state.op_count += 1
        self.state.backend._ops_emitted += 1
        return result, self._catch_after(classes)

    def finish_return(self, gv) -> None:
        _check_type(gv, (self.graph.return_type,), "finish_return")
        self._close(None, Link([gv], self.graph.returnblock))

    def finish_raise(self, exc_class, gv_msg) -> None:
        if isinstance(gv_msg, str):
            gv_msg = Constant(gv_msg, Str)
        _check_type(gv_msg, (Str,), "finish_raise")
        if isinstance(exc_class, Variable):         # (a class caught, raised again)
            _check_type(exc_class, (Class,), "finish_raise")
            c_exc = exc_class
        else:
            value = exc_class.value if isinstance(exc_class, Constant) else exc_class
            if not (isinstance(value, type) and issubclass(value, BaseException)):
                raise RgenError(f"finish_raise: want an exception class, have {value!r}")
            c_exc = Constant(value, Class)
        self._close(None, Link([c_exc, gv_msg], self.graph.exceptblock))

    def flexswitch(self, gv) -> "GraphFlexSwitch":
        _check_type(gv, (Signed, Char, Bool), "flexswitch")
        if isinstance(gv, Constant):
            raise RgenError(f"flexswitch on the constant {gv.value!r}: it is already known")
        was_bool = gv.concretetype is Bool
        if was_bool:
            gv = self.genop("cast_bool_to_int", [gv])
        default_block = self.state.new_block()
        switch_block = self._close(gv, Link([], default_block, "default"))
        return GraphFlexSwitch(self, switch_block, gv, was_bool, default_block)

    def end(self) -> FunctionGraph:
        return self.state.finish()

    def _check_label(self, label) -> None:
        if not isinstance(label, GraphLabel) or label.state is not self.state:
            raise RgenError(f"jump: {label!r} is not a label of {self.graph.name}")


class GraphFlexSwitch(FlexSwitch):
    """An extensible switch: a logical switch block that gains exits."""

    def __init__(self, builder: GraphBuilder, block: Block, gv, was_bool: bool,
                 default_block: Block):
        self.state = builder.state
        self.block = block
        self.gv = gv
        self.was_bool = was_bool
        self._default = builder._fork(default_block)

    def add_case(self, value) -> GraphBuilder:
        if self.was_bool:
            value = int(_case_value(Constant(False, Bool), value))
        value = _case_value(self.gv, value)
        if any(link.exitcase == value and type(link.exitcase) is type(value)
               for link in self.block.exits):
            raise RgenError(f"flexswitch: a case for {value!r} already exists")
        target = self.state.new_block()
        link = Link([], target, value)
        link.prevblock = self.block
        self.block.exits.insert(len(self.block.exits) - 1, link)
        self.state.dirty = True
        return GraphBuilder(self.state, target)

    def default_builder(self) -> GraphBuilder:
        return self._default


class GraphBackend(Backend):
    """Builds residual `FunctionGraph`s (see the module docstring)."""

    def __init__(self, passes: PassOptions = NO_OPTIONS, pipeline: list | None = None):
        """`passes`: options of the residual pipeline; `pipeline`: the passes
        to run instead of `rgen.pipeline.RESIDUAL_PASSES` (for tests)."""
        self._functions: list = []
        self._ops_emitted = 0
        self.runner = residual_runner(passes, pipeline)

    @property
    def ops_emitted(self) -> int:
        return self._ops_emitted

    def new_graph(self, name: str, argtypes: list, return_type,
                  argnames: list | None = None,
                  source_name: str | None = None) -> tuple[GraphBuilder, list]:
        argnames = list(argnames) if argnames is not None else [""] * len(argtypes)
        if len(argnames) != len(argtypes):
            raise RgenError(f"new_graph {name}: {len(argtypes)} argument types but "
                            f"{len(argnames)} names")
        gv_args = [Variable(n, t) for n, t in zip(argnames, argtypes)]
        graph = FunctionGraph(name, Block(list(gv_args)), return_type,
                              source_name=source_name)
        state = _FunctionState(self, graph, gv_args)
        self._functions.append(state)
        return GraphBuilder(state, state.startblock), list(gv_args)

    def redirect_label(self, old: GraphLabel, new: GraphLabel, mapping: dict) -> None:
        if old.state is not new.state:
            raise RgenError("redirect_label: the labels belong to different functions")
        if old.redirect is not None:
            raise RgenError("redirect_label: the old label was already redirected")
        missing = [gv for gv in new.merge_gvs if gv not in mapping]
        if missing or len(mapping) != len(new.merge_gvs):
            raise RgenError(f"redirect_label: want a value for each merge value of the new "
                            f"label {new.merge_gvs!r}, have {list(mapping)!r}")
        _check_merge_values(new.merge_gvs, [mapping[gv] for gv in new.merge_gvs],
                            "redirect_label")
        old.redirect = (new, dict(mapping))
        if new.resolve(new.merge_gvs)[0] is old:
            old.redirect = None
            raise RgenError("redirect_label: the redirection would form a cycle")
        self._relink(old)

    def _relink(self, old: GraphLabel) -> None:
        state = old.state
        for link in state.label_links.pop(old.block, []):
            label, link.args = old.resolve(link.args)
            link.target = label.block
            state.label_link(link)
        state.dirty = True

    def finish(self) -> list:
        return [state.finish() for state in self._functions if state.dirty]


# -- argument checks ----------------------------------------------------------

def _check_value(value, where: str) -> None:
    if not isinstance(value, (Variable, Constant)):
        raise RgenError(f"{where}: want a Variable or Constant, have {value!r}")


def _check_call(args: list) -> None:
    if not args or not isinstance(args[0], Constant):
        raise RgenError("genop direct_call: want Constant(callee, Void) first")
    callee = args[0].value
    if isinstance(callee, FunctionGraph) and len(callee.getargs()) != len(args) - 1:
        raise RgenError(f"genop direct_call: {callee.name} takes {len(callee.getargs())} "
                        f"arguments, have {len(args) - 1}")


def _check_type(value, types: tuple, where: str) -> None:
    _check_value(value, where)
    if not any(is_subtype(value.concretetype, t) for t in types):
        want = " or ".join(str(t) for t in types)
        raise RgenError(f"{where}: want a {want} value, have {value!r} of type "
                        f"{value.concretetype}")


def _check_merge_values(merge_gvs: list, args: list, where: str) -> None:
    if len(args) != len(merge_gvs):
        raise RgenError(f"{where}: the label takes {len(merge_gvs)} values, have {len(args)}")
    for gv, arg in zip(merge_gvs, args):
        base = common_base(arg.concretetype, gv.concretetype)
        if isinstance(base, StructType) and base != gv.concretetype:
            # instances of two subclasses meet: the label's value becomes one
            # of their nearest common class (the code after it only uses
            # what the source's type has, a base of both)
            gv.concretetype = base
        _check_type(arg, (gv.concretetype,), where)


def _case_value(gv, case):
    """A switch case as the Python value of `gv`'s type."""
    if isinstance(case, Constant):
        case = case.value
    t = gv.concretetype
    if t is Char and isinstance(case, str) and len(case) == 1:
        return case
    if t is Signed and isinstance(case, int) and not isinstance(case, bool):
        return case
    if t is Bool and isinstance(case, bool):
        return case
    raise RgenError(f"switch: case {case!r} does not fit a {t} value")

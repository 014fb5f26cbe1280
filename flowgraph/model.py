"""The flow-graph model: the whole IR in one module.

A `FunctionGraph` is a set of `Block`s in SSA form.  Blocks have *block
arguments* (`inputargs`) instead of phi nodes: every `Link` leaving a block
carries the values for its target's `inputargs`.  A block ends either with a
single unconditional exit (`exitswitch is None`), a two-way branch on a Bool
variable (exits with `exitcase` False and True, in that order) or a multi-way
switch on a Signed/Char variable (one exit per distinct case, optionally a
last exit with exitcase "default").

A block may also end with an operation that raises (a call inside `try`):
its exitswitch is `LAST_EXCEPTION`, its last operation the call, its first
exit the normal one (exitcase None) and each further exit an *exception
link* whose exitcase is an exception class: an exception the call raises
leaves by the first exception link whose class it is an instance of (none:
it propagates).  An exception link's target starts with `exc_message()`
and/or `exc_class()` where the handler reads the message and the class
(operations.caught_reads).

Two special blocks end every graph: `returnblock` (one input argument, the
return value) and `exceptblock` (two input arguments: the exception class, a
Class (a constant, or the class a handler caught, raised again), and the
message, a Str).  They have no operations and no exits.

Variables are defined exactly once: as an input argument of a block or as the
result of an operation.  A variable is local to its block; values flow between
blocks only through links.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from typing import Iterator

from flowgraph.lltypes import Class, LowLevelType, Void

_var_ids = itertools.count()


class Variable:
    """An SSA variable.  `name` is a hint (the source variable) for printing."""

    __slots__ = ("name", "concretetype", "id")

    def __init__(self, name: str = "", concretetype: LowLevelType | None = None):
        self.name = name
        self.concretetype = concretetype
        self.id = next(_var_ids)

    def copy(self) -> "Variable":
        return Variable(self.name, self.concretetype)

    def __repr__(self) -> str:
        return f"{self.name or 'v'}#{self.id}"


class Constant:
    """A constant.  Compares by (Python type, value, low-level type), so that
    1, 1.0 and True never compare equal; floats compare by their bits, so
    -0.0 and 0.0 differ and a NaN equals itself."""

    __slots__ = ("value", "concretetype")

    def __init__(self, value, concretetype: LowLevelType | None = None):
        self.value = value
        self.concretetype = concretetype

    def _key(self):
        value = self.value
        if value.__class__ is float:            # by its bits: -0.0 is not 0.0
            value = struct.unpack("<q", struct.pack("<d", value))[0]
        return (type(self.value), value, self.concretetype)

    def __eq__(self, other) -> bool:
        # `_key()` equality, without building the keys: the generating
        # extension compares constants at every merge (timeshifter/state.py)
        if self is other:
            return True
        if other.__class__ is not Constant:
            return False
        a, b = self.value, other.value
        if a.__class__ is not b.__class__:
            return False
        t, u = self.concretetype, other.concretetype
        if t is not u and t != u:
            return False
        if a.__class__ is float:                # by its bits, as in `_key`
            return struct.pack("<d", a) == struct.pack("<d", b)
        return a is b or a == b

    def __hash__(self) -> int:
        try:
            return hash(self._key())
        except TypeError:
            return id(self.value)

    def __repr__(self) -> str:
        return f"Constant({self.value!r}, {self.concretetype})"


Value = Variable | Constant


@dataclass(slots=True, eq=False)
class SpaceOperation:
    """`result = opname(*args)`; `lineno` is the source line it came from."""

    opname: str
    args: list
    result: Variable
    lineno: int = 0

    def __repr__(self) -> str:
        args = ", ".join(map(repr, self.args))
        return f"{self.result!r} = {self.opname}({args})"


class LastException:
    """The exitswitch of a block that ends with an operation that may raise
    (see the module docstring); the one instance is `LAST_EXCEPTION`."""

    __slots__ = ()
    concretetype = Void

    def __repr__(self) -> str:
        return "last_exception"


LAST_EXCEPTION = LastException()


@dataclass(slots=True, eq=False)
class Link:
    """An edge: passes `args` to `target.inputargs`.  `exitcase` is None for
    an unconditional exit, False/True for a branch, a case value or
    "default" for a switch, an exception class for an exception link."""

    args: list
    target: "Block"
    exitcase: object = None
    prevblock: "Block | None" = None


    def __repr__(self) -> str:
        return f"Link({self.exitcase!r} -> {self.target!r})"


@dataclass(slots=True, eq=False)
class Block:
    inputargs: list
    operations: list = field(default_factory=list)
    exitswitch: Variable | None = None
    exits: list = field(default_factory=list)

    def closeblock(self, *links: Link) -> None:
        self.exits = list(links)
        for link in links:
            link.prevblock = self


    @property
    def is_final(self) -> bool:
        return not self.exits

    def getvariables(self) -> list:
        """Variables defined in this block, in definition order."""
        return list(self.inputargs) + [op.result for op in self.operations]

    def __repr__(self) -> str:
        return f"<Block {len(self.inputargs)} args, {len(self.operations)} ops at {id(self):#x}>"


class FunctionGraph:
    """A function's flow graph.  `func` is the Python function it was built
    from (or None), `filename` and `firstlineno` locate its source;
    `source_name` is the name of the user's function it was built or
    specialised from (`name` by default), the one error messages name.
    `defaults` are the values of its last parameters when a caller from
    Python leaves them out (flowgraph/arguments.py fills them in for every
    mode); calls between graphs pass every argument."""

    __slots__ = ("name", "startblock", "returnblock", "exceptblock", "func",
                 "filename", "firstlineno", "source_name", "defaults", "__weakref__", "_cache")

    def __init__(self, name: str, startblock: Block, return_type: LowLevelType,
                 func=None, filename: str = "?", firstlineno: int = 0,
                 source_name: str | None = None):
        from flowgraph.lltypes import Str
        self.name = name
        self.source_name = source_name or name
        self.startblock = startblock
        self.returnblock = Block([Variable("result", return_type)])
        self.exceptblock = Block([Variable("etype", Class), Variable("evalue", Str)])
        self.func = func
        self.filename = filename
        self.firstlineno = firstlineno
        self.defaults = ()
        self._cache = {}

    @property
    def return_type(self) -> LowLevelType:
        return self.returnblock.inputargs[0].concretetype

    def getargs(self) -> list:
        return self.startblock.inputargs

    def iterblocks(self) -> Iterator[Block]:
        """All reachable blocks, start first, in depth-first preorder
        (deterministic: exits are followed in order)."""
        seen = {self.startblock}
        stack = [self.startblock]
        while stack:
            block = stack.pop()
            yield block
            for link in reversed(block.exits):
                if link.target not in seen:
                    seen.add(link.target)
                    stack.append(link.target)

    def postorder(self) -> list[Block]:
        """All reachable blocks, each after every block it reaches first
        (depth-first postorder, exits followed in order): the order in which
        a backward analysis converges in the fewest sweeps (reversed, a
        forward one)."""
        order, seen = [], {self.startblock}
        stack = [(self.startblock, iter(self.startblock.exits))]
        while stack:
            block, exits = stack[-1]
            for link in exits:
                if link.target not in seen:
                    seen.add(link.target)
                    stack.append((link.target, iter(link.target.exits)))
                    break
            else:
                stack.pop()
                order.append(block)
        return order

    def iterlinks(self) -> Iterator[Link]:
        for block in self.iterblocks():
            yield from block.exits

    def iteroperations(self) -> Iterator[SpaceOperation]:
        for block in self.iterblocks():
            yield from block.operations

    def iterblockops(self) -> Iterator[tuple[Block, SpaceOperation]]:
        for block in self.iterblocks():
            for op in block.operations:
                yield block, op

    def invalidate(self) -> None:
        """Drop caches derived from the graph (call after mutating it)."""
        self._cache.clear()
        _invalidations[0] += 1

    def __str__(self) -> str:
        from flowgraph.printer import format_graph
        return format_graph(self)

    def __repr__(self) -> str:
        return f"<FunctionGraph {self.name}>"


_invalidations = [0]


def invalidation_count() -> int:
    """How many times any graph was invalidated: caches spanning several
    graphs (the interpreter's callee bindings) are stale when it changed."""
    return _invalidations[0]


def mkentrymap(graph: FunctionGraph) -> dict:
    """Block -> list of links entering it (the start block gets a fake link)."""
    result = {graph.startblock: [Link(list(graph.startblock.inputargs), graph.startblock)]}
    for link in graph.iterlinks():
        result.setdefault(link.target, []).append(link)
    return result


def copy_blocks(blocks, retarget=None, given: dict | None = None) -> tuple[dict, dict]:
    """Copies of `blocks`, with fresh variables (constants are shared):
    (old -> new block, old -> new variable).  A copy's link goes to
    `retarget(old target, copies)` (by default the target's copy); `given`
    maps blocks to the Block objects their copies are (input arguments
    replaced)."""
    varmap: dict = {}

    def v(a):
        if isinstance(a, Variable):
            if a not in varmap:
                varmap[a] = a.copy()
            return varmap[a]
        return a

    copies: dict = {}
    for block in blocks:
        new = (given or {}).get(block)
        if new is None:
            new = Block([])
        new.inputargs = [v(a) for a in block.inputargs]
        copies[block] = new
    for block, new in copies.items():
        new.operations = [SpaceOperation(op.opname, [v(a) for a in op.args], v(op.result),
                                         op.lineno) for op in block.operations]
        new.exitswitch = v(block.exitswitch) if block.exitswitch is not None else None
        new.closeblock(*[Link([v(a) for a in link.args],
                              copies[link.target] if retarget is None
                              else retarget(link.target, copies), link.exitcase)
                         for link in block.exits])
    return copies, varmap


def copygraph(graph: FunctionGraph, maps: dict | None = None) -> FunctionGraph:
    """A deep copy of the graph's blocks, links and variables (constants are
    shared).  The copy keeps `func`, `filename`, `firstlineno` and `defaults`.
    `maps`, if given, receives the old -> new dicts as "blocks" and "vars"."""
    newgraph = FunctionGraph(graph.name, Block([]), graph.return_type, graph.func,
                             graph.filename, graph.firstlineno, graph.source_name)
    newgraph.defaults = graph.defaults
    blockmap, varmap = copy_blocks(list(graph.iterblocks()), given={
        graph.returnblock: newgraph.returnblock, graph.exceptblock: newgraph.exceptblock})
    newgraph.startblock = blockmap[graph.startblock]
    if maps is not None:
        maps["blocks"], maps["vars"] = blockmap, varmap
    return newgraph

"""Where variables come from: definition maps and source locations.

Small helpers shared by the forcing and colouring passes: a map from each
variable to its definition (an operation, or a block input argument), the
links entering each block, and `file:line` text for messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowgraph.model import Block, FunctionGraph, SpaceOperation, Variable, mkentrymap


@dataclass(frozen=True, slots=True)
class OpDef:
    op: SpaceOperation
    block: Block


@dataclass(frozen=True, slots=True)
class ArgDef:
    block: Block
    index: int


class GraphInfo:
    """Definitions and entering links of one graph, computed once."""

    def __init__(self, graph: FunctionGraph):
        self.graph = graph
        self.defs: dict = {}
        self.blocks = list(graph.iterblocks())
        for block in self.blocks:
            for i, v in enumerate(block.inputargs):
                self.defs[v] = ArgDef(block, i)
            for op in block.operations:
                self.defs[op.result] = OpDef(op, block)
        self.entrymap = mkentrymap(graph)
        self.entrymap[graph.startblock] = [l for l in self.entrymap[graph.startblock]
                                           if l.prevblock is not None]

    @property
    def back_links(self) -> set:
        """The back edges of a depth-first search from the start (links to a
        block on the search's stack): every cycle holds one."""
        back = getattr(self, "_back_links", None)
        if back is None:
            back, state = set(), {self.graph.startblock: 1}     # 1 on the stack, 2 done
            stack = [(self.graph.startblock, iter(self.graph.startblock.exits))]
            while stack:
                block, exits = stack[-1]
                for link in exits:
                    seen = state.get(link.target)
                    if seen is None:
                        state[link.target] = 1
                        stack.append((link.target, iter(link.target.exits)))
                        break
                    if seen == 1:
                        back.add(link)
                else:
                    state[block] = 2
                    stack.pop()
            self._back_links = back
        return back

    def carries(self, v, target: Variable) -> bool:
        """Is `v` always the value of the block argument `target` (passed
        round a loop unchanged, from block argument to block argument)?"""
        pending, seen = [v], set()
        while pending:
            v = pending.pop()
            if v is target or v in seen:
                continue
            seen.add(v)
            d = self.defs.get(v)
            if not isinstance(d, ArgDef):
                return False
            pending += [link.args[d.index] for link in self.incoming(d.block)]
        return True

    def incoming(self, block: Block) -> list:
        return self.entrymap.get(block, [])

    def block_line(self, block: Block) -> int:
        """A source line for a block: its first operation's, or a predecessor's last."""
        for op in block.operations:
            if op.lineno:
                return op.lineno
        for link in self.incoming(block):
            if link.prevblock is not None and link.prevblock.operations:
                return link.prevblock.operations[-1].lineno
        return self.graph.firstlineno

    def line_of(self, v: Variable) -> int:
        d = self.defs.get(v)
        if isinstance(d, OpDef):
            return d.op.lineno or self.block_line(d.block)
        if isinstance(d, ArgDef):
            return self.block_line(d.block)
        return self.graph.firstlineno

    def where(self, v_or_line) -> str:
        line = v_or_line if isinstance(v_or_line, int) else self.line_of(v_or_line)
        return f"{self.graph.filename}:{line}"


def hint_flags(op: SpaceOperation) -> frozenset:
    """The flags of a `hint` operation (`hint(v, Constant("concrete,forget"))`)."""
    return frozenset(f for f in op.args[1].value.split(",") if f)


def describe(v) -> str:
    """How a value reads in a message: its source name, or 'a temporary'."""
    if isinstance(v, Variable):
        return repr(v.name) if v.name else "a temporary value"
    return f"the constant {v.value!r}"

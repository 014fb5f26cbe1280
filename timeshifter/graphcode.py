"""`GraphCode`: the static facts about one coloured graph copy that the
generating extension needs at compile time.

Blocks are numbered in `iterblocks()` order (the start block is 0).  A
*segment* is the code from an operation index to the end of its block or to
the next inlined call or promotion: `segments[(block, opindex)]` is the
generated Python function for it (only for segments the driver can enter;
`segment_names` lists them), `inputs[(block, opindex)]` the variables it
takes (block arguments at index 0; the call's result and the values still
live after it otherwise).  `merge_points` are the segment starts where paths park and
merge: blocks with several entering links (joins and loop heads), blocks
holding a global merge point, and the continuation after each inlined call
(where the callee's return paths meet).  `rpo` numbers blocks in reverse
postorder (networkx), the order in which the driver processes paths.
"""

from __future__ import annotations

import networkx as nx

from flowgraph.model import Variable, mkentrymap
from flowgraph.operations import OPS, caught_reads
from hintannotator.colours import GREEN
from hintannotator.sources import hint_flags
from timeshifter.boxes import PtrBox, RedBox
from timeshifter.state import value_key


class GraphCode:
    def __init__(self, number: int, copy, annotation):
        graph = copy.graph
        self.number = number
        self.copy = copy
        self.graph = graph
        self.name = graph.name
        self.filename = graph.filename
        self.colors = annotation.colors
        self.green_stores = annotation.green_stores
        self.blocks = [b for b in graph.iterblocks()
                       if b is not graph.returnblock and b is not graph.exceptblock]
        self.index = {b: i for i, b in enumerate(self.blocks)}
        self.rpo = self._reverse_postorder()
        self.return_type = graph.return_type
        self.returns_green = self.colors.get(graph.returnblock.inputargs[0]) == GREEN
        self.param_green = [self.colors[v] == GREEN for v in graph.getargs()]
        self.segments: dict = {}
        self.segment_names: dict = {}   # (block, opindex) -> its function's name
        self.inputs: dict = {}
        self.split_points: set = set()  # blocks whose red split can be resumed (codegen.py)
        self.exception_exits: dict = {}  # (block, after its call) -> [(exit, class)]
        self.merge_points = self._merge_points()
        self.loop_heads = self._loop_heads()

    def _reverse_postorder(self) -> dict:
        g = nx.DiGraph()
        g.add_nodes_from(range(len(self.blocks)))
        for i, block in enumerate(self.blocks):
            for link in block.exits:
                if link.target in self.index:
                    g.add_edge(i, self.index[link.target])
        order = list(reversed(list(nx.dfs_postorder_nodes(g, source=0))))
        rpo = {b: n for n, b in enumerate(order)}
        for b in range(len(self.blocks)):
            rpo.setdefault(b, len(rpo))
        return rpo

    def _merge_points(self) -> set:
        entrymap = mkentrymap(self.graph)
        points = set()
        self.gmp_blocks = set()
        for i, block in enumerate(self.blocks):
            entering = [l for l in entrymap.get(block, []) if l.prevblock is not None]
            if len(entering) > 1 or (i == 0 and entering):
                points.add((i, 0))
            for k, op in enumerate(block.operations):
                if OPS[op.opname].kind == "hint" and "global_merge_point" in hint_flags(op):
                    points.add((i, 0))
                    self.gmp_blocks.add(i)
        return points

    def _loop_heads(self) -> set:
        """Blocks entered by a back edge (in reverse postorder): only there can a
        path arrive again with a key already compiled, so only there (and at
        joins where several paths meet at once) does a merge need a label."""
        heads = set()
        for i, block in enumerate(self.blocks):
            for link in block.exits:
                j = self.index.get(link.target)
                if j is not None and self.rpo[j] <= self.rpo[i]:
                    heads.add(j)
        return heads

    def add_call_continuation(self, block: int, opindex: int) -> None:
        self.merge_points.add((block, opindex))

    def green_key(self, args) -> tuple:
        return tuple("r" if isinstance(a, (RedBox, PtrBox)) else value_key(a) for a in args)

    def greens_of(self, block: int, values) -> tuple:
        """The green key of a path at the start of `block` (values of its inputs)."""
        return tuple(value_key(v) for var, v in zip(self.inputs[(block, 0)], values)
                     if self.is_green(var))

    def line_of(self, block: int) -> int:
        for op in self.blocks[block].operations:
            if op.lineno:
                return op.lineno
        return self.graph.firstlineno

    def reads_caught_class(self, block: int, j: int) -> bool:
        """Whether exception exit j of `block` enters a block reading the
        class it caught (`exc_class`: a bare `raise` in the handler)."""
        return "exc_class" in caught_reads(self.blocks[block].exits[j].target)

    def is_green(self, v) -> bool:
        return not isinstance(v, Variable) or self.colors[v] == GREEN

    def __repr__(self) -> str:
        return f"<GraphCode {self.number} {self.name}>"

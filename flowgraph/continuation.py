"""Continuation graphs: the rest of a function from the middle of a block.

`continuation(graph, block, opindex, inputs)` is a new graph whose
parameters are `inputs` (the variables live before operation `opindex` of
`block`, as `flowgraph.liveness.live_in` gives them, in any order) and which
runs what `graph` runs from there: the block's operations from `opindex`
on, its exits, and every block they reach.  It is what the fallback
interpreter does with `resume_graph(graph, block, values, opindex)`, as a
graph that can be compiled (a promotion site's megamorphic path,
timeshifter/promotion.py).  `blocks` and `variables` of the result map the
copy back to `graph`: a merge point reached in the copy is a merge point of
the original.
"""

from __future__ import annotations

from flowgraph.model import Block, FunctionGraph, Link, SpaceOperation, Variable, copygraph


class Continuation:
    """`graph`: the continuation; `blocks`: its blocks -> the original's
    (the start block -> the block it starts in); `variables`: its
    variables -> the original's."""

    __slots__ = ("graph", "blocks", "variables", "opindex")

    def __init__(self, graph, blocks: dict, variables: dict, opindex: int):
        self.graph = graph
        self.blocks = blocks
        self.variables = variables
        self.opindex = opindex


def continuation(graph: FunctionGraph, block: Block, opindex: int, inputs: list,
                 name: str | None = None) -> Continuation:
    """The rest of `graph` from operation `opindex` of `block`, a function of `inputs`."""
    maps: dict = {}
    copy = copygraph(graph, maps)
    blockmap, varmap = maps["blocks"], maps["vars"]
    inner = blockmap[block]
    back_vars = {new: old for old, new in varmap.items()}
    params = {varmap.get(v, v): Variable(v.name, v.concretetype) for v in inputs}
    defined = set(inner.inputargs) | {op.result for op in inner.operations[:opindex]}

    renamed = dict(params)          # the start block's own variables: the copy's
                                    # block may be reached again (a loop), so SSA
                                    # wants fresh ones for its results here too

    def arg(a):
        if a in renamed:
            return renamed[a]
        if isinstance(a, Variable) and a in defined:
            raise ValueError(f"continuation of {graph.name}: {back_vars.get(a, a)!r} is used "
                             f"after operation "
                             f"{opindex} but is not among the inputs")
        return a

    start = Block(list(params.values()))
    for op in inner.operations[opindex:]:
        args = [arg(a) for a in op.args]
        result = renamed[op.result] = op.result.copy()
        start.operations.append(SpaceOperation(op.opname, args, result, op.lineno))
    start.exitswitch = arg(inner.exitswitch) if inner.exitswitch is not None else None
    start.closeblock(*[Link([arg(a) for a in link.args], link.target, link.exitcase)
                       for link in inner.exits])
    result = FunctionGraph(name or f"{graph.name}_from_{opindex}", start, graph.return_type,
                           None, graph.filename, graph.firstlineno, graph.source_name)
    for old, new in ((copy.returnblock, result.returnblock),
                     (copy.exceptblock, result.exceptblock)):
        new.inputargs = old.inputargs
        _retarget(result, old, new)
    back_blocks = {new: old for old, new in blockmap.items()}
    back_blocks[start] = block
    back_vars.update({p: back_vars.get(q, q) for q, p in renamed.items()})
    back_blocks[result.returnblock] = graph.returnblock
    back_blocks[result.exceptblock] = graph.exceptblock
    return Continuation(result, back_blocks, back_vars, opindex)


def _retarget(graph: FunctionGraph, old: Block, new: Block) -> None:
    """Links of `graph` to `old` go to `new` (the copy's return and except
    blocks become the continuation's own)."""
    for block in graph.iterblocks():
        for link in block.exits:
            if link.target is old:
                link.target = new

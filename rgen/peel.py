"""Native code of a flow graph built from Python source: its loops' fields
in registers, as in residual code (rgen/llvm's compiler runs `native_form`).

Residual code keeps an object's fields in registers around a loop
(`fields.forward_fields`): the generating extension compiles a loop's first
iteration apart from the others, so every way into the loop's code already
read the fields.  A flow graph compiled directly has one copy of its loop:
the way in from before the loop knows nothing, so every field is read again
on each iteration (`PyObject_GetAttr`), and stored too.  `peel_loops` gives
such a loop the same shape: its first iteration runs in a copy of its
blocks, which goes on into the loop; then `forward_fields` drops the reads
the loop knows and sinks its stores to its exits, as for residual code.

Which loops: the innermost ones (one block entered from outside, no other
cycle inside) that read or write a field, up to `PEEL_MAX_OPS` operations.
Which graphs (`native_form`): those built from Python source, without a
hint or a transfer (a promotion site, a merge point or a tail transfer
names positions of the graph itself for the fallback interpreter, which a
copy would not keep).  The graph itself is not changed: native code is
emitted from a copy, the interpreter runs the original.
"""

from __future__ import annotations

from flowgraph.model import Block, FunctionGraph, Link, copy_blocks, copygraph
from flowgraph.operations import OPS
from flowgraph.passes import Pass, PassRunner
from flowgraph.simplify import join_blocks, remove_dead, remove_empty_blocks
from rgen.fields import forward_fields

PEEL_MAX_OPS = 60
_FIELD_OPS = {desc.name for desc in OPS.values() if desc.field is not None}


def peel_loops(graph: FunctionGraph) -> None:
    """Requires and preserves `checkgraph`'s invariants."""
    for members, header in _innermost_loops(graph):
        _peel(graph, members, header)


def _innermost_loops(graph: FunctionGraph) -> list:
    """[(blocks, header)] of the loops to peel (see the module docstring)."""
    import networkx as nx          # here: its import is half of rgen.llvm's (issue 11)
    cfg = nx.DiGraph()
    blocks = list(graph.iterblocks())
    cfg.add_nodes_from(blocks)
    cfg.add_edges_from((b, link.target) for b in blocks for link in b.exits)
    found = []
    for members in nx.strongly_connected_components(cfg):
        if len(members) == 1 and not cfg.has_edge(*(2 * tuple(members))):
            continue
        headers = {v for v in members for u in cfg.predecessors(v) if u not in members}
        if graph.startblock in members:             # (entered by the call too)
            headers.add(graph.startblock)
        if len(headers) != 1:
            continue
        header = headers.pop()
        inner = cfg.subgraph(members - {header})
        ops = [op for b in members for op in b.operations]
        if (nx.is_directed_acyclic_graph(inner) and len(ops) <= PEEL_MAX_OPS
                and any(op.opname in _FIELD_OPS for op in ops)):
            found.append((members, header))
    return found


def _peel(graph: FunctionGraph, members: set, header: Block) -> None:
    """The loop's blocks copied once, as its first iteration: the ways into
    the loop go into the copy of its header; the copy's ways back to the
    header go into the loop."""
    copies, _ = copy_blocks(members, lambda target, copies: copies[target]
                            if target in members and target is not header else target)
    for block in list(graph.iterblocks()):
        if block in members or block in copies.values():
            continue
        for link in block.exits:
            if link.target is header:
                link.target = copies[header]
    if graph.startblock is header:
        entry = Block([a.copy() for a in header.inputargs])
        entry.closeblock(Link(list(entry.inputargs), copies[header]))
        graph.startblock = entry


NATIVE_FLOW_PASSES = [
    Pass("peel_loops", peel_loops, doc="a loop that uses fields runs its first iteration "
         "in a copy of its blocks"),
    Pass("forward_fields", forward_fields, doc="a field read whose value is known is "
         "dropped, a loop's stores sunk to its exits (fields.py)"),
    Pass("remove_dead", remove_dead, doc="dead pure operations and dead block arguments"),
    Pass("remove_empty_blocks", remove_empty_blocks, doc="links skip empty forwarding blocks"),
    Pass("join_blocks", join_blocks, doc="a block absorbs a successor entered only from it"),
]


def native_form(graph: FunctionGraph) -> FunctionGraph:
    """The graph native code is emitted from: a copy through
    `NATIVE_FLOW_PASSES` where it has a loop to peel, else `graph`."""
    if graph.func is None:
        return graph
    kinds = {OPS[op.opname].kind for op in graph.iteroperations()}
    if "hint" in kinds or "transfer" in kinds or not any(
            op.opname in _FIELD_OPS for op in graph.iteroperations()):
        return graph                    # (most graphs: no networkx, no copy)
    if not _innermost_loops(graph):
        return graph
    copy = copygraph(graph)
    PassRunner(NATIVE_FLOW_PASSES).run(copy)
    return copy

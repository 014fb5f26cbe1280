"""Clean-ups run on a finished residual graph (after `ssa.thread_values`).

`simplify_switches` is part of the residual pipeline's first pass (`rgen/pipeline.py`,
which lists them all, in order, with the flow-graph simplifier's
`remove_dead`, `remove_empty_blocks` and `join_blocks`).  Unreachable blocks
are already gone: the graph is a copy of the reachable part of the logical
graph.
"""

from __future__ import annotations

from flowgraph.model import FunctionGraph


def simplify_switches(graph: FunctionGraph) -> None:
    """An extensible switch still without cases is a plain jump.  Requires and
    preserves the `checkgraph` invariants."""
    for block in graph.iterblocks():
        if block.exitswitch is not None and len(block.exits) == 1:
            block.exitswitch = None
            block.exits[0].exitcase = None

"""Clean-ups run on a finished residual graph (after `ssa.thread_values`).

`cleanup_graph(graph)` applies, in order:

- `propagate_constants` (constprop.py): block arguments that receive one
  constant on every path become that constant, and operations are folded
  again.
- `simplify_switches`: a switch left with only its "default" exit (an
  extensible switch without cases yet) becomes an unconditional jump.
- the flow-graph simplifier's passes (`flowgraph/simplify.py`):
  `remove_dead` (operations that are pure and cannot raise and whose result
  is dead, and dead block arguments), `remove_empty_blocks` and
  `join_blocks`.

Unreachable blocks are already gone: the graph is a copy of the reachable
part of the logical graph.
"""

from __future__ import annotations

from flowgraph.model import FunctionGraph
from flowgraph.simplify import join_blocks, remove_dead, remove_empty_blocks
from rgen.constprop import propagate_constants


def simplify_switches(graph: FunctionGraph) -> None:
    """An extensible switch still without cases is a plain jump."""
    for block in graph.iterblocks():
        if block.exitswitch is not None and len(block.exits) == 1:
            block.exitswitch = None
            block.exits[0].exitcase = None


def cleanup_graph(graph: FunctionGraph) -> None:
    propagate_constants(graph)
    simplify_switches(graph)
    remove_dead(graph)
    remove_empty_blocks(graph)
    join_blocks(graph)

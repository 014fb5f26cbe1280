"""Liveness: drop block arguments nothing reads.

The builder passes every local in scope along each link; a block argument
that no operation, exit switch or outgoing link of its block uses is dead.
Removing it (and the matching argument of every entering link) may make
other arguments dead, so the pass iterates to a fixpoint.  Specialisation
depends on it: a dead green variable kept in the state would split compiled
code by values nobody reads.

Requires a graph satisfying `checkgraph`; preserves it.  The start block's
arguments are the function's parameters and are never removed.

`live_in(block, opindex)` gives the variables live before an operation (what
resuming there, or a segment of generated code starting there, needs).
"""

from __future__ import annotations

from flowgraph.model import FunctionGraph, Variable, mkentrymap


def live_in(block, opindex: int) -> list:
    """Variables defined before operation `opindex` and used from it on (all
    input arguments of the return and except blocks)."""
    defined = list(block.inputargs) + [op.result for op in block.operations[:opindex]]
    if not block.exits:
        return defined
    used = used_from(block, opindex)
    return [v for v in defined if v in used]


def used_from(block, opindex: int = 0) -> set:
    """Variables read by operation `opindex` and later ones, the exit switch
    and the outgoing links."""
    used = set()
    for op in block.operations[opindex:]:
        used.update(a for a in op.args if isinstance(a, Variable))
    if isinstance(block.exitswitch, Variable):
        used.add(block.exitswitch)
    for link in block.exits:
        used.update(a for a in link.args if isinstance(a, Variable))
    return used


def remove_dead_inputargs(graph: FunctionGraph) -> int:
    """Remove unused block arguments; returns how many were removed."""
    removed = 0
    changed = True
    while changed:
        changed = False
        entrymap = mkentrymap(graph)
        for block in list(graph.iterblocks()):
            if block in (graph.startblock, graph.returnblock, graph.exceptblock):
                continue
            used = used_from(block)
            keep = [i for i, v in enumerate(block.inputargs) if v in used]
            if len(keep) == len(block.inputargs):
                continue
            block.inputargs = [block.inputargs[i] for i in keep]
            for link in entrymap.get(block, []):
                link.args = [link.args[i] for i in keep]
            removed += 1
            changed = True
    graph.invalidate()
    return removed

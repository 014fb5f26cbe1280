"""Constant propagation through block arguments, run when a graph is finished.

Folding while building sees only the values known at that moment.  When a
merge point is generalised (the timeshifter redirects an old label to a more
general one), the code after the new label was built with variables, yet a
label entered by a single redirected jump receives constants.  This pass
finishes the job with the flow-graph simplifier's own passes:

  * `flowgraph.simplify.propagate_constant_args` replaces block arguments
    that are the same Constant on every path (and decides switches on them);
  * operations with a constant argument are folded and simplified again
    (`fold.simplify`: the same folding and rules as while building), which
    may make more block arguments constant, so the two repeat.

Requires and preserves `checkgraph` invariants.
"""

from __future__ import annotations

from flowgraph.model import LAST_EXCEPTION, Constant, FunctionGraph
from flowgraph.simplify import propagate_constant_args, rename_block
from rgen.fold import simplify


def propagate_constants(graph: FunctionGraph) -> bool:
    """Propagate and fold until nothing changes; True if anything changed."""
    changed = False
    while propagate_constant_args(graph):
        changed = True
        refold(graph)
    return changed


def refold(graph: FunctionGraph) -> None:
    """Fold again every operation that has a constant argument.  A block
    whose exception exits were for an operation folded now (a division by a
    constant that became known) keeps only its normal exit."""
    defs = {op.result: op for op in graph.iteroperations()}
    for block in graph.iterblocks():
        mapping: dict = {}
        operations = []
        last = block.operations[-1] if block.operations else None
        for op in block.operations:
            op.args = [mapping.get(a, a) for a in op.args]
            if any(isinstance(a, Constant) for a in op.args):
                replacement = simplify(op.opname, op.args, defs)
                if replacement is not None:
                    mapping[op.result] = replacement
                    continue
            operations.append(op)
        block.operations = operations
        if block.exitswitch is LAST_EXCEPTION and (not operations or operations[-1] is not last):
            block.exitswitch = None
            block.exits = block.exits[:1]
        rename_block(block, mapping)

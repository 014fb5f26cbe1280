"""Constant propagation through block arguments, run when a graph is finished.

Folding while building sees only the values known at that moment.  When a
merge point is generalised (the timeshifter redirects an old label to a more
general one), the code after the new label was built with variables, yet a
label entered by a single redirected jump receives constants.  This pass
finishes the job:

  * a block argument that receives the same Constant on every entering link
    is replaced by that constant (the link arguments are dropped);
  * the block's operations are folded and simplified again (`fold.simplify`,
    the same folding and rules as while building);
  * a switch on a constant keeps only the exit it takes.

Repeated until nothing changes.  Requires and preserves `checkgraph`
invariants; never removes an operation that may raise or has effects unless
it folds to a constant (pure operations only fold).
"""

from __future__ import annotations

from flowgraph.model import Constant, FunctionGraph, Variable, mkentrymap
from rgen.fold import same_constant, simplify


def propagate_constants(graph: FunctionGraph) -> bool:
    """Propagate and fold until nothing changes; True if anything changed."""
    changed_any = False
    while _one_round(graph):
        changed_any = True
    return changed_any


def _one_round(graph: FunctionGraph) -> bool:
    entrymap = mkentrymap(graph)
    defs = {op.result: op for op in graph.iteroperations()}
    changed = False
    for block in list(graph.iterblocks()):
        if block.is_final:
            continue
        subst = {}
        if block is not graph.startblock:
            subst = _constant_inputargs(block, entrymap.get(block, []))
        changed |= _refold(block, subst, defs)
    return changed


def _constant_inputargs(block, links) -> dict:
    if not links:
        return {}
    subst = {}
    keep = []
    for i, v in enumerate(block.inputargs):
        values = [link.args[i] for link in links]
        first = values[0]
        if isinstance(first, Constant) and all(same_constant(first, a) for a in values[1:]):
            subst[v] = first
        else:
            keep.append(i)
    if subst:
        block.inputargs = [block.inputargs[i] for i in keep]
        for link in links:
            link.args = [link.args[i] for i in keep]
    return subst


def _refold(block, subst: dict, defs: dict) -> bool:
    """Substitute `subst` in the block and fold again the operations whose
    arguments changed; fold a switch on a constant."""
    changed = bool(subst)
    operations = []
    for op in block.operations:
        if not subst:
            operations.append(op)       # folded when it was built; nothing new
            continue
        args = [subst.get(a, a) for a in op.args]
        if args == op.args:
            operations.append(op)
            continue
        op.args = args
        changed = True
        replacement = simplify(op.opname, args, defs)
        if replacement is not None:
            subst[op.result] = replacement
            changed = True
            continue
        operations.append(op)
    block.operations = operations
    for link in block.exits:
        link.args = [subst.get(a, a) for a in link.args]
    switch = subst.get(block.exitswitch, block.exitswitch)
    if isinstance(switch, Constant):
        block.exitswitch = None
        taken = [l for l in block.exits if l.exitcase == switch.value
                 and type(l.exitcase) is type(switch.value)]
        if not taken:
            taken = [l for l in block.exits if l.exitcase == "default"]
        link = taken[0]
        link.exitcase = None
        block.closeblock(link)
        changed = True
    elif isinstance(switch, Variable):
        block.exitswitch = switch
    return changed

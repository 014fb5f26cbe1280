"""Clean-ups run on a finished residual graph (after `ssa.thread_values`).

`cleanup_graph(graph)` applies, in order:

- `propagate_constants` (constprop.py): block arguments that receive one
  constant on every path become that constant, and the block is folded
  again.
- `simplify_switches`: a switch left with only its "default" exit (an
  extensible switch without cases yet) becomes an unconditional jump.
- `remove_dead_code`: marks live values from the roots (arguments of
  operations that must stay, exitswitches, values returned or raised) back
  through the removable operations that define them and through block
  arguments to the link arguments that feed them (a single marking pass is
  the fixpoint).  Removable operations (pure and cannot raise: their only
  effect is their result) whose result is not live are deleted, and so are
  dead block arguments with the link arguments feeding them.  Operations that
  can raise or have side effects stay even when their result is unused.
- `skip_empty_blocks`: a link into a block with no operations that just
  jumps on is redirected to that block's target (its values substituted).
- `join_blocks`: a block ending in a single jump to a block entered by no
  other link absorbs it (the target's arguments are replaced by the link's
  values).

Unreachable blocks are already gone: the graph is a copy of the reachable
part of the logical graph.
"""

from __future__ import annotations

from flowgraph.model import Constant, FunctionGraph, Link, SpaceOperation, Variable, mkentrymap
from flowgraph.operations import OPS
from rgen.constprop import propagate_constants


def is_removable(opname: str) -> bool:
    """True if an unused result makes the operation useless."""
    desc = OPS[opname]
    return desc.pure and not desc.canraise


def simplify_switches(graph: FunctionGraph) -> None:
    for block in graph.iterblocks():
        if block.exitswitch is not None and len(block.exits) == 1:
            block.exitswitch = None
            block.exits[0].exitcase = None


def _live_values(graph: FunctionGraph, entrymap: dict) -> set:
    finals = (graph.returnblock, graph.exceptblock)
    definer = {}
    argpos = {}
    live: set = set()
    stack: list = []

    def mark(values):
        for v in values:
            if isinstance(v, Variable) and v not in live:
                live.add(v)
                stack.append(v)

    for block in graph.iterblocks():
        if block is not graph.startblock and block not in finals:
            argpos.update((v, (block, i)) for i, v in enumerate(block.inputargs))
        for op in block.operations:
            if is_removable(op.opname):
                definer[op.result] = op
            else:
                mark(op.args)
        mark([block.exitswitch])
        for link in block.exits:
            if link.target in finals:
                mark(link.args)
    while stack:
        v = stack.pop()
        if v in definer:
            mark(definer[v].args)
        if v in argpos:
            block, i = argpos[v]
            mark([link.args[i] for link in entrymap[block]])
    return live


def remove_dead_code(graph: FunctionGraph) -> None:
    entrymap = mkentrymap(graph)
    live = _live_values(graph, entrymap)
    finals = (graph.returnblock, graph.exceptblock)
    for block in graph.iterblocks():
        block.operations = [op for op in block.operations
                            if op.result in live or not is_removable(op.opname)]
        if block is graph.startblock or block in finals:
            continue
        keep = [i for i, v in enumerate(block.inputargs) if v in live]
        if len(keep) < len(block.inputargs):
            block.inputargs = [block.inputargs[i] for i in keep]
            for link in entrymap[block]:
                link.args = [link.args[i] for i in keep]


def _absorb(block, link, entrymap: dict) -> bool:
    """Merge `link.target` into `block`; False if that is not possible."""
    target = link.target
    mapping = dict(zip(target.inputargs, link.args))

    def r(value):
        return mapping.get(value, value)

    if isinstance(r(target.exitswitch), Constant):
        return False
    block.operations += [SpaceOperation(op.opname, [r(a) for a in op.args], op.result,
                                        op.lineno) for op in target.operations]
    block.exitswitch = r(target.exitswitch) if target.exitswitch is not None else None
    newlinks = [Link([r(a) for a in old.args], old.target, old.exitcase)
                for old in target.exits]
    block.closeblock(*newlinks)
    for old, new in zip(target.exits, newlinks):
        entrymap[old.target] = [new if l is old else l for l in entrymap[old.target]]
    return True


def _is_forwarder(block) -> bool:
    return not block.operations and block.exitswitch is None and len(block.exits) == 1


def skip_empty_blocks(graph: FunctionGraph) -> None:
    for block in list(graph.iterblocks()):
        for link in block.exits:
            seen = set()
            while _is_forwarder(link.target) and link.target not in seen:
                seen.add(link.target)
                onward = link.target.exits[0]
                mapping = dict(zip(link.target.inputargs, link.args))
                link.args = [mapping.get(a, a) for a in onward.args]
                link.target = onward.target


def join_blocks(graph: FunctionGraph) -> None:
    entrymap = mkentrymap(graph)
    absorbed: set = set()
    for block in list(graph.iterblocks()):
        while block not in absorbed and block.exitswitch is None and len(block.exits) == 1:
            target = block.exits[0].target
            if target is block or not target.exits or len(entrymap[target]) != 1:
                break
            if not _absorb(block, block.exits[0], entrymap):
                break
            absorbed.add(target)


def cleanup_graph(graph: FunctionGraph) -> None:
    propagate_constants(graph)
    simplify_switches(graph)
    remove_dead_code(graph)
    skip_empty_blocks(graph)
    join_blocks(graph)

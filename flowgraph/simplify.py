"""Simplification passes that keep built graphs tidy.

`simplify_graph(graph)` runs the pipeline `SIMPLIFY_PASSES` (passes as data,
`flowgraph/passes.py`), in order:

1. `remove_same_as`: `v = same_as(x)` is dropped and `v` renamed to `x`
   within its block (variables are block-local, so the renaming is local).
2. `remove_dead`: a backward liveness fixpoint over block arguments.  An
   input argument is live if its block's operations, exitswitch or links use
   it where the target's argument is live; operations that are pure and
   cannot raise are dropped when their result is dead.  Dead input arguments
   are removed together with the matching link arguments.  (The builder
   passes every bound name to every join; this removes what nobody reads.)
3. `propagate_constant_args`: an input argument that receives the same
   Constant on every entering link (possibly through other such arguments,
   around loops) is replaced by that Constant -- an optimistic fixpoint on
   the lattice unknown > constant c > varying.  A loop bound written as a
   literal stays a literal instead of a loop-carried variable.  (As a pass
   of the pipeline, dead code is removed again when anything changed.)
4. `remove_empty_blocks`: a block without operations whose single exit is
   unconditional is bypassed: each link entering it goes straight to its
   successor with the arguments mapped through.
5. `join_blocks`: a block whose single unconditional exit leads to a block
   with no other entering link absorbs that block.

Whenever an exitswitch becomes a Constant the branch is decided and only
the taken exit is kept.  Start, return and except blocks are never removed.
Every pass requires and preserves the `checkgraph` invariants, and each is
optional: the graph is valid without it.
"""

from __future__ import annotations

from flowgraph.lltypes import is_subtype
from flowgraph.model import Constant, FunctionGraph, Link, Variable, mkentrymap
from flowgraph.operations import OPS
from flowgraph.passes import NO_OPTIONS, Pass, PassOptions, PassRunner

_VARYING = object()


def simplify_graph(graph: FunctionGraph, options: PassOptions = NO_OPTIONS) -> None:
    """Run `SIMPLIFY_PASSES` on `graph` (options: `flowgraph.passes`)."""
    PassRunner(SIMPLIFY_PASSES, options).run(graph)
    graph.invalidate()


def _is_final(graph: FunctionGraph, block) -> bool:
    return block is graph.returnblock or block is graph.exceptblock


def rename_block(block, mapping: dict) -> None:
    """Apply `mapping` (Variable -> Value) to a block's uses."""
    if not mapping:
        return
    for op in block.operations:
        op.args = [mapping.get(a, a) for a in op.args]
    if block.exitswitch is not None:
        block.exitswitch = mapping.get(block.exitswitch, block.exitswitch)
    for link in block.exits:
        link.args = [mapping.get(a, a) for a in link.args]
    decide_constant_switch(block)


def decide_constant_switch(block) -> None:
    """A switch on a Constant keeps only the exit it takes."""
    if not isinstance(block.exitswitch, Constant):
        return
    value = block.exitswitch.value
    taken = [link for link in block.exits if link.exitcase == value and
             type(link.exitcase) is type(value)]
    if not taken:
        taken = [link for link in block.exits if link.exitcase == "default"]
    link = taken[0]
    block.exitswitch = None
    block.closeblock(Link(link.args, link.target, None))


# -- 1. same_as -----------------------------------------------------------------------

def remove_same_as(graph: FunctionGraph) -> None:
    for block in list(graph.iterblocks()):
        mapping, kept = {}, []
        for op in block.operations:
            op.args = [mapping.get(a, a) for a in op.args]
            if OPS[op.opname].kind == "copy" and is_subtype(op.args[0].concretetype,
                                                            op.result.concretetype):
                mapping[op.result] = op.args[0]     # (a cast to a subclass stays)
            else:
                kept.append(op)
        block.operations = kept
        rename_block(block, mapping)


# -- 2. dead arguments and operations -----------------------------------------------------

def _removable(op) -> bool:
    desc = OPS[op.opname]
    return desc.pure and not desc.canraise


def live_variables(graph: FunctionGraph) -> set:
    """Variables whose value may influence the result or a side effect: a
    backward fixpoint, its sweeps in postorder (a block after those it
    leads to), so that straight-line code and each loop nest settle in one
    sweep and the last sweep only confirms: two sweeps where reversed
    preorder took four (remove_dead on the residual graph of a 10,000-
    instruction Brainfuck program, 23,588 blocks and 300,000 link
    arguments: 0.43 -> 0.32 s)."""
    blocks = graph.postorder()
    live = set(graph.returnblock.inputargs) | set(graph.exceptblock.inputargs)
    changed = True
    while changed:
        changed = False
        for block in blocks:
            before = len(live)
            for link in block.exits:
                for arg, target_arg in zip(link.args, link.target.inputargs):
                    if target_arg in live and isinstance(arg, Variable):
                        live.add(arg)
            if isinstance(block.exitswitch, Variable):
                live.add(block.exitswitch)
            for op in reversed(block.operations):
                if op.result in live or not _removable(op):
                    for a in op.args:
                        if isinstance(a, Variable):
                            live.add(a)
            changed |= len(live) != before
    return live


def remove_dead(graph: FunctionGraph) -> None:
    live = live_variables(graph)
    for block in graph.iterblocks():
        block.operations = [op for op in block.operations
                            if op.result in live or not _removable(op)]
    entrymap = mkentrymap(graph)
    for block, links in entrymap.items():
        if block is graph.startblock or _is_final(graph, block):
            continue
        keep = [i for i, v in enumerate(block.inputargs) if v in live]
        if len(keep) == len(block.inputargs):
            continue
        block.inputargs = [block.inputargs[i] for i in keep]
        for link in links:
            link.args = [link.args[i] for i in keep]


# -- 3. constant block arguments -------------------------------------------------------

def propagate_constant_args(graph: FunctionGraph) -> bool:
    """Replace block arguments that are the same Constant on every path (the
    sweeps in reverse postorder: a block after those that lead to it, but
    for loops' back edges)."""
    entrymap = mkentrymap(graph)
    candidates = {v: None for block in entrymap if block is not graph.startblock
                  and not _is_final(graph, block) for v in block.inputargs}
    order = [(block, entrymap[block]) for block in reversed(graph.postorder())
             if block.inputargs and block in entrymap]
    changed = True
    while changed:
        changed = False
        for block, links in order:
            for i, v in enumerate(block.inputargs):
                old = candidates.get(v, _VARYING)
                if old is not _VARYING:
                    new = _meet_incoming(candidates, [link.args[i] for link in links])
                    if old is not None and new is not _VARYING and new is not old:
                        # only ever up the lattice (None, one constant, varying): an
                        # equal constant is no change, another one makes it varying
                        # (else two equal-but-not-identical constants could chase each
                        # other round a loop forever)
                        new = old if _same_constant(new, old) else _VARYING
                    if new is not old:
                        candidates[v], changed = new, True
    constants = {v: c for v, c in candidates.items() if isinstance(c, Constant)}
    if not constants:
        return False
    renames = []
    for block, links in entrymap.items():
        keep = [i for i, v in enumerate(block.inputargs) if v not in constants]
        if len(keep) < len(block.inputargs):
            renames.append((block, {v: constants[v] for v in block.inputargs
                                    if v in constants}))
            block.inputargs = [block.inputargs[i] for i in keep]
            for link in links:
                link.args = [link.args[i] for i in keep]
    for block, mapping in renames:      # after every link is trimmed: a switch made
        rename_block(block, mapping)    # constant replaces its block's links
    return True


def _same_constant(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:                   # an odd value's __eq__: not the same
        return False


def _meet_incoming(candidates: dict, args: list):
    result = None                                   # None: nothing known yet
    for arg in args:
        value = arg if isinstance(arg, Constant) else candidates.get(arg, _VARYING)
        if value is None:
            continue
        if value is _VARYING or (result is not None and result != value):
            return _VARYING
        result = value
    return result


# -- 4. empty blocks ---------------------------------------------------------------------

def _is_empty(graph: FunctionGraph, block) -> bool:
    return (block is not graph.startblock and not _is_final(graph, block)
            and not block.operations and block.exitswitch is None and len(block.exits) == 1)


def remove_empty_blocks(graph: FunctionGraph) -> None:
    """Every link entering a chain of empty blocks goes to the chain's end."""
    for link in list(graph.iterlinks()):
        target, args, seen = link.target, link.args, set()
        while _is_empty(graph, target) and target not in seen:   # a cycle: `while True: pass`
            seen.add(target)
            mapping = dict(zip(target.inputargs, args))
            (exit_link,) = target.exits
            target, args = exit_link.target, [mapping.get(a, a) for a in exit_link.args]
        link.target, link.args = target, args


# -- 5. joining blocks -------------------------------------------------------------------

def join_blocks(graph: FunctionGraph) -> None:
    """One pass: each block absorbs its successor as long as it can (the
    number of links entering any block does not change when one absorbs)."""
    entering = {block: len(links) for block, links in mkentrymap(graph).items()}
    absorbed = set()
    for block in list(graph.iterblocks()):
        if block in absorbed:
            continue
        while block.exitswitch is None and len(block.exits) == 1:
            link = block.exits[0]
            target = link.target
            if (target is block or target is graph.startblock or _is_final(graph, target)
                    or entering[target] != 1):
                break
            _absorb(block, link, target)
            absorbed.add(target)


def _absorb(block, link: Link, target) -> None:
    mapping = dict(zip(target.inputargs, link.args))
    rename_block(target, mapping)
    block.operations.extend(target.operations)
    block.exitswitch = target.exitswitch
    block.closeblock(*target.exits)


def _propagate_constant_args_pass(graph: FunctionGraph) -> None:
    """Block arguments that are one Constant on every path become it (then
    dead code is removed again)."""
    if propagate_constant_args(graph):
        remove_dead(graph)


SIMPLIFY_PASSES = [
    Pass("remove_same_as", remove_same_as, doc="v = same_as(x) is dropped, v renamed to x"),
    Pass("remove_dead", remove_dead,
         doc="dead pure operations and dead block arguments are dropped"),
    Pass("propagate_constant_args", _propagate_constant_args_pass,
         doc="block arguments that are one Constant on every path become it"),
    Pass("remove_empty_blocks", remove_empty_blocks,
         doc="links skip blocks without operations and with one plain exit"),
    Pass("join_blocks", join_blocks,
         doc="a block absorbs the successor entered only from its single plain exit"),
]

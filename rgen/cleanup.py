"""Clean-ups run on a finished residual graph (after `ssa.thread_values`).

`simplify_switches` is part of the residual pipeline's first pass (`rgen/pipeline.py`,
which lists them all, in order, with the flow-graph simplifier's
`remove_dead`, `remove_empty_blocks` and `join_blocks`).  Unreachable blocks
are already gone: the graph is a copy of the reachable part of the logical
graph.
"""

from __future__ import annotations

from flowgraph.lltypes import Bool
from flowgraph.model import FunctionGraph, Variable
from flowgraph.operations import OPS


def simplify_switches(graph: FunctionGraph) -> None:
    """An extensible switch still without cases is a plain jump.  Requires and
    preserves the `checkgraph` invariants."""
    for block in graph.iterblocks():
        if block.exitswitch is not None and len(block.exits) == 1:
            block.exitswitch = None
            block.exits[0].exitcase = None


def switch_on_conditions(graph: FunctionGraph) -> None:
    """A Bool switch on a test whose value is b or `not b` for a Bool b
    (`bool_not(b)`, `int_eq(cast_bool_to_int(b), 0)`, ...: a guest's
    comparison pushed as an int and tested by its jump), used nowhere else,
    switches on b itself, its two exits swapped when it was negated; the operations of the test left unused go.  Runs last: after
    `remove_dead` (a dead block argument is a use) and `join_blocks` (the
    test and its switch in one block).  Requires and preserves the
    `checkgraph` invariants."""
    for block in graph.iterblocks():
        while isinstance(block.exitswitch, Variable) and len(block.exits) == 2:
            w = block.exitswitch
            found = _condition(block, w)
            if found is None or _used(block, w):
                break
            block.exitswitch, negated = found
            if negated:
                for link in block.exits:
                    link.exitcase = not link.exitcase
                block.exits.reverse()           # False first, as built
            _drop_unused(block, w)


def _drop_unused(block, v) -> None:
    """Remove the (pure) operation making `v` when nothing uses `v`, then
    those making its arguments, in turn."""
    op = _definition(block, v)
    if op is None or _used(block, v) or block.exitswitch is v:
        return
    block.operations.remove(op)
    for arg in op.args:
        if isinstance(arg, Variable):
            _drop_unused(block, arg)


def _condition(block, w):
    """(b, negated) when the Bool `w` is a pure operation of one variable, b
    or `cast_bool_to_int(b)`, whose value is b or `not b` (its fold function
    tried on both values of b)."""
    op = _definition(block, w)
    if op is None or w.concretetype is not Bool or not OPS[op.opname].pure \
            or OPS[op.opname].fold is None:
        return None
    variables = [a for a in op.args if isinstance(a, Variable)]
    if len(variables) != 1:
        return None
    x = b = variables[0]
    widen = bool
    if x.concretetype is not Bool:
        cast = _definition(block, x)
        if cast is None or cast.opname != "cast_bool_to_int":
            return None
        b, widen = cast.args[0], int
    try:
        outcomes = [OPS[op.opname].fold(*[widen(value) if a is x else a.value for a in op.args])
                    for value in (False, True)]
    except Exception:           # the fold raises: no simple condition
        return None
    if outcomes == [False, True]:
        return b, False
    if outcomes == [True, False]:
        return b, True
    return None


def _definition(block, v):
    return next((op for op in block.operations if op.result is v), None)


def _used(block, w) -> bool:
    """Is `w` used in `block` other than as its switch?"""
    return any(w in op.args for op in block.operations) or any(
        w in link.args for link in block.exits)

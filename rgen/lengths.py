"""Lengths of real lists known when a residual graph is finished: `list_len` folds.

The generating extension forces a virtual list into a real one when it must
(a merge whose shapes differ, an escape): from then on the list is a
`newlist` and residual operations, and its length is a run-time question.
Yet the code right after the forcing often knows the answer: a `newlist` of
a constant length, then a known number of appends and pops.  This pass
follows those lengths forward through the finished graph (into a block
when every path brings the same length, so a loop that appends forgets it)
and replaces each `list_len` of a known length by the constant; the tests
and switches on it then fold (`constprop.refold`, `propagate_constants`)
and the blocks they no longer reach go.

What can change a list's length besides the operations followed:
  * an operation on another variable holding the same list: a length
    change through any variable forgets every other variable's length
    (they may be the same list);
  * code that is not here (a call, a tail call, a promotion site, whose
    fallback runs the interpreter): it forgets every length.
Operations of the kinds in LENGTH_SAFE change no list's length but by the
op table's `resizes` column.

Requires and preserves the `checkgraph` invariants (block-local variables).
"""

from __future__ import annotations

from flowgraph.lltypes import ListType, Signed
from flowgraph.model import Constant, FunctionGraph, Variable
from flowgraph.operations import OPS
from flowgraph.simplify import rename_block

from rgen.constprop import propagate_constants, refold

# operation kinds that change no list's length but by their `resizes` column
LENGTH_SAFE = frozenset({"arith", "compare", "cast", "length", "read", "alloc", "write",
                         "pop"})
_VARYING = object()              # a block argument that gets different lengths


def fold_known_lengths(graph: FunctionGraph) -> bool:
    """Replace every `list_len` of a list whose length is known by that
    length, then fold what follows; True if any was replaced."""
    entry = _entry_lengths(graph)
    changed = False
    for block in graph.iterblocks():
        lengths = {v: entry[v] for v in block.inputargs if isinstance(entry.get(v), int)}
        mapping, operations = {}, []
        for op in block.operations:
            if op.opname == "list_len" and op.args[0] in lengths:
                mapping[op.result] = Constant(lengths[op.args[0]], Signed)
                continue
            _step(op, lengths)
            operations.append(op)
        if mapping:
            block.operations = operations
            rename_block(block, mapping)
            changed = True
    if changed:
        refold(graph)
        propagate_constants(graph)
    return changed


def _entry_lengths(graph: FunctionGraph) -> dict:
    """{block argument: its length on every path into its block, or _VARYING}
    for the list-typed arguments of the blocks reached (a fixpoint: each
    argument only goes from unseen to a length to _VARYING)."""
    known = {v: _VARYING for v in graph.startblock.inputargs}
    pending, walked = [graph.startblock], set()
    while pending:
        block = pending.pop()
        walked.add(block)
        lengths = {v: known[v] for v in block.inputargs if isinstance(known.get(v), int)}
        for op in block.operations:
            _step(op, lengths)
        for link in block.exits:
            grew = link.target not in walked
            for arg, param in zip(link.args, link.target.inputargs):
                if not isinstance(param.concretetype, ListType):
                    continue
                new = lengths.get(arg, _VARYING) if isinstance(arg, Variable) else _VARYING
                old = known.get(param)
                if old is None or (old is not _VARYING and old != new):
                    known[param] = new if old is None else _VARYING
                    grew = True
            if grew:
                pending.append(link.target)
    return known


def _step(op, lengths: dict) -> None:
    """`lengths` (variable -> length) after the operation `op`."""
    desc = OPS[op.opname]
    if op.opname == "newlist":
        count = op.args[1]
        if isinstance(count, Constant):
            lengths[op.result] = max(count.value, 0)
    elif desc.resizes:
        target = op.args[desc.container]
        before = lengths.get(target)
        lengths.clear()                          # another variable may be the same list
        if before is not None:
            lengths[target] = before + desc.resizes
    elif desc.is_copy:
        if op.args[0] in lengths:
            lengths[op.result] = lengths[op.args[0]]
    elif desc.kind not in LENGTH_SAFE:
        lengths.clear()                          # a call, a transfer: code not seen here

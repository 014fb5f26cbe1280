"""`forward_fields`: a field read whose value is known is dropped (a residual
pass, rgen/pipeline.py).

Inside a block, `getfield(p, f)` after `getfield(p, f)` reads what the first
read gave, and after `setfield(p, f, v)` it reads `v`, unless something
between may have changed the field:

  * a `setfield` of a field with the same name on another variable (it may
    be the same object: every value known for that field name is
    forgotten; the store's own is then known);
  * an operation that may run other code (a call, a tail transfer, a
    promotion site: the operation table's `calls` and `transfer` rows):
    everything is forgotten.

Across blocks.  What a block knows at its end goes on along its exits: a
field of an object that a block receives as an argument is known on entry
when every link into the block passes, for that argument, an object whose
field the link's block knows at its end (a dataflow fixpoint, optimistic
around loops, so a loop that reads and writes an object's fields carries
their values in block arguments).  The known value becomes a new argument
of the block.  So a loop over a red instance reads each field once, before
the loop, and then only stores.

A constant stored is not forwarded: the operations using it would be on
constants, which the residual checker wants folded.

The read that is dropped could not have raised: the first read checked the
field (flowgraph.arguments' checks where fields are read), and a value this
code stored has the field's type.  Every store stays, so the object is
always up to date for whoever looks at it.  A native field access is a
C-API call (`PyObject_GetAttr`), which LLVM cannot remove itself.  (What
is assumed: no other code runs between the operations of a function but
the calls forgotten at; a `__del__` of a user class run by a decref, or a
Python signal handler run at a loop's signal poll, changing a field of an
object the code is using would be missed.)

Specialised, bench_objects' attribute loop went 66.6 -> 49.2 ns/iter with
the reads known inside a block (12 -> 8 getfield in its residual code),
then 47.6 -> 25.4 ns/iter across blocks (no getfield left in the loop; its
two stores per iteration, `PyObject_SetAttr`, are what is left).
"""

from __future__ import annotations

from flowgraph.lltypes import StructType
from flowgraph.model import FunctionGraph, Variable
from flowgraph.operations import OPS
from flowgraph.simplify import rename_block


def forward_fields(graph: FunctionGraph) -> None:
    """Requires and preserves `checkgraph`'s invariants."""
    blocks = [b for b in graph.iterblocks() if b.exits]
    if not any(op.opname == "getfield" for b in blocks for op in b.operations):
        return
    entry = _known_on_entry(graph, blocks)
    carried = {}                    # block -> {(argument position, field): new argument}
    for block in blocks:
        new = {}
        for i, field in sorted(entry.get(block, ()), key=lambda k: (k[0], k[1])):
            v = Variable(field, block.inputargs[i].concretetype.fieldtype(field))
            new[(i, field)] = v
            block.inputargs.append(v)
        carried[block] = new
    for block in blocks:
        known = {(block.inputargs[i], field): v for (i, field), v in carried[block].items()}
        known = _forward(block, known)
        for link in block.exits:
            for i, field in carried.get(link.target, {}):
                link.args.append(known[(link.args[i], field)])


def _forward(block, known: dict) -> dict:
    """Drop the reads of `block` whose value is `known` ({(object, field):
    value}, what is known on entry); return what is known at its end."""
    mapping, kept = {}, []
    for op in block.operations:
        op.args = [mapping.get(a, a) for a in op.args]
        name = op.opname
        if name == "getfield":
            key = (op.args[0], op.args[1].value)
            if key in known:
                mapping[op.result] = known[key]
                continue
            known[key] = op.result
        elif name == "setfield":
            _store(known, op)
        elif _runs_other_code(name):
            known.clear()
        kept.append(op)
    if mapping:
        block.operations = kept
        rename_block(block, mapping)
    return known


def _store(known: dict, op) -> None:
    field = op.args[1].value
    for key in [k for k in known if k[1] == field]:
        del known[key]
    if isinstance(op.args[2], Variable):   # (a constant would leave operations
        known[(op.args[0], field)] = op.args[2]      # on constants unfolded)


def _runs_other_code(name: str) -> bool:
    return bool(OPS[name].calls) or OPS[name].kind in ("call", "transfer")


def _known_keys_at_end(block, on_entry) -> set:
    """The (object, field) pairs known at the end of `block` when the pairs
    `on_entry` ((argument position, field)) are known on entry."""
    known = {(block.inputargs[i], field) for i, field in on_entry}
    for op in block.operations:
        name = op.opname
        if name == "getfield":
            known.add((op.args[0], op.args[1].value))
        elif name == "setfield":
            field = op.args[1].value
            known = {k for k in known if k[1] != field}
            if isinstance(op.args[2], Variable):
                known.add((op.args[0], field))
        elif _runs_other_code(name):
            known.clear()
    return known


def _known_on_entry(graph: FunctionGraph, blocks: list) -> dict:
    """{block: {(argument position, field)}} known on entry to each block
    (the greatest fixpoint: every link in knows the field of the object it
    passes at that position, with a value of the field's exact type)."""
    preds: dict = {}
    for block in blocks:
        for link in block.exits:
            preds.setdefault(link.target, []).append(link)
    entry = {}
    for block in blocks:
        if block is graph.startblock or block not in preds:
            entry[block] = set()
        else:
            entry[block] = {(i, field) for i, v in enumerate(block.inputargs)
                            if isinstance(v.concretetype, StructType)
                            for field in v.concretetype.fields}
    changed = True
    while changed:
        changed = False
        at_end = {block: _known_keys_at_end(block, entry[block]) for block in blocks}
        for block in blocks:
            keep = {(i, field) for i, field in entry[block]
                    if all(link.prevblock in at_end
                           and (link.args[i], field) in at_end[link.prevblock]
                           for link in preds.get(block, ()))}
            if keep != entry[block]:
                entry[block] = keep
                changed = True
    return entry



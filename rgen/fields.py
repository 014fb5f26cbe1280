"""`forward_fields`: a field read whose value is known is dropped (a residual
pass, rgen/pipeline.py).

Inside a block, `getfield(p, f)` after `getfield(p, f)` reads what the first
read gave, and after `setfield(p, f, v)` it reads `v`, unless something
between may have changed the field:

  * a `setfield` of a field with the same name on another variable (it may
    be the same object: every value known for that field name is
    forgotten; the store's own is then known);
  * an operation that may run other code (a call, a tail transfer, a
    promotion site, an effect such as print: the operation table's `calls`,
    `transfer` and `effect` rows):
    everything is forgotten.

Across blocks.  What a block knows at its end goes on along its exits: a
field of an object that a block receives as an argument is known on entry
when every link into the block passes, for that argument, an object whose
field the link's block knows at its end (a dataflow fixpoint, optimistic
around loops, so a loop that reads and writes an object's fields carries
their values in block arguments).  The known value becomes a new argument
of the block.  So a loop over a red instance reads each field once, before
the loop, and then only stores; where nothing in the loop can look at the
object, even the stores wait for the loop's exits (`sink_stores`).

Then a store that the same object's next store to the field overwrites,
with nothing between that may look at the object, is dropped
(`drop_overwritten_stores`, inside a block).

A constant stored is forwarded too; the operations that then use it are
folded again at the end of the pass (`constprop.refold`), as the residual
checker wants no operation left on constants alone.

The read that is dropped could not have raised: the first read checked the
field (flowgraph.arguments' checks where fields are read), and a value this
code stored has the field's type.  Every store stays, or is sunk to where
the first code that can look at the object may run, so the object is up to
date for whoever looks at it.  A native field access is a C-API call
(`PyObject_GetAttr`), which LLVM cannot remove itself.  (What
is assumed: no other code runs between the operations of a function but
the calls forgotten at; a `__del__` of a user class run by a decref, or a
Python signal handler run at a loop's signal poll, changing a field of an
object the code is using would be missed.)

Specialised, bench_objects' attribute loop went 66.6 -> 49.2 ns/iter with
the reads known inside a block (12 -> 8 getfield in its residual code),
then 47.6 -> 25.4 ns/iter across blocks (no getfield left in the loop; its
two stores per iteration, `PyObject_SetAttr`, are what is left), then 3.2
ns/iter with the stores sunk to the loop's exit (`sink_stores`): the speed of
the same loop on local variables (3.35 ns).
"""

from __future__ import annotations

from flowgraph.lltypes import Bool, Float, Signed, StructType, Void
from flowgraph.model import Block, Constant, FunctionGraph, Link, SpaceOperation, Variable
from flowgraph.operations import OPS
from flowgraph.simplify import rename_block
from rgen.constprop import refold


def forward_fields(graph: FunctionGraph) -> None:
    """Requires and preserves `checkgraph`'s invariants."""
    blocks = [b for b in graph.iterblocks() if b.exits]
    names = {op.opname for b in blocks for op in b.operations}
    if "getfield" in names and _forward_reads(graph, blocks):
        refold(graph)               # a constant stored and read back: fold what uses it
    if "setfield" in names:
        for block in blocks:
            drop_overwritten_stores(block)


def _forward_reads(graph: FunctionGraph, blocks: list) -> bool:
    """The reads known dropped, and the loops' stores sunk (module docstring);
    True if a read was replaced by a constant.
    Each block's own reads go first: a read it knows is renamed to the value
    in its operations and links, so that a block it leads to sees which
    object it passes (`s` stored into `f.p`, read back as `f.p` and passed
    on, is `s`, whose stored fields are then known there)."""
    constant = False
    for block in blocks:
        constant |= _forward(block, {})[1]
    entry = _known_on_entry(graph, blocks)
    carried = {}                    # block -> {(argument position, field): new argument}
    for block in blocks:
        new = {}
        for i, field in sorted(entry.get(block, ()), key=lambda k: (k[0], k[1])):
            v = Variable(field, block.inputargs[i].concretetype.fieldtype(field))
            new[(i, field)] = v
            block.inputargs.append(v)
        carried[block] = new
    at_end = {}
    for block in blocks:
        known = {(block.inputargs[i], field): v for (i, field), v in carried[block].items()}
        known, replaced = _forward(block, known)
        at_end[block] = known
        constant |= replaced
        for link in block.exits:
            for i, field in carried.get(link.target, {}):
                link.args.append(known[(link.args[i], field)])
    sink_stores(blocks, at_end)
    return constant


def drop_overwritten_stores(block) -> None:
    """Inside `block`, a store of a number to a field that the same object's
    next store to that field overwrites is dropped when nothing between the
    two may look at the object: no read of that field (of any object: it may
    be the same one), nothing that may run other code, allocate (a
    collection could run a `__del__`) or raise (a handler or the caller
    would see the object).  An interpreter storing its frame's pc at every
    guest instruction stores it once per block, before what may look.  Only
    numbers: dropping a store of a reference would delay the release of the
    object it replaced."""
    last: dict = {}             # (object, field) -> index of its store not yet looked at
    dropped = set()
    for i, op in enumerate(block.operations):
        if op.opname == "setfield":
            key = (op.args[0], op.args[1].value)
            if key in last:
                dropped.add(last.pop(key))
            if op.args[0].concretetype.fieldtype(key[1]) in (Signed, Float, Bool):
                last[key] = i
        elif _accesses_a_field(op):
            field = op.args[1].value
            for key in [k for k in last if k[1] == field]:
                del last[key]
        elif _runs_other_code(op.opname) or OPS[op.opname].kind == "alloc" or _may_raise(op):
            last.clear()
    if dropped:
        block.operations = [op for i, op in enumerate(block.operations) if i not in dropped]


def _forward(block, known: dict) -> tuple[dict, bool]:
    """Drop the reads of `block` whose value is `known` ({(object, field):
    value}, what is known on entry); return what is known at its end, and
    whether a read was replaced by a constant."""
    mapping, kept = {}, []
    for op in block.operations:
        op.args = [mapping.get(a, a) for a in op.args]
        value = _learn(known, op)
        if value is not None:
            mapping[op.result] = value
            continue
        kept.append(op)
    if mapping:
        block.operations = kept
        rename_block(block, mapping)
    return known, any(isinstance(v, Constant) for v in mapping.values())


def _learn(known: dict, op):
    """Update `known` for `op` (the rules of the module docstring); the
    value a read gives when it is known already, else None."""
    name = op.opname
    if name == "getfield":
        key = (op.args[0], op.args[1].value)
        if key in known:
            return known[key]
        known[key] = op.result
    elif name == "setfield":
        field = op.args[1].value
        for key in [k for k in known if k[1] == field]:
            del known[key]
        known[(op.args[0], field)] = op.args[2]     # (a constant too: refolded after)
    elif _runs_other_code(name):
        known.clear()
    return None


def _runs_other_code(name: str) -> bool:
    return bool(OPS[name].calls) or OPS[name].kind in ("call", "transfer", "effect")


def _known_keys_at_end(block, on_entry) -> set:
    """The (object, field) pairs known at the end of `block` when the pairs
    `on_entry` ((argument position, field)) are known on entry."""
    known = dict.fromkeys((block.inputargs[i], field) for i, field in on_entry)
    for op in block.operations:
        _learn(known, op)
    return set(known)


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




# -- stores sunk to a loop's exits ---------------------------------------------------

def sink_stores(blocks: list, at_end: dict) -> None:
    """Inside a loop that nothing else can look into, the stores to a field
    of an object that stays the same through the loop are done once, on the
    loop's exits, with the value the field holds there (`at_end`: what
    `_forward` knew at the end of each block).

    A loop (a strongly connected component of the blocks) qualifies when
    none of its operations may raise, run other code (`_runs_other_code`),
    or allocate (`malloc`/`newlist`: a collection could run a `__del__`),
    so that nothing sees the object between the loop's entry and an exit.
    The object is one of its block arguments, passed along every link of the
    loop as itself (`_invariant_objects`).  A field qualifies when its type
    is a number (no reference count to drop, no `__del__` delayed), no
    operation of the loop reads or stores that field of another variable
    (which may be the same object), and its value is known at the end of
    every block of the loop.  Caveat: a Python signal handler run at the
    loop's signal poll sees the object as it was when the loop was entered
    (a KeyboardInterrupt there leaves it so)."""
    candidates = [b for b in blocks if any(op.opname == "setfield" for op in b.operations)]
    if not candidates:
        return
    for loop in _loops(blocks):
        if not any(b in loop for b in candidates) or not _closed(loop):
            continue
        objects = _invariant_objects(loop)
        fields = _sinkable(loop, objects, at_end)
        if fields:
            _sink(loop, objects, fields, at_end)


def _loops(blocks: list) -> list:
    import networkx as nx              # (only when a graph has stores)
    cfg = nx.DiGraph()
    for block in blocks:
        cfg.add_node(block)
        cfg.add_edges_from((block, link.target) for link in block.exits)
    return [comp for comp in nx.strongly_connected_components(cfg)
            if len(comp) > 1 or any(link.target is b for b in comp for link in b.exits)]


def _accesses_a_field(op) -> bool:
    """A field read or store (the table's rows with a field operand)."""
    return OPS[op.opname].field is not None


def _closed(loop) -> bool:
    """Nothing in `loop` may raise, run other code or allocate."""
    for block in loop:
        for op in block.operations:
            desc = OPS[op.opname]
            if _accesses_a_field(op):
                continue
            if _runs_other_code(op.opname) or desc.kind == "alloc" or _may_raise(op):
                return False
    return True


def _may_raise(op) -> bool:
    """Does `op` raise for some operands?  (A division by a non-zero
    constant does not.)"""
    canraise = OPS[op.opname].canraise
    if not canraise:
        return False
    if canraise == (ZeroDivisionError,) and isinstance(op.args[1], Constant):
        return op.args[1].value == 0
    return True


def _invariant_objects(loop) -> dict:
    """{block argument: class id} of the objects that stay the same through
    `loop`: block arguments linked, along the loop's links, only to each
    other (a class of variables none of which an operation of the loop
    makes)."""
    parent: dict = {}

    def find(v):
        while parent.get(v, v) is not v:
            v = parent[v]
        return v

    made_inside = {op.result for b in loop for op in b.operations}
    for block in loop:
        for link in block.exits:
            if link.target in loop:
                for arg, target in zip(link.args, link.target.inputargs):
                    if isinstance(target.concretetype, StructType) and isinstance(arg, Variable):
                        a, t = find(arg), find(target)
                        if a is not t:
                            parent[a] = t
    classes: dict = {}
    for block in loop:
        for v in block.inputargs:
            if isinstance(v.concretetype, StructType):
                classes.setdefault(find(v), []).append(v)
    bad = set()
    for block in loop:
        for link in block.exits:
            if link.target in loop:
                for arg, target in zip(link.args, link.target.inputargs):
                    if isinstance(target.concretetype, StructType) and (
                            not isinstance(arg, Variable) or arg in made_inside):
                        bad.add(find(target))
    return {v: root for root, members in classes.items() if root not in bad for v in members}


def _sinkable(loop, objects: dict, at_end: dict) -> set:
    """{(class, field)} whose stores in `loop` can go to its exits: stores of
    a number to an invariant object's field that nothing else in the loop
    reads or stores (not through another variable, not on another object)."""
    stored, touched_otherwise = {}, set()
    for block in loop:
        for op in block.operations:
            if _accesses_a_field(op):
                field = op.args[1].value
                obj = objects.get(op.args[0])
                if op.opname == "setfield" and obj is not None and \
                        op.args[0].concretetype.fieldtype(field) in (Signed, Float, Bool):
                    stored.setdefault(field, set()).add(obj)
                else:
                    touched_otherwise.add(field)
    return {(obj, field) for field, objs in stored.items()
            if len(objs) == 1 and field not in touched_otherwise
            for obj in objs
            if all(any(objects.get(o) is obj and f == field for o, f in at_end[b])
                   for b in loop)}


def _sink(loop, objects: dict, fields: set, at_end: dict) -> None:
    """Drop the stores of `fields` in `loop`; each exit link goes through a
    new block that stores the value known at the end of the link's block."""
    for block in loop:
        block.operations = [op for op in block.operations
                            if not (op.opname == "setfield"
                                    and (objects.get(op.args[0]), op.args[1].value) in fields)]
    for block in loop:
        by_class = {}
        for (o, f), value in at_end[block].items():
            obj = objects.get(o)
            if (obj, f) in fields and o in block.inputargs:
                by_class[(obj, f)] = (o, value)
        for link in block.exits:
            if link.target in loop:
                continue
            stores = [by_class[key] + (key[1],)
                      for key in sorted(fields, key=lambda k: (k[1], k[0].id))]
            _store_on(link, stores)


def _store_on(link, stores: list) -> None:
    """Put a block doing `stores` ((object, value, field) of the link's
    block) on `link`."""
    args = list(dict.fromkeys(list(link.args) + [v for o, value, f in stores
                                                 for v in (o, value)
                                                 if isinstance(v, Variable)]))
    fresh = {v: v.copy() for v in args if isinstance(v, Variable)}
    block = Block([fresh[v] for v in args if isinstance(v, Variable)])
    for o, value, field in stores:
        block.operations.append(SpaceOperation(
            "setfield", [fresh[o], Constant(field, Void), fresh.get(value, value)],
            Variable("", Void)))
    block.closeblock(Link([fresh.get(a, a) for a in link.args], link.target))
    link.args = [v for v in args if isinstance(v, Variable)]
    link.target = block

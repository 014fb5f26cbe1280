"""SSA construction by liveness: from logical values to block arguments.

Builders let a client use a value anywhere after its definition (a *logical*
value), while flow-graph variables are local to their block.  `thread_values`
bridges the two when a function is finished.  It works on the builder's
private *logical graph*, whose blocks may use Variables defined in other
blocks, and returns a fresh copy in which every block only uses its own
variables:

1. For each block, `uses` = the Variables read (by operations, the
   exitswitch, link arguments) before being defined in the block.
2. A Variable `v` needed by block `B` that `B` does not define becomes an
   extra input argument of `B`, and every link into `B` passes it; a
   predecessor that does not define `v` needs it in turn (a worklist,
   transitively, around loops too).  Reaching the start block means some
   path from the function's entry to a use never defines `v`: that is a
   client error (the value does not dominate its use).
3. The copy renames, in each block, the extra arguments to fresh Variables
   (`v.copy()`, so the name and type survive); an operation's result keeps
   its Variable, since it is defined in exactly one block.

The logical graph is left untouched, so it can grow later (flexswitch cases)
and be threaded again.
"""

from __future__ import annotations

from flowgraph.model import Block, Link, SpaceOperation, Variable

from rgen.model import RgenError


def reachable_blocks(startblock: Block) -> list:
    """Blocks reachable from `startblock`, in breadth-first order."""
    seen = {startblock}
    order = [startblock]
    for block in order:
        for link in block.exits:
            if link.target not in seen:
                seen.add(link.target)
                order.append(link.target)
    return order


def _uses_and_defs(block: Block) -> tuple[set, set]:
    """(Variables read before their definition in `block`, Variables it defines)."""
    defined = set(block.inputargs)
    uses: set = set()

    def read(values):
        uses.update(v for v in values if isinstance(v, Variable) and v not in defined)

    for op in block.operations:
        read(op.args)
        defined.add(op.result)
    read([block.exitswitch])
    for link in block.exits:
        read(link.args)
    return uses, defined


def _extra_inputs(blocks: list, startblock: Block, graphname: str) -> dict:
    """Block -> set of Variables that must enter it as extra arguments."""
    preds: dict = {block: [] for block in blocks}
    for block in blocks:
        for link in block.exits:
            preds[link.target].append(block)
    info = {block: _uses_and_defs(block) for block in blocks}
    extra: dict = {block: set() for block in blocks}
    work = [(block, v) for block in blocks for v in info[block][0]]
    while work:
        block, v = work.pop()
        if v in extra[block]:
            continue
        if block is startblock:
            raise RgenError(f"in residual function {graphname}: value {v!r} "
                            f"({v.concretetype}) is used where it is not defined on every "
                            f"path from the entry (define it before the split, or pass it "
                            f"as a label's merge value)")
        extra[block].add(v)
        work.extend((pred, v) for pred in preds[block] if v not in info[pred][1])
    return extra


def thread_values(startblock: Block, graphname: str) -> Block:
    """The start block of a block-local copy of the logical graph (see the
    module docstring).  Final blocks (no exits, e.g. the return block) are
    shared, not copied; they must not need extra arguments."""
    blocks = reachable_blocks(startblock)
    extra = _extra_inputs(blocks, startblock, graphname)
    order = {b: sorted(extra[b], key=lambda v: v.id) for b in blocks}
    local = {b: {v: v.copy() for v in order[b]} for b in blocks}
    copies = {}
    for b in blocks:
        if b.exits or b is startblock:
            copies[b] = Block(list(b.inputargs) + [local[b][v] for v in order[b]])
        else:
            assert not order[b], "a final block cannot take extra arguments"
            copies[b] = b
    for b in blocks:
        if copies[b] is not b:
            _fill_copy(b, copies, local[b], order)
    return copies[startblock]


def _fill_copy(block: Block, copies: dict, rename: dict, order: dict) -> None:
    def r(value):
        return rename.get(value, value)

    new = copies[block]
    new.operations = [SpaceOperation(op.opname, [r(a) for a in op.args], op.result, op.lineno)
                      for op in block.operations]
    new.exitswitch = r(block.exitswitch) if block.exitswitch is not None else None
    new.closeblock(*[Link([r(a) for a in link.args] + [r(v) for v in order[link.target]],
                          copies[link.target], link.exitcase)
                     for link in block.exits])

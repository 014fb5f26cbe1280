"""Big residual functions cut into a chain of functions for native code.

LLVM's machine-code passes (register coalescing and allocation, instruction
scheduling, branch folding) grow faster than linearly with the size of one
function: a Brainfuck program of 10,000 instructions is one residual
function of 20,000 operations, whose machine code took 4.3 s, 4.9 times
the 3,000-instruction program's for 3.5 times the size.  Cut into functions
of about `PIECE_OPS` operations, each piece costs the same per operation:
from residual graph to native code, 8.1 -> 5.2 s at 10,000 instructions
(pieces of 500 operations: 5.0 s; of 2,000: 5.5 s; of 4,000: 6.6 s), the
code as fast.  The pieces go into the function's module (rgen/llvm's
compiler), so LLVM compiles them together.

Where: at a block C that dominates every block reachable from it (whatever
runs after C can only be reached through C; `cuts`).  The code from C on is
then a function of C's input arguments, and every way into it, a jump to C
from before, becomes `return piece(args)`: a tail call, run at most once
per call of the function (a back edge to C stays inside the piece, so a
loop is never cut in two: a loop's inner block does not dominate its head,
which it reaches).  Bottom-up over the dominator tree, a block becomes a cut
when the code it dominates, less the pieces cut inside it, has reached
`PIECE_OPS` operations.  A block entered by an exception link (which
passes the caught exception, not values) is never a cut.

The graph itself is not changed: `split_big` returns copies, which native
code is emitted from (the interpreter runs the original).
"""

from __future__ import annotations

from flowgraph.lltypes import Void
from flowgraph.model import LAST_EXCEPTION, Block, Constant, FunctionGraph, Link, SpaceOperation
from flowgraph.model import copygraph

PIECE_OPS = 1_000


def split_big(graph: FunctionGraph, piece_ops: int | None = None) -> list | None:
    """[the function, then the pieces it and they tail-call] made from a copy
    of `graph`, or None when `graph` has fewer than twice `piece_ops`
    (PIECE_OPS) operations or no place to cut."""
    piece_ops = piece_ops or PIECE_OPS
    if sum(len(b.operations) for b in graph.iterblocks()) < 2 * piece_ops:
        return None
    graph = copygraph(graph)
    chosen = _choose(graph, piece_ops)
    if not chosen:
        return None
    return [graph] + _cut(graph, chosen)


def cuts(graph: FunctionGraph) -> tuple[dict, dict, list, set]:
    """(block -> its immediate dominator, block -> its children in the
    dominator tree, the blocks in the tree's postorder, the set of those
    other than the start block that dominate every block reachable from
    them).  The return and except blocks are left out: every piece has its
    own."""
    import networkx as nx           # here: its import is half of rgen.llvm's
    ends = {graph.returnblock, graph.exceptblock}
    blocks = [b for b in graph.iterblocks() if b not in ends]
    flow = nx.DiGraph()
    flow.add_nodes_from(blocks)
    flow.add_edges_from((b, link.target) for b in blocks for link in b.exits
                        if link.target not in ends)
    idom = nx.immediate_dominators(flow, graph.startblock)
    children: dict = {b: [] for b in blocks}
    for b, d in idom.items():
        if b is not d:
            children[d].append(b)
    # preorder numbers of the dominator tree; `last[b]`: the largest in b's subtree
    pre, order, stack = {}, [], [graph.startblock]
    while stack:
        b = stack.pop()
        pre[b] = len(order)
        order.append(b)
        stack.extend(reversed(children[b]))
    last, low, high = {}, {}, {}
    for b in reversed(order):                       # children before parents
        targets = [pre[link.target] for link in b.exits if link.target not in ends]
        last[b] = max([pre[b]] + [last[c] for c in children[b]])
        low[b] = min([pre[b]] + targets + [low[c] for c in children[b]])
        high[b] = max([pre[b]] + targets + [high[c] for c in children[b]])
    caught = {link.target for b in blocks if b.exitswitch is LAST_EXCEPTION
              for link in b.exits}
    closed = {b for b in order if b is not graph.startblock and b not in caught
              and low[b] >= pre[b] and high[b] <= last[b]}
    return idom, children, order[::-1], closed


def _choose(graph: FunctionGraph, piece_ops: int) -> list:
    """The cut blocks: bottom-up, a closed block whose code, less the pieces
    already cut below it, has `piece_ops` operations."""
    _, children, postorder, closed = cuts(graph)
    size: dict = {}
    chosen = []
    for b in postorder:
        size[b] = len(b.operations) + sum(size[c] for c in children[b])
        if b in closed and size[b] >= piece_ops:
            chosen.append(b)
            size[b] = 0
    return chosen


def _cut(graph: FunctionGraph, chosen: list) -> list:
    """Make the pieces starting at the blocks `chosen` (changing `graph`):
    each gets its own return and except blocks, and every link entering
    one from outside becomes a block that tail-calls it."""
    pieces = {}
    for k, c in enumerate(chosen):
        start = Block([v.copy() for v in c.inputargs])
        piece = FunctionGraph(f"{graph.name}_part{k + 1}", start, graph.return_type,
                              source_name=graph.source_name)
        start.closeblock(Link(list(start.inputargs), c))
        pieces[c] = piece
    owner = {}
    stack = [(graph.startblock, graph)]
    while stack:                                    # each block's piece: the nearest cut above
        b, g = stack.pop()
        if b in owner or b is graph.returnblock or b is graph.exceptblock:
            continue
        owner[b] = g = pieces.get(b, g)
        stack.extend((link.target, g) for link in b.exits)
    for b, g in owner.items():
        for link in b.exits:
            if link.target is graph.returnblock:
                link.target = g.returnblock
            elif link.target is graph.exceptblock:
                link.target = g.exceptblock
            elif link.target in pieces and pieces[link.target] is not g:
                link.target = _tail_call_block(pieces[link.target], g)
    return list(pieces.values())


def _tail_call_block(piece: FunctionGraph, caller: FunctionGraph) -> Block:
    """A block of `caller` returning `piece(*its arguments)`."""
    params = [v.copy() for v in piece.startblock.inputargs]
    result = caller.returnblock.inputargs[0].copy()
    block = Block(params, [SpaceOperation("tail_call", [Constant(piece, Void)] + params,
                                          result)])
    block.closeblock(Link([result], caller.returnblock))
    return block

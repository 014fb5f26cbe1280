"""Liveness and Python names for the generated interpreter code.

`used_variables(blocks)` collects what the blocks read;
`names_of(blocks)` gives every variable a Python local name, coalescing the
variables that links copy into one another (see its docstring), so that most
copies vanish from the generated code.
"""

from __future__ import annotations

import re

from flowgraph.liveness import used_from
from flowgraph.model import Block, Variable
from flowgraph.operations import OPS


def used_variables(blocks) -> set:
    """Variables read by some operation, switch or link."""
    return set().union(*(used_from(block) for block in blocks))


def cyclic_blocks(blocks) -> set:
    """Blocks on some cycle of the control-flow graph."""
    import networkx as nx              # (only when a graph is compiled)
    cfg = nx.DiGraph()
    for block in blocks:
        cfg.add_edges_from((block, link.target) for link in block.exits)
    return {b for comp in nx.strongly_connected_components(cfg) for b in comp
            if len(comp) > 1 or cfg.has_edge(b, b)}


def has_loop(startblock) -> bool:
    """Does the control-flow graph from `startblock` have a cycle (a back
    edge of a depth-first search)?  `cyclic_blocks` builds a networkx graph,
    30-50 us for a small function where this takes a few: it is asked for
    every function compiled."""
    return bool(_depth_first(startblock)[2])


def _depth_first(startblock) -> tuple:
    """(preorder numbers, predecessors, back-edge sources by target) of a
    depth-first search from `startblock`."""
    order, on_stack, tails = {startblock: 0}, {startblock}, {}
    preds: dict = {}
    stack = [(startblock, iter(startblock.exits))]
    while stack:
        block, exits = stack[-1]
        link = next(exits, None)
        if link is None:
            stack.pop()
            on_stack.discard(block)
            continue
        target = link.target
        preds.setdefault(target, []).append(block)
        if target in on_stack:
            tails.setdefault(target, []).append(block)
        elif target not in order:
            order[target] = len(order)
            on_stack.add(target)
            stack.append((target, iter(target.exits)))
    return order, preds, tails


def loop_nesting(startblock, limit: int | None = None) -> int:
    """How deep the loops of a control-flow graph nest: the most natural
    loops (one per target of a depth-first search's back edges, its body
    the blocks that reach a back edge's source without passing the target)
    that hold one block.  Inner loops are walked first; with `limit`, the
    walk stops once some block is in more than `limit` loops (the answer is
    then `limit + 1`), so a 2,000-deep nest costs about `limit` small walks.
    (rgen/llvm gives deep nests a pipeline that cannot assert.)"""
    order, preds, tails = _depth_first(startblock)
    depth: dict = {}
    span = {h: max(order[t] for t in ts) - order[h] for h, ts in tails.items()}
    for header in sorted(tails, key=span.get):
        body, work = {header}, [t for t in tails[header] if t is not header]
        body.update(work)
        while work:
            for p in preds.get(work.pop(), ()):
                if p not in body:
                    body.add(p)
                    work.append(p)
        for b in body:
            depth[b] = depth.get(b, 0) + 1
            if limit is not None and depth[b] > limit:
                return limit + 1
    return max(depth.values(), default=0)


def pyname(v: Variable) -> str:
    name = re.sub(r"\W", "_", v.name or "v")
    return name if name[:1].isalpha() else "v" + name


def names_of(blocks: list) -> dict:
    """One Python local per class of coalesced variables (`acc_3`).

    Variables are block-local and a link's copies run as one parallel tuple
    assignment at the end of its block, so two variables may share a name
    unless they are in the same block with overlapping live ranges.  Greedy
    coalescing (union-find over the pairs link argument / target input
    argument, in block order; then argument / result of `same_as` and `hint`)
    gives most pairs one name, so that most copies vanish from the code.
    """
    ranges = _live_ranges(blocks)
    parent = {v: v for v in ranges}
    spans = {v: {blk: [(lo, hi)]} for v, (blk, lo, hi) in ranges.items()}

    def find(v):
        while parent[v] is not v:
            parent[v] = v = parent[parent[v]]
        return v

    pairs = [(op.args[0], op.result) for block in blocks for op in block.operations
             if OPS[op.opname].is_copy]
    pairs += [(a, t) for block in blocks for link in block.exits
              for a, t in zip(link.args, link.target.inputargs)]
    for a, t in pairs:
        if isinstance(a, Variable) and a in parent and t in parent:
            _union(find(a), find(t), parent, spans)
    counts = {}                # class root -> {source name: number of variables}
    for v in ranges:
        if v.name:
            named = counts.setdefault(find(v), {})
            named[v.name] = named.get(v.name, 0) + 1
    label = {root: Variable(max(named, key=named.get)) for root, named in counts.items()}
    names, classes = {}, {}
    for v in ranges:
        root = find(v)
        if root not in classes:         # named after its most frequent source name
            classes[root] = f"{pyname(label.get(root, v))}_{len(classes)}"
        names[v] = classes[root]
    return names


def _union(ra, rb, parent, spans) -> None:
    """Merge two classes of variables unless they interfere."""
    if ra is rb:
        return
    sa, sb = spans[ra], spans[rb]
    if len(sa) > len(sb):
        ra, rb, sa, sb = rb, ra, sb, sa
    for blk, ivs in sa.items():
        for lo1, hi1 in sb.get(blk, ()):
            if any(lo1 <= hi2 and lo2 <= hi1 for lo2, hi2 in ivs):
                return
    parent[ra] = rb
    for blk, ivs in sa.items():
        sb.setdefault(blk, []).extend(ivs)
    del spans[ra]


def _live_ranges(blocks: list) -> dict:
    """Variable -> (block, first, last): input arguments are written at 0,
    operation i reads at 2i+1 and writes at 2i+2, the switch and the links
    read at 2n+1."""
    ranges = {}
    for block in blocks:
        first = {v: 0 for v in block.inputargs}
        last = dict(first)
        for i, op in enumerate(block.operations):
            for a in op.args:
                if isinstance(a, Variable):
                    last[a] = 2 * i + 1
            first[op.result] = last[op.result] = 2 * i + 2
        end = 2 * len(block.operations) + 1
        for a in [block.exitswitch] + [a for link in block.exits for a in link.args]:
            if isinstance(a, Variable):
                last[a] = end
        for v in first:
            if v not in ranges:
                ranges[v] = (block, first[v], last[v])
    return ranges


"""Liveness inside a block.

`live_in(block, opindex)` gives the variables live before an operation: what
resuming there (the fallback interpreter), or a segment of generated code
starting there (the timeshifter), needs.  `used_from(block, opindex)` is the
set of variables read from that operation on.  (Dead block arguments are
removed by `flowgraph.simplify.remove_dead`.)
"""

from __future__ import annotations

from flowgraph.model import Variable


def live_in(block, opindex: int) -> list:
    """Variables defined before operation `opindex` and used from it on (all
    input arguments of the return and except blocks)."""
    defined = list(block.inputargs) + [op.result for op in block.operations[:opindex]]
    if not block.exits:
        return defined
    used = used_from(block, opindex)
    return [v for v in defined if v in used]


def used_from(block, opindex: int = 0) -> set:
    """Variables read by operation `opindex` and later ones, the exit switch
    and the outgoing links."""
    used = set()
    for op in block.operations[opindex:]:
        used.update(a for a in op.args if isinstance(a, Variable))
    if isinstance(block.exitswitch, Variable):
        used.add(block.exitswitch)
    for link in block.exits:
        used.update(a for a in link.args if isinstance(a, Variable))
    return used

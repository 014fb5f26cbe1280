"""The residual pipeline: what finishing a residual function runs, as data.

`GraphBackend` finishes a function (`Builder.end`, `backend.finish()`) by
pointing the `FunctionGraph` at the start of its private logical graph and
running `RESIDUAL_PASSES` with one `flowgraph.passes.PassRunner`:

    thread_values        required  logical values become block arguments (ssa.py), and
                                   a switch with only its default exit a jump (cleanup.py)
    forward_fields       optional  a field read whose value is known (an earlier read or
                                   store, nothing between that may change it; carried
                                   across blocks in block arguments) is dropped, and a
                                   loop's stores nothing in it can see go to its exits
                                   (fields.py)
    propagate_constants  optional  constant block arguments, then folding again (constprop.py)
    fold_known_lengths   optional  `list_len` of a list whose length is known folds, and
                                   what tests it (lengths.py)
    remove_dead          optional  dead pure operations and block arguments (flowgraph.simplify)
    remove_empty_blocks  optional  links skip empty forwarding blocks (flowgraph.simplify)
    join_blocks          optional  a block absorbs a successor entered only from it
    switch_on_conditions optional  a Bool switch on `not b` or `int(b) == 0` switches on b,
                                   its exits swapped, the test's operations dropped (cleanup.py)

Folding while building (`fold.simplify`, called by `genop`) is not a pass:
it decides whether an operation is emitted at all.  With checks on, every
pass is followed by `checkgraph`'s invariants and by `residual_check`
(`RESIDUAL_CHECKERS`).  To add a pass: write `def my_pass(graph) -> None`
(docstring: what it requires and preserves), insert `Pass("my_pass",
my_pass)` where it belongs, and give it a text-in, text-out test in
`tests/rgen/test_pipeline.py`.
"""

from __future__ import annotations

from flowgraph.model import FunctionGraph
from flowgraph.passes import NO_OPTIONS, Pass, PassOptions, PassRunner
from flowgraph.simplify import join_blocks, remove_dead, remove_empty_blocks

from rgen.cleanup import simplify_switches, switch_on_conditions
from rgen.constprop import propagate_constants
from rgen.fields import forward_fields
from rgen.lengths import fold_known_lengths
from rgen.residual_check import check_residual
from rgen.ssa import thread_values


def thread_graph_values(graph: FunctionGraph) -> None:
    """Logical values become block arguments: `graph.startblock` is the start
    of a logical graph on entry (blocks may use values of other blocks, an
    extensible switch may have no case yet), of a block-local copy meeting
    the `checkgraph` invariants on exit (ssa.py, then
    `cleanup.simplify_switches`)."""
    graph.startblock = thread_values(graph.startblock, graph.name)
    simplify_switches(graph)


RESIDUAL_PASSES = [
    Pass("thread_values", thread_graph_values, required=True,
         doc="logical values become block arguments; a switch without cases is a jump"),
    Pass("forward_fields", forward_fields,
         doc="a field read whose value is known is dropped (fields.py)"),
    Pass("propagate_constants", propagate_constants,
         doc="constant block arguments, then folding again (constprop.py)"),
    Pass("fold_known_lengths", fold_known_lengths,
         doc="`list_len` of a list whose length is known folds (lengths.py)"),
    Pass("remove_dead", remove_dead, doc="dead pure operations and dead block arguments"),
    Pass("remove_empty_blocks", remove_empty_blocks, doc="links skip empty forwarding blocks"),
    Pass("join_blocks", join_blocks, doc="a block absorbs a successor entered only from it"),
    Pass("switch_on_conditions", switch_on_conditions,
         doc="a Bool switch on `not b` or `int(b) == 0` switches on b, its exits swapped"),
]
RESIDUAL_CHECKERS = (check_residual,)
RESIDUAL_PASS_NAMES = tuple(p.name for p in RESIDUAL_PASSES)


def residual_runner(options: PassOptions = NO_OPTIONS, passes: list | None = None
                    ) -> PassRunner:
    """A runner of the residual pipeline (or of `passes`) with its checkers."""
    return PassRunner(RESIDUAL_PASSES if passes is None else passes, options,
                      RESIDUAL_CHECKERS)

"""The megamorphic path of a promotion site: the rest of the call, compiled once.

A site that has compiled `promote_max_cases` cases stops compiling; every
other value used to go to the fallback interpreter (fallback.py), a Python
loop over the coloured graphs.  Instead the site builds, once, a graph of
the promoted value and then the same parameters as its cases (the live
values) that continues the saved frames with every value red: for each frame,
innermost first, a call to the *continuation* of its coloured graph from
where the frame stopped (flowgraph/continuation.py), the outer frames taking
the inner one's result as the result of their suspended call.  Green values
of the frames become constants of the graph.  It is compiled once and
becomes the site's default (rgen/dispatch.py): native code reaching the
site with a value that has no case tail-calls it without entering Python, and the loop or recursion around the site goes on at
native speed, unspecialised on that value.

Not built (the fallback stays) when the frames hold a virtual container
(it would have to be built in the graph first) or when the continuations
can reach a global merge point (there the fallback goes back into the
compiled code of the merge point's green key; a continuation would run
the rest unspecialised).
"""

from __future__ import annotations

from flowgraph.continuation import continuation
from flowgraph.lltypes import Void
from flowgraph.model import Block, Constant, FunctionGraph, Link, SpaceOperation, Variable
from flowgraph.operations import OPS
from hintannotator.sources import hint_flags
from timeshifter.boxes import PtrBox, RedBox


def megamorphic_graph(site, name: str) -> FunctionGraph | None:
    """The megamorphic path of `site`, or None where the fallback must stay."""
    frame, leaves = site.resumed_state()
    promoted = Variable("promoted", site.value_type)
    params, env = [promoted], {}
    for leaf in leaves:
        if not isinstance(leaf.gv, Constant):
            env[leaf.gv] = param = Variable(f"live{len(params) - 1}", leaf.gv.concretetype)
            params.append(param)
    operations, result, continuations = [], None, []
    for depth, f in enumerate(reversed(frame.chain())):
        code = f.code
        inputs = code.inputs[(f.block, f.opindex)]
        block = code.blocks[f.block]
        args = []
        for var, value in zip(inputs, f.values):
            arg = _flow_value(value, var, env)
            if arg is None:
                return None
            args.append(arg)
        if depth == 0:
            args[0] = promoted
        else:
            call = block.operations[f.opindex - 1]
            args[inputs.index(call.result)] = result
        cont = continuation(code.graph, block, f.opindex, inputs,
                            name=f"{name}_{depth}_{code.name}")
        continuations.append(cont.graph)
        result = Variable("result", cont.graph.return_type)
        operations.append(SpaceOperation("direct_call", [Constant(cont.graph, Void)] + args,
                                         result))
    if _reaches_merge_point(continuations):
        return None
    start = Block(params)
    start.operations = operations
    graph = FunctionGraph(name, start, site.return_type, source_name=name)
    start.closeblock(Link([result], graph.returnblock))
    return graph


def _flow_value(value, var, env):
    """A frame's value for `var` as a graph value: a red box's variable (a
    parameter) or constant, a green value as a constant; None for a virtual."""
    if isinstance(value, PtrBox):
        if value.virtual is not None:
            return None
        value = RedBox(value.gv)
    if isinstance(value, RedBox):
        gv = value.gv
        return gv if isinstance(gv, Constant) else env[gv]
    return Constant(value, var.concretetype)


def _reaches_merge_point(graphs: list) -> bool:
    """Whether any of `graphs`, or a graph they call, holds a global merge point."""
    seen, stack = set(), list(graphs)
    while stack:
        graph = stack.pop()
        if graph in seen:
            continue
        seen.add(graph)
        for op in graph.iteroperations():
            desc = OPS[op.opname]
            if desc.kind == "hint" and "global_merge_point" in hint_flags(op):
                return True
            if desc.calls and isinstance(op.args[0], Constant) and isinstance(
                    op.args[0].value, FunctionGraph):
                stack.append(op.args[0].value)
    return False

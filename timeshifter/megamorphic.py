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
site with a value that has no case tail-calls it without entering Python,
and the loop or recursion around the site goes on at native speed,
unspecialised on that value.

At a global merge point a continuation looks for the family's compiled
code for the point's green key (`MergeExit`, rgen/llvm/memops.py: the last
key inline, a new one asked in Python) and tail-calls it, as the fallback
interpreter goes back into compiled code there: the loop goes on
specialised, and native code and the path alternate without nesting.

Virtual containers of the frames are built by the graph first (as
forcing them would), sharing kept.  A function the continuations call that
holds a global merge point (a recursive interpreter's) is called through a
copy with exits too.  Not built (the fallback stays) only when such a
function is no coloured graph the generating extension knows.
"""

from __future__ import annotations

import ctypes
import functools

from flowgraph.continuation import continuation
from flowgraph.lltypes import Void
from flowgraph.model import Constant, FunctionGraph
from flowgraph.operations import OPS
from hintannotator.sources import hint_flags
from rgen.llvm.memops import MERGE_EXIT, MergeExit
from timeshifter.boxes import PtrBox, RedBox, force
from timeshifter.specializer import new_backend


def megamorphic_graph(site, name: str) -> FunctionGraph | None:
    """The megamorphic path of `site`, or None where the fallback must stay."""
    frame, leaves = site.resumed_state()
    frames = list(reversed(frame.chain()))          # innermost first
    continuations = []
    for depth, f in enumerate(frames):
        code = f.code
        cont = continuation(code.graph, code.blocks[f.block], f.opindex,
                            code.inputs[(f.block, f.opindex)], name=f"{name}_{depth}_{code.name}")
        _with_exits(site, code, cont)
        continuations.append(cont.graph)
    if not _call_copies_with_exits(site, continuations, name):
        return None
    backend = new_backend(site.options)
    builder, params = backend.new_graph(name, [site.value_type] + site.live_types,
                                        site.return_type, source_name=name)
    promoted, live = params[0], iter(params[1:])
    for leaf in leaves:
        if not isinstance(leaf.gv, Constant):
            leaf.replace(next(live))
    result = None
    for depth, (f, cont) in enumerate(zip(frames, continuations)):
        inputs = f.code.inputs[(f.block, f.opindex)]
        # virtual containers are built here, sharing kept (force: each once)
        args = [force(builder, value) if isinstance(value, (RedBox, PtrBox))
                else Constant(value, var.concretetype) for var, value in zip(inputs, f.values)]
        if depth == 0:
            args[0] = promoted
        else:
            call = f.code.blocks[f.block].operations[f.opindex - 1]
            args[inputs.index(call.result)] = result
        result = builder.genop("direct_call", [Constant(cont, Void)] + args, name="result")
    builder.finish_return(result)
    backend.finish()
    return builder.graph


def _inputs(code, cont, site):
    """(block number, the original's inputs of the merge point's block, and
    the continuation's variable for each) of a merge point `site` of a
    continuation, or None where compiled code cannot start."""
    original = cont.blocks.get(site.block)
    if original not in code.index:
        return None
    number = code.index[original]
    inputs = code.inputs.get((number, 0))
    mine = {cont.variables.get(v): v for v in site.live}
    if inputs is None or any(v not in mine for v in inputs):
        return None
    return number, inputs, [mine[v] for v in inputs]


def _reds(code, cont, site):
    """Positions among the merge point's live values of the red inputs that
    compiled code entered there takes (MergeExit.reds), None for no exit."""
    found = _inputs(code, cont, site)
    if found is None:
        return None
    number, inputs, mine = found
    return [site.live.index(m) for v, m in zip(inputs, mine) if not code.is_green(v)]


def _greens(code, cont, site):
    """Positions among the merge point's live values of its green inputs."""
    number, inputs, mine = _inputs(code, cont, site)
    return [site.live.index(m) for v, m in zip(inputs, mine) if code.is_green(v)]


def _cache(cont, site):
    """The merge point's native cell [address, green words...]."""
    cells = cont.graph._cache.setdefault("merge_cells", {})
    if site.block not in cells:
        size = 1 + len(cont.graph._cache[MERGE_EXIT].greens(site))
        cells[site.block] = (ctypes.c_int64 * size)()
    return cells[site.block]


def _lookup(site, code, cont, merge_point, *values) -> int:
    """MergeExit.lookup: the address of the family's compiled code for the
    merge point's green key, 0 when that key was never compiled.  The native
    cell will hold this key's green words: its objects are kept alive."""
    number, inputs, mine = _inputs(code, cont, merge_point)
    by_var = dict(zip(merge_point.live, values))
    args = [by_var[m] for m in mine]
    family = site.family
    if (code.number, number, code.greens_of(number, args)) not in family.merge_keys:
        return 0
    entry = site.specializer.entry_at(family, code, args, number)
    site.specializer.host.note("resume native")
    cont.graph._cache.setdefault("merge_keys_alive", {})[merge_point.block] = [
        a for v, a in zip(inputs, args) if code.is_green(v)]
    from rgen.llvm.compiler import native_code
    return native_code(entry.graph, entry.pipeline).address


def _with_exits(site, code, cont) -> None:
    cont.graph._cache[MERGE_EXIT] = MergeExit(
        functools.partial(_lookup, site, code, cont), functools.partial(_reds, code, cont),
        functools.partial(_greens, code, cont), functools.partial(_cache, cont))


def _call_copies_with_exits(site, graphs: list, name: str) -> bool:
    """Make the calls of `graphs` (and of what they call) to a coloured graph
    holding a global merge point go to a copy of it with exits (its whole
    body as a continuation from its start): a recursive interpreter's calls
    then go back into compiled code at their merge points too.  False when
    some other callee holds a global merge point (the fallback stays)."""
    codes = site.specializer.host.codes
    copies: dict = {}
    stack = list(graphs)
    while stack:
        graph = stack.pop()
        for op in graph.iteroperations():
            if not (OPS[op.opname].calls and isinstance(op.args[0], Constant)
                    and isinstance(op.args[0].value, FunctionGraph)):
                continue
            callee = op.args[0].value
            if callee not in copies:
                code = codes.get(callee)
                if not _reaches_merge_point([callee]):
                    copies[callee] = None
                elif code is None:
                    return False
                else:
                    cont = continuation(callee, code.blocks[0], 0, code.inputs[(0, 0)],
                                        name=f"{name}_calls_{code.name}")
                    _with_exits(site, code, cont)
                    copies[callee] = cont.graph
                    stack.append(cont.graph)
            if copies[callee] is not None:
                op.args[0] = Constant(copies[callee], Void)
    return True


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

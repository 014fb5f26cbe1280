"""The flow-graph interpreter (DESIGN section 4 semantics), resumable anywhere.

`run_graph(g, *args)` runs a graph; `resume_graph(g, block, values, opindex)`
runs it from any block, or from the middle of one; `resume_frames` continues
a stack of inlined calls; a `merge_point` callback sees every global merge
point passed.  Promotion uses these as its fallback interpreter, so the
interpreter has to be fast: about CPython's speed on the example interpreters.

Algorithm.  Each graph is translated once (cached in `graph._cache`, cleared
by `graph.invalidate()`) into the source of one Python function, which is then
`exec`uted: every operation one line, blocks entered by one link nested
`if`s, joins and loop headers cases of a `while True` loop dispatching on the
label `_b` (`emit.py`), variables Python locals coalesced along links
(`names.py`).  The objects the generated code creates and calls are in
`runtime.py`; their public names are importable from here.

`run_graph` and `resume_graph` at a label share that one entry: `_b` names
the label and `_env` carries its input arguments.  Resuming at a block that
is not a label, or at an operation index inside a block, compiles (lazily,
cached) a *tail function* with the same emitter: it runs the rest of that
block and its inline successors and returns `(label, args)` on reaching a
label, which the main function then continues, or `(RETURN, value)` on return.

Callees of `direct_call` are compiled the same way and bound as globals of
the caller's generated code; `_refresh` rebinds them when a callee graph was
invalidated since.  Use `get_source(g)` to read the generated code; tracebacks
show its lines.
"""

from __future__ import annotations

import linecache
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from flowgraph.arguments import check_arguments
from flowgraph.interp.emit import RETURN, Emitter
from flowgraph.interp.names import names_of
from flowgraph.liveness import live_in
from flowgraph.interp.runtime import (TRANSFERS, CanEnterJit, MergePoint, Promote, Record, TailCall,
                                      bad_label, has_tail_ops, new_array, no_case,
                                      record_class, struct_factory)
from flowgraph.model import LAST_EXCEPTION, Block, FunctionGraph, Variable, invalidation_count
from flowgraph.operations import (OPS, caught_reads, exception_of, print_str, str_to_int,
                                  wrap)

__all__ = ["run_graph", "resume_graph", "resume_frames", "get_source", "trampoline",
           "TailCall", "Promote", "has_tail_ops", "CanEnterJit", "MergePoint", "Record", "record_class",
           "struct_factory"]


def run_graph(graph: FunctionGraph, *args, merge_point=None):
    """Run `graph` on `args`; returns its result or raises its exception.
    The arguments are checked and converted first (`flowgraph.arguments`).
    `merge_point`: see `resume_graph`."""
    args = check_arguments(graph, args)
    return resume_graph(graph, graph.startblock, args, merge_point=merge_point)


def resume_graph(graph: FunctionGraph, block: Block, values, opindex: int = 0,
                 merge_point=None, transfers: bool = True):
    """Run `graph` from `block`, operation `opindex`, until it returns (or raises).

    With `opindex == 0`, `values` is a sequence bound to `block.inputargs` (or
    a mapping from Variable to value).  With `opindex > 0` it must be a
    mapping giving every variable of the block that is live before operation
    `opindex`: defined earlier in the block and used from there on.

    `merge_point(site, values)`, if given, is called just after every
    `hint(None, global_merge_point=True)` executed (in `graph` or its
    callees) with a `MergePoint` and the dict of the variables live there;
    it returns None to continue, or `(result,)` to make that graph return
    `result` at once (e.g. after running compiled code for the rest).  It
    is also called after every `hint(None, can_enter_jit=True)`, with a
    `CanEnterJit` and None (its result is ignored).

    With `transfers=False` a tail transfer the graph returns (see `trampoline`)
    is returned as it is, for a trampoline further out to run.
    """
    saved = _merge_callback.callback
    _merge_callback.callback = merge_point
    try:
        result = _resume(graph, block, values, opindex)
    finally:
        _merge_callback.callback = saved
    return trampoline(result) if transfers else result


# -- tail transfers ------------------------------------------------------------
# `promote` and `tail_call` end a residual function by handing over to other
# code (a promotion case, a shared entry).  Run as calls, a loop that crosses
# functions would grow the stack once per iteration; so the operations make a
# token that their function returns, and `trampoline` (at the outermost call,
# and after a call to any graph that has such operations) runs the next
# function until a real result comes back.

def trampoline(result):
    """Run tail transfers until a plain result comes back."""
    while result.__class__ in TRANSFERS:
        fn, args = transfer_step(result)
        result = fn(*args)
    return result


def transfer_step(result) -> tuple:
    """(function, arguments) whose call runs one tail transfer `result`.

    Generated code runs its callees' transfers itself with this (`while
    r.__class__ in _TRANSFERS: f, a = _transfer_step(r); r = f(*a)`), so
    the step returns before the transfer runs: a recursion through a
    promotion site costs one Python frame per guest level, that of the
    graph's own function, and 500 levels run at the default recursion
    limit."""
    if result.__class__ is Promote:
        result = result.site.dispatch(result.value, result.live)
        if result.__class__ is not TailCall:
            return _identity, (result,)        # the fallback's result
    graph = result.graph
    comp = _compiled(graph)
    _refresh(comp)
    if (comp.labels.get(graph.startblock) == 0
            and len(result.args) == len(graph.startblock.inputargs)):
        return comp.fn, result.args
    return _resume, (graph, graph.startblock, result.args, 0)


def _identity(value):
    return value


def _resume(graph: FunctionGraph, block: Block, values, opindex: int):
    comp = _compiled(graph)
    _refresh(comp)
    if block is graph.returnblock or block is graph.exceptblock:
        vals = _bind(block.inputargs, values, block, graph)
        if block is graph.returnblock:
            return vals[0]
        raise exception_of(vals[0], vals[1])
    if opindex == 0:
        args = _bind(block.inputargs, values, block, graph)
        label = comp.labels.get(block)
        if label is not None:
            return comp.enter(label, args)
        values = dict(zip(block.inputargs, args))
    elif not isinstance(values, Mapping):
        raise TypeError(f"resume {graph.name} at operation {opindex}: want a mapping "
                        f"Variable -> value, have {type(values).__name__}")
    tail = comp.tail(block, opindex)
    label, payload = tail.fn(*_bind(tail.params, values, block, graph))
    if label == RETURN:
        return payload
    return comp.enter(label, payload)


class _MergeCallback(threading.local):
    """The merge-point callback of the running resume_graph, per thread (a
    global one was left to another thread's graphs when two threads ran a
    JIT's graph baseline at once)."""
    callback = None


_merge_callback = _MergeCallback()


def _run_merge_callback(site: MergePoint, values: tuple):
    return _merge_callback.callback(site, dict(zip(site.live, values)))


def resume_frames(frames, merge_point=None, transfers: bool = True):
    """Continue a stack of inlined calls, innermost frame first.

    `frames` is a list of `(graph, block, opindex, values)` as for
    `resume_graph`.  Each outer frame is suspended just after its call: the
    operation `block.operations[opindex - 1]` is the `direct_call` whose
    result receives the value the inner frame returns, or, where the block
    has exception exits (`LAST_EXCEPTION`), whose exception the first
    matching exception link catches.  `transfers`: as for `resume_graph`,
    for the outermost frame.
    """
    (graph, block, opindex, values), *outer = frames
    caught = None
    try:
        result = resume_graph(graph, block, values, opindex, merge_point,
                              transfers or bool(outer))
    except Exception as exc:        # noqa: BLE001 - an outer frame may catch it
        result, caught = None, exc
    for n, (graph, block, opindex, values) in enumerate(outer, 2):
        call = block.operations[opindex - 1]
        if OPS[call.opname].kind != "call":
            raise ValueError(f"resume_frames: operation {opindex - 1} of the block in "
                             f"{graph.name} is {call.opname}, want direct_call")
        go_on = transfers or n < len(frames)
        try:
            if caught is None:
                values = dict(values)
                values[call.result] = result
                result = resume_graph(graph, block, values, opindex, merge_point, go_on)
            else:
                link = _catching_link(block, opindex, caught)
                if link is not None:
                    exc, caught = caught, None
                    result = _resume_link(graph, link, values, exc, merge_point, go_on)
        except Exception as exc:    # noqa: BLE001
            caught = exc
    if caught is not None:
        raise caught
    return result


def _catching_link(block: Block, opindex: int, exc: Exception):
    """The exception link of the call before `opindex` that catches `exc`."""
    if block.exitswitch is LAST_EXCEPTION and opindex == len(block.operations):
        for link in block.exits[1:]:
            if isinstance(exc, link.exitcase):
                return link
    return None


def _resume_link(graph, link, values, exc: Exception, merge_point, transfers: bool):
    """Go on along the exception link `link` (`values`: the variables live
    at its block's end), its landing block reading `str(exc)` and `type(exc)`."""
    args = [values[a] if isinstance(a, Variable) else a.value for a in link.args]
    target = link.target
    reads = caught_reads(target)
    if reads:
        env = dict(zip(target.inputargs, args))
        caught = {"_exc_message": str(exc), "_exc_class": type(exc)}   # (as emit.py
        for opname, result in reads.items():                           # names them)
            env[result] = caught[OPS[opname].py]
        return resume_graph(graph, target, env, len(reads), merge_point, transfers)
    return resume_graph(graph, target, args, 0, merge_point, transfers)


def get_source(graph: FunctionGraph) -> str:
    """The generated Python source of `graph`'s main function."""
    return _compiled(graph).source


def _bind(variables, values, block, graph) -> tuple:
    """The values of `variables`, from a sequence (same order) or a mapping
    (which may leave out variables that are not live: they get None)."""
    if isinstance(values, Mapping):
        live = set(live_in(block, 0)) if variables is block.inputargs else variables
        missing = [v for v in variables if v not in values and v in live]
        if missing:
            raise TypeError(f"resume {graph.name}: no value for live variable(s) "
                            f"{', '.join(map(repr, missing))}")
        return tuple(values.get(v) for v in variables)
    values = tuple(values)
    if len(values) != len(variables):
        raise TypeError(f"resume {graph.name}: block takes {len(variables)} values, "
                        f"got {len(values)}")
    return values


# -- compiled graphs -------------------------------------------------------------

@dataclass(eq=False)
class _Tail:
    fn: object
    params: list          # the live-in variables, in the order `fn` takes them
    source: str


@dataclass(eq=False)
class _Compiled:
    graph: FunctionGraph
    fn: object
    source: str
    labels: dict          # Block -> label number (its index in iterblocks order)
    emitter: Emitter      # holds names, constants, callees and the namespace
    tails: dict = field(default_factory=dict)
    bound_at: int = -1    # invalidation_count() when its callees were last bound

    @property
    def namespace(self) -> dict:
        return self.emitter.namespace

    @property
    def callees(self) -> list:
        return self.emitter.callees

    def enter(self, label: int, args: tuple):
        if label == 0:
            return self.fn(*args)
        nstart = len(self.graph.startblock.inputargs)
        return self.fn(*([None] * nstart), _b=label, _env=args)

    def tail(self, block: Block, opindex: int) -> _Tail:
        key = (block, opindex)
        if key not in self.tails:
            self.tails[key] = _compile_tail(self, block, opindex)
        return self.tails[key]


def _compiled(graph: FunctionGraph) -> _Compiled:
    comp = graph._cache.get("interp")
    if comp is None:
        comp = _compile_graph(graph)
        graph._cache["interp"] = comp
        graph._cache["py_source"] = comp.source
        for name, callee in comp.callees:
            comp.namespace[name] = _compiled(callee).fn
    return comp


def _refresh(comp: _Compiled) -> None:
    """Rebind callees whose graphs were invalidated (and recompiled) since;
    nothing to do (one comparison) when no graph was invalidated."""
    now = invalidation_count()
    if comp.bound_at == now:
        return
    comp.bound_at = now
    seen = set()
    stack = [comp]
    while stack:
        c = stack.pop()
        if c.graph in seen:
            continue
        seen.add(c.graph)
        for name, callee in c.callees:
            cc = _compiled(callee)
            if c.namespace[name] is not cc.fn:
                c.namespace[name] = cc.fn
            stack.append(cc)


# the globals every generated function starts with (see interp_emit.py)
_RUNTIME = {"_wrap": wrap, "_str_to_int": str_to_int, "_print_str": print_str, "_no_case": no_case,
            "_bad_label": bad_label,
            "_Promote": Promote, "_TailCall": TailCall, "_trampoline": trampoline,
            "_TRANSFERS": TRANSFERS, "_transfer_step": transfer_step,
            "_new_array": new_array, "_merge_callback": _merge_callback, "_run_merge_callback": _run_merge_callback}


def _compile_graph(graph: FunctionGraph) -> _Compiled:
    blocks = list(graph.iterblocks())
    index = {b: i for i, b in enumerate(blocks)}
    npreds = {b: 0 for b in blocks}
    for b in blocks:
        for link in b.exits:
            npreds[link.target] += 1
    labels = {b: index[b] for b in blocks
              if npreds[b] > 1 and b is not graph.returnblock and b is not graph.exceptblock}
    labels[graph.startblock] = 0
    em = Emitter(graph, index, labels, names_of(blocks), runtime=_RUNTIME)
    src = em.main_function(npreds[graph.startblock] > 0)
    fn, ns = _exec(src, em.namespace, em.funcname, graph)
    return _Compiled(graph, fn, src, labels, em)


def _compile_tail(comp: _Compiled, block: Block, opindex: int) -> _Tail:
    if block not in comp.emitter.index:
        raise ValueError(f"resume {comp.graph.name}: {block!r} is not a block of the graph")
    if not 0 <= opindex <= len(block.operations):
        raise ValueError(f"resume {comp.graph.name}: opindex {opindex} out of range "
                         f"0..{len(block.operations)}")
    em = Emitter(comp.graph, comp.emitter.index, comp.labels, comp.emitter.names,
                 shared=comp.emitter)
    params = live_in(block, opindex)
    src = em.tail_function(block, opindex, params)
    fn, _ = _exec(src, em.namespace, em.funcname, comp.graph)
    return _Tail(fn, params, src)


def _exec(src: str, namespace: dict, funcname: str, graph: FunctionGraph):
    filename = f"<flowgraph {graph.name} {id(src):#x}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    exec(compile(src, filename, "exec"), namespace)
    return namespace[funcname], namespace


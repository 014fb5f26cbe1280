"""`compile_graph`: a FunctionGraph and the graphs it calls -> native code.

The call graph (edges from `direct_call` and `tail_call` ops to a
`FunctionGraph`) is condensed into strongly connected components with
networkx; components are compiled callees first, one LLVM module per
component, so mutually recursive graphs share a module and every graph is
compiled exactly once.  A graph's code (`NativeCode`: the function's symbol
and address) is cached in `graph._cache[CODE_KEY]`, its Python entry (a
`NativeFunction`) in `graph._cache[CACHE_KEY]` (both dropped by
`graph.invalidate()`); a later caller calls an already compiled callee by its
symbol, which the one MCJIT engine resolves across modules.

Python entries only where Python calls.  `compile_graph(g)` builds the
METH_FASTCALL entry of `g` in g's own module (where it can inline a loop-free
`g`); the other graphs of the call graph, and the code `native_code(g)`
compiles for native callers (a promotion site's cases, the JIT's bridges),
get none: an entry is about a third of a small module's machine code.  When
Python does call such a graph later, `compile_graph` builds its entry then,
in a module of its own that calls the compiled function by its symbol.

Recursion limit.  Only a `direct_call` keeps its caller's frame (a tail
transfer replaces it), so only cycles containing a `direct_call` grow the
stack.  Such a call counts against CPython's recursion limit when its callee
is in the caller's component (a static cycle through a `direct_call` edge)
or when the callee *reaches a promotion site* (`promote` in it or in a graph
it reaches): a promotion case compiled later may call back into it, closing
a cycle the static call graph cannot see.  Tail-call-only loops and calls
into plain leaf code are not counted.
"""

from __future__ import annotations

import functools
import gc
import re
import time
import warnings
from dataclasses import dataclass

from llvmlite import ir

from flowgraph.gcpause import collector_paused
from flowgraph.interp.names import has_loop, loop_nesting
from flowgraph.model import FunctionGraph
from flowgraph.operations import OPS
from rgen.llvm import arith, calls, fastcall, guards, isolated, jit, memops, runtime, structs
from rgen.llvm.callable import NativeFunction, make_native
from rgen.llvm.emit import FunctionEmitter, graph_function, owns_nothing
from rgen.split import split_big

CACHE_KEY = "rgen.llvm"
CODE_KEY = "rgen.llvm.code"
CHEAP_TIER = True        # loop-free components: jit.py's cheap tier (see PIPELINES)
HELPERS = {**runtime.HELPERS, **arith.OP_HELPERS, **memops.MEM_HELPERS}
HANDLERS = memops.HANDLERS
assert calls and structs  # they register their handlers in memops.HANDLERS


def unlowered_ops() -> list:
    """The rows of the operation table the LLVM emitter cannot lower: neither
    an `llvm` lowering in the table nor a registered handler (empty when
    complete; tests/test_optable.py checks it)."""
    return [name for name, desc in OPS.items() if desc.llvm is None and name not in HANDLERS]
assert len(HELPERS) == len(runtime.HELPERS) + len(arith.OP_HELPERS) + len(memops.MEM_HELPERS)


@dataclass
class NativeCode:
    """A graph's compiled function `{T, i1} tailcc symbol(args)` (see callable.py
    for its convention), with or without a Python entry."""
    graph: FunctionGraph
    symbol: str
    address: int
    reaches_promote: bool
    tier: str                  # "cheap", "light" or "full" (jit.py)
    llvm_ir: str               # the module's text, before and after optimisation
    llvm_ir_optimized: str
    compile_seconds: float     # emission, optimisation and machine code of the module


def compile_graph(graph: FunctionGraph, pipeline: str = "full", cache=None) -> NativeFunction:
    """Compile `graph` (and, once each, the graphs it calls) to native code;
    return it callable from Python.  `pipeline`: "full", "light" or
    "cheap", the optimisations of code that is not loop-free (jit.PIPELINES);
    `cache`: an `objcache.ObjectCache` its modules are loaded from or saved
    to."""
    cached = graph._cache.get(CACHE_KEY)
    if cached is not None:
        return cached
    with jit._lock:
        # with a cache, the Python entries go to a module of their own: a
        # module's text (its cache key) then does not depend on which
        # signatures the process has seen
        code = _code(graph, graph if cache is None else None, pipeline, cache=cache)
        if CACHE_KEY not in graph._cache:
            _compile_entry(code, cache)
    return graph._cache[CACHE_KEY]


def native_code(graph: FunctionGraph, pipeline: str = "full",
                own: str | None = None, cache=None, only_saved: bool = False) -> NativeCode:
    """Compile `graph` (and the graphs it calls) for native callers only:
    no Python entry is built.  `own`: the pipeline of `graph`'s own module
    (by default `pipeline`, that of the graphs it calls); `cache` as for
    compile_graph; `only_saved`: `graph`'s own module is loaded from the
    cache or not at all (None is returned)."""
    code = graph._cache.get(CODE_KEY)
    if code is not None:
        return code
    with jit._lock:
        return _code(graph, None, pipeline, own, cache, only_saved)


def _check_pipeline(pipeline: str) -> None:
    if pipeline not in jit.PIPELINES:
        raise ValueError(f"rgen.llvm: pipeline must be one of {', '.join(jit.PIPELINES)}, "
                         f"have {pipeline!r}")


def _code(graph: FunctionGraph, entry_for, pipeline: str, own: str | None = None,
          cache=None, only_saved: bool = False) -> NativeCode | None:
    _check_pipeline(pipeline)
    _check_pipeline(own or pipeline)
    if CODE_KEY not in graph._cache:
        # the collector paused: emitting a large module makes many objects that
        # stay alive until it is compiled, and its scans of them were 1.85 of
        # 2.86 s of IR emission for a 10,000-instruction Brainfuck program
        with collector_paused():
            for component in _components_to_compile(graph):
                _compile_component(component, entry_for,
                                   own if own and graph in component else pipeline, cache=cache,
                                   only_saved=only_saved and graph in component)
    return graph._cache.get(CODE_KEY)


def recompile(graph: FunctionGraph, pipeline: str, cache=None) -> NativeCode:
    """Compile `graph`, compiled before, again with `pipeline`, alone in a
    module of its own (a cheap tier's code optimised once it matters): its
    NativeCode is replaced, so code compiled later calls the new function;
    code that already calls the old one keeps it (it stays loaded); `cache`
    as for compile_graph."""
    _check_pipeline(pipeline)
    old = graph._cache[CODE_KEY]
    with collector_paused():
        # without the process's lock: its emission touches only new objects,
        # and its LLVM work runs beside the process's (jit.compile_ir_beside)
        _compile_component([graph], None, pipeline, beside=True, cache=cache)
    code = graph._cache[CODE_KEY]
    code.compile_seconds += old.compile_seconds
    return code


_LABEL = re.compile(r'^"?([-\w.$]+)"?:')
_TARGET = re.compile(r'label %"?([-\w.$]+)"?')


def loop_folded(code: NativeCode) -> bool:
    """Did LLVM fold the loops of `code`'s graph into a closed form: the graph
    has a loop and no function of its optimised module has one (its time
    then no longer depends on the iteration count: a speed-up measures
    LLVM's folding, not specialisation's; the demo and bench_native say so)?"""
    if not has_loop(code.graph.startblock):
        return False
    successors: dict = {}
    current = None
    for line in code.llvm_ir_optimized.splitlines():
        if line.startswith("define"):
            current = (line, "entry")
        elif line.startswith("}"):
            current = None
        elif current is not None:
            label = _LABEL.match(line)
            if label:
                current = (current[0], label[1])
            else:
                successors.setdefault(current, set()).update(
                    (current[0], target) for target in _TARGET.findall(line))
    # acyclic control flow: every block can be taken away once its
    # predecessors are (Kahn's topological order)
    blocks = set(successors).union(*successors.values())
    incoming = dict.fromkeys(blocks, 0)
    for targets in successors.values():
        for target in targets:
            incoming[target] += 1
    free = [b for b in blocks if not incoming[b]]
    removed = 0
    while free:
        removed += 1
        for target in successors.get(free.pop(), ()):
            incoming[target] -= 1
            if not incoming[target]:
                free.append(target)
    return removed == len(blocks)


def callees(graph: FunctionGraph) -> list:
    """The graphs `graph` calls or transfers to (the table's `calls` rows), in
    order of first call."""
    found = {}
    for op in graph.iteroperations():
        if OPS[op.opname].calls and isinstance(op.args[0].value, FunctionGraph):
            found.setdefault(op.args[0].value, None)
    return list(found)


def _components_to_compile(root: FunctionGraph) -> list:
    """SCCs of the not-yet-compiled part of the call graph, callees first."""
    if not any(CODE_KEY not in callee._cache for callee in callees(root)):
        return [[root]]             # (the usual case: 50 us of networkx saved)
    import networkx as nx          # here: its import is half of rgen.llvm's (issue 11)
    calls_graph = nx.DiGraph()
    calls_graph.add_node(root)
    stack = [root]
    while stack:
        g = stack.pop()
        for callee in callees(g):
            if CODE_KEY in callee._cache:
                continue
            if callee not in calls_graph:
                stack.append(callee)
            calls_graph.add_edge(g, callee)
    order = {g: i for i, g in enumerate(calls_graph.nodes)}
    dag = nx.condensation(calls_graph)
    return [sorted(dag.nodes[c]["members"], key=order.get)
            for c in reversed(list(nx.topological_sort(dag)))]


def _reaches_promote(graphs: list) -> bool:
    """Whether a promotion site is in the component or reachable from it
    (its callees outside are compiled already and know their own answer)."""
    members = set(graphs)
    return any(OPS[op.opname].is_switch for g in graphs for op in g.iteroperations()) or any(
        callee._cache[CODE_KEY].reaches_promote
        for g in graphs for callee in callees(g) if callee not in members)


def _cheap(pipeline: str, loops: bool, transfers: bool) -> bool:
    """Does code with or without loops and tail transfers take the cheap
    tier under `pipeline`?"""
    if pipeline == "quick":
        return CHEAP_TIER
    return CHEAP_TIER and not loops and (pipeline == "cheap" or not transfers)


def cheap_whatever_the_pipeline(graph: FunctionGraph) -> bool:
    """Is `graph`, compiled alone, cheap-tier code under every pipeline
    (loop-free, without tail transfers)?"""
    return _cheap("full", has_loop(graph.startblock), _transfers(graph))


def _transfers(graph: FunctionGraph) -> bool:
    """Does `graph` end a path with a tail transfer?  (It may be part of a
    loop through other functions, so it takes the cheap tier only under the
    "cheap" pipeline, whose passes keep every return right after its tail
    call: jit.CHEAP_PASSES.)"""
    return any(OPS[op.opname].kind == "transfer" for op in graph.iteroperations())


def _compile_component(graphs: list, entry_for, pipeline: str, beside: bool = False,
                       cache=None, only_saved: bool = False) -> None:
    """One module for the graphs of a call-graph SCC; `entry_for`: the graph
    whose Python entry goes into it too, if it is one of them; `pipeline` for
    code that is not loop-free; `beside`: compiled in the calling thread's
    own LLVM context where it can (jit.compile_ir_beside); `cache`: an
    objcache.ObjectCache the module is loaded from or saved to
    (`only_saved`: loaded from it or left uncompiled)."""
    start = time.perf_counter()
    module = ir.Module(name=graphs[0].name)
    module.triple, module.data_layout = jit.module_header()
    rt = runtime.Runtime(module, HELPERS)
    symbols = {g: jit.fresh_name(g.name) for g in graphs}
    functions = {g: graph_function(module, g, symbols[g]) for g in graphs}
    reaches_promote = _reaches_promote(graphs)

    pieces: dict = {}           # a big graph's pieces (rgen/split.py) -> their functions

    def callee(g: FunctionGraph) -> ir.Function:
        if g in functions:
            return functions[g]
        if g in pieces:
            return pieces[g]
        name = g._cache[CODE_KEY].symbol
        if name not in module.globals:
            graph_function(module, g, name)
        return module.globals[name]

    def counted(g: FunctionGraph) -> bool:
        return g in functions or g in pieces or g._cache[CODE_KEY].reaches_promote

    from rgen.peel import native_form   # here: its passes are 3 ms of import (issue 11)
    emitted = {g: native_form(g) for g in graphs}
    split = {g: split_big(emitted[g]) for g in graphs}
    nesting = max(loop_nesting(g.startblock, jit.DEEP_NESTING) for g in graphs)
    loops = nesting > 0
    if len(graphs) == 1 and split[graphs[0]] and cache is None and not any(
            OPS[op.opname].calls and op.args[0].value is graphs[0]
            for part in split[graphs[0]] for op in part.iteroperations()):
        # (a piece calling the function itself would be loaded before it).  With
        # the process's lock, as compile_ir takes it for a big module: then the
        # helper's lock is always taken second (emitting takes the process's)
        with jit._lock:
            _compile_pieces(graphs[0], split[graphs[0]], entry_for, pipeline, nesting,
                            reaches_promote, start)
        return
    for g, parts in split.items():
        if parts:
            emitted[g] = parts[0]
            for part in parts[1:]:
                emitted[part] = part
                pieces[part] = graph_function(module, part, jit.fresh_name(part.name))
    # a deep nest or a big module: not the cheap passes (their simplifycfg may
    # assert on a deep nest), nor this thread's LLVM (the helper process's)
    unusual = nesting > jit.DEEP_NESTING or sum(
        1 for g in graphs for _ in g.iterblocks()) >= isolated.ISOLATE_BLOCKS
    if pipeline == "quick" and unusual:
        pipeline = "light"
    cheap = _cheap(pipeline, loops, transfers := any(_transfers(g) for g in graphs))
    # back edges polled after optimisation (see backedges.py), but as emitted
    # in code of the cheap tier, which gets no polls after
    polls_after = not (cheap and loops) and all(owns_nothing(e) for e in emitted.values())
    for g, e in emitted.items():
        FunctionEmitter(rt, e, callee(g), callee, HANDLERS, counted, polls_after).emit()
    entries = {}
    space = jit.current_space()
    if entry_for in functions and _signature(entry_for) not in _ENTRIES and space is None:
        # (the entries serve every function of the signature: never in a
        # space, whose code is freed; _compile_entry compiles them apart)
        entries = _emit_entries(rt, entry_for)
    text = str(module)
    names = (list(symbols.values()) + [fn.name for fn in pieces.values()]
             + list(entries.values()))                          # the module's name first
    polled = set(names) if polls_after and not guards.POLL_OFF else ()
    done = None
    beside = beside and not cheap and not unusual
    if cache is not None:
        from rgen.llvm import objcache
        done = objcache.compile_cached(cache, text, names, polled, pipeline, cheap, transfers,
                                       nesting, beside, only_saved)
    if done is None and only_saved:
        return
    if done is not None:
        addresses, optimized, tier = done
    elif beside:
        addresses, optimized, tier = jit.compile_ir_beside(text, names, polled, pipeline)
    else:
        addresses, optimized, tier = jit.compile_ir(
            text, names, polled, pipeline, cheap=cheap, transfers=transfers, nesting=nesting)
    seconds = time.perf_counter() - start
    _install({g: NativeCode(g, symbols[g], addresses[symbols[g]], reaches_promote, tier, text,
                            optimized, seconds) for g in graphs}, entries, entry_for, addresses)


def _install(codes: dict, entries: dict, entry_for, addresses: dict) -> None:
    """Give each graph its NativeCode (`codes`), known to the current code
    space if there is one; record the Python `entries` emitted for
    `entry_for` (their addresses in `addresses`) and build its entry."""
    space = jit.current_space()
    for g, code in codes.items():
        g._cache[CODE_KEY] = code
        if space is not None:
            space.compiled(sum(len(b.operations) for b in g.iterblocks()),
                           functools.partial(_forget, g))
    if entries:
        _ENTRIES[_signature(entry_for)] = {kind: addresses[name] for kind, name in entries.items()}
    if entry_for in codes and _signature(entry_for) in _ENTRIES:
        _entry_function(entry_for._cache[CODE_KEY])


def _compile_pieces(graph: FunctionGraph, parts: list, entry_for, pipeline: str,
                    nesting: int, reaches_promote: bool, start: float) -> None:
    """Compile `graph` from `parts` (split_big's: its own code, then its pieces),
    a module each, innermost piece first: each module goes to the helper
    process (isolated.Batch), which optimises it (jit.BIG_PIPELINES, as for
    any big module) and makes its machine code while this process emits the
    next; then they are loaded, callees first.  Bf-loops at 10,000
    instructions: 5.3 -> 3.9 s from residual graph to native code (in one
    module, the helper's LLVM work only began once the whole module was
    emitted, and its machine code was made here after).  If the helper
    fails, each module is compiled here as any module is (jit.compile_ir)."""
    root = parts[0]
    symbols = {part: jit.fresh_name(part.name) for part in parts}
    symbols[graph] = symbols[root]              # (a call of the function: its own code)
    space = jit.current_space()
    kind = "deep" if nesting > jit.DEEP_NESTING else "big"
    modules = []                # (text, names, polled)
    polls_after = all(owns_nothing(part) for part in parts)     # (as in one module)
    entries = {}
    with isolated.Batch() as batch:
        for part in parts[1:] + [root]:
            with_entries = (part is root and entry_for is graph and space is None
                            and _signature(graph) not in _ENTRIES)
            text, entries_here = _piece_module(part, symbols, polls_after,
                                               graph if with_entries else None)
            entries = entries_here or entries
            names = [symbols[part]] + (list(entries.values()) if part is root else [])
            polled = set(names) if polls_after and not guards.POLL_OFF else set()
            modules.append((text, names, polled))
            batch.send(kind, text, polled)
            # the piece's llvmlite objects are garbage now, in reference cycles
            # that only the collector frees, and it is paused while a graph
            # compiles (_code): collected here (the young generation: what was
            # made since the last piece), bf-loops at 10,000 instructions peaks
            # at 271 MB instead of 294 and its LLVM time is 5.3 -> 4.8 s
            gc.collect(0)
        done = batch.results()
    if done is None:
        warnings.warn(isolated.OptimiserCrashWarning(
            f"rgen.llvm: the helper process failed on the pieces of {graph.name!r}: "
            f"{isolated._helper.failure}; each is compiled in this process instead"),
            stacklevel=5)
    addresses, optimized = {}, []
    for i, (text, names, polled) in enumerate(modules):
        if done is not None:
            jit.compile_counts["compiled"] += 1
            addresses.update(jit.load_object(done[i][1], names))
            optimized.append(done[i][0])
        else:
            found, text_after, _ = jit.compile_ir(text, names, polled, pipeline,
                                                  nesting=nesting)
            addresses.update(found)
            optimized.append(text_after)
    tier = "full" if pipeline == "full" else "light"
    code = NativeCode(graph, symbols[root], addresses[symbols[root]], reaches_promote, tier,
                      "\n".join(m[0] for m in modules), "\n".join(optimized),
                      time.perf_counter() - start)
    _install({graph: code}, entries, entry_for, addresses)


def _piece_module(part: FunctionGraph, symbols: dict, polls_after: bool,
                  entries_for: FunctionGraph | None) -> tuple[str, dict]:
    """(module text, Python entries) of one piece of a split function
    (`_compile_pieces`): its own function, the callees it declares and, if
    `entries_for` (the split function) is given, the Python entries of its
    signature."""
    module = ir.Module(name=part.name)
    module.triple, module.data_layout = jit.module_header()
    rt = runtime.Runtime(module, HELPERS)
    own = graph_function(module, part, symbols[part])

    def callee(g: FunctionGraph) -> ir.Function:
        name = symbols[g] if g in symbols else g._cache[CODE_KEY].symbol
        if name not in module.globals:
            graph_function(module, g, name)
        return module.globals[name]

    def counted(g: FunctionGraph) -> bool:
        return g in symbols or g._cache[CODE_KEY].reaches_promote

    FunctionEmitter(rt, part, own, callee, HANDLERS, counted, polls_after).emit()
    entries = _emit_entries(rt, entries_for) if entries_for is not None else {}
    return str(module), entries


def _forget(graph: FunctionGraph) -> None:
    """A code space freed `graph`'s code: a later compile compiles it again."""
    graph._cache.pop(CODE_KEY, None)
    graph._cache.pop(CACHE_KEY, None)


# Python entries by signature (fastcall.py: one entry serves every function of
# a signature): _signature(graph) -> {"fast": address, "trusting": address}
_ENTRIES: dict = {}
# (cache folder, signature) -> objcache.Record of its entries' module, or None
# when it could not be cached: the signatures compiled through each cache
_ENTRY_RECORDS: dict = {}


def entry_record(graph: FunctionGraph, cache):
    """The objcache.Record of the Python entries of `graph`'s signature saved
    in `cache`, or None."""
    return _ENTRY_RECORDS.get((cache.folder, _signature(graph)))


def _signature(g: FunctionGraph) -> tuple:
    return tuple(v.concretetype for v in g.getargs()), g.return_type


def _emit_entries(rt: runtime.Runtime, g: FunctionGraph) -> dict:
    """Emit the Python entries of `g`'s signature: {kind: symbol} for the
    "fast" entry and, when it cannot test every parameter inline, the
    "trusting" one its slow path calls after checking."""
    kinds = ("fast",) if fastcall.tests_inline(g) else ("fast", "trusting")
    base = jit.fresh_name(f"entry.{g.name}")
    return {kind: fastcall.emit_fast_entry(rt, g, f"{base}.{kind}", checked=kind == "fast").name
            for kind in kinds}


def _compile_entry(code: NativeCode, cache=None) -> None:
    """The Python entry of a graph compiled without one: the entries of its
    signature, compiled in a module of their own (loop-free, so the cheap
    tier; through `cache`, an objcache.ObjectCache, if given) the first time
    the signature is seen."""
    signature = _signature(code.graph)
    if signature not in _ENTRIES or (
            cache is not None and (cache.folder, signature) not in _ENTRY_RECORDS):
        # (with a cache, also where they were compiled without it: a later
        # process then finds them there)
        start = time.perf_counter()
        module = ir.Module(name=code.graph.name + ".entry")
        module.triple, module.data_layout = jit.module_header()
        entries = _emit_entries(runtime.Runtime(module, HELPERS), code.graph)
        text, names = str(module), list(entries.values())
        done = None
        with jit.loading_into(None):           # shared by every function of the signature
            if cache is not None:
                from rgen.llvm import objcache
                with objcache.recording() as records:
                    done = objcache.compile_cached(cache, text, names, (), "full", CHEAP_TIER,
                                                   False, 0)
                _ENTRY_RECORDS[(cache.folder, signature)] = records[-1] if records else None
            addresses = done[0] if done else jit.compile_ir(text, names, cheap=CHEAP_TIER)[0]
        _ENTRIES.setdefault(signature, {kind: addresses[name] for kind, name in entries.items()})
        code.compile_seconds += time.perf_counter() - start
    _entry_function(code)


def _entry_function(code: NativeCode) -> None:
    entries = _ENTRIES[_signature(code.graph)]
    code.graph._cache[CACHE_KEY] = make_native(code, entries["fast"], entries.get("trusting"))

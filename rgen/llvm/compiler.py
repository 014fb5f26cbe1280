"""`compile_graph`: a FunctionGraph and the graphs it calls -> native code.

The call graph (edges from `direct_call` and `tail_call` ops to a
`FunctionGraph`) is condensed into strongly connected components with
networkx; components are compiled callees first, one LLVM module per
component, so mutually recursive graphs share a module and every graph is
compiled exactly once.  The result is cached in `graph._cache[CACHE_KEY]`
(dropped by `graph.invalidate()`); a later caller calls an already compiled
callee by its symbol, which the one MCJIT engine resolves across modules.

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

import time

import networkx as nx
from llvmlite import ir

from flowgraph.interp.names import cyclic_blocks
from flowgraph.model import FunctionGraph
from flowgraph.operations import OPS
from rgen.llvm import arith, calls, fastcall, guards, jit, memops, runtime, structs
from rgen.llvm.callable import NativeFunction, make_native
from rgen.llvm.emit import FunctionEmitter, graph_function, owns_nothing

CACHE_KEY = "rgen.llvm"
CHEAP_TIER = True        # components without loops or tail transfers: jit.py's cheap tier
HELPERS = {**runtime.HELPERS, **arith.OP_HELPERS, **memops.MEM_HELPERS}
HANDLERS = memops.HANDLERS
assert calls and structs  # they register their handlers in memops.HANDLERS


def unlowered_ops() -> list:
    """The rows of the operation table the LLVM emitter cannot lower: neither
    an `llvm` lowering in the table nor a registered handler (empty when
    complete; tests/test_optable.py checks it)."""
    return [name for name, desc in OPS.items() if desc.llvm is None and name not in HANDLERS]
assert len(HELPERS) == len(runtime.HELPERS) + len(arith.OP_HELPERS) + len(memops.MEM_HELPERS)


def compile_graph(graph: FunctionGraph) -> NativeFunction:
    """Compile `graph` (and, once each, the graphs it calls) to native code."""
    cached = graph._cache.get(CACHE_KEY)
    if cached is not None:
        return cached
    with jit._lock:
        for component in _components_to_compile(graph):
            _compile_component(component)
    return graph._cache[CACHE_KEY]


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
    calls_graph = nx.DiGraph()
    calls_graph.add_node(root)
    stack = [root]
    while stack:
        g = stack.pop()
        for callee in callees(g):
            if CACHE_KEY in callee._cache:
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
        callee._cache[CACHE_KEY].reaches_promote
        for g in graphs for callee in callees(g) if callee not in members)


def _transfers(graph: FunctionGraph) -> bool:
    """Does `graph` end a path with a tail transfer?  (Guaranteed tail calls
    need the full tier's instruction selection: O0 machine code would grow
    the stack.)"""
    return any(OPS[op.opname].kind == "transfer" for op in graph.iteroperations())


def _compile_component(graphs: list) -> None:
    start = time.perf_counter()
    module = ir.Module(name=graphs[0].name)
    module.triple, module.data_layout = jit.module_header()
    rt = runtime.Runtime(module, HELPERS)
    symbols = {g: jit.fresh_name(g.name) for g in graphs}
    functions = {g: graph_function(module, g, symbols[g]) for g in graphs}
    reaches_promote = _reaches_promote(graphs)

    def callee(g: FunctionGraph) -> ir.Function:
        if g in functions:
            return functions[g]
        name = g._cache[CACHE_KEY].symbol
        if name not in module.globals:
            graph_function(module, g, name)
        return module.globals[name]

    def counted(g: FunctionGraph) -> bool:
        return g in functions or g._cache[CACHE_KEY].reaches_promote

    polls_after = all(owns_nothing(g) for g in graphs)     # see backedges.py
    for g in graphs:
        FunctionEmitter(rt, g, functions[g], callee, HANDLERS, counted, polls_after).emit()
    loops = {g: bool(cyclic_blocks(g.iterblocks())) for g in graphs}
    fast = {g: fastcall.emit_fast_entry(rt, g, functions[g], symbols[g] + ".fast",
                                        inline=not loops[g]).name
            for g in graphs}
    trusting = {g: fastcall.emit_fast_entry(rt, g, functions[g], symbols[g] + ".trusting",
                                            checked=False, inline=not loops[g]).name
                for g in graphs if not fastcall.tests_inline(g)}
    text = str(module)
    names = list(fast.values()) + list(trusting.values()) + list(symbols.values())
    polled = set(names) if polls_after and not guards.POLL_OFF else ()
    cheap = CHEAP_TIER and not any(loops[g] or _transfers(g) for g in graphs)
    addresses, optimized = jit.compile_ir(text, names, polled, cheap)
    seconds = time.perf_counter() - start
    for g in graphs:
        nf = make_native(g, symbols[g], text, optimized, seconds, addresses[fast[g]],
                         addresses[trusting[g]] if g in trusting else None)
        nf.address = addresses[symbols[g]]
        nf.reaches_promote = reaches_promote
        nf.tier = "cheap" if cheap else "full"
        g._cache[CACHE_KEY] = nf

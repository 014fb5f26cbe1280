"""`compile_graph`: a FunctionGraph and the graphs it calls -> native code.

The call graph (edges from `direct_call` ops with a `FunctionGraph` callee)
is condensed into strongly connected components with networkx; components
are compiled callees first, one LLVM module per component, so mutually
recursive graphs share a module and every graph is compiled exactly once.
The result is cached in `graph._cache[CACHE_KEY]` (dropped by
`graph.invalidate()`); a later caller calls an already compiled callee by
its symbol, which the one MCJIT engine resolves across modules.
"""

from __future__ import annotations

import time

import networkx as nx
from llvmlite import ir

from flowgraph.model import FunctionGraph
from rgen.llvm import arith, calls, jit, memops, runtime, structs
from rgen.llvm.callable import NativeFunction, emit_entry, make_native
from rgen.llvm.emit import FunctionEmitter, function_type

CACHE_KEY = "rgen.llvm"
HELPERS = {**runtime.HELPERS, **arith.OP_HELPERS, **memops.MEM_HELPERS}
HANDLERS = memops.HANDLERS
assert calls and structs  # they register their handlers in memops.HANDLERS
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
    """The graphs `graph` calls directly, in order of first call."""
    found = {}
    for op in graph.iteroperations():
        if op.opname == "direct_call" and isinstance(op.args[0].value, FunctionGraph):
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


def _compile_component(graphs: list) -> None:
    start = time.perf_counter()
    module = ir.Module(name=graphs[0].name)
    module.triple, module.data_layout = jit.module_header()
    rt = runtime.Runtime(module, HELPERS)
    symbols = {g: jit.fresh_name(g.name) for g in graphs}
    functions = {g: ir.Function(module, function_type(g), symbols[g]) for g in graphs}

    def callee(g: FunctionGraph) -> ir.Function:
        if g in functions:
            return functions[g]
        name = g._cache[CACHE_KEY].symbol
        if name not in module.globals:
            ir.Function(module, function_type(g), name)
        return module.globals[name]

    recursive = len(graphs) > 1 or graphs[0] in callees(graphs[0])
    for g in graphs:
        FunctionEmitter(rt, g, functions[g], callee, HANDLERS, recursive).emit()
    entries = {g: emit_entry(rt, g, functions[g], symbols[g] + ".entry").name
               for g in graphs}
    text = str(module)
    addresses, optimized = jit.compile_ir(text, list(entries.values()) + list(symbols.values()))
    seconds = time.perf_counter() - start
    for g in graphs:
        nf = make_native(g, addresses[entries[g]], symbols[g], text, optimized, seconds)
        nf.address = addresses[symbols[g]]
        g._cache[CACHE_KEY] = nf

"""The `backend` fixture: the rgen backend test suite runs once per backend.

Every backend builds through the graph backend's builders (the interface of
`rgen.model`); what differs is how a finished residual graph is run:

    graph   `flowgraph.run_graph(graph, *args)` (the flow-graph interpreter)
    llvm    `rgen.compile_graph(graph)(*args)` (native code via llvmlite)

A test takes `backend` (a `BackendAdapter`), builds with `backend.new_graph`
(and the other `GraphBackend` methods, delegated) and runs with
`backend.run(graph, *args)`, which first checks the graph with
`flowgraph.checkgraph`.  To add a backend, add a runner to `RUNNERS`.
"""

from __future__ import annotations

import pytest

import flowgraph
from rgen import GraphBackend


def _run_graph(graph, *args):
    return flowgraph.run_graph(graph, *args)


def _run_llvm(graph, *args):
    import rgen
    return rgen.compile_graph(graph)(*args)


RUNNERS = {"graph": _run_graph, "llvm": _run_llvm}


class BackendAdapter:
    """A fresh `GraphBackend` plus the backend's way of running a graph."""

    def __init__(self, name: str, runner):
        self.name = name
        self.gen = GraphBackend()
        self._runner = runner

    def __getattr__(self, attr):
        return getattr(self.gen, attr)

    def run(self, graph, *args, check: bool = True):
        """Run `graph` on `args`; `check=False` skips `flowgraph.checkgraph`
        (which rejects `direct_call` of a plain Python callable)."""
        if check:
            flowgraph.checkgraph(graph)
        return self._runner(graph, *args)


@pytest.fixture(params=sorted(RUNNERS))
def backend(request) -> BackendAdapter:
    return BackendAdapter(request.param, RUNNERS[request.param])

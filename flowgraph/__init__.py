"""Typed SSA flow graphs of low-level Python functions.

Public API (DESIGN section 3): build_graph, checkgraph, run_graph, format_graph,
parse_graph, to_dot, FlowError, and the model classes.
"""

from flowgraph.model import (Block, Constant, FunctionGraph, Link, SpaceOperation,
                             Variable, copygraph, mkentrymap)
from flowgraph.errors import FlowError

__all__ = ["Block", "Constant", "FunctionGraph", "Link", "SpaceOperation", "Variable",
           "copygraph", "mkentrymap", "FlowError", "build_graph", "checkgraph",
           "run_graph", "format_graph", "parse_graph", "to_dot"]


def __getattr__(name):
    # The heavier parts are imported on first use, which keeps `import flowgraph` cheap.
    if name == "build_graph":
        from flowgraph.builder import build_graph
        return build_graph
    if name == "checkgraph":
        from flowgraph.checker import checkgraph
        return checkgraph
    if name == "run_graph":
        from flowgraph.interp import run_graph
        return run_graph
    if name == "format_graph":
        from flowgraph.printer import format_graph
        return format_graph
    if name == "parse_graph":
        from flowgraph.parser import parse_graph
        return parse_graph
    if name == "to_dot":
        from flowgraph.dot import to_dot
        return to_dot
    raise AttributeError(name)

"""rgen: the code-generation interface and its backends.

`GraphBackend` builds residual `FunctionGraph`s through builders (see
`rgen.model` for the interface, `rgen/README.md` for an example);
`compile_graph(graph)` turns any FunctionGraph into a native callable with
the LLVM backend (`rgen.llvm`, imported on first use).  rgen depends on
flowgraph only.
"""

from rgen.graphbackend import GraphBackend
from rgen.model import Backend, Builder, FlexSwitch, Label, RgenError

__all__ = ["Backend", "Builder", "FlexSwitch", "GraphBackend", "Label", "RgenError",
           "compile_graph"]


def __getattr__(name):
    # The LLVM backend (llvmlite) is imported only when used.
    if name == "compile_graph":
        from rgen.llvm import compile_graph
        return compile_graph
    raise AttributeError(f"module 'rgen' has no attribute {name!r}")

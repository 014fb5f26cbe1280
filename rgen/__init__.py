"""rgen: the code-generation interface and its backends.

`GraphBackend` builds residual `FunctionGraph`s through builders (see
`rgen.model` for the interface, `rgen/README.md` for an example);
`compile_graph(graph)` turns any FunctionGraph into a native callable with
the LLVM backend (`rgen.llvm`, imported on first use); what is compiled
inside `with CodeSpace():` can be freed as a whole (`space.close()`).  rgen depends on
flowgraph only.
"""

from rgen.model import Backend, Builder, FlexSwitch, Label, RgenError

__all__ = ["Backend", "Builder", "CodeSpace", "FlexSwitch", "GraphBackend", "Label",
           "RgenError", "compile_graph"]


def __getattr__(name):
    # Each backend is imported when first used: the LLVM one (llvmlite), and
    # the residual-graph one (its pipeline of passes), which compiling a
    # graph natively does not need
    if name == "compile_graph":
        from rgen.llvm import compile_graph
        return compile_graph
    if name == "CodeSpace":
        from rgen.llvm.jit import CodeSpace
        return CodeSpace
    if name == "GraphBackend":
        from rgen.graphbackend import GraphBackend
        return GraphBackend
    raise AttributeError(f"module 'rgen' has no attribute {name!r}")

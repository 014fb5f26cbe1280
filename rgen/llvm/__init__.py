"""The LLVM backend: `compile_graph(g)` compiles a FunctionGraph to native code
with llvmlite.  See README.md for the heap layout, the calling convention and
how errors become Python exceptions."""

from rgen.llvm.callable import NativeFunction
from rgen.llvm.compiler import compile_graph
from rgen.llvm.emit import CompileError

__all__ = ["compile_graph", "NativeFunction", "CompileError"]

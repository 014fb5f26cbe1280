"""The timeshifter: coloured graphs become a generating extension.

`make_compiler(func, green=[...])` returns a `Compiler`; see README.md.
"""

from timeshifter.compiler import Compiler, Residual, make_compiler
from timeshifter.errors import SpecializationWarning, TimeshiftError
from timeshifter.jit import Jit, make_jit
from timeshifter.options import Options

__all__ = ["make_compiler", "make_jit", "Compiler", "Jit", "Residual", "SpecializationWarning",
           "TimeshiftError",
           "Options"]

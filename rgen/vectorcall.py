"""Vectorcall for Python subclasses of `functools.partial` on CPython 3.11.

`NativeFunction` (rgen/llvm/callable.py) and the timeshifter's `Residual` are
Python subclasses of `functools.partial` around a native builtin, so that a
call runs no Python frame.  CPython 3.11 does not let a heap type inherit
the Py_TPFLAGS_HAVE_VECTORCALL flag (3.12 does, for types that do not define
`__call__`), so such a call goes through partial's `tp_call`: the caller
packs a tuple, 36 ns.  `inherit_vectorcall(cls)` sets the flag on `cls`,
whose instances carry partial's vectorcall pointer at the inherited offset
(partial sets it in `__new__` and `__setstate__`): 24 ns, as fast as a plain
partial.  The flags word is found by its value (`cls.__flags__`), not by a
hard-coded offset, and the change is checked.
"""

from __future__ import annotations

import ctypes
import functools

HAVE_VECTORCALL = 1 << 11


def inherit_vectorcall(cls: type) -> type:
    """Give `cls`, a subclass of functools.partial without `__call__`, partial's
    vectorcall; returns `cls`."""
    if not issubclass(cls, functools.partial) or "__call__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: want a functools.partial subclass without __call__")
    if cls.__flags__ & HAVE_VECTORCALL:
        return cls                          # inherited already (CPython 3.12 and later)
    flags = cls.__flags__
    for offset in range(8, 512, 8):
        word = ctypes.c_uint64.from_address(id(cls) + offset)
        if word.value == flags:
            word.value = flags | HAVE_VECTORCALL
            break
    if not cls.__flags__ & HAVE_VECTORCALL:
        raise RuntimeError(f"{cls.__name__}: could not set Py_TPFLAGS_HAVE_VECTORCALL")
    return cls

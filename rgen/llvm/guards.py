"""Run-time guards of native code: the C stack depth and pending signals.

Native code must never crash the process and never hang (DESIGN section 4).
Two cheap checks, emitted by `emit.py`, guarantee it:

Stack depth.  `Py_EnterRecursiveCall` only counts calls against the user's
recursion limit; with `sys.setrecursionlimit(10**7)` a deep native recursion
would overflow the C stack.  So every counted `direct_call` (a call that may
lie on a cycle, see compiler.py: the only calls that can grow the stack
without bound) first compares the stack pointer with a *window* of two words,
`[low, span]`: the current thread's stack minus a reserve of STACK_RESERVE
bytes (room for the C API and Python code called from the deepest frame).
Fast path: `sp - low <u span`, one subtraction, one compare, a predictable
branch.  Outside the window (a thread switch, or a real overflow) the out of
line slow path asks `_stack_slow(sp)`: it looks up the calling thread's real
stack bounds (`pthread_getattr_np`, once per thread), moves the window to this
thread and answers whether `sp` is past the reserve; then native code raises
`RecursionError: maximum recursion depth exceeded (native stack)`.  The
window is process-wide: native code runs with the GIL held, so only the
thread holding it reads the window, and a thread switch is a slow path.

Signals.  CPython's C signal handler only sets a flag; Python handlers run
when the interpreter polls it.  Native loops poll too: every back edge of a
flow graph (a link to a block at or before its source in the emission
order; every cycle has one) decrements a counter local to the function
(an `alloca`, promoted to a register by SROA) and every tail transfer a
process-wide one; when it reaches zero (every POLL_INTERVAL iterations) the
poll resets it and calls `PyErr_CheckSignals` out of line, so a
Ctrl-C raises KeyboardInterrupt (or whatever the Python handler raises) from
within native code, which then unwinds like any other exception.
"""

from __future__ import annotations

import ctypes
import os
import threading

from llvmlite import ir

from rgen.llvm import jit
from rgen.llvm.runtime import I1, I32, I64, PTR, helper

# TIMESHIFT_NO_POLLS=1 (or POLL_OFF = True, as bench/bench_polls.py does) compiles
# without signal polls, to measure what they cost; Ctrl-C then waits for native
# code to return.
POLL_OFF = os.environ.get("TIMESHIFT_NO_POLLS", "") not in ("", "0")
POLL_INTERVAL = 4096
STACK_RESERVE = 256 * 1024          # bytes kept free below the deepest native frame
STACK_MESSAGE = "maximum recursion depth exceeded (native stack)"

_libc = ctypes.CDLL(None)
_libc.pthread_self.restype = ctypes.c_void_p
_libc.pthread_getattr_np.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_libc.pthread_attr_getstack.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
_libc.pthread_attr_destroy.argtypes = [ctypes.c_void_p]

_window = (ctypes.c_uint64 * 2)(0, 0)       # [low, span]: empty until the first slow path
_poll_counter = ctypes.c_int32(POLL_INTERVAL)
_never = ctypes.c_int8(0)                   # read by may_fail_later(); always 0
_bounds: dict = {}                          # thread ident -> (low, high) of its stack


def thread_stack_bounds() -> tuple[int, int]:
    """(lowest, highest) address of the calling thread's C stack."""
    ident = threading.get_ident()
    bounds = _bounds.get(ident)
    if bounds is None:
        attr = ctypes.create_string_buffer(128)         # pthread_attr_t: 56 bytes on glibc
        if _libc.pthread_getattr_np(_libc.pthread_self(), attr) != 0:
            raise OSError("pthread_getattr_np failed")
        addr, size = ctypes.c_void_p(), ctypes.c_size_t()
        _libc.pthread_attr_getstack(attr, ctypes.byref(addr), ctypes.byref(size))
        _libc.pthread_attr_destroy(attr)
        bounds = _bounds[ident] = (addr.value, addr.value + size.value)
    return bounds


@ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_uint64)
def _stack_slow(sp: int) -> int:
    """Move the window to the calling thread; 1 if `sp` is past the reserve."""
    low, high = thread_stack_bounds()
    limit = low + min(STACK_RESERVE, (high - low) // 4)
    _window[0], _window[1] = limit, max(high - limit, 0)
    return int(not limit <= sp < high)


_STACK_SLOW = ctypes.cast(_stack_slow, ctypes.c_void_p).value
# the runtime variables native code refers to, by the hints of their symbols
# (a saved module binds them again by hint: objcache.py)
jit.RUNTIME_ADDRESSES.update({
    "rt.stack_window": ctypes.addressof(_window),
    "rt.poll_counter": ctypes.addressof(_poll_counter),
    "rt.never": ctypes.addressof(_never), "rt.stack_slow_py": _STACK_SLOW})


def stack_pointer(rt, b):
    """An approximation of the stack pointer: the current frame's address."""
    fa = rt.module.globals.get("llvm.frameaddress.p0")
    if fa is None:
        fa = ir.Function(rt.module, ir.FunctionType(PTR, [I32]), "llvm.frameaddress.p0")
    return b.ptrtoint(b.call(fa, [ir.Constant(I32, 0)]), I64, name="sp")


def stack_exhausted(rt, b):
    """i1: whether the stack is too deep for another counted call (the fast
    path inline, the slow path `rt.stack_slow` out of line)."""
    window = rt.address_global(ctypes.addressof(_window), "rt.stack_window",
                               ir.ArrayType(I64, 2))
    sp = stack_pointer(rt, b)
    low = b.load(b.gep(window, [ir.Constant(I64, 0), ir.Constant(I32, 0)]), typ=I64)
    span = b.load(b.gep(window, [ir.Constant(I64, 0), ir.Constant(I32, 1)]), typ=I64)
    inside = b.icmp_unsigned("<", b.sub(sp, low), span, name="stack.ok")
    here = b.block
    slow = b.append_basic_block(f"{here.name}.stack.slow")
    done = b.append_basic_block(f"{here.name}.stack.done")
    b.cbranch(inside, done, slow)
    b.block.terminator.set_weights([1000, 1])
    b.position_at_end(slow)
    deep = rt.call(b, "rt.stack_slow", sp)
    b.branch(done)
    b.position_at_end(done)
    phi = b.phi(I1, name="stack.deep")
    phi.add_incoming(ir.Constant(I1, 0), here)
    phi.add_incoming(deep, slow)
    return phi


@helper("rt.stack_slow", I1, [I64], inline=False)
def _stack_slow_helper(rt, b, sp):
    fn = rt.native_function(_STACK_SLOW, ir.FunctionType(I32, [I64]), "rt.stack_slow_py")
    deep = b.icmp_unsigned("!=", b.call(fn, [sp]), ir.Constant(I32, 0))
    with b.if_then(deep):
        rt.set_error(b, RecursionError, STACK_MESSAGE)
    b.ret(deep)


def may_fail_later(rt, b):
    """i1, always false, that LLVM cannot see through (a load of an outside
    byte that stays 0): the success flag a function returns when its polls
    are added after optimisation (backedges.py), so that while it is
    optimised its failure flag is not a known constant: else a caller calling
    it without inlining drops its failure check, and a poll's failure later
    returns a result with an exception set.  One load at the entry."""
    flag = rt.address_global(ctypes.addressof(_never), "rt.never", ir.IntType(8))
    return b.load(flag, name="never", typ=I1)


def poll_counter_slot(rt, b, local: bool):
    """The counter a back edge (`local`: the function's own, an alloca in the
    entry block) or a tail transfer (the process-wide one) decrements."""
    if not local:
        return rt.address_global(ctypes.addressof(_poll_counter), "rt.poll_counter", I32)
    fn = b.function
    slot = getattr(fn, "_ts_poll_slot", None)
    if slot is None:
        entry = fn.entry_basic_block
        eb = ir.IRBuilder(entry)
        eb.position_at_start(entry)
        slot = fn._ts_poll_slot = eb.alloca(I32, name="poll")
        eb.store(ir.Constant(I32, POLL_INTERVAL), slot)
    return slot


def poll_due(rt, b, slot):
    """i1: decrement the counter `slot`; true (rarely) when a poll is due."""
    count = b.sub(b.load(slot, typ=I32), ir.Constant(I32, 1), name="poll.count")
    b.store(count, slot)
    return b.icmp_signed("<=", count, ir.Constant(I32, 0), name="poll.due")


@helper("rt.poll_signals", I1, [], inline=False)
def _poll_signals(rt, b):
    """Run pending signal handlers; 1 if one raised (the caller has reset its
    counter inline: a counter whose address never escapes stays a register)."""
    r = b.call(rt.capi("PyErr_CheckSignals"), [])
    b.ret(b.icmp_signed("!=", r, ir.Constant(I32, 0)))

"""The JIT's worker thread: compiles loops while the program goes on in the
baseline tier (jit.py, `background`).

    worker = Worker()                         # what one JIT submits
    worker.submit(compile_something, arg)     # runs in the worker thread
    worker.wait(timeout)                      # True when nothing of it is left

One thread serves every JIT of the process, in the order things were
submitted (a thread per JIT leaked one thread per JIT: a JIT lives as long
as its baseline's native code, which refers to it); a second one, the quiet
thread, serves every compiler's `Worker(quiet=True)`: it optimises promotion
cases already out in the cheap tier, and so never delays a JIT's loop.  It is started with the
first `Worker`, not at the first compile: a thread's start waits until it
runs, which would hand it the GIL in the middle of the caller's run.  While
something compiles, the threads switch every SWITCH_SECONDS instead of
CPython's 5 ms: the generating extension is Python, and a caller's thread
wanting the GIL back waits one switch interval before it asks for it (LLVM
itself releases the GIL).  An unexpected exception of a compile is logged
and raised by the next `wait` of the Worker that submitted it.  At exit the
process waits for the compile running, not for those queued.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import sys
import threading
import time
import weakref

log = logging.getLogger("timeshifter.jit")

SWITCH_SECONDS = 0.0005
# A compile starts once no call of the program runs (`running`), or after
# START_SECONDS: a short call ends in the baseline without sharing the GIL
# with the worker's Python (the generating extension, IR emission), a long
# one waits that much longer for its code.
START_SECONDS = 0.005
_state_lock = threading.Lock()     # the switch interval's, the calls' and the thread's state
_compiling = [0, None]          # compiles running, the interval before the first


@contextlib.contextmanager
def short_switches():
    """Switch threads every SWITCH_SECONDS (at most) while this runs."""
    with _state_lock:
        if _compiling[0] == 0:
            _compiling[1] = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_SECONDS, _compiling[1]))
        _compiling[0] += 1
    try:
        yield
    finally:
        with _state_lock:
            _compiling[0] -= 1
            if _compiling[0] == 0:
                sys.setswitchinterval(_compiling[1])


# Compiles the program waits for (a promotion case, a bridge) and the worker's
# re-optimisation of code already out: each time a thread of the program
# gives up the GIL (every LLVM call does), a worker running Python takes it
# for a switch interval, so a case compiled while the worker emitted IR took
# 7-8 ms instead of 3.5 (bench_promotion).  So the worker starts such work
# only once no compile of the program has run for QUIET_SECONDS.
QUIET_SECONDS = 0.002
_foreground = [0, 0.0]          # compiles of the program running, when the last ended


@contextlib.contextmanager
def foreground():
    """While this runs (a compile the program waits for), `after_foreground`
    waits."""
    with _state_lock:
        _foreground[0] += 1
    try:
        yield
    finally:
        with _state_lock:
            _foreground[0] -= 1
            _foreground[1] = time.perf_counter()


def after_foreground(limit: float = 1.0) -> None:
    """Wait (in the worker thread) until no `foreground` compile has run for
    QUIET_SECONDS, or at most `limit` seconds."""
    deadline = time.perf_counter() + limit
    while True:
        now = time.perf_counter()
        with _state_lock:
            busy = _foreground[0] or now - _foreground[1] < QUIET_SECONDS
        if not busy or now >= deadline:
            return
        time.sleep(QUIET_SECONDS)


_executor: dict = {}            # quiet -> that worker thread, once started
_idle = threading.Event()       # set while no call of a JIT runs
_idle.set()
_calls = [0]


@contextlib.contextmanager
def running():
    """While this runs (a JIT's call), a compile waits (at most
    START_SECONDS) to start."""
    with _state_lock:
        _calls[0] += 1
        _idle.clear()
    try:
        yield
    finally:
        with _state_lock:
            _calls[0] -= 1
            if _calls[0] == 0:
                _idle.set()


def _thread(quiet: bool = False) -> concurrent.futures.ThreadPoolExecutor:
    with _state_lock:
        if quiet not in _executor:
            _executor[quiet] = concurrent.futures.ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="timeshift-optimise" if quiet else "timeshift-jit")
            # at exit, the compiles not started are dropped (the one running
            # ends first: LLVM cannot be stopped midway); registered after
            # concurrent.futures' own exit hook, so it runs before that joins
            register = getattr(threading, "_register_atexit", None)
            if register is not None and not _exit_hook:
                register(_drop_queued)
                _exit_hook.append(True)
            started = _executor[quiet].submit(lambda: None)
        else:
            started = None
    if started is not None:
        started.result()
    return _executor[quiet]


_exit_hook: list = []


def _drop_queued() -> None:
    for executor in _executor.values():
        executor.shutdown(wait=False, cancel_futures=True)


_workers = weakref.WeakSet()        # every Worker, for a forked child


def _after_fork_in_child() -> None:
    """A child of fork() has no worker thread: it starts one of its own on
    first use, its locks and counts start afresh, the switch interval is
    restored, and what the parent's thread was compiling is lost: each
    Worker's `lost` callbacks run (a JIT forgets those keys, which count
    again) and its waits return."""
    global _state_lock
    _state_lock = threading.Lock()
    _executor.clear()
    _calls[0] = 0
    _foreground[0] = 0
    _idle.set()
    if _compiling[0]:
        sys.setswitchinterval(_compiling[1])
        _compiling[0] = 0
    for worker in list(_workers):
        worker._forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Worker:
    """What one JIT (or compiler) submits to the process's worker thread."""

    def __init__(self, quiet: bool = False):
        """`quiet`: each compile starts once the program's threads have
        compiled nothing for QUIET_SECONDS (`after_foreground`; a compiler's
        worker, whose work is optimising code already out), instead of once
        no call of a JIT runs (`running`)."""
        _thread(quiet)
        self.quiet = quiet
        self._futures: list = []
        self._lost: list = []               # (future, callback) for a forked child
        self.errors: list = []
        _workers.add(self)

    def submit(self, compile, *args, lost=None) -> None:
        """Run `compile(*args)` in the worker thread, after what was submitted
        before; `lost()` is called instead in a forked child when the
        parent's thread had it.  A compile submitted inside a code space
        (rgen.CodeSpace: a JIT's code for one green key) loads into that
        space, which is held until then; it is skipped if the space is
        closed meanwhile (its code was dropped)."""
        from rgen.llvm.jit import current_space
        space = current_space()
        if space is not None:
            space.hold()
        future = _thread(self.quiet).submit(self._run, compile, args, space)
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(future)
        if lost is not None:
            self._lost.append((future, lost))
            self._lost = [(f, c) for f, c in self._lost if not f.done()]

    def _forget(self) -> None:
        for future, lost in self._lost:
            if not future.done():
                lost()
        self._futures, self._lost = [], []

    def _run(self, compile, args, space) -> None:
        if self.quiet:
            after_foreground()
        else:
            _idle.wait(START_SECONDS)
        try:
            if space is None or not space.closing:
                from rgen.llvm.jit import loading_into
                with short_switches(), loading_into(space):
                    compile(*args)
        except BaseException as exc:        # a bug: what it compiled stays uncompiled
            self.errors.append(exc)
            log.error("compiling in the worker thread failed", exc_info=True)
        finally:
            if space is not None:
                space.release()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for what this Worker submitted (at most `timeout` seconds);
        True when nothing is left.  The first unexpected error of its
        compiles is raised."""
        done, not_done = concurrent.futures.wait(list(self._futures), timeout)
        self._futures = [f for f in self._futures if not f.done()]
        if self.errors:
            raise self.errors.pop(0)
        return not not_done

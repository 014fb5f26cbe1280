"""The JIT's worker thread: compiles loops while the program goes on in the
baseline tier (jit.py, `background`).

    worker = Worker()                         # what one JIT submits
    worker.submit(compile_something, arg)     # runs in the worker thread
    worker.wait(timeout)                      # True when nothing of it is left

One thread serves every JIT of the process, in the order things were
submitted (a thread per JIT leaked one thread per JIT: a JIT lives as long
as its baseline's native code, which refers to it).  It is started with the
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


_executor: list = []            # the process's worker thread, once started
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


def _thread() -> concurrent.futures.ThreadPoolExecutor:
    with _state_lock:
        if not _executor:
            _executor.append(concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="timeshift-jit"))
            # at exit, the compiles not started are dropped (the one running
            # ends first: LLVM cannot be stopped midway); registered after
            # concurrent.futures' own exit hook, so it runs before that joins
            register = getattr(threading, "_register_atexit", None)
            if register is not None and not _exit_hook:
                register(_drop_queued)
                _exit_hook.append(True)
            started = _executor[0].submit(lambda: None)
        else:
            started = None
    if started is not None:
        started.result()
    return _executor[0]


_exit_hook: list = []


def _drop_queued() -> None:
    if _executor:
        _executor[0].shutdown(wait=False, cancel_futures=True)


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
    _idle.set()
    if _compiling[0]:
        sys.setswitchinterval(_compiling[1])
        _compiling[0] = 0
    for worker in list(_workers):
        worker._forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Worker:
    """What one JIT submits to the process's worker thread."""

    def __init__(self):
        _thread()
        self._futures: list = []
        self._lost: list = []               # (future, callback) for a forked child
        self.errors: list = []
        _workers.add(self)

    def submit(self, compile, *args, lost=None) -> None:
        """Run `compile(*args)` in the worker thread, after what was submitted
        before; `lost()` is called instead in a forked child when the
        parent's thread had it."""
        future = _thread().submit(self._run, compile, args)
        self._futures.append(future)
        if lost is not None:
            self._lost.append((future, lost))
            self._lost = [(f, c) for f, c in self._lost if not f.done()]

    def _forget(self) -> None:
        for future, lost in self._lost:
            if not future.done():
                lost()
        self._futures, self._lost = [], []

    def _run(self, compile, args) -> None:
        _idle.wait(START_SECONDS)
        try:
            with short_switches():
                compile(*args)
        except BaseException as exc:        # a bug: what it compiled stays uncompiled
            self.errors.append(exc)
            log.error("compiling in the worker thread failed", exc_info=True)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for what this Worker submitted (at most `timeout` seconds);
        True when nothing is left.  The first unexpected error of its
        compiles is raised."""
        done, not_done = concurrent.futures.wait(list(self._futures), timeout)
        self._futures = [f for f in self._futures if not f.done()]
        if self.errors:
            raise self.errors.pop(0)
        return not not_done

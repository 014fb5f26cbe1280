"""`make_jit(..., background=True)` (issue 13, warm-up): hot loops are
compiled in a worker thread while the call goes on in the baseline tier;
later passes of the key run the compiled code.  Results against CPython in
every state of the worker, errors of the worker, the thread switch interval
restored, and the native baseline's counter starting again after a call
back that goes on (one call per `threshold` passes, not one per pass)."""

import os
import sys

import pytest

from examples import interpreters as ex
from timeshifter import jit as jit_module
from timeshifter import make_jit
from tests.timeshifter.test_jit import CHECKED_COUNTDOWN, doubling

INTERVAL = sys.getswitchinterval()


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_a_loop_compiled_in_the_worker_is_used_once_it_is_there(baseline):
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=5, baseline=baseline,
                   background=True)
    # the first call may finish in the baseline or in compiled code: the
    # result is the same
    assert jit(ex.SQUARE, 300) == 90_000
    assert jit.wait(60)
    assert sys.getswitchinterval() == INTERVAL          # restored once the worker is done
    assert jit.stats["loops"] == 1 and jit.stats["compile loop"] == 1
    runs = jit.stats["run native"]
    assert jit(ex.SQUARE, 71) == 5041
    assert jit.stats["run native"] == runs + 1 and jit.stats["loops"] == 1
    assert jit.wait(60) and sys.getswitchinterval() == INTERVAL


@pytest.mark.parametrize("program, n", [(CHECKED_COUNTDOWN, 500), ("RSIS{S*SD}S", 10)])
def test_results_in_the_background_equal_cpython_before_and_after_the_compiles(program, n):
    jit = make_jit(ex.accumulator, green=["code"], threshold=3, bridge_threshold=2,
                   background=True)
    expected = ex.accumulator(program, n)
    assert [jit(program, n) for _ in range(3)] == [expected] * 3
    assert jit.wait(60)
    assert [jit(program, n) for _ in range(3)] == [expected] * 3
    assert jit.stats["loops"] >= 1


def test_the_worker_compiles_while_a_long_call_runs_in_the_baseline():
    """A call of 3,000,000 guest iterations: the loop is compiled in the
    worker during it and the call finishes in compiled code."""
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=100, background=True,
                   record_events=True)
    assert jit(ex.SQUARE, 3000) == 9_000_000
    assert jit.wait(60)
    assert jit(ex.SQUARE, 3000) == 9_000_000
    assert jit.events.count("compile loop") == 1 and "run native" in jit.events


def test_an_unexpected_error_in_the_worker_is_raised_by_wait(monkeypatch):
    """A bug while compiling (here: entry_at raising) leaves the key in the
    baseline, with correct results; `wait` raises the error."""
    jit = make_jit(doubling, threshold=2, background=True)

    def broken(*args):
        raise RuntimeError("broken generating extension")
    monkeypatch.setattr(jit.compiler._specializer, "entry_at", broken)
    assert jit(50) == doubling(50)
    with pytest.raises(RuntimeError, match="^broken generating extension$"):
        jit.wait(60)
    assert jit.wait(60)                                  # raised once
    assert jit(60) == doubling(60) and jit.stats["loops"] == 0


def test_by_default_loops_compile_in_the_background_unless_events_are_recorded():
    assert make_jit(doubling).background and make_jit(doubling, baseline="graph").background
    assert not make_jit(doubling, record_events=True).background
    assert make_jit(doubling, record_events=True, background=True).background


def test_background_must_be_a_bool():
    with pytest.raises(ValueError, match=r"^make_jit: background must be True or False, "
                                         r"have 'yes'$"):
        make_jit(doubling, background="yes")


@pytest.fixture
def call_backs(monkeypatch) -> list:
    """The `passes` of every call back of a native baseline, in order."""
    calls = []
    real = jit_module.Jit._native_merge_point

    def counting(self, site, passes, *values):
        calls.append(passes)
        return real(self, site, passes, *values)
    monkeypatch.setattr(jit_module.Jit, "_native_merge_point", counting)
    return calls


def test_the_native_baseline_calls_back_once_per_threshold_passes_while_the_key_waits(
        call_backs):
    """A key whose code cannot be compiled (a bound of the options) goes on in
    the baseline: its counter starts again after each call back, so SQUARE's
    2,999 passes with threshold 100 call back 29 times, not 2,900."""
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=100, max_residual_ops=1,
                   background=False)
    assert jit(ex.SQUARE, 3000) == 9_000_000
    assert jit.stats["compile failed"] == 1 and jit.stats["loops"] == 0
    assert call_backs == [100] * 29


def test_while_a_loop_compiles_the_native_baseline_calls_back_rarely(monkeypatch, call_backs):
    """While the worker compiles a key, the call back answers with passes to
    skip (15 x threshold): 2,999 passes with threshold 100 call back at
    passes 100 and 1,700 only; the code is used once it is there."""
    import threading
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=100, background=True)
    release = threading.Event()
    compile_now = jit._compile

    def held(*args):
        assert release.wait(60)
        return compile_now(*args)
    monkeypatch.setattr(jit, "_compile", held)
    try:                    # the worker thread is the process's: never left held
        assert jit(ex.SQUARE, 3000) == 9_000_000
        assert call_backs == [100, 100] and jit.stats["loops"] == 0
    finally:
        release.set()
    assert jit.wait(60) and jit.stats["loops"] == 1
    assert jit(ex.SQUARE, 3000) == 9_000_000 and jit.stats["run native"] == 1


def test_bridges_are_compiled_cheap_then_optimised_by_the_worker():
    """A bridge is compiled in the cheap tier by the thread that needs it,
    then again with the light pipeline by the worker, which swaps it into
    its exit's table; the results stay CPython's.  (A bridge without loops
    or tail transfers is cheap-tier code under every pipeline: not
    compiled again.)"""
    from rgen.llvm.compiler import _transfers
    jit = make_jit(doubling, threshold=2, bridge_threshold=2, background=True)
    assert jit(50) == doubling(50)
    assert jit.wait(60)
    assert [jit(n) for n in (10, 50, 300)] == [doubling(n) for n in (10, 50, 300)]
    assert jit.wait(60)
    exits = [site for site in jit.compiler.sites if site.split and site.cases]
    assert exits and jit.stats["compile bridge"] >= 1
    assert any(_transfers(c.graph) for site in exits for c in site.cases.values())
    for site in exits:
        for case in site.cases.values():
            assert case.native.tier == ("light" if _transfers(case.graph) else "cheap")
            targets = [site.native_targets[i] for i in range(site.native_count.value)]
            assert case.native.address in targets
    assert [jit(n) for n in (7, 1000)] == [doubling(n) for n in (7, 1000)]


def test_every_jit_of_the_process_shares_one_worker_thread():
    """A JIT lives as long as its baseline's native code (which refers to
    it): a thread per JIT leaked one thread per JIT."""
    import threading
    first = make_jit(doubling, threshold=2)
    assert first(40) == doubling(40) and first.wait(60)
    before = threading.active_count()
    for n in range(5):
        jit = make_jit(doubling, threshold=2)
        assert jit(40 + n) == doubling(40 + n) and jit.wait(60)
    assert threading.active_count() == before
    assert [t.name for t in threading.enumerate()].count("timeshift-jit_0") == 1


EXIT = """
import sys, time
from timeshifter.worker import Worker

def compile_slowly():
    time.sleep(0.5)
    print("compiled", flush=True)

worker = Worker()
for _ in range(5):
    worker.submit(compile_slowly)
time.sleep(0.2)
print("leaving", flush=True)
"""


def test_at_exit_the_compiles_not_started_are_dropped():
    """A program that ends while compiles are queued waits for the running
    one only (LLVM cannot be stopped midway), not for the queue."""
    import subprocess
    from pathlib import Path
    out = subprocess.run([sys.executable, "-c", EXIT], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["leaving", "compiled"]


FORK = """
import os, threading
from examples import interpreters as ex
from timeshifter import make_jit

release = threading.Event()
jit = make_jit(ex.interpret, green=["bytecode"], threshold=10)
compile_now = jit._compile

def held(*args):                 # the parent's compile is running at the fork
    release.wait(30)
    return compile_now(*args)
jit._compile = held
print("parent", jit(ex.SQUARE, 300), flush=True)
pid = os.fork()
if pid == 0:
    jit._compile = compile_now
    lost = jit.wait(10)
    results = [jit(ex.SQUARE, n) for n in (300, 71)]
    print("child", lost, results, jit.wait(10), jit.stats["loops"], flush=True)
    os._exit(0)
release.set()
_, status = os.waitpid(pid, 0)
print("parent", jit.wait(10), jit.stats["loops"], os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_forked_child_compiles_in_a_worker_thread_of_its_own():
    """A child of fork() has none of the parent's threads: what the parent's
    worker was compiling is forgotten (its key counts again), waits return,
    and the child compiles in a thread of its own; results stay CPython's."""
    import subprocess
    from pathlib import Path
    out = subprocess.run([sys.executable, "-c", FORK], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["parent 90000", "child True [90000, 5041] True 1",
                                       "parent True 1 0"]

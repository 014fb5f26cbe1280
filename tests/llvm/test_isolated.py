"""LLVM's optimiser in a helper process for big modules (rgen/llvm/isolated.py):
a pass that asserts kills the helper, not the user's process."""

import sys
import warnings

import pytest

import flowgraph
import rgen
from examples import interpreters as ex
from rgen.llvm import isolated
from tests.llvm.guard_programs import spin
from timeshifter import make_compiler


@pytest.fixture
def helper(monkeypatch):
    """Every module goes to a fresh helper running `command` (default: the real one)."""
    def use(command=None, timeout=isolated.TIMEOUT_SECONDS):
        monkeypatch.setattr(isolated, "ISOLATE_BLOCKS", 1)
        monkeypatch.setattr(isolated, "TIMEOUT_SECONDS", timeout)
        monkeypatch.setattr(isolated, "_helper", isolated._Helper(command))
        return isolated._helper
    yield use
    isolated._helper.stop()


def compile_fresh(func):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        native = rgen.compile_graph(flowgraph.build_graph(func))
    return native, [str(w.message) for w in caught if w.category is isolated.OptimiserCrashWarning]


def test_the_helper_optimises_as_this_process_does(helper):
    """The helper runs jit.BIG_PIPELINES: its text is what they make here."""
    import llvmlite.binding as llvm
    from rgen.llvm import jit
    helper()
    native, warned = compile_fresh(spin)
    assert warned == [] and native(1000) == spin(1000)
    for kind in ("big", "deep"):
        there = isolated._helper.optimise(native.llvm_ir, isolated.TIMEOUT_SECONDS, kind)
        here = llvm.parse_assembly(native.llvm_ir)
        jit.optimize_big(here, kind)
        assert there == str(here)


def test_a_helper_that_aborts_leaves_correct_code_and_a_warning(helper):
    helper([sys.executable, "-c", "import os; os.abort()"])
    native, warned = compile_fresh(spin)
    assert native(1000) == spin(1000)
    assert len(warned) == 1
    assert warned[0].startswith("rgen.llvm: LLVM's optimiser failed on module 'spin.")
    assert "EOFError: the helper process ended; killed by signal 6" in warned[0]
    assert warned[0].endswith("compiled with the safe pipeline (sroa, instruction_combine, "
                              "dead_code_elimination) instead: the code is correct but may "
                              "run slower")


def test_a_helper_that_hangs_is_stopped_after_the_timeout(helper):
    helper([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    native, warned = compile_fresh(spin)
    assert native(10) == spin(10)
    assert len(warned) == 1 and "TimeoutError: no answer within 0.5 s" in warned[0]


def test_a_bracket_nest_2000_deep_compiles_with_default_options():
    """`,[[[...-]]]` 2,000 deep: 36,000 LLVM blocks on which O2's (and
    BIG_PASSES') early simplifycfg asserts ("Iterative simplification didn't
    converge") and aborted the process (issue 10 item 6); a nest that deep
    takes DEEP_PASSES, which fold it first (issue 11: with default options)."""
    from flowgraph.interp.names import loop_nesting
    from rgen.llvm import jit
    program = "," + "[" * 2000 + "-" + "]" * 2000
    res = make_compiler(ex.bf, green=["program"]).specialize(program)
    assert loop_nesting(res.graph.startblock, jit.DEEP_NESTING) == jit.DEEP_NESTING + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", isolated.OptimiserCrashWarning)
        res.native
    for inp in ("\x05", "\x00", "\xff"):
        assert res(inp) == ex.bf(program, inp)


def test_pieces_go_to_the_helper_as_they_are_made(helper, monkeypatch):
    """A big function's pieces (rgen/split.py), a module each, are optimised
    and made into machine code by the helper while the next is emitted."""
    import rgen.split
    from tests.llvm.test_split import pieces_of, three_loops
    monkeypatch.setattr(rgen.split, "PIECE_OPS", 2)
    sent = []
    batch_send = isolated.Batch.send
    monkeypatch.setattr(isolated.Batch, "send",
                        lambda self, kind, text, polled=(): (sent.append(kind),
                                                             batch_send(self, kind, text,
                                                                        polled)))
    helper()
    native, warned = compile_fresh(three_loops)
    assert warned == [] and pieces_of(native) >= 3 and len(sent) == pieces_of(native) + 1
    assert [native(n) for n in (0, 5, 6, 40)] == [three_loops(n) for n in (0, 5, 6, 40)]


@pytest.mark.parametrize("command, timeout, why", [
    ([sys.executable, "-c", "import os; os.abort()"], isolated.TIMEOUT_SECONDS,
     "EOFError: the helper process ended; killed by signal 6"),
    ([sys.executable, "-c", "import time; time.sleep(60)"], 0.5,
     "TimeoutError: no answer within 0.5 s"),
], ids=["aborts", "hangs"])
def test_a_helper_that_fails_on_pieces_leaves_correct_code_and_a_warning(
        helper, monkeypatch, command, timeout, why):
    import rgen.split
    from tests.llvm.test_split import three_loops
    monkeypatch.setattr(rgen.split, "PIECE_OPS", 2)
    helper(command, timeout=timeout)
    monkeypatch.setattr(isolated, "ISOLATE_BLOCKS", 10**9)    # then each compiled here
    native, warned = compile_fresh(three_loops)
    assert [native(n) for n in (0, 5, 6, 40)] == [three_loops(n) for n in (0, 5, 6, 40)]
    assert len(warned) == 1
    assert warned[0].startswith("rgen.llvm: the helper process failed on the pieces of "
                                "'three_loops': ")
    assert why in warned[0] and warned[0].endswith("each is compiled in this process instead")


def test_a_hung_helper_does_not_hold_up_a_big_send(helper):
    """A module bigger than the pipe holds, sent to a helper that reads
    nothing: the timeout ends the wait, the write fails, no hang."""
    helper([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    with isolated.Batch() as batch:
        batch.send("big", "; " + "x" * (4 << 20))
        assert batch.results() is None
    assert "TimeoutError: no answer within 0.5 s" in isolated._helper.failure

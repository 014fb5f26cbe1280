"""`make_jit` (issue 13, first slice): the baseline tier counts passes at
`can_enter_jit` per green key of the global merge point that follows, and at
`threshold` the loop is compiled from the merge point and the call goes on in
native code with the interpreter's values.  Events, statistics, the
compiled loop's operations and results against CPython; the errors for
missing or misplaced hints."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examples import interpreters as ex
from hintannotator import HintError, hint
from tests.differential import assert_same_outcome, outcome
from tests.strategies import Features, load, oracle, programs
from timeshifter import TimeshiftError, make_compiler, make_jit


def doubling(n: int) -> int:
    total = 0
    n1 = 0
    while n > 0:
        hint(None, global_merge_point=True)
        total += n1
        n1 = 2 * n
        n -= 1
        hint(None, can_enter_jit=True)
    return total


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_a_loop_is_counted_compiled_paused_at_its_split_then_bridged(baseline):
    """The issue's sequence: 7 passes not entered, the loop compiled at the
    8th, its red split `n > 0` an exit (pause at split); native runs and
    fallbacks alternate until the exit's side is hot (bridge_threshold 3),
    a bridge is compiled, and native code runs to the loop's end, whose
    cold side (leaving the loop) the fallback runs to the return."""
    jit = make_jit(doubling, baseline=baseline, threshold=8, bridge_threshold=3,
                   record_events=True)
    assert jit(20) == doubling(20) == 418
    assert jit.events == (["not entered"] * 7 + ["compile loop", "pause at split", "run native"]
                          + ["fallback", "resume native"] * 2
                          + ["compile bridge", "fallback", "done"])
    assert (jit.stats["loops"], jit.stats["passes counted"]) == (1, 8)
    jit.events.clear()
    assert jit(30) == doubling(30)          # the same (empty) green key: native at once
    assert jit.events == ["run native", "fallback", "done"]
    assert jit.stats["loops"] == 1


def test_an_exit_below_its_bridge_threshold_runs_in_the_fallback():
    jit = make_jit(doubling, threshold=2, bridge_threshold=1000, record_events=True)
    assert jit(10) == doubling(10)
    assert jit.events.count("compile bridge") == 0
    assert jit.events.count("fallback") == jit.events.count("resume native") + 1


@pytest.mark.parametrize("threshold", [1, 2, 7, 50])
@pytest.mark.parametrize("bridge_threshold", [1, 2, 200])
def test_results_never_depend_on_the_thresholds(threshold, bridge_threshold):
    jit = make_jit(doubling, threshold=threshold, bridge_threshold=bridge_threshold)
    for n in (0, 1, 2, 6, 7, 8, 9, 40, -3, 3000):
        assert jit(n) == doubling(n), n


def test_a_loop_shorter_than_the_threshold_is_never_compiled():
    jit = make_jit(doubling, threshold=8, record_events=True)
    assert [jit(n) for n in (3, 5)] == [doubling(3), doubling(5)]
    assert jit.stats["loops"] == 0 and jit.residual_graphs() == []
    # n iterations pass can_enter_jit n times; the last reaches no merge point
    assert jit.events == ["not entered"] * 2 + ["done"] + ["not entered"] * 4 + ["done"]


def op_counts(graph) -> dict:
    counts: dict = {}
    for op in graph.iteroperations():
        counts[op.opname] = counts.get(op.opname, 0) + 1
    return counts


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_the_register_machine_compiles_its_guest_loop(baseline):
    """SQUARE's guest loop, compiled at its third pass: the body holds the
    guest's two additions and the jump's truth test, whose exit is the
    bridge back to the loop; nothing of the interpreter."""
    jit = make_jit(ex.interpret, baseline=baseline, green=["bytecode"], threshold=3,
                   bridge_threshold=2, record_events=True)
    assert jit(ex.SQUARE, 71) == ex.interpret(ex.SQUARE, 71) == 5041
    assert jit.events == ["not entered"] * 2 + [
        "compile loop", "pause at split", "run native", "fallback", "resume native",
        "compile bridge", "fallback", "done"]
    entry, bridge, loop = jit.residual_graphs()
    assert op_counts(loop) == {"list_getitem": 4, "list_setitem": 2, "int_add": 2,
                               "int_is_true": 1, "promote": 1}
    # the interpreter enters the loop, and the bridge goes back to it, through
    # a tail call: the loop is compiled once
    for g in (entry, bridge):
        (op,) = g.iteroperations()
        assert (op.opname, op.args[0].value) == ("tail_call", loop)
    assert all(jit(ex.SQUARE, a) == a * a for a in (1, 2, 5, 300))


def test_each_guest_program_has_its_own_loops():
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=2, background=False)
    double = ex._program(ex.SET_A, 0, ex.RETURN_A)
    assert jit(ex.SQUARE, 9) == 81
    assert jit(double, 9) == 0
    assert jit(ex.SQUARE, 12) == 144
    assert jit(ex.TRIPLE_MINUS_ONE, 5) == ex.interpret(ex.TRIPLE_MINUS_ONE, 5)
    assert jit.stats["loops"] == 1
    (key, counts), = jit.stats_by_key().items()     # the one guest loop counted
    assert key[0] == ((str, ex.SQUARE),)
    # counted natively: the first call back comes at the threshold, with both passes
    assert (counts["not entered"], counts["compile loop"], counts["run native"]) == (0, 1, 2)
    assert jit.stats["passes counted"] == 2


def test_an_error_in_compiled_code_is_the_interpreters():
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=1)
    bad = ex.SQUARE[:-1] + chr(99)          # an unknown opcode where RETURN_A was
    with pytest.raises(ValueError, match="bad opcode"):
        ex.interpret(bad, 4)
    with pytest.raises(ValueError, match="bad opcode"):
        jit(bad, 4)


def no_merge_point(n: int) -> int:
    while n > 0:
        n -= 1
    return n


def uncounted(n: int) -> int:
    while n > 0:
        hint(None, global_merge_point=True)
        n -= 1
    return n


def jumps_nowhere(n: int) -> int:
    hint(None, can_enter_jit=True)
    return n


def test_missing_hints_are_clear_errors():
    with pytest.raises(TimeshiftError, match=r"make_jit\(no_merge_point\) at .*test_jit.py:\d+: "
                       r"the function has no global merge point"):
        make_jit(no_merge_point)
    with pytest.raises(TimeshiftError, match=r"the global merge point at .*test_jit.py:\d+ is "
                       r"never counted: no hint\(None, can_enter_jit=True\) in uncounted"):
        make_jit(uncounted)
    with pytest.raises(HintError, match=r"can_enter_jit=True\) at .*test_jit.py:\d+ is not "
                       r"followed by a global merge point"):
        make_jit(jumps_nowhere)


def test_bad_options():
    with pytest.raises(ValueError, match="threshold must be an int >= 1, have 0"):
        make_jit(doubling, threshold=0)
    with pytest.raises(ValueError, match="baseline must be one of 'native', 'graph', have 'fast'"):
        make_jit(doubling, baseline="fast")
    with pytest.raises(TypeError, match="unknown option"):
        make_jit(doubling, treshold=3)


def test_the_jits_options():
    """JIT mode: lazy splits, value guards tracking at most 5 values, the
    bridge threshold given; make_compiler keeps its eager defaults."""
    options = make_jit(doubling, bridge_threshold=9).compiler.options
    assert (options.lazy_splits, options.promote_tracked, options.bridge_threshold) == (
        True, 5, 9)
    options = make_compiler(doubling).options
    assert (options.lazy_splits, options.promote_tracked) == (False, 8)


def test_under_cpython_the_hint_does_nothing():
    assert hint(None, can_enter_jit=True) is None
    assert doubling(4) == 18


# -- the accumulator language (greens: the program, and pc through the opcode) --------

@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_the_accumulator_language_computes_factorial_with_threshold_3(baseline):
    jit = make_jit(ex.accumulator, baseline=baseline, green=["code"], threshold=3,
                   bridge_threshold=3, record_events=True)
    assert jit(ex.ACC_FACTORIAL, 10) == ex.accumulator(ex.ACC_FACTORIAL, 10) == 3628800
    assert jit.events == ["not entered"] * 2 + [
        "compile loop", "pause at split", "run native"] + ["fallback", "resume native"] * 2 + [
        "compile bridge", "fallback", "done"]
    assert [jit(ex.ACC_FACTORIAL, n) for n in range(1, 8)] == [1, 2, 6, 24, 120, 720, 5040]


def test_the_prime_tester_takes_fewer_than_20_events():
    jit = make_jit(ex.accumulator, green=["code"], threshold=3, bridge_threshold=3,
                   record_events=True)
    assert jit(ex.ACC_PRIME, 127) == 1
    assert len(jit.events) < 20
    assert jit.events.count("compile loop") == 1
    primes = [n for n in range(3, 80) if jit(ex.ACC_PRIME, n)]
    assert primes == [n for n in range(3, 80) if ex.accumulator(ex.ACC_PRIME, n)]
    assert primes[:6] == [3, 5, 7, 11, 13, 17]


@pytest.mark.parametrize("threshold, bridge_threshold", [(1, 1), (2, 2), (7, 1), (7, 200)])
def test_brainfuck_under_the_jit_agrees_with_cpython(threshold, bridge_threshold):
    jit = make_jit(ex.bf, green=["program"], threshold=threshold,
                   bridge_threshold=bridge_threshold)
    for program, inp in ((ex.BF_MUL, "\x05\x07"), (ex.BF_ADD, "\x03\x04"),
                         (ex.BF_REVERSE, "abc"), (ex.BF_COUNTDOWN, ""), (ex.BF_MUL, "\x0c\x0b")):
        assert jit(program, inp) == ex.bf(program, inp), (program, inp)


# -- random programs -----------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(programs(features=Features(merge_points=True)), st.data())
def test_random_programs_under_the_jit_agree_with_cpython(program, data):
    """Random programs whose entry loops have a merge point and can_enter_jit,
    run under make_jit with thresholds 1, 2 or 7 and bridge thresholds 1, 2
    or 200, for a random choice of green parameters: the same value or
    exception type as CPython with 64-bit wrap-around, call after call."""
    check_under_jit(program, data)


@settings(max_examples=40, deadline=None)
@given(programs(features=Features(floats=True, lists=True, strings=True, classes=True,
                                  merge_points=True)), st.data())
def test_random_programs_with_floats_lists_classes_strings_under_the_jit(program, data):
    check_under_jit(program, data)


def check_under_jit(program, data):
    func = getattr(load(program), program.name)
    expected_func = oracle(program)
    n = len(program.params)
    green = sorted(data.draw(st.sets(st.integers(0, n - 1)), label="green parameter indices"))
    threshold = data.draw(st.sampled_from([1, 2, 7]), label="threshold")
    baseline = data.draw(st.sampled_from(["native", "graph"]), label="baseline")
    bridge = data.draw(st.sampled_from([1, 2, 200]), label="bridge_threshold")
    background = data.draw(st.booleans(), label="background")
    # 1: each call's green key drops the others' code (no two keys fit)
    max_code_ops = data.draw(st.sampled_from([None, 1, 20]), label="max_code_ops")
    try:
        jit = make_jit(func, green=green, threshold=threshold, bridge_threshold=bridge,
                       baseline=baseline, background=background, max_code_ops=max_code_ops,
                       max_states_per_merge=64)
    except (TimeshiftError, HintError) as exc:
        # a constant condition (`if 5: break`) left the loop or its
        # can_enter_jit unreachable: the builder dropped them, and make_jit
        # says so
        assert any(m in str(exc) for m in ("has no global merge point", "is never counted",
                                           "is not at the head of a loop")), str(exc)
        return
    calls = data.draw(st.lists(program.args, min_size=1, max_size=4), label="args")
    for args in calls + (calls if background else []):
        what = (f"{program.name}{args!r}, green {green}, thresholds {threshold}/{bridge}, "
                f"{baseline} baseline{', background' if background else ''}, "
                f"max_code_ops {max_code_ops}, of\n{program.source}")
        assert_same_outcome(outcome(expected_func, args), outcome(jit, args), what)
        if background and args is calls[-1]:
            assert jit.wait(60)         # the same calls again, with what was compiled


# -- only the hot path is compiled -----------------------------------------------------

COLD = "II*W%I?" * 6                    # never runs: a is 0 at its {
CHECKED_COUNTDOWN = "R{W%{" + COLD + "}SD}"    # a = n % n is 0: the error check's test


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_a_cold_error_check_gets_no_code(baseline):
    """A guest loop of 1,000,000 iterations whose error check never runs:
    the JIT's residual code holds at least 3x fewer operations than eager
    specialisation's, none of the cold block (its 6 multiplications)."""
    assert ex.accumulator(CHECKED_COUNTDOWN, 50) == 0
    eager = make_compiler(ex.accumulator, green=["code"]).specialize(CHECKED_COUNTDOWN)
    eager_ops = sum(eager.op_counts().values())
    assert eager.op_counts()["int_mul"] >= 6       # the cold block is compiled eagerly
    jit = make_jit(ex.accumulator, baseline=baseline, green=["code"], threshold=100,
                   bridge_threshold=200)
    assert jit(CHECKED_COUNTDOWN, 1_000_000) == 0
    graphs = jit.residual_graphs()
    lazy_ops = sum(sum(1 for _ in g.iteroperations()) for g in graphs)
    assert eager_ops >= 3 * lazy_ops, (eager_ops, lazy_ops)
    assert not any(op.opname == "int_mul" for g in graphs for op in g.iteroperations())
    assert [jit(CHECKED_COUNTDOWN, n) for n in (0, 1, 7)] == [0, 0, 0]


def test_an_exit_hot_within_one_call_is_bridged_before_its_threshold():
    """Native code, its exit's fallback, native code again...: 16 nested
    fallback runs in one call make the side hot (else the nesting would stop
    entering native code and interpret the rest)."""
    jit = make_jit(doubling, threshold=10, bridge_threshold=10**6, record_events=True)
    assert jit(100_000) == doubling(100_000)
    assert jit.events.count("compile bridge") == 1
    assert jit.events.count("fallback") <= 18


def phases(n: int) -> int:
    i = 0
    a = 0
    b = 0
    while i < n:
        hint(None, global_merge_point=True)
        if i < n // 2:
            a += i
        else:
            b += 2 * i
        i += 1
        hint(None, can_enter_jit=True)
    return a * 3 + b


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_a_phase_change_is_bridged_too(baseline):
    """The hot path changes halfway: the second phase's side, an exit while
    the first ran, becomes hot and is bridged; both phases end in native code.
    (With eager_simple_splits off: the phase test is a simple if-else.)"""
    jit = make_jit(phases, baseline=baseline, threshold=5, bridge_threshold=5, record_events=True,
                   eager_simple_splits=False)
    assert jit(1000) == phases(1000)
    assert jit.events.count("compile bridge") == 3     # stay in the loop, then each phase
    assert jit.events.count("fallback") < 20
    assert [jit(n) for n in (0, 1, 2, 3, 10, 2000)] == [phases(n) for n in (0, 1, 2, 3, 10, 2000)]


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_a_simple_if_else_is_compiled_eagerly(baseline):
    """By default an if-else whose arms are one simple block each is no exit:
    both phases run in the loop compiled once; the one bridge is the loop's
    own condition (staying in the loop), after bridge_threshold fallbacks."""
    jit = make_jit(phases, baseline=baseline, threshold=5, bridge_threshold=5, record_events=True)
    assert jit(1000) == phases(1000)
    assert (jit.events.count("compile loop"), jit.events.count("compile bridge")) == (1, 1)
    assert jit.events.count("fallback") == 5
    assert [jit(n) for n in (0, 1, 2, 3, 10, 2000)] == [phases(n) for n in (0, 1, 2, 3, 10, 2000)]
    ops = sum(1 for g in jit.residual_graphs() for _ in g.iteroperations())
    lazy = make_jit(phases, baseline=baseline, threshold=5, bridge_threshold=5,
                    eager_simple_splits=False, background=False)
    assert lazy(1000) == phases(1000)
    assert sum(1 for g in lazy.residual_graphs() for _ in g.iteroperations()) > ops


def test_the_native_baseline_allocates_its_stack_once():
    """Every alloca of the baseline's functions is in their entry block: one
    in the merge point's call (run every guest iteration) grew the stack
    until a million iterations crashed the process."""
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=10**9)
    assert jit(ex.SQUARE, 3000) == 9_000_000
    function, block = None, None
    for line in jit._native.llvm_ir.splitlines():
        if line.startswith("define "):
            function, block = line, "entry"
        elif line and not line.startswith((" ", "}", ";")) and line.rstrip().endswith(":"):
            block = line
        elif " = alloca " in line:
            assert block in ("entry", "entry:"), (function, block, line)
    assert jit.stats["passes counted"] == 0          # counted natively, never called back


@pytest.mark.parametrize("threshold", [1, 50, 2999, 3000])
def test_the_native_baseline_counts_natively_and_calls_back_once_hot(threshold):
    """2,999 passes of SQUARE's loop: no call back below the threshold; at it,
    one call with all the passes, the loop compiled and run natively; the
    next call's 6 passes go on from the count."""
    jit = make_jit(ex.interpret, green=["bytecode"], threshold=threshold, background=False)
    assert jit(ex.SQUARE, 3000) == 9_000_000
    hot = threshold <= 2999
    assert (jit.stats["passes counted"], jit.stats["loops"]) == (threshold if hot else 0, hot)
    assert jit(ex.SQUARE, 7) == 49 and jit.stats["loops"] == 1   # the count goes on

"""The residual-size bound error names the line whose operation crossed the
bound, and suggests what fits: a merge point or `variable=True` for loops, a
larger `max_residual_ops` for straight-line code (exact messages)."""

import inspect

import pytest

from hintannotator import hint
from timeshifter import TimeshiftError, make_compiler


def straight(x: int, y: int) -> int:
    a = y
    a = a * x + 1          # residual operations 1, 2
    a = a * x + 2          # 3, 4
    a = a * x + 3          # 5, 6
    a = a * x + 4          # 7, 8: the bound 7 is crossed here
    a = a * x + 5
    return a


def unrolled(x: int, y: int) -> int:
    hint(x, concrete=True)
    tot = 0
    while x:
        tot += y * x
        x -= 1
    return tot


def line_of(func, text: str) -> int:
    lines, first = inspect.getsourcelines(func)
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_straight_line_code_names_the_line_and_the_bound_to_raise():
    comp = make_compiler(straight, max_residual_ops=7)
    with pytest.raises(TimeshiftError) as info:
        comp.specialize()
    line = line_of(straight, "a * x + 4")
    assert str(info.value) == (
        f"straight: the specialisation emitted more than 7 residual operations (option "
        f"max_residual_ops) at {__file__}:{line}. Hint that helps: the code is "
        f"straight-line (no loop for a merge point to close), so it needs a larger "
        f"bound: max_residual_ops=14 or more.")
    assert make_compiler(straight, max_residual_ops=14).specialize().interpret(2, 3) == \
        straight(2, 3)


def test_unrolled_loop_names_the_line_in_the_loop_and_suggests_a_merge_point():
    comp = make_compiler(unrolled, green=["x"], max_residual_ops=50)
    with pytest.raises(TimeshiftError) as info:
        comp.specialize(1000)
    line = line_of(unrolled, "tot += y * x")
    assert str(info.value) == (
        f"unrolled: the specialisation emitted more than 50 residual operations (option "
        f"max_residual_ops) at {__file__}:{line}. Hint that helps: a global merge point "
        f"at the interpreter loop so that loops close, or hint(x, variable=True) to stop "
        f"unrolling over a value.")


def test_the_bounds_grow_with_the_green_inputs():
    """A Brainfuck program of 3,016 characters (about 1,070 loops) has more
    program counters than the default 2,000 states per merge point; the
    bounds are 4 states and 8 operations per green item, at least the
    options', so it specialises with default options (it was rejected with
    "more than 2000 different green states")."""
    from bench.bench_scaling import bf_loops
    from examples import interpreters as ex
    program = bf_loops(3000)
    res = make_compiler(ex.bf, green=["program"]).specialize(program)
    assert res.interpret("") == ex.bf(program, "")


def test_a_30000_instruction_program_with_default_options():
    """The compile-time issue's acceptance: 30,000 Brainfuck instructions
    (straight line, the pointer within the tape) specialise and compile with
    default options, natively equal to CPython (about 2 s: the loop-heavy
    kind takes 20, bench/bench_scaling.py measures it)."""
    from bench.bench_scaling import bf_line
    from examples import interpreters as ex
    program = bf_line(30000)
    assert len(program) == 30000
    res = make_compiler(ex.bf, green=["program"]).specialize(program)
    assert res.native("") == ex.bf(program, "")


def test_a_scaled_bound_says_how_it_was_raised():
    def counting(code: str, n: int) -> int:
        i = 0
        while i < n:
            hint(None, global_merge_point=True)
            i = hint(i + len(code), concrete=True)
        return i
    comp = make_compiler(counting, green=["code"])
    with pytest.raises(TimeshiftError) as info:
        comp.specialize("x" * 1000)
    assert ("more than 4000 different green states (option max_states_per_merge=2000, "
            "raised to 4 per item of the green inputs, 1000 items)") in str(info.value)

"""Specialisation warnings that point at a missing hint (issue 15, item 3)."""

import warnings

import pytest

from examples import EXAMPLES
from examples.arith import collatz_steps
from examples.guide import calc, calc_concrete
from hintannotator import dont_look_inside, hint
from timeshifter import SpecializationWarning, make_compiler


@pytest.mark.parametrize("x", [0, 3, -7])
def test_a_green_program_read_at_a_run_time_index_is_said_once(x):
    """The guide's calculator, whose program counter is red (docs/guide.md,
    section 2): every instruction is read from the green program at run time."""
    comp = make_compiler(calc, green=["code"])
    with pytest.warns(SpecializationWarning) as caught:
        res = comp.specialize("dd*+")
    line = calc.__code__.co_firstlineno + 6                      # c = code[pc]
    message = (
        f"calc() line {line}: the residual code reads the green 'code' at a run-time "
        "index (str_getitem): what it reads is not known at compile time, so the dispatch on "
        "it is not folded; make the index green where it is computed (hint(pc, "
        "concrete=True) on an interpreter's program counter) or promote what is read "
        "(hint(code[i], promote=True))")
    stack = (f"calc() line {line - 1}: the list 'stack' became a real list at this loop "
             "head: it was longer at each visit with the same green values (it grows with the "
             "loop); if it grows with the guest program, pass it in as an argument")
    assert [str(w.message) for w in caught] == [stack, message]
    assert comp.report() == [stack, message]
    assert comp.explain("code").splitlines()[-1] == "When specialised: " + message
    assert res(x) == res.interpret(x) == calc("dd*+", x)
    assert res.op_counts()["str_getitem"] == 1


def test_the_hint_that_folds_the_dispatch_silences_it():
    comp = make_compiler(calc_concrete, green=["code"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        res = comp.specialize("dd*+")
    assert comp.report() == [] and "str_getitem" not in res.op_counts()
    assert res(5) == res.interpret(5) == calc_concrete("dd*+", 5) == 5 * 5 + 5


def unrolled(n: int, x: int) -> int:
    """A loop unrolled over the green n: one merge state per value of i."""
    i = hint(0, concrete=True)
    while i < n:
        x = x * 3 + i
        i = hint(i + 1, concrete=True)
    return x


@pytest.mark.parametrize("n, said", [(0, False), (7, False), (8, True), (9, True)])
def test_a_merge_point_near_the_bound_on_green_states_is_said(n, said):
    """Past 80% of max_states_per_merge (10 here: said at the 9th state, for
    n = 8), before the bound's error (n = 10)."""
    comp = make_compiler(unrolled, green=["n"], max_states_per_merge=10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpecializationWarning)
        res = comp.specialize(n)
    line = unrolled.__code__.co_firstlineno + 3                   # the loop head
    message = (f"unrolled() line {line}: this merge point was reached with 9 different green "
               "states, 80% of the bound (max_states_per_merge: 10): a green value may change "
               "without bound (a counter); hint(x, variable=True) on a value that should stay "
               "a run-time value, or raise max_states_per_merge if the program is that long")
    assert [str(w.message) for w in caught] == ([message] if said else [])
    assert res(5) == res.interpret(5) == unrolled(n, 5)


@dont_look_inside
def weight(code: str, pc: int, scale: int) -> int:
    return (ord(code[pc]) - 48) * scale


def weighted(code: str, x: int) -> int:
    """A call kept residual (dont_look_inside) that gets the green program and
    program counter, and a literal."""
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        x = x * weight(code, pc, 2) + 1
        pc = hint(pc + 1, concrete=True)
    return x


def weighted_inline(code: str, x: int) -> int:
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        x = x * ((ord(code[pc]) - 48) * 2) + 1
        pc = hint(pc + 1, concrete=True)
    return x


def test_a_residual_call_given_green_variables_is_said_once():
    comp = make_compiler(weighted, green=["code"])
    with pytest.warns(SpecializationWarning) as caught:
        res = comp.specialize("123")
    line = weighted.__code__.co_firstlineno + 6                   # the call
    message = (f"weighted() line {line}: the call of weight() stays in the residual code "
               "(dont_look_inside) and passes it the green 'code' and 'pc': weight() is not "
               "specialised for them, so what it computes from them is computed again at each "
               "call; drop @dont_look_inside from weight() to inline it and fold that")
    assert [str(w.message) for w in caught] == [message]       # once, for three calls
    assert comp.report() == [message]
    assert comp.explain("pc").splitlines()[-1] == "When specialised: " + message
    assert res.op_counts()["direct_call"] == 3
    assert res(5) == res.interpret(5) == weighted("123", 5)
    # inlined, the same computation folds: no call, no warning
    comp = make_compiler(weighted_inline, green=["code"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        res = comp.specialize("123")
    assert "direct_call" not in res.op_counts() and res(5) == weighted_inline("123", 5)


def only_red_arguments(code: str, x: int) -> int:
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        x = weight("7", 0, x)          # literals and a red value: nothing to fold
        pc = hint(pc + 1, concrete=True)
    return x


def test_literals_given_to_a_residual_call_are_not_said():
    comp = make_compiler(only_red_arguments, green=["code"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        res = comp.specialize("ab")
    assert res(3) == res.interpret(3) == only_red_arguments("ab", 3)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.green and e.bench is not None],
                         ids=lambda e: e.name)
def test_no_warning_on_the_examples_that_are_specialised_well(example):
    params = example.func.__code__.co_varnames[:example.func.__code__.co_argcount]
    greens = [a for p, a in zip(params, example.bench) if p in example.green]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        make_compiler(example.func, green=list(example.green)).specialize(*greens)


def walk(code: str, pos: int, x: int) -> int:
    while pos < len(code):
        c = code[pos]
        if c == "+":
            x += 1
        elif c == "*":
            x *= 2
        pos += 1
    return x


def walk_from_a_literal(code: str, x: int) -> int:
    return walk(code, 0, x)


def walk_from_a_green_literal(code: str, x: int) -> int:
    return walk(code, hint(0, concrete=True), x)


def test_a_literal_given_to_a_parameter_that_indexes_the_green_program_is_said():
    with pytest.warns(SpecializationWarning) as caught:
        comp = make_compiler(walk_from_a_literal, green=["code"])      # said here
        res = comp.specialize("+*+")
    line = walk_from_a_literal.__code__.co_firstlineno + 1
    message = (f"walk_from_a_literal() line {line}: the literal 0 passed to walk()'s parameter "
               "'pos' is a run-time value (a literal is red unless hinted), so walk() reads the "
               "green 'code' at a run-time index; write hint(0, concrete=True) there to make "
               "'pos' green and fold those reads")
    assert str(caught[0].message) == message
    assert comp.report()[0] == message
    assert comp.explain("pos").splitlines()[-1] == "When specialised: " + message
    assert res.op_counts()["str_getitem"] == 1
    assert res(5) == res.interpret(5) == walk_from_a_literal("+*+", 5) == 13
    # the hint it gives folds the reads and silences it
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        res = make_compiler(walk_from_a_green_literal, green=["code"]).specialize("+*+")
    assert "str_getitem" not in res.op_counts() and res(5) == 13


def add_times(k: int, n: int) -> int:
    """k green: the residual code is a loop adding k, n times."""
    t = 0
    while n > 0:
        t += k
        n -= 1
    return t


def test_report_says_which_compiled_loops_llvm_folded_into_a_closed_form():
    """Said in comp.report() (not warned: the hints are right), once native
    code exists, for the specialisation whose loop has none left; a loop
    LLVM keeps (collatz_steps) and code not compiled yet are not said."""
    comp = make_compiler(add_times, green=["k"])
    res = comp.specialize(7)
    assert comp.report() == []
    assert res(10) == add_times(7, 10) == 70
    assert comp.report() == [
        "add_times_1: LLVM folded the loop of this residual code into a closed form (its "
        "optimised code has no loop left): its time no longer depends on the iteration count, "
        "so a speed-up over the interpreter measures LLVM's folding as well as specialisation"]
    kept = make_compiler(collatz_steps)
    assert kept.specialize()(27) == collatz_steps(27) == 111
    assert kept.report() == []

"""print(...) in every mode: the text (str() of each value, `sep` between,
`end` after) is written to the `sys.stdout` of the moment when the code
runs, never while compiling; every mode writes what CPython writes."""

from __future__ import annotations

import contextlib
import io

import pytest

import flowgraph
import rgen
import timeshifter
from hintannotator import hint
from tests.flow_errors import assert_flow_error


def shout(n: int, s: str) -> int:
    i = 0
    while i < n:
        print(i, s, f"x{i}", sep="|", end=";\n")
        i += 1
    print()
    print("done", n * 1.5, i > 2, s[0] if len(s) > 0 else "-")
    return n


def countdown(code: str, n: int) -> int:
    """A guest loop that prints, for the JIT: its baseline, the compiled
    loop and the fallback all print."""
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        c = code[pc]
        if c == "p":
            print("n =", n)
        elif c == "-":
            n -= 1
        elif c == "j" and n > 0:
            pc = -1
        pc = hint(pc + 1, concrete=True)
        if pc == 0:
            hint(None, can_enter_jit=True)
    return n


def written(call, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = call(*args)
    return result, out.getvalue()


@pytest.mark.parametrize("n, s, prints", [(3, "ab", 4), (0, "", 2), (1, "\u00e9", 3)])
def test_every_mode_writes_what_cpython_writes(n, s, prints):
    g = flowgraph.build_graph(shout)
    comp = timeshifter.make_compiler(shout)
    expected = written(shout, n, s)
    for call in (lambda *a: flowgraph.run_graph(g, *a), rgen.compile_graph(g),
                 comp.specialize(), comp.specialize().interpret):
        assert written(call, n, s) == expected
    res = written(lambda: timeshifter.make_compiler(shout, green=["n"]).specialize(n))[1]
    assert res == ""                                    # nothing while compiling
    green = timeshifter.make_compiler(shout, green=["n"]).specialize(n)
    assert written(green, s) == expected
    # with n green: the first pass on its own (i is the constant 0 there: its
    # text folds to "0|" + s + "|x0;\n"), the loop's if there are more, and
    # the two after it
    assert green.op_counts()["print_str"] == prints


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_the_jit_prints_in_its_baseline_its_loop_and_its_fallback(baseline):
    jit = timeshifter.make_jit(countdown, green=["code"], threshold=2, background=False,
                               baseline=baseline)
    for code, n in [("p-j", 6), ("-pj", 4), ("p", 1)]:
        assert written(jit, code, n) == written(countdown, code, n)


def print_keyword(n: int) -> int:
    print(n, file=None)
    return n


def print_list(xs: list[int]) -> int:
    print(xs)
    return 0


@pytest.mark.parametrize("func, text, message", [
    (print_keyword, "print(", "print() takes sep= and end= with constant strs only (it "
     "writes to sys.stdout)"),
    (print_list, "print(", "print() of list[int] is not supported; it gives the text of an "
     "int, a float, a bool or a character"),
])
def test_what_stays_out_is_a_clear_error(func, text, message):
    assert_flow_error(func, text, message)

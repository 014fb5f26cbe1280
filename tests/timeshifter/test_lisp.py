"""A tree-walking interpreter with closures and recursion (examples/lisp.py):
a promotion inside a function called recursively compiles cases that return
that function's own result type (issue "Promotion that stays bounded" item 3:
it raised `finish_return: want a Value value, have ... Signed`); results
against CPython, natively and interpreted."""

import pytest

from examples import lisp
from examples.lisp import FIB, SUM_TO, parse, run
from timeshifter import make_compiler


def test_the_parser_resolves_names_to_environment_slots():
    assert parse("(+ n 1)") == [lisp.ADD, 3, 5, lisp.VAR, 0, lisp.CONST, 1]
    assert parse("(lambda (x) x)") == [lisp.LAMBDA, 1, 3, lisp.VAR, 1]
    for bad, message in (("(+ n", "missing"), ("m", "unbound name 'm'"), ("n n", "text after"),
                         (")", "unexpected")):
        with pytest.raises(SyntaxError, match=message):
            parse(bad)


def test_cpython_runs_the_programs():
    assert [run(FIB, n) for n in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]
    assert run(SUM_TO, 10) == 55


@pytest.fixture(scope="module")
def comp():
    return make_compiler(run, green=["prog"])


@pytest.mark.parametrize("mode", ["native", "interpret"])
def test_fib_through_promoted_closure_bodies(comp, mode):
    res = comp.specialize(FIB)
    call = res if mode == "native" else res.interpret
    for n in (0, 1, 2, 7, 15):
        assert call(n) == run(FIB, n)


@pytest.mark.parametrize("mode", ["native", "interpret"])
def test_a_tail_recursive_guest_loop(comp, mode):
    res = comp.specialize(SUM_TO)
    call = res if mode == "native" else res.interpret
    for n in (0, 1, 50, 200):
        assert call(n) == run(SUM_TO, n) == n * (n + 1) // 2


def test_the_cases_of_a_recursive_guest_function():
    """The promoted body is the same lambda at each of the guest's three call
    sites (the top call and two recursive ones): one case per site; the top
    call's, inlined into `run`'s residual function, returns run's int, the
    recursive ones eval_node's Value; no fallback run once compiled."""
    comp = make_compiler(run, green=["prog"])
    res = comp.specialize(FIB)
    assert res(12) == 144
    assert comp.stats["promotion cases"] == 3
    # the cases call shared residual functions: the lambda's body, and the
    # second recursive call (the continuation after the first one returns)
    assert comp.stats["shared functions"] == 2
    lam = FIB[3]                        # (lambda (self k) (if ... (+ r1 r2)))
    body = FIB[lam + 2]
    r2 = FIB[FIB[body + 3] + 2]
    assert sorted(greens[1][1] for _, _, greens in comp._specializer.host.shared_functions) == [
        body, r2]
    sites = [s for s in comp._specializer.host.sites if s.cases]
    assert sorted(s.return_type.name for s in sites) == ["Signed", "Value", "Value"]
    runs = sum(s.fallback_runs for s in comp._specializer.host.sites)
    assert res(14) == 377
    assert sum(s.fallback_runs for s in comp._specializer.host.sites) == runs

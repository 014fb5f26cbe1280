"""Promotion: run-time values become compile-time ones through promotion sites,
the fallback interpreter and compiled cases; every result checked against CPython."""

import logging
import random

import pytest

from hintannotator import hint
from timeshifter import make_compiler


@pytest.fixture(params=["interpret", "native"])
def mode(request):
    return request.param


def runner(res, mode):
    return res.interpret if mode == "interpret" else res


def case_counts(site, value) -> dict:
    counts = {}
    for op in site.case_for(value).graph.iteroperations():
        if op.opname != "same_as":
            counts[op.opname] = counts.get(op.opname, 0) + 1
    return counts


def promote_simple(n: int) -> int:
    k = hint(n, promote=True)
    k = (k + 1) * 2
    return hint(k, variable=True)


def test_promote_simple(mode):
    comp = make_compiler(promote_simple)
    res = comp.specialize()
    run = runner(res, mode)
    assert run(20) == promote_simple(20)
    site = comp.sites[0]
    assert case_counts(site, 20) == {}        # returns the constant 42
    for n in range(-50, 50):
        assert run(n) == promote_simple(n)


def promote_loop(n: int) -> int:
    total = 0
    while n > 0:
        hint(None, global_merge_point=True)
        k = hint(n, promote=True)
        total += hint(k * k, variable=True)
        n -= 1
    return total


def test_promote_in_loop_with_merge_point(mode):
    comp = make_compiler(promote_loop)
    res = comp.specialize()
    assert runner(res, mode)(10) == 385
    for site in comp.sites:
        for case in site.cases.values():
            assert "int_mul" not in case_counts(site, case.value)
    assert "int_mul" not in res.op_counts()


def threshold_three(n: int) -> int:
    k = hint(n, promote=True)
    return hint(k * 3, variable=True)


def test_threshold_three_uses_fallback_twice(mode):
    comp = make_compiler(threshold_three, promote_threshold=3)
    res = comp.specialize()
    site_stats = lambda: comp.promotion_stats[0]
    assert runner(res, mode)(7) == 21
    assert site_stats()["fallback_runs"] == 1 and site_stats()["compiled"] == []
    assert runner(res, mode)(7) == 21
    assert site_stats()["fallback_runs"] == 2 and site_stats()["compiled"] == []
    assert runner(res, mode)(7) == 21
    assert site_stats()["fallback_runs"] == 2 and site_stats()["compiled"] == [7]
    assert runner(res, mode)(7) == 21


def test_megamorphic_site_stays_bounded(mode):
    comp = make_compiler(threshold_three, promote_max_cases=5)
    res = comp.specialize()
    values = list(range(-500, 500))
    for n in values:
        assert runner(res, mode)(n) == n * 3
    stats = comp.promotion_stats[0]
    assert len(stats["compiled"]) == 5
    assert stats["megamorphic"] and stats["megamorphic_path"]
    # every other value takes the compiled megamorphic path: natively the
    # first one through Python (which compiles it), then none
    assert stats["fallback_runs"] == 0
    assert stats["megamorphic_runs"] == (len(values) - 5 if mode == "interpret" else 1)
    assert len(comp.sites[0].counts) == 0


class Box:
    v: int

    def __init__(self, v: int):
        self.v = v


def callee_promotes(x: int) -> int:
    y = hint(x, promote=True)
    return y * 10 + 1


def promote_in_callee(x: int, z: int) -> int:
    return callee_promotes(x + 1) + z


def two_promotions(a: int, b: int) -> int:
    x = hint(a, promote=True)
    y = hint(b, promote=True)
    return hint(x * 100 + y, variable=True)


def promote_from_branch(x: int) -> int:
    b = Box(5 if x > 0 else 7)
    k = hint(b.v, promote=True)
    return hint(k * k, variable=True) + x


def virtual_across(x: int, y: int) -> int:
    b = Box(x + y)
    k = hint(x, promote=True)
    return b.v * 2 + k


@pytest.mark.parametrize("func,args", [
    (promote_in_callee, [(1, 2), (1, 5), (3, 3), (-4, 0)]),
    (two_promotions, [(1, 2), (1, 3), (2, 2), (1, 2)]),
    (promote_from_branch, [(3,), (-3,), (8,), (-1,)]),
    (virtual_across, [(1, 2), (1, 7), (4, 4)]),
])
def test_promotion_shapes(func, args, mode):
    comp = make_compiler(func)
    res = comp.specialize()
    for a in args:
        assert runner(res, mode)(*a) == func(*a)


def test_promotion_case_op_counts(mode):
    comp = make_compiler(promote_in_callee)
    res = comp.specialize()
    assert runner(res, mode)(1, 2) == 23
    site = comp.sites[0]
    assert case_counts(site, 2) == {"int_add": 1}
    comp = make_compiler(promote_from_branch)
    res = comp.specialize()
    assert runner(res, mode)(3) == 28
    assert case_counts(comp.sites[0], 5) == {"int_add": 1}
    comp = make_compiler(virtual_across)
    res = comp.specialize()
    assert runner(res, mode)(1, 2) == 7
    assert case_counts(comp.sites[0], 1) == {"int_mul": 1, "int_add": 1}


def fill_then_promote(n: int, k: int) -> list[int]:
    lst = [0] * n
    lst[0] = k
    j = hint(k, promote=True)
    lst.append(j * 2)
    lst[0] += 1
    return lst


def test_list_mutated_by_fallback_is_seen(mode):
    comp = make_compiler(fill_then_promote, promote_threshold=2)
    res = comp.specialize()
    assert runner(res, mode)(300, 4) == fill_then_promote(300, 4)   # fallback
    assert comp.promotion_stats[0]["fallback_runs"] == 1
    assert runner(res, mode)(300, 4) == fill_then_promote(300, 4)   # compiled


class DfaError(Exception):
    pass


def dfa_accepts(table: str, s: str) -> bool:
    """A DFA over 'a'/'b': table[state * 2 + (0 for 'a', 1 for 'b')] is the next
    state as a digit; state 0 starts, odd states accept."""
    table = hint(table, deepfreeze=True)
    state = 0
    i = 0
    while i < len(s):
        hint(None, global_merge_point=True)
        c = hint(s[i], promote=True)
        if c == "a":
            state = ord(table[state * 2]) - 48
        elif c == "b":
            state = ord(table[state * 2 + 1]) - 48
        else:
            return False
        i += 1
    return state % 2 == 1


def test_dfa_recogniser(mode):
    table = "1220"      # two states: 0 -a-> 1, 0 -b-> 2?  (digits index states 0..2)
    table = "122010"    # states 0,1,2
    comp = make_compiler(dfa_accepts, green=["table"])
    res = comp.specialize(table)
    rng = random.Random(7)
    for _ in range(1000):
        s = "".join(rng.choice("ab" if rng.random() < 0.95 else "abc")
                    for _ in range(rng.randrange(0, 12)))
        assert runner(res, mode)(s) == dfa_accepts(table, s), s


def raising_after_promote(n: int) -> int:
    k = hint(n, promote=True)
    if k > 100:
        raise ValueError("too big")
    return 100 // (k - 5)


def test_exception_in_fallback_reaches_caller(mode):
    comp = make_compiler(raising_after_promote, promote_threshold=5)
    res = comp.specialize()
    with pytest.raises(ValueError):
        runner(res, mode)(200)
    with pytest.raises(ZeroDivisionError):
        runner(res, mode)(5)
    assert runner(res, mode)(7) == 50
    assert comp.promotion_stats[0]["fallback_runs"] == 3


def test_two_promotions_case_op_counts(mode):
    comp = make_compiler(two_promotions)
    res = comp.specialize()
    assert runner(res, mode)(1, 2) == 102
    first, second = comp.sites[0], comp.sites[1]
    assert case_counts(first, 1) == {"promote": 1}     # straight to the second site
    assert case_counts(second, 2) == {}                 # returns the constant 102


def test_compile_events_are_logged(caplog, mode):
    comp = make_compiler(threshold_three, promote_threshold=2, promote_max_cases=1)
    res = comp.specialize()
    with caplog.at_level(logging.DEBUG, logger="timeshifter.promotion"):
        runner(res, mode)(4)
        runner(res, mode)(4)
        runner(res, mode)(5)
    text = caplog.text
    assert "fallback interpreter for 4" in text
    assert "compiled the case 4" in text
    assert "megamorphic after 1 cases" in text
    assert "megamorphic path built" in text
    assert "fallback interpreter for 5" not in text


def megamorphic_loop(data: list[int]) -> int:
    total = 0
    i = 0
    while i < len(data):
        hint(None, global_merge_point=True)
        v = hint(data[i], promote=True)
        total += v * 2
        i += 1
    return total


def test_megamorphic_site_in_a_long_loop(mode):
    """Every value misses a megamorphic site; the fallback continues into
    compiled code at the merge point, which misses again: the nesting must
    stay bounded (natively the fallback interprets the rest when it is deep)."""
    comp = make_compiler(megamorphic_loop, promote_max_cases=2)
    res = comp.specialize()
    data = list(range(20_000))
    assert runner(res, mode)(data) == megamorphic_loop(data)
    assert any(site.megamorphic for site in comp.sites)

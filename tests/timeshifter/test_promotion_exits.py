"""Promotion exits return to the code that continues (issue 10, item 5), and
promotion stays bounded ("Promotion that stays bounded", item 1).

A loop or a recursion whose every step promotes a new value reaches the same
program point in the same compile-time state each time: one site, whose
`promote_max_cases` cases are compiled, then the fallback serves the rest
(it used to make a fresh site per step, one case each, without bound: about
42 ms of CPU and 177 KB per value).  Natively, a miss
returns the new case's address and the native code tail-calls it, so these
run in constant Python stack (the nesting bound of the fallback,
`promotion.MAX_NESTED_MISSES`, is never approached); before, each step ran
its case from inside Python, nesting C and Python frames, and the 201st
step raised `RecursionError ... more than 200 nested fallback runs`.
Every result is checked against CPython.
"""

import sys

import pytest

from bench.programs import promoting_loop, promoting_recursion
from timeshifter import make_compiler, promotion


@pytest.fixture(params=["interpret", "native"])
def mode(request):
    return request.param


def runner(res, mode):
    return res.interpret if mode == "interpret" else res


def test_promotion_in_a_loop_without_a_merge_point(mode):
    """The issue's case, x=1000 (it took 43-87 s natively, one site and one
    case per value): one site, promote_max_cases cases, then the compiled
    megamorphic path runs the rest of the loop, never the fallback.  A
    second call's misses go to that path natively, without Python."""
    comp = make_compiler(promoting_loop)
    res = comp.specialize()
    assert runner(res, mode)(1000) == promoting_loop(1000) == 499500
    assert len(comp.sites) == 1
    site = comp.sites[0]
    assert comp.stats["promotion cases"] == comp.options.promote_max_cases == 16
    assert (site.fallback_runs, site.megamorphic_runs) == (0, 1)
    assert site.megamorphic_path.graph.name.endswith("_megamorphic")
    assert runner(res, mode)(100_000) == promoting_loop(100_000)
    assert comp.stats["promotion cases"] == 16 and site.fallback_runs == 0
    assert site.megamorphic_runs == (2 if mode == "interpret" else 1)


def test_promotion_exits_do_not_nest(mode, monkeypatch):
    """With the nesting bound at 5, 60 steps of fresh cases still run: no
    step nests inside the one before."""
    monkeypatch.setattr(promotion, "MAX_NESTED_MISSES", 5)
    comp = make_compiler(promoting_loop)
    assert runner(comp.specialize(), mode)(60) == promoting_loop(60)
    comp = make_compiler(promoting_recursion)
    assert runner(comp.specialize(), mode)(60) == promoting_recursion(60)
    assert comp.stats["promotion cases"] == 16 and len(comp.sites) == 1


def test_recursion_through_a_promotion_site_natively():
    """The issue's second case, 500 deep (it took ~16 s, one site per level):
    natively the recursion is native calls, the misses return at once; one
    site, 16 cases, the fallback below them."""
    comp = make_compiler(promoting_recursion)
    assert comp.specialize()(500) == promoting_recursion(500) == 125250
    assert comp.stats["promotion cases"] == 16 and len(comp.sites) == 1


def test_recursion_through_a_promotion_site_interpreted():
    """Interpreted, each level of the recursion costs one Python frame (the
    graph's function: generated code runs its callees' transfers one step at
    a time, flowgraph.interp.run.transfer_step; it was four), so 500 levels
    run at CPython's default recursion limit, as CPython itself does."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        comp = make_compiler(promoting_recursion)
        assert comp.specialize().interpret(500) == promoting_recursion(500)
    finally:
        sys.setrecursionlimit(old)

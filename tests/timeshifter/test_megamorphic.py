"""A megamorphic promotion site's compiled path (issue "Promotion that stays
bounded", item 2): past `promote_max_cases` cases, every other value runs a
continuation of the coloured graphs compiled once, natively the site's
default; never the fallback interpreter.  Results against CPython, in every
mode."""

import pytest

from hintannotator import hint
from tests.timeshifter.test_promotion import megamorphic_loop
from timeshifter import make_compiler


@pytest.fixture(params=["interpret", "native"])
def mode(request):
    return request.param


def runner(res, mode):
    return res.interpret if mode == "interpret" else res


def scaled(k: int) -> int:
    v = hint(k, promote=True)
    return v * 3 + 1


def calls_inside(x: int, step: int) -> int:
    """The site is in an inlined callee: two frames to continue."""
    s = 0
    i = 0
    while i < x:
        s = (s + scaled(i) * 7 + step) % 1000003
        i += 1
    return s - step


@pytest.mark.parametrize("max_cases", [1, 2, 16])
def test_a_site_in_an_inlined_callee_continues_both_frames(mode, max_cases):
    comp = make_compiler(calls_inside, promote_max_cases=max_cases)
    res = comp.specialize()
    run = runner(res, mode)
    for x, step in [(50, 3), (1000, -2), (7, 0)]:
        assert run(x, step) == calls_inside(x, step)
    [site] = comp.sites
    assert len(site.cases) == max_cases
    assert site.fallback_runs == 0 and site.megamorphic_path is not None
    assert len(site.frame.chain()) == 2


def float_scale(xs: list[float], f: float, start: int) -> float:
    total = 0.0
    i = start
    while i < len(xs):
        g = hint(f + i, promote=True)
        total += xs[i] * g
        i += 1
    return total


def test_a_float_promoted_value(mode):
    comp = make_compiler(float_scale, promote_max_cases=2)
    run = runner(comp.specialize(), mode)
    xs = [0.5 * k for k in range(300)]
    assert run(xs, 1.25, 0) == float_scale(xs, 1.25, 0)
    assert run(xs, -0.0, 3) == float_scale(xs, -0.0, 3)
    assert len(comp.sites) == 2         # the first pass (total = 0.0), the loop
    assert all(site.fallback_runs == 0 for site in comp.sites)


class Acc:
    n: int = 0


def with_virtual(x: int) -> int:
    """A virtual Acc is live at the site: the path builds it first."""
    acc = Acc()
    i = 0
    while i < x:
        k = hint(i, promote=True)
        acc.n += k * 2
        i += 1
    return acc.n


def test_a_virtual_in_the_frames_is_built_by_the_path(mode):
    comp = make_compiler(with_virtual, promote_max_cases=2)
    res = comp.specialize()
    for x in (40, 3, 1000):
        assert runner(res, mode)(x) == with_virtual(x)
    site = comp.sites[-1]
    assert site.megamorphic and site.fallback_runs == 0
    ops = [op.opname for op in site.megamorphic_path.graph.iteroperations()]
    assert ops.count("malloc") == 1 and ops.count("direct_call") == 1


class Node:
    value: int = 0
    other: "Node | None" = None


def aliased(x: int) -> int:
    """Two virtual nodes, one pointing at the other and a local aliasing it:
    built once each, the alias kept (a write through one is seen by the other)."""
    a = Node()
    b = Node()
    a.other = b
    alias = b
    i = 0
    while i < x:
        k = hint(i % 50, promote=True)
        alias.value += k
        if a.other is not None:
            a.value += a.other.value
        i += 1
    return a.value * 1000 + b.value


def test_shared_virtuals_are_built_once_by_the_path(mode):
    comp = make_compiler(aliased, promote_max_cases=2)
    run = runner(comp.specialize(), mode)
    for x in (10, 200):
        assert run(x) == aliased(x)
    paths = [site.megamorphic_path for site in comp.sites if site.megamorphic_path]
    assert paths and all(site.fallback_runs == 0 for site in comp.sites)
    for path in paths:
        ops = [op.opname for op in path.graph.iteroperations()]
        assert ops.count("malloc") == 2


def test_the_path_goes_back_into_compiled_code_at_a_merge_point(mode):
    """At a global merge point the path tail-calls the compiled code of the
    point's green key, as the fallback went back into it there: the loop
    alternates between the two, natively without nesting (20,000 items; the
    fallback interpreted most of them, 0.7 us an item, now 8 ns)."""
    comp = make_compiler(megamorphic_loop, promote_max_cases=2)
    run = runner(comp.specialize(), mode)
    for n in (300, 20_000):
        data = list(range(n))
        assert run(data) == megamorphic_loop(data)
    [site] = [site for site in comp.sites if site.megamorphic]
    assert site.megamorphic_path is not None and site.fallback_runs == 0
    # interpreted, the path runs the rest of each call (no exits): once a call
    assert site.megamorphic_runs == (1 if mode == "native" else 2)


def interpret_with_portal(code: str, a: int) -> int:
    """A register machine whose loop promotes a red register: the path
    leaves at the merge point for the code of the next pc."""
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        op = hint(code[pc], concrete=True)
        if op == "s":
            k = hint(a % 5, promote=True)
            a = a + k
        elif op == "d":
            a -= 1
        elif op == "j":
            if a > 0:
                pc = 0
                continue
        pc += 1
    return a


def test_a_path_in_an_interpreter_loop(mode):
    from timeshifter import make_compiler as mk
    comp = mk(interpret_with_portal, green=["code"], promote_max_cases=2)
    run = runner(comp.specialize("sddddddj"), mode)
    for a in (0, 5, 200, 3001):
        assert run(a) == interpret_with_portal("sddddddj", a)
    assert all(site.fallback_runs == 0 for site in comp.sites if site.megamorphic)
    assert any(site.megamorphic_path for site in comp.sites)


def raises_late(x: int) -> int:
    s = 0
    i = 0
    while i < x:
        k = hint(i, promote=True)
        s += 100 // (k - 50)
        i += 1
    return s


def test_an_exception_in_the_megamorphic_path(mode):
    """The path raises CPython's exception, with CPython's message."""
    comp = make_compiler(raises_late, promote_max_cases=3)
    run = runner(comp.specialize(), mode)
    assert run(40) == raises_late(40)
    with pytest.raises(ZeroDivisionError) as caught:
        run(60)
    with pytest.raises(ZeroDivisionError) as expected:
        raises_late(60)
    assert str(caught.value) == str(expected.value)
    assert comp.sites[0].fallback_runs == 0


def counted_from_zero(xs: list[float], f: float) -> float:
    """float_scale from the literal 0 (an inlined call): each compiled case
    knows `i` as a red constant (0, 1, 2, ...) when it reaches the site again."""
    return float_scale(xs, f, 0)


def test_red_constants_do_not_make_a_site_per_iteration(mode):
    """Sites were keyed by their red constants too, so a red loop counter
    made a new site, with its own cases, per iteration: 301 sites and 301
    cases for 300 items (10 s natively).  Past promote_constant_states
    constant states (2 by default) a point's site takes its red constants
    as live values."""
    for states in (2, 0, 5):
        comp = make_compiler(counted_from_zero, promote_max_cases=2,
                             promote_constant_states=states)
        run = runner(comp.specialize(), mode)
        for n, f in [(300, 1.25), (40, -2.0)]:
            xs = [0.5 * k for k in range(n)]
            assert run(xs, f) == counted_from_zero(xs, f)
        assert len(comp.sites) == states + 1
        assert comp.stats["promotion cases"] <= (states + 1) * 2
        assert all(site.fallback_runs == 0 for site in comp.sites)


def portal(code: str, pc: int, n: int) -> int:
    """A recursive interpreter with a portal: the path's continuation calls
    the function again, and that call goes back into compiled code at the
    portal (a copy of the function with exits)."""
    hint(None, global_merge_point=True)
    code = hint(code, deepfreeze=True)
    pc = hint(pc, concrete=True)
    acc = 0
    while pc < len(code):
        c = code[pc]
        if c == "+":
            acc += n
        elif c == "p":
            k = hint(n % 9, promote=True)
            acc += k * k
        elif c == "r":
            if n > 0:
                acc = (acc + portal(code, 0, n - 1) * 2) % 1000003
            return acc
        pc += 1
    return acc


def test_a_path_calling_a_recursive_interpreter_with_a_portal(mode):
    """Before, the fallback served here, and interpreted it raised
    TypeError (a TailCall used as a number); now the path runs, with a
    copy of `portal` whose merge point leaves for the compiled code."""
    comp = make_compiler(portal, green=["code", "pc"], promote_max_cases=2)
    run = runner(comp.specialize("p+r", 0), mode)
    for n in (3, 30, 300):
        assert run(n) == portal("p+r", 0, n)
    [site] = [site for site in comp.sites if site.megamorphic]
    assert site.megamorphic_path is not None
    assert all(s.fallback_runs == 0 for s in comp.sites)
    called = {op.args[0].value.name for graph in _graphs(site.megamorphic_path.graph)
              for op in graph.iteroperations() if op.opname == "direct_call"}
    assert any(name.endswith("_calls_portal") for name in called)


def _graphs(graph):
    """`graph` and every graph it calls, transitively."""
    seen, stack = [], [graph]
    while stack:
        g = stack.pop()
        if g in seen:
            continue
        seen.append(g)
        stack += [op.args[0].value for op in g.iteroperations() if op.opname == "direct_call"]
    return seen


def test_the_fallback_through_a_portal_returns_values_not_transfers(mode, monkeypatch):
    """Where the fallback still serves (here: the path switched off), an
    interpreted recursive call whose merge point went on in compiled code
    returned the tail transfer itself to its caller, which used it as a
    number (TypeError); a call to a graph with a merge point now runs the
    transfers it returns."""
    from timeshifter import megamorphic
    monkeypatch.setattr(megamorphic, "megamorphic_graph", lambda site, name: None)
    comp = make_compiler(portal, green=["code", "pc"], promote_max_cases=2)
    run = runner(comp.specialize("p+r", 0), mode)
    for n in (30, 80):
        assert run(n) == portal("p+r", 0, n)
    assert sum(site.fallback_runs for site in comp.sites) > 0


@pytest.mark.parametrize("baseline", ["native", "graph"])
@pytest.mark.parametrize("max_cases", [1, 2])
def test_megamorphic_paths_under_the_jit_and_specialize(baseline, max_cases):
    """The DFA recogniser promotes each char (a one-character str): with
    one or two cases, other chars take the path, whose merge point leaves
    for the loop's compiled code; random strings, CPython's answers."""
    import random

    from examples import interpreters as ex
    from timeshifter import make_jit
    rng = random.Random(max_cases)
    jit = make_jit(ex.dfa_match, green=["table", "accepting"], threshold=5,
                   promote_max_cases=max_cases, baseline=baseline)
    comp = make_compiler(ex.dfa_match, green=["table", "accepting"],
                         promote_max_cases=max_cases)
    res = comp.specialize(*ex.EVEN_AS)
    for _ in range(15):
        s = "".join(rng.choice("ab") for _ in range(rng.randint(0, 200)))
        s += rng.choice(["", "c", "ab", "bd"])
        expected = ex.dfa_match(*ex.EVEN_AS, s)
        assert jit(*ex.EVEN_AS, s) == expected
        assert res(s) == res.interpret(s) == expected
    assert all(site.fallback_runs == 0 for site in comp.sites)
    assert any(site.megamorphic_path for site in comp.sites)

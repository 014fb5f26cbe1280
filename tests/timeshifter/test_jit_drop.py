"""A JIT's compiled code past `max_code_ops`: the code of the least recently
called green keys is dropped, freed once no call runs it, and compiled again
when its key is hot again (issue 13, deliverable 4)."""

import gc
import threading
import weakref

import pytest

from examples import interpreters as ex
from timeshifter import make_jit
from timeshifter.promotion import PromotionSite

# a guest program per k: the accumulator's factorial, then k increments; each
# compiles to one loop of 5 residual operations (its exit included)
PROGRAMS = [ex.ACC_FACTORIAL + "I" * k for k in range(6)]
LOOP_OPS = 5


def accumulator_jit(baseline="native", **options):
    return make_jit(ex.accumulator, green=["code"], threshold=3, background=False,
                    baseline=baseline, **options)


def kept_programs(jit) -> set:
    """The guest programs whose code the JIT keeps (their green keys, as
    `value_key` gives them: ((str, program),))."""
    return {key[0][0][1] for key in jit.stats_by_key()}


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_the_least_recently_called_programs_code_is_dropped(baseline):
    jit = accumulator_jit(baseline, max_code_ops=2 * LOOP_OPS + 2)
    for n, code in enumerate(PROGRAMS, 1):
        assert jit(code, 10) == ex.accumulator(code, 10)
        # two programs' loops fit; a third drops the oldest
        assert jit.residual_ops() == LOOP_OPS * min(n, 2)
        assert jit.stats["dropped keys"] == max(0, n - 2)
    assert jit.stats["dropped ops"] == LOOP_OPS * (len(PROGRAMS) - 2)
    # the last two are kept: calling them compiles nothing
    loops = jit.stats["loops"]
    for code in PROGRAMS[-2:]:
        assert jit(code, 7) == ex.accumulator(code, 7)
    assert jit.stats["loops"] == loops and jit.stats["dropped keys"] == len(PROGRAMS) - 2
    # a dropped one counts and compiles again when it is hot, and the least
    # recently called of the others (PROGRAMS[-2]) makes room
    assert jit(PROGRAMS[0], 9) == ex.accumulator(PROGRAMS[0], 9)
    assert jit.stats["loops"] == loops + 1
    assert jit.stats["dropped keys"] == len(PROGRAMS) - 1
    assert jit(PROGRAMS[-1], 4) == ex.accumulator(PROGRAMS[-1], 4)
    assert jit.stats["loops"] == loops + 1


def test_calls_keep_their_code_from_being_dropped_least_recently_used_first():
    jit = accumulator_jit(max_code_ops=2 * LOOP_OPS + 2)
    first, second, third = PROGRAMS[:3]
    jit(first, 5)
    jit(second, 5)
    jit(first, 6)                   # first is now the more recently called
    jit(third, 5)
    assert kept_programs(jit) == {first, third}


def test_dropped_code_is_freed_with_what_only_it_used():
    jit = accumulator_jit(max_code_ops=LOOP_OPS)
    jit(PROGRAMS[0], 10)
    (family,) = jit._families.values()
    space = family.space
    sites = [weakref.ref(s) for s in jit.compiler.sites]
    assert sites and not space.closed
    jit(PROGRAMS[1], 10)
    assert space.closed and family.dropped
    family = weakref.ref(family)
    gc.collect()
    # the family, its promotion sites (its exits) and the symbols its machine
    # code referred to them by are gone with the code
    assert family() is None
    assert [s() for s in sites] == [None] * len(sites)
    assert len(jit.compiler.sites) == len(sites)        # the new program's


def test_code_dropped_while_a_call_runs_it_is_freed_when_the_call_returns():
    """A call holds its green key's code space (rgen.CodeSpace) while it runs:
    another thread's calls that drop that code only close the space, which
    frees the code when the call leaves it."""
    jit = accumulator_jit(max_code_ops=LOOP_OPS)
    jit(PROGRAMS[0], 10)
    (family,) = jit._families.values()
    family.space.hold()                 # what a call of program 0 still running does
    assert jit(PROGRAMS[1], 10) == ex.accumulator(PROGRAMS[1], 10)
    assert family.dropped and family.space.closing and not family.space.closed
    family.space.release()              # that call returns
    assert family.space.closed
    # a call of the program started after the drop makes a new family
    assert jit(PROGRAMS[0], 8) == ex.accumulator(PROGRAMS[0], 8)
    assert kept_programs(jit) == {PROGRAMS[0]}
    assert family not in jit._families.values()


def test_the_bound_is_checked():
    with pytest.raises(ValueError, match="max_code_ops must be an int >= 1, have 0"):
        accumulator_jit(max_code_ops=0)
    jit = accumulator_jit(max_code_ops=None)
    for code in PROGRAMS:
        assert jit(code, 10) == ex.accumulator(code, 10)
    assert jit.residual_ops() == LOOP_OPS * len(PROGRAMS) and not jit.stats["dropped keys"]


def test_dropping_is_an_event():
    jit = make_jit(ex.accumulator, green=["code"], threshold=3, record_events=True,
                   max_code_ops=1)
    jit(PROGRAMS[0], 4)
    jit.events.clear()
    jit(PROGRAMS[1], 4)
    assert jit.events[-2:] == ["done", "drop code"]


def test_loops_compiled_in_the_worker_are_dropped_too():
    jit = make_jit(ex.accumulator, green=["code"], threshold=3, max_code_ops=LOOP_OPS + 1)
    spaces = []
    for code in PROGRAMS:
        for n in (10, 12, 14):          # compiled in the background, used by a later call
            assert jit(code, n) == ex.accumulator(code, n)
            assert jit.wait(30)
        spaces += [f.space for f in jit._families.values() if f.space not in spaces]
    assert jit.stats["loops"] >= len(PROGRAMS)
    assert kept_programs(jit) == {PROGRAMS[-1]}
    assert [s.closed for s in spaces] == [True] * (len(spaces) - 1) + [False]


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_threads_calling_one_jit_keep_their_own_green_keys(baseline):
    """Three threads call one JIT with their own programs while each call
    drops the others' code (max_code_ops=1) and the worker compiles: every
    result equals CPython's (the running call's family was one attribute of
    the JIT, which another thread's call overwrote)."""
    jit = make_jit(ex.accumulator, green=["code"], threshold=2, bridge_threshold=3,
                   baseline=baseline, max_code_ops=1)
    wrong = []

    def calls(t: int) -> None:
        for i in range(40):
            code = PROGRAMS[(i + 2 * t) % len(PROGRAMS)]
            n = 5 + (i + t) % 10
            result = jit(code, n)
            if result != ex.accumulator(code, n):
                wrong.append((t, code, n, result))

    threads = [threading.Thread(target=calls, args=(t,)) for t in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert jit.wait(60) and wrong == []
    assert jit.stats["dropped keys"] > 0 and jit.residual_ops() <= 2 * LOOP_OPS

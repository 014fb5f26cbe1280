"""Random programs (tests/strategies.py) through the timeshifter: for a random
choice of green parameters, CPython with 64-bit wrap-around == the residual
graph interpreted == the residual code run natively (same value or same
exception type).  A specialisation may instead stop with the bound error
for a green counter under a red loop bound (DESIGN section 6)."""

import copy
import shutil
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential import assert_same_outcome, outcome
from tests.strategies import ALL_FEATURES, load, oracle, programs
from timeshifter import TimeshiftError, make_compiler

# random code reads its green strings at red indices and grows lists in red
# loops: what the specialisation warnings say is expected here
pytestmark = pytest.mark.filterwarnings("ignore::timeshifter.SpecializationWarning")


@settings(max_examples=150)
@given(programs(), st.data())
def test_random_program_specialised(program, data):
    check_specialised(program, data)


@settings(max_examples=60)
@given(programs(features=ALL_FEATURES), st.data())
def test_random_program_with_floats_lists_classes_strings_specialised(program, data):
    check_specialised(program, data)


def check_specialised(program, data):
    func = getattr(load(program), program.name)
    expected_func = oracle(program)
    n = len(program.params)
    green = data.draw(st.sets(st.integers(0, n - 1)), label="green parameter indices")
    comp = make_compiler(func, green=sorted(green), max_states_per_merge=64)
    for args in data.draw(st.lists(program.args, min_size=1, max_size=3), label="args"):
        greens = [args[i] for i in sorted(green)]
        reds = [a for i, a in enumerate(args) if i not in green]
        # A green list is a constant of the residual code, which mutates that
        # very object: every mode gets its own copy of the green values.
        try:
            res, res_native = (comp.specialize(*copy.deepcopy(greens)) for _ in range(2))
        except TimeshiftError as exc:
            # A loop whose counter is green but whose bound is red unrolls without
            # end: DESIGN section 6 makes that the bound error, never a hang.
            assert "different green states" in str(exc), str(exc)
            continue

        def cpython(*red_args, greens=copy.deepcopy(greens)):
            merged, it_g, it_r = [], iter(greens), iter(red_args)
            for i in range(n):
                merged.append(next(it_g) if i in green else next(it_r))
            return expected_func(*merged)

        expected = outcome(cpython, reds)
        what = f"{program.name}{args!r} with green {sorted(green)}, of\n{program.source}"
        assert_same_outcome(expected, outcome(res.interpret, reds), what + "\n(interpreted)")
        assert_same_outcome(expected, outcome(res_native, reds), what + "\n(native)")


@settings(max_examples=150)
@given(programs(allow_promote=True), st.data())
def test_random_program_with_promotions(program, data):
    """The same with `hint(v, promote=True)` on some assignments: promotion
    sites (shared by the paths reaching a point in the same state), compiled
    cases (threshold 1 or 2, at most 1, 2, 3 or 16 per site) and the fallback
    interpreter."""
    func = getattr(load(program), program.name)
    expected_func = oracle(program)
    threshold = data.draw(st.sampled_from([1, 2]), label="promote_threshold")
    max_cases = data.draw(st.sampled_from([1, 2, 3, 16]), label="promote_max_cases")
    comp = make_compiler(func, max_states_per_merge=64, promote_threshold=threshold,
                         promote_max_cases=max_cases)
    try:
        res = comp.specialize()
    except TimeshiftError as exc:
        assert "different green states" in str(exc), str(exc)
        return
    for args in data.draw(st.lists(program.args, min_size=1, max_size=5), label="args"):
        what = (f"{program.name}{args!r}, threshold {threshold}, max cases {max_cases}, "
                f"of\n{program.source}")
        expected = outcome(expected_func, args)
        for run in (res.interpret, res):
            got = outcome(run, args)
            if got.raised is TimeshiftError:        # a case hit the bound error
                assert "different green states" in got.value, got.value
                continue
            assert_same_outcome(expected, got, what)


@settings(max_examples=30, deadline=None)
@given(programs(features=ALL_FEATURES), st.data())
def test_random_program_through_the_code_cache(program, data):
    """A second compiler with the same cache folder loads what the first
    saved (whole specialisations where they can be, else module by module):
    its results are CPython's too."""
    func = getattr(load(program), program.name)
    expected_func = oracle(program)
    n = len(program.params)
    green = sorted(data.draw(st.sets(st.integers(0, n - 1)), label="green parameter indices"))
    folder = tempfile.mkdtemp(prefix="timeshift-cache-")
    args = data.draw(program.args, label="args")
    outcomes = []
    for _ in range(2):
        comp = make_compiler(func, green=green, max_states_per_merge=64, cache=folder)
        got = outcome(comp, args)
        if got.raised is TimeshiftError:        # a green counter under a red bound
            assert "different green states" in got.value, got.value
            return
        outcomes.append(got)
    expected = outcome(expected_func, args)
    shutil.rmtree(folder, ignore_errors=True)
    for got in outcomes:
        assert_same_outcome(expected, got, f"{program.name}{args!r} green {green}")

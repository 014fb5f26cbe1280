"""Defects found by `make fuzz` (tests/fuzz.py), reduced to a few lines, as
regression tests."""

import pytest

from timeshifter import make_compiler


def always_raises(k: int) -> int:
    raise ValueError("always")


def nested_raising_calls(x: int) -> int:
    return always_raises(always_raises(x))


def test_call_after_a_callee_that_always_raises():
    """The inner call's callee never returns: its result is red (the annotator
    colours it after the fixpoint), so the outer call gets its callee copy."""
    comp = make_compiler(nested_raising_calls)
    res = comp.specialize()
    for run in (nested_raising_calls, res.interpret, res):
        with pytest.raises(ValueError, match="^always$"):
            run(1)

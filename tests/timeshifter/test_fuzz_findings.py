"""Defects found by `make fuzz` (tests/fuzz.py), reduced to a few lines, as
regression tests."""

import pytest

from hintannotator import hint
from timeshifter import make_compiler, make_jit


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


class Acc:
    n: int

    def __init__(self, n: int):
        self.n = n


def aliased_identity(x: int, y: int) -> int:
    o = Acc(y)
    oq: Acc | None = o
    n = 0
    while n < 5:
        hint(None, global_merge_point=True)
        n += 1
        if not (oq is o):
            raise ValueError("not the same object")
        hint(None, can_enter_jit=True)
    return x + n


@pytest.mark.parametrize("baseline", ["graph", "native"])
@pytest.mark.parametrize("green", [[], [0], [1]])
def test_is_between_two_names_of_one_instance_in_a_jit_loop(baseline, green):
    """`oq is o` on an instance made in the function was coloured green (both
    blue) and answered by box identity; a JIT loop entered from run-time
    values gives the two names two boxes: the loop raised.  It is red now,
    folded by rt.ptr_eq while the instance is virtual."""
    jit = make_jit(aliased_identity, green=green, threshold=1, baseline=baseline)
    assert jit(3, 1) == aliased_identity(3, 1) == 8
    comp = make_compiler(aliased_identity, green=green)
    res = comp.specialize(*[(3, 1)[i] for i in green])
    reds = [v for i, v in enumerate((3, 1)) if i not in green]
    assert res(*reds) == res.interpret(*reds) == 8
    assert "ptr_eq" not in res.op_counts()

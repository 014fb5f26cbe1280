"""Promoting a container is a HintError at annotation (issue 10 item 6), not an
LLVM error at the first call; scalars promote as before."""

import inspect

import pytest

import timeshifter
from hintannotator import HintError, hint


class Box:
    n: int

    def __init__(self, n: int):
        self.n = n


def promote_list(xs: list[int], n: int) -> int:
    ys = hint(xs, promote=True)
    return ys[0] + n


def promote_str(s: str, n: int) -> int:
    t = hint(s, promote=True)
    return len(t) + n


def promote_instance(b: Box, n: int) -> int:
    c = hint(b, promote=True)
    return c.n + n


def promote_int(x: int, n: int) -> int:
    k = hint(x, promote=True)
    return k * 2 + n


def line_of(func, text):
    lines, first = inspect.getsourcelines(func)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("func, name, type_text", [
    (promote_list, "xs", "list[int]"), (promote_str, "s", "str"),
    (promote_instance, "b", "Box")])
def test_promoting_a_container_is_a_hint_error(func, name, type_text):
    with pytest.raises(HintError) as info:
        timeshifter.make_compiler(func, green=["n"])
    assert str(info.value) == (
        f"hint({name}, promote=True) at {__file__}:{line_of(func, 'promote=True')} promotes a "
        f"{type_text}; only int, float, bool and one-character str values and classes "
        "(o.__class__) can be promoted.\n"
        "Hint that would help: promote a scalar read from it (its length, an item), or make "
        "it a green parameter with hint(..., deepfreeze=True).")


def test_promoting_an_int_still_works():
    comp = timeshifter.make_compiler(promote_int, green=["n"])
    res = comp.specialize(1)
    assert res(5) == res.interpret(5) == promote_int(5, 1) == 11

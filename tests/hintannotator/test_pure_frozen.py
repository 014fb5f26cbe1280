"""A container a @purefunction returns for green arguments is deep-frozen
(issue 12 item 9): reads through it at green indices are green, so a
`concrete` hint on what is read holds without a deepfreeze hint."""

from __future__ import annotations

import timeshifter
from hintannotator import hint, purefunction
import hintannotator

TABLE = [3, 1, 4, 1, 5]


@purefunction
def table() -> list[int]:
    return TABLE


@purefunction
def scaled(k: int) -> list[int]:
    return [k, 2 * k, 3 * k]


def weight(code: str, x: int) -> int:
    k = table()[len(code)]
    k = hint(k, concrete=True)
    w = scaled(k)[1]
    return x * hint(w, concrete=True)


def test_a_pure_functions_list_is_read_at_compile_time():
    ann = hintannotator.annotate(weight, green=["code"])
    assert (ann.color_of("k"), ann.color_of("w")) == ("green", "green")
    res = timeshifter.make_compiler(weight, green=["code"]).specialize("ab")
    assert dict(res.op_counts()) == {"int_mul": 1}
    assert res(5) == res.interpret(5) == weight("ab", 5) == 5 * 8

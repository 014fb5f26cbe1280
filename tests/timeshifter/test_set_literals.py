"""`x in {a, b}`: a set literal of constants on the right of `in` tests
membership as the tuple of its items does (issue 12, reach), in every mode
against CPython, folded where the value is green; elsewhere a set literal
is the FlowError that says where it is supported."""

from collections import Counter

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from tests.differential import assert_every_mode

ADD, SUB, MUL = 1, 2, 3


def classify(op: int, c: str, x: int) -> int:
    total = 0
    if op in {ADD, SUB}:
        total += 1
    if op not in {MUL, 7, 7}:
        total += 10
    if c in {"+", "-", "*"}:
        total += 100
    if x % 5 in {0, 4}:
        total += 1000
    return total


@pytest.mark.parametrize("op", [0, 1, 2, 3, 7])
@pytest.mark.parametrize("c", ["+", "x", "*"])
def test_membership_in_a_set_literal_in_every_mode(op, c):
    for x in (0, 3, 4, -1, 10):
        assert_every_mode(classify, (op, c, x))


def test_a_green_value_tested_against_a_set_literal_folds():
    res = timeshifter.make_compiler(classify, green=["op", "c"]).specialize(SUB, "*")
    assert res(9) == classify(SUB, "*", 9) and res(10) == classify(SUB, "*", 10)
    # only the red test is left: x % 5 compared with 0 and with 4
    assert res.op_counts() == Counter({"int_mod": 1, "int_eq": 2})


def set_of_variables(n: int, k: int) -> bool:
    return n in {k, 2}


def set_elsewhere(n: int) -> int:
    s = {1, 2}
    return n


@pytest.mark.parametrize("func, message", [
    (set_of_variables, "'in' needs a tuple (a value, or a literal of constants), a set literal "
     "of constants, a str or a dict on its right; search a list with a loop"),
    (set_elsewhere, "set literal is not supported; use a list; a set literal of constants is "
     "supported on the right of 'in' (x in {1, 2})")], ids=["variables", "elsewhere"])
def test_other_set_literals_are_refused(func, message):
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(func)
    assert message in str(info.value)

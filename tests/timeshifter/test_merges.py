"""Merges keep what they can (issue 24): at a loop head whose virtual
containers take too many shapes, only the containers whose own shape keeps
changing are forced; the others stay virtual."""

from collections import Counter

import pytest

from examples import tablevm
from timeshifter import make_compiler


@pytest.mark.parametrize("n", [0, 1, 10, 300])
def test_the_table_vm_keeps_its_stack_and_slots_virtual(n):
    res = make_compiler(tablevm.run, green=["code"]).specialize(tablevm.SQUARES)
    expected = tablevm.run(tablevm.SQUARES, n)
    assert expected == sum(i * i for i in range(1, n + 1))
    assert res(n) == res.interpret(n) == expected
    ops = Counter(op.opname for op in res.graph.iteroperations())
    # only the growing table is a real list: one newlist, no stack pushes or pops
    assert (ops["newlist"], ops["list_pop"], ops["list_append"]) == (1, 0, 2)
    assert sum(res.op_counts().values()) == 47       # was 197 with every virtual forced


def aliased(n: int) -> int:
    grown = [0] * 0
    same = grown                 # one list under two names
    fixed = [1, 2]
    i = 0
    while i < n:
        same.append(i)
        fixed[i % 2] += len(grown)
        i += 1
    return len(grown) * 1000 + fixed[0] * 10 + fixed[1] + sum_of(same)


def sum_of(xs: list[int]) -> int:
    total = 0
    for x in xs:
        total += x
    return total


@pytest.mark.parametrize("n", [0, 1, 2, 5, 40])
def test_an_aliased_growing_list_is_one_list_under_both_names(n):
    """`grown` and `same` are one virtual list; forced at the loop head for
    one name, it is forced for the other (the same box), so appends through
    `same` show in len(grown) in every mode."""
    res = make_compiler(aliased).specialize()
    assert res(n) == res.interpret(n) == aliased(n)

"""The virtual-list tests of the 2007 PyPy JIT generator's suite
(pypy/jit/timeshifter/test/test_vlist.py), ported in our own words: each
runs specialised (the original's green arguments green, the rest red),
interpreted and native, against CPython, with the residual operation counts
the original checked.  The subset's lists are typed, so an empty list is
annotated, the original's `lst.append(not lst)` appends `int(not lst)`
and `list(lst)` is `lst[:]`."""

from __future__ import annotations

import pytest

from hintannotator import hint, purefunction
from tests.timeshifter.test_pypy_exceptions import specialised


def append_then_read() -> int:
    lst: list[int] = []
    lst.append(12)
    return lst[0]


def test_a_list_made_and_read_leaves_nothing():
    assert specialised(append_then_read, [], []) == (("value", 12), {})


def read_in_a_branch(flag: int) -> int:
    lst: list[int] = []
    lst.append(flag)
    lst.append(131)
    if flag:
        return lst[0]
    else:
        return lst[1]


def appended_in_a_branch(flag: int) -> int:
    lst: list[int] = []
    if flag:
        lst.append(flag)
    else:
        lst.append(131)
    return lst[-1]


def constant_appended_in_a_branch(flag: int) -> int:
    lst: list[int] = []
    if flag:
        lst.append(12)
    else:
        lst.append(131)
    return lst[-1]


@pytest.mark.parametrize("func", [read_in_a_branch, appended_in_a_branch,
                                  constant_appended_in_a_branch])
@pytest.mark.parametrize("flag", [6, 0])
def test_a_virtual_list_through_a_red_branch_and_its_merge(func, flag):
    """test_enter_block, test_merge, test_replace: only the test of the flag."""
    assert specialised(func, [flag], []) == (("value", func(flag)), {"int_is_true": 1})


def longer_in_a_branch(n: int) -> int:
    lst: list[int] = []
    lst.append(n)
    if n:
        lst.append(12)
    return lst[-1]


@pytest.mark.parametrize("n", [6, 0])
def test_lists_of_two_lengths_meet(n):
    """test_force: the paths' lists differ in length where they meet."""
    assert specialised(longer_in_a_branch, [n], [])[0] == ("value", longer_in_a_branch(n))


def list_methods() -> int:
    lst = [3, 5]
    five = lst.pop()            # [3]
    lst.append(len(lst))        # [3, 1]
    lst2 = lst[:]
    three = lst.pop(0)          # [1]
    lst.insert(0, 8)            # [8, 1]
    lst.insert(2, 7)            # [8, 1, 7]
    lst.append(int(not lst))    # [8, 1, 7, 0]
    lst.reverse()               # [0, 7, 1, 8]
    lst3 = lst2 + lst           # [3, 1, 0, 7, 1, 8]
    del lst3[1]                 # [3, 0, 7, 1, 8]
    seven = lst3.pop(2)         # [3, 0, 1, 8]
    lst3[0] = 9                 # [9, 0, 1, 8]
    nine = lst3.pop(-4)         # [0, 1, 8]
    return (len(lst3) * 10000000 + lst3[0] * 1000000 + lst3[1] * 100000
            + lst3[-1] * 10000 + five * 1000 + three * 100 + seven * 10 + nine)


def test_list_methods_on_virtual_lists_fold_away():
    """test_oop_vlist."""
    assert list_methods() == 30185379
    assert specialised(list_methods, [], []) == (("value", 30185379), {})


def allocated_length() -> int:
    lst = [0] * 9
    return len(lst)


def test_the_length_of_an_allocated_list_folds():
    """test_alloc_and_set."""
    assert specialised(allocated_length, [], []) == (("value", 9), {})


L1 = [1, 2, 3, 4, 5]
L2 = [6, 7, 8, 9, 10]


@purefunction
def get_list(n: int) -> list[int]:
    if n:
        return L1
    else:
        return L2


def read_deepfrozen(n: int, i: int) -> int:
    lst = hint(get_list(n), deepfreeze=True)
    res = lst[i]
    res = hint(res, variable=True)
    return res


def test_a_deepfrozen_prebuilt_list_is_read_at_compile_time():
    """test_lists_deepfreeze: both arguments green.  `get_list` is a
    @purefunction here: in our annotator a value that is one of two literals
    at a join is red (a literal is red unless forced), so its result would be
    read at run time; a pure function's container result is frozen."""
    assert specialised(read_deepfrozen, [3, 4], [0, 1]) == (("value", 5), {})


FROZEN = [5, 7, 9]


def read_frozen_concrete(x: int) -> int:
    mylist = hint(FROZEN, deepfreeze=True)
    z = mylist[x]
    hint(z, concrete=True)
    return z


def read_frozen_caught(x: int) -> int:
    mylist = hint(FROZEN, deepfreeze=True)
    try:
        z = mylist[x]
    except IndexError:
        return -42
    hint(z, concrete=True)
    return z


def test_a_frozen_list_read_at_a_green_index():
    """test_frozen_list and test_frozen_list_indexerror (the IndexError of
    the green read is raised, and caught, while compiling)."""
    assert specialised(read_frozen_concrete, [1], [0]) == (("value", 7), {})
    assert specialised(read_frozen_caught, [4], [0]) == (("value", -42), {})


class Y:
    flag: bool

    def __init__(self):
        self.flag = False


YY = Y()
LST1 = [3, 4, 5]
LST2 = [6, 2]


def pick(i: int) -> list[int]:
    if i == 1:
        return LST1
    elif i == 2:
        return LST2
    return []


def read_if_flagged(lst: list[int], y: Y, n: int) -> int:
    lst = hint(lst, deepfreeze=True)
    if y.flag:
        return lst[n]
    else:
        return -7


def bogus_index(n: int) -> int:
    YY.flag = n < 3
    read_if_flagged(pick(1), YY, n)
    YY.flag = n < 2
    return read_if_flagged(pick(2), YY, n)


def test_an_index_out_of_range_on_a_path_never_taken_compiles():
    """test_bogus_index_while_compiling: n = 2 is green, LST2[2] is out of
    range on the path the flag (a field, read at run time) never takes."""
    assert specialised(bogus_index, [2], [0])[0] == ("value", -7)

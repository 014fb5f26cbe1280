"""The promotion tests of the 2007 PyPy JIT generator's suite
(pypy/jit/timeshifter/test/test_promotion.py), ported in our own words:
each runs specialised with the original's green arguments, natively and
interpreted, against CPython; the operation counts the original checked
are counted over the residual code and every promotion case compiled for
the run (where the original's code after a promotion is).  Its structs are
classes here; `test_mixed_merges` drops the original's
`reverse_split_queue` hint (a scheduling hint of that generator), and the
three tests of exceptions carrying fields and of void-typed arguments are
not ported (the subset's exceptions carry a message only)."""

from __future__ import annotations

from collections import Counter

import pytest

import timeshifter
from hintannotator import hint
from tests.timeshifter.test_exceptions import outcome


def promoted(func, args, green=()):
    """(result, operation counts over the residual code and its cases)."""
    names = [func.__code__.co_varnames[i] for i in green]
    comp = timeshifter.make_compiler(func, green=names)
    res = comp.specialize(*[args[i] for i in green])
    reds = [a for i, a in enumerate(args) if i not in green]
    expected = outcome(func, *args)
    assert outcome(res, *reds) == expected, "native"
    assert outcome(res.interpret, *reds) == expected, "interpreted"
    graphs = [res.graph] + [case.graph for site in comp.sites for case in site.cases.values()]
    counts, seen = Counter(), set()
    while graphs:
        graph = graphs.pop()
        if graph in seen:
            continue
        seen.add(graph)
        for op in graph.iteroperations():
            counts[op.opname] += 1
            if op.opname == "direct_call" and op.args[0].value.func is None:
                graphs.append(op.args[0].value)
    return expected, counts


def plus_one_twice(k: int) -> int:
    return (k + 1) * 2


def simple(n: int) -> int:
    hint(None, global_merge_point=True)
    k = hint(n, promote=True)
    k = plus_one_twice(k)
    return hint(k, variable=True)


def test_simple_promotion():
    result, counts = promoted(simple, [20], [0])            # green: nothing to promote
    assert result == ("value", 42) and "int_add" not in counts and "promote" not in counts
    result, counts = promoted(simple, [20])
    assert result == ("value", 42) and counts["int_add"] == counts["int_mul"] == 0
    assert counts["promote"] == 1


def square(k: int) -> int:
    return k * k


def many(n: int, total: int) -> int:
    while n > 0:
        hint(None, global_merge_point=True)
        k = hint(n, promote=True)
        k = square(k)
        total += hint(k, variable=True)
        n -= 1
    return total


def test_many_promotions():
    """One case per value of n: each adds its square, a constant."""
    result, counts = promoted(many, [10, 0])
    assert result == ("value", many(10, 0))
    assert counts["int_add"] == 10 and counts["int_mul"] == 0


class S:
    x: int
    y: int

    def __init__(self):
        self.x = 0
        self.y = 0


def set_x(k: int, s: S) -> None:
    if k > 5:
        s.x = 20
    else:
        s.x = 10


def after_call(n: int) -> int:
    hint(None, global_merge_point=True)
    s = S()
    set_x(n, s)
    k = hint(n, promote=True)
    k *= 17
    return hint(k, variable=True) + s.x


def test_promote_after_call():
    result, counts = promoted(after_call, [4])
    assert result == ("value", 4 * 17 + 10)
    assert counts["int_mul"] == 0 and counts["int_add"] == 1


def set_x_times(k: int, s: S) -> int:
    if k > 5:
        s.x = 20 * k
        return 7
    else:
        s.x = 10 * k
        return 9


def after_yellow_call(n: int) -> int:
    hint(None, global_merge_point=True)
    s = S()
    c = set_x_times(n, s)
    k = hint(s.x, promote=True)
    k += c
    return hint(k, variable=True)


def test_promote_after_yellow_call():
    """The original counted no int_add: its generator kept the callee's two
    return paths apart until the promotion, so c was a constant on each.
    Ours merges them where the call returns (c red, 7 or 9): one int_add."""
    result, counts = promoted(after_yellow_call, [4])
    assert result == ("value", 49) and counts["int_add"] == 1


def times_17(n: int) -> int:
    k = hint(n, promote=True)
    k *= 17
    return hint(k, variable=True)


def inside_call(n: int) -> int:
    hint(None, global_merge_point=True)
    return times_17(n + 1) - 1


def test_promote_inside_call():
    result, counts = promoted(inside_call, [10])
    assert result == ("value", 186)
    assert (counts["int_add"], counts["int_mul"], counts["int_sub"]) == (1, 0, 0)


def two(n: int, m: int) -> int:
    hint(None, global_merge_point=True)
    n1 = hint(n, promote=True)
    m1 = hint(m, promote=True)
    s1 = n1 + m1
    return hint(s1, variable=True)


def test_two_promotions():
    result, counts = promoted(two, [40, 2])
    assert result == ("value", 42) and counts["int_add"] == 0


def merged_field(n: int) -> int:
    s = S()
    if n < 0:
        s.x = 10
    else:
        s.x = 20
    k = hint(s.x, promote=True)
    k *= 17
    return hint(k, variable=True)


def merge_then_promote(n: int) -> int:
    hint(None, global_merge_point=True)
    return merged_field(n)


def test_merge_then_promote():
    result, counts = promoted(merge_then_promote, [3])
    assert result == ("value", 340)
    assert counts["int_lt"] == 1 and counts["int_mul"] == 0


def unfreeze(n: int) -> int:
    hint(None, global_merge_point=True)
    s = S()
    s.x = n
    k = hint(n, promote=True)
    k = plus_one_twice(k)
    return hint(k, variable=True) + s.x


def test_a_virtual_instance_survives_the_promotion():
    """test_vstruct_unfreeze."""
    result, counts = promoted(unfreeze, [20], [0])
    assert result == ("value", 62) and sum(counts.values()) == 0
    result, counts = promoted(unfreeze, [20])
    assert result == ("value", 62) and counts["int_add"] == counts["int_mul"] == 0


def step_two(s: S, i: int, m: int) -> int:
    if i > 4:
        s.x += i
        return 10
    else:
        s.y = i
        return s.x + m


def step_three(s: S, k: int) -> int:
    k = hint(k, promote=True)
    if s.x > 6:
        k *= hint(s.y, promote=True)
        return k
    else:
        return hint(1, concrete=True)


def more_promotes(n: int, m: int) -> int:
    s = S()
    i = 0
    while i < n:
        hint(None, global_merge_point=True)
        k = step_two(s, i, m)
        if m & 1:
            k *= 3
        else:
            s.y += 1
        j = step_three(s, k)
        j = hint(j, variable=True)
        i += j
    return s.x + s.y * 17


def test_more_promotes():
    assert promoted(more_promotes, [100, 2])[0] == ("value", more_promotes(100, 2))


def mixed_merges(x: int, y: int, z: int, k: int) -> int:
    if x:
        while x > 0:
            hint(None, global_merge_point=True)
            if y < 0:
                y = -y
                return y
            else:
                n = 10
                while n:
                    n -= 1
                y = hint(y, promote=True)
                y *= 2
                y = hint(y, variable=True)
            x -= 1
    else:
        if z < 0:
            z = -z
        else:
            k = 3
        y = y + z * k
    return y


@pytest.mark.parametrize("args", [[6, 3, 2, 2], [0, 3, -2, 5], [0, 3, 2, 5], [2, -4, 0, 1]])
def test_mixed_merges(args):
    assert promoted(mixed_merges, args, [3])[0] == ("value", mixed_merges(*args))


def list_copy(x: int, y: int) -> int:
    hint(None, global_merge_point=True)
    lst = [y] * x
    size = len(lst)
    size = hint(size, promote=True)
    vl = [0] * size
    i = 0
    while i < size:
        hint(i, concrete=True)
        vl[i] = lst[i]
        i = i + 1
    return len(vl)


def test_virtual_list_copy():
    """The promoted length makes the copy's loop unroll; the copy folds.  The
    original's count was 1 newlist and 1 len; the six reads of the red list
    (stored into the virtual copy) stay here."""
    result, counts = promoted(list_copy, [6, 5])
    assert result == ("value", 6)
    assert counts == {"newlist": 1, "list_len": 1, "list_getitem": 6, "promote": 1}


def bug_1(x: int, y: int, z: int) -> int:
    a = 17
    while True:
        hint(None, global_merge_point=True)
        y += 1
        if a != 17:
            z = -z
        if z > 0:
            b = 1 - z
        else:
            b = 2
        y = -y
        if b == 2:
            hint(z, promote=True)
            return y + z + a
        a += z


def test_promote_bug_1():
    assert bug_1(1, 5, 8) == 22
    assert promoted(bug_1, [1, 5, 8])[0] == ("value", 22)


def plus_two(n: int) -> int:
    n = hint(n, promote=True)
    return n + 2


def in_yellow_call(n: int) -> int:
    hint(None, global_merge_point=True)
    c = plus_two(n)
    return hint(c, variable=True)


def test_promote_in_yellow_call():
    result, counts = promoted(in_yellow_call, [4])
    assert result == ("value", 6) and counts["int_add"] == 0


def pick(n: int, m: int) -> int:
    if n < 1:
        return m
    else:
        return n


def sum_promoted(n: int, m: int) -> int:
    n = pick(n, m)
    n = hint(n, promote=True)
    m = hint(m, promote=True)
    return hint(n + m, variable=True)


def two_in_call(n: int, m: int) -> int:
    hint(None, global_merge_point=True)
    c = sum_promoted(n, m)
    return c


def test_two_promotions_in_call():
    result, counts = promoted(two_in_call, [4, 7])
    assert result == ("value", 11) and counts["int_add"] == 0


class Holder:
    field: int

    def __init__(self, field: int):
        self.field = field


def remembers(x: Holder, flag: int) -> int:
    hint(None, global_merge_point=True)
    hint(x.field, promote=True)
    m = x.field
    if flag:
        m += 1 * flag
    else:
        m += 2 + flag
    hint(x.field, promote=True)
    return m + x.field


@pytest.mark.parametrize("flag", [0, 3])
def test_a_field_promoted_twice_gives_the_right_result(flag):
    """test_remembers_across_mp, its result."""
    comp = timeshifter.make_compiler(remembers)
    res = comp.specialize()
    assert res(Holder(20), flag) == res.interpret(Holder(20), flag) == remembers(Holder(20),
                                                                                 flag)


@pytest.mark.parametrize("flag", [0, 3])
def test_a_field_promoted_twice_is_one_site(flag):
    """test_remembers_across_mp's check_flexswitches(1) (its struct was
    immutable; here no store or residual call comes between the reads, and
    the join after `if flag` keeps what the promotion made known)."""
    comp = timeshifter.make_compiler(remembers)
    res = comp.specialize()
    assert res(Holder(20), flag) == remembers(Holder(20), flag)
    assert res(Holder(7), flag) == remembers(Holder(7), flag)
    assert len(comp.sites) == 1

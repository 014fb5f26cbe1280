"""Instances of two subclasses meeting at a label: its merge value takes
their nearest common class, and so does every label it is passed on to,
however late the widening comes (rgen `widen_merge_values`).  A fuzz
finding (seeds 813425 and 56887), reduced: a label typed by the first
path's subclass received the base class's value through a label widened
after it, which the residual checker caught after `thread_values`."""

from __future__ import annotations

import pytest

import timeshifter
from hintannotator import dont_look_inside, hint
from tests.timeshifter.test_exceptions import outcome


class GuestError(Exception):
    pass


class Acc:
    n: int

    def __init__(self, n: int):
        self.n = n

    def bump(self, k: int) -> int:
        k = hint(-(k // (self.n | 1)), variable=True)
        k = 9223372036854775807 ^ (self.n if max(7.0, float(k)) <= k + k else k)
        return (k | self.n) >> ((k - self.n) & 63)


class Acc2(Acc):
    k: int

    def __init__(self, n: int):
        super().__init__(n + 1)
        self.k = n

    def bump(self, k: int) -> int:
        if float(self.n) // float(k) < float(self.n):
            return (self.n + self.n) // (self.n | 1)
        self.n = -3 if -2 > self.n >= k else -10
        return self.n


@dont_look_inside
def h1(p: int, q: int) -> int:
    if q >= p:
        raise GuestError("random program raised")
    return p


def meet(x: int, y: int, z: int, lst: list[int], pr: tuple[int, int]) -> int:
    o = Acc(x) if pr[0] == 2 else Acc2(len(lst))
    oq: Acc | None = o
    m = [pr[0]] * (y % 4)
    n1 = 0
    while n1 < 6:
        for i2 in range(o.bump(z) % 9, h1(pr[-1], pr[-1]) % 5 - 4, -3):
            if not ((oq is not o) or (n1 != pr[1]) or (x < (max(m) if len(m) > 0 else 5))):
                return h1(h1(oq.n if oq is not None else 7, pr[0]), 9 - z)
            x ^= i2
            oq = None
    return pr[0] + pr[0] - y


@pytest.mark.parametrize("args", [(0, 4, 0, [], (3, 3)), (5, 1, 2, [1], (2, 0)),
                                  (7, 7, 3, [1, 2], (1, 0)), (1, 2, 3, [], (4, 9))])
def test_a_label_widened_late_widens_the_labels_it_feeds(args):
    res = timeshifter.make_compiler(meet).specialize()        # (checked after each pass)
    expected = outcome(meet, *args)
    assert outcome(res, *args) == outcome(res.interpret, *args) == expected, args

"""A promoted field of a run-time object stays known (issue 12 item 9: repeated
promotions of the same value share one site).  After `hint(o.f, promote=True)`
the cases of the site know `o.f`, so a later read of it is the constant and a
second promotion of it needs no site of its own, across joins too; any store
to a field of that name (the object may be any other's alias) and any
residual call (it may store anything) make it unknown again.  Each in every
mode against CPython, with the objects left as CPython leaves them."""

import copy

import pytest

import timeshifter
from hintannotator import dont_look_inside, hint
from tests.differential import assert_same_outcome, outcome


class Box:
    v: int
    w: int

    def __init__(self, v: int, w: int):
        self.v = v
        self.w = w


def twice(b: Box, x: int) -> int:
    k = hint(b.v, promote=True)
    if x > 0:
        x += k
    else:
        x -= 1
    m = hint(b.v, promote=True)
    return x * 100 + k + m


def other_field_stored(b: Box, x: int) -> int:
    k = hint(b.v, promote=True)
    b.w = x
    return k * 100 + hint(b.v, promote=True)


def stored_between(b: Box, x: int) -> int:
    k = hint(b.v, promote=True)
    b.v = x
    return k * 100 + hint(b.v, promote=True)


@dont_look_inside
def bump(b: Box) -> int:
    b.v += 1
    return 0


def call_between(b: Box, x: int) -> int:
    k = hint(b.v, promote=True)
    x += bump(b)
    return k * 100 + b.v + x


def through_an_alias(a: Box, b: Box, x: int) -> int:
    k = hint(a.v, promote=True)
    b.v = x
    return k * 100 + a.v


def in_a_loop(b: Box, n: int) -> int:
    total = 0
    i = 0
    while i < n:
        k = hint(b.v, promote=True)
        total = total * 3 + k
        b.v = (b.v * 3 + 1) % 5
        i += 1
    return total + b.v


def run_both(func, argsets):
    """Each argument tuple through a fresh specialisation, natively and
    interpreted, against CPython (results and the objects after the call);
    the number of promotion sites of the native run."""
    sites = set()
    for interpret in (False, True):
        comp = timeshifter.make_compiler(func)
        res = comp.specialize()
        for args in argsets:
            expected = outcome(func, args)
            got = outcome(res.interpret if interpret else res, args)
            assert_same_outcome(expected, got, f"{func.__name__}{args!r}")
        sites.add(len(comp.sites))
    return sites


# stored_between: the first site, then one per case of it (the cases' states
# differ by the green k) for the field read again after the store
@pytest.mark.parametrize("func, sites", [(twice, 1), (other_field_stored, 1),
                                         (stored_between, 3)], ids=["twice", "other_field",
                                                                    "stored_between"])
def test_a_promoted_field_is_known_until_a_store_to_its_name(func, sites):
    argsets = [(Box(v, 5), x) for v in (3, 4, 3) for x in (-2, 0, 9)]
    assert run_both(func, argsets) == {sites}


def test_a_residual_call_makes_the_field_unknown():
    assert run_both(call_between, [(Box(v, 0), x) for v in (1, 2, 1) for x in (0, 5)]) == {1}


def test_a_store_through_another_name_of_the_object_is_seen():
    argsets = []
    for v, x in ((3, 9), (4, 4), (3, -1)):
        shared = Box(v, 0)
        argsets += [(shared, shared, x), (Box(v, 0), Box(7, 0), x)]
    for interpret in (False, True):
        res = timeshifter.make_compiler(through_an_alias).specialize()
        run = res.interpret if interpret else res
        for a, b, x in argsets:
            a2, b2 = copy.deepcopy((a, b)) if a is not b else (lambda o: (o, o))(
                copy.deepcopy(a))
            expected = through_an_alias(a2, b2, x)
            a3, b3 = copy.deepcopy((a, b)) if a is not b else (lambda o: (o, o))(
                copy.deepcopy(a))
            assert run(a3, b3, x) == expected, (a is b, x)
            assert (a3.v, b3.v) == (a2.v, b2.v)


def test_a_field_changed_in_a_loop_is_promoted_again_each_time():
    assert run_both(in_a_loop, [(Box(v, 0), n) for v in (0, 2, 4) for n in (0, 1, 7, 20)])

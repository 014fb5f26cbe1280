"""Defects found by `make fuzz` (tests/fuzz.py), reduced to a few lines, as
regression tests."""

import pytest

from hintannotator import hint
from timeshifter import TimeshiftError, make_compiler, make_jit


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


class Base:
    n: int
    w: float

    def __init__(self, n: int):
        self.n = n
        self.w = 0.5


class Derived(Base):
    k: int

    def __init__(self, n: int):
        super().__init__(n + 1)
        self.k = n


def two_classes_at_a_label(x: int, y: int, z: int, s: str, pr: tuple[int, int]) -> int:
    o = Base(10) if (len(s) > 0 and s[-1 - x % len(s)] == 'a') else Derived(10)
    m = [x] * (pr[1] % 4)
    tp = (y, (y, x))
    if ((x * z) <= (float(y) * 0.1)):
        if (not ((m[y % len(m)] if len(m) > 0 else 7) < (m[-1 - z % len(m)] if len(m) > 0 else 7))):
            raise ValueError("random program raised")
        z <<= (y & 63)
    else:
        n1 = 0
        while n1 < 6:
            n1 += 1
            o.w = (x / y)
            if ((-o.n) <= y >= 255):
                return pr[0]
            z = m.pop()
        if (len(s) > 0 and s[y % len(s)] == 'b'):
            return (~y)
    if (pr[-1] > tp[0]):
        raise ValueError("random program raised")
    y, (y, x) = tp
    return (-y)


@pytest.mark.parametrize("args", [
    (-4398046511103, 19, 9223372036854775807, 'abza', (-16, -1329)),
    (-17, 9223372036854775807, -52948, 'y', (-10, -17)),
    (0, 1182899, 5, 'a', (9223372036854775807, 9223372036854775807)),
    (60265, -1073741825, -420247, 'ycyy', (4, -52722))])
def test_a_label_redirected_from_a_subclass_to_its_base(args):
    """Instances of a class and its subclass reach one loop label: when the
    label is generalised, the old label's value (of the base class) is
    passed to the new one, made for the subclass's instance: it widens to
    the base (rgen redirect_label, as jump does)."""
    comp = make_compiler(two_classes_at_a_label, green=[1, 4])
    res = comp.specialize(args[1], args[4])
    reds = (args[0], args[2], args[3])
    outcomes = []
    for run in (lambda: two_classes_at_a_label(*args), lambda: res(*reds),
                lambda: res.interpret(*reds)):
        try:
            outcomes.append(("ok", run()))
        except Exception as exc:
            outcomes.append((type(exc), str(exc)))
    assert outcomes[1] == outcomes[2] == outcomes[0]


class GuestError(Exception):
    pass


class GuestStop(GuestError):
    pass


class HalfHolder:
    w: float

    def __init__(self, n: int):
        self.w = 0.5


def known_length_in_try(x: int, w: float, s: str, pr: tuple[int, int]) -> int:
    a = (ord(s[-1 - (ord(s[x % len(s)]) if len(s) > 0 else 3) % len(s)])
         if len(s) > 0 else 3) // (-9)
    o = HalfHolder(pr[1] - pr[1])
    m = [x] * ((-2) % 4)
    n2 = 0
    while n2 < 5 and (not (a != (-5))):
        try:
            if (((x >= n2) or (len(s) > 0 and s[pr[-1] % len(s)] <= 'z'))
                    and (not (((x if ((len(s) > 0 and s[a % len(s)] != 'a')
                                      or (len(s) > 0 and s[(m[(-9) % len(m)] if len(m) > 0
                                                            else 7) % len(s)] != 'a'))
                                else a) > o.w)
                              or (pr[0] < (m[pr[0] % len(m)] if len(m) > 0 else 7))))):
                continue
        except GuestStop as e:
            raise GuestError("translated") from e
        except GuestError:
            pass
        finally:
            x = hint((pr[-1] + pr[1]), variable=True)
    return pr[0]


@pytest.mark.parametrize("args", [(-9223372036854775808, 0.0, "", (0, 0)),
                                  (7, 1.5, "abc", (3, -4))])
def test_a_division_in_a_try_that_a_known_length_folds(args):
    """`(-9) % len(m)` in a try whose list's length the residual pipeline
    learns (fold_known_lengths): the division folds away, and so must its
    block's exception exits (constprop.refold); the pass checks said "want
    an operation that may raise as the block's last one, have none"."""
    res = make_compiler(known_length_in_try).specialize()
    assert res.interpret(*args) == res(*args) == known_length_in_try(*args)


def green_counter_with_promotion(y: int, z: int) -> int:
    n = 0
    while n < 4:
        hint(None, global_merge_point=True)
        n += 1
        for i in range((y + z) % 3):
            z = hint(z, promote=True)
        y += 1
    return z


def test_a_case_that_fails_leaves_no_unfinished_entry_behind():
    """Compiling a promotion case began a shared entry function for the
    merge point's next green key, then hit the bound on green states (the
    green `y` counts without bound).  The entry stayed in the family's
    tables unfinished, and the native code compiled next called it: a
    CompileError ("a block without exits") instead of the bound's error.
    A failed run now leaves the tables as they were."""
    comp = make_compiler(green_counter_with_promotion, green=["y"], max_states_per_merge=64)
    res = comp.specialize(-2**63 + 1)
    for run in (res.interpret, res):
        with pytest.raises(TimeshiftError, match="more than 64 different green states"):
            run(19)

"""Tests of the 2007 PyPy JIT generator's test_virtualizable.py
(pypy/jit/timeshifter/test/test_virtualizable.py: an interpreter frame made
outside the compiled code and passed in, whose fields stay in registers
while compiled code runs, yet are right whenever something outside reads
them), ported in our own words.

There, a frame class was marked (`_virtualizable_ = True`, or an access
struct) and its fields were passed to the residual function as extra
arguments, so the residual code read none (`getfield=0`).  Here no marker
is needed, for any instance passed in: the residual code reads a field
once (the first time it is needed), keeps it in a variable, and writes a
field back only where something outside may look: before a residual call,
at a promotion site, a raise or the return (rgen/fields.py, the residual
pipeline's `forward_fields`; a loop's stores go to its exits).  Each port
runs the original's `main` against CPython with the compiled function
interpreted and native, objects made fresh for each, and checks what
`main` sees afterwards; the counts are ours, a read per field used at
entry where the original had arguments."""

from __future__ import annotations

import pytest

import timeshifter
from flowgraph.interp.names import cyclic_blocks
from hintannotator import dont_look_inside, hint

# an object made here and passed to a residual call is made real, as the
# SpecializationWarning says: these tests check that the callee sees it right
pytestmark = pytest.mark.filterwarnings("ignore::timeshifter.SpecializationWarning")


def in_every_mode(func, make, after, green=()):
    """[after(result, *objects)] for `func(*make())` run by CPython, by the
    residual graph interpreted and natively (fresh objects each time), and
    the residual operation counts."""
    args = make()
    res = timeshifter.make_compiler(func, green=list(green)).specialize(
        *[args[i] for i in green])
    outcomes = [after(func(*args), *args)]
    for run in (res.interpret, res):
        args = make()
        outcomes.append(after(run(*[a for i, a in enumerate(args) if i not in green]), *args))
    return outcomes, dict(res.op_counts())


class XY:
    x: int
    y: int

    def __init__(self, x: int, y: int):
        self.x = x
        self.y = y


class S:
    a: int
    b: int

    def __init__(self, a: int, b: int):
        self.a = a
        self.b = b


class XP:
    """The original's XP: its `p` started null where main set nothing; here
    a placeholder S(0, 0) (a field read through a possible None would test
    it, and the ports would measure that test)."""
    x: int
    p: S

    def __init__(self, x: int, p: S):
        self.x = x
        self.p = p


class E:
    xy: XY
    w: int

    def __init__(self, xy: XY):
        self.xy = xy
        self.w = 0


class E2:
    xp: XP
    w: int

    def __init__(self, xp: XP):
        self.xp = xp
        self.w = 0


def sum_fields(xy: XY) -> int:
    return xy.x + xy.y


def test_simple():
    """test_simple: two reads, one add."""
    outcomes, counts = in_every_mode(sum_fields, lambda: [XY(20, 22)], lambda r, xy: r)
    assert outcomes == [42] * 3
    assert counts == {"getfield": 2, "int_add": 1}


def set_then_read(xy: XY) -> int:
    x = xy.x
    xy.y = 1
    y = xy.y
    return x + y


def set_red_then_read(xy: XY) -> int:
    x = xy.x
    xy.y = x + 1
    y = xy.y
    return x + y


def test_a_field_read_after_its_store():
    """test_simple_set and test_set_effect: the store is done (the caller
    sees it) and the read after it is the value stored, a constant (the
    original's literal 1) or a value computed here (the second function)."""
    outcomes, counts = in_every_mode(set_then_read, lambda: [XY(20, 22)],
                                     lambda r, xy: (r, xy.x, xy.y))
    assert outcomes == [(21, 20, 1)] * 3
    assert counts == {"getfield": 1, "setfield": 1, "int_add": 1}
    outcomes, counts = in_every_mode(set_red_then_read, lambda: [XY(20, 22)],
                                     lambda r, xy: (r, xy.x, xy.y))
    assert outcomes == [(41, 20, 21)] * 3
    assert counts == {"getfield": 1, "setfield": 1, "int_add": 2}


def store_and_escape(e: E, xy: XY) -> int:
    xy.y = 3
    e.xy = xy
    return 0


def test_simple_escape():
    """test_simple_escape: the frame stored into another object keeps its
    fields' values."""
    def make():
        xy = XY(20, 22)
        return [E(XY(0, 0)), xy]
    outcomes, counts = in_every_mode(store_and_escape, make,
                                     lambda r, e, xy: e.xy.x + e.xy.y + (e.xy is xy))
    assert outcomes == [24] * 3
    assert counts == {"setfield": 2}


def return_one(which: int, xy1: XY, xy2: XY) -> XY:
    xy1.y = 3
    xy2.y = 7
    if which == 1:
        return xy1
    return xy2


@pytest.mark.parametrize("which", [1, 2])
def test_simple_return_it(which):
    """test_simple_return_it: the frame returned is one of those passed in,
    with the stores done."""
    def make():
        return [which, XY(20, 22), XY(22, 20)]
    outcomes, counts = in_every_mode(
        return_one, make, lambda r, w, a, b: (r.x + r.y, r is (a if which == 1 else b)),
        green=[0])
    assert outcomes == [((23, True) if which == 1 else (29, True))] * 3
    assert counts == {"setfield": 2}


def construct_no_escape(x: int, y: int) -> int:
    xy = XY(x, y)
    return xy.x + xy.y


def construct_escape(x: int, y: int) -> XY:
    xy = XY(x, y)
    xy.x = xy.x + 0
    return xy


def test_a_frame_made_here_is_virtual():
    """test_simple_construct_no_escape ({'int_add': 1} there too) and
    test_simple_construct_escape (made at the return, no read)."""
    outcomes, counts = in_every_mode(construct_no_escape, lambda: [20, 22], lambda r, x, y: r)
    assert outcomes == [42] * 3 and counts == {"int_add": 1}
    outcomes, counts = in_every_mode(construct_escape, lambda: [20, 22],
                                     lambda r, x, y: r.x + r.y)
    assert outcomes == [42] * 3
    assert counts.get("getfield", 0) == 0 and counts["malloc"] == 1


def with_struct(xp: XP) -> int:
    x = xp.x
    p = xp.p
    return x + p.a + p.b


def test_simple_with_struct():
    """test_simple_with_struct: 2 reads of the structure it holds there
    (getfield=2); here also the frame's 2."""
    outcomes, counts = in_every_mode(with_struct, lambda: [XP(20, S(10, 12))], lambda r, xp: r)
    assert outcomes == [42] * 3
    assert counts["getfield"] == 4


def setting_struct(xp: XP, s: S) -> int:
    xp.p = s
    x = xp.x
    p = xp.p
    p.b = p.b * 2
    return x + p.a + p.b


def test_simple_with_setting_struct():
    """test_simple_with_setting_struct: main adds xp.p.b afterwards (getfield=3
    there: x, s.a, s.b; here the same three)."""
    def make():
        return [XP(20, S(0, 0)), S(10, 3)]
    outcomes, counts = in_every_mode(setting_struct, make,
                                     lambda r, xp, s: r + xp.p.b + (xp.p is s))
    assert outcomes == [43] * 3
    assert counts["getfield"] == 3


def setting_new_struct(xp: XP, a: int, b: int) -> int:
    s = S(a, b)
    xp.p = s
    p = xp.p
    p.b = p.b * 2
    x = xp.x
    return x + p.a + p.b


def test_simple_with_setting_new_struct():
    """test_simple_with_setting_new_struct: getfield=1 here (the frame's x;
    0 there, an argument), one allocation when the structure escapes into
    the frame."""
    outcomes, counts = in_every_mode(setting_new_struct, lambda: [XP(20, S(0, 0)), 10, 3],
                                     lambda r, xp, a, b: r + xp.p.b)
    assert outcomes == [42] * 3
    assert counts["getfield"] == 1 and counts["malloc"] == 1


def constr_with_setting_new_struct(x: int, a: int, b: int) -> XP:
    xp = XP(x, S(0, 0))
    s = S(a, b)
    xp.p = s
    p = xp.p
    p.b = p.b * 2
    return xp


def test_simple_constr_with_setting_new_struct():
    """test_simple_constr_with_setting_new_struct: getfield=0, malloc=2."""
    outcomes, counts = in_every_mode(constr_with_setting_new_struct, lambda: [20, 10, 3],
                                     lambda r, x, a, b: r.x + r.p.a + r.p.b + r.p.b)
    assert outcomes == [42] * 3
    assert counts.get("getfield", 0) == 0 and counts["malloc"] == 2


def read_through(e: E) -> int:
    xy = e.xy
    xy.y = 3
    return xy.x * 2


def test_simple_read():
    """test_simple_read: the frame read from another object (getfield=3
    there: e.xy and the frame's two fields as it is forced; here e.xy and
    x, the store of y done)."""
    outcomes, counts = in_every_mode(read_through, lambda: [E(XY(20, 22))],
                                     lambda r, e: r + e.xy.x + e.xy.y)
    assert outcomes == [63] * 3
    assert counts == {"getfield": 2, "setfield": 1, "int_mul": 1}


def escape_through_vstruct(x: int, y: int) -> E:
    xy = XY(x, y)
    e = E(xy)
    y = xy.y
    xy.y = 2 * y
    return e


def test_simple_escape_through_vstruct():
    """test_simple_escape_through_vstruct: getfield=0, malloc=2."""
    outcomes, counts = in_every_mode(escape_through_vstruct, lambda: [20, 11],
                                     lambda r, x, y: r.xy.x + r.xy.y)
    assert outcomes == [42] * 3
    assert counts.get("getfield", 0) == 0 and counts["malloc"] == 2


@dont_look_inside
def does_nothing(xy: XY) -> None:
    pass


def residual_doing_nothing(xy: XY) -> int:
    hint(None, global_merge_point=True)
    does_nothing(xy)
    return xy.x + 1


def test_residual_doing_nothing():
    """test_residual_doing_nothing: the field is read after the call (the
    callee might have changed it)."""
    outcomes, counts = in_every_mode(residual_doing_nothing, lambda: [XY(2, 20)],
                                     lambda r, xy: r)
    assert outcomes == [3] * 3
    assert counts == {"direct_call": 1, "getfield": 1, "int_add": 1}


@dont_look_inside
def copy_y_to_w(e: E) -> None:
    e.w = e.xy.y


def late_residual_call(e: E, z: int) -> int:
    hint(None, global_merge_point=True)
    xy = e.xy
    y = xy.y
    xy.y = 2 * y
    if y:
        dummy = z * 2
    else:
        dummy = z * 3
    copy_y_to_w(e)
    return dummy


def residual_red_call(e: E) -> int:
    hint(None, global_merge_point=True)
    xy = e.xy
    y = xy.y
    xy.y = 2 * y
    copy_y_to_w(e)
    return xy.x


def test_residual_red_calls_see_the_stores():
    """test_late_residual_red_call and test_residual_red_call: the callee
    reads the frame through another object and sees the doubled field."""
    outcomes, _ = in_every_mode(late_residual_call, lambda: [E(XY(0, 21)), 11],
                                lambda r, e, z: (r, e.w))
    assert outcomes == [(22, 42)] * 3
    outcomes, _ = in_every_mode(residual_red_call, lambda: [E(XY(2, 20))],
                                lambda r, e: r + e.w)
    assert outcomes == [42] * 3


@dont_look_inside
def sum_through(e: E2) -> None:
    xp = e.xp
    p = xp.p
    e.w = p.a + p.b + xp.x


def force_in_residual_call(e: E2, a: int, b: int) -> int:
    hint(None, global_merge_point=True)
    xp = e.xp
    xp.p = S(a, b)
    xp.x = 2 * xp.x
    sum_through(e)
    return xp.x


def test_force_in_residual_red_call():
    """test_force_in_residual_red_call: a structure made here is stored in
    the frame, which a residual call reads: it is allocated before the
    call."""
    outcomes, counts = in_every_mode(force_in_residual_call, lambda: [E2(XP(10, S(0, 0))), 2, 20],
                                     lambda r, e, a, b: (r, e.w))
    assert outcomes == [(20, 42)] * 3
    assert counts["malloc"] == 1


@dont_look_inside
def same_twice(e: E2) -> None:
    e.w = int(e.xp.p is e.xp.p)


def force_multiple_reads(e: E2, a: int, b: int) -> int:
    hint(None, global_merge_point=True)
    xp = e.xp
    xp.p = S(a, b)
    xp.x = 2 * xp.x
    same_twice(e)
    return xp.x


def test_force_multiple_reads_residual_red_call():
    outcomes, _ = in_every_mode(force_multiple_reads, lambda: [E2(XP(10, S(0, 0))), 2, 20],
                                lambda r, e, a, b: e.w)
    assert outcomes == [1] * 3


class PQ:
    p: S | None
    q: S | None

    def __init__(self):
        self.p = None
        self.q = None


class E3:
    pq: PQ
    w: int

    def __init__(self, pq: PQ):
        self.pq = pq
        self.w = 0


@dont_look_inside
def not_aliased(e: E3) -> None:
    e.w = int(e.pq.p is not e.pq.q)


@dont_look_inside
def aliased(e: E3) -> None:
    e.w = int(e.pq.p is e.pq.q)


def two_structures(e: E3, a: int, b: int) -> int:
    hint(None, global_merge_point=True)
    pq = e.pq
    pq.p = S(a, b)
    pq.q = S(a, b)
    not_aliased(e)
    p = pq.p
    return p.a


def one_structure_twice(e: E3, a: int, b: int) -> int:
    hint(None, global_merge_point=True)
    pq = e.pq
    s = S(a, b)
    pq.p = s
    pq.q = s
    aliased(e)
    p = pq.p
    return p.a


def test_force_unaliased_and_aliased_residual_red_call():
    """test_force_unaliased_residual_red_call and _aliased_: two structures
    made here are two objects, one stored twice is one."""
    for func in (two_structures, one_structure_twice):
        outcomes, counts = in_every_mode(func, lambda: [E3(PQ()), 2, 20],
                                         lambda r, e, a, b: (r, e.w))
        assert outcomes == [(2, 1)] * 3, func.__name__
        assert counts["malloc"] == (2 if func is two_structures else 1)


@dont_look_inside
def sum_and_swap(e: E2) -> None:
    xp = e.xp
    p = xp.p
    e.w = p.a + p.b + xp.x
    p.b, p.a = p.a, p.b


def force_with_more_use(e: E2, a: int, b: int) -> int:
    hint(None, global_merge_point=True)
    xp = e.xp
    s = S(a, b)
    xp.p = s
    xp.x = 2 * xp.x
    sum_and_swap(e)
    s.a = s.a * 7
    s.b = s.b * 5
    return xp.x


def test_force_in_residual_red_call_with_more_use():
    """The structure is changed by the callee, then here: both changes are
    seen (42 + 140 + 10 as there)."""
    outcomes, _ = in_every_mode(force_with_more_use, lambda: [E2(XP(10, S(0, 0))), 2, 20],
                                lambda r, e, a, b: e.w + e.xp.p.a + e.xp.p.b)
    assert outcomes == [42 + 140 + 10] * 3


@dont_look_inside
def y_twice_plus_x(xy: XY) -> int:
    return xy.y * 2 + xy.x


@dont_look_inside
def swap_fields(xy: XY) -> None:
    x, y = xy.x, xy.y
    xy.x = y
    xy.y = x


def escaped_to_red_call(x: int, y: int) -> int:
    hint(None, global_merge_point=True)
    xy = XY(x, y)
    r = y_twice_plus_x(xy)
    x = xy.x
    y = xy.y
    return r


def setting_in_residual_call(x: int) -> int:
    hint(None, global_merge_point=True)
    xy = XY(x, 11)
    swap_fields(xy)
    return xy.x * 2 + xy.y


def test_a_frame_made_here_passed_to_a_residual_call():
    """test_virtualizable_escaped_as_argument_to_red_call and
    test_setting_in_residual_call: allocated for the call, read after it."""
    outcomes, _ = in_every_mode(escaped_to_red_call, lambda: [20, 11], lambda r, x, y: r)
    assert outcomes == [42] * 3
    outcomes, counts = in_every_mode(setting_in_residual_call, lambda: [20], lambda r, x: r)
    assert outcomes == [42] * 3
    assert counts["malloc"] == 1 and counts["getfield"] == 2


class X0:
    x: int

    def __init__(self, x: int):
        self.x = x


class XY0(X0):
    y: int

    def __init__(self, x: int, y: int):
        super().__init__(x)
        self.y = y


def sum_inherited(xy: XY0) -> int:
    return xy.x + xy.y


def test_simple_inheritance():
    outcomes, counts = in_every_mode(sum_inherited, lambda: [XY0(20, 22)], lambda r, xy: r)
    assert outcomes == [42] * 3
    assert counts == {"getfield": 2, "int_add": 1}


class V:
    s: S | None

    def __init__(self, s: S | None):
        self.s = s


@dont_look_inside
def set_pointer(v: V) -> None:
    assert v.s is None
    v.s = S(1, 7)


def setting_pointer_in_residual_call(v: V) -> int:
    hint(None, global_merge_point=True)
    set_pointer(v)
    s = v.s
    assert s is not None
    return s.a + s.b


@dont_look_inside
def swap_and_replace(v: V) -> None:
    s = v.s
    assert s is not None
    x, y = s.a, s.b
    s.a = y
    s.b = x
    v.s = S(x * 100, y * 100)


def force_then_set(v: V) -> int:
    hint(None, global_merge_point=True)
    s = S(1, 10)
    v.s = s
    swap_and_replace(v)
    s2 = v.s
    assert s2 is not None
    return s.a * 2 + s.b + s2.a * 2 + s2.b


def test_pointers_set_in_residual_calls():
    """test_setting_pointer_in_residual_call and
    test_force_then_set_in_residual_call (20 + 1 + 200 + 1000)."""
    outcomes, _ = in_every_mode(setting_pointer_in_residual_call, lambda: [V(None)],
                                lambda r, v: r)
    assert outcomes == [8] * 3
    outcomes, _ = in_every_mode(force_then_set, lambda: [V(None)], lambda r, v: r)
    assert outcomes == [20 + 1 + 200 + 1000] * 3


@dont_look_inside
def set_x_42(v: X0) -> None:
    v.x = 42


def aliased_box(x: int) -> int:
    hint(None, global_merge_point=True)
    s = X0(x)
    v = X0(x)
    set_x_42(v)
    return v.x + s.x


def test_aliased_box():
    outcomes, _ = in_every_mode(aliased_box, lambda: [0], lambda r, x: r)
    assert outcomes == [42] * 3


class W:
    l: list[int]

    def __init__(self, l: list[int]):
        self.l = l


@dont_look_inside
def swap_list(v: W) -> None:
    l = v.l
    x, y = l[0], l[1]
    l[0] = y
    l[1] = x
    v.l = [x * 100, y * 100]


def virtual_list(v: W) -> int:
    hint(None, global_merge_point=True)
    l = [1, 10]
    v.l = l
    swap_list(v)
    l2 = v.l
    return l[0] * 2 + l[1] + l2[0] * 2 + l2[1]


def test_virtual_list():
    """test_virtual_list: a list made here, stored in the frame, changed and
    replaced by a residual call."""
    outcomes, counts = in_every_mode(virtual_list, lambda: [W([])], lambda r, v: r)
    assert outcomes == [20 + 1 + 200 + 1000] * 3


class Chain:
    x: int
    back: Chain | None

    def __init__(self, x: int, back: Chain | None):
        self.x = x
        self.back = back


def first_x(xy: Chain) -> int:
    return xy.x


class Holder:
    xy: Chain

    def __init__(self, xy: Chain):
        self.xy = xy


def first_x_through(w: Holder) -> int:
    return w.xy.x


def test_recursive_and_recursive_load_from():
    """test_recursive (getfield=0 there, an argument; 1 here) and
    test_recursive_load_from."""
    outcomes, counts = in_every_mode(first_x, lambda: [Chain(20, Chain(22, None))],
                                     lambda r, xy: r)
    assert outcomes == [20] * 3 and counts == {"getfield": 1}
    outcomes, _ = in_every_mode(first_x_through, lambda: [Holder(Chain(20, Chain(22, None)))],
                                lambda r, w: r)
    assert outcomes == [20] * 3


@dont_look_inside
def appends(v: W, n: int) -> None:
    v.l.append(n)


def h1(v: W, n: int) -> int:
    appends(v, n)
    return n * 6


def h2(v: W, n: int) -> int:
    return n * 8


HANDLERS = [h2, h1]


def indirect_residual_call(n: int) -> int:
    hint(None, global_merge_point=True)
    v = W([100])
    res = HANDLERS[n & 1](v, n + 10)    # (a function is called, not held, here)
    return res - v.l.pop()


@pytest.mark.parametrize("n", [-3, 4])
def test_indirect_residual_call(n):
    """test_indirect_residual_call: a call through a table of functions,
    one of which passes the frame to a residual call (35 and 12)."""
    outcomes, _ = in_every_mode(indirect_residual_call, lambda: [n], lambda r, n: r)
    assert outcomes == [indirect_residual_call(n)] * 3 == [35 if n == -3 else 12] * 3


def frame_loop(frame: XY, k: int) -> int:
    while frame.y > 0:
        frame.x += frame.y * k
        frame.y -= 1
    return frame.x


def test_no_field_operation_inside_a_loop():
    """The issue's measure: a loop on a frame's fields reads them before
    the loop and writes them at its exit, none inside (the blocks on a
    cycle); the frame is right afterwards in every mode."""
    comp = timeshifter.make_compiler(frame_loop)
    res = comp.specialize()
    for run in (frame_loop, res.interpret, res):
        xy = XY(1, 10)
        assert (run(xy, 3), xy.x, xy.y) == (166, 166, 0)
    loop = cyclic_blocks(res.graph.iterblocks())
    inside = [op.opname for block in loop for op in block.operations]
    assert loop and inside
    assert "getfield" not in inside and "setfield" not in inside, inside


# -- beyond the 2007 tests: every place where the outside may look --------------

class Halt(Exception):
    pass


def frame_loop_promoting(frame: XY, k: int) -> int:
    while frame.y > 0:
        frame.x += frame.y * k
        frame.y -= 1
        if frame.x > 1000:
            m = hint(frame.y, promote=True)
            frame.x -= m
    return frame.x


def frame_loop_raising(frame: XY, k: int) -> int:
    while frame.y > 0:
        frame.x += frame.y * k
        frame.y -= 1
        if frame.x > 100:
            raise Halt("too big")
    return frame.x


@pytest.mark.parametrize("max_cases", [16, 1])
@pytest.mark.parametrize("func", [frame_loop_promoting, frame_loop_raising])
def test_the_frame_is_right_after_a_promotion_or_a_raise(func, max_cases):
    """A promotion site in the loop (its cases, and with one case allowed the
    path past the bound, run from the frame as the loop left it) and a raise
    out of the loop: the frame's fields equal CPython's afterwards, for
    several calls with the same compiled code."""
    comp = timeshifter.make_compiler(func, promote_max_cases=max_cases)
    res = comp.specialize()
    for k in (3, 50, 200, 7):
        seen = []
        for run in (func, res.interpret, res):
            frame = XY(1, 30)
            try:
                result = run(frame, k)
            except Halt:
                result = "Halt"
            seen.append((result, frame.x, frame.y))
        assert seen[1:] == seen[:1] * 2, (k, seen)


# -- more of the 2007 tests (TestVirtualizableImplicit) ---------------------------

class Log:
    acc: int
    stack: list[int]

    def __init__(self):
        self.acc = 0
        self.stack = []


class Frame:
    code: str
    pc: int
    acc: int
    y: int
    log: Log

    def __init__(self, code: str, acc: int, y: int, log: Log):
        self.code = code
        self.pc = 0
        self.acc = acc
        self.y = y
        self.log = log


@dont_look_inside
def debug(frame: Frame) -> None:
    frame.log.acc = frame.acc


def plus_minus(frame: Frame, s: str) -> int:
    n = len(s)
    pc = 0
    while pc < n:
        hint(None, global_merge_point=True)
        frame.pc = pc
        op = s[pc]
        op = hint(op, concrete=True)
        if op == "+":
            frame.acc += frame.y
        elif op == "-":
            frame.acc -= frame.y
        elif op == "d":
            debug(frame)
        pc += 1
    return 0


def test_simple_interpreter_with_frame():
    """test_simple_interpreter_with_frame: main returns acc * 10 + what the
    residual `debug` saw (42 there too); one residual call, as the
    original's count of direct calls (2 with its exception helper).  The
    frame's acc and y are read at the start and again after the call (which
    may change them); acc and pc are stored before the call and at the end
    only (the stores between were overwritten: 9 stores before that)."""
    def make():
        return [Frame("+d+-+", 0, 2, Log()), "+d+-+"]
    outcomes, counts = in_every_mode(plus_minus, make,
                                     lambda r, f, s: (f.acc * 10 + f.log.acc, f.pc), green=[1])
    assert outcomes == [(42, 4)] * 3
    assert counts["direct_call"] == 1
    assert counts["getfield"] == 4 and counts["setfield"] == 4


class StackFrame:
    pc: int
    stack: list[int]
    log: Log

    def __init__(self, stack: list[int], log: Log):
        self.pc = 0
        self.stack = stack
        self.log = log


@dont_look_inside
def debug_stack(frame: StackFrame) -> None:
    frame.log.stack = frame.stack[:]


def stack_interpret(frame: StackFrame, s: str) -> int:
    hint(None, global_merge_point=True)
    n = len(s)
    pc = 0
    origstack = frame.stack
    stacklen = len(origstack)
    stacklen = hint(stacklen, promote=True)
    curstack = [0] * stacklen
    i = 0
    while i < stacklen:
        hint(i, concrete=True)
        curstack[i] = origstack[i]
        i += 1
    frame.stack = curstack
    while pc < n:
        hint(None, global_merge_point=True)
        frame.pc = pc
        op = s[pc]
        pc += 1
        op = hint(op, concrete=True)
        if op == "P":
            digit = s[pc]
            pc += 1
            hint(digit, concrete=True)
            frame.stack.append(ord(digit) - ord("0"))
        elif op == "p":
            frame.stack.pop()
        elif op == "+":
            arg = frame.stack.pop()
            frame.stack[-1] += arg
        elif op == "-":
            arg = frame.stack.pop()
            frame.stack[-1] -= arg
        elif op == "d":
            debug_stack(frame)
        else:
            raise ValueError("unknown opcode")
    result = frame.stack.pop()
    frame.stack = []
    return result


@pytest.mark.parametrize("code", ["P2+P5+P3-", "P2d+P5+P3-"])
def test_simple_interpreter_with_frame_with_stack(code):
    """test_simple_interpreter_with_frame_with_stack: the stack's length is
    promoted and the stack copied into a list made here, which stays
    virtual (no newlist, as there) unless a residual call looks at it."""
    def make():
        return [StackFrame([38], Log()), code]
    outcomes, counts = in_every_mode(stack_interpret, make,
                                     lambda r, f, s: (r, f.stack, f.log.stack, f.pc), green=[1])
    debugged = [38, 2] if "d" in code else []
    assert outcomes == [(42, [], debugged, len(code) - 1)] * 3
    if "d" not in code:
        assert counts.get("newlist", 0) == 0


class SXY:
    sx: int
    sy: int

    def __init__(self, x: int, y: int):
        self.sx = x
        self.sy = y


class X1:
    x: int

    def __init__(self, x: int):
        self.x = x


class XYS(X1):
    y: int
    s: SXY

    def __init__(self, x: int, y: int, s: SXY):
        super().__init__(x)
        self.s = s
        self.y = y


@dont_look_inside
def update_from_s(xy: XYS) -> None:
    s, x, y = xy.s, xy.x, xy.y
    if x:
        xy.x = s.sx
        xy.y = s.sy
    if y:
        xy.s = SXY(x, y)


def inheritance_with_residual_call(xy: XYS, sx: int, sy: int) -> int:
    hint(None, global_merge_point=True)
    xy.s = SXY(sx, sy)
    update_from_s(xy)
    return xy.x + xy.y * 16 + xy.s.sx * 256 + xy.s.sy * 4096


def test_inheritance_with_residual_call():
    outcomes, _ = in_every_mode(inheritance_with_residual_call,
                                lambda: [XYS(1, 2, SXY(0, 0)), 4, 8], lambda r, *a: r)
    assert outcomes == [4 + 8 * 16 + 1 * 16 ** 2 + 2 * 16 ** 3] * 3


class T:
    s1: S
    s2: S

    def __init__(self, s1: S, s2: S):
        self.s1 = s1
        self.s2 = s2


class VT:
    s: S
    t: T

    def __init__(self, s: S, t: T):
        self.s = s
        self.t = t


def _swap_both(v: VT) -> S:
    """Swap the fields of `v.s` and of `v.t.s2` (times 5), make `v.t.s1`
    the latter; returns the structure `v.s` was."""
    s1 = v.s
    s1.a, s1.b = s1.b, s1.a
    t = v.t
    assert t.s1 is s1
    s2 = t.s2
    s2.a, s2.b = 5 * s2.b, 5 * s2.a
    t.s1 = s2
    return s1


@dont_look_inside
def shuffle_more(v: VT) -> None:
    """...and a new `v.s` (test_force_then_set_in_residual_call_more)."""
    s1 = _swap_both(v)
    v.s = S(s1.b * 100, s1.a * 100)


@dont_look_inside
def shuffle_evenmore(v: VT) -> None:
    """...and a new `v.t` (test_force_then_set_in_residual_call_evenmore)."""
    _swap_both(v)
    v.t = T(v.t.s1, v.t.s2)


def force_then_set_more(v: VT) -> int:
    hint(None, global_merge_point=True)
    s1 = S(1, 10)
    s2 = S(3, 23)
    v.s = s1
    t0 = T(s1, s2)
    v.t = t0
    shuffle_more(v)
    t = v.t
    if not (t is t0 and t.s1 is t.s2 and t.s1 is s2 and v.s is not s1):
        raise ValueError("wrong aliasing")
    s3 = v.s
    return s1.a + 7 * s1.b + s2.a + 11 * s2.b + s3.a + 17 * s3.b


def force_then_set_evenmore(v: VT) -> int:
    hint(None, global_merge_point=True)
    s1 = S(1, 10)
    s2 = S(3, 23)
    v.s = s1
    t0 = T(s1, s2)
    v.t = t0
    shuffle_evenmore(v)
    t = v.t
    if not (t is not t0 and t.s1 is t.s2 and t.s1 is s2 and v.s is s1):
        raise ValueError("wrong aliasing")
    s3 = v.s
    return s1.a + 7 * s1.b + s2.a + 11 * s2.b + s3.a + 17 * s3.b


@pytest.mark.parametrize("func", [force_then_set_more, force_then_set_evenmore])
def test_force_then_set_in_residual_call_more_and_evenmore(func):
    """Structures made here, stored in the frame and in each other, changed,
    replaced and re-aliased by a residual call: the identities and values
    seen afterwards are CPython's."""
    def make():
        placeholder = S(0, 0)
        return [VT(placeholder, T(placeholder, placeholder))]
    outcomes, _ = in_every_mode(func, make, lambda r, v: r)
    assert outcomes == [func(*make())] * 3


class VLS(W):
    s: S

    def __init__(self, l: list[int], s: S):
        super().__init__(l)
        self.s = s


def virtual_list_and_struct(v: VLS) -> int:
    hint(None, global_merge_point=True)
    l = [1, 10]
    s = S(3, 7)
    v.l = l
    v.s = s
    swap_list(v)
    l2 = v.l
    s2 = v.s
    return l[0] * 2 + l[1] + l2[0] * 2 + l2[1] + s.a * 7 + s.b + s2.a * 7 + s2.b


def test_virtual_list_and_struct():
    outcomes, _ = in_every_mode(virtual_list_and_struct, lambda: [VLS([], S(0, 0))],
                                lambda r, v: r)
    assert outcomes == [virtual_list_and_struct(VLS([], S(0, 0)))] * 3


class Str:
    s: str

    def __init__(self, s: str):
        self.s = s


class XStr:
    x: int
    s: Str

    def __init__(self, x: int, s: Str):
        self.x = x
        self.s = s


@dont_look_inside
def set_x_from_len(xy: XStr) -> None:
    xy.x = 19 + len(xy.s.s)


def string_in_frame(x: int, n: int) -> Str:
    hint(None, global_merge_point=True)
    s = Str("2" * n)
    xy = XStr(x, s)
    set_x_from_len(xy)
    return xy.s


def test_string_in_virtualizable():
    outcomes, _ = in_every_mode(string_in_frame, lambda: [20, 3], lambda r, x, n: int(r.s))
    assert outcomes == [222] * 3

"""Green values stored in a virtual instance read back green (issue 12 item 9).

An instance made in the analysed code whose field only ever receives green
values keeps those values in the compile-time state: a read of the field is
green, so an interpreter may keep its program counter in a frame object and
still be unrolled over its program.  The field is red (as before) once the
instance may be seen outside the generating extension's virtual state: it
meets a red pointer, is passed to residual code, stored in a list or a
container that is not virtual, or (for make_jit, whose loops start from the
interpreter's objects) is live at a global merge point.  Each case in every
mode against CPython, with exact residual operations."""

import copy
from collections import Counter

import pytest

import timeshifter
from hintannotator import annotate, dont_look_inside, hint


class Cursor:
    code: str
    pos: int

    def __init__(self, code: str, pos: int):
        self.code = code
        self.pos = pos


def count_plus(code: str, start: int, x: int) -> int:
    cur = Cursor(code, start)
    acc = x
    while cur.pos < len(cur.code):
        c = cur.code[cur.pos]
        if c == "+":
            acc += 1
        else:
            acc = acc * 2
        cur.pos = cur.pos + 1
    return acc


class Frame:
    pc: int
    acc: int

    def __init__(self, pc: int, acc: int):
        self.pc = pc
        self.acc = acc


def run_frame(code: str, start: int, x: int) -> int:
    """A loop of guest instructions with the program counter in a frame:
    '+' adds one, '*' doubles, 'j' jumps back to `start` while acc < 1000."""
    f = Frame(start, x)
    while f.pc < len(code):
        hint(None, global_merge_point=True)
        op = code[f.pc]
        f.pc += 1
        if op == "+":
            f.acc += 1
        elif op == "*":
            f.acc *= 2
        elif op == "j":
            if f.acc < 1000:
                f.pc = start
                hint(None, can_enter_jit=True)
    return f.acc


def run_local(code: str, start: int, x: int) -> int:
    """run_frame with the program counter in a local."""
    pc = start
    acc = x
    while pc < len(code):
        hint(None, global_merge_point=True)
        op = code[pc]
        pc += 1
        if op == "+":
            acc += 1
        elif op == "*":
            acc *= 2
        elif op == "j":
            if acc < 1000:
                pc = start
                hint(None, can_enter_jit=True)
    return acc


def ops(res) -> Counter:
    return Counter(op.opname for op in res.graph.iteroperations())


def check(func, greens, reds_list, **options):
    """func specialised on `greens`, natively and interpreted, against CPython
    for each tuple of red arguments; the residual code."""
    res = timeshifter.make_compiler(func, green=[0, 1], **options).specialize(*greens)
    for reds in reds_list:
        expected = func(*greens, *copy.deepcopy(reds))
        assert res(*copy.deepcopy(reds)) == expected, reds
        assert res.interpret(*copy.deepcopy(reds)) == expected, reds
    return res


@pytest.mark.parametrize("code", ["+*+", "", "*", "++*+*+*"])
def test_a_field_given_green_values_reads_back_green(code):
    ann = annotate(count_plus, green=["code", "start"])
    assert (ann.color_of("cur"), ann.color_of("c")) == ("blue", "green")
    res = check(count_plus, (code, 0), [(5,), (-3,), (0,)])
    # the loop is unrolled over the green program: no read of the cursor,
    # no loop, one operation per guest character
    assert ops(res) == Counter({"int_add": code.count("+"), "int_mul": code.count("*")})


def test_a_frame_holding_the_program_counter_specialises_as_a_local_does():
    ann = annotate(run_frame, green=["code", "start"])
    assert ann.color_of("op") == "green"
    frame = check(run_frame, ("+*j", 0), [(3,), (999,), (1000,), (-1,)])
    local = check(run_local, ("+*j", 0), [(3,), (999,), (1000,), (-1,)])
    assert ops(frame) == ops(local) == Counter({"int_add": 2, "int_mul": 2, "int_lt": 2})
    assert not any(op.opname in ("getfield", "setfield", "malloc")
                   for op in frame.graph.iteroperations())


def test_a_jit_enters_its_loop_with_the_frame_made_already_so_the_field_is_red():
    """make_jit compiles a loop from the interpreter's values at the global
    merge point, where the frame is a run-time object: its fields are red
    (annotate(merge_point_entries=True)), and the loop still compiles."""
    ann = annotate(run_frame, green=["code", "start"], merge_point_entries=True)
    assert ann.color_of("op") == "red"
    jit = timeshifter.make_jit(run_frame, green=["code", "start"], threshold=3,
                               background=False)
    for x in (3, 999, -1):
        assert jit("+*j", 0, x) == run_frame("+*j", 0, x)
    assert jit.stats["loops"] == 1 and jit.stats["compile failed"] == 0


@dont_look_inside
def peek(cur: Cursor) -> int:
    return cur.pos


def passed_to_residual_code(code: str, start: int, x: int) -> int:
    cur = Cursor(code, start)
    acc = x + peek(cur)
    while cur.pos < len(cur.code):
        c = cur.code[cur.pos]
        acc = acc * 2 if c == "*" else acc + 1
        cur.pos += 1
    return acc


def stored_in_a_list(code: str, start: int, x: int) -> int:
    cur = Cursor(code, start)
    cursors = [cur]
    acc = x
    while cursors[0].pos < len(cur.code):
        c = cur.code[cur.pos]
        acc = acc * 2 if c == "*" else acc + 1
        cur.pos += 1
    return acc


def meets_a_red_pointer(code: str, start: int, x: int, given: Cursor) -> int:
    cur = Cursor(code, start)
    if x > 100:
        cur = given
    acc = x
    while cur.pos < len(cur.code):
        c = cur.code[cur.pos]
        acc = acc * 2 if c == "*" else acc + 1
        cur.pos += 1
    return acc + cur.pos


def two_virtual_instances_meet(code: str, start: int, x: int) -> int:
    """Either of two virtual cursors: still virtual, green."""
    cur = Cursor(code, start)
    other = Cursor(code + "+", start)
    if x > 100:
        cur = other
    acc = x
    while cur.pos < len(cur.code):
        c = cur.code[cur.pos]
        acc = acc * 2 if c == "*" else acc + 1
        cur.pos += 1
    return acc + other.pos


def given_a_red_value(code: str, start: int, x: int) -> int:
    cur = Cursor(code, start)
    acc = x
    while cur.pos < len(cur.code):
        c = cur.code[cur.pos]
        acc = acc * 2 if c == "*" else acc + 1
        cur.pos += 1
    if x > 5:
        cur.pos = x
    return acc + cur.pos


def given_a_promoted_value(code: str, start: int, x: int) -> int:
    cur = Cursor(code, start)
    acc = x
    while cur.pos < len(cur.code):
        c = cur.code[cur.pos]
        acc = acc * 2 if c == "*" else acc + 1
        cur.pos = hint(cur.pos + 1 + acc % 2, promote=True)
    return acc


@pytest.mark.parametrize("func", [passed_to_residual_code, stored_in_a_list,
                                  given_a_red_value, given_a_promoted_value],
                         ids=lambda f: f.__name__)
def test_a_field_is_red_where_the_instance_escapes_or_may_hold_a_red_value(func):
    ann = annotate(func, green=["code", "start"])
    assert ann.color_of("c") == "red"
    check(func, ("+*+*", 0), [(3,), (7,), (101,), (-2,)])


def test_a_field_is_red_where_the_instance_meets_a_red_pointer():
    ann = annotate(meets_a_red_pointer, green=["code", "start"])
    assert (ann.color_of("cur"), ann.color_of("c")) == ("red", "red")
    check(meets_a_red_pointer, ("+*+*", 0), [(x, Cursor(s, 1)) for x in (3, 101, 500)
                                              for s in ("", "**+", "+*+*+")])


def test_two_virtual_instances_meeting_keep_their_green_fields():
    ann = annotate(two_virtual_instances_meet, green=["code", "start"])
    assert (ann.color_of("cur"), ann.color_of("c")) == ("blue", "green")
    res = check(two_virtual_instances_meet, ("+*+*", 0), [(3,), (101,), (500,), (-2,)])
    # one unrolled loop per instance the red test chooses (2 and 3 additions),
    # then `acc + other.pos` with other.pos a constant: + 0 folds, + 5 stays
    assert ops(res) == Counter({"int_gt": 1, "int_add": 6, "int_mul": 4})


def promoting_vm(code: str, start: int, x: int) -> int:
    """The frame of run_frame, with an instruction promoting the accumulator
    ('p': acc becomes acc % 3 as a green value and decides a jump)."""
    f = Frame(start, x)
    while f.pc < len(code):
        hint(None, global_merge_point=True)
        op = code[f.pc]
        f.pc += 1
        if op == "+":
            f.acc += 1
        elif op == "*":
            f.acc *= 2
        elif op == "p":
            k = hint(f.acc % 3, promote=True)
            if k == 0:
                f.pc += 1
        elif op == "j":
            if f.acc < 1000:
                f.pc = start
    return f.acc


@pytest.mark.parametrize("threshold", [1, 3])
def test_promotion_sites_resume_with_the_green_field_in_the_frame(threshold):
    """A promotion inside the loop: its cases resume the state with the
    frame's program counter green; with promote_threshold=3 the first runs
    of each value go through the fallback interpreter, which rebuilds the
    frame and runs to the end of the call."""
    comp = timeshifter.make_compiler(promoting_vm, green=["code", "start"],
                                     promote_threshold=threshold)
    res = comp.specialize("+p*+j", 0)
    for x in (0, 1, 2, 3, 500, 999, 1000, 12):
        expected = promoting_vm("+p*+j", 0, x)
        assert res(x) == expected, x
        assert res.interpret(x) == expected, x
    assert len(comp.sites) >= 1

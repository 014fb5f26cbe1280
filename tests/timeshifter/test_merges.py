"""Merges keep what they can (issue 24): at a loop head whose virtual
containers take too many shapes, only the containers whose own shape keeps
changing are forced; the others stay virtual."""

import warnings
from collections import Counter

import pytest

from examples import arith, tablevm
from examples import interpreters as ex
from hintannotator import dont_look_inside
from timeshifter import SpecializationWarning, make_compiler
from timeshifter.compiler import LOOP_FOLDED

TABLE_FORCED = ("run() line {line}: the list 'table' became a real list at this loop head: it "
                "was longer at each visit with the same green values (it grows with the loop); "
                "if it grows with the guest program, pass it in as an argument")


@pytest.mark.parametrize("n", [0, 1, 10, 300])
def test_the_table_vm_keeps_its_stack_and_slots_virtual(n):
    res = make_compiler(tablevm.run, green=["code"]).specialize(tablevm.SQUARES)
    expected = tablevm.run(tablevm.SQUARES, n)
    assert expected == sum(i * i for i in range(1, n + 1))
    assert res(n) == res.interpret(n) == expected
    ops = Counter(op.opname for op in res.graph.iteroperations())
    # only the growing table is a real list: one newlist, no stack pushes or pops
    assert (ops["newlist"], ops["list_pop"], ops["list_append"]) == (1, 0, 2)
    # 197 with every virtual forced; 47 when the table was forced at its third
    # shape (two iterations peeled), 42 once a list longer at each visit was
    # forced at its second, 32 now that a jump on a comparison pushed as an int
    # switches on the comparison (rgen.cleanup.switch_on_conditions), 25 now
    # that the length of the forced table is known where nothing changed it
    # (rgen.lengths: the tests of `len(table) + 1` right after forcing fold)
    assert sum(res.op_counts().values()) == 25


def wobble(n: int) -> int:
    """A list 3, 1, 2, 3, ... items long at the loop head: it does not grow at
    each visit, so it is forced by the bound on shapes, at the third."""
    xs = [7, 8, 9]
    i = 0
    while i < n:
        if len(xs) > 2:
            xs.pop()
            xs.pop()
        else:
            xs.append(i)
        i += 1
    return len(xs) * 100 + xs[-1]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10])
def test_a_list_changing_shape_without_growing_is_forced_by_the_bound(n):
    comp = make_compiler(wobble)
    with pytest.warns(SpecializationWarning) as caught:
        res = comp.specialize()
    line = wobble.__code__.co_firstlineno + 5                # the loop head
    assert [str(w.message) for w in caught] == [
        f"wobble() line {line}: the list 'xs' became a real list at this loop head: it took "
        f"3 shapes at visits with the same green values (max_shapes_per_merge=2); if it grows "
        f"with the guest program, pass it in as an argument, else raise max_shapes_per_merge"]
    assert res(n) == res.interpret(n) == wobble(n)


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


def fib(x: int) -> int:
    return x if x < 2 else fib(x - 1) + fib(x - 2)


def test_the_frames_vm_runs_a_doubly_recursive_guest():
    """Guest fib through CALL/RETURN (bench_objects.py's guest recursion row):
    every mode equals CPython's own fib."""
    comp = make_compiler(tablevm.frames_vm, green=["code"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecializationWarning)     # frames and stack: real
        res = comp.specialize(tablevm.FIB)
    for n in (0, 1, 2, 7, 12):
        assert res(n) == res.interpret(n) == tablevm.frames_vm(tablevm.FIB, n) == fib(n)


class Holder:
    def __init__(self):
        self.items = [0] * 0
        self.count = 0

    items: list[int]
    count: int


def held(n: int) -> int:
    box = Holder()
    alias = box.items            # the box's list under a second name
    i = 0
    while i < n:
        alias.append(i)          # grows at each visit: forced at the loop head
        box.count += 1           # the box keeps its shape
        i += 1
    return len(box.items) * 1000 + box.count * 10 + sum_of(box.items) + len(alias)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 40])
def test_a_forced_list_held_by_a_virtual_instance_keeps_its_identity(n):
    """The list grows with the loop and becomes real; the instance holding it
    stays virtual, and its field is the very list appended to through the
    other name, in every mode."""
    comp = make_compiler(held)
    with pytest.warns(SpecializationWarning) as caught:
        res = comp.specialize()
    line = held.__code__.co_firstlineno + 4                  # the loop head
    assert [str(w.message) for w in caught] == [
        f"held() line {line}: the list 'box.items' became a real list at this loop head: it "
        "was longer at each visit with the same green values (it grows with the loop); if it "
        "grows with the guest program, pass it in as an argument"]
    assert res(n) == res.interpret(n) == held(n)
    ops = res.op_counts()
    assert (ops["malloc"], ops["setfield"], ops["getfield"], ops["newlist"]) == (0, 0, 0, 1)
    # explain finds it under both names
    for name in ("box", "alias"):
        assert comp.explain(name).splitlines()[-1] == "When specialised: " + str(
            caught[0].message)


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000])
def test_the_frames_vm_keeps_its_frames_virtual_when_the_call_depth_is_fixed(n):
    """A guest calling a function in a loop: at each visit of a pc the call
    depth is the same, so the list of frames, each frame's slots and the
    value stack stay virtual, the promoted return pc of a virtual frame is
    known (no promotion site), and the loop holds only the guest's arithmetic
    (tests/golden/frames_vm.residual.txt)."""
    comp = make_compiler(tablevm.frames_vm, green=["code"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        res = comp.specialize(tablevm.CUBES)
    assert res(n) == res.interpret(n) == tablevm.frames_vm(tablevm.CUBES, n) == sum(
        i ** 3 for i in range(n))
    assert res.op_counts() == {"int_lt": 2, "int_mul": 2, "int_add": 2}
    # nothing given up; LLVM sums the cubes in a closed form (said, not warned)
    assert comp.report() == [f"{res.graph.name}: {LOOP_FOLDED}"] and comp.sites == []


@pytest.mark.parametrize("n", [0, 1, 2, 10, 20])
def test_the_frames_vm_forces_its_frames_and_stack_under_recursion(n):
    """A recursive guest: the call depth at a pc grows with the run, so the
    frames and the value stack become real lists at the loop head (each said
    once), and the return pc read from a real frame is a promotion site."""
    comp = make_compiler(tablevm.frames_vm, green=["code"])
    with pytest.warns(SpecializationWarning) as caught:
        res = comp.specialize(tablevm.FACTORIAL)
    line = tablevm.frames_vm.__code__.co_firstlineno + 11      # the global merge point
    grows = ("the list '{}' became a real list at this loop head: it was longer at each "
             "visit with the same green values (it grows with the loop); if it grows with the "
             "guest program, pass it in as an argument")
    assert [str(w.message) for w in caught] == [
        f"frames_vm() line {line}: " + grows.format(name) for name in ("stack", "frames")]
    assert res(n) == res.interpret(n) == tablevm.frames_vm(tablevm.FACTORIAL, n)
    assert sum(res.op_counts().values()) == 115
    assert (res.op_counts()["malloc"], res.op_counts()["promote"]) == (5, 2)


def test_a_forced_container_is_reported_and_warned_once():
    comp = make_compiler(tablevm.run, green=["code"])
    with pytest.warns(SpecializationWarning) as caught:
        comp.specialize(tablevm.SQUARES)
    line = tablevm.run.__code__.co_firstlineno + 8           # the global merge point
    assert [str(w.message) for w in caught] == [TABLE_FORCED.format(line=line)]
    assert comp.report() == [TABLE_FORCED.format(line=line)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        comp.specialize(tablevm.SQUARES[:-4] + [tablevm.TLEN, 0, tablevm.RET, 0])
    assert len(comp.report()) == 1                           # the same place: once


@pytest.mark.parametrize("func, green, greens", [
    (ex.interpret, ["bytecode"], (ex.SQUARE,)), (arith.power, ["n"], (10,)),
    (ex.dfa_match, ["table", "accepting"], ex.EVEN_AS), (ex.bf, ["program"], (ex.BF_MUL,))])
def test_nothing_is_reported_for_examples_that_specialise_fully(func, green, greens):
    comp = make_compiler(func, green=green)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        comp.specialize(*greens)
    assert comp.report() == []


def long_list(n: int) -> int:
    xs = [0] * 300
    xs[n] = 5
    return xs[n] + len(xs)


def test_a_list_past_max_virtual_list_is_reported():
    comp = make_compiler(long_list)
    with pytest.warns(SpecializationWarning) as caught:
        res = comp.specialize()
    line = long_list.__code__.co_firstlineno + 1
    message = (f"long_list() line {line}: a list of 300 items is longer than "
               "max_virtual_list=256: it is a real list; raise max_virtual_list to keep it virtual")
    assert [str(w.message) for w in caught] == comp.report() == [message]
    assert res(7) == res.interpret(7) == long_list(7) == 305
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecializationWarning)
        roomy = make_compiler(long_list, max_virtual_list=300)
        assert roomy.specialize()(7) == 305 and roomy.report() == []


@dont_look_inside
def opaque_total(xs: list[int]) -> int:
    t = 0
    for x in xs:
        t += x
    return t


def passes_a_virtual(n: int) -> int:
    xs = [1, 2, 3]
    xs[0] = n
    return opaque_total(xs)


def test_a_virtual_passed_to_a_residual_call_is_reported():
    comp = make_compiler(passes_a_virtual)
    with pytest.warns(SpecializationWarning) as caught:
        res = comp.specialize()
    line = passes_a_virtual.__code__.co_firstlineno + 3
    message = (f"passes_a_virtual() line {line}: a virtual list passed to opaque_total() "
               "became a real list: the call is residual (dont_look_inside); inline the call "
               "(no dont_look_inside, green arguments for a recursion) to keep it virtual")
    assert [str(w.message) for w in caught] == comp.report() == [message]
    assert res(4) == res.interpret(4) == passes_a_virtual(4) == 9


def test_explain_says_where_a_container_became_real_and_which_stayed_virtual():
    """Issue 24 item 3: `comp.explain(name)` adds to the colour's reason what
    the specialisations did with a blue container."""
    comp = make_compiler(tablevm.run, green=["code"])
    where = f"{tablevm.__file__}:{tablevm.run.__code__.co_firstlineno + 2}"
    assert comp.explain("stack") == (f"'stack' ({where}) in run is blue: a container "
                                      "allocated in the analysed code, kept virtual until it "
                                      "escapes.")                 # nothing specialised yet
    with pytest.warns(SpecializationWarning):
        comp.specialize(tablevm.SQUARES)
    line = tablevm.run.__code__.co_firstlineno + 8
    assert comp.explain("table").endswith(
        "\nWhen specialised: " + TABLE_FORCED.format(line=line))
    assert comp.explain("stack").endswith(
        "escapes.\nIt stayed virtual in every specialisation so far.")
    escaping = make_compiler(passes_a_virtual)
    with pytest.warns(SpecializationWarning):
        escaping.specialize()
    assert escaping.explain("xs").endswith(
        "\nWhen specialised: " + escaping.report()[0])

"""The hint annotator's colouring rules, one small function each, with exact colours."""

import pytest

import timeshifter

from hintannotator import (HintError, annotate, check_colours, dont_look_inside, hint,
                           purefunction)
from examples.interpreters import interpret, ll_plus_minus


def colours(func, green, *names):
    ann = annotate(func, green=green)
    check_colours(ann)
    return tuple(ann.color_of(n) for n in names)


def add(x: int, y: int) -> int:
    z = x + y
    return z


def test_add_green_green_is_green():
    assert colours(add, ["x", "y"], "z") == ("green",)


def test_add_green_red_is_red():
    assert colours(add, ["x"], "x", "y", "z") == ("green", "red", "red")


def literals_only(x: int) -> int:
    y = 17 if x > 0 else 22
    return y * x


def test_value_from_literals_is_red_even_under_green_condition():
    assert colours(literals_only, ["x"], "x", "y") == ("green", "red")


def count_to(n: int) -> int:
    i = 0
    while i < n:
        i += 1
    return i


def test_counter_against_red_bound_is_red_and_explained():
    ann = annotate(count_to, green=[])
    assert ann.color_of("i") == "red"
    text = ann.explain("i")
    assert "'i'" in text and "is red" in text
    assert "literal 0" in text
    assert "hint(i, concrete=True)" in text


def concrete_plus(x: int, y: int) -> int:
    z = hint(x, concrete=True) + y
    return z


def test_concrete_plus_green_is_green():
    assert colours(concrete_plus, ["x", "y"], "z") == ("green",)


def variable_hint(x: int) -> int:
    v = hint(x, variable=True)
    return v


def test_variable_hint_is_red():
    assert colours(variable_hint, ["x"], "x", "v") == ("green", "red")


def green_loop(x: int, y: int) -> int:
    while x > 0:
        y += x
        x -= 1
    return y


def test_green_loop_stays_green():
    assert colours(green_loop, ["x", "y"], "x", "y") == ("green", "green")


def helper(a: int) -> int:
    return a * 2


def two_uses(x: int, y: int) -> int:
    r = hint(helper(x), concrete=True)
    s = helper(y)
    return r + s


def test_helper_called_with_and_without_concrete_result_gets_two_copies():
    ann = annotate(two_uses, green=["x"])
    check_colours(ann)
    copies = [c for c in ann.copies if c.original.name == "helper"]
    assert len(copies) == 2
    assert sorted(c.key[2] for c in copies) == [False, True]
    assert ann.color_of("r") == "green"
    assert ann.color_of("s") == "red"


def needs_concrete(a: int) -> int:
    a = hint(a, concrete=True)
    return a + 1


def caller_of_concrete(x: int, y: int) -> int:
    s = 0
    t = 0
    while s < 3:
        s += 1
        t = x + y
    return needs_concrete(t) + s


def test_callee_concrete_makes_caller_arguments_green():
    ann = annotate(caller_of_concrete, green=["x", "y"])
    check_colours(ann)
    assert ann.color_of("t") == "green"
    with pytest.raises(HintError) as info:
        annotate(caller_of_concrete, green=["x"])
    message = str(info.value)
    assert "red parameter 'y'" in message
    assert "green=[...]" in message


class S:
    x: int

    def __init__(self, x: int):
        self.x = x


def concrete_field(s: S) -> int:
    return hint(s.x, concrete=True)


def test_concrete_on_field_of_mutable_instance_fails():
    with pytest.raises(HintError) as info:
        annotate(concrete_field, green=["s"])
    message = str(info.value)
    assert "mutable memory" in message
    assert "getfield" in message
    assert "deepfreeze" in message
    assert "test_colours.py:" in message


def concrete_join(x: int, y: int) -> int:
    if y > 0:
        z = hint(x, concrete=True)
    else:
        z = y
    return z * 2                # a join that is not the return


def test_concrete_value_joined_with_red_fails():
    with pytest.raises(HintError) as info:
        annotate(concrete_join, green=["x"])
    message = str(info.value)
    assert "merges with a red value" in message
    assert "'z'" in message and "test_colours.py:" in message


def concrete_returned(x: int, y: int) -> int:
    if y > 0:
        return hint(x, concrete=True)
    return y


def test_a_concrete_value_returned_among_red_ones_is_returned_red():
    """Issue 12 item 9: the function's result is red; the green value is
    returned as a red constant (no error naming the result variable)."""
    annotate(concrete_returned, green=["x"])
    res = timeshifter.make_compiler(concrete_returned, green=["x"]).specialize(7)
    assert [res(3), res(-2), res.interpret(3)] == [7, -2, 7]


def index_str(s: str, i: int) -> str:
    c = s[i]
    return c


def test_green_str_green_index_is_green():
    assert colours(index_str, ["s", "i"], "c") == ("green",)
    assert colours(index_str, ["s"], "c") == ("red",)


def index_list(lst: list[int], i: int) -> int:
    item = lst[i]
    return item


def index_frozen(lst: list[int], i: int) -> int:
    frozen = hint(lst, deepfreeze=True)
    item = frozen[i]
    return item


def test_list_passed_in_is_red_unless_deepfrozen():
    assert colours(index_list, ["lst", "i"], "item") == ("red",)
    assert colours(index_frozen, ["lst", "i"], "item") == ("green",)


@purefunction
def pure_square(a: int) -> int:
    return a * a


def uses_pure(x: int, y: int) -> int:
    p = pure_square(x)
    q = pure_square(y)
    return p + q


def test_purefunction_with_green_arguments_is_green():
    assert colours(uses_pure, ["x"], "p", "q") == ("green", "red")


@dont_look_inside
def opaque(a: int) -> int:
    return a + 1


def uses_opaque(x: int) -> int:
    o = opaque(x)
    return o


def test_dont_look_inside_call_is_red():
    assert colours(uses_opaque, ["x"], "o") == ("red",)


def promote_it(x: int) -> int:
    k = hint(x, promote=True)
    return k + 1


def test_promote_gives_green_without_changing_argument():
    assert colours(promote_it, [], "x", "k") == ("red", "green")


def count_from_promoted(n: int, k: int) -> int:
    i = hint(k, promote=True)
    m = hint(n, promote=True)
    total = 0
    while i < n:
        total += i * m          # m: the promoted value, unchanged round the loop
        i += 1                  # i: computed from it round the loop
    return total


def test_a_value_computed_from_a_promoted_one_round_a_loop_is_red():
    """A promoted value may start a loop variable: round the loop the
    variable would take a new green value at each pass (an unbounded
    unrolling), so it is red there; a promoted value the loop passes on
    unchanged stays green, and each specialisation of it keeps one loop."""
    assert colours(count_from_promoted, [], "i", "m") == ("red", "green")
    comp = timeshifter.make_compiler(count_from_promoted)
    res = comp.specialize()
    for n, k in [(10, 3), (10, 12), (0, 0), (1000, -5)]:
        assert res(n, k) == res.interpret(n, k) == count_from_promoted(n, k)
    line = count_from_promoted.__code__.co_firstlineno + 4             # the loop head
    path = __file__
    assert comp.explain("i").splitlines() == [
        f"'i' ({path}:{line}) in count_from_promoted is red:",
        f"  'i' at {path}:{line}: it receives a value computed from a promoted one round a "
        "loop (green, the loop would be unrolled for every value it takes; hint(..., "
        "concrete=True) if it must be green)",
        "To make it green: hint(i, concrete=True) makes 'i' green and the compiler unrolls "
        "the loop over its values, so they must be finite; else keep it red (the loop is "
        "compiled once, for every value)."]


def forget_it(x: int, y: int) -> int:
    f = hint(x + 1, forget=True)
    return f + y


def test_forget_passes_the_colour():
    assert colours(forget_it, ["x", "y"], "f") == ("green",)


class Pair:
    a: int
    b: int

    def __init__(self, a: int, b: int):
        self.a = a
        self.b = b


def make_pair(x: int, y: int) -> int:
    p = Pair(x, y)
    return p.a + p.b


def meets_red(p: Pair, x: int) -> int:
    q = Pair(x, x)
    if x > 0:
        q = p
    return q.a


def test_local_instances_are_blue_until_they_meet_a_red_pointer():
    assert colours(make_pair, ["x"], "p") == ("blue",)
    assert colours(meets_red, ["x"], "q") == ("red",)


def misplaced_merge_point(x: int) -> int:
    x += 1                                  # (first, at the entry, it is a portal)
    hint(None, global_merge_point=True)
    return x


def test_global_merge_point_outside_loop_fails():
    with pytest.raises(HintError) as info:
        annotate(misplaced_merge_point)
    assert "not at the head of a loop" in str(info.value)


def test_register_machine_colours():
    ann = annotate(interpret, green=["bytecode"])
    check_colours(ann)
    assert ann.color_of("pc") == "green"
    assert ann.color_of("opcode") == "green"
    assert ann.color_of("n") == "green"
    assert ann.color_of("a") == "red"
    assert ann.color_of("regs") == "blue"


def test_ll_plus_minus_colours():
    ann = annotate(ll_plus_minus, green=["encoded_insn", "nb_insn"])
    check_colours(ann)
    assert ann.color_of("pc") == "green"
    assert ann.color_of("op") == "green"
    assert ann.color_of("acc") == "red"


def test_explain_red_parameter_and_green_values():
    ann = annotate(add, green=["x"])
    text = ann.explain("z")
    assert "int_add uses a red operand" in text
    assert "'y'" in text and "red parameter" in text
    assert "list 'y' in green=[...]" in text
    ann = annotate(ll_plus_minus, green=["encoded_insn", "nb_insn"])
    assert "hint(concrete=True)" in ann.explain("pc")


def test_to_dot_renders_svg():
    ann = annotate(interpret, green=["bytecode"])
    svg = ann.to_dot().pipe(format="svg").decode()
    assert "<svg" in svg and "cluster" in ann.to_dot().source


def test_unknown_green_name_is_an_error():
    with pytest.raises(ValueError, match="has no parameter 'nope'"):
        annotate(add, green=["nope"])


def loop_in_callee(n: int) -> int:
    i = 0
    while i < n:
        hint(None, global_merge_point=True)
        i += 1
    return i


def calls_loop(n: int) -> int:
    return loop_in_callee(n) + 1


def test_global_merge_point_in_a_callee_fails():
    with pytest.raises(HintError) as info:
        annotate(calls_loop)
    message = str(info.value)
    assert "inside loop_in_callee" in message and "annotated function itself" in message

"""The textual IR printer: exact text of hand-built graphs, and round trips."""

import copy
import math
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import examples
import flowgraph

from flowgraph.checker import checkgraph
from flowgraph.lltypes import (ArrayType, Bool, Char, Class, Float, ListType, Signed, Str,
                               StructType, Void)
from flowgraph.model import (Block, Constant, FunctionGraph, Link, SpaceOperation, Variable,
                             copygraph)
from flowgraph.parser import parse_graph
from flowgraph.printer import (assert_roundtrip, assert_same_text, first_difference,
                               format_constant, format_graph)
from tests.flowgraph.samples import POWER as POWER_TEXT


def c(value, t):
    return Constant(value, t)


def power_graph():
    """power(x, n): while n > 0: x *= x; n -= 1 (block0 is the loop header)."""
    x, n = Variable("x", Signed), Variable("n", Signed)
    start = Block([x, n])
    g = FunctionGraph("power", start, Signed)
    v = Variable("", Bool)
    start.operations.append(SpaceOperation("int_gt", [n, c(0, Signed)], v, 3))
    start.exitswitch = v
    x1, n1 = Variable("x", Signed), Variable("n", Signed)
    loop = Block([x1, n1])
    start.closeblock(Link([c(1, Signed)], g.returnblock, False), Link([x, n], loop, True))
    r, n2 = Variable("r", Signed), Variable("n", Signed)
    loop.operations += [SpaceOperation("int_mul", [x1, x1], r, 4),
                        SpaceOperation("int_sub", [n1, c(1, Signed)], n2, 5)]
    loop.closeblock(Link([r, n2], start))
    return g




def divide_graph():
    """divide(a, b): raise ZeroDivisionError("b is zero") if b == 0 else a // b."""
    a, b = Variable("a", Signed), Variable("b", Signed)
    start = Block([a, b])
    g = FunctionGraph("divide", start, Signed)
    z = Variable("", Bool)
    q = Variable("q", Signed)
    start.operations.append(SpaceOperation("int_eq", [b, c(0, Signed)], z, 7))
    start.exitswitch = z
    a1, b1 = Variable("a", Signed), Variable("b", Signed)
    div = Block([a1, b1], [SpaceOperation("int_floordiv", [a1, b1], q, 9)])
    div.closeblock(Link([q], g.returnblock))
    start.closeblock(Link([a, b], div, False),
                     Link([c(ZeroDivisionError, Class), c("b is zero", Str)], g.exceptblock, True))
    return g


def switch_graph(ncases=3):
    """A Char switch with `ncases` cases and a default."""
    ch = Variable("ch", Char)
    start = Block([ch])
    g = FunctionGraph("classify", start, Signed)
    links = [Link([c(i, Signed)], g.returnblock, "+-*/<>&|"[i]) for i in range(ncases)]
    start.exitswitch = ch
    start.closeblock(*links, Link([c(-1, Signed)], g.returnblock, "default"))
    return g


POINT = StructType("Point", {"x": Signed, "y": Float})


def struct_graph():
    """p = Point(); p.x = n; hint(None, global_merge_point); return p."""
    n = Variable("n", Signed)
    start = Block([n])
    g = FunctionGraph("make", start, POINT)
    p = Variable("p", POINT)
    start.operations += [
        SpaceOperation("malloc", [c(POINT, Void)], p, 2),
        SpaceOperation("setfield", [p, c("x", Void), n], Variable("", Void), 3),
        SpaceOperation("hint", [c(None, Void), c("global_merge_point", Void)],
                       Variable("", Void), 4),
    ]
    start.closeblock(Link([p], g.returnblock))
    return g


def call_graph(callee):
    """call(n): return callee(n, 2) + 1."""
    n = Variable("n", Signed)
    start = Block([n])
    g = FunctionGraph("call", start, Signed)
    r, s = Variable("r", Signed), Variable("", Signed)
    start.operations += [SpaceOperation("direct_call", [c(callee, Void), n, c(2, Signed)], r, 2),
                         SpaceOperation("int_add", [r, c(1, Signed)], s, 2)]
    start.closeblock(Link([s], g.returnblock))
    return g


def constants_graph():
    """One same_as per interesting constant."""
    start = Block([])
    g = FunctionGraph("consts", start, Void)
    consts = [c(-7, Signed), c(1.5, Float), c(-0.0, Float), c(math.inf, Float),
              c(True, Bool), c("a", Char), c("'", Char), c("\n", Char),
              c('say "hi" # not a comment\\', Str), c("a", Str), c("", Str),
              c("concrete,forget", Void), c(None, Void), c(None, POINT), c(0, Float),
              c(1, Bool), c(True, Signed), c(3, None), c(ListType(Char), Void),
              c(ArrayType(ListType(Signed)), Void), c([1, 2], ListType(Signed)),
              c(["x", "y"], ListType(Str)), c(IndexError, Void)]
    for k in consts:
        start.operations.append(SpaceOperation("same_as", [k], Variable("", k.concretetype)))
    start.closeblock(Link([c(None, Void)], g.returnblock))
    return g


CONSTANT_TEXTS = [
    "-7", "1.5", "-0.0", "inf", "True", "'a'", "'\\''", "'\\n'",
    '"say \\"hi\\" # not a comment\\\\"', '"a"', '""', "`concrete,forget`", "None",
    "None as Point", "0 as Float", "1 as Bool", "True as Signed", "3 as ?", "List(Char)",
    "Array(List(Signed))", "[1, 2] as List(Signed)", '["x", "y"] as List(Str)', "IndexError",
]


def test_power_exact_text():
    assert_same_text(format_graph(power_graph()), POWER_TEXT)
    assert str(power_graph()) == POWER_TEXT


def test_printing_is_deterministic_across_copies():
    g = power_graph()
    assert format_graph(g) == format_graph(g) == format_graph(copygraph(g))


def test_raise_link_and_plain_return():
    text = format_graph(divide_graph())
    assert text.splitlines()[3] == \
        '    exitswitch v2: False -> block1(a_0, b_1) | True -> raise(ZeroDivisionError, "b is zero")'
    assert text.splitlines()[-1] == "    return(q_5)"


@pytest.mark.parametrize("k, text", list(enumerate(CONSTANT_TEXTS)))
def test_constant_literals(k, text):
    op = constants_graph().startblock.operations[k]
    assert format_constant(op.args[0]) == text


def test_constant_lines_show_result_types():
    lines = format_graph(constants_graph()).splitlines()
    assert lines[:4] == ["struct Point(x: Signed, y: Float)", "", "graph consts() -> Void",
                         "block0():"]
    assert lines[4] == "    v0: Signed = same_as(-7)"
    assert lines[4 + 17] == "    v15 = same_as(3 as ?)"      # untyped; two bare Void ops before
    assert lines[-1] == "    return(None)"


def test_struct_declared_first_and_bare_void_operations():
    assert_same_text(format_graph(struct_graph()), """\
struct Point(x: Signed, y: Float)

graph make(n_0: Signed) -> Point
block0(n_0):
    p_1: Point = malloc(Point)              # line 2
    setfield(p_1, `x`, n_0)                 # line 3
    hint(None, `global_merge_point`)        # line 4
    return(p_1)""")


def test_used_or_named_void_results_are_printed():
    g = struct_graph()
    g.startblock.operations[1].result.name = "unit"
    assert "    unit_2: Void = setfield(p_1, `x`, n_0)" in format_graph(g)


def test_short_switch_one_line_long_switch_one_case_per_line():
    assert format_graph(switch_graph(2)).splitlines()[2] == \
        "    exitswitch ch_0: '+' -> return(0) | '-' -> return(1) | default -> return(-1)"
    assert_same_text(format_graph(switch_graph(8)), """\
graph classify(ch_0: Char) -> Signed
block0(ch_0):
    exitswitch ch_0:
        '+' -> return(0)
        '-' -> return(1)
        '*' -> return(2)
        '/' -> return(3)
        '<' -> return(4)
        '>' -> return(5)
        '&' -> return(6)
        '|' -> return(7)
        default -> return(-1)""")


def test_callees_by_name_and_with_callees():
    callee = power_graph()
    g = call_graph(callee)
    text = format_graph(g)
    assert "    r_1: Signed = direct_call(@power, n_0, 2)  # line 2" in text
    assert "graph power" not in text
    full = format_graph(g, with_callees=True)
    assert full == text + "\n\n" + POWER_TEXT


def test_graphs_sharing_a_name_are_told_apart():
    other = power_graph()
    g = call_graph(power_graph())
    g.startblock.operations.insert(0, SpaceOperation("direct_call", [c(other, Void), c(2, Signed), c(3, Signed)],
                                                     Variable("", Signed)))
    text = format_graph(g, with_callees=True)
    assert "direct_call(@power, 2, 3)" in text and "direct_call(@power~2, n_0, 2)" in text
    assert "graph power~2(" in text
    assert_roundtrip(g, with_callees=True)


def test_decorate_marks_every_occurrence():
    g = power_graph()
    greens = {g.startblock.inputargs[1]}
    text = format_graph(g, decorate=lambda v: ":G" if v in greens else ":R")
    lines = text.splitlines()
    assert lines[0] == "graph power(x_0:R: Signed, n_1:G: Signed) -> Signed"
    assert lines[2].startswith("    v2:R: Bool = int_gt(n_1:G, 0)")
    assert lines[3] == "    exitswitch v2:R: False -> return(1) | True -> block1(x_0:R, n_1:G)"
    assert format_graph(parse_graph(text)) == POWER_TEXT     # the parser drops decorations


def test_unreachable_blocks_are_not_printed():
    g = power_graph()
    Block([Variable("dead", Signed)]).closeblock(Link([c(0, Signed)], g.returnblock))
    assert format_graph(g) == POWER_TEXT


VALID_SAMPLES = [power_graph, divide_graph, switch_graph, lambda: switch_graph(8), struct_graph,
                 lambda: call_graph(power_graph())]


@pytest.mark.parametrize("make", VALID_SAMPLES + [constants_graph])
def test_roundtrip_hand_built(make):
    g = make()
    parsed = assert_roundtrip(g)
    if make is not constants_graph:          # that one breaks typing rules on purpose
        checkgraph(g)
        checkgraph(parsed)
    assert parsed.name == g.name and parsed.return_type == g.return_type
    ops = [(op.opname, op.args, op.lineno) for op in parsed.iteroperations()]
    orig = [(op.opname, op.args, op.lineno) for op in g.iteroperations()]
    for (name1, args1, line1), (name2, args2, line2) in zip(ops, orig):
        assert (name1, line1) == (name2, line2)
        assert [a for a in args1 if isinstance(a, Constant)] == \
            [a for a in args2 if isinstance(a, Constant)]
    assert len(ops) == len(orig)


def test_roundtrip_with_callees_keeps_recursion():
    g = call_graph(None)
    g.startblock.operations[0].args[0] = c(g, Void)       # call() calls itself
    parsed = assert_roundtrip(g, with_callees=True)
    assert parsed.startblock.operations[0].args[0].value is parsed


def test_first_difference_names_the_line():
    assert first_difference("a\nb\nc", "a\nb\nc  \n") is None
    assert first_difference("a\nb\nc", "a\nX\nc") == \
        "first difference at line 2:\n  expected: b\n  actual:   X"
    assert first_difference("a", "a\nb") == \
        "first difference at line 2:\n  expected: <end of text>\n  actual:   b"
    with pytest.raises(AssertionError, match="line 3"):
        assert_same_text(POWER_TEXT.replace("int_gt", "int_ge"), POWER_TEXT)


_ints = st.integers(-2**63, 2**63 - 1)
_values = st.one_of(
    st.tuples(_ints, st.just(Signed)),
    st.tuples(st.floats(allow_nan=False), st.just(Float)),
    st.tuples(st.booleans(), st.just(Bool)),
    st.tuples(st.characters(), st.just(Char)),
    st.tuples(st.text(max_size=8), st.sampled_from([Str, Void])),
    st.tuples(st.lists(_ints, max_size=3), st.just(ListType(Signed))),
    st.tuples(st.one_of(_ints, st.none(), st.booleans()), st.sampled_from([Void, Float, None])),
)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_constants_roundtrip(value_type):
    value, t = value_type
    k = Constant(value, t)
    start = Block([])
    g = FunctionGraph("k", start, Void)
    start.operations.append(SpaceOperation("same_as", [k], Variable("", t)))
    start.closeblock(Link([c(None, Void)], g.returnblock))
    parsed = assert_roundtrip(g)
    assert parsed.startblock.operations[0].args[0] == k


# -- graphs built from Python source ---------------------------------------------------
# The golden texts write source lines as `# line f+N`: N lines below `def f`.

def power(x: int, n: int) -> int:
    result = 1
    while n > 0:
        result *= x
        n -= 1
    return result


def skip_to_hash(s: str) -> int:
    i = 0
    while i < len(s):
        if s[i] == "#":
            break
        i += 1
    return i


def square(x: int) -> int:
    return x * x


def sum_squares(a: int, b: int) -> int:
    return square(a) + square(b)


class Box:
    value: int

    def __init__(self, value: int):
        self.value = value


def unbox(n: int) -> int:
    b = Box(n)
    if b.value < 0:
        raise ValueError("negative")
    return b.value


GOLDEN = {
    power: """\
graph power(x_0: Signed, n_1: Signed) -> Signed
block0(x_0, n_1):
    goto block1(x_0, n_1, 1)
block1(x_2: Signed, n_3: Signed, result_4: Signed):
    v5: Bool = int_gt(n_3, 0)               # line power+2
    exitswitch v5: False -> return(result_4) | True -> block2(x_2, n_3, result_4)
block2(x_6: Signed, n_7: Signed, result_8: Signed):
    result_9: Signed = int_mul(result_8, x_6)  # line power+3
    n_10: Signed = int_sub(n_7, 1)          # line power+4
    goto block1(x_6, n_10, result_9)""",
    skip_to_hash: """\
graph skip_to_hash(s_0: Str) -> Signed
block0(s_0):
    goto block1(s_0, 0)
block1(s_1: Str, i_2: Signed):
    v3: Signed = str_len(s_1)               # line skip_to_hash+2
    v4: Bool = int_lt(i_2, v3)              # line skip_to_hash+2
    exitswitch v4: False -> return(i_2) | True -> block2(s_1, i_2)
block2(s_5: Str, i_6: Signed):
    v7: Char = str_getitem(s_5, i_6)        # line skip_to_hash+3
    v8: Bool = char_eq(v7, '#')             # line skip_to_hash+3
    exitswitch v8: False -> block3(s_5, i_6) | True -> return(i_6)
block3(s_9: Str, i_10: Signed):
    i_11: Signed = int_add(i_10, 1)         # line skip_to_hash+5
    goto block1(s_9, i_11)""",
    sum_squares: """\
graph sum_squares(a_0: Signed, b_1: Signed) -> Signed
block0(a_0, b_1):
    v2: Signed = direct_call(@square, a_0)  # line sum_squares+1
    v3: Signed = direct_call(@square, b_1)  # line sum_squares+1
    v4: Signed = int_add(v2, v3)            # line sum_squares+1
    return(v4)

graph square(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_mul(x_0, x_0)          # line square+1
    return(v1)""",
    unbox: """\
struct Box(value: Signed)

graph unbox(n_0: Signed) -> Signed
block0(n_0):
    b_1: Box = malloc(Box)                  # line unbox+1
    direct_call(@Box.__init__, b_1, n_0)    # line unbox+1
    v2: Signed = getfield(b_1, `value`)     # line unbox+2
    v3: Bool = int_lt(v2, 0)                # line unbox+2
    exitswitch v3: False -> block1(b_1) | True -> raise(ValueError, "negative")
block1(b_4: Box):
    v5: Signed = getfield(b_4, `value`)     # line unbox+4
    return(v5)

graph Box.__init__(self_0: Box, value_1: Signed) -> Void
block0(self_0, value_1):
    setfield(self_0, `value`, value_1)      # line unbox-3
    return(None)""",
}


def absolute_lines(golden: str) -> str:
    """`# line f+N` -> `# line <def line of f + N>` (keeping the column)."""
    def line(m):
        base = globals()[m.group(1)].__code__.co_firstlineno
        return f"# line {base + int(m.group(2))}"
    return re.sub(r"# line (\w+)([-+]\d+)", line, golden)


@pytest.mark.parametrize("func", list(GOLDEN), ids=lambda f: f.__name__)
def test_golden_text(func):
    g = flowgraph.build_graph(func)
    assert_same_text(format_graph(g, with_callees=True), absolute_lines(GOLDEN[func]))
    assert_roundtrip(g, with_callees=True)


def test_golden_failure_shows_the_first_differing_line():
    text = format_graph(flowgraph.build_graph(power))
    with pytest.raises(AssertionError) as info:
        assert_same_text(text, absolute_lines(GOLDEN[power]).replace("int_sub", "int_add"))
    lineno = power.__code__.co_firstlineno + 4
    assert str(info.value).startswith(
        "first difference at line 9:\n"
        f"  expected:     n_10: Signed = int_add(n_7, 1)          # line {lineno}\n"
        f"  actual:       n_10: Signed = int_sub(n_7, 1)          # line {lineno}\n")


def _outcome(run, args):
    try:
        return "ok", run(*copy.deepcopy(args))
    except Exception as e:                               # compare the exception type only
        return "raised", type(e)


@pytest.mark.parametrize("ex", examples.EXAMPLES, ids=lambda ex: ex.name)
def test_roundtrip_built_examples(ex):
    """Every example graph (and its callees) prints, parses back to the same
    text, passes checkgraph, and the parsed graph computes what CPython does."""
    g = flowgraph.build_graph(ex.func)
    parsed = assert_roundtrip(g, with_callees=True)
    flowgraph.checkgraph(parsed)

    @settings(max_examples=5, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(ex.strategy())
    def same_results(args):
        assert _outcome(lambda *a: flowgraph.run_graph(parsed, *a), args) == \
            _outcome(ex.func, args)
    same_results()

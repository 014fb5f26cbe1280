"""The residual pipeline (`rgen.pipeline`) pass by pass, text in, text out,
the residual checker (`rgen.residual_check`), and the runner's options
through `GraphBackend` and the compiler."""

import re

import pytest

from flowgraph import parse_graph
from flowgraph.errors import CheckError
from flowgraph.lltypes import Signed, Void
from flowgraph.model import Constant, SpaceOperation, Variable
from flowgraph.passes import Pass, PassError, PassOptions, run_passes
from flowgraph.printer import assert_same_text
from rgen import GraphBackend
from rgen.pipeline import RESIDUAL_CHECKERS, RESIDUAL_PASSES
from rgen.residual_check import check_residual
from timeshifter import make_compiler

PASSES = {p.name: p for p in RESIDUAL_PASSES}


def run_one(name: str, text: str) -> str:
    graph = parse_graph(text)
    run_passes(graph, [PASSES[name]], PassOptions(check=True), RESIDUAL_CHECKERS)
    return str(graph)


def c(value):
    return Constant(value, Signed)


# -- each residual pass --------------------------------------------------------------------

def test_thread_values_passes_logical_values_through_block_arguments():
    # a logical graph: block1 and block2 use x_0 and v1 of block0
    assert_same_text(run_one("thread_values", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_mul(x_0, 3)
    goto block1()
block1():
    v2 = int_gt(v1, 0)
    exitswitch v2: False -> block2() | True -> return(x_0)
block2():
    v3 = int_add(x_0, v1)
    return(v3)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_mul(x_0, 3)
    goto block1(x_0, v1)
block1(x_2: Signed, v3: Signed):
    v4: Bool = int_gt(v3, 0)
    exitswitch v4: False -> block2(x_2, v3) | True -> return(x_2)
block2(x_5: Signed, v6: Signed):
    v7: Signed = int_add(x_5, v6)
    return(v7)
""")


def test_thread_values_turns_a_switch_without_cases_into_a_jump():
    graph = parse_graph("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1()
block1():
    return(x_0)
""")
    graph.startblock.exitswitch = graph.startblock.inputargs[0]
    graph.startblock.exits[0].exitcase = "default"
    run_passes(graph, [PASSES["thread_values"]], PassOptions(check=True), RESIDUAL_CHECKERS)
    assert_same_text(str(graph), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(x_1: Signed):
    return(x_1)
""")


def test_propagate_constants_folds_again():
    assert_same_text(run_one("propagate_constants", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0, 4)
block1(x_1: Signed, k_2: Signed):
    v3 = int_mul(k_2, 2)
    v4 = int_add(x_1, v3)
    v5 = int_add(v4, 0)
    return(v5)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(x_1: Signed):
    v2: Signed = int_add(x_1, 8)
    return(v2)
""")


def test_fold_known_lengths_folds_a_length_known_on_every_path():
    """A list made of a constant length, appended to and popped from: its
    `len` two blocks later is a constant, and the switch on it is decided."""
    assert_same_text(run_one("fold_known_lengths", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = newlist(List(Signed), 2, 0)
    list_append(v1, x_0)
    list_append(v1, x_0)
    v2 = list_pop(v1)
    goto block1(v1, v2)
block1(v3: List(Signed), v4: Signed):
    v5 = list_len(v3)
    v6 = int_eq(v5, 3)
    exitswitch v6: False -> return(0) | True -> return(v4)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: List(Signed) = newlist(List(Signed), 2, 0)
    list_append(v1, x_0)
    list_append(v1, x_0)
    v2: Signed = list_pop(v1)
    goto block1(v1, v2)
block1(v3: List(Signed), v4: Signed):
    return(v4)
""")


def test_forward_fields_drops_reads_the_block_knows():
    """A read after a read of the same field, or after a store to it, is the
    value known; a store to another field or another object's other field
    changes nothing known."""
    assert_same_text(run_one("forward_fields", """\
struct P(x: Signed, v: Signed)

graph f(p_0: P, q_1: P) -> Signed
block0(p_0, q_1):
    v2 = getfield(p_0, `x`)
    v3 = getfield(p_0, `v`)
    v4 = int_add(v2, v3)
    setfield(p_0, `v`, v4)
    setfield(q_1, `x`, v4)
    v5 = getfield(p_0, `v`)
    v6 = getfield(q_1, `x`)
    v7 = getfield(p_0, `x`)
    v8 = int_add(v5, v6)
    v9 = int_add(v8, v7)
    return(v9)
"""), """\
struct P(x: Signed, v: Signed)

graph f(p_0: P, q_1: P) -> Signed
block0(p_0, q_1):
    v2: Signed = getfield(p_0, `x`)
    v3: Signed = getfield(p_0, `v`)
    v4: Signed = int_add(v2, v3)
    setfield(p_0, `v`, v4)
    setfield(q_1, `x`, v4)
    v5: Signed = getfield(p_0, `x`)
    v6: Signed = int_add(v4, v4)
    v7: Signed = int_add(v6, v5)
    return(v7)
""")


def test_forward_fields_drops_stores_the_next_store_overwrites():
    """A store overwritten by the same object's next store to the field,
    nothing between that may look, is dropped (the pc an interpreter stores
    at every instruction); the last store stays, and so does each store
    before what may look: a read of the field through any variable, a
    call, an operation that may raise.  A reference is always stored."""
    text = run_one("forward_fields", """\
struct P(pc: Signed, acc: Signed, next: P)

graph f(p_0: P, q_1: P, k_2: Signed) -> Signed
block0(p_0, q_1, k_2):
    setfield(p_0, `pc`, k_2)
    v3 = int_add(k_2, 1)
    setfield(p_0, `pc`, v3)
    setfield(p_0, `acc`, v3)
    v4 = int_add(v3, 1)
    setfield(p_0, `pc`, v4)
    v5 = getfield(q_1, `pc`)
    setfield(p_0, `pc`, v5)
    v6 = direct_call(@g, q_1)
    setfield(p_0, `pc`, v6)
    v7 = int_floordiv(v6, k_2)
    setfield(p_0, `pc`, v7)
    setfield(p_0, `next`, q_1)
    setfield(p_0, `next`, p_0)
    setfield(p_0, `acc`, v7)
    return(v7)

graph g(q_0: P) -> Signed
block0(q_0):
    return(1)
""")
    stores = re.findall(r"setfield\(p_0, `(\w+)`, (\w+)\)", text)
    assert stores == [("acc", "v3"), ("pc", "v4"), ("pc", "v5"), ("pc", "v6"), ("pc", "v7"),
                      ("next", "q_1"), ("next", "p_0"), ("acc", "v7")]


def test_forward_fields_sees_through_a_read_it_knows_across_blocks():
    """`s`, stored into `f.p` and read back as `f.p`, is `s`: the block the
    read is passed to knows the fields stored into `s` (it read them again)."""
    text = run_one("forward_fields", """\
struct S(a: Signed, b: Signed)
struct F(p: S)

graph f(f_0: F, a_1: Signed, b_2: Signed) -> Signed
block0(f_0, a_1, b_2):
    v3 = malloc(S)
    setfield(v3, `a`, a_1)
    setfield(v3, `b`, b_2)
    setfield(f_0, `p`, v3)
    v4 = getfield(f_0, `p`)
    v5 = ptr_eq(v4, None as S)
    exitswitch v5: False -> block1(v4) | True -> block2(a_1)
block1(p_6: S):
    v7 = getfield(p_6, `a`)
    v8 = getfield(p_6, `b`)
    v9 = int_add(v7, v8)
    return(v9)
block2(a_10: Signed):
    return(a_10)
""")
    assert "getfield" not in text, text


LOOP_ON_FIELDS = """\
struct P(x: Signed, mass: Signed)

graph f(p_0: P, q_1: P, n_2: Signed) -> Signed
block0(p_0, q_1, n_2):
    v3 = getfield(p_0, `mass`)
    v19 = getfield(p_0, `x`)
    goto block1(p_0, q_1, n_2, 0)
block1(p_4: P, q_5: P, n_6: Signed, i_7: Signed):
    v8 = int_lt(i_7, n_6)
    exitswitch v8: False -> block3(p_4) | True -> block2(p_4, q_5, n_6, i_7)
block2(p_9: P, q_10: P, n_11: Signed, i_12: Signed):
    v13 = getfield(p_9, `x`)
    v14 = getfield(p_9, `mass`)
    v15 = int_add(v13, v14)
    setfield(p_9, `x`, v15)
    {between}
    v16 = int_add(i_12, 1)
    goto block1(p_9, q_10, n_11, v16)
block3(p_17: P):
    v18 = getfield(p_17, `x`)
    return(v18)

graph g(q_0: P) -> Signed
block0(q_0):
    return(1)
"""


def test_forward_fields_carries_known_fields_around_a_loop():
    """A field every link into a block knows is a new block argument: `mass`
    and `x`, read before the loop, are read neither in it nor after it (`x`
    is carried as what the last iteration stored).  Nothing in the loop can
    look at `p`, so its store of `x` is done once, on the loop's exit."""
    assert_same_text(run_one("forward_fields", LOOP_ON_FIELDS.format(between="")), """\
struct P(x: Signed, mass: Signed)

graph f(p_0: P, q_1: P, n_2: Signed) -> Signed
block0(p_0, q_1, n_2):
    v3: Signed = getfield(p_0, `mass`)
    v4: Signed = getfield(p_0, `x`)
    goto block1(p_0, q_1, n_2, 0, v3, v4)
block1(p_5: P, q_6: P, n_7: Signed, i_8: Signed, mass_9: Signed, x_10: Signed):
    v11: Bool = int_lt(i_8, n_7)
    exitswitch v11:
        False -> block2(p_5, mass_9, x_10)
        True -> block4(p_5, q_6, n_7, i_8, mass_9, x_10)
block2(p_12: P, mass_13: Signed, x_14: Signed):
    setfield(p_12, `x`, x_14)
    goto block3(p_12, mass_13, x_14)
block3(p_15: P, mass_16: Signed, x_17: Signed):
    return(x_17)
block4(p_18: P, q_19: P, n_20: Signed, i_21: Signed, mass_22: Signed, x_23: Signed):
    v24: Signed = int_add(x_23, mass_22)
    v25: Signed = int_add(i_21, 1)
    goto block1(p_18, q_19, n_20, v25, mass_22, v24)
""")


@pytest.mark.parametrize("why, between, read_in_loop", [
    ("a store to the field through another variable", "setfield(q_10, `mass`, 5)", ["mass"]),
    ("a call may change any field", "v99: Signed = direct_call(@g, q_10)", ["x", "mass"]),
])
def test_forward_fields_carries_nothing_a_loop_may_change(why, between, read_in_loop):
    """What the loop's back edge does not know is read again in the loop."""
    text = run_one("forward_fields", LOOP_ON_FIELDS.format(between=between))
    body = text[text.index("\nblock3("):]
    assert re.findall(r"getfield\(p_\d+, `(\w+)`\)", body) == read_in_loop, why


@pytest.mark.parametrize("why, between", [
    ("a store to the field through another variable", "setfield(q_1, `x`, 5)"),
    ("a call may change any field", "v9: Signed = direct_call(@g, q_1)"),
])
def test_forward_fields_forgets_what_may_have_changed(why, between):
    text = f"""\
struct P(x: Signed)

graph f(p_0: P, q_1: P) -> Signed
block0(p_0, q_1):
    v2 = getfield(p_0, `x`)
    {between}
    v3 = getfield(p_0, `x`)
    v4 = int_add(v2, v3)
    return(v4)

graph g(q_0: P) -> Signed
block0(q_0):
    return(1)
"""
    assert run_one("forward_fields", text).count("getfield(p_0, `x`)") == 2, why


@pytest.mark.parametrize("why, ops", [
    ("a loop appends", ["list_append(v3, x_2)"]),
    ("a call may change any list", ["v9: Signed = direct_call(@g, v3)"]),
    ("another variable may be the same list", ["list_append(v4, x_2)"]),
])
def test_fold_known_lengths_forgets_what_may_have_changed(why, ops):
    """A length that differs between the paths into a block, or that code
    not seen here (a call) or another variable holding the list may have
    changed, is not folded."""
    body = "\n".join("    " + op for op in ops)
    text = f"""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = newlist(List(Signed), 1, 0)
    goto block1(x_0, v1)
block1(x_1: Signed, v2: List(Signed)):
    goto block2(x_1, v2, v2)
block2(x_2: Signed, v3: List(Signed), v4: List(Signed)):
{body}
    v5 = list_len(v3)
    v6 = int_lt(v5, x_2)
    exitswitch v6: False -> return(v5) | True -> block1(x_2, v3)
"""
    assert "list_len(" in run_one("fold_known_lengths", text), why


@pytest.mark.parametrize("name, expected", [
    ("remove_dead", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(x_1: Signed):
    goto block2(x_1)
block2(x_2: Signed):
    v3: Signed = int_add(x_2, 1)
    return(v3)
"""),
    ("remove_empty_blocks", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_neg(x_0)
    goto block1(x_0)
block1(x_2: Signed):
    v3: Signed = int_add(x_2, 1)
    return(v3)
"""),
    ("join_blocks", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_neg(x_0)
    v2: Signed = int_add(x_0, 1)
    return(v2)
"""),
])
def test_the_simplifier_passes_of_the_pipeline(name, expected):
    assert_same_text(run_one(name, """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_neg(x_0)
    goto block1(x_0, v1)
block1(x_2: Signed, y_3: Signed):
    goto block2(x_2)
block2(x_4: Signed):
    v5 = int_add(x_4, 1)
    return(v5)
"""), expected)


def test_pipeline_names():
    assert [(p.name, p.required) for p in RESIDUAL_PASSES] == [
        ("thread_values", True), ("forward_fields", False), ("propagate_constants", False),
        ("fold_known_lengths", False), ("remove_dead", False),
        ("remove_empty_blocks", False), ("join_blocks", False), ("switch_on_conditions", False)]


def test_a_switch_on_a_negated_condition_switches_on_the_condition():
    """`int_eq(int(b), 0)` (a guest's comparison pushed as an int, tested by
    its jump) and `bool_not(b)`: the switch is on b, its exits swapped; the
    test's operations go.  `int_ne(int(b), 0)` keeps the exits."""
    assert_same_text(run_one("switch_on_conditions", """graph f(x_0: Signed, y_1: Signed) -> Signed
block0(x_0, y_1):
    v2 = int_lt(x_0, y_1)
    v3 = cast_bool_to_int(v2)
    v4 = int_eq(v3, 0)
    exitswitch v4: False -> block1(x_0, y_1) | True -> return(x_0)
block1(x_5: Signed, y_6: Signed):
    v7 = int_gt(x_5, y_6)
    v8 = bool_not(v7)
    exitswitch v8: False -> return(y_6) | True -> block2(x_5)
block2(x_9: Signed):
    v10 = int_is_true(x_9)
    v11 = cast_bool_to_int(v10)
    v12 = int_ne(0, v11)
    exitswitch v12: False -> return(1) | True -> return(x_9)
"""), """graph f(x_0: Signed, y_1: Signed) -> Signed
block0(x_0, y_1):
    v2: Bool = int_lt(x_0, y_1)
    exitswitch v2: False -> return(x_0) | True -> block1(x_0, y_1)
block1(x_3: Signed, y_4: Signed):
    v5: Bool = int_gt(x_3, y_4)
    exitswitch v5: False -> block2(x_3) | True -> return(y_4)
block2(x_6: Signed):
    v7: Bool = int_is_true(x_6)
    exitswitch v7: False -> return(1) | True -> return(x_6)
""")


def test_operations_of_the_test_used_elsewhere_stay():
    """The cast, used by an exit, stays; a negation used elsewhere keeps its
    switch."""
    assert_same_text(run_one("switch_on_conditions", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_lt(x_0, 5)
    v2 = cast_bool_to_int(v1)
    v3 = int_eq(v2, 0)
    exitswitch v3: False -> return(v2) | True -> return(x_0)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Bool = int_lt(x_0, 5)
    v2: Signed = cast_bool_to_int(v1)
    exitswitch v1: False -> return(x_0) | True -> return(v2)
""")
    kept = """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Bool = int_lt(x_0, 5)
    v2: Bool = bool_not(v1)
    v3: Signed = cast_bool_to_int(v2)
    exitswitch v2: False -> return(v3) | True -> return(x_0)
"""
    assert_same_text(run_one("switch_on_conditions", kept), kept)


# -- the residual checker -------------------------------------------------------------------

def checked(text: str) -> str:
    with pytest.raises(CheckError) as e:
        check_residual(parse_graph(text))
    return str(e.value)


def test_no_hint_operations():
    assert checked("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(x_1: Signed):
    v2 = hint(x_1, `promote`)
    return(v2)
""") == ("graph f: block1, op 0 hint: want no hint operations in a residual graph, "
         "have hint(x_1, `promote`)")


def test_no_operation_on_constants_left_unfolded():
    assert checked("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_add(2, 3)
    v2 = int_add(x_0, v1)
    return(v2)
""") == ("graph f: block0, op 0 int_add: want operations on constants folded, have "
         "int_add(2, 3)")


def test_an_operation_on_constants_that_raises_stays():
    check_residual(parse_graph("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_floordiv(1, 0)
    return(v1)
"""))


class Site:
    """A promotion site as the checker sees it: the types of its live values."""

    def __init__(self, *live_types):
        self.live_types = list(live_types)


def promote_graph(site, extra_op=False, live=1):
    graph = parse_graph("""\
graph f(x_0: Signed, y_1: Signed) -> Signed
block0(x_0, y_1):
    v2 = int_add(x_0, y_1)
    return(v2)
""")
    block = graph.startblock
    x, y = block.inputargs
    result = Variable("", Signed)
    op = SpaceOperation("promote", [Constant(site, Void), x] + [y] * live, result)
    block.operations = [op] + block.operations if extra_op else [op]
    if not extra_op:
        block.exits[0].args = [result]
    return graph


def test_a_well_formed_promotion_site():
    graph = promote_graph(Site(Signed))
    check_residual(graph)
    run_passes(graph, [], PassOptions(check=True), RESIDUAL_CHECKERS)


def test_promotion_site_is_the_last_operation_and_returned():
    with pytest.raises(CheckError) as e:
        check_residual(promote_graph(Site(Signed), extra_op=True))
    assert str(e.value) == ("graph f: block0, op 0 promote: want the transfer last in its "
                            "block, have 1 operation(s) after it")
    graph = promote_graph(Site(Signed))
    graph.startblock.exits[0].args = [graph.startblock.inputargs[0]]
    with pytest.raises(CheckError) as e:
        check_residual(graph)
    assert str(e.value) == ("graph f: block0, op 0 promote: want the block to return the "
                            "transfer's result v2, have return(x_0)")


def test_promotion_site_arity_matches_its_live_values():
    with pytest.raises(CheckError) as e:
        check_residual(promote_graph(Site(Signed, Signed), live=1))
    assert str(e.value) == ("graph f: block0, op 0 promote: want 2 live value(s) of types "
                            "(Signed, Signed), have 1 of types (Signed)")


def test_promotion_site_argument_is_a_constant():
    graph = promote_graph(Site(Signed))
    op = graph.startblock.operations[0]
    op.args[0] = graph.startblock.inputargs[1]
    with pytest.raises(CheckError) as e:
        check_residual(graph)
    assert str(e.value) == ("graph f: block0, op 0 promote: want a Constant site or graph "
                            "first, have y_1")


def test_tail_call_returns_its_result():
    callee = parse_graph("graph g(a_0: Signed) -> Signed\nblock0(a_0):\n    return(a_0)\n")
    assert checked_with({"g": callee}, """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = tail_call(@g, x_0)
    v2 = int_add(v1, 1)
    return(v2)
""") == ("graph f: block0, op 0 tail_call: want the transfer last in its block, have 1 "
         "operation(s) after it")


def checked_with(graphs, text):
    with pytest.raises(CheckError) as e:
        check_residual(parse_graph(text, graphs))
    return str(e.value)


# -- a broken pass, through the backend and the compiler ---------------------------------

def _forget_a_fold(graph):
    """A deliberately broken pass: puts back an operation on two constants."""
    block = graph.startblock
    block.operations.insert(0, SpaceOperation("int_mul", [c(6), c(7)], Variable("", Signed)))


def build_square(backend):
    b, [x] = backend.new_graph("square", [Signed], Signed, argnames=["x"])
    b.finish_return(b.genop("int_mul", [x, x]))
    return b


def test_a_broken_residual_pass_is_named_with_the_invariant():
    pipeline = list(RESIDUAL_PASSES)
    pipeline.insert(2, Pass("forget_a_fold", _forget_a_fold))
    b = build_square(GraphBackend(PassOptions(check=True), pipeline))
    with pytest.raises(PassError) as e:
        b.end()
    assert str(e.value) == ("after pass 'forget_a_fold': graph square: block0, op 0 int_mul: "
                            "want operations on constants folded, have int_mul(6, 7)")


def test_backend_dumps_after_a_pass_and_disables_one(capsys):
    b = build_square(GraphBackend(PassOptions(disable=frozenset({"join_blocks"}),
                                              dump_after="thread_values")))
    g = b.end()
    assert capsys.readouterr().out == ("# after pass 'thread_values'\n"
                                       "graph square(x_0: Signed) -> Signed\nblock0(x_0):\n"
                                       "    v1: Signed = int_mul(x_0, x_0)\n"
                                       "    return(v1)\n\n")
    assert len(list(g.iterblocks())) == 2       # block0 and the return block


def test_backend_rejects_bad_pass_options():
    with pytest.raises(PassError) as e:
        GraphBackend(PassOptions(disable=frozenset({"thread_values"})))
    assert str(e.value) == ("pass 'thread_values' is required and cannot be disabled "
                            "(logical values become block arguments; a switch without cases "
                            "is a jump)")


# -- compiler options ----------------------------------------------------------------------

def count_down(n: int, k: int) -> int:
    total = 0
    while n > 0:
        total += k
        n -= 1
    return total


def test_compiler_options_reach_the_pipeline(capsys):
    comp = make_compiler(count_down, green=["k"], check_passes=True, dump_after="join_blocks",
                         disable_passes=["remove_empty_blocks"])
    res = comp.specialize(5)
    out = capsys.readouterr().out
    assert out == f"# after pass 'join_blocks'\n{res.graph}\n\n"
    assert res.interpret(4) == count_down(4, 5) and res(3) == count_down(3, 5)
    default = make_compiler(count_down, green=["k"]).specialize(5)
    # the two returns keep their own (empty) blocks: block1 and block4
    assert len(list(res.graph.iterblocks())) == len(list(default.graph.iterblocks())) + 2
    assert "block1():\n    return(0)\n" in str(res.graph)
    assert make_compiler(count_down, green=["k"]).options.check_passes is False


@pytest.mark.parametrize("options, message", [
    ({"disable_passes": ["thread_values"]},
     "option disable_passes or dump_after: pass 'thread_values' is required and cannot be "
     "disabled (logical values become block arguments; a switch without cases is a jump)"),
    ({"dump_after": "join"},
     "option disable_passes or dump_after: unknown pass 'join'; passes: thread_values, "
     "forward_fields, propagate_constants, fold_known_lengths, remove_dead, "
     "remove_empty_blocks, join_blocks, switch_on_conditions"),
    ({"check_passes": 1}, "option check_passes must be True or False, have 1"),
    ({"disable_passes": "join_blocks"},
     "option disable_passes must be a list of pass names, have 'join_blocks'"),
])
def test_bad_pass_options_are_errors(options, message):
    with pytest.raises(ValueError) as e:
        make_compiler(count_down, green=["k"], **options)
    assert str(e.value) == message

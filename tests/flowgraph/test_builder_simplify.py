"""The simplification passes on hand-written graphs (via the IR parser):
each pass alone, with exact expected text, and the checker after each."""

import flowgraph
from flowgraph.parser import parse_graph
from flowgraph.printer import assert_same_text
from flowgraph.simplify import (join_blocks, propagate_constant_args, remove_dead,
                                remove_empty_blocks, remove_same_as, simplify_graph)


def run_pass(text: str, pass_, expected: str, *args) -> None:
    graph = parse_graph(text)
    flowgraph.checkgraph(graph)
    results = [flowgraph.run_graph(graph, *a) for a in args]
    pass_(graph)
    graph.invalidate()                  # the interpreter caches its translation
    flowgraph.checkgraph(graph)
    assert_same_text(str(graph), expected)
    assert [flowgraph.run_graph(graph, *a) for a in args] == results


def test_remove_same_as():
    run_pass("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = same_as(x_0)
    v2 = int_add(v1, 1)
    v3 = same_as(v2)
    v4 = int_gt(v3, 0)
    exitswitch v4: False -> return(v3) | True -> return(v1)
""", remove_same_as, """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_add(x_0, 1)
    v2: Bool = int_gt(v1, 0)
    exitswitch v2: False -> return(v1) | True -> return(x_0)
""", (3,), (-5,))


def test_same_as_of_constant_decides_the_switch():
    run_pass("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = same_as(True)
    exitswitch v1: False -> return(1) | True -> return(x_0)
""", remove_same_as, """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    return(x_0)
""", (3,))


def test_remove_dead_keeps_operations_that_may_raise():
    # int_mul is pure and cannot raise: dropped; int_floordiv may raise: kept, and
    # so is the loop variable it reads.
    run_pass("""\
graph f(n_0: Signed) -> Signed
block0(n_0):
    goto block1(n_0, 0, 7)
block1(n_1: Signed, i_2: Signed, dead_3: Signed):
    v4 = int_lt(i_2, n_1)
    exitswitch v4: False -> return(i_2) | True -> block2(n_1, i_2, dead_3)
block2(n_5: Signed, i_6: Signed, dead_7: Signed):
    v8 = int_add(i_6, 1)
    v9 = int_mul(dead_7, 2)
    v10 = int_floordiv(dead_7, n_5)
    goto block1(n_5, v8, dead_7)
""", remove_dead, """\
graph f(n_0: Signed) -> Signed
block0(n_0):
    goto block1(n_0, 0, 7)
block1(n_1: Signed, i_2: Signed, dead_3: Signed):
    v4: Bool = int_lt(i_2, n_1)
    exitswitch v4: False -> return(i_2) | True -> block2(n_1, i_2, dead_3)
block2(n_5: Signed, i_6: Signed, dead_7: Signed):
    v8: Signed = int_add(i_6, 1)
    v9: Signed = int_floordiv(dead_7, n_5)
    goto block1(n_5, v8, dead_7)
""", (3,), (0,))


def test_remove_dead_drops_unread_loop_variables():
    run_pass("""\
graph f(n_0: Signed) -> Signed
block0(n_0):
    goto block1(n_0, 0, 7)
block1(n_1: Signed, i_2: Signed, dead_3: Signed):
    v4 = int_lt(i_2, n_1)
    exitswitch v4: False -> return(i_2) | True -> block2(n_1, i_2, dead_3)
block2(n_5: Signed, i_6: Signed, dead_7: Signed):
    v8 = int_add(i_6, 1)
    v9 = int_mul(dead_7, 2)
    goto block1(n_5, v8, v9)
""", remove_dead, """\
graph f(n_0: Signed) -> Signed
block0(n_0):
    goto block1(n_0, 0)
block1(n_1: Signed, i_2: Signed):
    v3: Bool = int_lt(i_2, n_1)
    exitswitch v3: False -> return(i_2) | True -> block2(n_1, i_2)
block2(n_4: Signed, i_5: Signed):
    v6: Signed = int_add(i_5, 1)
    goto block1(n_4, v6)
""", (3,), (0,))


def test_constant_arguments_around_a_loop():
    run_pass("""\
graph f(n_0: Signed) -> Signed
block0(n_0):
    goto block1(0, 10)
block1(i_1: Signed, stop_2: Signed):
    v3 = int_lt(i_1, stop_2)
    exitswitch v3: False -> return(i_1) | True -> block2(i_1, stop_2)
block2(i_4: Signed, stop_5: Signed):
    v6 = int_add(i_4, 3)
    goto block1(v6, stop_5)
""", propagate_constant_args, """\
graph f(n_0: Signed) -> Signed
block0(n_0):
    goto block1(0)
block1(i_1: Signed):
    v2: Bool = int_lt(i_1, 10)
    exitswitch v2: False -> return(i_1) | True -> block2(i_1)
block2(i_3: Signed):
    v4: Signed = int_add(i_3, 3)
    goto block1(v4)
""", (0,))


def test_a_constant_switch_argument_and_constant_arguments_of_its_target():
    """block1's switch becomes a constant (its exits are replaced by one
    link) while block2 loses its constant argument: every link is trimmed
    before the switch is decided (a fuzz finding: the new link kept both)."""
    run_pass("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0, True, 5)
block1(x_1: Signed, b_2: Bool, k_3: Signed):
    exitswitch b_2: False -> block2(x_1, k_3) | True -> block2(x_1, 5)
block2(x_4: Signed, k_5: Signed):
    v6 = int_add(x_4, k_5)
    return(v6)
""", propagate_constant_args, """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(x_1: Signed):
    goto block2(x_1)
block2(x_2: Signed):
    v3: Signed = int_add(x_2, 5)
    return(v3)
""", (4,))


def test_remove_empty_blocks():
    run_pass("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_gt(x_0, 0)
    exitswitch v1: False -> block1(x_0, 5) | True -> block2(x_0)
block1(a_2: Signed, b_3: Signed):
    goto block3(b_3, a_2)
block2(c_4: Signed):
    goto block3(c_4, c_4)
block3(p_5: Signed, q_6: Signed):
    v7 = int_sub(p_5, q_6)
    return(v7)
""", remove_empty_blocks, """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Bool = int_gt(x_0, 0)
    exitswitch v1: False -> block1(5, x_0) | True -> block1(x_0, x_0)
block1(p_2: Signed, q_3: Signed):
    v4: Signed = int_sub(p_2, q_3)
    return(v4)
""", (3,), (-2,))


def test_join_blocks():
    run_pass("""\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_add(x_0, 1)
    goto block1(v1, x_0)
block1(a_2: Signed, b_3: Signed):
    v4 = int_mul(a_2, b_3)
    goto block2(v4)
block2(c_5: Signed):
    v6 = int_gt(c_5, 0)
    exitswitch v6: False -> return(c_5) | True -> return(0)
""", join_blocks, """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_add(x_0, 1)
    v2: Signed = int_mul(v1, x_0)
    v3: Bool = int_gt(v2, 0)
    exitswitch v3: False -> return(v2) | True -> return(0)
""", (3,), (-1,))


def test_join_keeps_loop_headers():
    text = """\
graph f(n_0: Signed) -> Signed
block0(n_0):
    goto block1(n_0)
block1(n_1: Signed):
    v2: Bool = int_gt(n_1, 0)
    exitswitch v2: False -> return(n_1) | True -> block2(n_1)
block2(n_3: Signed):
    v4: Signed = int_sub(n_3, 1)
    goto block1(v4)
"""
    run_pass(text, join_blocks, text, (3,))


def test_simplify_graph_is_idempotent_on_built_graphs():
    from examples import EXAMPLES
    for example in EXAMPLES:
        graph = flowgraph.build_graph(example.func)
        before = str(graph)
        simplify_graph(graph)
        flowgraph.checkgraph(graph)
        assert str(graph) == before, example.name

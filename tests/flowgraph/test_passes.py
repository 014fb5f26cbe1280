"""The pass runner (`flowgraph.passes`) and each pass of the flow-graph
simplifier (`flowgraph.simplify.SIMPLIFY_PASSES`), text in, text out."""

import io

import pytest

from flowgraph import parse_graph
from flowgraph.model import Constant, Link
from flowgraph.passes import Pass, PassError, PassOptions, PassRunner, run_passes
from flowgraph.printer import assert_same_text
from flowgraph.simplify import SIMPLIFY_PASSES, simplify_graph

PASSES = {p.name: p for p in SIMPLIFY_PASSES}


def run_one(name: str, text: str) -> str:
    """The graph of `text` after the simplifier pass `name` alone (checked)."""
    graph = parse_graph(text)
    run_passes(graph, [PASSES[name]], PassOptions(check=True))
    return str(graph)


# -- each simplifier pass ----------------------------------------------------------------

def test_remove_same_as():
    assert_same_text(run_one("remove_same_as", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = same_as(x_0)
    v2 = int_add(v1, v1)
    return(v2)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_add(x_0, x_0)
    return(v1)
""")


def test_remove_dead():
    assert_same_text(run_one("remove_dead", """\
graph f(x_0: Signed, y_1: Signed) -> Signed
block0(x_0, y_1):
    v2 = int_mul(x_0, y_1)
    v3 = int_floordiv(x_0, y_1)
    goto block1(x_0, y_1)
block1(x_4: Signed, y_5: Signed):
    return(x_4)
"""), """\
graph f(x_0: Signed, y_1: Signed) -> Signed
block0(x_0, y_1):
    v2: Signed = int_floordiv(x_0, y_1)
    goto block1(x_0)
block1(x_3: Signed):
    return(x_3)
""")


def test_propagate_constant_args_around_a_loop():
    assert_same_text(run_one("propagate_constant_args", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0, 10)
block1(i_1: Signed, n_2: Signed):
    v3 = int_lt(i_1, n_2)
    exitswitch v3: False -> return(i_1) | True -> block2(i_1, n_2)
block2(i_4: Signed, n_5: Signed):
    v6 = int_add(i_4, 1)
    goto block1(v6, n_5)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(i_1: Signed):
    v2: Bool = int_lt(i_1, 10)
    exitswitch v2: False -> return(i_1) | True -> block2(i_1)
block2(i_3: Signed):
    v4: Signed = int_add(i_3, 1)
    goto block1(v4)
""")


def test_propagate_constant_args_decides_a_switch():
    assert_same_text(run_one("propagate_constant_args", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0, True)
block1(x_1: Signed, b_2: Bool):
    exitswitch b_2: False -> return(0) | True -> return(x_1)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(x_1: Signed):
    return(x_1)
""")


def test_remove_empty_blocks():
    assert_same_text(run_one("remove_empty_blocks", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_gt(x_0, 0)
    exitswitch v1: False -> block1(x_0) | True -> block2(x_0)
block1(a_2: Signed):
    goto block2(a_2)
block2(b_3: Signed):
    v4 = int_neg(b_3)
    return(v4)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Bool = int_gt(x_0, 0)
    exitswitch v1: False -> block1(x_0) | True -> block1(x_0)
block1(b_2: Signed):
    v3: Signed = int_neg(b_2)
    return(v3)
""")


def test_join_blocks():
    assert_same_text(run_one("join_blocks", """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = int_add(x_0, 1)
    goto block1(v1)
block1(y_2: Signed):
    v3 = int_mul(y_2, 2)
    goto block2(v3)
block2(z_4: Signed):
    return(z_4)
"""), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1: Signed = int_add(x_0, 1)
    v2: Signed = int_mul(v1, 2)
    return(v2)
""")


# -- the runner -----------------------------------------------------------------------------

LOOP = """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    v1 = same_as(x_0)
    goto block1(v1)
block1(y_2: Signed):
    v3 = int_add(y_2, 1)
    return(v3)
"""


def test_disabled_passes_are_skipped():
    graph = parse_graph(LOOP)
    simplify_graph(graph, PassOptions(disable=frozenset({"join_blocks"})))
    assert_same_text(str(graph), """\
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(y_1: Signed):
    v2: Signed = int_add(y_1, 1)
    return(v2)
""")


def test_unknown_and_required_passes_are_errors():
    with pytest.raises(PassError) as e:
        PassRunner(SIMPLIFY_PASSES, PassOptions(disable=frozenset({"join"})))
    assert str(e.value) == ("unknown pass 'join'; passes: remove_same_as, remove_dead, "
                            "propagate_constant_args, remove_empty_blocks, join_blocks")
    with pytest.raises(PassError) as e:
        PassRunner(SIMPLIFY_PASSES, PassOptions(dump_after="joins"))
    assert str(e.value).startswith("unknown pass 'joins'; passes: remove_same_as,")
    needed = [Pass("needed", lambda g: None, required=True, doc="keeps the graph valid")]
    with pytest.raises(PassError) as e:
        PassRunner(needed, PassOptions(disable=frozenset({"needed"})))
    assert str(e.value) == ("pass 'needed' is required and cannot be disabled "
                            "(keeps the graph valid)")


def test_dump_after_a_pass_to_a_stream_and_to_a_callback():
    stream = io.StringIO()
    simplify_graph(parse_graph(LOOP), PassOptions(dump_after="remove_same_as", dump=stream))
    assert stream.getvalue() == """\
# after pass 'remove_same_as'
graph f(x_0: Signed) -> Signed
block0(x_0):
    goto block1(x_0)
block1(y_1: Signed):
    v2: Signed = int_add(y_1, 1)
    return(v2)

"""
    seen = []
    simplify_graph(parse_graph(LOOP), PassOptions(
        dump_after="join_blocks", dump=lambda name, text: seen.append((name, text))))
    assert seen == [("join_blocks", "graph f(x_0: Signed) -> Signed\nblock0(x_0):\n"
                     "    v1: Signed = int_add(x_0, 1)\n    return(v1)")]


def _break_a_link(graph):
    """A deliberately broken pass: the start block's exit loses its arguments."""
    link = graph.startblock.exits[0]
    graph.startblock.closeblock(Link([], link.target))


def test_a_broken_pass_is_named_with_the_invariant_it_broke():
    passes = list(SIMPLIFY_PASSES)
    passes.insert(1, Pass("break_a_link", _break_a_link))
    graph = parse_graph(LOOP)
    with pytest.raises(PassError) as e:
        run_passes(graph, passes, PassOptions(check=True))
    assert str(e.value) == ("after pass 'break_a_link': graph f: block0, exit 0: "
                            "link to block1: want 1 arguments, have 0")
    assert Pass("break_a_link", _break_a_link).doc == (
        "A deliberately broken pass: the start block's exit loses its arguments.")


def test_without_checks_a_broken_pass_goes_unnoticed():
    passes = [Pass("break_a_link", _break_a_link)]
    graph = parse_graph(LOOP)
    run_passes(graph, passes, PassOptions(check=False))
    assert graph.startblock.exits[0].args == []


def test_checks_follow_the_environment_unless_given(monkeypatch):
    monkeypatch.setenv("TIMESHIFT_CHECK_PASSES", "0")
    assert PassRunner(SIMPLIFY_PASSES).check is False
    assert PassRunner(SIMPLIFY_PASSES, PassOptions(check=True)).check is True
    monkeypatch.setenv("TIMESHIFT_CHECK_PASSES", "1")
    assert PassRunner(SIMPLIFY_PASSES).check is True
    assert PassRunner(SIMPLIFY_PASSES, PassOptions(check=False)).check is False


def test_the_suite_runs_with_checks_on():
    assert PassRunner(SIMPLIFY_PASSES).check is True

"""flowgraph.continuation: the rest of a function from any operation of any
block, as a graph; compiled and interpreted, it computes what resuming the
original there computes."""

import random

import flowgraph
import rgen
from flowgraph.continuation import continuation
from flowgraph.interp import resume_graph
from flowgraph.interp.run import run_graph
from flowgraph.liveness import live_in
from flowgraph.lltypes import Bool
from flowgraph.model import Variable


def loop_sum(n: int, k: int) -> int:
    s = 0
    i = 0
    while i < n:
        if i % 3 == 0:
            s += i * k
        else:
            s -= k
        i += 1
    return s


def points(graph):
    for block in graph.iterblocks():
        if block.exits:
            for opindex in range(len(block.operations) + 1):
                yield block, opindex


def test_every_continuation_computes_what_resuming_there_computes():
    """At every point of a loop, with random values for what is live there:
    the continuation natively, interpreted, and resume_graph agree."""
    graph = flowgraph.build_graph(loop_sum)
    rng = random.Random(7)
    checked = 0
    for block, opindex in points(graph):
        inputs = live_in(block, opindex)
        cont = continuation(graph, block, opindex, inputs)
        assert [v.concretetype for v in cont.graph.getargs()] == [
            v.concretetype for v in inputs]
        native = rgen.compile_graph(cont.graph)
        for _ in range(3):
            values = [rng.random() < 0.5 if v.concretetype is Bool else rng.randint(-5, 40)
                      for v in inputs]
            expected = resume_graph(graph, block, dict(zip(inputs, values)), opindex)
            assert run_graph(cont.graph, *values) == expected
            assert native(*values) == expected
            checked += 1
    assert checked > 20


def test_a_continuation_inside_a_loop_gets_fresh_variables():
    """The block a continuation starts in is reached again by the loop: its
    copy keeps its own variables (SSA), the start block has new ones."""
    graph = flowgraph.build_graph(loop_sum)
    head = next(b for b, i in points(graph) if i == 1 and any(
        link.target is b for other in graph.iterblocks() for link in other.exits))
    cont = continuation(graph, head, 1, live_in(head, 1))
    assert head in cont.blocks.values() and cont.blocks[cont.graph.startblock] is head
    defined = [v for block in cont.graph.iterblocks() for v in block.getvariables()]
    assert len(defined) == len(set(defined))
    assert all(isinstance(cont.variables[v], Variable) for v in cont.graph.getargs())
    assert cont.blocks[cont.graph.startblock] is head


def test_an_input_left_out_is_an_error_naming_it():
    graph = flowgraph.build_graph(loop_sum)
    block, opindex = next((b, i) for b, i in points(graph) if len(live_in(b, i)) > 1)
    inputs = live_in(block, opindex)
    try:
        continuation(graph, block, opindex, inputs[1:])
    except ValueError as exc:
        assert f"{inputs[0]!r} is used after operation {opindex}" in str(exc)
    else:
        raise AssertionError("no error")

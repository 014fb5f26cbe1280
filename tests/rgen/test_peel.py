"""Native code of a flow graph keeps its loops' fields in registers
(rgen/peel.py): the loop's first iteration is peeled, then the residual
pipeline's `forward_fields` drops the reads the loop knows and sinks its
stores to the exits.  The objects native code changes equal CPython's,
whichever way the loop ends (an exception too)."""

from __future__ import annotations

import pytest

import flowgraph
import rgen
from bench import objects_programs as op
from hintannotator import hint
from rgen.peel import native_form


class Cell:
    x: int
    v: int

    def __init__(self, x: int, v: int):
        self.x = x
        self.v = v


def divide_down(c: Cell, n: int) -> int:
    """A loop that may raise (x reaches 3): its stores are not sunk."""
    i = 0
    while i < n:
        c.v = c.v + 100 // (c.x - 3)
        c.x -= 1
        i += 1
    return c.v


def count_up(c: Cell, n: int) -> int:
    while c.x < n:                    # the loop starts the function
        c.x += 1
        c.v += c.x
    return c.v


def promoted(c: Cell, n: int) -> int:
    n = hint(n, promote=True)
    i = 0
    while i < n:
        c.x += 1
        i += 1
    return c.x


def ops_of(graph, blocks) -> list:
    return [o.opname for b in blocks for o in b.operations]


def loop_blocks(graph) -> list:
    import networkx as nx
    cfg = nx.DiGraph((b, l.target) for b in graph.iterblocks() for l in b.exits)
    return [b for scc in nx.strongly_connected_components(cfg) if len(scc) > 1 for b in scc]


def test_the_loop_reads_and_writes_no_field():
    g = flowgraph.build_graph(op.step)
    native = native_form(g)
    assert native is not g and flowgraph.checkgraph(native) is None
    assert [n for n in ops_of(native, loop_blocks(native)) if "field" in n] == []
    all_ops = ops_of(native, native.iterblocks())
    assert (all_ops.count("getfield"), all_ops.count("setfield")) == (4, 4)
    assert "getfield" in ops_of(g, loop_blocks(g))          # the original is unchanged


@pytest.mark.parametrize("func, x, v, n", [
    (op.step, 1, 2, 0), (op.step, 1, 2, 1), (op.step, 1, 2, 1000),
    (divide_down, 7, 0, 2), (divide_down, 7, 0, 10), (divide_down, 2, 5, 3),
    (count_up, 0, 0, 5), (count_up, 9, 1, 5),
])
def test_objects_changed_natively_equal_cpython(func, x, v, n):
    make = (lambda: op.Particle(x, v, 12)) if func is op.step else (lambda: Cell(x, v))
    native = rgen.compile_graph(flowgraph.build_graph(func))
    mine, theirs = make(), make()
    outcomes = []
    for f, obj in ((native, mine), (func, theirs)):
        try:
            outcomes.append(("value", f(obj, n)))
        except ZeroDivisionError as e:
            outcomes.append(("raised", str(e)))
    assert outcomes[0] == outcomes[1] and vars(mine) == vars(theirs)


def test_what_is_not_peeled():
    """A loop entered by the call itself is peeled too; a graph with a
    hint (its positions name the fallback's) and a graph not built from
    source are left alone."""
    g = flowgraph.build_graph(count_up)
    assert native_form(g) is not g
    g = flowgraph.build_graph(promoted)
    assert native_form(g) is g
    g = flowgraph.build_graph(divide_down)
    assert native_form(g) is not g
    g.func = None
    assert native_form(g) is g

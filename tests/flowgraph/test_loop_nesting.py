"""`loop_nesting`: how deep the loops of a graph nest (flowgraph/interp/names.py;
rgen/llvm gives deep nests a pipeline that cannot assert)."""

import importlib.util

import pytest

from flowgraph import build_graph
from flowgraph.interp.names import cyclic_blocks, has_loop, loop_nesting


def nest_of(tmp_path, depth: int, siblings: int = 1):
    """The graph of `depth` nested while loops, the innermost one followed by
    `siblings - 1` more loops at the same level."""
    body, pad = ["    t = 0"], "    "
    for d in range(depth):
        body += [f"{pad}i{d} = 0", f"{pad}while i{d} < n:"]
        pad += "    "
        body.append(f"{pad}i{d} += 1")
    for _ in range(siblings - 1):
        body += [f"{pad}j = 0", f"{pad}while j < n:", f"{pad}    j += 1", f"{pad}    t += j"]
    path = tmp_path / f"nest_{depth}_{siblings}.py"
    path.write_text("def f(n: int) -> int:\n" + "\n".join(body) + "\n    return t\n")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return build_graph(module.f)


@pytest.mark.parametrize("depth, siblings, expected", [(0, 1, 0), (1, 1, 1), (3, 1, 3),
                                                       (1, 4, 2), (2, 3, 3), (12, 2, 13)])
def test_loop_nesting_counts_nested_not_sequential_loops(tmp_path, depth, siblings, expected):
    assert loop_nesting(nest_of(tmp_path, depth, siblings).startblock) == expected


def test_loop_nesting_stops_past_its_limit(tmp_path):
    start = nest_of(tmp_path, 12).startblock
    assert [loop_nesting(start, limit) for limit in (3, 11, 12, 20)] == [4, 12, 12, 12]


def test_has_loop_agrees_with_the_cyclic_blocks():
    """`has_loop` (asked for every compiled function) against the networkx
    answer, on nests, on every example's flow graph and on its residual graph."""
    from examples import EXAMPLES
    from timeshifter import make_compiler
    graphs = []
    for example in EXAMPLES:
        graphs.append(build_graph(example.func))
        if example.green and example.bench is not None:
            params = example.func.__code__.co_varnames[:example.func.__code__.co_argcount]
            greens = [a for p, a in zip(params, example.bench) if p in example.green]
            graphs.append(make_compiler(example.func, green=list(example.green))
                          .specialize(*greens).graph)
    answers = [(has_loop(g.startblock), bool(cyclic_blocks(g.iterblocks()))) for g in graphs]
    assert all(mine == theirs for mine, theirs in answers)
    assert {mine for mine, _ in answers} == {True, False}


@pytest.mark.parametrize("depth", [0, 1, 5])
def test_has_loop_on_nests(tmp_path, depth):
    assert has_loop(nest_of(tmp_path, depth).startblock) == (depth > 0)

"""`loop_nesting`: how deep the loops of a graph nest (flowgraph/interp/names.py;
rgen/llvm gives deep nests a pipeline that cannot assert)."""

import importlib.util

import pytest

from flowgraph import build_graph
from flowgraph.interp.names import loop_nesting


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

"""The README's example builds the graph the README prints."""

import pathlib
import re

import flowgraph
from flowgraph.lltypes import Signed
from rgen import GraphBackend

README = pathlib.Path(__file__).parents[2] / "rgen" / "README.md"


def test_readme_example():
    text = README.read_text()
    example = text[text.index("## Example"):]
    code, printed = re.findall(r"```(?:python)?\n(.*?)```", example, re.S)[:2]
    namespace = {"backend": GraphBackend(), "Signed": Signed}
    exec(code, namespace)
    graph = namespace["graph"]
    flowgraph.checkgraph(graph)
    assert flowgraph.format_graph(graph) + "\n" == printed
    assert flowgraph.run_graph(graph, 3, 4) == 81
    assert namespace["b"].op_count == 3

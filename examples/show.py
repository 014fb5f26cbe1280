"""Print the flow graph of examples and run it: `python -m examples.show [name ...]`.

The stand-in for `timeshift demo` until the timeshifter's command line exists:
builds each example's graph, checks it, prints its textual IR and runs it with
the flow-graph interpreter on the example's benchmark input next to CPython.
"""

import sys

import flowgraph
from examples import by_name

DEFAULT = ["interpret"]


def show(name: str) -> None:
    example = by_name(name)
    graph = flowgraph.build_graph(example.func)
    flowgraph.checkgraph(graph)
    print(flowgraph.format_graph(graph))
    if example.bench is not None:
        args = ", ".join(_short(a) for a in example.bench)
        print(f"# CPython:   {name}({args}) = {example.func(*example.bench)!r}")
        print(f"# run_graph: {name}({args}) = {flowgraph.run_graph(graph, *example.bench)!r}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def main(argv: list[str] | None = None) -> int:
    for name in (argv if argv else DEFAULT):
        show(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

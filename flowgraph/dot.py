"""The graphical view: a flow graph as a `graphviz.Digraph`.

    to_dot(g).pipe(format="svg")
    to_dot(g, colors={v: "green" for v in green_vars}).render("power", format="svg")

Each block is a box whose HTML-like label lists its input arguments, its
operations and its exit switch, in exactly the text of `flowgraph.printer`
(same block numbers and variable names, so the picture and `str(g)` can be
read side by side).  Each link is an edge labelled with its exit case and its
arguments.  The return and except blocks are separate nodes (`return`,
`raise`).  `colors` maps Variables to "green", "red" or "blue" (the hint
annotator's colours, drawn in readable shades) or to any graphviz colour
name; variables it does not mention are drawn black.  All text is
HTML-escaped, so `<`, `&` and quotes in constants are safe.

`add_graph(dot, g, colors, prefix)` draws a graph into an existing Digraph
(several graphs in one picture use distinct prefixes).
"""

from __future__ import annotations

import html

import graphviz

from flowgraph.model import FunctionGraph, Link
from flowgraph.printer import GraphPrinter, format_exitcase, format_type

PALETTE = {"green": "#1a7f37", "red": "#cf222e", "blue": "#0969da"}
FONT = "Courier"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _painter(colors):
    def paint(v, text):
        color = colors.get(v) if colors else None
        if color is None:
            return text
        return f'<font color="{_esc(PALETTE.get(color, color))}">{text}</font>'
    return paint


def _table(rows: list) -> str:
    cells = "".join(f'<tr><td align="left">{row}</td></tr>' for row in rows)
    return f'<<table border="0" cellborder="0" cellspacing="0">{cells}</table>>'


def _block_rows(p: GraphPrinter, block) -> list:
    rows = [f"<b>{p.block_header(block)}</b>"]
    rows.extend(p.operation(op) + _line_comment(op) for op in block.operations)
    if block.exitswitch is not None:
        rows.append(f"<i>{p.switch_head(block).rstrip(':')}</i>")
    return rows or [" "]


def _line_comment(op) -> str:
    """The source line of an operation, in grey (as the printer's `# line N`)."""
    if not op.lineno:
        return ""
    return f'  <font color="gray50"># line {op.lineno}</font>'


def _edge_label(p: GraphPrinter, link: Link) -> str:
    args = f"({p.values(link.args)})"
    if link.exitcase is None:
        return f"<{args}>"
    return f"<{_esc(format_exitcase(link.exitcase))}: {args}>"


def _final_label(p: GraphPrinter, block) -> str:
    graph = p.graph
    if block is graph.returnblock:
        return _table([f"<b>return</b> {_esc(format_type(graph.return_type))}"])
    types = ", ".join(format_type(v.concretetype) for v in block.inputargs)
    return _table([f"<b>raise</b>({_esc(types)})"])


def add_graph(dot: graphviz.Digraph, g: FunctionGraph, colors=None, prefix: str = "") -> None:
    """Draw `g` into `dot`; node names start with `prefix`."""
    p = GraphPrinter(g, esc=_esc, paint=_painter(colors))
    finals = {g.returnblock: f"{prefix}return", g.exceptblock: f"{prefix}raise"}
    ids = {b: f"{prefix}block{i}" for i, b in enumerate(p.blocks)}
    for block, name in ids.items():
        dot.node(name, label=_table(_block_rows(p, block)), shape="box")
    reached = {link.target for block in p.blocks for link in block.exits}
    for block in finals:
        if block in reached:
            shape = "doubleoctagon" if block is g.returnblock else "octagon"
            dot.node(finals[block], label=_final_label(p, block), shape=shape,
                     color=PALETTE["red"] if block is g.exceptblock else "black")
    for block in p.blocks:
        for link in block.exits:
            target = ids.get(link.target) or finals.get(link.target)
            if target is None:
                target = f"{prefix}foreign{id(link.target):x}"
                dot.node(target, label="?", shape="point")
            dot.edge(ids[block], target, label=_edge_label(p, link))


def to_dot(g: FunctionGraph, colors=None) -> graphviz.Digraph:
    """A Digraph of `g`; its title is the graph's header line."""
    p = GraphPrinter(g, esc=_esc, paint=_painter(colors))
    dot = graphviz.Digraph(name=g.name)
    dot.attr(label=f"<{p.header()}>", labelloc="t", fontname=FONT)
    dot.attr("node", fontname=FONT, fontsize="11")
    dot.attr("edge", fontname=FONT, fontsize="10")
    add_graph(dot, g, colors)
    return dot

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

from flowgraph.model import FunctionGraph, Link, Variable
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
    args = f"({p.link_values(link)})"
    if link.exitcase is None:
        return f"<{args}>"
    return f"<{_esc(format_exitcase(link.exitcase))}: {args}>"


def _final_label(p: GraphPrinter, block) -> str:
    graph = p.graph
    if block is graph.returnblock:
        return _table([f"<b>return</b> {_esc(format_type(graph.return_type))}"])
    types = ", ".join(format_type(v.concretetype) for v in block.inputargs)
    return _table([f"<b>raise</b>({_esc(types)})"])


class CompactPrinter(GraphPrinter):
    """The compact view's text: a variable is named by its source name alone
    (`pc`, not `pc_16`: the versions a block renames read as one variable)
    or `vN` for a temporary, without its type; a block header is its label."""

    def var(self, v) -> str:
        name = v.name or self.names.get(v) or f"v?{v.id}"
        text = self.esc(name)
        return self.paint(v, text) if self.paint else text

    def vardef(self, v) -> str:
        return self.var(v)

    def changes(self, link: Link) -> str:
        """`param=value` for each argument that is not the same-named
        variable passed along: what the link changes."""
        if link.target in (self.graph.returnblock, self.graph.exceptblock):
            return self.link_values(link)
        return self.esc(", ").join(
            f"{self.esc(param.name or self.names.get(param, '?'))}={self.value(arg)}"
            for arg, param in zip(link.args, link.target.inputargs)
            if not (isinstance(arg, Variable) and arg.name and arg.name == param.name))


def _compact_rows(p: CompactPrinter, block) -> list:
    """The block's label, its operations, and its switch; a switch on the
    last operation's result, used nowhere else, is that operation's row:
    `switch char_eq(op, '+')`."""
    ops = block.operations
    folded = (block.exitswitch is not None and ops and ops[-1].result is block.exitswitch
              and not any(block.exitswitch in op.args for op in ops)
              and not any(block.exitswitch in link.args for link in block.exits))
    rows = [p.operation(op) for op in (ops[:-1] if folded else ops)]
    if folded:
        last = ops[-1]
        rows.append(f"<i>switch</i> {_esc(last.opname)}({p.values(last.args)})")
    elif block.exitswitch is not None:
        rows.append(f"<i>{p.switch_head(block).rstrip(':')}</i>")
    label = f'<font color="gray40">{p.block_label(block)}</font>'
    return [f"{label} {rows[0]}" if rows else label] + rows[1:]


def _compact_edge_label(p: CompactPrinter, link: Link) -> str:
    parts = [] if link.exitcase is None else [_esc(format_exitcase(link.exitcase))]
    changes = p.changes(link)
    if changes:
        parts.append(changes)
    return f"<{_esc(': ').join(parts)}>" if parts else ""


def add_graph(dot: graphviz.Digraph, g: FunctionGraph, colors=None, prefix: str = "",
              compact: bool = False) -> None:
    """Draw `g` into `dot`; node names start with `prefix`; `compact`: the
    compact view (see `to_dot`)."""
    p = (CompactPrinter if compact else GraphPrinter)(g, esc=_esc, paint=_painter(colors))
    rows, edge_label = (_compact_rows, _compact_edge_label) if compact else \
        (_block_rows, _edge_label)
    finals = {g.returnblock: f"{prefix}return", g.exceptblock: f"{prefix}raise"}
    ids = {b: f"{prefix}block{i}" for i, b in enumerate(p.blocks)}
    for block, name in ids.items():
        dot.node(name, label=_table(rows(p, block)), shape="box")
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
            if compact:     # beside the edge: a label would be a node of its own rank
                dot.edge(ids[block], target, xlabel=edge_label(p, link))
            else:
                dot.edge(ids[block], target, label=edge_label(p, link))


def to_dot(g: FunctionGraph, colors=None, compact: bool = True) -> graphviz.Digraph:
    """A Digraph of `g`; its title is the graph's header line.  The compact
    view (the default) names variables by their source names without types,
    heads a block by its label alone and labels a link with its exit case
    and only what it changes (`pc=v12`: an argument that is not the
    same-named variable passed along), without line comments;
    `compact=False` is the full view, in the exact text of the printer."""
    p = GraphPrinter(g, esc=_esc, paint=_painter(colors))
    dot = graphviz.Digraph(name=g.name)
    dot.attr(label=f"<{p.header()}>", labelloc="t", fontname=FONT)
    style(dot, compact)
    add_graph(dot, g, colors, compact=compact)
    return dot


def style(dot: graphviz.Digraph, compact: bool) -> None:
    """Fonts and spacing of a picture of graphs (the compact view's tighter)."""
    dot.attr("node", fontname=FONT, fontsize="10" if compact else "11")
    dot.attr("edge", fontname=FONT, fontsize="9" if compact else "10")
    if compact:
        dot.attr(nodesep="0.15", ranksep="0.2")
        dot.attr("node", margin="0.05,0.02")

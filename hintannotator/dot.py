"""Coloured graphs as one graphviz picture: a cluster per graph copy.

Variables are painted green, red or blue (flowgraph.dot's palette); the
cluster title names the copy's colour pattern, and a legend explains the
colours.  In the full view operations keep their `# line N` source
references; the compact view (the default) is flowgraph.dot's.
"""

from __future__ import annotations

import graphviz

from flowgraph.dot import FONT, PALETTE, add_graph, style


def annotation_to_dot(ann, compact: bool = True) -> graphviz.Digraph:
    """The coloured graph copies; `compact`: flowgraph.dot's compact view
    (the default), else the full one, in the printer's exact text."""
    dot = graphviz.Digraph(name=f"colors_{ann.graph.name}")
    title = f"hint annotation of {ann.graph.name}"
    if compact:                 # the legend in the title: no column of its own
        title = f"<{title}<br/>{_legend_line()}>"
    dot.attr(label=title, labelloc="t", fontname=FONT)
    style(dot, compact)
    for n, copy in enumerate(ann.copies):
        pattern = ", ".join(f"{v.name or '#' + str(i)}:{ann.colors[v]}"
                            for i, v in enumerate(copy.graph.getargs()))
        forced = " (result forced green)" if copy.key[2] else ""
        with dot.subgraph(name=f"cluster_{n}") as sub:
            sub.attr(label=f"{copy.graph.name}({pattern}){forced}", style="rounded",
                     color="gray50")
            add_graph(sub, copy.graph, ann.colors, prefix=f"g{n}_", compact=compact)
    if not compact:
        _legend(dot)
    return dot


LEGEND = (("green", "known at compile time"), ("red", "known only at run time: emitted"),
          ("blue", "virtual container: shape known, contents per field"))


def _legend_line() -> str:
    return "   ".join(f'<font color="{PALETTE[c]}">{c}</font>: {text}' for c, text in LEGEND)


def _legend(dot: graphviz.Digraph) -> None:
    rows = "".join(
        f'<tr><td><font color="{PALETTE[c]}">{c}</font></td><td align="left">{text}</td></tr>'
        for c, text in LEGEND)
    dot.node("legend", label=f'<<table border="0">{rows}</table>>', shape="note")

"""Coloured graphs as one graphviz picture: a cluster per graph copy.

Variables are painted green, red or blue (flowgraph.dot's palette); the
cluster title names the copy's colour pattern, and a legend explains the
colours.  Operations keep their `# line N` source references.
"""

from __future__ import annotations

import graphviz

from flowgraph.dot import FONT, PALETTE, add_graph


def annotation_to_dot(ann) -> graphviz.Digraph:
    dot = graphviz.Digraph(name=f"colors_{ann.graph.name}")
    dot.attr(label=f"hint annotation of {ann.graph.name}", labelloc="t", fontname=FONT)
    dot.attr("node", fontname=FONT, fontsize="11")
    dot.attr("edge", fontname=FONT, fontsize="10")
    for n, copy in enumerate(ann.copies):
        pattern = ", ".join(f"{v.name or '#' + str(i)}:{ann.colors[v]}"
                            for i, v in enumerate(copy.graph.getargs()))
        forced = " (result forced green)" if copy.key[2] else ""
        with dot.subgraph(name=f"cluster_{n}") as sub:
            sub.attr(label=f"{copy.graph.name}({pattern}){forced}", style="rounded",
                     color="gray50")
            add_graph(sub, copy.graph, ann.colors, prefix=f"g{n}_")
    _legend(dot)
    return dot


def _legend(dot: graphviz.Digraph) -> None:
    rows = "".join(
        f'<tr><td><font color="{PALETTE[c]}">{c}</font></td><td align="left">{text}</td></tr>'
        for c, text in (("green", "known at compile time"),
                        ("red", "known only at run time: emitted"),
                        ("blue", "virtual container: shape known, contents per field")))
    dot.node("legend", label=f'<<table border="0">{rows}</table>>', shape="note")

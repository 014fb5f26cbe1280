"""The graphviz view: structure of the Digraph, escaping, colours, rendering."""

import re

import graphviz

from flowgraph.dot import PALETTE, add_graph, to_dot
from flowgraph.parser import parse_graph
from tests.flowgraph.samples import POWER


NASTY = """\
graph nasty(s_0: Str) -> Bool
block0(s_0):
    c_1: Char = str_getitem(s_0, 0)
    v2: Bool = char_lt(c_1, '<')
    v3: Bool = str_eq(s_0, "a&b \\"q\\" {x|y} <i>")
    exitswitch c_1: '>' -> return(v2) | '&' -> raise(ValueError, "<&>") | default -> return(v3)"""


NODE = re.compile(r"\t(\w+) \[")
EDGE = re.compile(r"\t(\w+) -> (\w+) \[")


def nodes_and_edges(dot):
    """Node names (attribute statements left out) and edges, in order."""
    nodes = [m.group(1) for m in map(NODE.match, dot.body)
             if m and m.group(1) not in ("node", "edge", "graph")]
    edges = [m.groups() for m in map(EDGE.match, dot.body) if m]
    return nodes, edges


def test_blocks_are_nodes_and_links_are_labelled_edges():
    dot = to_dot(parse_graph(POWER), compact=False)
    assert isinstance(dot, graphviz.Digraph)
    nodes, edges = nodes_and_edges(dot)
    assert nodes == ["block0", "block1", "return"]
    assert edges == [("block0", "return"), ("block0", "block1"), ("block1", "block0")]
    source = dot.source
    assert "label=<False: (1)>" in source
    assert "label=<True: (x_0, n_1)>" in source
    assert "label=<(r_5, n_6)>" in source
    assert "v2: Bool = int_gt(n_1, 0)" in source
    assert "<i>exitswitch v2</i>" in source
    assert "<b>block1(x_3: Signed, n_4: Signed):</b>" in source
    assert "-&gt; Signed" in source           # the title: the graph header


def test_special_characters_are_escaped_and_svg_renders():
    dot = to_dot(parse_graph(NASTY), compact=False)
    source = dot.source
    assert "char_lt(c_1, '&lt;')" in source
    assert 'str_eq(s_0, "a&amp;b \\"q\\" {x|y} &lt;i&gt;")' in source
    assert "label=<'&amp;': (ValueError, \"&lt;&amp;&gt;\")>" in source
    nodes, edges = nodes_and_edges(dot)
    assert nodes == ["block0", "return", "raise"]
    assert edges == [("block0", "return"), ("block0", "raise"), ("block0", "return")]
    svg = dot.pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert "str_eq(s_0, &quot;a&amp;b" in svg or 'str_eq(s_0, "a&amp;b' in svg


def test_colors_paint_every_occurrence():
    g = parse_graph(POWER)
    x, n = g.startblock.inputargs
    v2 = g.startblock.operations[0].result
    dot = to_dot(g, colors={x: "red", n: "green", v2: "blue"}, compact=False)
    source = dot.source
    red, green, blue = (f'<font color="{PALETTE[k]}">' for k in ("red", "green", "blue"))
    assert source.count(green + "n_1</font>") == 4      # title, header, int_gt, link
    assert source.count(red + "x_0</font>") == 3        # title, header, link
    assert blue + "v2</font>: Bool = int_gt(" in source
    assert "<i>exitswitch " + blue + "v2</font></i>" in source
    block1 = source.split("block1 [")[1].split("]")[0]
    assert "r_5: Signed" in block1 and not any(c in block1 for c in PALETTE.values())
    assert '<font color="gray50"># line 4</font>' in block1     # source lines, in grey
    svg = dot.pipe(format="svg").decode()
    assert PALETTE["green"] in svg and PALETTE["red"] in svg and PALETTE["blue"] in svg


def test_other_color_names_pass_through():
    g = parse_graph(POWER)
    dot = to_dot(g, colors={g.startblock.inputargs[0]: "orange"})
    assert '<font color="orange">x_0</font>' in dot.source
    dot.pipe(format="svg")


def test_several_graphs_in_one_digraph():
    dot = graphviz.Digraph()
    add_graph(dot, parse_graph(POWER), prefix="a_")
    add_graph(dot, parse_graph(NASTY), prefix="b_")
    nodes, edges = nodes_and_edges(dot)
    assert nodes == ["a_block0", "a_block1", "a_return", "b_block0", "b_return", "b_raise"]
    assert len(edges) == 6
    dot.pipe(format="svg")


def test_node_labels_are_html_tables():
    dot = to_dot(parse_graph(POWER))
    lines = [line for line in dot.body if NODE.match(line) and not EDGE.match(line)
             and NODE.match(line).group(1) not in ("node", "edge")]
    assert len(lines) == 3
    for line in lines:
        assert re.search(r"label=<<table .*</table>>", line)


def test_interpreter_examples_render():
    """Built graphs full of `'<'`, `'['` and `'&'` Char switches render as SVG."""
    import examples
    import flowgraph
    for ex in examples.EXAMPLES:
        if "interpreter" in ex.tags:
            g = flowgraph.build_graph(ex.func)
            svg = to_dot(g).pipe(format="svg").decode()
            assert svg.count('class="node"') == len(list(g.iterblocks()))


def test_the_compact_view_shows_source_names_and_what_each_link_changes():
    """The default view: a block's label leads its first row, variables go
    by their source names without types, a switch on the last operation is
    that operation's row, and a link says only what it changes (`x=r`: the
    loop passes r as x; n is passed as n, so it is left out)."""
    dot = to_dot(parse_graph(POWER))
    rows = {name: re.findall(r'<td align="left">(.*?)</td>', line)
            for line in dot.body for name in [line.split(" [")[0].strip()]
            if name.startswith("block") and "->" not in line}
    gray = '<font color="gray40">{}</font> '
    assert rows == {"block0": [gray.format("block0") + "<i>switch</i> int_gt(n, 0)"],
                    "block1": [gray.format("block1") + "r = int_mul(x, x)", "n = int_sub(n, 1)"]}
    labels = re.findall(r"\t(\w+) -> (\w+) \[xlabel=<(.*)>\]", dot.source)
    assert labels == [("block0", "return", "False: 1"), ("block0", "block1", "True"),
                      ("block1", "block0", "x=r")]
    assert "# line" not in dot.source and ": Signed" not in dot.source.split("\n", 2)[2]


def test_a_compact_coloured_graph_of_40_operations_fits_1600_by_1200_pixels():
    """The register machine's coloured graph (40 operations) at its natural
    size, fonts of 9-10 pt: the SVG's width and height in pixels (pt * 4/3);
    the full view of the same graph is several times wider."""
    from examples.interpreters import interpret
    from hintannotator import annotate
    ann = annotate(interpret, green=["bytecode"])
    assert sum(1 for c in ann.copies for _ in c.graph.iteroperations()) == 40

    def size(dot):
        svg = dot.pipe(format="svg").decode()
        w, h = re.search(r'<svg width="(\d+)pt" height="(\d+)pt"', svg).groups()
        return int(w) * 4 / 3, int(h) * 4 / 3
    width, height = size(ann.to_dot())
    assert width <= 1600 and height <= 1200, (width, height)
    full_width, _ = size(ann.to_dot(compact=False))
    assert full_width > 2 * width

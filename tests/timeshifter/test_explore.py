"""The explorer page (issue 15 item 1, first version): one self-contained HTML
file with the coloured source, the coloured graph, the generating extension,
the residual graph, the optimised LLVM IR and the assembly; source lines
linked to the lines made from them; `comp.explore` and `timeshift explore`."""

import html
import inspect
import re
from collections import Counter

from examples import interpreters as ex
from flowgraph import format_graph
from hintannotator import hint
from timeshift import cli
from timeshifter import make_compiler

PANES = ["source", "coloured flow graph", "generating extension", "residual graph",
         "optimised LLVM IR", "assembly"]


def coloured(page_html: str) -> dict:
    """{variable: (class, tooltip)} of the coloured source spans."""
    return {html.unescape(name): (cls, html.unescape(title)) for cls, title, name in re.findall(
        r"<span class='(green|red|blue)' title='([^']*)'>([^<]*)</span>", page_html)}


def test_the_register_machine_page_has_every_pane_and_coloured_variables():
    comp = make_compiler(ex.interpret, green=["bytecode"])
    page = comp.explore(ex.SQUARE)
    text = page.html
    assert text.startswith("<!DOCTYPE html>") and "http" not in text   # no network
    assert re.findall(r"<h2>([^<]*)</h2>", text) == PANES
    spans = coloured(text)
    assert {name: spans[name][0] for name in ("bytecode", "a", "regs", "pc")} == {
        "bytecode": "green", "a": "red", "regs": "blue", "pc": "green"}
    assert spans["regs"][1] == comp.explain("regs")
    res = comp.specialize(ex.SQUARE)
    body = format_graph(res.graph).split("\n", 1)[1]       # (its name is numbered anew)
    assert body in pane_text(text, "residual graph")
    ops = sum(Counter(op.opname for op in res.graph.iteroperations()).values())
    assert f"{ops} residual operations" in text
    assert page._repr_html_() == text


def pane_text(page: str, name: str) -> str:
    """The text of the pane `name` of an explorer page, tags taken out."""
    pane = re.search(rf"<h2>{re.escape(name)}</h2><pre>(.*?)</pre>", page, re.S)[1]
    return html.unescape(re.sub(r"<span[^>]*>|</span>", "\n", pane).replace("\n\n", "\n"))


def test_residual_operations_are_linked_to_their_source_lines():
    """Each residual operation emitted for a line of the function (not of an
    inlined callee) says so (`# line N`) and is linked to it."""
    comp = make_compiler(ex.interpret, green=["bytecode"])
    page = comp.explore(ex.SQUARE)
    pane = re.search(r"<h2>residual graph</h2><pre>(.*?)</pre>", page.html, re.S)[1]
    linked = re.findall(r"<span class='ln' data-line='(\d+)'>\s*v\d+: \w+ = (\w+)", pane)
    ops = [op for op in comp.specialize(ex.SQUARE).graph.iteroperations()]
    assert len(linked) == len(ops) == 5
    source = inspect.getsourcelines(ex.interpret)
    for line, opname in linked:
        text = source[0][int(line) - source[1]]
        assert {"int_add": "+", "int_is_true": "if "}[opname] in text, (line, text)


def test_a_source_line_is_linked_to_what_was_made_from_it():
    page = make_compiler(ex.interpret, green=["bytecode"]).explore(ex.SQUARE)
    line = ex.interpret.__code__.co_firstlineno
    rows = re.findall(r"<span class='ln' data-line='(\d+)'>(.*?)</span>(?=<span class='ln'|</pre>)",
                      page.html)
    numbers = Counter(int(n) for n, _ in rows)
    source_lines = [n for n in numbers if line <= n]
    # each line of the body appears in the source and again in the graph or the genext
    linked = [n for n in source_lines if numbers[n] > 1]
    assert len(linked) >= 5


def promoted(x: int, k: int) -> int:
    k = hint(k, promote=True)
    return x * k


def test_a_promotion_site_shows_its_counters(tmp_path, capsys):
    comp = make_compiler(promoted)
    res = comp.specialize()
    assert [res(3, 4), res(3, 5)] == [12, 15]
    page = comp.explore()
    assert "promotion site: " + str(comp.sites[0].stats()).replace("'", "&#x27;") in page.html
    out = tmp_path / "square.html"
    status = cli.main(["explore", "examples.interpreters:interpret", "--green",
                       "bytecode=SQUARE", "-o", str(out)])
    assert status == 0 and capsys.readouterr().out == f"explorer page written to {out}\n"
    assert re.findall(r"<h2>([^<]*)</h2>", out.read_text()) == PANES

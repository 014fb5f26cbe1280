"""The explorer page (issue 15 item 1, first version): one self-contained HTML
file with the coloured source, the coloured graph, the generating extension,
the residual graph, the optimised LLVM IR and the assembly; source lines
linked to the lines made from them; `comp.explore` and `timeshift explore`."""

import html
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
    assert html.escape(body) in text
    ops = sum(Counter(op.opname for op in res.graph.iteroperations()).values())
    assert f"{ops} residual operations" in text
    assert page._repr_html_() == text


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

"""The explorer page: what was specialised, side by side, in one HTML file.

    page = comp.explore(SQUARE)             # specialises on the green values
    page.save("square.html")                # one self-contained file, no network
    page                                    # in Jupyter: shown inline

Panes, left to right: the function's source with every variable coloured
(green, red, blue; hovering one shows `comp.explain` of it), the coloured
flow graph, the generating extension, the residual graph, the optimised LLVM
IR and the assembly.  Clicking a source line highlights the operations of the
coloured graph, the lines of the generating extension and the residual
operations made from it, and clicking one of those highlights the source
line (a residual operation knows its line when the generating extension
emitted it for the function's own code, not an inlined callee's, and the
residual pipeline kept it: its `lineno`, Builder.set_source_line).  The header
gives the residual operation counts, the promotion sites with their
counters, and the time of each phase.  The LLVM IR and the assembly are
not linked yet.
"""

from __future__ import annotations

import html
import inspect
import io
import re
import time
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from flowgraph.printer import format_graph

_LINE_COMMENT = re.compile(r"#\s*line (\d+)")
_STYLE = """
body { font: 13px/1.35 ui-monospace, Menlo, Consolas, monospace; margin: 0; background: #fafafa; }
header { padding: 8px 12px; background: #263238; color: #eceff1; }
header h1 { font-size: 15px; margin: 0 0 4px 0; }
header span { margin-right: 18px; }
main { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 6px; padding: 6px; }
section { background: white; border: 1px solid #cfd8dc; min-height: 120px; }
section h2 { font-size: 12px; margin: 0; padding: 4px 8px; background: #eceff1; }
pre { margin: 0; padding: 6px 8px; overflow: auto; max-height: 420px; }
.ln { display: block; cursor: pointer; }
.ln.hl { background: #fff59d; }
.green { color: #1b7a1b; font-weight: bold; }
.red { color: #c62828; font-weight: bold; }
.blue { color: #1565c0; font-weight: bold; }
"""
_SCRIPT = """
document.addEventListener('click', function (event) {
  var target = event.target.closest('.ln');
  if (!target || !target.dataset.line) return;
  var line = target.dataset.line;
  document.querySelectorAll('.ln.hl').forEach(function (e) { e.classList.remove('hl'); });
  document.querySelectorAll('.ln[data-line="' + line + '"]').forEach(function (e) {
    e.classList.add('hl');
  });
});
"""


@dataclass
class Page:
    """One explorer page: `html` is the whole file's text."""

    title: str
    html: str

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        return self.html


def explore(comp, *greens, **named_greens) -> Page:
    """Specialise `comp` (a Compiler) on the green values and build its page."""
    start = time.perf_counter()
    res = comp.specialize(*greens, **named_greens)
    specialise = time.perf_counter() - start
    start = time.perf_counter()
    native = res.native
    compile_seconds = time.perf_counter() - start
    graph = comp.graph
    ops = Counter(op.opname for op in res.graph.iteroperations())
    values = ", ".join(repr(g) for g in greens) + ", ".join(
        f"{k}={v!r}" for k, v in named_greens.items())
    facts = [f"{sum(ops.values())} residual operations"
             + (f" ({', '.join(f'{n} {k}' for k, n in ops.most_common(6))})" if ops else ""),
             f"specialised in {specialise * 1e3:.1f} ms",
             f"LLVM {compile_seconds * 1e3:.1f} ms"]
    for site in comp.sites:
        stats = site.stats()
        facts.append(f"promotion site: {stats}")
    panes = [
        ("source", _source_pane(comp)),
        ("coloured flow graph", _linked_lines(_coloured_graph_text(comp))),
        ("generating extension", _linked_lines(comp.source, generated=True)),
        ("residual graph", _linked_lines(format_graph(res.graph))),
        ("optimised LLVM IR", _plain(native.llvm_ir_optimized)),
        ("assembly", _plain(getattr(native, "asm", "") or "")),
    ]
    title = f"{graph.source_name}({values})"
    body = "".join(f"<section><h2>{html.escape(name)}</h2><pre>{text}</pre></section>"
                   for name, text in panes)
    header = "".join(f"<span>{html.escape(f)}</span>" for f in facts)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<header><h1>timeshift explorer: {html.escape(title)}</h1>{header}</header>"
            f"<main>{body}</main><script>{_SCRIPT}</script></body></html>")
    return Page(title, page)


def _source_pane(comp) -> str:
    """The function's source, one clickable line each, variables coloured
    with their explanation as a tooltip."""
    lines, first = inspect.getsourcelines(comp.func)
    text = "".join(lines)
    names = _variable_names(comp)
    spans: dict = {}                    # (row, col) -> (end col, name)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME and tok.string in names:
                spans[tok.start] = (tok.end[1], tok.string)
    except (tokenize.TokenError, IndentationError):
        spans = {}
    out = []
    for row, line in enumerate(text.splitlines(), start=1):
        pieces, col = [], 0
        for (r, c), (end, name) in sorted(spans.items()):
            if r != row:
                continue
            colour, why = names[name]
            pieces.append(html.escape(line[col:c]))
            pieces.append(f"<span class='{colour}' title='{html.escape(why, quote=True)}'>"
                          f"{html.escape(name)}</span>")
            col = end
        pieces.append(html.escape(line[col:]))
        out.append(f"<span class='ln' data-line='{first + row - 1}'>{''.join(pieces)}"
                   f"</span>")
    return "".join(out)


def _variable_names(comp) -> dict:
    """{source name: (colour, explanation)} of the entry function's variables."""
    names = {}
    for block in comp.annotation.root.graph.iterblocks():
        for v in block.getvariables():
            if v.name and v.name not in names:
                try:
                    names[v.name] = (comp.annotation.color_of(v.name), comp.explain(v.name))
                except (KeyError, AssertionError):
                    continue
    return names


def _coloured_graph_text(comp) -> str:
    """The coloured copies of the graphs as text, one per colour pattern."""
    ann = comp.annotation
    return "\n\n".join(
        f"# {copy.graph.name}: " + ", ".join(f"{v.name or '?'} {ann.colors.get(v)}"
                                             for v in copy.graph.getargs())
        + "\n" + format_graph(copy.graph) for copy in ann.copies)


def _linked_lines(text: str, generated: bool = False) -> str:
    """Lines of `text`; those naming a source line (`# line N`, or the
    generating extension's `js.line = N`) are linked to it."""
    out, current = [], None
    for line in text.splitlines():
        m = _LINE_COMMENT.search(line)
        if generated:
            g = re.search(r"js\.line = (\d+)", line)
            current = int(g.group(1)) if g else (None if line.startswith("def ") else current)
            number = current
        else:
            number = int(m.group(1)) if m else None
        attr = f" data-line='{number}'" if number is not None else ""
        out.append(f"<span class='ln'{attr}>{html.escape(line)}</span>")
    return "".join(out)


def _plain(text: str) -> str:
    return html.escape(text)

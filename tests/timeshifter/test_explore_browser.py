"""The explorer page in a real browser (issue 15 item 1): headless Chromium,
the system package (`make test` installs it when it runs as root), renders
every pane with no console message, a screenshot shows each pane non-empty,
and a script in the page clicks lines and reads what got highlighted.

Skipped where no Chromium can be found."""

import html
import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from examples import interpreters as ex
from examples.guide import scale_promoted
from timeshifter import make_compiler

CHROMIUM = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]


def _cannot_run() -> str | None:
    """Why Chromium cannot render a page here (None when it can)."""
    if CHROMIUM is None:
        return "Chromium is not installed"
    try:
        done = subprocess.run([CHROMIUM, *FLAGS, "--dump-dom", "data:text/html,<p>ok</p>"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Chromium does not run here: {exc}"
    if "<p>ok</p>" not in done.stdout:
        return f"Chromium does not render here: {done.stderr.strip()[-300:]}"
    return None


_REASON = _cannot_run()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=str(_REASON))

WIDTH, HEIGHT = 1600, 1200
PANES = ["source", "coloured flow graph", "generating extension", "residual graph",
         "optimised LLVM IR", "assembly"]

# Appended to the page: measures each pane, clicks a source line that has
# operations elsewhere, then an operation of the coloured graph, then a
# residual operation (if one is linked), and leaves what it saw in
# <body data-probe="...">.
PROBE = """<script>
(function () {
  var sections = Array.from(document.querySelectorAll('section'));
  var result = {panes: sections.map(function (s) {
    var pre = s.querySelector('pre'), box = pre.getBoundingClientRect();
    return {name: s.querySelector('h2').textContent, chars: pre.textContent.trim().length,
            x: box.left, y: box.top, width: box.width, height: box.height};
  })};
  function lit() {
    return sections.map(function (s) {
      return Array.from(s.querySelectorAll('.ln.hl')).map(function (e) { return e.dataset.line; });
    });
  }
  var line = Array.from(sections[0].querySelectorAll('.ln[data-line]')).find(function (e) {
    return sections[1].querySelector('.ln[data-line="' + e.dataset.line + '"]');
  });
  line.click();
  result.source_click = {line: line.dataset.line, lit: lit()};
  var op = sections[1].querySelector('.ln[data-line]:not([data-line="' + line.dataset.line + '"])');
  op.click();
  result.graph_click = {line: op.dataset.line, lit: lit()};
  var residual = sections[3].querySelector('.ln[data-line]');
  if (residual) {
    residual.click();
    result.residual_click = {line: residual.dataset.line, lit: lit()};
  }
  document.body.dataset.probe = JSON.stringify(result);
})();
</script>"""


def chromium(page, *flags) -> tuple:
    """(stdout, console messages) of headless Chromium on the file `page`."""
    done = subprocess.run([CHROMIUM, *FLAGS, f"--window-size={WIDTH},{HEIGHT}", *flags,
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def probe(page_html: str, tmp_path) -> tuple:
    """What PROBE saw in the page, and the console messages."""
    path = tmp_path / "probed.html"
    path.write_text(page_html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom, console = chromium(path, "--dump-dom")
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[:2000]
    return json.loads(html.unescape(found[1])), console


def check_page(page_html: str, tmp_path) -> dict:
    seen, console = probe(page_html, tmp_path)
    assert console == []
    assert [p["name"] for p in seen["panes"]] == PANES
    for pane in seen["panes"]:
        assert pane["chars"] > 0 and pane["height"] > 50 and pane["width"] > 200, pane
    line, lit = seen["source_click"]["line"], seen["source_click"]["lit"]
    assert lit[0] == [line]                        # the source line clicked
    assert lit[1] and set(lit[1]) == {line}        # its operations in the coloured graph
    assert lit[2] and set(lit[2]) == {line}        # its lines of the generating extension
    op_line, lit = seen["graph_click"]["line"], seen["graph_click"]["lit"]
    assert op_line != line and lit[0] == [op_line]  # back to the operation's source line
    if "residual_click" in seen:                    # a residual operation: its source line
        res_line, lit = seen["residual_click"]["line"], seen["residual_click"]["lit"]
        assert lit[0] == [res_line] and res_line in lit[3]
    # the screenshot: every pane shows something (not only its background)
    shot = tmp_path / "page.png"
    chromium(tmp_path / "probed.html", f"--screenshot={shot}")
    import matplotlib.image
    pixels = matplotlib.image.imread(str(shot))[:, :, :3]
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    for pane in seen["panes"]:
        x, y = int(pane["x"]), int(pane["y"])
        box = pixels[y:min(y + int(pane["height"]), HEIGHT), x:x + int(pane["width"])]
        ink = np.mean(np.min(box, axis=2) < 0.6)        # darker than the pane's white
        assert ink > 0.005, (pane["name"], ink)
    return seen


def test_the_register_machine_page_renders_and_links(tmp_path):
    page = make_compiler(ex.interpret, green=["bytecode"]).explore(ex.SQUARE)
    seen = check_page(page.html, tmp_path)
    assert "residual_click" in seen


def test_a_promotion_page_renders_with_its_site(tmp_path):
    comp = make_compiler(scale_promoted)
    res = comp.specialize()
    assert res(7, [1, 2]) == scale_promoted(7, [1, 2])
    page = comp.explore()
    assert "promotion site: " in page.html
    check_page(page.html, tmp_path)


def test_a_console_error_is_seen(tmp_path):
    """The check above can fail: a page whose script throws is reported."""
    page = make_compiler(ex.interpret, green=["bytecode"]).explore(ex.SQUARE)
    broken = tmp_path / "broken.html"
    broken.write_text(page.html.replace("</body>", "<script>null.x;</script></body>"))
    _, console = chromium(broken, "--dump-dom")
    assert len(console) == 1 and "Uncaught TypeError" in console[0]

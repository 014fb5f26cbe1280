"""The timeshifter README's examples print what the README shows."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).parents[2] / "timeshifter" / "README.md"


def _blocks():
    text = README.read_text()
    example = text[text.index("## Example"):text.index("## Dump and view")]
    return re.findall(r"```(python)?\n(.*?)```", example, re.S)


def test_readme_examples_print_what_they_show():
    blocks = _blocks()
    namespace: dict = {}
    checked = 0
    for (kind, code), (_, shown) in zip(blocks, blocks[1:]):
        if kind != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
        assert out.getvalue() == shown
        checked += 1
    assert checked == 2


def test_readme_source_excerpt_is_in_the_generated_source():
    excerpt = [code for kind, code in _blocks() if code.startswith("def power_0_b1")]
    namespace: dict = {}
    exec(_blocks()[0][1].split("res = ")[0], namespace)
    assert excerpt and excerpt[0] in namespace["comp"].source

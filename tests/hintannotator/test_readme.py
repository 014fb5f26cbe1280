"""The hint annotator README's examples print what the README shows."""

import contextlib
import io
import pathlib
import re

import pytest

from hintannotator import HintError, annotate

README = pathlib.Path(__file__).parents[2] / "hintannotator" / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def test_readme_examples_print_what_they_show():
    blocks = re.findall(r"```(python)?\n(.*?)```", _section("Example"), re.S)
    namespace: dict = {}
    checked = 0
    for (kind, code), (next_kind, shown) in zip(blocks, blocks[1:]):
        if kind != "python" or next_kind:
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
        root = str(README.parents[1]) + "/"
        assert out.getvalue().replace(root, "") == shown, code
        checked += 1
    assert checked == 2


def test_readme_error_example(tmp_path, monkeypatch):
    blocks = re.findall(r"```(python)?\n(.*?)```", _section("Errors"), re.S)
    source, shown = blocks[0][1], blocks[1][1]
    (tmp_path / "f.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    import f
    with pytest.raises(HintError) as info:
        annotate(f.f, green=["x"])
    assert str(info.value).replace(str(tmp_path) + "/", "") + "\n" == shown

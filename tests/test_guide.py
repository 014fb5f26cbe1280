"""docs/guide.md: every Python example prints exactly what the guide shows
after it, run in order in one namespace (warnings of the specialisations are
part of what the guide reads through comp.report())."""

import contextlib
import io
import pathlib
import re
import warnings

GUIDE = pathlib.Path(__file__).parents[1] / "docs" / "guide.md"


def examples() -> list:
    """(code, shown output) pairs: each ```python block and the plain block
    right after it."""
    blocks = re.findall(r"```(python)?\n(.*?)```", GUIDE.read_text(), re.S)
    return [(code, shown) for (kind, code), (next_kind, shown) in zip(blocks, blocks[1:])
            if kind == "python" and not next_kind]


def test_every_example_prints_what_the_guide_shows():
    namespace: dict = {}
    pairs = examples()
    assert len(pairs) == 8
    with warnings.catch_warnings():
        for code, shown in pairs:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(code, namespace)
            assert out.getvalue() == shown, code


def test_the_readme_links_the_guide():
    readme = (GUIDE.parents[1] / "README.md").read_text()
    assert "docs/guide.md" in readme

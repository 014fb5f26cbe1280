"""Golden texts: the generating extension's source (`comp.source`) and the
printed residual graphs of four programs (power, the register machine on
SQUARE, a promotion with its compiled case, a virtual list) against
tests/golden/*.txt.  A failure names the first differing line; regenerate
with `make golden` and review the diff."""

import pytest

from flowgraph.printer import assert_same_text
from tests.golden.programs import PROGRAMS, golden_texts
from tests.golden.regenerate import golden_path


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_golden(name):
    texts = golden_texts(name)
    for kind, text in texts.items():
        expected = golden_path(name, kind).read_text()
        assert_same_text(text if text.endswith("\n") else text + "\n", expected)


def test_golden_failure_names_first_differing_line():
    text = golden_texts("power")["residual"]
    changed = text.replace("int_mul(v1, v1)", "int_mul(v1, x_0)")
    with pytest.raises(AssertionError) as info:
        assert_same_text(changed, golden_path("power", "residual").read_text())
    assert str(info.value).startswith(
        "first difference at line 4:\n"
        "  expected:     v2: Signed = int_mul(v1, v1)            # line 27\n"
        "  actual:       v2: Signed = int_mul(v1, x_0)            # line 27\n")

"""docs/guide.md: every Python example prints exactly what the guide shows
after it, run in order in one namespace (warnings of the specialisations are
part of what the guide reads through comp.report()).  docs/errors.md: every
message a user can meet is listed there with what to do (found in the
sources, so a new message must be catalogued)."""

import ast
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
    assert len(pairs) == 13
    with warnings.catch_warnings():
        for code, shown in pairs:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(code, namespace)
            assert out.getvalue() == shown, code


def test_the_readme_links_the_guide_and_the_design_contract():
    readme = (GUIDE.parents[1] / "README.md").read_text()
    assert "docs/guide.md" in readme and "docs/DESIGN.md" in readme
    design = (GUIDE.parent / "DESIGN.md").read_text()
    assert "## 3." in design and "## 9." in design and "## 10." in design


# -- the catalogue of messages (docs/errors.md) ------------------------------------

ERRORS = GUIDE.parent / "errors.md"
ROOT = GUIDE.parents[1]

# (files, names of the calls that give a message, index of the message argument):
# every message a user can meet, from the front end to the options
MESSAGE_SITES = [
    ("flowgraph/builder/*.py", {"error", "unknown", "FlowError", "AnnotationError"}, 0),
    ("flowgraph/arguments.py", {"TypeError"}, 0),
    ("hintannotator/*.py", {"HintError"}, 0),
    ("hintannotator/*.py", {"fail"}, 1),            # forcing.fail(v, problem, suggestion)
    ("timeshifter/*.py", {"TimeshiftError"}, 0),
    ("timeshifter/*.py", {"give_up"}, 1),           # host.give_up(key, message)
    ("timeshifter/compiler.py", {"TypeError"}, 0),
    ("timeshifter/options.py", {"ValueError"}, 0),
    ("timeshifter/cache.py", {"ValueError"}, 0),
    ("timeshifter/jit.py", {"ValueError"}, 0),
]


def _template(node: ast.expr) -> str | None:
    """The text of a message argument, `…` for each value it fills in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return (_template(node.left) or "…") + (_template(node.right) or "…")
    return None


def message_templates() -> dict:
    """{template: 'file:line'} of every message site of MESSAGE_SITES, and of
    the annotator's reasons why a value is red (`_set(..., (reason, line,
    variable))`)."""
    found = {}
    for pattern, names, index in MESSAGE_SITES + [("hintannotator/*.py", {"_set"}, 4)]:
        for path in sorted(ROOT.glob(pattern)):
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.Call) and len(node.args) > index):
                    continue
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name not in names:
                    continue
                arg = node.args[index]
                if name == "_set":
                    if not (isinstance(arg, ast.Tuple) and len(node.args) == 5):
                        continue
                    arg = arg.elts[0]
                text = _template(arg)
                if text:
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_message_is_in_the_catalogue():
    catalogue = _words(ERRORS.read_text())
    templates = message_templates()
    assert len(templates) > 200
    missing = [f"{where}: {text!r}" for text, where in templates.items()
               if _words(text) not in catalogue]
    assert not missing, "not in docs/errors.md:\n" + "\n".join(missing)


def test_the_catalogue_names_its_fixes_and_is_linked():
    text = ERRORS.read_text()
    entries = re.findall(r"^- `` (.+?) ``  \n  (.+)$", text, re.M)
    assert len(entries) == text.count("\n- ``") >= 200
    assert all(len(fix) > 10 for _, fix in entries)
    assert "errors.md" in GUIDE.read_text() and "docs/errors.md" in (ROOT / "README.md").read_text()

"""Prebuilt module-level objects used as constants (issue 12 item 7): an
instance of a user class, tuples, lists of any one item type and an empty
list typed by its module-level annotation, each the module's own object (a
change made by compiled code is seen by Python, and the other way round),
in every mode against CPython."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint


class Config:
    __slots__ = ("scale", "offset", "name")
    scale: int
    offset: float
    name: str

    def __init__(self, scale: int):
        self.scale = scale
        self.offset = 0.5
        self.name = "cfg"


DEFAULT = Config(3)
LOG: list[int] = []
NAMES = ["ab", "c", ""]
POINTS = [(1, 2.5), (3, -1.0)]
LIMITS = (10, ("low", -10))


def configured(x: int) -> float:
    LOG.append(x)
    DEFAULT.scale += 1
    total = DEFAULT.scale * x + DEFAULT.offset + len(DEFAULT.name)
    for name in NAMES:
        total += len(name)
    for p in POINTS:
        a, b = p
        total += a * b
    high, (word, low) = LIMITS
    return total + min(max(x, low), high) + len(word) + len(LOG)


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:
        return (type(exc), str(exc))


def fresh_state():
    DEFAULT.scale = 3
    LOG.clear()


@pytest.mark.parametrize("x", [0, 4, -50])
def test_every_mode_agrees_with_cpython_and_changes_the_module_objects(x):
    fresh_state()
    expected = outcome(configured, x)
    state = (DEFAULT.scale, list(LOG))
    g = flowgraph.build_graph(configured)
    res = timeshifter.make_compiler(configured).specialize()
    for mode in (lambda a: flowgraph.run_graph(g, a), rgen.compile_graph(g), res,
                 res.interpret):
        fresh_state()
        assert outcome(mode, x) == expected
        assert (DEFAULT.scale, LOG) == state       # the module's own objects changed


def scaled(x: int) -> int:
    cfg = hint(DEFAULT, deepfreeze=True)
    return x * cfg.scale + len(hint(NAMES, deepfreeze=True)[0])


def test_a_deep_frozen_prebuilt_instance_folds():
    fresh_state()
    res = timeshifter.make_compiler(scaled).specialize()
    assert res(5) == res.interpret(5) == scaled(5) == 17
    assert Counter(op.opname for op in res.graph.iteroperations()) == {"int_mul": 1,
                                                                       "int_add": 1}


UNTYPED = []
MIXED = [1, "a"]
ANNOTATED_WRONG: int = []


def uses_untyped() -> int:
    return len(UNTYPED)


def uses_mixed() -> int:
    return len(MIXED)


def uses_annotated_wrong() -> int:
    return len(ANNOTATED_WRONG)


def uses_dict() -> int:
    return len({1: 2})


@pytest.mark.parametrize("func, message", [
    (uses_untyped, r"module-level list 'UNTYPED' is empty: annotate it where it is made "
                   r"\('UNTYPED: list\[int\] = \[\]'\)"),
    (uses_mixed, r"module-level list 'MIXED' must hold items of one type, not int and str"),
    (uses_annotated_wrong, r"module-level name 'ANNOTATED_WRONG' is annotated int but holds "
                           r"a list"),
])
def test_what_stays_out_is_named(func, message):
    with pytest.raises(FlowError, match=message) as info:
        flowgraph.build_graph(func)
    assert "test_prebuilt.py" in str(info.value)

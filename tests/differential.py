"""Differential-testing helpers: run a callable, record what happened, and
compare two records the way DESIGN section 4 demands.

An `Outcome` is the returned value or the raised exception's type, plus the
arguments as they are after the call (lists and instances passed in are
mutated in place, visibly to the caller, in every execution mode).  Values
compare structurally and by exact type: `1`, `1.0` and `True` differ, floats
compare bit for bit (so `-0.0 != 0.0` and NaN equals NaN), instances of user
classes compare field by field.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass


@dataclass
class Outcome:
    raised: type | None       # the exception's type, or None if it returned
    value: object             # the returned value (the message if it raised)
    args: tuple               # the arguments after the call

    def describe(self) -> str:
        if self.raised is not None:
            return f"raised {self.raised.__name__}({self.value!r}), args after: {self.args!r}"
        return f"returned {self.value!r}, args after: {self.args!r}"


def outcome(call, args) -> Outcome:
    """Call `call` on a deep copy of `args` and record the result."""
    args = copy.deepcopy(tuple(args))
    try:
        value = call(*args)
    except Exception as exc:          # every mode must raise the same type
        return Outcome(type(exc), str(exc), args)
    return Outcome(None, value, args)


def same_value(a, b) -> bool:
    """Structural equality with exact types (see the module docstring)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if hasattr(a, "__dict__") and not callable(a):
        return same_value(sorted(vars(a).items()), sorted(vars(b).items()))
    slots = getattr(type(a), "__slots__", None)
    if slots is not None and type(a).__module__ != "builtins":
        return all(same_value(getattr(a, s, None), getattr(b, s, None)) for s in slots)
    return a == b


def same_outcome(expected: Outcome, got: Outcome) -> bool:
    if expected.raised is not None or got.raised is not None:
        return expected.raised is got.raised and same_value(expected.args, got.args)
    return same_value(expected.value, got.value) and same_value(expected.args, got.args)


def assert_same_outcome(expected: Outcome, got: Outcome, what: str = "") -> None:
    """Fail with both outcomes spelled out unless they agree."""
    if not same_outcome(expected, got):
        raise AssertionError(f"{what}\n  CPython:   {expected.describe()}"
                             f"\n  this mode: {got.describe()}")


def assert_every_mode(func, args) -> None:
    """`func` on (a deep copy of) `args` in every execution mode: CPython, the
    flow-graph interpreter, native code of the whole function (its Python
    entry and its builtin), and its specialisation with no green argument,
    native and interpreted.  Each must return the same value or raise the
    same exception type with the same message, and leave the arguments the
    same (structurally, with exact types)."""
    import flowgraph
    import rgen
    import timeshifter
    expected = outcome(func, args)
    g = flowgraph.build_graph(func)
    native = rgen.compile_graph(g)
    res = timeshifter.make_compiler(func).specialize()
    for what, call in (("run_graph", lambda *a: flowgraph.run_graph(g, *a)),
                       ("native", native), ("native builtin", native.fast),
                       ("residual native", res), ("residual interpreted", res.interpret)):
        got = outcome(call, args)
        assert_same_outcome(expected, got, what)
        if expected.raised is not None:
            assert got.value == expected.value, (what, expected.value, got.value)

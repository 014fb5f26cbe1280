"""Every operation of the table, compiled alone, against its fold function."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from flowgraph.lltypes import Bool, Char, Float, Signed, Str
from flowgraph.operations import MAXINT, MININT, OPS
from rgen.llvm import compile_graph
from rgen.llvm.arith import OP_HELPERS
from rgen.llvm.compiler import HANDLERS
from tests.llvm.graphs import one_op_graph, op_arg_types

INTS = st.one_of(st.integers(-70, 70), st.sampled_from([MININT, MAXINT, MININT + 1, -1, 0, 1]),
                 st.integers(MININT, MAXINT), st.integers(-0x120000, 0x120000),
                 st.integers(-2**33, 2**33))
FLOATS = st.one_of(st.floats(), st.floats(-1e6, 1e6), st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 2.0**63, -2.0**63, 2.0**64 * 3, -1e300, 0.5, -2.5]))
STRATEGIES = {Signed: INTS, Float: FLOATS, Bool: st.booleans(), Char: st.characters(),
              Str: st.text(max_size=8)}

FOLDED = sorted(name for name, desc in OPS.items() if desc.fold is not None)


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def run(f, args):
    try:
        return ("ok", f(*args))
    except Exception as exc:
        return (type(exc), str(exc))


def test_every_op_has_a_lowering():
    for name, desc in OPS.items():
        if desc.llvm is None:
            assert name in HANDLERS, name
        elif desc.llvm.startswith("@"):
            assert desc.llvm[1:] in OP_HELPERS, name


@pytest.mark.parametrize("opname", FOLDED)
@given(data=st.data())
def test_op_matches_fold(opname, data):
    desc = OPS[opname]
    types = op_arg_types(opname, desc.arity)
    native = compile_graph(_graph(opname, tuple(types)))
    args = [data.draw(STRATEGIES[t], label=f"a{i}") for i, t in enumerate(types)]
    expected, got = run(desc.fold, args), run(native, args)
    assert expected[0] == got[0], (args, expected, got)
    assert same(expected[1], got[1]), (args, expected, got)


_graphs: dict = {}


def _graph(opname, types):
    key = (opname, types)
    if key not in _graphs:
        _graphs[key] = one_op_graph(opname, list(types))
    return _graphs[key]

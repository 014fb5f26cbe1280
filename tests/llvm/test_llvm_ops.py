"""Every operation of the table, compiled alone, against its fold function."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from flowgraph import run_graph
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

# a repetition count of 2**33 would allocate tens of gigabytes in both
SMALLER = {"str_mul": {Signed: st.integers(-3, 40)}}

# a tuple's operations take a type and a constant index, ptr_eq references, the class
# operations an instance and a class: tests/timeshifter/test_tuples.py, test_none.py and
# test_classes.py
TUPLE_OPS = {"newtuple", "tuple_getitem", "tuple_getitem_var", "ptr_eq",
             "instance_isinstance", "cast_pointer", "instance_class", "class_issubclass",
             "class_is"}
FOLDED = sorted(name for name, desc in OPS.items()
                if desc.fold is not None and name not in TUPLE_OPS)


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
    strategies = {**STRATEGIES, **SMALLER.get(opname, {})}
    args = [data.draw(strategies[t], label=f"a{i}") for i, t in enumerate(types)]
    expected, got = run(desc.fold, args), run(native, args)
    assert expected[0] == got[0], (args, expected, got)
    assert same(expected[1], got[1]), (args, expected, got)
    interpreted = run(lambda *a: run_graph(native.graph, *a), args)
    assert interpreted[0] == got[0] and same(interpreted[1], got[1]), (args, interpreted, got)


EXCEPTIONS = [
    ("int_floordiv", [7, 0], ZeroDivisionError, "integer division or modulo by zero"),
    ("int_mod", [7, 0], ZeroDivisionError, "integer modulo by zero"),
    ("int_floordiv", [MININT, -1], None, MININT),
    ("int_mod", [MININT, -1], None, 0),
    ("int_lshift", [1, -1], ValueError, "negative shift count"),
    ("int_rshift", [1, -64], ValueError, "negative shift count"),
    ("int_lshift", [3, 64], None, 0),
    ("int_rshift", [-3, 200], None, -1),
    ("float_truediv", [1.0, 0.0], ZeroDivisionError, "float division by zero"),
    ("int_truediv", [1, 0], ZeroDivisionError, "division by zero"),
    ("int_truediv", [7062591869336763952, 66175], None, 106725982158470.17),
    ("int_float_lt", [2**63 - 1, 2.0**63], None, True),
    ("int_float_eq", [2**53 + 1, 2.0**53], None, False),
    ("int_float_ne", [1, float("nan")], None, True),
    ("float_floordiv", [1.0, -0.0], ZeroDivisionError, "float floor division by zero"),
    ("float_mod", [1.0, 0.0], ZeroDivisionError, "float modulo"),
    ("cast_float_to_int", [float("inf")], OverflowError,
     "cannot convert float infinity to integer"),
    ("cast_float_to_int", [float("nan")], ValueError, "cannot convert float NaN to integer"),
    ("cast_float_to_int", [2.0**64 + 2.0**12], None, 2**12),
    ("cast_float_to_int", [-1e19], None, -10**19 + 2**64),
    ("cast_int_to_char", [0x110000], ValueError, "chr() arg not in range(0x110000)"),
    ("cast_int_to_char", [-1], ValueError, "chr() arg not in range(0x110000)"),
    ("cast_int_to_char", [2**31], OverflowError, "Python int too large to convert to C int"),
    ("str_getitem", ["abc", -4], IndexError, "string index out of range"),
]


@pytest.mark.parametrize("opname, args, exc, expected", EXCEPTIONS)
def test_errors_and_edge_cases_exactly(opname, args, exc, expected):
    native = compile_graph(_graph(opname, tuple(op_arg_types(opname, len(args)))))
    for _ in range(3):                         # the process keeps running, repeatedly
        if exc is None:
            assert native(*args) == expected
        else:
            with pytest.raises(exc) as info:
                native(*args)
            assert str(info.value) == expected


_graphs: dict = {}


def _graph(opname, types):
    key = (opname, types)
    if key not in _graphs:
        _graphs[key] = one_op_graph(opname, list(types))
    return _graphs[key]

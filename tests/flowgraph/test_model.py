"""Constants compare by (Python type, value bits, low-level type)."""

import math

from flowgraph.lltypes import Bool, Float, Signed
from flowgraph.model import Constant


def test_constants_of_different_types_differ():
    assert Constant(1, Signed) != Constant(1.0, Float)
    assert Constant(1, Signed) != Constant(True, Bool)
    assert Constant(1, Signed) == Constant(1, Signed)


def test_float_constants_compare_by_bits():
    assert Constant(-0.0, Float) != Constant(0.0, Float)
    assert hash(Constant(0.0, Float)) == hash(Constant(0.0, Float))
    nan = Constant(math.nan, Float)
    assert nan == Constant(math.nan, Float) and len({nan, Constant(math.nan, Float)}) == 1


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



def test_equality_is_equality_of_keys_and_agrees_with_hash():
    """`==` (written without building keys, for speed) is exactly `_key()`
    equality, on values of every kind, NaN payloads and signed zeros too."""
    import itertools
    import struct

    from flowgraph.lltypes import ListType
    other_nan = struct.unpack("<d", struct.pack("<q", 0x7FF8000000000001))[0]
    values = [0, 1, -1, True, False, 0.0, -0.0, 1.0, math.nan, other_nan, math.inf, "a", "",
              None, (1, 2), 2 ** 70, [1], [1]]
    types = [Signed, Float, Bool, None, ListType(Signed), ListType(Signed)]
    constants = [Constant(v, t) for v in values for t in types]
    for a, b in itertools.product(constants, constants):
        assert (a == b) == (a._key() == b._key()), (a, b)
        if a == b and not isinstance(a.value, list):
            assert hash(a) == hash(b)
    assert Constant(1, Signed) != 1 and not Constant(1, Signed) == (int, 1, Signed)

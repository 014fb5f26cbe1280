"""The dispatch protocol's shared pieces: the int64 key encoding of promoted
values (flowgraph/dispatch.py) and the native case table (rgen/dispatch.py)."""

import ctypes
import struct

import pytest

from flowgraph.dispatch import InterpretedSwitch, key_encoding, switch_key
from flowgraph.lltypes import Bool, Char, Float, Signed
from rgen.dispatch import NativeSwitch


class Table(NativeSwitch):
    def native_miss(self, value, *live):
        return 0

    def native_fallback(self, value, *live):
        return None


@pytest.mark.parametrize("value, key", [
    (7, 7), (-1, -1), (2**63 - 1, 2**63 - 1), (True, 1), (False, 0), ("a", 97),
    ("\u20ac", 0x20AC), ("\U0001F600", 0x1F600), (0.0, 0),
    (-0.0, -2**63), (1.5, struct.unpack("<q", struct.pack("<d", 1.5))[0]),
])
def test_switch_key(value, key):
    assert switch_key(value) == key


def test_key_encoding_by_type():
    assert [key_encoding(T) for T in (Signed, Bool, Char, Float)] == ["int"] * 3 + ["bits"]


def test_native_table_fills_up_to_its_capacity():
    table = Table(2)
    assert table.attach_native(-0.0, 1000) and table.attach_native("b", 2000)
    assert not table.attach_native(3, 3000)
    assert table.native_count.value == 2
    assert list(table.native_values) == [-2**63, 98]
    assert list(table.native_targets) == [1000, 2000]
    assert isinstance(table.native_count, ctypes.c_int64)


def test_protocol_methods_are_required():
    with pytest.raises(TypeError, match="abstract method"):
        InterpretedSwitch()

    class Half(NativeSwitch):
        def native_miss(self, value, *live):
            return 0

    with pytest.raises(TypeError, match="abstract method.*native_fallback"):
        Half(1)

"""Instances of a class with `__slots__`: native code reads and writes the
fields at their fixed offsets (rgen/llvm/structs.py) when the type is
exactly the class, and agrees with CPython and the graph interpreter."""

import sys

import pytest

import flowgraph
import rgen
from rgen.llvm.structs import slot_offset
from timeshifter import make_compiler


class Point:
    __slots__ = ("x", "y", "label")
    x: int
    y: float
    label: str

    def __init__(self, x: int, y: float, label: str):
        self.x = x
        self.y = y
        self.label = label


class Plain:
    x: int

    def __init__(self, x: int):
        self.x = x


def walk(p: Point, n: int) -> float:
    i = 0
    while i < n:
        p.x = p.x + i
        p.y = p.y * 0.5 + p.x
        i += 1
    return p.y + p.x + len(p.label)


def made(n: int) -> float:
    p = Point(n, 1.5, "abc")
    p.label = p.label + "d"
    return walk(p, n)


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:
        return (type(exc), str(exc))


def test_slot_offsets_come_from_the_member_descriptors():
    offsets = [slot_offset(Point, name) for name in ("x", "y", "label")]
    assert sorted(offsets) == [16, 24, 32]       # after the object header, in name order
    assert slot_offset(Plain, "x") is None and slot_offset(Point, "nope") is None


@pytest.mark.parametrize("n", [0, 1, 10, 1000])
def test_every_mode_agrees_and_the_callers_instance_changes(n):
    g = flowgraph.build_graph(walk)
    native = rgen.compile_graph(g)
    assert ".slot.x" in native.llvm_ir                  # the fixed-offset path
    objects = [Point(3, 2.0, "xy") for _ in range(3)]
    results = [walk(objects[0], n), native(objects[1], n), flowgraph.run_graph(g, objects[2], n)]
    assert results[0] == results[1] == results[2]
    assert len({(o.x, o.y, o.label) for o in objects}) == 1
    res = make_compiler(made).specialize()
    assert res(n) == res.interpret(n) == made(n)


def test_an_empty_slot_raises_attribute_error_in_every_mode():
    g = flowgraph.build_graph(walk)
    modes = [walk, rgen.compile_graph(g), lambda *a: flowgraph.run_graph(g, *a)]
    assert len({outcome(f, Point.__new__(Point), 3) for f in modes}) == 1
    assert outcome(walk, Point.__new__(Point), 3) == (
        AttributeError, "'Point' object has no attribute 'x'")


def test_reference_counts_are_unchanged_after_many_calls():
    native = rgen.compile_graph(flowgraph.build_graph(walk))
    p, label = Point(1, 1.0, "q"), "q"
    p.label = label
    before = sys.getrefcount(label)
    for _ in range(100_000):
        native(p, 2)
    assert sys.getrefcount(label) == before
    small = p.x                 # an int the slot holds: one reference from it, one here
    assert sys.getrefcount(small) >= 2

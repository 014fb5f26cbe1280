"""Classes with single inheritance (issue 12 item 1): a subclass's fields after
its base's, inherited and overriding methods, `super().__init__(...)` and
`super().m(...)`, `isinstance` against classes known at compile time (with
the tested local seen as the subclass where the test holds), instances of
several subclasses in one variable, list or parameter, and a method call on
an instance of unknown class dispatched on its class; in every mode against
CPython.  A virtual instance knows its class: its tests and its dispatch
fold at compile time."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint
from tests.differential import assert_every_mode


class Shape:
    sides: int

    def __init__(self, sides: int):
        self.sides = sides

    def area(self) -> int:
        return 0

    def describe(self) -> int:
        return self.sides * 100 + self.area()


class Square(Shape):
    side: int

    def __init__(self, side: int):
        super().__init__(4)
        self.side = side

    def area(self) -> int:
        return self.side * self.side


class Rect(Square):
    other: int

    def __init__(self, a: int, b: int):
        super().__init__(a)
        self.other = b

    def area(self) -> int:
        return self.side * self.other


class Triangle(Shape):
    base: int
    height: int

    def __init__(self, b: int, h: int):
        super().__init__(3)
        self.base = b
        self.height = h

    def area(self) -> int:
        return self.base * self.height // 2 + super().area()


class Dot(Shape):                   # inherits __init__ and every method
    pass


def make(i: int) -> Shape:
    if i % 5 == 0:
        return Square(i)
    if i % 5 == 1:
        return Triangle(i, i + 1)
    if i % 5 == 2:
        return Rect(i, 2)
    if i % 5 == 3:
        return Dot(1)
    return Shape(5)


def total(n: int) -> int:
    shapes: list[Shape] = []
    for i in range(n):
        shapes.append(make(i))
    t = 0
    for s in shapes:
        t += s.describe()
        if isinstance(s, Square):
            t += s.side * 1000          # a Square's field, after the test
        if isinstance(s, (Triangle, Rect)):
            t += 7
        if not isinstance(s, Dot):
            t += 1
    return t


def pick(k: int) -> int:
    s = Square(k) if k > 0 else Triangle(k, 3)
    return s.describe()


def area_of(s: Shape, k: int) -> int:
    if isinstance(s, Rect) and s.other > k:
        return s.area() + s.other
    return s.area() * k


def first_side(shapes: list[Shape]) -> int:
    for s in shapes:
        if isinstance(s, Square):
            return s.side
    return -1


def big_square(s: Shape, k: int) -> bool:
    return isinstance(s, Square) and s.side > k       # s is a Square after `and`


def exactly(s: Shape, k: int) -> int:
    if type(s) is Square and s.side > k or type(s) is Triangle:
        return 1
    return 2 if s.__class__ is Shape else 3


CASES = [(total, (0,)), (total, (12,)), (pick, (3,)), (pick, (-2,)),
         (big_square, (Square(5), 3)), (big_square, (Rect(5, 1), 7)),
         (big_square, (Triangle(1, 2), 0)), (big_square, (None, 0)),
         (exactly, (Square(5), 3)), (exactly, (Rect(5, 1), 3)), (exactly, (Triangle(1, 1), 3)),
         (exactly, (Shape(1), 3)), (exactly, (Dot(1), 3)),
         (area_of, (Rect(3, 9), 4)), (area_of, (Rect(3, 9), 40)), (area_of, (Square(6), 2)),
         (area_of, (Triangle(5, 3), 2)), (area_of, (Dot(2), 3)), (area_of, (Shape(1), 3)),
         (first_side, ([Dot(1), Triangle(1, 2), Rect(8, 1)],)), (first_side, ([Shape(2)],))]


@pytest.mark.parametrize("func, args", CASES,
                         ids=[f"{f.__name__}{i}" for i, (f, _) in enumerate(CASES)])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def test_a_subclass_has_its_bases_fields_first():
    from flowgraph.builder.signatures import struct_of
    rect = struct_of(Rect)
    assert list(rect.fields) == ["sides", "side", "other"]
    assert rect.base is struct_of(Square) and struct_of(Square).base is struct_of(Shape)
    assert struct_of(Dot).fields == struct_of(Shape).fields


def test_virtual_instances_fold_their_class_tests_and_dispatch():
    """`pick` makes a Square or a Triangle: each path knows which, so the
    dispatch of `area` folds, nothing is allocated and no class is tested."""
    comp = timeshifter.make_compiler(pick)
    res = comp.specialize()
    assert [res(3), res.interpret(-2), res(-7)] == [pick(3), pick(-2), pick(-7)]
    assert Counter(op.opname for op in res.graph.iteroperations()) == {
        "int_gt": 1, "int_mul": 2, "int_add": 2, "int_floordiv": 1}
    green = timeshifter.make_compiler(pick, green=["k"])
    assert [green(k) for k in (3, -2)] == [pick(3), pick(-2)]
    assert green.specialize(3).op_counts() == Counter()       # all at compile time


def test_an_instance_of_unknown_class_is_dispatched_on_its_class():
    """A parameter typed `Shape`: its `area` is a residual test per
    overriding class (Rect before Square, deepest first), then the base's.
    Where `isinstance(s, Rect)` holds, s is a Rect, whose `area` no subclass
    overrides: a direct call."""
    res = timeshifter.make_compiler(area_of).specialize()
    counts = res.op_counts()
    assert counts["instance_isinstance"] == 1 + 3     # the test; Shape's area() dispatched
    assert counts["direct_call"] == 0                 # every area() inlined
    assert counts["ptr_eq"] == 1          # s may be None before Shape's area(), not a Rect
    for s, k in [(Rect(3, 9), 4), (Square(6), 2), (Triangle(5, 3), 2), (Dot(2), 3)]:
        assert res(s, k) == res.interpret(s, k) == area_of(s, k)


def test_isinstance_of_an_unrelated_class_is_false_at_once():
    def unrelated(s: Square) -> int:
        return 1 if isinstance(s, Triangle) else 2
    assert flowgraph.run_graph(flowgraph.build_graph(unrelated), Square(1)) == 2
    assert timeshifter.make_compiler(unrelated).specialize().op_counts() == Counter()


class NoInit(Square):
    extra: int


class Twice(Square):
    side: str


def needs_init(k: int) -> int:
    return NoInit(k).side


def redeclares(k: int) -> int:
    return Twice(k).sides


def super_outside(k: int) -> int:
    return super().f(k)


def field_of_a_subclass(s: Shape) -> int:
    return s.side


class LispLike:
    pass


class ConsLike(LispLike):
    def nth(self, n: int) -> int:
        return n


def method_of_a_subclass(s: LispLike) -> int:
    return s.nth(0)


@pytest.mark.parametrize("func, message", [
    (needs_init, "field 'NoInit.extra' has no class-level default and class 'NoInit' has "
                 "no __init__ to assign it"),
    (redeclares, "field of class 'Twice': 'side: str' redeclares the field 'Square.side: "
                 "int'; a subclass keeps its base's field types"),
    (super_outside, "super() is only supported in a method of a class"),
    (field_of_a_subclass, "class 'Shape' has no field 'side' (its subclass 'Square' has); test "
                          "isinstance(x, Square) on the local x first: it is a Square where the "
                          "test holds"),
    (method_of_a_subclass, "class 'LispLike' has no method 'nth' (its subclass 'ConsLike' "
                           "has); define it in 'LispLike' too (one raising an error will do), "
                           "or test isinstance(x, ConsLike) on the local x first"),
])
def test_what_stays_out_is_a_clear_error(func, message):
    with pytest.raises(FlowError, match=message.replace("(", r"\(").replace(")", r"\)")):
        flowgraph.build_graph(func)


def test_an_instance_of_a_class_made_after_compiling_is_refused():
    """Method calls dispatch on the subclasses there were when they were
    compiled: an instance of a later subclass (which might override a
    method) is refused at the entry rather than run with a wrong method."""
    comp = timeshifter.make_compiler(area_of)
    res = comp.specialize()
    graph = flowgraph.build_graph(area_of)

    class Late(Square):
        def area(self) -> int:
            return -1
    message = r"^area_of\(\) argument 's' must be Shape, not Late$"
    for run in (res, res.interpret, lambda *a: flowgraph.run_graph(graph, *a)):
        with pytest.raises(TypeError, match=message):
            run(Late(2), 3)


# -- a boxed interpreter: the class of a run-time object promoted ------------------------

class W_Object:
    def add(self, other: "W_Object") -> "W_Object":
        return W_Int(0)

    def value(self) -> int:
        return 0


class W_Int(W_Object):
    intval: int

    def __init__(self, v: int):
        self.intval = v

    def add(self, other: W_Object) -> W_Object:
        if isinstance(other, W_Int):
            return W_Int(self.intval + other.intval)
        return W_Str("?")

    def value(self) -> int:
        return self.intval


class W_Str(W_Object):
    s: str

    def __init__(self, s: str):
        self.s = s

    def add(self, other: W_Object) -> W_Object:
        if type(other) is W_Str:
            return W_Str(self.s + other.s)
        return W_Int(len(self.s))

    def value(self) -> int:
        return len(self.s)


def boxed(code: str, acc: W_Object) -> int:
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        op = hint(code[pc], concrete=True)
        if op == "+":
            hint(acc.__class__, promote=True)
            acc = acc.add(W_Int(2))
        elif op == "s":
            acc = acc.add(W_Str("ab"))
        elif op == "t":
            acc = W_Int(10 if type(acc) is W_Str else 20)
        pc += 1
    return acc.value()


@pytest.mark.parametrize("program, sites", [("++", 1), ("+s+", 1), ("s+t", 0), ("t+", 0)])
def test_a_promoted_class_makes_the_method_calls_direct(program, sites):
    """`hint(acc.__class__, promote=True)`: a promotion site on the class of
    the run-time object; each case calls the method of its class directly
    (no class test is left in it) and the results are CPython's.  Where acc
    is an instance made in the compiled code ("s" or "t" first), its class
    is known: no site."""
    comp = timeshifter.make_compiler(boxed, green=["code"])
    res = comp.specialize(program)
    for acc in (W_Int(3), W_Str("xy"), W_Int(-9)):
        want = boxed(program, acc)
        assert res(acc) == res.interpret(acc) == comp(program, acc) == want
    assert res.op_counts()["promote"] == sites
    cases = [case for site in comp.sites for case in site.cases.values()]
    assert {case.value for case in cases} >= ({W_Int, W_Str} if sites else set())
    for case in cases:
        ops = Counter(op.opname for op in case.graph.iteroperations())
        assert ops["class_issubclass"] == 0 and ops["instance_isinstance"] == 0


@pytest.mark.parametrize("program", ["t+s", "s+t+", "+"])
def test_type_is_and_the_class_of_an_instance_in_every_mode(program):
    """`type(o) is C` (and `x` seen as a C where it holds), `o.__class__`
    promoted: the flow-graph interpreter, native code of the whole function
    and its specialisation on the program agree with CPython."""
    graph = flowgraph.build_graph(boxed)
    native = rgen.compile_graph(graph)
    comp = timeshifter.make_compiler(boxed, green=["code"])
    res = comp.specialize(program)
    for acc in (W_Int(3), W_Str("xy"), W_Object()):
        want = boxed(program, acc)
        assert flowgraph.run_graph(graph, program, acc) == native(program, acc) == want
        assert res(acc) == res.interpret(acc) == want


def test_a_known_subclass_passes_the_native_entry_without_python():
    """The native entry tests the class, None and the known subclasses
    inline: no Python-level call (the shared checker) for a Rect."""
    import sys
    native = rgen.compile_graph(flowgraph.build_graph(area_of))
    assert native(Rect(3, 9), 4) == area_of(Rect(3, 9), 4)
    rect, triangle, calls = Rect(3, 9), Triangle(5, 3), []
    sys.setprofile(lambda frame, event, arg: calls.append(frame.f_code.co_name)
                   if event == "call" else None)
    try:
        got = native(rect, 4), native(triangle, 4)
    finally:
        sys.setprofile(None)
    assert calls == [] and got == (area_of(rect, 4), area_of(triangle, 4))
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'area'"):
        native(None, 4)


def test_class_operations_keep_reference_counts():
    """isinstance, type(o) is C, o.__class__ promoted, casts and dispatch in
    native code, 10,000 calls: the classes and the instances passed in keep
    their reference counts (each class value is a new reference, released)."""
    import sys
    native = rgen.compile_graph(flowgraph.build_graph(exactly))
    comp = timeshifter.make_compiler(boxed, green=["code"])
    res = comp.specialize("+t+")
    objects = [Square(5), Rect(5, 1), Triangle(1, 1), Shape(1), W_Int(3), W_Str("xy")]
    for o in objects[:4]:
        native(o, 3)
    res(W_Int(1)), res(W_Str("a"))                      # compile the cases first
    classes = [Square, Rect, Triangle, Shape, W_Int, W_Str, W_Object]
    before = [sys.getrefcount(x) for x in objects + classes]
    for _ in range(10_000):
        for o in objects[:4]:
            native(o, 3)
        res(objects[4])
        res(objects[5])
    assert [sys.getrefcount(x) for x in objects + classes] == before


# -- __slots__ classes and their subclasses -------------------------------------------------

class SlotBase:
    __slots__ = ("a",)
    a: int

    def __init__(self, a: int):
        self.a = a

    def get(self) -> int:
        return self.a


class SlotSub(SlotBase):
    __slots__ = ("b",)
    b: int

    def __init__(self, a: int, b: int):
        super().__init__(a)
        self.b = b

    def get(self) -> int:
        return self.a * 10 + self.b


class SlotPlain(SlotBase):
    c: int

    def __init__(self, c: int):
        super().__init__(c + 1)
        self.c = c


def use_slots(o: SlotBase, k: int) -> int:
    t = 0
    for i in range(k):
        t += o.get() + o.a
        o.a = o.a + 1
    if isinstance(o, SlotSub):
        o.b = o.b * 2
        t += o.b
    return t


def make_slots(k: int) -> int:
    objs: list[SlotBase] = [SlotBase(k), SlotSub(k, 3), SlotPlain(k)]
    t = 0
    for o in objs:
        t += use_slots(o, 3)
    return t


@pytest.mark.parametrize("func, args", [
    (use_slots, (SlotBase(2), 3)), (use_slots, (SlotSub(2, 5), 3)),
    (use_slots, (SlotPlain(4), 2)), (use_slots, (None, 0)), (use_slots, (None, 1)),
    (make_slots, (4,))])
def test_slotted_classes_and_their_subclasses_in_every_mode(func, args):
    """A subclass of a `__slots__` class (with slots of its own, or a plain
    one): base fields read and written through the base type, natively at
    fixed offsets only for the exact class."""
    assert_every_mode(func, args)

"""Structure of built graphs: operations produced, types and names of
variables, absolute line numbers, the README conventions (calls, hints,
classes, raise, lists) and tidiness after simplification."""

import inspect
from collections import Counter

import pytest

import flowgraph
from flowgraph.lltypes import Bool, Char, Class, Float, ListType, Signed, Str, StructType, Void
from flowgraph.model import Constant, Variable
from flowgraph.printer import assert_same_text
from hintannotator import dont_look_inside, hint, purefunction

LIMIT = 10


def build(func):
    graph = flowgraph.build_graph(func)
    flowgraph.checkgraph(graph)
    return graph


def opnames(graph) -> list:
    return [op.opname for op in graph.iteroperations()]


def ops_of(graph, name: str) -> list:
    return [op for op in graph.iteroperations() if op.opname == name]


def line_of(func, text: str) -> int:
    lines, first = inspect.getsourcelines(func)
    return next(first + i for i, line in enumerate(lines) if text in line)


# -- straight-line code --------------------------------------------------------------------

def straight(a: int, b: int) -> int:
    c = a + b
    d = c * 2
    return d - a


def test_straight_line_is_one_block():
    graph = build(straight)
    assert len(list(graph.iterblocks())) == 2          # start block and return block
    assert opnames(graph) == ["int_add", "int_mul", "int_sub"]
    add, mul, sub = graph.startblock.operations
    assert [v.name for v in graph.getargs()] == ["a", "b"]
    assert (add.result.name, mul.result.name, sub.result.name) == ("c", "d", "")
    assert all(op.result.concretetype is Signed for op in graph.iteroperations())
    assert add.lineno == line_of(straight, "c = a + b")
    assert sub.lineno == line_of(straight, "return d - a")
    assert graph.return_type is Signed
    assert graph.name == "straight" and graph.func is straight
    assert graph.filename == __file__ and graph.firstlineno == line_of(straight, "def ")


def golden_power(x: int, n: int) -> int:
    result = 1
    while n > 0:
        result *= x
        n -= 1
    return result


def test_golden_power():
    first = line_of(golden_power, "def ")
    assert_same_text(str(build(golden_power)), f"""\
graph golden_power(x_0: Signed, n_1: Signed) -> Signed
block0(x_0, n_1):
    goto block1(x_0, n_1, 1)
block1(x_2: Signed, n_3: Signed, result_4: Signed):
    v5: Bool = int_gt(n_3, 0)               # line {first + 2}
    exitswitch v5: False -> return(result_4) | True -> block2(x_2, n_3, result_4)
block2(x_6: Signed, n_7: Signed, result_8: Signed):
    result_9: Signed = int_mul(result_8, x_6)  # line {first + 3}
    n_10: Signed = int_sub(n_7, 1)          # line {first + 4}
    goto block1(x_6, n_10, result_9)
""")


# -- bools, casts, floats ----------------------------------------------------------------------

def bool_plus(flag: bool, n: int) -> int:
    return flag + n


def int_plus_float(n: int, x: float) -> float:
    return n + x


def int_truediv(a: int, b: int) -> float:
    return a / b


def bools_and(p: bool, q: bool) -> bool:
    return p & q


def test_casts():
    assert opnames(build(bool_plus)) == ["cast_bool_to_int", "int_add"]
    assert opnames(build(int_plus_float)) == ["cast_int_to_float", "float_add"]
    assert opnames(build(int_truediv)) == ["int_truediv"]        # correctly rounded
    graph = build(bools_and)
    assert opnames(graph) == ["cast_bool_to_int", "cast_bool_to_int", "int_and",
                              "int_is_true"]
    assert graph.return_type is Bool


def literal_bool_arith() -> int:
    return True + 1


def test_casts_of_constants_are_folded():
    (op,) = build(literal_bool_arith).startblock.operations
    assert op.opname == "int_add" and op.args == [Constant(1, Signed), Constant(1, Signed)]


# -- control flow shapes ------------------------------------------------------------------------

def branches(n: int) -> int:
    if n > LIMIT:
        r = 1
    elif n < 0:
        r = 2
    else:
        r = 3
    return r


def test_switch_shape_and_no_empty_blocks():
    graph = build(branches)
    for block in graph.iterblocks():
        if block.exitswitch is not None:
            assert block.exitswitch.concretetype is Bool
            assert [link.exitcase for link in block.exits] == [False, True]
        elif block.exits and block is not graph.startblock:
            assert block.operations, "empty block left"
    assert opnames(graph) == ["int_gt", "int_lt"]
    # the three constants flow straight into the return block
    returned = sorted(link.args[0].value for link in graph.iterlinks()
                      if link.target is graph.returnblock)
    assert returned == [1, 2, 3]


def chain(a: int, b: int, c: int) -> bool:
    return a < f_once(b) < c


def f_once(x: int) -> int:
    return x


def test_chained_comparison_evaluates_middle_once():
    graph = build(chain)
    assert Counter(opnames(graph)) == {"direct_call": 1, "int_lt": 2}


def and_or_value(a: int, b: int) -> int:
    return a or b


def test_or_keeps_python_values():
    graph = build(and_or_value)
    assert opnames(graph) == ["int_is_true"]
    (block,) = [b for b in graph.iterblocks() if b.exitswitch is not None]
    false_link, true_link = block.exits
    assert false_link.args == [graph.getargs()[1]] and true_link.args == [graph.getargs()[0]]


def for_range(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def for_constant_range() -> int:
    total = 0
    for i in range(2, 10, 3):
        total += i
    return total


def test_range_loops():
    assert Counter(opnames(build(for_range))) == {"int_lt": 1, "int_add": 2}
    graph = build(for_constant_range)
    (cmp,) = ops_of(graph, "int_lt")
    assert cmp.args[1] == Constant(10, Signed)        # the bound stays a literal
    (step,) = [op for op in ops_of(graph, "int_add") if Constant(3, Signed) in op.args]
    assert step.args[1] == Constant(3, Signed)


def runtime_step(a: int, step: int) -> int:
    total = 0
    for i in range(0, a, step):
        total += i
    return total


def test_runtime_step_checks_zero_and_sign():
    graph = build(runtime_step)
    assert Counter(opnames(graph)) == {"int_eq": 1, "int_gt": 2, "int_lt": 1, "int_add": 2}
    raises = [link for link in graph.iterlinks() if link.target is graph.exceptblock]
    assert [link.args for link in raises] == [[Constant(ValueError, Class),
                                               Constant("range() arg 3 must not be zero",
                                                        Str)]]


def unused(a: int) -> int:
    b = a * 2
    c = a // 3
    return a


def test_dead_pure_operations_are_removed():
    # int_mul is pure and cannot raise; int_floordiv may raise ZeroDivisionError... not
    # here (the divisor is 3), but the builder does not look at values: it stays.
    assert opnames(build(unused)) == ["int_floordiv"]


# -- raise, assert ---------------------------------------------------------------------------

class Oops(Exception):
    pass


def raises(n: int) -> int:
    if n < 0:
        raise Oops("negative")
    if n == 0:
        raise ValueError
    return n


def test_raise_links_to_exceptblock():
    graph = build(raises)
    links = [link for link in graph.iterlinks() if link.target is graph.exceptblock]
    assert [link.args for link in links] == [[Constant(Oops, Class), Constant("negative", Str)],
                                             [Constant(ValueError, Class), Constant("", Str)]]


# -- calls, hints, markers ---------------------------------------------------------------------

@purefunction
def pure(x: int) -> int:
    return x * x


@dont_look_inside
def opaque(x: int) -> int:
    return x - 1


def calls(x: int) -> int:
    return pure(x) + pure(x + 1) + opaque(x)


def test_direct_call_convention():
    graph = build(calls)
    c1, c2, c3 = [op.args[0] for op in ops_of(graph, "direct_call")]
    assert c1 == c2 and c1.value is c2.value            # one graph per callee
    assert c1.concretetype is Void and c1.value.func is pure and pure._ts_pure_
    assert c3.value.func is opaque and opaque._ts_dont_look_inside_
    assert c1.value.return_type is Signed


def hints(x: int) -> int:
    hint(None, global_merge_point=True)
    y = hint(x, promote=True, concrete=True)
    return hint(y, variable=True)


def test_hint_convention():
    merge, two, one = ops_of(build(hints), "hint")
    assert merge.args == [Constant(None, Void), Constant("global_merge_point", Void)]
    assert merge.result.concretetype is Void
    assert two.args[1] == Constant("concrete,promote", Void)
    assert two.result.concretetype is Signed and two.result.name == "y"
    assert one.args == [two.result, Constant("variable", Void)]


def fact(n: int):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def test_recursion_refers_to_itself():
    graph = build(fact)
    (call,) = ops_of(graph, "direct_call")
    assert call.args[0].value is graph
    assert graph.return_type is Signed


# -- classes ---------------------------------------------------------------------------------------

class Cell:
    value: int
    hits: int = 0
    items: list[float]

    def __init__(self, value: int):
        self.value = value
        self.items = []

    def bump(self, k: int) -> int:
        self.value += k
        return self.value


def use_cell(a: int) -> int:
    c = Cell(a)
    c.hits += 1
    return c.bump(2)


def test_class_convention():
    graph = build(use_cell)
    ops = graph.startblock.operations
    assert [op.opname for op in ops[:3]] == ["malloc", "setfield", "direct_call"]
    malloc, default, init = ops[:3]
    struct = malloc.result.concretetype
    assert isinstance(struct, StructType) and struct.pyclass is Cell
    assert struct.fields == {"value": Signed, "hits": Signed, "items": ListType(Float)}
    assert malloc.args == [Constant(struct, Void)] and malloc.result.name == "c"
    assert default.args == [malloc.result, Constant("hits", Void), Constant(0, Signed)]
    assert init.args[1] is malloc.result and init.result.concretetype is Void
    init_graph = init.args[0].value
    assert init_graph.getargs()[0].concretetype is struct
    newlist = ops_of(init_graph, "newlist")[0]
    assert newlist.args[0] == Constant(ListType(Float), Void)   # typed from the field
    bump = ops[-1]
    assert bump.opname == "direct_call" and bump.args[1] is malloc.result


# -- lists and strings ----------------------------------------------------------------------------

def lists(n: int) -> int:
    a = [n] * 3
    b = [1, n]
    c = []
    c.append(True)
    return a[0] + b[-1] + len(c)


def test_list_conventions():
    graph = build(lists)
    newlists = ops_of(graph, "newlist")
    assert [op.args[0].value for op in newlists] == [ListType(Signed), ListType(Signed),
                                                     ListType(Bool)]
    assert newlists[0].args[1:] == [Constant(3, Signed), graph.getargs()[0]]
    assert newlists[1].args[1:] == [Constant(2, Signed), Constant(0, Signed)]
    sets = ops_of(graph, "list_setitem")
    assert [op.args[1:] for op in sets] == [[Constant(0, Signed), Constant(1, Signed)],
                                            [Constant(1, Signed), graph.getargs()[0]]]
    assert newlists[2].args[1] == Constant(0, Signed)
    assert [op.result.name for op in newlists] == ["a", "b", "c"]


def chars(s: str) -> bool:
    return s[0] == "+" or s[-1] >= s[0]


def test_char_comparisons():
    graph = build(chars)
    (eq,) = ops_of(graph, "char_eq")
    assert eq.args[1] == Constant("+", Char)
    assert all(op.result.concretetype is Char for op in ops_of(graph, "str_getitem"))
    assert len(ops_of(graph, "char_ge")) == 1


# -- the environment: locals reach joins only where needed ---------------------------------------

def loop_with_dead_local(n: int) -> int:
    i = 0
    tmp = 5
    while i < n:
        tmp = i * 2
        i += 1
    return i


def test_dead_locals_are_not_carried():
    graph = build(loop_with_dead_local)
    for block in graph.iterblocks():
        assert all(v.name != "tmp" for v in block.inputargs)
    assert "int_mul" not in opnames(graph)


def test_every_variable_is_typed_and_lines_are_absolute():
    first, last = line_of(loop_with_dead_local, "def "), line_of(loop_with_dead_local,
                                                                "return i")
    graph = build(loop_with_dead_local)
    for block in graph.iterblocks():
        for v in block.getvariables():
            assert v.concretetype is not None
        for op in block.operations:
            assert first < op.lineno <= last

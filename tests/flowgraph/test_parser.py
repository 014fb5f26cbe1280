"""The textual IR parser: hand-written text, name resolution, errors."""

import pytest

from flowgraph.lltypes import Bool, Char, Class, Float, ListType, Signed, Str, StructType, Void
from flowgraph.model import Constant, FunctionGraph, Variable
from flowgraph.parser import ParseError, parse_graph, parse_graphs
from flowgraph.printer import assert_same_text, format_graph
from tests.flowgraph.samples import POWER



def test_parse_builds_the_graph():
    g = parse_graph(POWER)
    assert g.name == "power" and g.return_type is Signed
    x, n = g.startblock.inputargs
    assert (x.name, x.concretetype, n.name, n.concretetype) == ("x", Signed, "n", Signed)
    (op,) = g.startblock.operations
    assert (op.opname, op.args, op.lineno) == ("int_gt", [n, Constant(0, Signed)], 3)
    assert op.result.name == "" and op.result.concretetype is Bool
    assert g.startblock.exitswitch is op.result
    false, true = g.startblock.exits
    assert (false.exitcase, false.target, false.args) == (False, g.returnblock, [Constant(1, Signed)])
    assert (true.exitcase, true.args, true.prevblock) == (True, [x, n], g.startblock)
    loop = true.target
    assert [v.name for v in loop.inputargs] == ["x", "n"]
    assert loop.exits[0].target is g.startblock and loop.exits[0].exitcase is None
    assert [op.lineno for op in loop.operations] == [4, 5]
    assert_same_text(format_graph(g), POWER)


def test_hand_written_text_may_omit_types_and_use_forward_blocks():
    g = parse_graph("""
        # comments and blank lines are fine
        graph f(s_0: Str, i_1: Signed) -> Bool
        block0(s_0, i_1):
            goto block2(s_0, i_1)
        block1(b_9: Bool):
            return(b_9)
        block2(s_2: Str, i_3: Signed):
            c_4 = str_getitem(s_2, i_3)
            v5 = char_eq(c_4, '+')
            f_6 = cast_int_to_float(i_3)
            goto block1(v5)
    """)                                     # indentation does not matter
    ops = list(g.iteroperations())
    assert [op.result.concretetype for op in ops] == [Char, Bool, Float]
    assert ops[1].args[1] == Constant("+", Char)
    assert_same_text(format_graph(g), """\
graph f(s_0: Str, i_1: Signed) -> Bool
block0(s_0, i_1):
    goto block1(s_0, i_1)
block1(s_2: Str, i_3: Signed):
    c_4: Char = str_getitem(s_2, i_3)
    v5: Bool = char_eq(c_4, '+')
    f_6: Float = cast_int_to_float(i_3)
    goto block2(v5)
block2(b_7: Bool):
    return(b_7)""")


def test_literals_and_their_types():
    g = parse_graph("""\
struct Point(x: Signed, next: Point)
graph k() -> Void
block0():
    same_as(`concrete`)
    a_0 = same_as('a')
    b_1 = same_as("a")
    c_2 = same_as(1.0)
    d_3 = same_as(1 as Float)
    e_4 = same_as(True)
    f_5: List(Char) = newlist(List(Char), 2, '\\n')
    p_6 = malloc(Point)
    raise(ValueError, "bad \\"x\\"\\t")""")
    ops = list(g.iteroperations())
    assert ops[0].args[0] == Constant("concrete", Void) and ops[0].result.concretetype is Void
    assert [op.args[0] for op in ops[1:6]] == [
        Constant("a", Char), Constant("a", Str), Constant(1.0, Float), Constant(1, Float),
        Constant(True, Bool)]
    assert ops[6].args == [Constant(ListType(Char), Void), Constant(2, Signed),
                           Constant("\n", Char)]
    point = ops[7].result.concretetype
    assert point.name == "Point" and point.fields == {"x": Signed, "next": point}
    (link,) = g.startblock.exits
    assert link.target is g.exceptblock
    assert link.args == [Constant(ValueError, Class), Constant('bad "x"\t', Str)]


def test_types_dict_resolves_structs_and_checks_fields():
    point = StructType("Point", {"x": Signed})
    text = "struct Point(x: Signed)\ngraph m() -> Point\nblock0():\n    p_0 = malloc(Point)\n" \
           "    return(p_0)"
    assert parse_graph(text, types={"Point": point}).return_type is point
    fresh = parse_graph(text).return_type
    assert fresh is not point and fresh.fields == {"x": Signed}
    with pytest.raises(ParseError, match=r"line 1: struct Point: the text declares fields "
                                         r"\{'x': 'Signed'\}, types\['Point'\] has \{\}"):
        parse_graph(text, types={"Point": StructType("Point")})


def test_undeclared_struct_types_are_created_empty():
    g = parse_graph("graph f(p_0: Node) -> Node\nblock0(p_0):\n    return(p_0)")
    assert g.return_type is g.startblock.inputargs[0].concretetype
    assert g.return_type.name == "Node" and g.return_type.fields == {}


CALLER = """\
graph caller(n_0: Signed) -> Signed
block0(n_0):
    r_1: Signed = direct_call(@square, n_0)
    return(r_1)"""


def test_callees_resolve_through_the_graphs_dict():
    square = parse_graph("graph square(x_0: Signed) -> Signed\nblock0(x_0):\n"
                         "    v1 = int_mul(x_0, x_0)\n    return(v1)")
    g = parse_graph(CALLER, graphs={"square": square})
    assert g.startblock.operations[0].args[0] == Constant(square, Void)
    from flowgraph.interp import run_graph
    assert run_graph(g, 7) == 49


def test_unknown_callee_becomes_a_stub_that_raises():
    g = parse_graph(CALLER)
    stub = g.startblock.operations[0].args[0].value
    assert isinstance(stub, FunctionGraph) and stub.name == "square"
    assert [v.concretetype for v in stub.getargs()] == [Signed] and stub.return_type is Signed
    assert_same_text(format_graph(g), CALLER)
    from flowgraph.interp import run_graph
    with pytest.raises(NotImplementedError, match="stub graph square"):
        run_graph(g, 7)


def test_several_graphs_and_recursion():
    graphs = parse_graphs(CALLER + "\n\ngraph square(x_0: Signed) -> Signed\nblock0(x_0):\n"
                          "    v1 = direct_call(@square, x_0)\n    return(v1)")
    assert list(graphs) == ["caller", "square"]
    square = graphs["square"]
    assert graphs["caller"].startblock.operations[0].args[0].value is square
    assert square.startblock.operations[0].args[0].value is square


def test_class_names_resolve_to_builtins_given_classes_or_fresh_exceptions():
    text = "graph f() -> Void\nblock0():\n    raise({}, \"m\")"
    assert parse_graph(text.format("KeyError")).startblock.exits[0].args[0].value is KeyError

    class MyError(Exception):
        pass
    g = parse_graph(text.format("MyError"), classes={"MyError": MyError})
    assert g.startblock.exits[0].args[0].value is MyError
    fresh = parse_graph(text.format("MyError")).startblock.exits[0].args[0].value
    assert fresh is not MyError and issubclass(fresh, Exception) and fresh.__name__ == "MyError"


def test_multiline_switch():
    g = parse_graph("""\
graph sw(c_0: Char) -> Signed
block0(c_0):
    exitswitch c_0:
        'a' -> return(1)
        '|' -> return(2)
        default -> return(3)""")
    assert [link.exitcase for link in g.startblock.exits] == ["a", "|", "default"]
    assert g.startblock.exitswitch is g.startblock.inputargs[0]


def test_parsed_variables_are_fresh():
    g1, g2 = parse_graph(POWER), parse_graph(POWER)
    vars1 = {id(v) for b in g1.iterblocks() for v in b.getvariables()}
    vars2 = {id(v) for b in g2.iterblocks() for v in b.getvariables()}
    assert not vars1 & vars2
    assert all(isinstance(v, Variable) for b in g1.iterblocks() for v in b.getvariables())


@pytest.mark.parametrize("text, message", [
    ("block0():", r"line 1: expected 'struct' or 'graph'"),
    ("graph f() -> Signed\n    return(1)", r"line 2: expected a block header 'blockN\(...\):'"),
    ("graph f() -> Signed\nblock0():\n    v0 = int_frob(1)",
     r"line 3: unknown operation 'int_frob'"),
    ("graph f() -> Signed\nblock0():\n    v0 = int_add(1)",
     r"line 3: int_add takes 2 arguments, not 1"),
    ("graph f() -> Signed\nblock0():\n    goto block4()",
     r"line 3: block4 is used but never defined"),
    ("graph f() -> Signed\nblock0():\n    return(1)\nblock0():",
     r"line 4: block0 is defined twice"),
    ("graph f(x_0: Signed) -> Signed\nblock0():\n    return(1)",
     r"line 2: block0's arguments must be the graph's parameters"),
    ("graph f() -> Signed\nblock0():\n    v0 = int_add(1, 2) junk",
     r"line 3: unexpected text, found 'junk'"),
    ("graph f() -> Signed\nblock0():\n    v0 = int_add(1 2)",
     r"line 3: expected ',' or '\)', found '2\)'"),
    ("graph f() -> Signed\nblock0():\n    exitswitch v9: 0 => return(1)",
     r"line 3: expected '->', found '=> return\(1\)'"),
    ("graph f() -> Signed\nblock0():\n    v0 = getfield(1, `x`)",
     r"line 3: cannot infer the result type of getfield"),
    ("graph f() -> Signed\ngraph f() -> Signed", r"line 2: graph f is defined twice"),
    ("# nothing", r"line 1: no 'graph' header in the text"),
])
def test_errors_name_the_line(text, message):
    with pytest.raises(ParseError, match=message):
        parse_graph(text)


def test_error_message_quotes_the_line():
    with pytest.raises(ParseError) as info:
        parse_graph("graph f() -> Signed\nblock0():\n    v0 = int_frob(1)")
    assert str(info.value) == "line 3: unknown operation 'int_frob'\n    v0 = int_frob(1)"
    assert info.value.lineno == 3

"""checkgraph: well-formed graphs pass, each violated invariant gives its
exact message (graph, block, operation, want/have)."""

import pytest

from flowgraph.checker import checkgraph
from flowgraph.errors import CheckError
from flowgraph.lltypes import (ArrayType, Bool, Char, Class, Float, ListType, Signed, Str,
                               StructType, Void, typeof_constant)
from flowgraph.model import Block, Constant, FunctionGraph, Link, SpaceOperation, Variable
from flowgraph.operations import result_type


def c(value, t=None):
    return Constant(value, t if t is not None else typeof_constant(value))


def block(*types):
    return Block([Variable("abcdefgh"[i], t) for i, t in enumerate(types)])


def op(blk, opname, *args, restype=None):
    args = [a if isinstance(a, (Variable, Constant)) else c(a) for a in args]
    v = Variable("", restype if restype is not None else result_type(opname, args))
    blk.operations.append(SpaceOperation(opname, args, v))
    return v


def link(target, *args, case=None):
    return Link([a if isinstance(a, (Variable, Constant)) else c(a) for a in args], target, case)


def power():
    """power(x, n) with a loop: start -> head <-> body, head -> return."""
    start = block(Signed, Signed)
    g = FunctionGraph("power", start, Signed)
    head, body = block(Signed, Signed, Signed), block(Signed, Signed, Signed)
    x, n = start.inputargs
    start.closeblock(link(head, x, n, 1))
    hx, hn, hacc = head.inputargs
    head.exitswitch = op(head, "int_gt", hn, 0)
    head.closeblock(link(g.returnblock, hacc, case=False), link(body, hx, hn, hacc, case=True))
    bx, bn, bacc = body.inputargs
    body.closeblock(link(head, bx, op(body, "int_sub", bn, 1), op(body, "int_mul", bacc, bx)))
    return g, start, head, body


def simple(argtypes, rettype=Signed):
    """A one-block graph; the caller adds operations and closes the block."""
    start = block(*argtypes)
    return FunctionGraph("f", start, rettype), start


def check_fails(g, message):
    with pytest.raises(CheckError) as info:
        checkgraph(g)
    assert str(info.value) == message


# -- well-formed graphs ---------------------------------------------------------------

def test_wellformed_graphs_pass():
    g, *_ = power()
    checkgraph(g)
    T = StructType("P", {"x": Signed, "xs": ListType(Float)})
    h, start = simple([Signed], T)
    s = op(start, "malloc", Constant(T, Void))
    op(start, "setfield", s, Constant("x", Void), start.inputargs[0])
    xs = op(start, "newlist", Constant(ListType(Float), Void), 2, 0.5)
    op(start, "list_setitem", xs, 1, op(start, "cast_int_to_float", start.inputargs[0]))
    op(start, "setfield", s, Constant("xs", Void), xs)
    op(start, "hint", Constant(None, Void), Constant("global_merge_point", Void))
    op(start, "direct_call", Constant(g, Void), start.inputargs[0], 3)
    a = op(start, "malloc_varsize", Constant(ArrayType(Char), Void), 3)
    op(start, "setarrayitem", a, 0, op(start, "str_getitem", "abc", 1))
    start.closeblock(link(h.returnblock, s))
    checkgraph(h)


def test_switches_pass():
    g, start = simple([Char])
    start.exitswitch = start.inputargs[0]
    start.closeblock(link(g.returnblock, 1, case="a"), link(g.returnblock, 2, case="b"),
                     link(g.returnblock, 3, case="default"))
    checkgraph(g)
    g, start = simple([Signed])
    start.exitswitch = start.inputargs[0]
    start.closeblock(link(g.returnblock, 1, case=-5), link(g.returnblock, 2, case=7))
    checkgraph(g)


def test_recursive_callees_checked_once():
    g, start = simple([Signed])
    r = op(start, "direct_call", Constant(g, Void), start.inputargs[0])
    start.closeblock(link(g.returnblock, r))
    checkgraph(g)


# -- violations, each with its message -----------------------------------------------

def test_variable_defined_twice():
    g, start, head, body = power()
    body.inputargs[0] = head.inputargs[0]
    check_fails(g, f"graph power: block2: variable {head.inputargs[0]!r} defined twice: "
                   "want one definition, have one in block1 and one here")


def test_variable_used_outside_its_block():
    g, start, head, body = power()
    body.operations[1].args[1] = start.inputargs[0]
    check_fails(g, "graph power: block2, op 1 int_mul: argument 1: want a variable defined "
                   f"before in this block, have {start.inputargs[0]!r}, defined in block0 "
                   "(variables are block-local: pass values through links)")


def test_use_before_definition_in_the_same_block():
    g, start = simple([Signed])
    v = op(start, "int_add", start.inputargs[0], 1)
    w = op(start, "int_add", v, 1)
    start.operations.reverse()
    start.closeblock(link(g.returnblock, w))
    check_fails(g, "graph f: block0, op 0 int_add: argument 0: want a variable defined "
                   f"before in this block, have {v!r}, defined later in this block "
                   "(variables are block-local: pass values through links)")


def test_link_arity():
    g, start, head, body = power()
    start.exits[0].args.pop()
    check_fails(g, "graph power: block0, exit 0: link to block1: want 3 arguments, have 2")


def test_link_argument_not_defined_in_source_block():
    g, start, head, body = power()
    body.exits[0].args[0] = head.inputargs[0]
    check_fails(g, "graph power: block2, exit 0: link to block1, argument 0: want a variable "
                   f"defined before in this block, have {head.inputargs[0]!r}, defined in "
                   "block1 (variables are block-local: pass values through links)")


def test_link_argument_type():
    g, start, head, body = power()
    start.exits[0].args[2] = c(1.0)
    check_fails(g, "graph power: block0, exit 0: link to block1, argument 2: "
                   "want Signed, have Float")


def test_no_exitswitch_but_two_exits():
    g, start = simple([Signed])
    start.closeblock(link(g.returnblock, 1), link(g.returnblock, 2))
    check_fails(g, "graph f: block0: exits without exitswitch: want [None], have [None, None]")


def test_bool_switch_exitcases_order():
    g, start, head, body = power()
    head.exits.reverse()
    check_fails(g, "graph power: block1: exitcases of a Bool switch: want [False, True], "
                   "have [True, False]")


def test_bool_switch_with_int_cases():
    g, start, head, body = power()
    head.exits[0].exitcase, head.exits[1].exitcase = 0, 1
    check_fails(g, "graph power: block1: exitcases of a Bool switch: want [False, True], "
                   "have [0, 1]")


def test_switch_duplicate_cases():
    g, start = simple([Signed])
    start.exitswitch = start.inputargs[0]
    start.closeblock(link(g.returnblock, 1, case=3), link(g.returnblock, 2, case=3))
    check_fails(g, "graph f: block0: exitcases: want distinct values, have 3 twice")


def test_switch_default_not_last():
    g, start = simple([Signed])
    start.exitswitch = start.inputargs[0]
    start.closeblock(link(g.returnblock, 1, case="default"), link(g.returnblock, 2, case=3))
    check_fails(g, "graph f: block0: exitcase of a Signed switch: want a Signed value, "
                   "have 'default'")


def test_char_switch_case_type():
    g, start = simple([Char])
    start.exitswitch = start.inputargs[0]
    start.closeblock(link(g.returnblock, 1, case="ab"))
    check_fails(g, "graph f: block0: exitcase of a Char switch: want a Char value, have 'ab'")


def test_switch_on_float():
    g, start = simple([Float])
    start.exitswitch = start.inputargs[0]
    start.closeblock(link(g.returnblock, 1, case=1.0))
    check_fails(g, "graph f: block0: exitswitch type: want Bool, Signed or Char, have Float")


def test_exitswitch_not_defined_in_block():
    g, start, head, body = power()
    head.exitswitch = body.inputargs[1]
    check_fails(g, "graph power: block1: exitswitch: want a variable defined before in this "
                   f"block, have {body.inputargs[1]!r}, defined in block2 (variables are "
                   "block-local: pass values through links)")


def test_returnblock_with_operations():
    g, start, head, body = power()
    r = g.returnblock.inputargs[0]
    g.returnblock.operations.append(SpaceOperation("int_neg", [r], Variable("", Signed)))
    check_fails(g, "graph power: returnblock: operations: want none, have 1")


def test_exceptblock_with_exits():
    g, start, head, body = power()
    g.exceptblock.closeblock(link(g.returnblock, 1))
    check_fails(g, "graph power: exceptblock: exits: want none, have 1")


def test_block_without_exits():
    g, start = simple([Signed])
    dead = block(Signed)
    start.closeblock(link(dead, 1))
    check_fails(g, "graph f: block1: exits: want at least one (only this graph's "
                   "returnblock and exceptblock end), have none")


def test_unknown_operation():
    g, start = simple([Signed])
    v = Variable("", Signed)
    start.operations.append(SpaceOperation("int_frobnicate", [start.inputargs[0]], v))
    start.closeblock(link(g.returnblock, v))
    check_fails(g, "graph f: block0, op 0 int_frobnicate: unknown operation: want a name of "
                   "the operation table")


def test_operation_arity():
    g, start = simple([Signed])
    v = op(start, "int_neg", start.inputargs[0], 1, restype=Signed)
    start.closeblock(link(g.returnblock, v))
    check_fails(g, "graph f: block0, op 0 int_neg: argument count: want 1, have 2")


def test_operation_result_type():
    g, start = simple([Signed])
    v = op(start, "int_lt", start.inputargs[0], 1, restype=Signed)
    start.closeblock(link(g.returnblock, v))
    check_fails(g, "graph f: block0, op 0 int_lt: result type: want Bool, have Signed")


def test_operation_argument_type():
    g, start = simple([Float])
    v = op(start, "int_add", start.inputargs[0], 1, restype=Signed)
    start.closeblock(link(g.returnblock, v))
    check_fails(g, "graph f: block0, op 0 int_add: argument 0: want Signed, have Float")


def test_list_operation_on_a_non_list():
    g, start = simple([Signed])
    v = op(start, "list_len", start.inputargs[0], restype=Signed)
    start.closeblock(link(g.returnblock, v))
    check_fails(g, "graph f: block0, op 0 list_len: argument 0: want a ListType, have Signed")


def test_list_setitem_item_type():
    g, start = simple([ListType(Signed)])
    op(start, "list_setitem", start.inputargs[0], 0, 1.5)
    start.closeblock(link(g.returnblock, 0))
    check_fails(g, "graph f: block0, op 0 list_setitem: argument 2: want Signed, have Float")


def test_getfield_unknown_field():
    T = StructType("P", {"x": Signed})
    g, start = simple([T])
    v = op(start, "getfield", start.inputargs[0], Constant("y", Void), restype=Signed)
    start.closeblock(link(g.returnblock, v))
    check_fails(g, "graph f: block0, op 0 getfield: field: want one of x of P, "
                   "have Constant('y', Void)")


def test_variable_defined_nowhere():
    g, start = simple([Signed])
    ghost = Variable("ghost", Signed)
    start.closeblock(link(g.returnblock, ghost))
    check_fails(g, "graph f: block0, exit 0: link to returnblock, argument 0: want a variable "
                   f"defined before in this block, have {ghost!r}, defined nowhere (variables "
                   "are block-local: pass values through links)")


def test_missing_concretetype():
    g, start = simple([Signed])
    start.inputargs[0].concretetype = None
    start.closeblock(link(g.returnblock, 1))
    check_fails(g, f"graph f: block0: {start.inputargs[0]!r} has no concretetype")


def test_constant_value_of_wrong_type():
    g, start = simple([Signed])
    start.closeblock(Link([Constant(True, Signed)], g.returnblock))
    check_fails(g, "graph f: block0, exit 0: Constant(True, Signed): value of a Signed "
                   "constant: want a int, have a bool")


def test_constant_outside_64_bits():
    g, start = simple([Signed])
    start.closeblock(Link([Constant(2**63, Signed)], g.returnblock))
    check_fails(g, f"graph f: block0, exit 0: Constant({2**63}, Signed): want a 64-bit value, "
                   f"have {2**63}")


def test_direct_call_argument_count_and_types():
    callee, *_ = power()
    g, start = simple([Signed])
    r = op(start, "direct_call", Constant(callee, Void), start.inputargs[0])
    start.closeblock(link(g.returnblock, r))
    check_fails(g, "graph f: block0, op 0 direct_call: call to power: want 2 arguments, "
                   "have 1")
    start.operations[0].args.append(c(2.0))
    check_fails(g, "graph f: block0, op 0 direct_call: call to power, argument 1: "
                   "want Signed, have Float")


def test_direct_call_of_a_non_graph():
    g, start = simple([Signed])
    v = Variable("", Signed)
    start.operations.append(SpaceOperation("direct_call", [Constant(len, Void)], v))
    start.closeblock(link(g.returnblock, v))
    check_fails(g, "graph f: block0, op 0 direct_call: first argument: want "
                   "Constant(callee FunctionGraph), have Constant(<built-in function len>, "
                   "Void)")


def test_callee_violations_are_reported():
    callee, cstart, head, body = power()
    head.exits.reverse()
    g, start = simple([Signed])
    r = op(start, "direct_call", Constant(callee, Void), start.inputargs[0], 2)
    start.closeblock(link(g.returnblock, r))
    check_fails(g, "graph power: block1: exitcases of a Bool switch: want [False, True], "
                   "have [True, False]")


class FakeSite:
    """A promotion site as the timeshifter makes them: a return type."""
    return_type = Signed


def test_tail_transfers():
    callee, *_ = power()
    g, start = simple([Signed])
    x = start.inputargs[0]
    r = op(start, "tail_call", Constant(callee, Void), x, 3)
    start.closeblock(link(g.returnblock, r))
    checkgraph(g)
    start.operations[0].args.pop()
    check_fails(g, "graph f: block0, op 0 tail_call: call to power: want 2 arguments, have 1")
    h, hstart = simple([Signed])
    r = op(hstart, "promote", Constant(FakeSite(), Void), hstart.inputargs[0],
           hstart.inputargs[0])
    hstart.closeblock(link(h.returnblock, r))
    checkgraph(h)
    hstart.operations[0].args.clear()
    check_fails(h, "graph f: block0, op 0 promote: argument count: want at least 1, have 0")


def test_exceptblock_argument_types():
    g, start = simple([Signed])
    start.closeblock(link(g.exceptblock, Constant(ValueError, Class), 3))
    check_fails(g, "graph f: block0, exit 0: link to exceptblock, argument 1: "
                   "want Str, have Signed")

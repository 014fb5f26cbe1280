"""Hand-built graphs for the LLVM backend's tests (no front end needed)."""

from __future__ import annotations

from flowgraph.lltypes import Bool, Char, Float, Signed, Str
from flowgraph.model import Block, FunctionGraph, Link, SpaceOperation, Variable
from flowgraph.operations import result_type

_PREFIX_TYPES = {"int": Signed, "float": Float, "char": Char, "bool": Bool, "str": Str}


def op_arg_types(opname: str, arity: int) -> list:
    """The argument types an operation of the table is tested with."""
    if opname.startswith("cast_"):
        return [_PREFIX_TYPES[opname.split("_")[1]]]
    if opname in ("str_getitem", "str_mul"):
        return [Str, Signed]
    if opname == "str_slice":
        return [Str, Signed, Signed]
    if opname == "same_as":
        return [Signed]
    if opname.startswith("int_float_"):
        return [Signed, Float]
    return [_PREFIX_TYPES[opname.split("_")[0]]] * arity


def one_op_graph(opname: str, argtypes: list) -> FunctionGraph:
    """graph opname(a0, a1, ...): return opname(a0, a1, ...)"""
    args = [Variable(f"a{i}", t) for i, t in enumerate(argtypes)]
    res = Variable("r", result_type(opname, args))
    start = Block(list(args))
    g = FunctionGraph(opname, start, res.concretetype)
    start.operations.append(SpaceOperation(opname, list(args), res))
    start.closeblock(Link([res], g.returnblock))
    return g

"""Constant folding and the simplification rules (flowgraph/rules.py).

Each rule is checked both ways (it applies to its pattern; a counter-example
one detail away does not) and its rewritten form is checked against the fold
functions of the operation table on random inputs, including the 64-bit and
IEEE corner cases."""

import math
import struct

import pytest
from hypothesis import example, given, settings, strategies as st

import flowgraph
from flowgraph.lltypes import Bool, Float, Signed
from flowgraph.model import Constant, Variable
from flowgraph.operations import MAXINT, MININT, OPS, fold_op
from flowgraph.rules import RULES, Pattern, parse_rule, pattern_names
from rgen import GraphBackend
from rgen.fold import apply_rules, fold_constant

PREFIX_TYPES = {"int": Signed, "float": Float, "bool": Bool}
STRATEGIES = {
    Signed: st.one_of(st.sampled_from([0, 1, -1, MAXINT, MININT]),
                      st.integers(MININT, MAXINT)),
    Float: st.one_of(st.sampled_from([0.0, -0.0, 1.0, math.inf, -math.inf, math.nan]),
                     st.floats()),
    Bool: st.booleans(),
}


def operand_type(opname: str):
    """The type of an operation's operands (the family prefix)."""
    if opname == "same_as":
        return Signed
    if opname.startswith("cast_"):
        return PREFIX_TYPES[opname.split("_")[1]]
    return PREFIX_TYPES[opname.split("_")[0]]


def name_types(pattern: Pattern, types=None) -> dict:
    types = {} if types is None else types
    for arg in pattern.args:
        if isinstance(arg, Pattern):
            name_types(arg, types)
        elif isinstance(arg, str):
            types[arg] = operand_type(pattern.opname)
    return types


def emit(builder, term, env):
    if isinstance(term, str):
        return env[term]
    if isinstance(term, Constant):
        return term
    return builder.genop(term.opname, [emit(builder, t, env) for t in term.args])


def evaluate(term, values):
    if isinstance(term, str):
        return values[term]
    if isinstance(term, Constant):
        return term.value
    return fold_op(term.opname, [evaluate(t, values) for t in term.args])


def count_ops(term) -> int:
    if isinstance(term, Pattern):
        return 1 + sum(count_ops(t) for t in term.args)
    return 0


def same_value(a, b) -> bool:
    """Equal including the type, -0.0 versus 0.0 and NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


def rule_id(rule):
    return rule.text


# -- the table itself --------------------------------------------------------

@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_rule_is_well_formed(rule):
    assert rule.pattern.opname in OPS and OPS[rule.pattern.opname].pure
    assert rule.comment, "every rule explains its algebra"
    if isinstance(rule.replacement, Constant):
        probe = [Variable("", operand_type(rule.pattern.opname))] * len(rule.pattern.args)
        assert rule.replacement.concretetype == OPS[rule.pattern.opname].restype(probe)


def test_rule_parse_errors():
    with pytest.raises(ValueError, match="rule without '->'"):
        parse_rule("int_add(x, 0)")
    with pytest.raises(ValueError, match="'y' is not bound by the pattern"):
        parse_rule("int_add(x, 0) -> y")
    with pytest.raises(ValueError, match="want 'op"):
        parse_rule("x -> x")
    assert pattern_names(parse_rule("int_sub(x, int_add(y, x)) -> x").pattern) == ["x", "y"]


# -- each rule both ways -----------------------------------------------------

def build_pattern(pattern):
    """Emit `pattern` with its names as graph arguments; return
    (builder, env, result)."""
    types = name_types(pattern)
    b, gvs = GraphBackend().new_graph("rule", list(types.values()), OPS[pattern.opname]
                                      .restype([Variable("", t) for t in types.values()]
                                               or [Variable("", Signed)]),
                                      argnames=list(types))
    env = dict(zip(types, gvs))
    return b, env, emit(b, pattern, env)


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_rule_applies(rule):
    b, env, result = build_pattern(rule.pattern)
    if isinstance(rule.replacement, Constant):
        assert result == rule.replacement
    else:
        assert result is env[rule.replacement]
    assert b.op_count == count_ops(rule.pattern) - 1


def _other_literal(c: Constant) -> Constant:
    if c.concretetype is Float and c.value == 0.0:
        return Constant(-c.value, Float)                # 0.0 <-> -0.0
    if c.concretetype is Float:
        return Constant(c.value + 1.0, Float)
    return Constant(c.value + 2, c.concretetype)


def counter_example(pattern: Pattern, seen=None) -> Pattern | None:
    """The pattern with one detail changed so that the rule must not apply:
    a literal changed, a repeated name made distinct, a nested operation
    replaced by a plain argument."""
    seen = set() if seen is None else seen
    args = list(pattern.args)
    for i, arg in enumerate(args):
        if isinstance(arg, Constant):
            args[i] = _other_literal(arg)
            return Pattern(pattern.opname, tuple(args))
        if isinstance(arg, str) and arg in seen:
            args[i] = arg + "_other"
            return Pattern(pattern.opname, tuple(args))
        if isinstance(arg, Pattern):
            args[i] = "fresh"
            return Pattern(pattern.opname, tuple(args))
        seen.add(arg)
    return None


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_rule_counter_example(rule):
    other = counter_example(rule.pattern)
    if other is None:
        assert rule.pattern.opname == "same_as"     # same_as(x) -> x always applies
        return
    b, env, result = build_pattern(other)
    assert isinstance(result, Variable) and result not in env.values()
    assert b.op_count == count_ops(other)


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_rule_semantics(rule):
    """The replacement equals the fold functions' result on every input, and
    the residual graph computes it too."""
    types = name_types(rule.pattern)
    b, env, result = build_pattern(rule.pattern)
    b.finish_return(result)
    graph = b.end()
    flowgraph.checkgraph(graph)

    @given(st.fixed_dictionaries({name: STRATEGIES[t] for name, t in types.items()}))
    @settings(max_examples=60)
    def check(values):
        expected = evaluate(rule.pattern, values)
        rewritten = evaluate(rule.replacement, values)
        assert same_value(rewritten, expected)
        assert same_value(flowgraph.run_graph(graph, *values.values()), expected)
    check()


# -- folding -------------------------------------------------------------------

@given(a=STRATEGIES[Signed], b=STRATEGIES[Signed],
       opname=st.sampled_from(["int_add", "int_sub", "int_mul", "int_floordiv", "int_mod",
                               "int_lshift", "int_rshift", "int_and", "int_lt"]))
@example(a=MININT, b=-1, opname="int_floordiv")
@example(a=1, b=-1, opname="int_lshift")
def test_fold_constant(a, b, opname):
    args = [Constant(a, Signed), Constant(b, Signed)]
    try:
        expected = fold_op(opname, [a, b])
    except (ZeroDivisionError, ValueError):
        assert fold_constant(opname, args) is None        # emitted, raises at run time
        return
    folded = fold_constant(opname, args)
    assert folded == Constant(expected, OPS[opname].restype(args))


def test_impure_ops_never_fold():
    assert fold_constant("list_len", [Constant([1], None)]) is None
    assert apply_rules("getfield", [Variable(), Constant("x")], {}) is None

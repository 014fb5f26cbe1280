"""Algebraic simplification rules, as data.

One rule per line, `pattern -> replacement`, with its algebra in a comment
(in the style of LuaJIT's `lj_opt_fold.c` and Go's `.rules` files).  A
pattern is an operation of the table applied to

    a name (`x`, `b`)  matches any value; a name used twice must match the
                       same value (the same Variable or equal Constants)
    a literal          matches the Constant of that value and type
                       (`0` Signed, `1.0` Float, `True` Bool)
    a nested pattern   matches a Variable whose defining operation matches

and the replacement is a name bound by the pattern or a literal.  A rule may
only drop an operation that cannot fail on the inputs it matches: every rule
preserves the exact DESIGN section 4 semantics (64-bit wrap-around, IEEE
floats including -0.0 and NaN), which the tests check against the fold
functions.  Builders (rgen) apply the rules while emitting, after constant
folding.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from flowgraph.lltypes import typeof_constant
from flowgraph.model import Constant

RULES_TEXT = """
int_add(x, 0) -> x                      # x + 0 == x
int_add(0, x) -> x                      # 0 + x == x
int_sub(x, 0) -> x                      # x - 0 == x
int_sub(x, x) -> 0                      # x - x == 0
int_mul(x, 1) -> x                      # x * 1 == x
int_mul(1, x) -> x                      # 1 * x == x
int_mul(x, 0) -> 0                      # x * 0 == 0 (int_mul cannot raise)
int_mul(0, x) -> 0                      # 0 * x == 0
int_floordiv(x, 1) -> x                 # x // 1 == x (divisor is not 0)
int_mod(x, 1) -> 0                      # x % 1 == 0 (divisor is not 0)
int_and(x, 0) -> 0                      # x & 0 == 0
int_and(0, x) -> 0                      # 0 & x == 0
int_and(x, -1) -> x                     # x & ~0 == x
int_and(-1, x) -> x                     # ~0 & x == x
int_and(x, x) -> x                      # x & x == x
int_or(x, 0) -> x                       # x | 0 == x
int_or(0, x) -> x                       # 0 | x == x
int_or(x, x) -> x                       # x | x == x
int_xor(x, 0) -> x                      # x ^ 0 == x
int_xor(0, x) -> x                      # 0 ^ x == x
int_xor(x, x) -> 0                      # x ^ x == 0
int_lshift(x, 0) -> x                   # x << 0 == x (count is not negative)
int_rshift(x, 0) -> x                   # x >> 0 == x (count is not negative)
int_neg(int_neg(x)) -> x                # -(-x) == x, also for -2**63 (wraps twice)
int_invert(int_invert(x)) -> x          # ~~x == x
int_eq(x, x) -> True                    # integers are reflexive
int_ne(x, x) -> False                   # integers are reflexive
int_lt(x, x) -> False                   # < is irreflexive
int_le(x, x) -> True                    # <= is reflexive
int_gt(x, x) -> False                   # > is irreflexive
int_ge(x, x) -> True                    # >= is reflexive
int_is_true(cast_bool_to_int(b)) -> b   # int(b) != 0 == b
bool_not(bool_not(b)) -> b              # not not b == b
same_as(x) -> x                         # a copy is the value itself
float_mul(x, 1.0) -> x                  # IEEE: x * 1.0 == x exactly (NaN, inf, -0.0 too)
float_mul(1.0, x) -> x                  # IEEE: 1.0 * x == x exactly
float_truediv(x, 1.0) -> x              # IEEE: x / 1.0 == x exactly
float_sub(x, 0.0) -> x                  # IEEE: x - 0.0 == x, also -0.0 - 0.0 == -0.0
float_add(x, -0.0) -> x                 # IEEE: x + -0.0 == x (but x + 0.0 turns -0.0 into 0.0)
float_add(-0.0, x) -> x                 # IEEE: -0.0 + x == x
float_neg(float_neg(x)) -> x            # IEEE: negation only flips the sign bit
"""


@dataclass(frozen=True, slots=True)
class Pattern:
    """`opname(*args)`; each arg is a name (str), a Constant or a Pattern."""

    opname: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: Pattern
    replacement: object         # a name (str) bound by the pattern, or a Constant
    comment: str
    text: str


def _literal(node: ast.expr):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_literal(node.operand)
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float)):
        return node.value
    raise ValueError(f"not a literal: {ast.unparse(node)}")


def _term(node: ast.expr):
    """A pattern argument: a name, a Constant or a nested Pattern."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return Pattern(node.func.id, tuple(_term(arg) for arg in node.args))
    value = _literal(node)
    return Constant(value, typeof_constant(value))


def parse_rule(line: str) -> Rule:
    """Parse one `pattern -> replacement  # comment` line."""
    text, _, comment = line.partition("#")
    lhs, arrow, rhs = text.partition("->")
    if not arrow:
        raise ValueError(f"rule without '->': {line!r}")
    pattern = _term(ast.parse(lhs.strip(), mode="eval").body)
    replacement = _term(ast.parse(rhs.strip(), mode="eval").body)
    if not isinstance(pattern, Pattern) or isinstance(replacement, Pattern):
        raise ValueError(f"want 'op(...) -> name or literal', have {line!r}")
    if isinstance(replacement, str) and replacement not in pattern_names(pattern):
        raise ValueError(f"replacement {replacement!r} is not bound by the pattern: {line!r}")
    return Rule(pattern, replacement, comment.strip(), text.strip())


def pattern_names(pattern: Pattern) -> list:
    """The names a pattern binds, in order of first appearance."""
    names: list = []
    for arg in pattern.args:
        sub = pattern_names(arg) if isinstance(arg, Pattern) else [arg]
        names += [n for n in sub if isinstance(n, str) and n not in names]
    return names


def parse_rules(text: str) -> list:
    return [parse_rule(line) for line in text.splitlines() if line.strip()]


RULES: list = parse_rules(RULES_TEXT)

RULES_BY_OP: dict = {}
for _rule in RULES:
    RULES_BY_OP.setdefault(_rule.pattern.opname, []).append(_rule)
del _rule

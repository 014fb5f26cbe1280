"""Constant folding and rule-based simplification, applied while building.

`simplify(opname, args, defs)` is called by a builder before it emits an
operation.  It returns a Value to use instead of emitting, or None:

1. Constant folding: a pure operation with a fold function whose arguments
   are all Constants runs the fold function now; the result becomes a
   Constant of the table's result type.  If the fold function raises (a
   zero divisor, a negative shift), nothing is folded: the operation is
   emitted and raises at run time, where the program expects it.
2. Rules (`flowgraph.rules`): the rules of the operation are tried in table
   order.  Pattern arguments match the operation's arguments; a nested
   pattern matches a Variable through `defs` (Variable -> the operation
   that defined it), which the builder keeps for every operation it emits.
   The first match wins and its replacement (a bound value or a literal)
   is returned.

Impure operations (memory, calls) have no fold function and no rules, so
they are always emitted.
"""

from __future__ import annotations

from flowgraph.model import Constant, Variable
from flowgraph.operations import OPS
from flowgraph.rules import RULES_BY_OP, Pattern


def fold_constant(opname: str, args: list):
    """The folded Constant, or None when the op cannot be folded now."""
    desc = OPS[opname]
    if not desc.pure or desc.fold is None:
        return None
    if not all(isinstance(a, Constant) for a in args):
        return None
    try:
        value = desc.fold(*[a.value for a in args])
    except Exception:
        return None
    return Constant(value, desc.restype(args))


def _match(term, value, defs: dict, bindings: dict) -> bool:
    """Match one pattern argument against a Value, extending `bindings`."""
    if isinstance(term, str):
        if term not in bindings:
            bindings[term] = value
            return True
        bound = bindings[term]
        return bound == value if isinstance(bound, Constant) else bound is value
    if isinstance(term, Constant):
        return term == value        # Constants compare floats by bits: -0.0 != 0.0
    op = defs.get(value) if isinstance(value, Variable) else None
    return op is not None and _match_op(term, op.opname, op.args, defs, bindings)


def _match_op(pattern: Pattern, opname: str, args: list, defs: dict, bindings: dict) -> bool:
    terms = pattern.args
    if pattern.opname != opname or len(terms) != len(args):
        return False
    for term, arg in zip(terms, args):      # (a loop: tried for every operation emitted)
        if not _match(term, arg, defs, bindings):
            return False
    return True


def apply_rules(opname: str, args: list, defs: dict):
    """The replacement Value of the first matching rule, or None."""
    for rule in RULES_BY_OP.get(opname, ()):
        bindings: dict = {}
        if _match_op(rule.pattern, opname, args, defs, bindings):
            if isinstance(rule.replacement, Constant):
                return rule.replacement
            return bindings[rule.replacement]
    return None


def simplify(opname: str, args: list, defs: dict):
    """A Value replacing `opname(*args)`, or None to emit the operation."""
    folded = fold_constant(opname, args)
    if folded is not None:
        return folded
    return apply_rules(opname, args, defs)

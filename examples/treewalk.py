"""A tree-walking statement interpreter whose guest raises and catches errors:
the pattern for guest exceptions (docs/guide.md, section 6).

The program is a list of nodes `(op, a, b)`, children by index, green and
deep-frozen; the guest's variables are the red list `env`.  A guest error
is a Python exception of the interpreter (`GuestError`); the guest's `TRY a
b` is a `try/except` around the evaluation of `a`.  Specialised, a raise in
an `ev` that the specialisation inlines is caught while compiling: where a
run-time value decides (a division by a red zero), the residual code
branches straight into the handler's code, with no call and no unwinding.
"""

from __future__ import annotations

from hintannotator import hint


class GuestError(Exception):
    pass


class GuestDivision(GuestError):
    pass


CONST, VAR, ADD, SUB, DIV, LT, SET, SEQ, WHILE, TRY, FAIL = range(11)


def ev(nodes: list[tuple[int, int, int]], i: int, env: list[int]) -> int:
    """Node i = (op, a, b); `TRY a b` runs a, and b if a raised a guest
    error (counting the characters of its messages in env[3]); DIV by zero
    and FAIL raise one."""
    nodes = hint(nodes, deepfreeze=True)
    i = hint(i, concrete=True)
    op, a, b = nodes[i]
    if op == CONST:
        return a
    if op == VAR:
        return env[a]
    if op == ADD:
        return ev(nodes, a, env) + ev(nodes, b, env)
    if op == SUB:
        return ev(nodes, a, env) - ev(nodes, b, env)
    if op == DIV:
        d = ev(nodes, b, env)
        if d == 0:
            raise GuestDivision("division by zero")
        return ev(nodes, a, env) // d
    if op == LT:
        return 1 if ev(nodes, a, env) < ev(nodes, b, env) else 0
    if op == SET:
        env[a] = ev(nodes, b, env)
        return 0
    if op == SEQ:
        ev(nodes, a, env)
        return ev(nodes, b, env)
    if op == WHILE:
        while ev(nodes, a, env) != 0:
            ev(nodes, b, env)
        return 0
    if op == TRY:
        try:
            return ev(nodes, a, env)
        except GuestError as e:
            env[3] += len(str(e))
            return ev(nodes, b, env)
    raise GuestError("fail")


# env = [x, n, total, error characters]:
#   total = 0
#   while 0 < n:
#       total = total + try(x // (n - 2), -1)
#       n = n - 1
#   total
SUM_OF_QUOTIENTS = [
    (SEQ, 1, 2),            # 0
    (SET, 2, 3),            # 1: total = 0
    (SEQ, 4, 15),           # 2
    (CONST, 0, 0),          # 3
    (WHILE, 5, 8),          # 4
    (LT, 3, 6),             # 5: 0 < n
    (VAR, 1, 0),            # 6
    (CONST, 1, 0),          # 7
    (SEQ, 9, 13),           # 8
    (SET, 2, 10),           # 9: total = total + try(...)
    (ADD, 16, 11),          # 10
    (TRY, 12, 17),          # 11
    (DIV, 18, 19),          # 12: x // (n - 2)
    (SET, 1, 14),           # 13: n = n - 1
    (SUB, 6, 7),            # 14
    (VAR, 2, 0),            # 15
    (VAR, 2, 0),            # 16
    (CONST, -1, 0),         # 17
    (VAR, 0, 0),            # 18
    (SUB, 6, 20),           # 19: n - 2
    (CONST, 2, 0),          # 20
]

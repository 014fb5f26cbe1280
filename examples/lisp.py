"""A small Lisp: a tree-walking interpreter with closures, the pattern for
recursive interpreters.

The program is parsed (under CPython, by `parse`) into a flat list of ints:
a node is an index into it, `prog[node]` its opcode, the next items its
operands (numbers, child nodes).  Variables are resolved at parse time to
indices into a flat environment: a closure's environment followed by its
arguments.  Values are instances of `Value`: a number, or a closure
(its number of parameters, its body node, its environment list).

The hints of a tree-walking interpreter:

    hint(node, concrete=True)          the node is compile-time, so each
                                       node's code is specialised
    prog = hint(prog, deepfreeze=True) the program never changes: reads of
                                       it are compile-time too
    body = hint(f.body, promote=True)  which code a call runs is only known
                                       at run time: promote it, so the
                                       callee's body is specialised on it

`eval_node` calls itself on child nodes: with the node green, each call is
specialised for its node; a closure call promotes the body node, and the
case compiled for it runs the body's specialised code.
"""

from __future__ import annotations

from hintannotator import hint

CONST, VAR, ADD, SUB, LT, IF, LAMBDA, CALL = range(8)


class Value:
    __slots__ = ("num", "nparams", "body", "env")     # fixed offsets natively
    num: int
    nparams: int
    body: int
    env: "list[Value]"

    def __init__(self, num: int, nparams: int, body: int):
        self.num = num
        self.nparams = nparams
        self.body = body
        self.env = []


def eval_node(prog: list[int], node: int, env: "list[Value]") -> Value:
    hint(node, concrete=True)
    prog = hint(prog, deepfreeze=True)
    op = prog[node]
    if op == CONST:
        return Value(prog[node + 1], -1, 0)
    if op == VAR:
        return env[prog[node + 1]]
    if op == IF:
        c = eval_node(prog, prog[node + 1], env)
        if c.num != 0:
            return eval_node(prog, prog[node + 2], env)
        return eval_node(prog, prog[node + 3], env)
    if op == LAMBDA:
        f = Value(0, prog[node + 1], prog[node + 2])
        f.env = env
        return f
    if op == CALL:
        f = eval_node(prog, prog[node + 1], env)
        nargs = prog[node + 2]
        new_env = []
        for v in f.env:
            new_env.append(v)
        i = 0
        while i < nargs:
            new_env.append(eval_node(prog, prog[node + 3 + i], env))
            i += 1
        body = hint(f.body, promote=True)
        return eval_node(prog, body, new_env)
    a = eval_node(prog, prog[node + 1], env)
    b = eval_node(prog, prog[node + 2], env)
    if op == ADD:
        return Value(a.num + b.num, -1, 0)
    if op == SUB:
        return Value(a.num - b.num, -1, 0)
    return Value(int(a.num < b.num), -1, 0)


def run(prog: list[int], n: int) -> int:
    """The program's value, its free variable `n` bound to n."""
    return eval_node(prog, 0, [Value(n, -1, 0)]).num


# -- the parser (plain Python, run before specialising) ---------------------------------

OPERATORS = {"+": ADD, "-": SUB, "<": LT}


def parse(text: str) -> list[int]:
    """The node list of an expression whose one free variable is `n`:

        expr := number | name | (+ e e) | (- e e) | (< e e) | (if e e e)
              | (lambda (name ...) e) | (e e ...)
    """
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    tree, rest = _read(tokens)
    if rest:
        raise SyntaxError(f"text after the expression: {' '.join(rest)}")
    prog: list[int] = []
    _emit(tree, ["n"], prog)
    return prog


def _read(tokens: list):
    if not tokens:
        raise SyntaxError("unexpected end of the program")
    head, rest = tokens[0], tokens[1:]
    if head == ")":
        raise SyntaxError("unexpected ')'")
    if head != "(":
        return (int(head) if head.lstrip("-").isdigit() else head), rest
    items = []
    while rest and rest[0] != ")":
        item, rest = _read(rest)
        items.append(item)
    if not rest:
        raise SyntaxError("missing ')'")
    return items, rest[1:]


def _emit(tree, scope: list, prog: list) -> int:
    """Append the node of `tree` (its own slots, then its children's nodes,
    whose indices fill its operand slots) and return its index."""
    at = len(prog)
    if isinstance(tree, int):
        prog += [CONST, tree]
        return at
    if isinstance(tree, str):
        if tree not in scope:
            raise SyntaxError(f"unbound name {tree!r}")
        prog += [VAR, len(scope) - 1 - scope[::-1].index(tree)]
        return at
    head = tree[0]
    if head == "lambda":
        params, body = tree[1], tree[2]
        prog += [LAMBDA, len(params), 0]
        prog[at + 2] = _emit(body, scope + params, prog)
        return at
    if head == "if":
        prog += [IF, 0, 0, 0]
        for k, part in enumerate(tree[1:4]):
            prog[at + 1 + k] = _emit(part, scope, prog)
        return at
    if isinstance(head, str) and head in OPERATORS:
        prog += [OPERATORS[head], 0, 0]
        for k, part in enumerate(tree[1:3]):
            prog[at + 1 + k] = _emit(part, scope, prog)
        return at
    args = tree[1:]
    prog += [CALL, 0, len(args)] + [0] * len(args)
    prog[at + 1] = _emit(head, scope, prog)
    for k, part in enumerate(args):
        prog[at + 3 + k] = _emit(part, scope, prog)
    return at


FIB = parse("((lambda (fib) (fib fib n))"
            " (lambda (self k) (if (< k 2) k (+ (self self (- k 1)) (self self (- k 2))))))")
SUM_TO = parse("((lambda (loop) (loop loop n 0))"
               " (lambda (self k acc) (if (< k 1) acc (self self (- k 1) (+ acc k)))))")

"""A Lua-like stack VM whose guest fills a table and sums it (issue 24).

The interpreter is written the natural way: a value stack, 8 local slots and
the guest's table are all lists made inside `run`.  Specialised on a guest
program, the stack and the slots keep the same shape at every visit of the
same guest pc and stay virtual; only the table, which grows by one item per
guest iteration, becomes a real list at the loop head (the driver
generalises one virtual at a time, timeshifter/driver.py).
"""

from hintannotator import hint

PUSH, LOAD, STORE, ADD, MUL, LT, JF, JMP, TSET, TGET, TLEN, RET = range(12)


def run(code: list[int], n: int) -> int:
    code = hint(code, deepfreeze=True)
    stack = [0] * 0
    slots = [0] * 8
    table = [0] * 0
    slots[0] = n
    pc = 0
    while True:
        hint(None, global_merge_point=True)
        hint(pc, concrete=True)
        op = code[pc]
        arg = code[pc + 1]
        pc += 2
        if op == PUSH:
            stack.append(arg)
        elif op == LOAD:
            stack.append(slots[arg])
        elif op == STORE:
            slots[arg] = stack.pop()
        elif op == ADD:
            b = stack.pop()
            a = stack.pop()
            stack.append(a + b)
        elif op == MUL:
            b = stack.pop()
            a = stack.pop()
            stack.append(a * b)
        elif op == LT:
            b = stack.pop()
            a = stack.pop()
            stack.append(int(a < b))
        elif op == JF:
            if stack.pop() == 0:
                pc = arg
        elif op == JMP:
            pc = arg
        elif op == TSET:                  # t[k] = v; k == #t + 1 appends
            v = stack.pop()
            k = stack.pop()
            if k == len(table) + 1:
                table.append(v)
            else:
                table[k - 1] = v
        elif op == TGET:
            k = stack.pop()
            stack.append(table[k - 1])
        elif op == TLEN:
            stack.append(len(table))
        else:
            return stack.pop()


def _assemble() -> list:
    """i = 1; while i < n + 1: t[i] = i * i; i += 1
    s = 0; i = 1; while i < #t + 1: s += t[i]; i += 1; return s"""
    prog: list = []
    prog += [PUSH, 1, STORE, 1]
    loop1 = len(prog)
    prog += [LOAD, 1, LOAD, 0, PUSH, 1, ADD, 0, LT, 0, JF, -1]
    exit1 = len(prog) - 1
    prog += [LOAD, 1, LOAD, 1, LOAD, 1, MUL, 0, TSET, 0]
    prog += [LOAD, 1, PUSH, 1, ADD, 0, STORE, 1, JMP, loop1]
    prog[exit1] = len(prog)
    prog += [PUSH, 0, STORE, 2, PUSH, 1, STORE, 1]
    loop2 = len(prog)
    prog += [LOAD, 1, TLEN, 0, PUSH, 1, ADD, 0, LT, 0, JF, -1]
    exit2 = len(prog) - 1
    prog += [LOAD, 2, LOAD, 1, TGET, 0, ADD, 0, STORE, 2]
    prog += [LOAD, 1, PUSH, 1, ADD, 0, STORE, 1, JMP, loop2]
    prog[exit2] = len(prog)
    prog += [LOAD, 2, RET, 0]
    return prog


SQUARES = _assemble()          # the sum of the squares 1..n, through the table


OUT, DEC, JNZ, HALT = 12, 13, 14, 15


def emit_vm(code: list[int], n: int) -> int:
    """A stack VM whose guest writes to an output list that grows with the
    run (OUT appends the top of the stack); the result folds the output."""
    code = hint(code, deepfreeze=True)
    stack = [0] * 0
    out = [0] * 0
    stack.append(n)
    pc = 0
    while True:
        hint(None, global_merge_point=True)
        hint(pc, concrete=True)
        op = code[pc]
        arg = code[pc + 1]
        pc += 2
        if op == PUSH:
            stack.append(arg)
        elif op == ADD:
            b = stack.pop()
            a = stack.pop()
            stack.append(a + b)
        elif op == MUL:
            b = stack.pop()
            a = stack.pop()
            stack.append(a * b)
        elif op == OUT:
            top = stack.pop()
            out.append(top)
            stack.append(top)
        elif op == DEC:
            stack.append(stack.pop() - 1)
        elif op == JNZ:
            top = stack.pop()
            stack.append(top)
            if top != 0:
                pc = arg
        else:
            total = 0
            for x in out:
                total = total * 31 + x
            return total + len(out)


# count down from n, writing n, n-1, ..., 1 and then 0 times 3 to the output
COUNTDOWN = [OUT, 0, DEC, 0, JNZ, 0, PUSH, 3, MUL, 0, OUT, 0, HALT, 0]

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


CALL, RETURN, SUB = 16, 17, 18


class Frame:
    """A guest call's frame: where to return to, and its own 4 local slots."""

    def __init__(self, return_pc: int):
        self.return_pc = return_pc
        self.slots = [0] * 4

    return_pc: int
    slots: list[int]


def frames_vm(code: list[int], n: int) -> int:
    """A stack VM with guest calls: CALL pushes a Frame (locals of its own),
    RETURN pops it; LOAD/STORE use the top frame's slots.  For a guest whose
    call depth at a pc is the same at every visit, the frames, their slots
    and the value stack all stay virtual."""
    code = hint(code, deepfreeze=True)
    stack = [0] * 0
    frames = [Frame(-1)]
    frames[0].slots[0] = n
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
            stack.append(frames[len(frames) - 1].slots[arg])
        elif op == STORE:
            frames[len(frames) - 1].slots[arg] = stack.pop()
        elif op == ADD:
            b = stack.pop()
            a = stack.pop()
            stack.append(a + b)
        elif op == SUB:
            b = stack.pop()
            a = stack.pop()
            stack.append(a - b)
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
        elif op == CALL:                  # the callee finds its argument on the stack
            frames.append(Frame(pc))
            pc = arg
        elif op == RETURN:               # a virtual frame's return pc: known, no guard
            pc = hint(frames.pop().return_pc, promote=True)
        else:
            return stack.pop()


def _assemble_calls() -> list:
    """s = 0; i = 0; while i < n: s += cube(i); i += 1; return s, where
    cube(x) keeps x in its own frame's slot 0 and returns x * x * x."""
    prog: list = [JMP, -1]
    cube = len(prog)
    prog += [STORE, 0, LOAD, 0, LOAD, 0, MUL, 0, LOAD, 0, MUL, 0, RETURN, 0]
    prog[1] = len(prog)
    prog += [PUSH, 0, STORE, 1, PUSH, 0, STORE, 2]
    loop = len(prog)
    prog += [LOAD, 2, LOAD, 0, LT, 0, JF, -1]
    exit_ = len(prog) - 1
    prog += [LOAD, 2, CALL, cube, LOAD, 1, ADD, 0, STORE, 1]
    prog += [LOAD, 2, PUSH, 1, ADD, 0, STORE, 2, JMP, loop]
    prog[exit_] = len(prog)
    prog += [LOAD, 1, RET, 0]
    return prog


CUBES = _assemble_calls()          # the sum of the cubes 0..n-1, through a guest call


def _assemble_factorial() -> list:
    """fact(n), recursively: fact(x) = 1 if x < 2 else x * fact(x - 1)."""
    prog: list = [LOAD, 0, CALL, 6, RET, 0]
    fact = len(prog)
    prog += [STORE, 0, LOAD, 0, PUSH, 2, LT, 0, JF, -1, PUSH, 1, RETURN, 0]
    prog[fact + 9] = len(prog)
    prog += [LOAD, 0, LOAD, 0, PUSH, 1, SUB, 0, CALL, fact, MUL, 0, RETURN, 0]
    return prog


FACTORIAL = _assemble_factorial()   # recursion: the call depth at a pc grows with n


def _assemble_fib() -> list:
    """fib(n), doubly recursive: fib(x) = x if x < 2 else fib(x - 1) + fib(x - 2)."""
    prog: list = [LOAD, 0, CALL, 6, RET, 0]
    fib = len(prog)
    prog += [STORE, 0, LOAD, 0, PUSH, 2, LT, 0, JF, -1, LOAD, 0, RETURN, 0]
    prog[fib + 9] = len(prog)
    prog += [LOAD, 0, PUSH, 1, SUB, 0, CALL, fib, LOAD, 0, PUSH, 2, SUB, 0, CALL, fib,
             ADD, 0, RETURN, 0]
    return prog


FIB = _assemble_fib()               # guest recursion twice per call (issue 16's fib(25))


def calls_vm(code: list[int], pc: int, arg: int) -> int:
    """frames_vm's language with each guest call a call of the interpreter
    itself (as PyPy's portals were): the callee's frame is this call's
    locals, its return address is the Python stack's.  The program and the
    pc are green, so a guest CALL to a known target is a native call of the
    residual function compiled for that target, and RETURN promotes
    nothing.  The callee finds its argument on its stack, as in frames_vm.
    The global merge point is at the entry (a portal): the dispatch loop's
    head merges the guest's loops."""
    hint(None, global_merge_point=True)
    code = hint(code, deepfreeze=True)
    stack = [arg]
    slots = [0] * 4
    slots[0] = arg
    while True:
        hint(pc, concrete=True)
        op = code[pc]
        operand = code[pc + 1]
        pc += 2
        if op == PUSH:
            stack.append(operand)
        elif op == LOAD:
            stack.append(slots[operand])
        elif op == STORE:
            slots[operand] = stack.pop()
        elif op == ADD or op == SUB or op == MUL or op == LT:
            b = stack.pop()
            a = stack.pop()
            stack.append(_arith(op, a, b))
        elif op == JF:
            if stack.pop() == 0:
                pc = operand
        elif op == JMP:
            pc = operand
        elif op == CALL:
            stack.append(calls_vm(code, operand, stack.pop()))
        else:                           # RETURN, and RET at the end of the program
            return stack.pop()


def _arith(op: int, a: int, b: int) -> int:
    """calls_vm's binary operations (op is green: one branch is left)."""
    if op == ADD:
        return a + b
    if op == SUB:
        return a - b
    if op == MUL:
        return a * b
    return int(a < b)

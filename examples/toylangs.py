"""The toy languages of the 2007 PyPy JIT generator, written again for this
toolkit (issue 12): TL, a stack language of integers with calls; TLC, the
same with boxed values (integers, nil and cons cells: a class hierarchy whose
methods the subclasses override); TLR, a register machine.

Each interpreter is plain Python: the program (`code`, and for TL and TLC the
start `pc`) is green, so `make_compiler(tl, green=["code", "pc"])` turns a
guest program into native code.  TLC promotes the class of its boxed values
before it calls their methods (`hint(w.__class__, promote=True)`).

Bytecode is a str of one-character instructions and operands; an operand is
a signed byte (`chr(v & 0xff)`, read back by `signed(ord(c))`).  `assemble(text)`
turns assembly into bytecode: one instruction per line, `name:` labels,
comments after `#`, `//` or `;`; a label operand is the offset from the byte
after the operand (a branch's or a call's target; pushed for BR_COND_STK,
whose own byte then makes it land one byte after the label).
"""

from __future__ import annotations

from hintannotator import hint

OPCODES = ["NOP", "PUSH", "POP", "SWAP", "ROLL", "PICK", "PUT", "ADD", "SUB", "MUL", "DIV",
           "EQ", "NE", "LT", "LE", "GT", "GE", "BR_COND", "BR_COND_STK", "CALL", "RETURN",
           "PUSHARG", "NIL", "CONS", "CAR", "CDR", "INVALID"]
(NOP, PUSH, POP, SWAP, ROLL, PICK, PUT, ADD, SUB, MUL, DIV, EQ, NE, LT, LE, GT, GE, BR_COND,
 BR_COND_STK, CALL, RETURN, PUSHARG, NIL, CONS, CAR, CDR, INVALID) = range(len(OPCODES))
WITH_OPERAND = {PUSH, ROLL, PICK, PUT, BR_COND, CALL}


def assemble(text: str) -> str:
    """Bytecode for assembly `text` (see the module docstring)."""
    lines = []
    for raw in text.splitlines():
        for mark in ("#", "//", ";"):
            raw = raw.split(mark, 1)[0]
        lines.append(raw.strip())
    labels, size = {}, 0
    for line in lines:                       # first pass: where the labels are
        while ":" in line:
            name, line = line.split(":", 1)
            labels[name.strip()] = size
            line = line.strip()
        if line:
            size += 2 if OPCODES.index(line.split()[0]) in WITH_OPERAND else 1
    code = []
    for line in lines:
        line = line.rsplit(":", 1)[-1].strip()
        if not line:
            continue
        words = line.split()
        op = OPCODES.index(words[0])
        code.append(op)
        if op in WITH_OPERAND:
            arg = words[1]
            code.append(labels[arg] - (len(code) + 1) if arg in labels else int(arg))
    return bytecode(code)


def bytecode(values: list) -> str:
    return "".join(chr(v & 0xff) for v in values)


def signed(t: int) -> int:
    """The signed byte an operand holds (its `ord`)."""
    if t & 128:
        t = -(-t & 0xff)
    return t


# -- TL: integers --------------------------------------------------------------------

def tl(code: str, pc: int = 0, inputarg: int = 0) -> int:
    stack: list[int] = []
    while pc < len(code):
        hint(None, global_merge_point=True)
        opcode = hint(ord(code[pc]), concrete=True)
        pc += 1
        if opcode == NOP:
            pass
        elif opcode == PUSH:
            stack.append(signed(ord(code[pc])))
            pc += 1
        elif opcode == POP:
            stack.pop()
        elif opcode == SWAP:
            a = stack.pop()
            b = stack.pop()
            stack.append(a)
            stack.append(b)
        elif opcode == ROLL:              # the top to r deep (r < 0), or r deep to the top
            r = signed(ord(code[pc]))
            pc += 1
            if r < -1:
                i = len(stack) + r
                if i < 0:
                    raise IndexError("roll below the stack")
                stack.insert(i, stack.pop())
            elif r > 1:
                i = len(stack) - r
                if i < 0:
                    raise IndexError("roll below the stack")
                x = stack[i]
                del stack[i]
                stack.append(x)
        elif opcode == PICK:
            stack.append(stack[-1 - signed(ord(code[pc]))])
            pc += 1
        elif opcode == PUT:
            x = stack.pop()
            stack[-1 - signed(ord(code[pc]))] = x
            pc += 1
        elif ADD <= opcode <= GE:
            a = stack.pop()
            b = stack.pop()
            stack.append(tl_binary(opcode, b, a))
        elif opcode == BR_COND:
            if stack.pop():
                pc += signed(ord(code[pc]))
                hint(None, can_enter_jit=True)
            pc += 1
        elif opcode == BR_COND_STK:
            offset = stack.pop()
            if stack.pop():
                pc += hint(offset, promote=True)
        elif opcode == CALL:
            offset = signed(ord(code[pc]))
            pc += 1
            stack.append(tl(code, pc + offset, 0))
        elif opcode == RETURN:
            break
        elif opcode == PUSHARG:
            stack.append(inputarg)
        else:
            raise RuntimeError("unknown opcode")
    return stack.pop()


def tl_binary(opcode: int, b: int, a: int) -> int:
    if opcode == ADD:
        return b + a
    if opcode == SUB:
        return b - a
    if opcode == MUL:
        return b * a
    if opcode == DIV:
        return b // a
    if opcode == EQ:
        return int(b == a)
    if opcode == NE:
        return int(b != a)
    if opcode == LT:
        return int(b < a)
    if opcode == LE:
        return int(b <= a)
    if opcode == GT:
        return int(b > a)
    return int(b >= a)


# -- TLC: boxed values -----------------------------------------------------------------

class Obj:
    def t(self) -> bool:
        raise TypeError("no truth value")

    def int_o(self) -> int:
        raise TypeError("not an integer")

    def add(self, other: Obj) -> Obj:
        raise TypeError("bad operand for ADD")

    def sub(self, other: Obj) -> Obj:
        raise TypeError("bad operand for SUB")

    def mul(self, other: Obj) -> Obj:
        raise TypeError("bad operand for MUL")

    def div(self, other: Obj) -> Obj:
        raise TypeError("bad operand for DIV")

    def eq(self, other: Obj) -> bool:
        raise TypeError("bad operand for EQ")

    def lt(self, other: Obj) -> bool:
        raise TypeError("bad operand for LT")

    def car(self) -> Obj:
        raise TypeError("CAR of a non-cons")

    def cdr(self) -> Obj:
        raise TypeError("CDR of a non-cons")

    def concat(self, other: Obj) -> Obj:
        raise TypeError("not a list")

    def nth(self, n: int) -> Obj:
        raise TypeError("not a list")


class IntObj(Obj):
    value: int

    def __init__(self, value: int):
        self.value = value

    def t(self) -> bool:
        return self.value != 0

    def int_o(self) -> int:
        return self.value

    def add(self, other: Obj) -> Obj:
        return IntObj(self.value + other.int_o())

    def sub(self, other: Obj) -> Obj:
        return IntObj(self.value - other.int_o())

    def mul(self, other: Obj) -> Obj:
        return IntObj(self.value * other.int_o())

    def div(self, other: Obj) -> Obj:
        return IntObj(self.value // other.int_o())

    def eq(self, other: Obj) -> bool:
        return isinstance(other, IntObj) and self.value == other.value

    def lt(self, other: Obj) -> bool:
        return self.value < other.int_o()


class LispObj(Obj):
    def div(self, other: Obj) -> Obj:      # a list's n-th item
        n = other.int_o()
        if n < 0:
            raise IndexError("negative index")
        return self.nth(n)

    def add(self, other: Obj) -> Obj:      # two lists concatenated
        if not isinstance(other, LispObj):
            raise TypeError("a list plus a non-list")
        return self.concat(other)


class NilObj(LispObj):
    def t(self) -> bool:
        return False

    def eq(self, other: Obj) -> bool:
        return self is other

    def concat(self, other: Obj) -> Obj:
        return other

    def nth(self, n: int) -> Obj:
        raise IndexError("index out of range")


class ConsObj(LispObj):
    head: Obj
    tail: Obj

    def __init__(self, head: Obj, tail: Obj):
        self.head = head
        self.tail = tail

    def t(self) -> bool:
        return True

    def eq(self, other: Obj) -> bool:
        return (isinstance(other, ConsObj) and self.head.eq(other.head)
                and self.tail.eq(other.tail))

    def car(self) -> Obj:
        return self.head

    def cdr(self) -> Obj:
        return self.tail

    def concat(self, other: Obj) -> Obj:
        return ConsObj(self.head, self.tail.concat(other))

    def nth(self, n: int) -> Obj:
        if n == 0:
            return self.head
        return self.tail.nth(n - 1)


nil = NilObj()
zero = IntObj(0)


def tlc(code: str, pc: int = 0, inputarg: int = 0) -> int:
    return tlc_eval(code, pc, IntObj(inputarg)).int_o()


def tlc_eval(code: str, pc: int, inputarg: Obj) -> Obj:
    stack: list[Obj] = []
    while pc < len(code):
        hint(None, global_merge_point=True)
        opcode = hint(ord(code[pc]), concrete=True)
        pc += 1
        if opcode == NOP:
            pass
        elif opcode == NIL:
            stack.append(nil)
        elif opcode == CONS:
            car = stack.pop()
            cdr = stack.pop()
            stack.append(ConsObj(car, cdr))
        elif opcode == CAR:
            w = stack.pop()
            hint(w.__class__, promote=True)
            stack.append(w.car())
        elif opcode == CDR:
            w = stack.pop()
            hint(w.__class__, promote=True)
            stack.append(w.cdr())
        elif opcode == PUSH:
            stack.append(IntObj(signed(ord(code[pc]))))
            pc += 1
        elif opcode == POP:
            stack.pop()
        elif opcode == SWAP:
            a = stack.pop()
            b = stack.pop()
            stack.append(a)
            stack.append(b)
        elif opcode == ROLL:
            r = signed(ord(code[pc]))
            pc += 1
            if r < -1:
                i = len(stack) + r
                if i < 0:
                    raise IndexError("roll below the stack")
                stack.insert(i, stack.pop())
            elif r > 1:
                i = len(stack) - r
                if i < 0:
                    raise IndexError("roll below the stack")
                x = stack[i]
                del stack[i]
                stack.append(x)
        elif opcode == PICK:
            stack.append(stack[-1 - signed(ord(code[pc]))])
            pc += 1
        elif opcode == PUT:
            x = stack.pop()
            stack[-1 - signed(ord(code[pc]))] = x
            pc += 1
        elif ADD <= opcode <= GE:
            a = stack.pop()
            b = stack.pop()
            hint(a.__class__, promote=True)
            hint(b.__class__, promote=True)
            stack.append(tlc_binary(opcode, b, a))
        elif opcode == BR_COND:
            cond = stack.pop()
            hint(cond.__class__, promote=True)
            if cond.t():
                pc += signed(ord(code[pc]))
                hint(None, can_enter_jit=True)
            pc += 1
        elif opcode == BR_COND_STK:
            offset = stack.pop().int_o()
            if stack.pop().t():
                pc += hint(offset, promote=True)
        elif opcode == CALL:
            offset = signed(ord(code[pc]))
            pc += 1
            stack.append(tlc_eval(code, pc + offset, zero))
        elif opcode == RETURN:
            break
        elif opcode == PUSHARG:
            stack.append(inputarg)
        else:
            raise RuntimeError("unknown opcode")
    return stack[-1]


def tlc_binary(opcode: int, b: Obj, a: Obj) -> Obj:
    if opcode == ADD:
        return b.add(a)
    if opcode == SUB:
        return b.sub(a)
    if opcode == MUL:
        return b.mul(a)
    if opcode == DIV:
        return b.div(a)
    if opcode == EQ:
        return IntObj(int(b.eq(a)))
    if opcode == NE:
        return IntObj(int(not b.eq(a)))
    if opcode == LT:
        return IntObj(int(b.lt(a)))
    if opcode == LE:
        return IntObj(int(not a.lt(b)))
    if opcode == GT:
        return IntObj(int(a.lt(b)))
    return IntObj(int(not b.lt(a)))


# -- TLR: a register machine -------------------------------------------------------------

MOV_A_R, MOV_R_A, JUMP_IF_A, SET_A, ADD_R_TO_A, RETURN_A, ALLOCATE, NEG_A = range(1, 9)


def tlr(code: str, a: int) -> int:
    regs = [0] * 0
    pc = 0
    while True:
        hint(None, global_merge_point=True)
        opcode = hint(ord(code[pc]), concrete=True)
        pc += 1
        if opcode == MOV_A_R:
            regs[ord(code[pc])] = a
            pc += 1
        elif opcode == MOV_R_A:
            a = regs[ord(code[pc])]
            pc += 1
        elif opcode == JUMP_IF_A:
            target = ord(code[pc])
            pc += 1
            if a:
                pc = target
        elif opcode == SET_A:
            a = ord(code[pc])
            pc += 1
        elif opcode == ADD_R_TO_A:
            a += regs[ord(code[pc])]
            pc += 1
        elif opcode == RETURN_A:
            return a
        elif opcode == ALLOCATE:
            regs = [0] * ord(code[pc])
            pc += 1
        elif opcode == NEG_A:
            a = -a


# a * a for a >= 1: registers 0 = counter, 1 = a, 2 = the sum
TLR_SQUARE = bytecode([ALLOCATE, 3, MOV_A_R, 0, MOV_A_R, 1, SET_A, 0, MOV_A_R, 2,
                       SET_A, 1, NEG_A, ADD_R_TO_A, 0, MOV_A_R, 0,       # 10: counter -= 1
                       MOV_R_A, 2, ADD_R_TO_A, 1, MOV_A_R, 2,            # sum += a
                       MOV_R_A, 0, JUMP_IF_A, 10, MOV_R_A, 2, RETURN_A])

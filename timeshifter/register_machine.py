"""The register-machine interpreter bundled with the toolkit (`timeshift demo`).

`examples.interpreters` re-exports it: one definition serves the demo, the
examples and the tests.  The hints: a global merge point at the top of the
dispatch loop, the opcode demanded green, which makes `pc` green too, and
`can_enter_jit` at the jump (for `make_jit`; `make_compiler` ignores it).
"""

from hintannotator import hint

MOV_A_R, MOV_R_A, JUMP_IF_A, SET_A, ADD_R_TO_A, RETURN_A, ALLOCATE, NEG_A = range(1, 9)


def interpret(bytecode: str, a: int) -> int:
    """An accumulator `a` and registers `regs`; each opcode is one character,
    most take one argument character."""
    regs = [0] * 0
    pc = 0
    while True:
        hint(None, global_merge_point=True)
        opcode = hint(ord(bytecode[pc]), concrete=True)
        pc += 1
        if opcode == MOV_A_R:
            n = ord(bytecode[pc])
            pc += 1
            regs[n] = a
        elif opcode == MOV_R_A:
            n = ord(bytecode[pc])
            pc += 1
            a = regs[n]
        elif opcode == JUMP_IF_A:
            target = ord(bytecode[pc])
            pc += 1
            if a:
                pc = target
                hint(None, can_enter_jit=True)      # a backward jump: the JIT counts here
        elif opcode == SET_A:
            a = ord(bytecode[pc])
            pc += 1
        elif opcode == ADD_R_TO_A:
            n = ord(bytecode[pc])
            pc += 1
            a += regs[n]
        elif opcode == RETURN_A:
            return a
        elif opcode == ALLOCATE:
            n = ord(bytecode[pc])
            pc += 1
            regs = [0] * n
        elif opcode == NEG_A:
            a = -a
        else:
            raise ValueError("bad opcode")


def _program(*codes: int) -> str:
    return "".join([chr(c) for c in codes])


# a * a for a >= 1: adds a to a result register a times
SQUARE = _program(
    ALLOCATE, 3,
    MOV_A_R, 0,        # counter = a
    MOV_A_R, 1,        # step = a
    SET_A, 0,
    MOV_A_R, 2,        # result = 0
    SET_A, 1,          # offset 10: the loop
    NEG_A,
    ADD_R_TO_A, 0,
    MOV_A_R, 0,        # counter -= 1
    MOV_R_A, 2,
    ADD_R_TO_A, 1,
    MOV_A_R, 2,        # result += step
    MOV_R_A, 0,
    JUMP_IF_A, 10,     # while counter
    MOV_R_A, 2,
    RETURN_A,
)

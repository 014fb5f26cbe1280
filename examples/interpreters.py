"""Small interpreters: the classic partial-evaluation workloads.

Each interprets a green program on red data.  The hints say where the
program is known: `hint(x, concrete=True)` on the opcode makes the program
counter and the program green, `hint(None, global_merge_point=True)` at the
top of the dispatch loop turns the interpreted program's loops into loops of
the residual code, and `hint(c, promote=True)` turns a run-time character
into a compile-time one.  Under CPython the hints do nothing.
"""

from hintannotator import hint, purefunction

from examples.example import Example


def ll_plus_minus(encoded_insn: int, nb_insn: int, x: int, y: int) -> int:
    """Instructions are the 4-bit nibbles of encoded_insn, lowest first:
    0xA adds y to the accumulator, 0x5 subtracts it, others do nothing."""
    acc = x
    pc = 0
    while pc < nb_insn:
        op = (encoded_insn >> (pc * 4)) & 0xF
        op = hint(op, concrete=True)
        if op == 0xA:
            acc += y
        elif op == 0x5:
            acc -= y
        pc += 1
    return acc


def plus_minus_str(s: str, x: int, y: int) -> int:
    """The same on a string program such as "+-+"."""
    acc = x
    pc = 0
    while pc < len(s):
        c = hint(s[pc], concrete=True)
        if c == "+":
            acc += y
        elif c == "-":
            acc -= y
        pc += 1
    return acc


# -- a register machine ------------------------------------------------------

# The register machine is the one bundled for `timeshift demo`.
from timeshifter.register_machine import (ADD_R_TO_A, ALLOCATE, JUMP_IF_A,  # noqa: E402
                                          MOV_A_R, MOV_R_A, NEG_A, RETURN_A, SET_A,
                                          SQUARE, _program, interpret)


# 3 * a - 1, straight-line
TRIPLE_MINUS_ONE = _program(
    ALLOCATE, 1,
    MOV_A_R, 0,
    ADD_R_TO_A, 0,
    ADD_R_TO_A, 0,
    MOV_A_R, 0,
    SET_A, 1,
    NEG_A,
    ADD_R_TO_A, 0,
    RETURN_A,
)


# -- a stack machine ----------------------------------------------------------

PUSH, LOAD, STORE, ADD, SUB, MUL, DUP, JUMP_IF_ZERO, JUMP, RETURN = range(1, 11)


def run_stack(code: str, a: int, b: int, c: int) -> int:
    """A stack machine with four variables (a, b, c, 0) and an operand stack
    grown with append and shrunk with pop."""
    stack = [0] * 0
    variables = [a, b, c, 0]
    pc = 0
    while True:
        hint(None, global_merge_point=True)
        op = hint(ord(code[pc]), concrete=True)
        pc += 1
        if op == PUSH:
            stack.append(ord(code[pc]))
            pc += 1
        elif op == LOAD:
            stack.append(variables[ord(code[pc])])
            pc += 1
        elif op == STORE:
            variables[ord(code[pc])] = stack.pop()
            pc += 1
        elif op == ADD or op == SUB or op == MUL:
            right = stack.pop()
            left = stack.pop()
            if op == ADD:
                stack.append(left + right)
            elif op == SUB:
                stack.append(left - right)
            else:
                stack.append(left * right)
        elif op == DUP:
            stack.append(stack[-1])
        elif op == JUMP_IF_ZERO:
            target = ord(code[pc])
            pc += 1
            if stack.pop() == 0:
                pc = target
        elif op == JUMP:
            pc = ord(code[pc])
        elif op == RETURN:
            return stack.pop()
        else:
            raise ValueError("bad opcode")


# a! for a >= 0, in variable 3
FACTORIAL = _program(
    PUSH, 1,
    STORE, 3,          # acc = 1
    LOAD, 0,           # offset 4: while a != 0
    JUMP_IF_ZERO, 24,
    LOAD, 3,
    LOAD, 0,
    MUL,
    STORE, 3,          # acc *= a
    LOAD, 0,
    PUSH, 1,
    SUB,
    STORE, 0,          # a -= 1
    JUMP, 4,
    LOAD, 3,           # offset 24
    RETURN,
)

# x = a; repeat b times: x = x * x + c
SQUARE_PLUS = _program(
    LOAD, 1,           # offset 0: while b != 0
    JUMP_IF_ZERO, 22,
    LOAD, 0,
    DUP,
    MUL,
    LOAD, 2,
    ADD,
    STORE, 0,          # a = a * a + c
    LOAD, 1,
    PUSH, 1,
    SUB,
    STORE, 1,          # b -= 1
    JUMP, 0,
    LOAD, 0,           # offset 22
    RETURN,
)


# -- Brainfuck ------------------------------------------------------------------

TAPE_SIZE = 32


@purefunction
def matching_bracket(program: str, pc: int, step: int, brackets: str) -> int:
    """The index of the bracket matching the one at pc, scanning in
    direction step (+1 from an opening one, -1 from a closing one);
    `brackets` is the pair, "[]" or "{}".  A pure function of the program:
    with the program green it runs at compile time."""
    depth = 0
    while True:
        c = program[pc]
        if c == brackets[0]:
            depth += step
        elif c == brackets[1]:
            depth -= step
        if depth == 0:
            return pc
        pc += step


def bf(program: str, inp: str) -> int:
    """A Brainfuck interpreter over a tape of TAPE_SIZE byte cells.  Input
    past the end reads as 0; the output is folded into a checksum."""
    tape = [0] * TAPE_SIZE
    ptr = 0
    pc = 0
    in_pos = 0
    checksum = 0
    while pc < len(program):
        hint(None, global_merge_point=True)
        op = hint(program[pc], concrete=True)
        if op == ">":
            ptr += 1
        elif op == "<":
            ptr -= 1
        elif op == "+":
            tape[ptr] = (tape[ptr] + 1) & 255
        elif op == "-":
            tape[ptr] = (tape[ptr] - 1) & 255
        elif op == ".":
            checksum = (checksum * 257 + tape[ptr] + 1) % 1000000007
        elif op == ",":
            tape[ptr] = ord(inp[in_pos]) if in_pos < len(inp) else 0
            in_pos += 1
        elif op == "[":
            if tape[ptr] == 0:
                pc = matching_bracket(program, pc, 1, "[]")
        elif op == "]":
            if tape[ptr] != 0:
                pc = matching_bracket(program, pc, -1, "[]")
                hint(None, can_enter_jit=True)      # a backward jump (make_jit)
        pc += 1
    return checksum


BF_ADD = ",>,[-<+>]<."                            # in0 + in1
BF_MUL = ",>,<[->[->+>+<<]>>[-<<+>>]<<<]>>."      # in0 * in1
BF_REVERSE = ">,[>,]<[.<]"                         # the input backwards
BF_COUNTDOWN = "++++++[>++++<-]>[.-]"              # 24, 23, ..., 1


# -- an accumulator language (the JIT's test language) -----------------------------

def accumulator(code: str, n: int) -> int:
    """Two registers a and b (0 at the start) and one instruction per
    character: I and D add 1 to a and subtract 1 from it, S swaps a and b,
    W copies a to b, R reads the input n into a, * and % set a to a * b and
    a % b, ? sets a to 1 if it is not 0, { skips past its } when a is 0 and
    } jumps back past its { when a is not 0.  The result is a.  ACC_FACTORIAL
    computes n!, ACC_PRIME whether n (>= 3) is prime."""
    a = 0
    b = 0
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        op = hint(code[pc], concrete=True)
        pc += 1
        if op == "I":
            a += 1
        elif op == "D":
            a -= 1
        elif op == "S":
            t = a
            a = b
            b = t
        elif op == "W":
            b = a
        elif op == "R":
            a = n
        elif op == "*":
            a = a * b
        elif op == "%":
            a = a % b
        elif op == "?":
            if a != 0:
                a = 1
        elif op == "{":
            if a == 0:
                pc = matching_bracket(code, pc - 1, 1, "{}") + 1
        elif op == "}":
            if a != 0:
                pc = matching_bracket(code, pc - 1, -1, "{}") + 1
                hint(None, can_enter_jit=True)      # a backward jump (make_jit)
        else:
            raise ValueError("bad instruction")
    return a


ACC_FACTORIAL = "RSIS{S*SD}S"
ACC_PRIME = "ISRDD{ISR%?SDD*}S"


# -- a DFA recogniser ------------------------------------------------------------

def dfa_match(table: str, accepting: str, s: str) -> bool:
    """Runs a DFA over s.  table[2 * q + k] is the digit of the next state
    from state q on the k-th letter of "ab"; accepting[q] == "1" marks the
    accepting states.  Any other letter rejects."""
    state = 0
    i = 0
    while i < len(s):
        hint(None, global_merge_point=True)
        state = hint(state, concrete=True)
        c = hint(s[i], promote=True)
        if c == "a":
            k = 0
        elif c == "b":
            k = 1
        else:
            return False
        state = ord(table[2 * state + k]) - 48      # the digit's value
        i += 1
        hint(None, can_enter_jit=True)              # the loop goes on (make_jit)
    return accepting[state] == "1"


EVEN_AS = ("1001", "10")              # an even number of a's
CONTAINS_AB = ("101222", "001")       # contains "ab"


def _bf_inputs(st):
    text = st.text(st.characters(min_codepoint=1, max_codepoint=12), max_size=8)
    return st.one_of(
        st.tuples(st.sampled_from([BF_ADD, BF_MUL, BF_REVERSE]), text),
        st.tuples(st.just(BF_COUNTDOWN), st.just("")),
    )


def _dfa_inputs(st):
    machine = st.sampled_from([EVEN_AS, CONTAINS_AB])
    return st.builds(lambda m, s: (m[0], m[1], s), machine, st.text("abc", max_size=12))


EXAMPLES = [
    Example(ll_plus_minus, lambda st: (st.integers(0, 2**63 - 1), st.integers(0, 16),
                                       st.integers(-1000, 1000), st.integers(-1000, 1000)),
            green=("encoded_insn", "nb_insn"), tags=frozenset({"interpreter"}),
            bench=(0x5A5AA5A5A5AA5A5, 15, 17, 4)),
    Example(plus_minus_str, lambda st: (st.text("+-x", max_size=20),
                                        st.integers(-1000, 1000), st.integers(-1000, 1000)),
            green=("s",), tags=frozenset({"interpreter"}),
            bench=("+-++-+--+++-+-+-+--+" * 5, 17, 4)),
    Example(interpret, lambda st: st.one_of(
                st.tuples(st.just(SQUARE), st.integers(1, 200)),
                st.tuples(st.just(TRIPLE_MINUS_ONE), st.integers(-10**9, 10**9))),
            green=("bytecode",), tags=frozenset({"interpreter"}),
            bench=(SQUARE, 1764)),
    Example(run_stack, lambda st: st.one_of(
                st.tuples(st.just(FACTORIAL), st.integers(0, 20), st.integers(-9, 9),
                          st.integers(-9, 9)),
                st.tuples(st.just(SQUARE_PLUS), st.integers(-5, 5), st.integers(0, 4),
                          st.integers(-5, 5))),
            green=("code",), tags=frozenset({"interpreter"}),
            bench=(FACTORIAL, 20, 0, 0)),
    Example(bf, _bf_inputs, green=("program",), tags=frozenset({"interpreter"}),
            bench=(BF_MUL, "\x0b\x0c")),
    Example(dfa_match, _dfa_inputs, green=("table", "accepting"),
            tags=frozenset({"interpreter"}),
            bench=(CONTAINS_AB[0], CONTAINS_AB[1], "ba" * 40 + "ab")),
]

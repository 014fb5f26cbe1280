"""The programs of the user guide (docs/guide.md), each hint before and after.

The builder reads a function's source, so the guide's examples live in this
module; the guide imports them and tests/test_guide.py checks that every
example prints what the guide shows.
"""

from hintannotator import hint


def calc(code: str, x: int) -> int:
    """A stack calculator on one register: `d` duplicates, `*` multiplies,
    `+` adds, `1` pushes one.  Its program counter is a plain local."""
    stack = [x]
    pc = 0
    while pc < len(code):
        c = code[pc]
        if c == "d":
            stack.append(stack[-1])
        elif c == "*":
            stack.append(stack.pop() * stack.pop())
        elif c == "+":
            stack.append(stack.pop() + stack.pop())
        elif c == "1":
            stack.append(1)
        pc += 1
    return stack.pop()


def calc_concrete(code: str, x: int) -> int:
    """`calc` with the one hint it needs: the program counter is green."""
    stack = [x]
    pc = 0
    while pc < len(code):
        hint(pc, concrete=True)
        c = code[pc]
        if c == "d":
            stack.append(stack[-1])
        elif c == "*":
            stack.append(stack.pop() * stack.pop())
        elif c == "+":
            stack.append(stack.pop() + stack.pop())
        elif c == "1":
            stack.append(1)
        pc += 1
    return stack.pop()


def scale(k: int, xs: list[int]) -> int:
    """A loop over red data with a factor known only at run time."""
    total = 0
    for x in xs:
        total += x * k + k // 3
    return total


def scale_promoted(k: int, xs: list[int]) -> int:
    """`scale` with the factor promoted: code compiled per value of k."""
    k = hint(k, promote=True)
    total = 0
    for x in xs:
        total += x * k + k // 3
    return total


def calc_list(code: list[int], x: int) -> int:
    """`calc_concrete` with the program as a list of opcodes (0 duplicates, 1
    multiplies, 2 adds, 3 pushes one).  A list may change while the code
    runs, so what is read from it is red, even at a green index."""
    stack = [x]
    pc = 0
    while pc < len(code):
        hint(pc, concrete=True)
        c = code[pc]
        if c == 0:
            stack.append(stack[-1])
        elif c == 1:
            stack.append(stack.pop() * stack.pop())
        elif c == 2:
            stack.append(stack.pop() + stack.pop())
        elif c == 3:
            stack.append(1)
        pc += 1
    return stack.pop()


def calc_list_frozen(code: list[int], x: int) -> int:
    """`calc_list` whose program never changes: reads from it fold."""
    code = hint(code, deepfreeze=True)
    stack = [x]
    pc = 0
    while pc < len(code):
        hint(pc, concrete=True)
        c = code[pc]
        if c == 0:
            stack.append(stack[-1])
        elif c == 1:
            stack.append(stack.pop() * stack.pop())
        elif c == 2:
            stack.append(stack.pop() + stack.pop())
        elif c == 3:
            stack.append(1)
        pc += 1
    return stack.pop()


def power(n: int, x: int) -> int:
    """x ** n by repeated multiplication; n green unrolls the loop."""
    result = 1
    while n > 0:
        result *= x
        n -= 1
    return result


def power_variable(n: int, x: int) -> int:
    """`power` whose count stays a run-time value: the loop stays a loop."""
    n = hint(n, variable=True)
    result = 1
    while n > 0:
        result *= x
        n -= 1
    return result


def repeat_add(n: int, x: int) -> int:
    """x * n by repeated addition, then times the count: the concrete hint
    on the count reaches back into the loop and makes its counter green."""
    i = 0
    total = 0
    while i < n:
        total += x
        i += 1
    k = hint(i, concrete=True)
    return total * k


def repeat_add_forget(n: int, x: int) -> int:
    """`repeat_add` whose concrete hint stops at the count (`forget`)."""
    i = 0
    total = 0
    while i < n:
        total += x
        i += 1
    k = hint(hint(i, forget=True), concrete=True)
    return total * k


def dfa_no_merge_point(table: str, accepting: str, s: str) -> bool:
    """`examples.interpreters.dfa_match` without its global merge point:
    each promotion case compiles the rest of the loop for itself."""
    state = 0
    i = 0
    while i < len(s):
        state = hint(state, concrete=True)
        c = hint(s[i], promote=True)
        if c == "a":
            k = 0
        elif c == "b":
            k = 1
        else:
            return False
        state = ord(table[2 * state + k]) - 48
        i += 1
    return accepting[state] == "1"


class CalcState:
    """The calculator's state in one object: its program counter and stack."""
    pc: int
    stack: list[int]

    def __init__(self, pc: int, stack: list[int]):
        self.pc = pc
        self.stack = stack


def calc_state(code: str, x: int) -> int:
    """`calc_concrete` with its state in an object made here: a field that only
    green values are stored to reads back green."""
    st = CalcState(hint(0, concrete=True), [x])
    while st.pc < len(code):
        c = code[st.pc]
        if c == "d":
            st.stack.append(st.stack[-1])
        elif c == "*":
            st.stack.append(st.stack.pop() * st.stack.pop())
        elif c == "+":
            st.stack.append(st.stack.pop() + st.stack.pop())
        elif c == "1":
            st.stack.append(1)
        st.pc += 1
    return st.stack.pop()

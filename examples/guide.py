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

"""A dynamically typed stack VM with boxed values (issue 12, item 1).

Every guest value is an instance of a subclass of `W_Object`: `W_Int` (an
integer) or `W_List` (a list of integers).  The operations are methods the
subclasses override (`add`, `sub`, `is_true`, `getitem`, `length`); the base
class's versions raise TypeError, as a dynamically typed language does for a
wrong operand.  Before calling a method on a value the interpreter promotes
its class (`hint(w.__class__, promote=True)`): the call is then direct and
inlined; on a box made in the compiled code (a virtual instance) the class
is known anyway, and the boxes of a guest loop stay virtual: its residual
loop works on plain integers.

Opcodes, one character each (operands are one character too):

    0-9   push W_Int(digit)          A     push W_Int(n), the argument
    X     push W_List(xs)            +  -  pop b, a; push a.add(b) / a.sub(b)
    S k   pop into local k           L k   push local k
    G     pop i, w; push w.getitem(i)
    N     pop w; push W_Int(w.length())
    J t   pop w; if w.is_true(): jump to t (t = chr(ord('a') + position))
    R     return the top's integer value
"""

from hintannotator import hint


class W_Object:
    def add(self, other: "W_Object") -> "W_Object":
        raise TypeError("unsupported operand for +")

    def sub(self, other: "W_Object") -> "W_Object":
        raise TypeError("unsupported operand for -")

    def is_true(self) -> bool:
        raise TypeError("no truth value")

    def getitem(self, index: "W_Object") -> "W_Object":
        raise TypeError("not indexable")

    def length(self) -> int:
        raise TypeError("no length")

    def intvalue(self) -> int:
        raise TypeError("not an integer")


class W_Int(W_Object):
    value: int

    def __init__(self, value: int):
        self.value = value

    def add(self, other: W_Object) -> W_Object:
        if isinstance(other, W_Int):
            return W_Int(self.value + other.value)
        raise TypeError("unsupported operand for +")

    def sub(self, other: W_Object) -> W_Object:
        if isinstance(other, W_Int):
            return W_Int(self.value - other.value)
        raise TypeError("unsupported operand for -")

    def is_true(self) -> bool:
        return self.value != 0

    def intvalue(self) -> int:
        return self.value


class W_List(W_Object):
    items: list[int]

    def __init__(self, items: list[int]):
        self.items = items

    def getitem(self, index: W_Object) -> W_Object:
        return W_Int(self.items[index.intvalue()])

    def is_true(self) -> bool:
        return len(self.items) > 0

    def length(self) -> int:
        return len(self.items)


def run(code: str, n: int, xs: list[int]) -> int:
    stack: list[W_Object] = []
    locals_: list[W_Object] = [W_Int(0), W_Int(0), W_Int(0), W_Int(0)]
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        op = hint(code[pc], concrete=True)
        pc += 1
        if "0" <= op <= "9":
            stack.append(W_Int(ord(op) - ord("0")))
        elif op == "A":
            stack.append(W_Int(n))
        elif op == "X":
            stack.append(W_List(xs))
        elif op == "+" or op == "-":
            b = stack.pop()
            a = stack.pop()
            hint(a.__class__, promote=True)
            stack.append(a.add(b) if op == "+" else a.sub(b))
        elif op == "S":
            locals_[ord(code[pc]) - ord("0")] = stack.pop()
            pc += 1
        elif op == "L":
            stack.append(locals_[ord(code[pc]) - ord("0")])
            pc += 1
        elif op == "G":
            i = stack.pop()
            w = stack.pop()
            hint(w.__class__, promote=True)
            stack.append(w.getitem(i))
        elif op == "N":
            w = stack.pop()
            hint(w.__class__, promote=True)
            stack.append(W_Int(w.length()))
        elif op == "J":
            w = stack.pop()
            hint(w.__class__, promote=True)
            if w.is_true():
                pc = ord(code[pc]) - ord("a")
                hint(None, can_enter_jit=True)
            else:
                pc += 1
        elif op == "R":
            w = stack.pop()
            hint(w.__class__, promote=True)
            return w.intvalue()
    return -1


# sum = 0; i = n; do: sum += i; i -= 1 while i   (n >= 1; locals: 0 = sum, 1 = i)
SUM_TO_N = "0S0AS1" + "L0L1+S0L11-S1L1Jg" + "L0R"
# sum of xs: s = 0; k = len(xs); do: k -= 1; s += xs[k] while k   (xs not empty)
SUM_LIST = "0S0XNS1" + "L11-S1L0XL1G+S0L1Jh" + "L0R"

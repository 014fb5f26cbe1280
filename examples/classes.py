"""Examples with plain user classes: annotated fields, `__init__`, methods,
instances passed in, returned, and raising methods."""

from examples.example import Example


class Counter:
    count: int
    step: int

    def __init__(self, start: int, step: int):
        self.count = start
        self.step = step

    def incr(self) -> None:
        self.count += self.step

    def get(self) -> int:
        return self.count


class Vector:
    x: int
    y: int

    def __init__(self, x: int, y: int):
        self.x = x
        self.y = y

    def add(self, other: "Vector") -> "Vector":
        return Vector(self.x + other.x, self.y + other.y)

    def scale(self, k: int) -> "Vector":
        return Vector(self.x * k, self.y * k)

    def dot(self, other: "Vector") -> int:
        return self.x * other.x + self.y * other.y


class Account:
    balance: int
    history: list[int]

    def __init__(self, balance: int):
        self.balance = balance
        self.history = [balance]

    def withdraw(self, amount: int) -> int:
        if amount > self.balance:
            raise ValueError("insufficient funds")
        self.balance -= amount
        self.history.append(self.balance)
        return self.balance


def count_up(start: int, step: int, n: int) -> int:
    """A counter object updated by a method in a loop."""
    c = Counter(start, step)
    for i in range(n):
        c.incr()
    return c.get()


def vector_sum(a: int, b: int, c: int, d: int) -> int:
    """Methods returning new instances and taking instances."""
    v = Vector(a, b)
    w = Vector(c, d)
    u = v.add(w).scale(3)
    return u.dot(v) - w.dot(w)


def cross(v: Vector, w: Vector) -> int:
    """Instances passed in; `v` is updated in place."""
    result = v.x * w.y - v.y * w.x
    v.x = v.x + w.x
    return result


def bank(start: int, a: int, b: int) -> int:
    """A method that raises ValueError, and a list field."""
    acc = Account(start)
    acc.withdraw(a)
    acc.withdraw(b)
    return acc.balance * 1000 + len(acc.history) + acc.history[-2]


def _vectors(st):
    return st.builds(Vector, st.integers(-1000, 1000), st.integers(-1000, 1000))


EXAMPLES = [
    Example(count_up, lambda st: (st.integers(-1000, 1000), st.integers(-50, 50),
                                  st.integers(-2, 40))),
    Example(vector_sum, lambda st: tuple(st.integers(-1000, 1000) for _ in range(4))),
    Example(cross, lambda st: (_vectors(st), _vectors(st))),
    Example(bank, lambda st: (st.integers(0, 100), st.integers(-10, 80),
                              st.integers(-10, 80))),
]

"""Programs timed by the bench scripts (in a module of their own: the flow-graph
builder reads their source)."""

from hintannotator import hint


def passes_site(data: list[int]) -> int:
    total = 0
    i = 0
    while i < len(data):
        hint(None, global_merge_point=True)
        m = hint(data[i], promote=True)
        total += m * 3 + 1
        i += 1
    return total


def same_without_site(data: list[int]) -> int:
    total = 0
    i = 0
    while i < len(data):
        m = data[i]
        total += m * 3 + 1
        i += 1
    return total


def fallback_loop(n: int, k: int) -> int:
    m = hint(k, promote=True)
    total = 0
    i = 0
    while i < n:
        total += (i * m) % 7
        i += 1
    return total



def green_forever(x: int, y: int) -> int:
    """A green loop that never ends at compile time (bench_specialize.py)."""
    hint(x, concrete=True)
    while x > 0:
        x += 1
        y += 1
    return y


def promoting_loop(x: int) -> int:
    """Every iteration promotes a new value; no merge point."""
    s = 0
    i = 0
    while i < x:
        k = hint(i, promote=True)
        s += k
        i += 1
    return s


def promoting_recursion(n: int) -> int:
    """Every level promotes a new value."""
    if n <= 0:
        return 0
    k = hint(n, promote=True)
    return k + promoting_recursion(n - 1)


def spin(n: int) -> int:
    """A scalar loop LLVM keeps (the modulo stops it folding)."""
    total = 0
    i = 0
    while i < n:
        total = (total + i * 7) % 1000003
        i += 1
    return total


def eight_ops(a: int, b: int) -> int:
    """Eight flow-graph operations, no loop: LLVM's fixed cost (bench_specialize.py)."""
    c = a * b + 3
    if c > 10:
        c = c ^ a
    return (c - b) % 7 + a * 2

"""Programs of tests/llvm/test_llvm_guards.py (a module of their own: the
flow-graph builder reads their source)."""

from bench.programs import spin  # noqa: F401  (a scalar loop LLVM keeps; the tests run it)


def count_down(n: int) -> int:
    return 0 if n <= 0 else 1 + count_down(n - 1)


def spin_list(xs: list[int], n: int) -> int:
    """The same loop reading a list: its graph owns references, so its back
    edges are polled before optimisation (emit.py), not after (backedges.py)."""
    total = 0
    i = 0
    while i < n:
        total = (total + xs[i % len(xs)] * 7) % 1000003
        i += 1
    return total


def spin_str(s: str, n: int) -> int:
    """The loop after reading a str argument: its graph owns a reference, so
    its back edges are polled before optimisation, the str released already
    when a poll fails."""
    seed = ord(s[0])
    total = 0
    i = 0
    while i < n:
        total = (total * 31 + seed + i) % 1000003
        i += 1
    return total

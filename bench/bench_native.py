"""Native residual code of the example interpreters, measured side by side in one run.

For each interpreter on a benchmark program:

  (a) Jones optimality: the residual native code against the same algorithm
      written directly as a function of the subset (`square_direct`, ...) and
      compiled with `rgen.compile_graph(flowgraph.build_graph(direct))`.
      Ratio of times per call, target <= 1.1.  The inputs loop many times
      where the program has a loop LLVM cannot fold; a program that LLVM
      folds (SQUARE becomes `a * a`) or that has no loop (ll_plus_minus) is
      call-bound whatever the input: both sides then cost one native call.
  (b) The residual native code against CPython running the interpreter on
      the same input (small enough for CPython to stay within 64 bits).
      Target >= 500x.
  (c) Milliseconds from `comp.specialize(...)` to the first native result
      (specialisation, LLVM compilation, the first call): median of several
      runs after one warm-up that initialises LLVM.  Target <= 50 ms for SQUARE.

Also the call overhead of a compiled 3-int-argument function (us/call,
target < 2 us).  Every timing is the best of several rounds; each round
times the contestants one after the other.  Every result is checked first:
residual == direct natively on the (a) inputs, residual == CPython on the
(b) inputs.

    python bench/bench_native.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowgraph                                      # noqa: E402
import rgen                                           # noqa: E402
from examples import interpreters as ex               # noqa: E402
from timeshifter import make_compiler                 # noqa: E402
from timeshift.demo import format_seconds, side_by_side   # noqa: E402

JONES_TARGET = 1.1
SPEEDUP_TARGET = 500.0
FIRST_RESULT_TARGET_MS = 50.0
OVERHEAD_TARGET_US = 2.0


# -- the same algorithms written directly -------------------------------------------

def square_direct(a: int) -> int:
    """SQUARE: result += a, a times (a do-while loop on the counter)."""
    counter = a
    result = 0
    while True:
        counter = counter + -1
        result = result + a
        if not counter:
            break
    return result


def factorial_direct(a: int, b: int, c: int) -> int:
    """FACTORIAL: acc *= a while a != 0."""
    acc = 1
    while a != 0:
        acc = acc * a
        a = a - 1
    return acc


def square_plus_direct(a: int, b: int, c: int) -> int:
    """SQUARE_PLUS: a = a * a + c, b times."""
    while b != 0:
        a = a * a + c
        b = b - 1
    return a


def plus_minus_direct(x: int, y: int) -> int:
    """ll_plus_minus on PLUS_MINUS (nibbles 5 A 5 A A 5 A 5 A 5 A A 5 A 5)."""
    acc = x
    acc -= y
    acc += y
    acc -= y
    acc += y
    acc += y
    acc -= y
    acc += y
    acc -= y
    acc += y
    acc -= y
    acc += y
    acc += y
    acc -= y
    acc += y
    acc -= y
    return acc


def bf_mul_direct(inp: str) -> int:
    """BF_MUL `,>,<[->[->+>+<<]>>[-<<+>>]<<<]>>.` one statement per instruction."""
    tape = [0] * ex.TAPE_SIZE
    ptr = 0
    in_pos = 0
    checksum = 0
    tape[ptr] = ord(inp[in_pos]) if in_pos < len(inp) else 0      # ,
    in_pos += 1
    ptr += 1                                                      # >
    tape[ptr] = ord(inp[in_pos]) if in_pos < len(inp) else 0      # ,
    in_pos += 1
    ptr -= 1                                                      # <
    while tape[ptr] != 0:                                         # [
        tape[ptr] = (tape[ptr] - 1) & 255                         # -
        ptr += 1                                                  # >
        while tape[ptr] != 0:                                     # [
            tape[ptr] = (tape[ptr] - 1) & 255                     # -
            ptr += 1                                              # >
            tape[ptr] = (tape[ptr] + 1) & 255                     # +
            ptr += 1                                              # >
            tape[ptr] = (tape[ptr] + 1) & 255                     # +
            ptr -= 1                                              # <
            ptr -= 1                                              # <
        ptr += 1                                                  # ]>
        ptr += 1                                                  # >
        while tape[ptr] != 0:                                     # [
            tape[ptr] = (tape[ptr] - 1) & 255                     # -
            ptr -= 1                                              # <
            ptr -= 1                                              # <
            tape[ptr] = (tape[ptr] + 1) & 255                     # +
            ptr += 1                                              # >
            ptr += 1                                              # >
        ptr -= 1                                                  # ]<
        ptr -= 1                                                  # <
        ptr -= 1                                                  # <
    ptr += 1                                                      # ]>
    ptr += 1                                                      # >
    checksum = (checksum * 257 + tape[ptr] + 1) % 1000000007      # .
    return checksum


PLUS_MINUS = 0x5A5AA5A5A5AA5A5      # 15 nibbles, lowest first: 5 A 5 A A 5 A 5 A 5 A A 5 A 5

# (label, interpreter, green names, green values, direct, (a) reds, (b) reds)
PROGRAMS = [
    ("register machine SQUARE", ex.interpret, ["bytecode"], (ex.SQUARE,),
     square_direct, (100_000,), (1764,)),
    ("stack machine FACTORIAL", ex.run_stack, ["code"], (ex.FACTORIAL,),
     factorial_direct, (100_000, 0, 0), (20, 0, 0)),
    ("stack machine SQUARE_PLUS", ex.run_stack, ["code"], (ex.SQUARE_PLUS,),
     square_plus_direct, (0, 100_000, -1), (0, 2_000, -1)),
    ("brainfuck BF_MUL", ex.bf, ["program"], (ex.BF_MUL,),
     bf_mul_direct, ("\xc8\xfa",), ("\x14\x19",)),
    ("ll_plus_minus 15 nibbles", ex.ll_plus_minus, ["encoded_insn", "nb_insn"],
     (PLUS_MINUS, 15), plus_minus_direct, (17, 4), (17, 4)),
]


# -- measurements ------------------------------------------------------------------------

def first_result_ms(comp, greens, reds, runs: int = 5) -> float:
    """Median milliseconds from specialize() to the first native result."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        comp.specialize(*greens)(*reds)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def measure(label, func, green, greens, direct, reds_a, reds_b, rounds: int) -> dict:
    comp = make_compiler(func, green=green)
    res = comp.specialize(*greens)
    native_direct = rgen.compile_graph(flowgraph.build_graph(direct))
    check(label, "residual vs direct", res(*reds_a), native_direct(*reds_a))
    cpython = func(*greens, *reds_b)
    check(label, "residual vs CPython", res(*reds_b), cpython)
    check(label, "direct vs CPython", direct(*reds_b), cpython)
    a = side_by_side({"residual": res.native, "direct": native_direct}, reds_a, rounds)
    b = side_by_side({"residual": res.native,
                      "cpython": lambda *reds: func(*greens, *reds)}, reds_b, rounds)
    return {"label": label, "res_a": a["residual"], "direct_a": a["direct"],
            "res_b": b["residual"], "cpython_b": b["cpython"],
            "first_ms": first_result_ms(comp, greens, reds_b),
            "ops": sum(res.op_counts().values()), "folded": res.native.loop_folded,
            "direct_ops": sum(1 for op in flowgraph.build_graph(direct).iteroperations()
                              if op.opname != "same_as")}


def check(label: str, what: str, got, expected) -> None:
    if got != expected:
        raise AssertionError(f"{label}: {what}: {got!r} != {expected!r}")


def addmul(a: int, b: int, c: int) -> int:
    return a + b * c


def call_overhead_seconds(rounds: int) -> float:
    native = rgen.compile_graph(flowgraph.build_graph(addmul))
    check("addmul", "native vs CPython", native(1, 2, 3), addmul(1, 2, 3))
    return side_by_side({"native": native}, (1, 2, 3), rounds, min_seconds=0.05)["native"]


def warm_up() -> None:
    """Initialise LLVM (target machine, first module) outside every timing."""
    make_compiler(ex.ll_plus_minus, green=[0, 1]).specialize(0xA, 1)(1, 2)


# -- report ------------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(rows: list, overhead: float) -> None:
    print(f"{'':27}{'(a) residual':>13}{'direct':>10}{'ops':>9}{'(b) residual':>14}"
          f"{'CPython':>10}{'(c) first':>11}")
    for r in rows:
        print(f"{r['label']:27}{format_seconds(r['res_a']):>13}"
              f"{format_seconds(r['direct_a']):>10}{r['ops']:>5}/{r['direct_ops']:<3}"
              f"{format_seconds(r['res_b']):>14}{format_seconds(r['cpython_b']):>10}"
              f"{r['first_ms']:>8.1f} ms")
    print(f"\n{'':27}{'(a) res/direct <= 1.1':>23}{'(b) speed-up >= 500x':>24}"
          f"{'(c) first result <= 50 ms':>28}")
    for r in rows:
        jones = r["res_a"] / r["direct_a"]
        speedup = r["cpython_b"] / r["res_b"]
        bound = " call-bound" if r["res_a"] < 5 * overhead else ""
        first = (f"{r['first_ms']:.1f} ms {verdict(r['first_ms'] <= FIRST_RESULT_TARGET_MS)}"
                 if r is rows[0] else f"{r['first_ms']:.1f} ms")
        folded = "*" if r["folded"] else ""
        print(f"{r['label']:27}{f'{jones:.2f} {verdict(jones <= JONES_TARGET)}{bound}':>23}"
              f"{f'{speedup:.0f}x{folded} {verdict(speedup >= SPEEDUP_TARGET)}':>24}"
              f"{first:>28}")
    print(f"\ncall overhead, compiled 3-int-argument function: {overhead * 1e6:.3f} us/call "
          f"(target < {OVERHEAD_TARGET_US} us) {verdict(overhead * 1e6 < OVERHEAD_TARGET_US)}")
    print("ops: residual / direct flow-graph operations; call-bound: (a) time under five "
          "call overheads (LLVM folded the loop, or there is none)")
    if any(r["folded"] for r in rows):
        print("*: LLVM folded the residual loop into a closed form (rgen's loop_folded): "
              "that speed-up measures LLVM's folding, not specialisation's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (best of)")
    args = parser.parse_args()
    warm_up()
    rows = [measure(*program, rounds=args.rounds) for program in PROGRAMS]
    report(rows, call_overhead_seconds(args.rounds))


if __name__ == "__main__":
    main()

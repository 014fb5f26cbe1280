"""Warm-up: time to the result against guest iterations, per tier, side by side.

For three guest programs (the register machine's SQUARE loop, the
accumulator language's countdown whose error check never runs, the DFA
recogniser on a long string), each run once with a growing number of guest
iterations, the total time of:

    cpython    the interpreter under CPython
    baseline   make_jit's baseline tier alone (threshold never reached)
    eager      make_compiler(...).specialize(program) and the native call
    jit        make_jit(..., threshold=100, bridge_threshold=200), first call:
               hot loops compiled in the worker thread while the call goes on
               in the baseline (the default); the worker's compile is waited
               for after the row, untimed
    jit sync   the same with background=False: the call waits for each compile

each measured on a fresh instance (so compiling is included: a JIT compiles
what gets hot during the call), the interpreter's own native compilation
(once per process, shared by baseline and JIT) reported apart.  Then the
iteration count from which each tier beats CPython, and the residual
operations eager vs the JIT's.

Targets (issue 13): the JIT is never more than 1.5x slower than the baseline
tier at any point of the curve, and it pays off against CPython within the
first 10 ms of guest work (at the first point where CPython takes 10 ms or
more, the JIT is faster).

    python bench/bench_warmup.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples import interpreters as ex                 # noqa: E402
from timeshifter import make_compiler, make_jit        # noqa: E402

JIT_VS_BASELINE = 1.5
PAYOFF_MS = 10.0
COLD = "II*W%I?" * 6
CHECKED_COUNTDOWN = "R{W%{" + COLD + "}SD}"

# (label, function, green names, green values, reds for n guest iterations)
PROGRAMS = [
    ("register machine SQUARE", ex.interpret, ["bytecode"], (ex.SQUARE,), lambda n: (n,)),
    ("accumulator, cold check", ex.accumulator, ["code"], (CHECKED_COUNTDOWN,),
     lambda n: (n,)),
    ("DFA even a's", ex.dfa_match, ["table", "accepting"], ex.EVEN_AS,
     lambda n: ("ab" * (n // 2),)),
]
POINTS = [10, 100, 1_000, 10_000, 100_000]


def timed(f, *args) -> tuple[float, object]:
    start = time.perf_counter()
    value = f(*args)
    return time.perf_counter() - start, value


def ops(graphs) -> int:
    return sum(sum(1 for _ in g.iteroperations()) for g in graphs)


def curve(label, func, green, greens, reds) -> dict:
    setup, _ = timed(lambda: make_jit(func, green=green, threshold=10**12))
    rows, eager_ops, jit_ops = [], 0, 0
    for n in POINTS:
        args = (*greens, *reds(n))
        t_cpython, expected = timed(func, *args)
        baseline = make_jit(func, green=green, threshold=10**12)
        t_baseline, v1 = timed(baseline, *args)
        comp = make_compiler(func, green=green)
        t_eager, v2 = timed(lambda: comp.specialize(*greens)(*reds(n)))
        comp.wait()                     # its cases optimised in the background, not timed
        jit = make_jit(func, green=green, threshold=100, bridge_threshold=200)
        t_jit, v3 = timed(jit, *args)
        jit.wait()                      # its worker's compile is not timed with the next row
        sync = make_jit(func, green=green, threshold=100, bridge_threshold=200,
                        background=False)
        t_sync, v4 = timed(sync, *args)
        assert expected == v1 == v2 == v3 == v4, (label, n, expected, v1, v2, v3, v4)
        rows.append((n, t_cpython, t_baseline, t_eager, t_jit, t_sync))
        eager_ops = sum(comp.specialize(*greens).op_counts().values())
        jit_ops = ops(jit.residual_graphs()) or jit_ops
    return {"label": label, "setup": setup, "rows": rows, "eager_ops": eager_ops,
            "jit_ops": jit_ops}


def ms(t: float) -> str:
    return f"{t * 1e3:9.2f}"


def report(result: dict) -> bool:
    print(f"\n{result['label']}  (the interpreter compiled natively once: "
          f"{result['setup'] * 1e3:.0f} ms, not counted below)")
    print(f"{'iterations':>11}{'cpython ms':>11}{'baseline':>10}{'eager':>10}{'jit':>10}"
          f"{'jit/base':>10}{'jit sync':>10}")
    worst, payoff_ok, payoff = 0.0, None, {}
    for n, c, b, e, j, sync in result["rows"]:
        worst = max(worst, j / b)
        print(f"{n:>11}{ms(c):>11}{ms(b):>10}{ms(e):>10}{ms(j):>10}{j / b:>10.2f}{ms(sync):>10}")
        for tier, t in (("baseline", b), ("eager", e), ("jit", j)):
            if t < c:
                payoff.setdefault(tier, n)
        if payoff_ok is None and c * 1e3 >= PAYOFF_MS:
            payoff_ok = j < c
    print("pays off against CPython from: "
          + ", ".join(f"{tier} {payoff.get(tier, 'never')}" for tier in ("baseline", "eager",
                                                                          "jit")))
    ratio = result["eager_ops"] / max(result["jit_ops"], 1)
    print(f"residual operations: eager {result['eager_ops']}, jit {result['jit_ops']} "
          f"({ratio:.1f}x fewer)")
    ok_worst, ok_payoff = worst <= JIT_VS_BASELINE, bool(payoff_ok)
    print(f"jit / baseline at worst {worst:.2f}, target <= {JIT_VS_BASELINE}: "
          f"{'PASS' if ok_worst else 'FAIL'}; pays off within {PAYOFF_MS:g} ms of CPython "
          f"work: {'PASS' if ok_payoff else 'FAIL'}")
    return ok_worst and ok_payoff


def main() -> None:
    results = [curve(*program) for program in PROGRAMS]
    verdicts = [report(r) for r in results]
    print(f"\nwarm-up (issue 13): {'PASS' if all(verdicts) else 'FAIL'}")


if __name__ == "__main__":
    main()

"""The cost of calling native code from Python, side by side in one run.

Rows (nanoseconds per call, best of several rounds, each round timing every
row in turn):

  python f(1, 2, 3)          the same body as a plain Python function
  C builtin pow(1, 2, 3)     a C builtin of the same arity (abs(7) for one int)
  res(1, 2, 3), res(7)       a specialisation's residual code, called as users do
  res.native.fast(...)       the builtin generated in LLVM, called directly
  comp(SQUARE, 7)            the register machine: green key lookup and the call
  sum of 1,000 ints          native code against CPython's loop on the same list
  numba f(1, 2, 3)           Numba's dispatcher, when numba is importable

Targets (issue "Native calls at the limit"): res(1, 2, 3) <= 120 ns and at
least 3x faster than Numba's dispatcher where it can be measured;
comp(SQUARE, 7) <= 250 ns; the native list sum >= 15x faster than CPython's;
Horner >= 7x faster than CPython's.

    python bench/bench_call_overhead.py [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowgraph                                      # noqa: E402
import rgen                                           # noqa: E402
from examples import interpreters as ex               # noqa: E402
from examples.arith import poly_eval                  # noqa: E402
from timeshifter import make_compiler                 # noqa: E402

RES3_TARGET_NS = 120.0
NUMBA_FACTOR = 3.0
COMP_TARGET_NS = 250.0
LIST_SPEEDUP_TARGET = 15.0
HORNER_SPEEDUP_TARGET = 7.0


def addmul(a: int, b: int, c: int) -> int:
    return a + b * c


def inc(x: int) -> int:
    return x + 1


def int_sum(xs: list[int]) -> int:
    total = 0
    for x in xs:
        total += x
    return total


def numba_addmul():
    """Numba's dispatcher for addmul, or None when numba is not installed."""
    try:
        import numba
    except ImportError:
        return None
    jitted = numba.njit(lambda a, b, c: a + b * c)
    jitted(1, 2, 3)
    return jitted


def best_ns(rows: dict, rounds: int) -> dict:
    """label -> best nanoseconds per call of `stmt` over `rounds` rounds."""
    timers = {}
    for label, (stmt, namespace) in rows.items():
        timer = timeit.Timer(stmt, globals=namespace)
        number, _ = timer.autorange()
        timers[label] = (timer, number)
    best = {label: float("inf") for label in rows}
    for _ in range(rounds):
        for label, (timer, number) in timers.items():
            best[label] = min(best[label], timer.timeit(number) / number * 1e9)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    res3 = make_compiler(addmul).specialize()
    res1 = make_compiler(inc).specialize()
    comp = make_compiler(ex.interpret, green=["bytecode"])
    native_sum = rgen.compile_graph(flowgraph.build_graph(int_sum))
    native_poly = rgen.compile_graph(flowgraph.build_graph(poly_eval))
    xs = list(range(1000))
    coeffs = [((k * 37) % 101) / 50.0 - 1.0 for k in range(1000)]
    jitted = numba_addmul()
    assert res3(1, 2, 3) == addmul(1, 2, 3) and res1(7) == 8
    assert comp(ex.SQUARE, 7) == ex.interpret(ex.SQUARE, 7) == 49
    assert native_sum(xs) == int_sum(xs)
    assert native_poly(coeffs, 0.999) == poly_eval(coeffs, 0.999)
    ns = {"addmul": addmul, "inc": inc, "res3": res3, "res1": res1, "comp": comp, "ex": ex,
          "native_sum": native_sum, "int_sum": int_sum, "xs": xs, "jitted": jitted,
          "native_poly": native_poly, "poly_eval": poly_eval, "coeffs": coeffs}
    rows = {"python f(1, 2, 3)": "addmul(1, 2, 3)",
            "C builtin pow(1, 2, 3)": "pow(1, 2, 3)",
            "res(1, 2, 3)": "res3(1, 2, 3)",
            "res.native.fast(1, 2, 3)": "fast3(1, 2, 3)",
            "python f(7)": "inc(7)",
            "C builtin abs(7)": "abs(7)",
            "res(7)": "res1(7)",
            "comp(SQUARE, 7)": "comp(ex.SQUARE, 7)",
            "native sum of 1,000 ints": "native_sum(xs)",
            "CPython sum loop, 1,000 ints": "int_sum(xs)",
            "native Horner, 1,000 floats": "native_poly(coeffs, 0.999)",
            "CPython Horner, 1,000 floats": "poly_eval(coeffs, 0.999)"}
    ns["fast3"] = res3.native.fast
    if jitted is not None:
        rows["numba f(1, 2, 3)"] = "jitted(1, 2, 3)"
    best = best_ns({label: (stmt, ns) for label, stmt in rows.items()}, args.rounds)
    for label, value in best.items():
        print(f"{label:32}{value:10.0f} ns")
    verdicts = [("res(1, 2, 3)", best["res(1, 2, 3)"], f"<= {RES3_TARGET_NS:.0f} ns",
                 best["res(1, 2, 3)"] <= RES3_TARGET_NS),
                ("comp(SQUARE, 7)", best["comp(SQUARE, 7)"], f"<= {COMP_TARGET_NS:.0f} ns",
                 best["comp(SQUARE, 7)"] <= COMP_TARGET_NS)]
    speedup = best["CPython sum loop, 1,000 ints"] / best["native sum of 1,000 ints"]
    print()
    for label, value, target, ok in verdicts:
        print(f"{label:32}{value:10.0f} ns   target {target:10}  {'PASS' if ok else 'FAIL'}")
    print(f"{'list sum speed-up':32}{speedup:10.1f} x    target >= {LIST_SPEEDUP_TARGET:g}x"
          f"       {'PASS' if speedup >= LIST_SPEEDUP_TARGET else 'FAIL'}")
    horner = best["CPython Horner, 1,000 floats"] / best["native Horner, 1,000 floats"]
    print(f"{'Horner speed-up':32}{horner:10.1f} x    target >= {HORNER_SPEEDUP_TARGET:g}x"
          f"        {'PASS' if horner >= HORNER_SPEEDUP_TARGET else 'FAIL'}")
    if jitted is not None:
        factor = best["numba f(1, 2, 3)"] / best["res(1, 2, 3)"]
        print(f"{'numba / res(1, 2, 3)':32}{factor:10.1f} x    target >= {NUMBA_FACTOR:g}x"
              f"        {'PASS' if factor >= NUMBA_FACTOR else 'FAIL'}")
    else:
        print("numba is not installed: its row is skipped")


if __name__ == "__main__":
    main()

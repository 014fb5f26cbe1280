"""Promotion costs, measured side by side in one run.

Prints:
  1. the cost of passing a hot promotion site: a loop that promotes a value
     taken from run-time data every iteration (four distinct values, all with
     compiled cases) against the same loop without the promotion;
  2. the fallback interpreter's speed against CPython running the same
     function (threshold set so that no case is ever compiled);
  3. milliseconds to compile and attach a new case (generating extension
     resumed at the site, plus native compilation of the case).

Run: .venv/bin/python bench/bench_promotion.py
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.programs import fallback_loop, passes_site, same_without_site  # noqa: E402
from timeshifter import make_compiler  # noqa: E402


def best(f, *args, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def hot_site() -> None:
    data = [i * 7 % 4 for i in range(200_000)]
    with_site = make_compiler(passes_site).specialize()
    without = make_compiler(same_without_site).specialize()
    expected = same_without_site(data)
    print("1. passing a hot promotion site (loop of 200000 iterations, 4 hot values)")
    for mode in ("interpret", "native"):
        run_with = with_site.interpret if mode == "interpret" else with_site
        run_without = without.interpret if mode == "interpret" else without
        try:
            assert run_with(data) == expected == run_without(data)
        except Exception as exc:                       # report, don't hide
            print(f"   {mode:9s}: not available ({type(exc).__name__}: {exc})")
            continue
        t_with, t_without = best(run_with, data), best(run_without, data)
        print(f"   {mode:9s}: with site {t_with * 1e9 / len(data):7.1f} ns/iter, "
              f"without {t_without * 1e9 / len(data):7.1f} ns/iter, "
              f"ratio {t_with / t_without:6.2f}x")


def fallback_speed() -> None:
    comp = make_compiler(fallback_loop, promote_threshold=10**9)
    res = comp.specialize()
    n = 20_000
    assert res.interpret(n, 3) == fallback_loop(n, 3)
    t_fallback = best(res.interpret, n, 3)
    t_cpython = best(fallback_loop, n, 3)
    runs = comp.promotion_stats[0]["fallback_runs"]
    print(f"2. fallback interpreter: {t_fallback * 1e3:.2f} ms vs CPython "
          f"{t_cpython * 1e3:.2f} ms for the same call: {t_fallback / t_cpython:.2f}x "
          f"CPython's time ({runs} fallback runs, no case compiled)")


def attach_cost() -> None:
    comp = make_compiler(fallback_loop)
    res = comp.specialize()
    res(10, 1)                                    # warm the native root function
    times, natives = [], []
    for k in range(2, 12):
        start = time.perf_counter()
        assert res(10, k) == fallback_loop(10, k)
        times.append(time.perf_counter() - start)
        case = comp.sites[0].case_for(k)
        natives.append(case.compile_seconds)
    times.sort()
    natives.sort()
    print(f"3. compile and attach a new case: median {times[len(times) // 2] * 1e3:.2f} ms "
          f"per new value (generating extension alone: "
          f"{natives[len(natives) // 2] * 1e3:.2f} ms; the rest is native compilation "
          f"of the case and running it)")


if __name__ == "__main__":
    hot_site()
    fallback_speed()
    attach_cost()

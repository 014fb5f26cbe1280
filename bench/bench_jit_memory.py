"""A JIT's compiled code under many guest programs: bounded by `max_code_ops`.

One JIT (the accumulator language, threshold 3, loops compiled in place)
runs 400 distinct guest programs (the factorial program followed by k
increments, each getting hot and compiled), once with make_jit's bound set
to 50 residual operations (the code of about 10 programs) and once with no
bound.  Printed side by side: the residual operations kept, the keys
dropped, the process's resident memory growth per program (after a
collection), and the time per program.

Target (issue 13, deliverable 4): the operations kept stay within the bound
while every result equals CPython's.  The memory growth that remains with
the bound is LLVM's: each run of its O2 pipeline keeps about 78 KB that no
disposal gives back (llvmlite 0.50; a module optimised and dropped 2,000
times grows the process by 155 MB), where the machine code, the LLVM
modules and the Python objects of a dropped program are freed.

    python bench/bench_jit_memory.py
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples import interpreters as ex                 # noqa: E402
from timeshifter import make_jit                       # noqa: E402

PROGRAMS = 400
BOUND = 50


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 // 1024


def run(bound: int | None) -> dict:
    jit = make_jit(ex.accumulator, green=["code"], threshold=3, background=False,
                   max_code_ops=bound)
    warm = ex.ACC_FACTORIAL + "D"
    assert jit(warm, 10) == ex.accumulator(warm, 10)      # the baseline and LLVM set up
    gc.collect()
    before, start, worst = rss_kb(), time.perf_counter(), 0
    for k in range(PROGRAMS):
        code = ex.ACC_FACTORIAL + "I" * k
        assert jit(code, 10) == ex.accumulator(code, 10), code
        worst = max(worst, jit.residual_ops())
    seconds = time.perf_counter() - start
    gc.collect()
    return {"kept": jit.residual_ops(), "worst": worst, "dropped": jit.stats["dropped keys"],
            "kb": (rss_kb() - before) / PROGRAMS, "ms": seconds * 1e3 / PROGRAMS}


def main() -> int:
    bounded, unbounded = run(BOUND), run(None)
    print(f"{PROGRAMS} guest programs through one JIT (accumulator language, threshold 3)")
    print(f"  {'max_code_ops':>12} {'ops kept':>9} {'most kept':>9} {'dropped':>8} "
          f"{'KB/program':>10} {'ms/program':>10}")
    for name, r in ((str(BOUND), bounded), ("None", unbounded)):
        print(f"  {name:>12} {r['kept']:>9} {r['worst']:>9} {r['dropped']:>8} "
              f"{r['kb']:>10.1f} {r['ms']:>10.2f}")
    print(f"memory growth per program, bounded / unbounded: "
          f"{bounded['kb'] / max(unbounded['kb'], 1e-9):.2f}")
    ok = bounded["worst"] <= BOUND and bounded["dropped"] > 0
    print(f"operations kept within the bound ({bounded['worst']} <= {BOUND}): "
          f"{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""How compile time and memory grow with the size of the guest program.

For guest programs of 1k, 3k, 10k and 30k instructions of four kinds

  bf-line    straight-line Brainfuck (`+-<>.` with the pointer kept on the tape)
  bf-loops   loop-heavy Brainfuck: 3 loops per 26 characters
  stack      the stack machine (`examples.interpreters.run_stack`), straight line
  plusminus  `plus_minus_str` on a string of `+` and `-`

each size runs in a fresh process and reports

  spec s     `make_compiler` + `specialize` (annotation, generating extension)
  llvm s     compiling the residual graph to native code (the first `res.native`)
  ops        residual operations (`res.op_counts()`)
  peak MB    the process's peak resident memory
  limits     "default", or the bound the default options hit (the figures are
             then measured again with the bounds raised, and marked `*`)

and the growth exponent fitted over the sizes (log time against log size, least
squares).  Targets (the compile-time issue): linear growth (twice the size at
most 2.2 times the time, an exponent <= 1.14) for both times, and for bf-loops at
30k: spec + llvm <= 3 s, peak <= 300 MB, with default options.  Every result is
checked against CPython (the guest programs' outputs are computed directly).

    python bench/bench_scaling.py [--sizes 1000,3000,10000,30000] [--kinds bf-loops,...]
                                  [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GROWTH_TARGET = math.log2(2.2)          # x2 size -> at most x2.2 time
BIG = {"max_states_per_merge": 10**7, "max_residual_ops": 10**8}


# -- guest programs ------------------------------------------------------------

def bf_line(n: int) -> str:
    """n instructions of straight-line Brainfuck, the pointer within 0..7."""
    unit = "+>++>+++<.<-.>>"            # 15 chars, pointer back where it started... almost
    body = []
    ptr = 0
    i = 0
    while len(body) < n:
        c = unit[i % len(unit)]
        i += 1
        if c == ">" and ptr >= 7 or c == "<" and ptr <= 0:
            continue
        ptr += {">": 1, "<": -1}.get(c, 0)
        body.append(c)
    return "".join(body)


def bf_loops(n: int) -> str:
    """Brainfuck with 3 loops in every 26 characters; each block leaves the
    tape as it found it, so the program terminates quickly for any size."""
    block = "++++[->+<]>[-<+>]<[->+<]>."     # 26 chars, 3 loops, ends one cell right
    assert len(block) == 26
    blocks = max(n // 26, 1)
    text = []
    for k in range(blocks):
        text.append(block if k % 8 != 7 else block.replace(">.", "<."))
        if k % 8 == 7:
            text.append("<" * 6)
    return "".join(text)


def stack_line(n: int) -> str:
    """About n stack-machine instructions: a = a + k, b = b * 2 - a, over and over
    (values stay far inside 64 bits, so CPython's result is exact)."""
    from examples.interpreters import ADD, LOAD, PUSH, RETURN, STORE
    unit = [LOAD, 0, PUSH, 0, ADD, STORE, 0]                       # 4 instructions
    code = []
    for k in range(max(n // 4, 1)):
        unit[3] = k % 200
        code += unit
    code += [LOAD, 0, RETURN]
    return "".join(chr(c) for c in code)


def plusminus(n: int) -> str:
    return ("++-+-" * (n // 5 + 1))[:n]


def workload(kind: str, n: int):
    """(function, green names, green values, red values) of one guest program."""
    from examples import interpreters as ex
    if kind == "bf-line":
        return ex.bf, ["program"], [bf_line(n)], ["\x03"]
    if kind == "bf-loops":
        return ex.bf, ["program"], [bf_loops(n)], ["\x03"]
    if kind == "stack":
        return ex.run_stack, ["code"], [stack_line(n)], [5, 0, 0]
    if kind == "plusminus":
        return ex.plus_minus_str, ["s"], [plusminus(n)], [17, 4]
    raise SystemExit(f"unknown kind {kind!r}")


KINDS = ["bf-line", "bf-loops", "stack", "plusminus"]


# -- one measurement, in a fresh process ------------------------------------------

def measure_one(kind: str, n: int) -> dict:
    from timeshifter import TimeshiftError, make_compiler
    func, green, greens, reds = workload(kind, n)
    warm_up_llvm()
    limits = "default"
    start = time.perf_counter()
    try:
        res = make_compiler(func, green=green).specialize(*greens)
    except TimeshiftError as e:
        limits = str(e).splitlines()[0][:70]
        start = time.perf_counter()
        res = make_compiler(func, green=green, **BIG).specialize(*greens)
    spec = time.perf_counter() - start
    start = time.perf_counter()
    native = res.native
    llvm = time.perf_counter() - start
    expected = func(*greens, *reds)
    got = native(*reds)
    if got != expected:
        raise AssertionError(f"{kind} {n}: native {got!r}, CPython {expected!r}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"spec": spec, "llvm": llvm, "ops": sum(res.op_counts().values()),
            "peak": peak, "limits": limits}


def warm_up_llvm() -> None:
    """LLVM's one-off start-up in a fresh process is not the program's cost."""
    import flowgraph
    import rgen
    from examples.arith import power
    rgen.compile_graph(flowgraph.build_graph(power))(2, 3)


def run_child(kind: str, n: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--one", kind, str(n)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["exit %d" % out.returncode])[-1]
        return {"error": last[:70]}
    return json.loads(out.stdout)


def exponent(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(t, 1e-6)) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
            / sum((x - mx) ** 2 for x in xs))


def report(kind: str, sizes: list[int], timeout: float) -> list[str]:
    """Print one kind's rows; return the names of the targets it missed."""
    missed, rows = [], []
    for n in sizes:
        row = run_child(kind, n, timeout)
        rows.append(row)
        if "error" in row:
            print(f"  {kind:10} {n:7d}  {row['error']}")
            missed.append(f"{kind} {n}")
            continue
        mark = "" if row["limits"] == "default" else " *"
        print(f"  {kind:10} {n:7d} {row['spec']:8.2f} {row['llvm']:8.2f} {row['ops']:8d} "
              f"{row['peak']:8.0f}  {row['limits']}{mark}")
        if row["limits"] != "default":
            missed.append(f"{kind} {n}: default limits")
    good = [(n, r) for n, r in zip(sizes, rows) if "error" not in r]
    if len(good) >= 2:
        for what in ("spec", "llvm"):
            e = exponent([n for n, _ in good], [r[what] for _, r in good])
            verdict = "PASS" if e <= GROWTH_TARGET else "FAIL"
            print(f"  {kind:10} growth of {what}: n^{e:.2f} (target <= n^{GROWTH_TARGET:.2f}) "
                  f"{verdict}")
            if verdict == "FAIL":
                missed.append(f"{kind} {what} growth")
    if kind == "bf-loops" and good and good[-1][0] >= 30000:
        r = good[-1][1]
        total = r["spec"] + r["llvm"]
        ok = total <= 3.0 and r["peak"] <= 300 and r["limits"] == "default"
        print(f"  bf-loops 30k: {total:.2f} s, {r['peak']:.0f} MB (target <= 3 s, <= 300 MB, "
              f"default options) {'PASS' if ok else 'FAIL'}")
        if not ok:
            missed.append("bf-loops 30k total")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,10000,30000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds per measurement before it counts as failed")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.one:
        print(json.dumps(measure_one(options.one[0], int(options.one[1]))))
        return 0
    sizes = [int(s) for s in options.sizes.split(",")]
    print(f"  {'kind':10} {'size':>7} {'spec s':>8} {'llvm s':>8} {'ops':>8} {'peak MB':>8}  limits")
    missed = []
    for kind in options.kinds.split(","):
        missed += report(kind, sizes, options.timeout)
    print("\nscaling targets: " + ("PASS" if not missed else "FAIL (" + "; ".join(missed) + ")"))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())

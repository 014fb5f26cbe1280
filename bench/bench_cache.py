"""The persistent code cache: first results of fresh processes, cold and warm.

For each program, two fresh processes run one after the other against one
empty cache folder: the cold one compiles and saves, the warm one finds what
the cold one saved.  Each measures, inside the process, from
`make_compiler(..., cache=folder)` to its first native result (imports and
the interpreter's start excluded), and counts the modules LLVM compiled and
the saved ones it loaded instead (`rgen.llvm.jit.compile_counts`).  The rows:

    cold ms, warm ms, warm/cold, LLVM compiles cold -> warm, entries and
    bytes the program left in the cache

Targets (the cache issue): warm <= 5% of cold for each program, and no LLVM
compile on the warm run.  A warm run of a program without promotion loads
its specialisation whole (no annotation, no generating extension, no LLVM:
timeshifter/speccache.py); one with promotion cases (the DFA) still runs
the generating extension, and only LLVM is skipped.  The children run with
Python's bytecode cache on, as a user's would (PYTHONDONTWRITEBYTECODE is
removed from their environment).

    python bench/bench_cache.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_TARGET = 0.05

PROGRAMS = [
    # (label, function, greens, green values, red values) as source text
    ("register machine SQUARE", "ex.interpret", '["bytecode"]', "(ex.SQUARE,)", "(1764,)"),
    ("stack machine FACTORIAL", "ex.run_stack", '["code"]', "(ex.FACTORIAL,)", "(20, 0, 0)"),
    ("brainfuck BF_MUL", "ex.bf", '["program"]', "(ex.BF_MUL,)", '("\\x0b\\x0c",)'),
    ("DFA with promotion cases", "ex.dfa_match", '["table", "accepting"]', "ex.EVEN_AS",
     '("abba" * 8,)'),
]

CHILD = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    from examples import interpreters as ex
    from rgen.llvm import jit
    from timeshifter import make_compiler
    import rgen.llvm
    start = time.perf_counter()
    comp = make_compiler({func}, green={green}, cache=sys.argv[1])
    result = comp(*{greens}, *{reds})
    seconds = time.perf_counter() - start
    assert result == {func}(*{greens}, *{reds}), (result, {func}(*{greens}, *{reds}))
    comp.wait(60)           # the worker's optimised promotion cases are saved too
    print(json.dumps({{"ms": seconds * 1e3, "llvm": dict(jit.compile_counts)}}))
""")


def run_child(program: tuple, folder: str) -> dict:
    _, func, green, greens, reds = program
    code = CHILD.format(root=str(ROOT), func=func, green=green, greens=greens, reds=reds)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, "-c", code, folder], capture_output=True, text=True,
                          timeout=300, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{program[0]}: the child failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def measure(program: tuple, runs: int) -> dict:
    """Median cold and warm first results over `runs` fresh folders."""
    colds, warms = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as folder:
            cold = run_child(program, folder)
            warm = run_child(program, folder)
            files = list(Path(folder).glob("*.tso"))
            size = sum(f.stat().st_size for f in files)
        colds.append(cold)
        warms.append(warm)
    return {"cold": statistics.median(c["ms"] for c in colds),
            "warm": statistics.median(w["ms"] for w in warms),
            "compiled_cold": max(c["llvm"].get("compiled", 0) for c in colds),
            "compiled_warm": max(w["llvm"].get("compiled", 0) for w in warms),
            "entries": len(files), "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"first result in a fresh process, make_compiler to result, median of {args.runs}")
    print(f"  {'program':26} {'cold ms':>8} {'warm ms':>8} {'warm/cold':>9} "
          f"{'LLVM compiles':>14} {'entries':>7} {'bytes':>7}")
    slow, compiling = [], []
    for program in PROGRAMS:
        m = measure(program, args.runs)
        ratio = m["warm"] / m["cold"]
        if ratio > WARM_TARGET:
            slow.append(program[0])
        if m["compiled_warm"]:
            compiling.append(program[0])
        print(f"  {program[0]:26} {m['cold']:8.1f} {m['warm']:8.1f} {ratio:9.2f} "
              f"{m['compiled_cold']:>6} -> {m['compiled_warm']:<5} {m['entries']:7} "
              f"{m['bytes']:7}")
    print(f"target: warm <= {WARM_TARGET:.0%} of cold: "
          + ("PASS" if not slow else f"FAIL ({', '.join(slow)})"))
    print("target: no LLVM compile on the warm run: "
          + ("PASS" if not compiling else f"FAIL ({', '.join(compiling)})"))
    return 0 if not slow and not compiling else 1


if __name__ == "__main__":
    sys.exit(main())

"""Specialisation speed and code size of the interpreter examples, in one run.

For each interpreter on a benchmark program:

  make ms      `timeshifter.make_compiler(func, green)`: annotation plus the
               generation and `exec` of the generating extension's source;
  spec ms      `comp.specialize(*greens).compile_seconds`: running the
               generating extension until the residual graph is done;
  emitted      `res.ops_emitted`: operations the generating extension emitted;
  residual     operations left in the final residual graph (`res.op_counts()`,
               `same_as` excluded) after the backend's cleanup;
  us/emit      microseconds per emitted operation (the target's measure);
  us/res       microseconds per residual operation;
  source       `len(comp.source)` in characters and lines.

Each run makes a fresh compiler and specialises it once; the figures are
medians over the runs.  Every residual graph is checked against CPython on
the example's inputs.

Target: at most 20 microseconds per emitted operation for every program.

Then LLVM's fixed cost (the compile-time issue's targets): `rgen.compile_graph`
of a loop-free function of eight operations, warm, median of 20 (<= 3 ms), and
`import rgen.llvm` in a fresh process that has built a flow graph (<= 30 ms,
best of 3): what the backend adds for a user, who builds a graph before
compiling one.  The import after a bare `import flowgraph` is printed too: it
also pays for the front end's modules that building a graph imports anyway
(flowgraph.operations, inspect, ast, dataclasses: about 9 ms).

    python bench/bench_specialize.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples import interpreters as ex              # noqa: E402
from timeshifter import make_compiler                 # noqa: E402

TARGET_US = 20.0

# (label, function, green names, green values, red values)
PROGRAMS = [
    ("register machine SQUARE", ex.interpret, ("bytecode",), (ex.SQUARE,), (1764,)),
    ("stack machine FACTORIAL", ex.run_stack, ("code",), (ex.FACTORIAL,), (20, 0, 0)),
    ("ll_plus_minus 15 nibbles", ex.ll_plus_minus, ("encoded_insn", "nb_insn"),
     (0xA5A5A5A5A5A5A5A, 15), (17, 4)),
    ("plus_minus_str 200 chars", ex.plus_minus_str, ("s",), ("+-+x-" * 40,), (17, 4)),
    ("brainfuck BF_MUL", ex.bf, ("program",), (ex.BF_MUL,), ("\x0b\x0c",)),
]


def measure(func, green, greens, reds, runs: int) -> dict:
    """Each run makes a fresh compiler and specialises it once: the cost a
    user pays for a new green value (later calls hit `comp(...)`'s cache)."""
    make_compiler(func, green=list(green)).specialize(*greens)      # warm-up
    makes, residuals = [], []
    for _ in range(runs):
        start = time.perf_counter()
        comp = make_compiler(func, green=list(green))
        makes.append(time.perf_counter() - start)
        residuals.append(comp.specialize(*greens))
    seconds = statistics.median(r.compile_seconds for r in residuals)
    res = residuals[0]
    expected = func(*greens, *reds)
    got = res.interpret(*reds)
    if got != expected:
        raise AssertionError(f"{func.__name__}: residual graph returned {got!r}, "
                             f"CPython {expected!r}")
    residual = sum(res.op_counts().values())
    return {"make": statistics.median(makes), "spec": seconds, "emitted": res.ops_emitted,
            "residual": residual, "per_emit": seconds / max(res.ops_emitted, 1) * 1e6,
            "per_res": seconds / max(residual, 1) * 1e6, "chars": len(comp.source),
            "lines": comp.source.count("\n") + 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="compilers made and specialised (median kept)")
    options = parser.parse_args(argv)
    print(f"specialisation, median of {options.runs} runs")
    print(f"  {'program':26} {'make ms':>8} {'spec ms':>8} {'emitted':>8} {'residual':>8} "
          f"{'us/emit':>8} {'us/res':>8} {'source chars':>13} {'lines':>6}")
    over = []
    for label, func, green, greens, reds in PROGRAMS:
        row = measure(func, green, greens, reds, options.runs)
        mark = "" if row["per_emit"] <= TARGET_US else "  over"
        print(f"  {label:26} {row['make'] * 1e3:8.2f} {row['spec'] * 1e3:8.2f} "
              f"{row['emitted']:8d} {row['residual']:8d} {row['per_emit']:8.1f} "
              f"{row['per_res']:8.1f} {row['chars']:13d} {row['lines']:6d}{mark}")
        if row["per_emit"] > TARGET_US:
            over.append(label)
    verdict = "FAIL" if over else "PASS"
    print(f"\ntarget: at most {TARGET_US:.0f} us per emitted operation: {verdict}"
          + (f" (over: {', '.join(over)})" if over else ""))
    bound = bound_error_seconds()
    print(f"a green loop that never ends at compile time: the bound error after "
          f"{bound * 1e3:.1f} ms (target: within 1 s): {'PASS' if bound < 1.0 else 'FAIL'}")
    fixed, imported = llvm_fixed_seconds(), import_seconds()
    print(f"LLVM fixed cost, 8-op function, warm: {fixed * 1e3:.2f} ms (target <= "
          f"{FIXED_MS:g} ms): {'PASS' if fixed * 1e3 <= FIXED_MS else 'FAIL'}")
    print(f"import rgen.llvm after building a graph: {imported * 1e3:.0f} ms (target <= "
          f"{IMPORT_MS:g} ms): {'PASS' if imported * 1e3 <= IMPORT_MS else 'FAIL'}; "
          f"after a bare `import flowgraph`: {import_seconds(built=False) * 1e3:.0f} ms; "
          f"llvmlite alone: {import_seconds(only_llvmlite=True) * 1e3:.0f} ms")
    ok = (not over and bound < 1.0 and fixed * 1e3 <= FIXED_MS
          and imported * 1e3 <= IMPORT_MS)
    return 0 if ok else 1


FIXED_MS, IMPORT_MS = 3.0, 30.0


def llvm_fixed_seconds(runs: int = 20) -> float:
    """`compile_graph` of a fresh 8-op graph, LLVM already initialised."""
    import flowgraph
    import rgen
    from bench.programs import eight_ops
    graph = flowgraph.build_graph(eight_ops)
    assert sum(1 for _ in graph.iteroperations()) == 8
    assert rgen.compile_graph(graph)(6, 5) == eight_ops(6, 5)          # warm-up
    times = []
    for _ in range(runs):
        graph.invalidate()
        start = time.perf_counter()
        native = rgen.compile_graph(graph)
        times.append(time.perf_counter() - start)
        assert native(6, 5) == eight_ops(6, 5)
    return statistics.median(times)


def import_seconds(built: bool = True, only_llvmlite: bool = False) -> float:
    """Best of 3 fresh processes, with the bytecode caches a user's
    installation has: written by a first run (PYTHONDONTWRITEBYTECODE, which
    some environments set, would make every import compile its sources).
    `built`: a flow graph was built first (the front end's modules loaded);
    `only_llvmlite`: llvmlite's own import, for comparison."""
    setup = ("from bench.programs import eight_ops; flowgraph.build_graph(eight_ops); "
             if built else "")
    what = "import llvmlite.binding, llvmlite.ir" if only_llvmlite else "import rgen.llvm"
    code = (f"import time, flowgraph; {setup}t = time.perf_counter(); {what}; "
            "print(time.perf_counter() - t)")
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                 text=True, check=True, cwd=root, env=env).stdout)
            for _ in range(4)]
    return min(runs[1:])


def bound_error_seconds() -> float:
    """Time until `TimeshiftError` for a never-ending green loop (median of 3)."""
    import warnings

    from bench.programs import green_forever
    from timeshifter import SpecializationWarning, TimeshiftError
    times = []
    for _ in range(3):
        comp = make_compiler(green_forever, green=["x"])
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():     # the bound's warning, before its error
                warnings.simplefilter("ignore", SpecializationWarning)
                comp.specialize(1)
        except TimeshiftError:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())

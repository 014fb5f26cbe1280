"""`timeshift demo`: a register-machine interpreter becomes a compiler.

The interpreter is bundled here (the `examples/` folder is not installed) and
is the same machine as `examples.interpreters.interpret`.  The demo walks the
whole pipeline on it:

1. hint annotation with `bytecode` green; the coloured graph goes to an SVG;
2. the generating extension (its generated Python source is counted);
3. specialisation on SQUARE: the residual graph is printed;
4. the residual graph compiled with LLVM and run natively;
5. CPython running the interpreter against the native residual code on the
   same input, measured side by side (best of several rounds; each round
   times both, one after the other, so machine noise hits both alike);
6. with `--cache`: whether this run loaded its native code from the code
   cache or compiled and saved it, and the warm run: a fresh process's time
   from make_compiler to the first native result, and what LLVM compiled.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import timeit
from pathlib import Path

from flowgraph import format_graph
from hintannotator import annotate, hint
from timeshifter.compiler import make_compiler

from timeshifter.register_machine import SQUARE, interpret  # noqa: E402,F401


DEMO_INPUT = 1764


# -- timing -------------------------------------------------------------------------

def per_call_seconds(fn, args: tuple, min_seconds: float = 0.01) -> tuple:
    """A timeit.Timer calling fn(*args) without a wrapper, and the number of
    calls that takes at least `min_seconds`."""
    names = [f"a{i}" for i in range(len(args))]
    timer = timeit.Timer(f"fn({', '.join(names)})", globals=dict(zip(names, args), fn=fn))
    number = 1
    while timer.timeit(number) < min_seconds:
        number *= 10
    return timer, number


def side_by_side(fns: dict, args: tuple, rounds: int = 5, min_seconds: float = 0.01) -> dict:
    """Best seconds per call of each function of `fns` (label -> function) on
    `args`: every round times each function once, in turn."""
    timers = {label: per_call_seconds(fn, args, min_seconds) for label, fn in fns.items()}
    best = {label: float("inf") for label in fns}
    for _ in range(rounds):
        for label, (timer, number) in timers.items():
            best[label] = min(best[label], timer.timeit(number) / number)
    return best


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


# -- the demo ----------------------------------------------------------------------

def run_demo(out_dir: Path = Path("."), rounds: int = 5, out=None, cache=False) -> int:
    """Run the demo, printing to `out` (default sys.stdout); the coloured graph
    goes to `out_dir/demo_colors.svg`; `cache`: the code cache option
    (timeshifter/cache.py).  Returns the process exit status."""
    def say(text: str = "") -> None:
        print(text, file=out or sys.stdout)

    say("timeshift demo: a register-machine interpreter becomes a compiler\n")
    ann = annotate(interpret, green=["bytecode"])
    names = ["bytecode", "a", "regs", "pc", "opcode", "n", "target"]
    say("1. hint annotation of interpret(bytecode, a) with bytecode green:")
    say("   " + ", ".join(f"{n} {ann.color_of(n)}" for n in names))
    say(f"   coloured graph: {write_svg(ann.to_dot(), Path(out_dir) / 'demo_colors')}")
    comp = make_compiler(interpret, green=["bytecode"], cache=cache)
    say(f"\n2. generating extension: {len(comp.source.splitlines())} lines of Python "
        f"(comp.source)")
    start = time.perf_counter()
    res = comp.specialize(SQUARE)
    say(f"\n3. residual graph for SQUARE (a * a by repeated addition), "
        f"{res.compile_seconds * 1e3:.1f} ms:\n")
    say(format_graph(res.graph))
    result = res(7)
    first = time.perf_counter() - start
    say(f"\n4. native code (LLVM): res(7) = {result}, {first * 1e3:.1f} ms from specialize() "
        f"to this first native result.\n   The residual graph after LLVM's optimiser:\n")
    say(first_function(res.native.llvm_ir_optimized))
    _speed_table(comp, res, rounds, say)
    if cache:
        _cache_rows(comp, say)
    return 0


WARM_CHILD = """
import json, sys, time
from rgen.llvm import jit
from timeshifter import make_compiler
from timeshifter.register_machine import SQUARE, interpret
start = time.perf_counter()
result = make_compiler(interpret, green=["bytecode"], cache=sys.argv[1])(SQUARE, 7)
print(json.dumps({"ms": (time.perf_counter() - start) * 1e3, "result": result,
                  "llvm": dict(jit.compile_counts)}))
"""


def warm_run(folder) -> dict:
    """A fresh process's first result of SQUARE with the code cache in
    `folder`: {"ms": make_compiler to result, "result", "llvm": jit.compile_counts}."""
    done = subprocess.run([sys.executable, "-c", WARM_CHILD, str(folder)], capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"the warm run failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def _cache_rows(comp, say) -> None:
    cache = comp._object_cache
    how = "loaded from" if cache.stats["hits"] else "compiled and saved to"
    say(f"\n6. code cache: this run's native code was {how} {cache.folder}")
    warm = warm_run(cache.folder)
    compiled = warm["llvm"].get("compiled", 0)
    say(f"   warm run (a fresh process, make_compiler to the first native result): "
        f"{warm['ms']:.1f} ms, {compiled} LLVM compile(s), {warm['llvm'].get('loaded', 0)} "
        f"module(s) loaded; it still annotates and specialises, only LLVM is skipped")


def first_function(llvm_ir: str) -> str:
    """The text of the first function defined in `llvm_ir`."""
    lines = llvm_ir.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("define"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("}"))
    return "\n".join(lines[start:end + 1])


def write_svg(dot, stem: Path) -> str:
    """Render `dot` to `stem`.svg; without graphviz's `dot` program write the
    `stem`.dot source instead.  Returns a line saying what was written."""
    import graphviz
    stem.parent.mkdir(parents=True, exist_ok=True)
    try:
        svg = dot.pipe(format="svg")
    except graphviz.ExecutableNotFound:
        stem.with_suffix(".dot").write_text(dot.source)
        return (f"{stem.with_suffix('.dot')} (graphviz's 'dot' program is missing: "
                f"install it to get an SVG)")
    stem.with_suffix(".svg").write_bytes(svg)
    return str(stem.with_suffix(".svg"))


def _speed_table(comp, res, rounds: int, say) -> None:
    a = DEMO_INPUT
    expected = interpret(SQUARE, a)
    if res(a) != expected:
        raise AssertionError(f"native residual code returned {res(a)}, CPython {expected}")
    best = side_by_side({"cpython": lambda a: interpret(SQUARE, a), "native": res.native},
                        (a,), rounds)
    say(f"\n5. square of a = {a} (= {expected}), best of {rounds} rounds side by side:\n")
    say(f"   {'':34}{'time per call':>15}{'speed-up':>12}")
    say(f"   {'CPython running the interpreter':34}{format_seconds(best['cpython']):>15}"
        f"{'1x':>12}")
    say(f"   {'native residual code':34}{format_seconds(best['native']):>15}"
        f"{best['cpython'] / best['native']:>11.0f}x")
    if res.native.loop_folded:
        say("\n   Where this speed-up comes from: specialisation removed the interpreter (the "
            "residual\n   graph above is a loop of additions), and LLVM then folded that loop "
            "into a closed\n   form (the optimised IR above has no loop left), so the time no "
            "longer depends on a.\n   Where LLVM keeps the loop, specialisation's own "
            "result is the speed of the same\n   algorithm written directly: see "
            "bench/bench_native.py (FACTORIAL, residual/direct 1.0).")

"""Front-end time against function size: building and annotating one long
function must grow linearly.

The function is generated: `n` statements cycling through an assignment, an
augmented assignment and an `if` (so the graph is a chain of n/3 diamonds
with joins), over three variables.  For each size this prints

  build s      `flowgraph.build_graph(func)` (parse, build, type, simplify);
  annotate s   `hintannotator.annotate(graph, ["x"])` on the built graph;

as process CPU time (the best of `--runs` runs; the machine may be shared),
then the growth exponent k of time ~ size**k fitted by least squares over
the sizes, and PASS when k <= 1.15 for both (linear, with some room for
cache effects).

    python bench/bench_frontend.py [--sizes 5000 20000 100000] [--runs N]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowgraph                                     # noqa: E402
from hintannotator import annotate                   # noqa: E402

MAX_EXPONENT = 1.15
STATEMENTS = ("a = a + {k}", "b ^= a", "if a > {i}:\n        c = c - b")


def long_function(n: int, folder: Path):
    """`big(x, y)` with `n` statements, imported from a real file."""
    lines = ["def big(x: int, y: int) -> int:", "    a = x", "    b = y", "    c = 0"]
    for i in range(n):
        lines.append("    " + STATEMENTS[i % 3].format(i=i, k=i % 7 + 1))
    lines.append("    return a + b + c")
    path = folder / f"frontend_{n}.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module.big


def cpu_seconds(call) -> tuple:
    start = time.process_time()
    result = call()
    return time.process_time() - start, result


def measure(func, runs: int) -> tuple:
    builds, annotations = [], []
    for _ in range(runs):
        seconds, graph = cpu_seconds(lambda: flowgraph.build_graph(func))
        builds.append(seconds)
        annotations.append(cpu_seconds(lambda: annotate(graph, ["x"]))[0])
    return min(builds), min(annotations)


def exponent(sizes: list, times: list) -> float:
    """The least-squares slope of log(time) over log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(max(t, 1e-9)) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
            / sum((x - mx) ** 2 for x in xs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 100000])
    parser.add_argument("--runs", type=int, default=2, help="runs per size (best kept)")
    options = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    folder = Path(tempfile.mkdtemp(prefix="bench_frontend_"))
    print(f"front end on one long function, CPU seconds, best of {options.runs}")
    print(f"  {'statements':>10} {'build s':>9} {'annotate s':>11}")
    builds, annotations = [], []
    for n in options.sizes:
        build, annotation = measure(long_function(n, folder), options.runs)
        builds.append(build)
        annotations.append(annotation)
        print(f"  {n:10d} {build:9.3f} {annotation:11.3f}")
    ok = True
    for what, times in (("build", builds), ("annotate", annotations)):
        k = exponent(options.sizes, times)
        verdict = "PASS" if k <= MAX_EXPONENT else "FAIL"
        ok = ok and verdict == "PASS"
        print(f"{what:9} growth exponent {k:.2f} (want <= {MAX_EXPONENT}): {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Hint-annotation time of every example interpreter, measured in one run.

For each interpreter example (tag "interpreter") with its green parameters:

  build ms     `flowgraph.build_graph(func)` alone;
  colour ms    `hintannotator.annotate(graph, green)` on the built graph (the
               colouring fixpoint, the checks and the graph copies);
  total ms     `hintannotator.annotate(func, green)`, what a user calls: both.

Each figure is the median of several runs.  Target: the total for the
largest interpreter (most operations, callees included) under 200 ms.

    python bench/bench_annotate.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowgraph                                     # noqa: E402
from examples import EXAMPLES                        # noqa: E402
from flowgraph.printer import referenced_graphs      # noqa: E402
from hintannotator import annotate                   # noqa: E402

TARGET_MS = 200.0


def median_ms(call, runs: int) -> float:
    """The median wall time of `runs` calls, in milliseconds (one warm-up call
    first, so that imports and caches do not count)."""
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def count_operations(graph) -> int:
    return sum(len(block.operations) for g in [graph] + referenced_graphs(graph)
               for block in g.iterblocks())


def interpreters() -> list:
    return [e for e in EXAMPLES if "interpreter" in e.tags and e.green]


def measure(example, runs: int) -> dict:
    green = list(example.green)
    graph = flowgraph.build_graph(example.func)
    ann = annotate(example.func, green)
    return {
        "ops": count_operations(graph),
        "copies": len(ann.copies),
        "build": median_ms(lambda: flowgraph.build_graph(example.func), runs),
        "colour": median_ms(lambda: annotate(graph, green), runs),
        "total": median_ms(lambda: annotate(example.func, green), runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs (median kept)")
    options = parser.parse_args(argv)
    print(f"hint annotation, median of {options.runs} runs")
    print(f"  {'example':16} {'green':24} {'ops':>5} {'copies':>6} "
          f"{'build ms':>9} {'colour ms':>10} {'total ms':>9}")
    rows = {}
    for example in interpreters():
        row = rows[example.name] = measure(example, options.runs)
        print(f"  {example.name:16} {', '.join(example.green):24} {row['ops']:5d} "
              f"{row['copies']:6d} {row['build']:9.2f} {row['colour']:10.2f} "
              f"{row['total']:9.2f}")
    largest = max(rows, key=lambda name: rows[name]["ops"])
    total = rows[largest]["total"]
    verdict = "PASS" if total < TARGET_MS else "FAIL"
    print(f"\ntarget: annotate(func) of the largest interpreter ({largest}, "
          f"{rows[largest]['ops']} ops) under {TARGET_MS:.0f} ms: {total:.2f} ms  {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

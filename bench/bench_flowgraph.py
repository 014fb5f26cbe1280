"""Flow-graph benchmarks, measured in one run:

1. build time per operation: `build_graph` on every example (its callees
   included), in microseconds per operation of the built graphs;
2. `run_graph` against CPython on the interpreter examples' benchmark inputs:
   the time of one call in each, and their ratio (target: within 10x).

    python bench/bench_flowgraph.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowgraph                                     # noqa: E402
from examples import EXAMPLES                        # noqa: E402
from flowgraph.printer import referenced_graphs      # noqa: E402

RATIO_TARGET = 10.0


def best_time(call, repeat: int, min_seconds: float = 0.05) -> float:
    """The best per-call time over `repeat` rounds of enough calls to last
    `min_seconds` each."""
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            call()
        if time.perf_counter() - start >= min_seconds:
            break
        count *= 2
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(count):
            call()
        best = min(best, (time.perf_counter() - start) / count)
    return best


def count_operations(graph) -> int:
    return sum(len(block.operations) for g in [graph] + referenced_graphs(graph)
               for block in g.iterblocks())


def bench_build(repeat: int) -> None:
    print("build_graph: time per operation")
    print(f"  {'example':18} {'ops':>6} {'build ms':>9} {'us/op':>7}")
    total_ops = total_time = 0.0
    for example in EXAMPLES:
        ops = count_operations(flowgraph.build_graph(example.func))
        seconds = best_time(lambda: flowgraph.build_graph(example.func), repeat)
        total_ops += ops
        total_time += seconds
        print(f"  {example.name:18} {ops:6d} {seconds * 1e3:9.2f} {seconds / ops * 1e6:7.1f}")
    print(f"  {'all examples':18} {int(total_ops):6d} {total_time * 1e3:9.2f} "
          f"{total_time / total_ops * 1e6:7.1f}")


def bench_run(repeat: int) -> list[str]:
    print("\nrun_graph against CPython, interpreter examples")
    print(f"  {'example':18} {'CPython us':>11} {'run_graph us':>13} {'ratio':>7}")
    over = []
    for example in EXAMPLES:
        if "interpreter" not in example.tags or example.bench is None:
            continue
        graph = flowgraph.build_graph(example.func)
        args = example.bench
        assert flowgraph.run_graph(graph, *args) == example.func(*args), example.name
        t_py = best_time(lambda: example.func(*args), repeat)
        t_graph = best_time(lambda: flowgraph.run_graph(graph, *args), repeat)
        ratio = t_graph / t_py
        mark = "" if ratio <= RATIO_TARGET else "  over target"
        print(f"  {example.name:18} {t_py * 1e6:11.1f} {t_graph * 1e6:13.1f} "
              f"{ratio:6.2f}x{mark}")
        if ratio > RATIO_TARGET:
            over.append(example.name)
    return over


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds (best kept)")
    options = parser.parse_args(argv)
    bench_build(options.repeat)
    over = bench_run(options.repeat)
    print(f"\ntarget: run_graph within {RATIO_TARGET:.0f}x of CPython: "
          + (f"missed by {', '.join(over)}" if over else "met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Objects at native speed (issue 16): rows measured side by side in one run.

  attribute loop     3 field reads and 2 writes per iteration on a red
                     instance, ns/iter: native on a plain class (GetAttr),
                     native on a __slots__ class (fixed offsets), the same
                     loop on locals natively, CPython on the plain class.
                     Targets: >= 20x faster than CPython, within 1.5x of the
                     locals loop.
  boxed list stores  Horner over a red list of 1,000 floats storing every
                     partial sum back, ns/item, against CPython: >= 30x.

The issue's other two rows (a boxed-object VM summing 3,000 items, a stack
VM's guest fib(25) through CALL/RET) need those interpreters; they are not
measured here yet.

    python bench/bench_objects.py [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowgraph                                      # noqa: E402
import rgen                                           # noqa: E402
from bench import objects_programs as op              # noqa: E402

N = 100_000
ATTR_VS_CPYTHON, ATTR_VS_LOCALS, LIST_VS_CPYTHON = 20.0, 1.5, 30.0


def native(func):
    return rgen.compile_graph(flowgraph.build_graph(func))


def best(stmt, namespace: dict, rounds: int, per: int) -> float:
    """Best nanoseconds per unit of `stmt` (run `per` units a call)."""
    timer = timeit.Timer(stmt, globals=namespace)
    number, _ = timer.autorange()
    return min(timer.timeit(number) / number for _ in range(rounds)) / per * 1e9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    ns = {"op": op, "step": native(op.step), "slotted": native(op.step_slotted),
          "local": native(op.step_locals), "horner": native(op.horner_store), "N": N}
    p, q = op.Particle(1, 2, 12), op.Particle(1, 2, 12)
    assert ns["step"](p, 1000) == op.step(q, 1000) == \
        ns["slotted"](op.SlottedParticle(1, 2, 12), 1000) == ns["local"](1, 2, 12, 1000)
    xs = [((k * 37) % 101) / 50.0 - 1.0 for k in range(1000)]
    assert ns["horner"](list(xs), 0.999) == op.horner_store(list(xs), 0.999)
    ns.update(xs=xs)
    rows = {
        "attribute loop, plain class": best("step(op.Particle(1, 2, 12), N)", ns, rounds, N),
        "attribute loop, __slots__": best("slotted(op.SlottedParticle(1, 2, 12), N)", ns,
                                          rounds, N),
        "same loop on locals": best("local(1, 2, 12, N)", ns, rounds, N),
        "CPython, plain class": best("op.step(op.Particle(1, 2, 12), N)", ns, rounds, N),
        "boxed list stores, native": best("horner(list(xs), 0.999)", ns, rounds, len(xs)),
        "boxed list stores, CPython": best("op.horner_store(list(xs), 0.999)", ns, rounds,
                                           len(xs)),
    }
    for label, value in rows.items():
        print(f"{label:32}{value:10.2f} ns")
    cpython, locals_ = rows["CPython, plain class"], rows["same loop on locals"]
    verdicts = []
    print()
    for label in ("attribute loop, plain class", "attribute loop, __slots__"):
        speedup, vs_locals = cpython / rows[label], rows[label] / locals_
        ok = speedup >= ATTR_VS_CPYTHON and vs_locals <= ATTR_VS_LOCALS
        verdicts.append(ok)
        print(f"{label:32}{speedup:8.1f}x CPython (>= {ATTR_VS_CPYTHON:g}x), "
              f"{vs_locals:8.1f}x the locals loop (<= {ATTR_VS_LOCALS:g}x): "
              f"{'PASS' if ok else 'FAIL'}")
    speedup = rows["boxed list stores, CPython"] / rows["boxed list stores, native"]
    verdicts.append(speedup >= LIST_VS_CPYTHON)
    print(f"{'boxed list stores':32}{speedup:8.1f}x CPython (>= {LIST_VS_CPYTHON:g}x): "
          f"{'PASS' if verdicts[-1] else 'FAIL'}")
    print(f"\nobjects (issue 16, rows measured here): {'PASS' if all(verdicts) else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

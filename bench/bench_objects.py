"""Objects at native speed (issue 16): rows measured side by side in one run.

  attribute loop     3 field reads and 2 writes per iteration on a red
                     instance, ns/iter: native on a plain class (GetAttr),
                     native on a __slots__ class (fixed offsets), both with
                     the loop peeled and its fields in registers (rgen/peel.py),
                     specialised (make_compiler: the residual pipeline drops the
                     reads its blocks know, rgen/fields.py), the same loop on
                     locals natively, CPython on the plain class.
                     Targets: >= 20x faster than CPython, within 1.5x of the
                     locals loop.
  boxed list stores  Horner over a red list of 1,000 floats storing every
                     partial sum back, ns/item, against CPython: >= 30x.

  guest recursion    `examples.tablevm.frames_vm`, a stack VM whose CALL pushes a
                     Frame instance (a return pc and a list of slots) and whose
                     RETURN promotes the popped frame's return pc, running the
                     guest fib(25) natively; against CPython's own recursive fib(25)
                     and CPython running the VM.  Targets: faster than CPython's
                     own fib, >= 70x faster than CPython interpreting.

  guest recursion,   `examples.tablevm.calls_vm`: the same language and program, each
  portal-style       guest CALL a call of the interpreter itself (its global merge
                     point at the entry): a guest call to a green target is a
                     native call of the target's residual function, no promotion.
                     Same targets.
  boxed-object VM    `examples.boxed.run`, a stack VM whose values are W_Int and
                     W_List instances (subclasses of W_Object overriding its
                     methods; each call after promoting the class), summing a
                     guest list of 3,000 items (SUM_LIST): specialised natively
                     against CPython running the VM.  Target: >= 50x.

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
FIB_N, FIB_VS_INTERPRETED = 25, 70.0
BOXED_ITEMS, BOXED_VS_CPYTHON = 3_000, 50.0


def fib(x: int) -> int:
    return x if x < 2 else fib(x - 1) + fib(x - 2)


def guest_recursion(portal: bool = False) -> dict:
    """Seconds of one guest fib(FIB_N): native frames_vm (after a first call
    that compiles its promotion cases), CPython's fib, CPython running the VM;
    `portal`: calls_vm instead."""
    import time
    import warnings

    from examples import tablevm
    from timeshifter import SpecializationWarning, make_compiler
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecializationWarning)   # the frames: expected
        if portal:
            res = make_compiler(tablevm.calls_vm, green=["code", "pc"]).specialize(
                tablevm.FIB, 0)
        else:
            res = make_compiler(tablevm.frames_vm, green=["code"]).specialize(tablevm.FIB)
    start = time.perf_counter()
    first = res(FIB_N)
    first_seconds = time.perf_counter() - start
    assert first == fib(FIB_N)
    times = {}
    vm = ((lambda: tablevm.calls_vm(tablevm.FIB, 0, FIB_N)) if portal else
          (lambda: tablevm.frames_vm(tablevm.FIB, FIB_N)))
    for label, call in (("native", lambda: res(FIB_N)), ("CPython fib", lambda: fib(FIB_N)),
                        ("CPython VM", vm)):
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            assert call() == first
            best = min(best, time.perf_counter() - start)
        times[label] = best
    times["first native call"] = first_seconds
    return times


def boxed_vm(rounds: int) -> tuple[float, float]:
    """Nanoseconds of one guest SUM_LIST over BOXED_ITEMS items: native
    specialisation, CPython running the VM."""
    from examples import boxed
    from timeshifter import make_compiler
    res = make_compiler(boxed.run, green=["code"]).specialize(boxed.SUM_LIST)
    xs = [(k * 7919) % 1000 for k in range(BOXED_ITEMS)]
    assert res(0, xs) == boxed.run(boxed.SUM_LIST, 0, xs)
    ns = {"res": res, "boxed": boxed, "xs": xs}
    return (best("res(0, xs)", ns, rounds, 1),
            best("boxed.run(boxed.SUM_LIST, 0, xs)", ns, rounds, 1))


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
    from timeshifter import make_compiler
    ns = {"op": op, "step": native(op.step), "slotted": native(op.step_slotted),
          "specialised": make_compiler(op.step).specialize(),
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
        "attribute loop, specialised": best("specialised(op.Particle(1, 2, 12), N)", ns,
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
    for label in ("attribute loop, plain class", "attribute loop, __slots__",
                  "attribute loop, specialised"):
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
    vm_native, vm_cpython = boxed_vm(rounds)
    speedup = vm_cpython / vm_native
    verdicts.append(speedup >= BOXED_VS_CPYTHON)
    print(f"\nboxed-object VM summing {BOXED_ITEMS:,} items: native {vm_native / 1e3:.1f} us, "
          f"CPython running the VM {vm_cpython / 1e6:.2f} ms")
    print(f"{'boxed-object VM':32}{speedup:8.1f}x CPython (>= {BOXED_VS_CPYTHON:g}x): "
          f"{'PASS' if verdicts[-1] else 'FAIL'}")
    for portal, vm, label in ((False, "frames_vm", "guest recursion"),
                              (True, "calls_vm", "guest recursion, portal-style")):
        g = guest_recursion(portal)
        print(f"\nguest fib({FIB_N}) on {vm}: native {g['native'] * 1e3:.1f} ms (first call "
              f"{g['first native call']:.2f} s), CPython's fib {g['CPython fib'] * 1e3:.1f} ms, "
              f"CPython running the VM {g['CPython VM'] * 1e3:.0f} ms")
        faster, vs_vm = g["CPython fib"] / g["native"], g["CPython VM"] / g["native"]
        verdicts.append(faster >= 1.0 and vs_vm >= FIB_VS_INTERPRETED)
        print(f"{label:32}{faster:8.2f}x CPython's fib (>= 1x), {vs_vm:8.1f}x CPython "
              f"interpreting (>= {FIB_VS_INTERPRETED:g}x): {'PASS' if verdicts[-1] else 'FAIL'}")
    print(f"\nobjects (issue 16, rows measured here): {'PASS' if all(verdicts) else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

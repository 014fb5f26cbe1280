"""`hint()` at plain CPython run time, side by side in one run.

Rows: `hint(5, promote=True)` against a no-op function of the same call
shape (`def noop(x, **flags): return x`), and the register-machine
interpreter run by CPython on SQUARE with the real `hint` against the same
interpreter with `hint` replaced by that no-op.  Target (issue 11): within
10% of the no-op (ratio <= 1.10).

    python bench/bench_hint.py [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples import interpreters as ex               # noqa: E402
from hintannotator import hint                        # noqa: E402

TARGET = 1.10


def noop(x, **flags):
    return x


def best_ns(stmt: str, namespace: dict, rounds: int) -> float:
    timer = timeit.Timer(stmt, globals=namespace)
    number, _ = timer.autorange()
    return min(timer.repeat(rounds, number)) / number * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    ns = {"hint": hint, "noop": noop, "ex": ex}
    call_hint = best_ns("hint(5, promote=True)", ns, args.rounds)
    call_noop = best_ns("noop(5, promote=True)", ns, args.rounds)
    with_hint = best_ns("ex.interpret(ex.SQUARE, 100)", ns, args.rounds)
    module = ex.interpret.__globals__
    module["hint"] = noop
    try:
        with_noop = best_ns("ex.interpret(ex.SQUARE, 100)", ns, args.rounds)
    finally:
        module["hint"] = hint
    ok = True
    for label, a, b in (("hint(5, promote=True) / no-op", call_hint, call_noop),
                        ("interpreter with hint / no-op", with_hint, with_noop)):
        ratio = a / b
        ok = ok and ratio <= TARGET
        print(f"{label:32}{a:12.0f} ns {b:12.0f} ns   {ratio:5.2f}  "
              f"{'PASS' if ratio <= TARGET else 'FAIL'} (target <= {TARGET})")
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()

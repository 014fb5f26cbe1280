"""What the native guards cost: signal polls and stack checks on and off, side by side.

Every program of bench_native.py is specialised twice in this one process,
once with the guards (the default) and once with `rgen.llvm.guards.POLL_OFF`
set (no signal polls on back edges and tail transfers; the stack check of
counted calls stays: it cannot be switched off without risking a crash).
Both native functions run on the (a) inputs of bench_native, timed in turn
round after round (best of), and the optimised LLVM IR of each is counted in
instructions.  The same for `spin`, a scalar loop LLVM cannot fold.

Targets (issue 10, issue "Native calls at the limit" item 4):
  time with polls / without <= 1.02, LLVM IR with polls / without <= 1.10.
Programs that LLVM folds to a few instructions are call-bound: their time
ratio measures the call, and their IR ratio is reported, not judged (a
handful of instructions either way).

    python bench/bench_polls.py [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowgraph                                      # noqa: E402
import rgen                                           # noqa: E402
from bench.bench_native import PROGRAMS, check, verdict, warm_up   # noqa: E402
from bench.programs import spin                       # noqa: E402
from rgen.llvm import guards                          # noqa: E402
from timeshift.demo import format_seconds, side_by_side   # noqa: E402
from timeshifter import make_compiler                 # noqa: E402

TIME_TARGET = 1.02
IR_TARGET = 1.10
CALL_BOUND_SECONDS = 2e-6


def instructions(ir_text: str) -> int:
    """Instructions of the residual code in an LLVM module text: indented
    lines that are not labels, in every function but the Python entries of
    a signature (`@entry.*`) and the helpers only they call.  The first
    module compiled for a signature holds its entry and later ones share it,
    so counting it would measure the order of the two compiles."""
    bodies, name = {}, None
    for line in ir_text.splitlines():
        if line.startswith("define"):
            name = line.split("(", 1)[0].rsplit(" ", 1)[-1]
            bodies[name] = []
        elif line == "}":
            name = None
        elif name is not None and line.startswith("  ") and not line.lstrip().startswith(";"):
            bodies[name].append(line)
    return sum(len(lines) for n, lines in bodies.items()
               if not n.startswith("@entry.") and not _only_from_entries(n, bodies))


def _only_from_entries(name: str, bodies: dict) -> bool:
    """Whether `name` is called by an entry and by no other function."""
    callers = {n for n, lines in bodies.items() if any(name + "(" in line for line in lines)}
    return bool(callers) and all(n.startswith("@entry.") for n in callers)


def compiled(label, func, green, greens, polls: bool):
    """(native callable, optimised IR text) of one program, polls on or off."""
    guards.POLL_OFF = not polls
    try:
        if func is spin:
            native = rgen.compile_graph(flowgraph.build_graph(spin))
        else:
            native = make_compiler(func, green=green).specialize(*greens).native
        return native, native.llvm_ir_optimized
    finally:
        guards.POLL_OFF = False


def measure(label, func, green, greens, reds, rounds: int) -> dict:
    on, ir_on = compiled(label, func, green, greens, polls=True)
    off, ir_off = compiled(label, func, green, greens, polls=False)
    check(label, "polls vs no polls", on(*reds), off(*reds))
    best = side_by_side({"on": on, "off": off}, reds, rounds)
    return {"label": label, "on": best["on"], "off": best["off"],
            "ir_on": instructions(ir_on), "ir_off": instructions(ir_off)}


def report(rows: list) -> tuple[bool, bool]:
    print(f"{'':27}{'polls':>10}{'no polls':>10}{'time':>14}{'IR insns':>14}{'IR':>14}")
    time_pass = ir_pass = True
    for r in rows:
        ratio, ir_ratio = r["on"] / r["off"], r["ir_on"] / r["ir_off"]
        bound = r["off"] < CALL_BOUND_SECONDS
        time_ok, ir_ok = ratio <= TIME_TARGET, bound or ir_ratio <= IR_TARGET
        time_pass, ir_pass = time_pass and time_ok, ir_pass and ir_ok
        ir_verdict = "call-bound" if bound else verdict(ir_ok)
        print(f"{r['label']:27}{format_seconds(r['on']):>10}{format_seconds(r['off']):>10}"
              f"{f'{ratio:.3f} {verdict(time_ok)}':>14}{r['ir_on']:>7}/{r['ir_off']:<6}"
              f"{f'{ir_ratio:.2f} {ir_verdict}':>14}")
    print(f"\ntime: with / without polls, target <= {TIME_TARGET}; IR: optimised LLVM "
          f"instructions with / without, target <= {IR_TARGET} (not judged when call-bound)")
    return time_pass, ir_pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (best of)")
    args = parser.parse_args()
    warm_up()
    rows = [measure(label, func, green, greens, reds_a, args.rounds)
            for label, func, green, greens, _direct, reds_a, _reds_b in PROGRAMS]
    rows.append(measure("spin (scalar loop)", spin, None, (), (1_000_000,), args.rounds))
    time_pass, ir_pass = report(rows)
    print(f"time (issue 10): {verdict(time_pass)}; "
          f"IR size (native calls at the limit, item 4): {verdict(ir_pass)}")


if __name__ == "__main__":
    main()

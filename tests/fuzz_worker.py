"""The fuzzer's worker process: runs jobs through every execution mode.

A job (a plain dict, pickled over a pipe by tests/fuzz.py) holds a random
program's source, its parameter names and types, a few argument tuples,
the indices of the parameters to make green and a promotion threshold.
`run_job` runs each argument tuple under

  cpython      the 64-bit oracle (tests/strategies.py);
  graph        `flowgraph.run_graph` on the built graph;
  native       `rgen.compile_graph` of the built graph;
  pieces       the same, cut wherever it can be (rgen/split.py with pieces of
               two operations), and the residual graphs below too;
  interpreted  `res.interpret` of `make_compiler(func, green).specialize(...)`;
  residual     the same residual natively;
  promote-*    with `promote=True` hints: the all-red specialisation with a
               low promotion threshold, interpreted and native;
  jit          programs whose loops have merge points: `make_jit` with the
               job's greens, thresholds and baseline, call after call, then
               the same calls again once its worker thread is done;

and compares each with CPython (tests/differential.py: same value or same
exception type, same arguments afterwards).  A bound error of the
timeshifter (a green value changing without bound, DESIGN section 6) ends
that mode for the program; any other error is a mismatch.  The answer is a
dict: executions, mismatches (mode, args, both outcomes).

The protocol (`serve`): length-prefixed pickles, one job in, one answer out,
so the driver knows which job a dying worker was running.
"""

from __future__ import annotations

import faulthandler
import pickle
import struct
import sys
import traceback

import flowgraph
from flowgraph.model import copygraph
from rgen import split
from rgen.llvm import compile_graph
from tests.differential import Outcome, outcome, same_outcome
from tests.strategies import Program, load, oracle
from hintannotator import HintError
from timeshifter import TimeshiftError, make_compiler, make_jit

BOUND_ERRORS = ("different green states", "residual operations")


class Report:
    """What one job found."""

    def __init__(self):
        self.executions = 0
        self.mismatches: list = []

    def check(self, mode: str, expected, call, args) -> None:
        got = outcome(call, args)
        self.executions += 1
        if got.raised is TimeshiftError and any(b in got.value for b in BOUND_ERRORS):
            return                          # a promoted case hit a bound: allowed
        if not same_outcome(expected, got):
            self.mismatches.append({"mode": mode, "args": args,
                                    "expected": expected.describe(),
                                    "got": got.describe()})

    def error(self, mode: str, exc: BaseException) -> None:
        self.mismatches.append({"mode": mode, "args": None, "expected": "no error",
                                "got": "".join(traceback.format_exception(exc))[-2000:]})


def run_job(job: dict) -> dict:
    report = Report()
    program = Program(job["source"], job["name"], tuple(job["params"]), None,
                      tuple(job["types"]))
    try:
        func = getattr(load(program), program.name)
        expected_func = oracle(program)
    except Exception as exc:                # noqa: BLE001 (a generator bug)
        report.error("load", exc)
        return vars(report)
    expected = [outcome(expected_func, args) for args in job["args"]]
    report.executions += len(expected)
    for mode, runner in (("graph", _graph_modes), ("specialize", _specialize_modes),
                         ("promote", _promote_modes), ("jit", _jit_modes)):
        try:
            runner(report, func, job, expected)
        except TimeshiftError as exc:
            if not any(b in str(exc) for b in BOUND_ERRORS):
                report.error(mode, exc)
        except HintError as exc:
            # a merge point a constant condition left off its loop: every
            # compiler refuses it (the graph modes still ran the program)
            if not any(r in str(exc) for r in JIT_REFUSALS):
                report.error(mode, exc)
        except Exception as exc:            # noqa: BLE001 (reported, not fatal)
            report.error(mode, exc)
    return vars(report)


def in_pieces(graph):
    """A copy of `graph` compiled natively with every cut rgen/split.py can make."""
    old, split.PIECE_OPS = split.PIECE_OPS, 2
    try:
        return compile_graph(copygraph(graph))
    finally:
        split.PIECE_OPS = old


def _graph_modes(report, func, job, expected) -> None:
    graph = flowgraph.build_graph(func)
    flowgraph.checkgraph(graph)
    native = compile_graph(graph)
    pieces = in_pieces(graph)
    for args, exp in zip(job["args"], expected):
        report.check("graph", exp, lambda *a: flowgraph.run_graph(graph, *a), args)
        report.check("native", exp, native, args)
        report.check("native in pieces", exp, pieces, args)


def _specialize_modes(report, func, job, expected) -> None:
    green = sorted(job["green"])
    comp = make_compiler(func, green=green, max_states_per_merge=64)
    for args, exp in zip(job["args"], expected):
        greens = [args[i] for i in green]
        reds = tuple(a for i, a in enumerate(args) if i not in green)
        exp = Outcome(exp.raised, exp.value,       # the red arguments afterwards
                      tuple(a for i, a in enumerate(exp.args) if i not in green))
        try:
            res = comp.specialize(*greens)
        except TimeshiftError as exc:
            if any(b in str(exc) for b in BOUND_ERRORS):
                continue
            raise
        report.check(f"interpreted, green {green}", exp, res.interpret, reds)
        report.check(f"residual native, green {green}", exp, res, reds)
        report.check(f"residual native in pieces, green {green}", exp,
                     in_pieces(res.graph), reds)


def _promote_modes(report, func, job, expected) -> None:
    if not job["promote"]:
        return
    comp = make_compiler(func, max_states_per_merge=64, promote_threshold=job["threshold"],
                         promote_max_cases=3)
    res = comp.specialize()
    for args, exp in zip(job["args"], expected):
        report.check(f"promote interpreted, threshold {job['threshold']}", exp,
                     res.interpret, args)
        report.check(f"promote native, threshold {job['threshold']}", exp, res, args)


# make_jit refuses a program whose merge point or can_enter_jit the builder
# dropped as unreachable (a constant condition before them)
JIT_REFUSALS = ("has no global merge point", "is never counted", "is not at the head of a loop")


def _jit_modes(report, func, job, expected) -> None:
    if "global_merge_point" not in job["source"] or "jit" not in job:
        return
    threshold, bridge, baseline, *rest = job["jit"]
    max_code_ops = rest[0] if rest else None        # (a reproducer saved before it)
    try:
        jit = make_jit(func, green=sorted(job["green"]), threshold=threshold,
                       bridge_threshold=bridge, baseline=baseline, max_code_ops=max_code_ops,
                       max_states_per_merge=64)
    except (TimeshiftError, HintError) as exc:
        if any(r in str(exc) for r in JIT_REFUSALS):
            return
        raise
    mode = (f"jit {baseline}, thresholds {threshold}/{bridge}, green {sorted(job['green'])}, "
            f"max_code_ops {max_code_ops}")
    for args, exp in zip(job["args"], expected):
        report.check(mode, exp, jit, args)
    jit.wait(60)                # the loops its worker compiled meanwhile, run again
    for args, exp in zip(job["args"], expected):
        report.check(mode + ", after the worker", exp, jit, args)


# -- the pipe protocol -------------------------------------------------------------

def send(stream, obj) -> None:
    data = pickle.dumps(obj)
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def receive(stream):
    """The next object, or None at end of stream."""
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack("<I", head)
    return pickle.loads(stream.read(size))


def serve() -> None:
    """Answer jobs from stdin until it closes.  A fatal signal prints the
    Python stack to stderr (the driver saves its end with the crash)."""
    faulthandler.enable()
    sys.setrecursionlimit(10_000)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                 # stray prints must not corrupt the pipe
    while (job := receive(stdin)) is not None:
        send(stdout, run_job(job))


if __name__ == "__main__":
    serve()

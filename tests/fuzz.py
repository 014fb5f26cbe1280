"""`make fuzz`: differential fuzzing for a given time, crash-safe.

    python -m tests.fuzz [--seconds 180] [--programs N] [--out fuzz_failures]
                         [--seed S] [--timeout 120]

Draws random programs (tests/strategies.py, every feature on: floats mixed
with ints, lists, a class, strings, promotions) with argument tuples, green
parameters and a promotion threshold, and sends each as a job to a worker
subprocess (tests/fuzz_worker.py) that runs it through every mode and
compares with CPython, the graph checked after every pass as in the test
suite (TIMESHIFT_CHECK_PASSES=1 unless the environment says otherwise).  One worker serves many jobs, one at a time, so when
it dies (a native crash, a hang past `--timeout`) the driver knows the job:
it runs that job alone in a fresh worker and, if it dies again, reports a
crash; either way the fuzzing goes on with a new worker.

Programs are drawn in batches of 50 by hypothesis with seeds S, S + 1, ...
(`--seed`, random by default and printed), so a run can be repeated.
Every mismatch and crash is saved to `--out` as a runnable file: the
program's source followed by a comment with the job (arguments, green
parameters, threshold) and the outcomes.  A progress bar goes to stderr;
the last line is the summary

    fuzz: P programs, E executions, M mismatches, C crashes in S s

and the exit status is 1 if M or C is non-zero.  Mixed int/float comparisons
and `/` use all 64-bit ints.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pprint
import random
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from flowgraph.passes import CHECK_ENV
from tests.fuzz_worker import receive, send
from tests.strategies import ALL_FEATURES, Features, programs

ROOT = Path(__file__).resolve().parent.parent
BAR = 30


@st.composite
def jobs(draw, features: Features) -> dict:
    """A program with 1-4 argument tuples, green indices among its scalar
    parameters, and whether to run it with promotions."""
    promote = draw(st.booleans())
    if draw(st.booleans()):                 # loops for make_jit too (the jit modes)
        features = dataclasses.replace(features, merge_points=True)
    program = draw(programs(allow_promote=promote, features=features))
    scalar = [i for i, t in enumerate(program.types) if t != "list[int]"]
    return {"source": program.source, "name": program.name, "params": program.params,
            "types": program.types, "promote": promote,
            "args": draw(st.lists(program.args, min_size=1, max_size=4)),
            "green": sorted(draw(st.sets(st.sampled_from(scalar)))) if scalar else [],
            "threshold": draw(st.sampled_from([1, 2])),
            "jit": (draw(st.sampled_from([1, 2, 7])), draw(st.sampled_from([1, 2, 200])),
                    draw(st.sampled_from(["native", "graph"])),
                    draw(st.sampled_from([None, 1, 20])))}


def draw_jobs(strategy, count: int, seed_value: int) -> list:
    """`count` jobs drawn by hypothesis, the same ones for the same seed."""
    jobs_drawn: list = []

    @settings(database=None, max_examples=count, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @seed(seed_value)
    @given(strategy)
    def collect(job):
        jobs_drawn.append(job)

    collect()
    return jobs_drawn


#: jobs a worker serves before a fresh one takes over: every compiled program
#: stays alive in the worker (about 1 MB of native code and LLVM state each),
#: so a long run would otherwise grow without bound (6 GB after 7,000)
RECYCLE_AFTER = 300


class Worker:
    """A worker subprocess answering one job at a time."""

    def __init__(self):
        self.jobs = 0
        self.stderr = tempfile.TemporaryFile()
        env = {CHECK_ENV: "1", **os.environ}     # pass checks, as in the test suite
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.fuzz_worker"],
                                     cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env)

    def run(self, job: dict, timeout: float):
        """The job's answer, or None if the worker died or timed out (it is
        then stopped)."""
        self.jobs += 1
        try:
            send(self.proc.stdin, job)
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            answer = receive(self.proc.stdout) if ready else None
        except (BrokenPipeError, EOFError, OSError):
            answer = None
        if answer is None:
            self.stop()
        return answer

    def describe_death(self) -> str:
        """How it died, with the end of what it wrote to stderr."""
        code = self.proc.poll()
        if code is None:
            how = "timed out"
        else:
            how = f"died with signal {-code}" if code < 0 else f"exited with status {code}"
        self.stderr.seek(0)
        tail = self.stderr.read().decode(errors="replace")[-1500:].strip()
        return how + (f"; its stderr ended with:\n{tail}" if tail else "")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            stream.close()


@dataclass
class Tally:
    programs: int = 0
    executions: int = 0
    mismatches: int = 0
    crashes: int = 0
    saved: list = field(default_factory=list)

    def summary(self, seconds: float) -> str:
        return (f"fuzz: {self.programs} programs, {self.executions} executions, "
                f"{self.mismatches} mismatches, {self.crashes} crashes in {seconds:.0f} s")


def save(out: Path, kind: str, job: dict, details: str) -> Path:
    """The job as a runnable file: its source, then the job and `details`."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{kind}_{len(list(out.iterdir())):04d}.py"
    note = pprint.pformat({k: v for k, v in job.items() if k != "source"}) + "\n" + details
    path.write_text(job["source"] + "\n\n# " + note.replace("\n", "\n# ") + "\n")
    return path


class Fuzzer:
    def __init__(self, options):
        self.options = options
        self.out = Path(options.out)
        self.tally = Tally()
        self.worker = Worker()
        self.strategy = jobs(ALL_FEATURES)

    def jobs(self):
        """Jobs without end, in batches of 50 drawn with seeds seed, seed + 1, ..."""
        batch = self.options.seed
        while True:
            yield from draw_jobs(self.strategy, 50, batch)
            batch += 1

    def run_one(self, job: dict) -> None:
        if self.worker.jobs >= RECYCLE_AFTER:
            self.worker.stop()
            self.worker = Worker()
        answer = self.worker.run(job, self.options.timeout)
        if answer is None:
            death = self.worker.describe_death()
            self.worker = Worker()
            self.retry_alone(job, death)
            return
        self.tally.programs += 1
        self.tally.executions += answer["executions"]
        for mismatch in answer["mismatches"]:
            self.tally.mismatches += 1
            self.tally.saved.append(save(self.out, "mismatch", job, pprint.pformat(mismatch)))

    def retry_alone(self, job: dict, death: str) -> None:
        """A worker died on `job` (`death` says how): run it in a fresh worker
        of its own."""
        alone = Worker()
        answer = alone.run(job, self.options.timeout)
        self.tally.programs += 1
        if answer is None:
            self.tally.crashes += 1
            self.tally.saved.append(save(self.out, "crash", job,
                                         f"the worker {alone.describe_death()}"))
            alone.stderr.close()
            return
        alone.stop()
        self.tally.executions += answer["executions"]
        self.tally.crashes += 1         # it killed a worker once: flaky, still a crash
        self.tally.saved.append(save(self.out, "crash", job, "killed a worker once, "
                                     "passed alone (state left by earlier jobs?); the "
                                     f"worker {death}"))

    def progress(self, start: float) -> None:
        elapsed = time.monotonic() - start
        total = self.options.seconds
        done = min(1.0, elapsed / total) if total else 0.0
        if self.options.programs:
            done = max(done, self.tally.programs / self.options.programs)
        bar = "#" * int(done * BAR)
        t = self.tally
        sys.stderr.write(f"\r[{bar:{BAR}}] {elapsed:5.0f}s  {t.programs} programs  "
                         f"{t.executions} executions  {t.mismatches} mismatches  "
                         f"{t.crashes} crashes ")
        sys.stderr.flush()

    def run(self, start: float) -> Tally:
        options = self.options
        try:
            for job in self.jobs():
                if time.monotonic() - start >= options.seconds or \
                        (options.programs and self.tally.programs >= options.programs):
                    break
                self.run_one(job)
                self.progress(start)
        finally:
            self.worker.stop()
            sys.stderr.write("\n")
        return self.tally


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180, help="time to fuzz for")
    parser.add_argument("--programs", type=int, default=0, help="stop after N (0: no limit)")
    parser.add_argument("--out", default="fuzz_failures", help="folder for reproducers")
    parser.add_argument("--seed", type=int, default=None,
                        help="first batch's seed (default: random; printed at the end)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per job")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    options = parse(argv)
    if options.seed is None:
        options.seed = random.randrange(10**6)
    start = time.monotonic()
    tally = Fuzzer(options).run(start)
    for path in tally.saved[:10]:
        print(f"saved {path}")
    if len(tally.saved) > 10:
        print(f"... and {len(tally.saved) - 10} more in {options.out}")
    print(f"seed {options.seed} (--seed {options.seed} draws the same programs)")
    print(tally.summary(time.monotonic() - start))
    return 1 if tally.mismatches or tally.crashes else 0


if __name__ == "__main__":
    sys.exit(main())

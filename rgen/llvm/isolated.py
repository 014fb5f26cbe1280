"""LLVM's optimiser run in a helper process, for modules big enough to crash it.

llvmlite's LLVM is built with assertions, and some passes assert on shapes
that are legal but extreme: SimplifyCFG gives up after 1,000 sweeps over a
function ("Iterative simplification didn't converge"), which a residual
graph of 18,000 blocks reaches (a Brainfuck program nesting `[` 1,000 deep).
An assertion is `abort()`: it would kill the user's process.  So a module of
ISOLATE_BLOCKS basic blocks or more (a sweep changes at least one block, so
a smaller module cannot need 1,000 sweeps) is optimised here instead: a
helper process (`python -c HELPER_MAIN`, started on first need and
kept for the next module) reads the IR text, runs jit.BIG_PASSES (passes
that scale with the function, where O2 has quadratic ones; DEEP_PASSES for
deep loop nests) on the same target machine and writes the optimised text
back.  If the helper
dies or takes longer than TIMEOUT_SECONDS, the module is optimised in this
process by SAFE_PASSES, a short pipeline of passes that do not iterate to a
fixpoint, and `OptimiserCrashWarning` says what happened; the code is
correct either way, only slower.

Protocol: each message is an 8-byte little-endian length and that many
bytes of UTF-8 text, one request and one reply per module; a request's text
starts with a line naming its pipeline, "big" or "deep" (jit.BIG_PIPELINES).
"""

from __future__ import annotations

import atexit
import os
import select
import sys
import threading
import time
import warnings
from pathlib import Path

import llvmlite.binding as llvm

ISOLATE_BLOCKS = 1000
HELPER_MAIN = "from rgen.llvm import isolated, jit; isolated.serve(jit.optimize_big)"
TIMEOUT_SECONDS = 600.0
SAFE_PASSES = ("add_sroa_pass", "add_instruction_combine_pass",
               "add_dead_code_elimination_pass")


class OptimiserCrashWarning(RuntimeWarning):
    """LLVM's optimiser failed on a module, which was compiled with the safe
    pipeline instead (correct, possibly slower code)."""


def block_count(mod) -> int:
    """Basic blocks over all function definitions of the module `mod`."""
    return sum(len(list(fn.blocks)) for fn in mod.functions if not fn.is_declaration)


class _Helper:
    """One helper process, started on first use and restarted after a failure."""

    def __init__(self, command: list | None = None):
        self.command = command or [sys.executable, "-c", HELPER_MAIN]
        self.process = None
        self.stderr = None
        self.failure = ""
        self.lock = threading.Lock()

    def start(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        import subprocess       # here: with tempfile, a tenth of importing rgen.llvm
        import tempfile
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.stderr, env=env)

    def stop(self) -> str:
        """Kill the helper; the tail of what it wrote to stderr."""
        process, self.process = self.process, None
        if process is None:
            return ""
        process.kill()
        process.wait()
        process.stdin.close()
        process.stdout.close()
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").strip().splitlines()
        self.stderr.close()
        status = (f"killed by signal {-process.returncode}" if process.returncode < 0
                  else f"exit status {process.returncode}")
        if not lines:
            return status
        last = lines[-1]
        return f"{last[last.find('Assertion'):][-300:]} ({status})"

    def optimise(self, text: str, timeout: float, kind: str = "big") -> str | None:
        """The text optimised by the pipeline `kind` (jit.BIG_PIPELINES), or
        None if the helper failed (then stopped)."""
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.stop()
                self.start()
            try:
                _write_message(self.process.stdin, f"{kind}\n{text}".encode())
                return _read_message(self.process.stdout, time.monotonic() + timeout).decode()
            except (OSError, EOFError, TimeoutError) as e:
                self.failure = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                return None


_helper = _Helper()
atexit.register(lambda: _helper.stop())     # no helper left running, no open pipes


def optimise_isolated(mod, name: str, optimise_here, kind: str = "big") -> object:
    """`mod` optimised by jit.BIG_PASSES in the helper process (a new module), or, if
    the helper fails, with SAFE_PASSES here (`mod` itself, changed)."""
    helper = _helper
    text = helper.optimise(str(mod), TIMEOUT_SECONDS, kind)
    if text is not None:
        return llvm.parse_assembly(text)
    reason = f"{helper.failure}; {helper.stop()}"
    warnings.warn(OptimiserCrashWarning(
        f"rgen.llvm: LLVM's optimiser failed on module {name!r} "
        f"({block_count(mod)} basic blocks): {reason}; compiled with the safe pipeline "
        f"({', '.join(p[4:-5] for p in SAFE_PASSES)}) instead: the code is correct but "
        f"may run slower"), stacklevel=4)
    optimise_here(mod, SAFE_PASSES)
    return mod


def _write_message(stream, data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _read_exactly(fd: int, n: int, deadline: float) -> bytes:
    chunks, left = [], n
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError(f"no answer within {TIMEOUT_SECONDS:g} s")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the helper process ended")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_message(stream, deadline: float) -> bytes:
    fd = stream.fileno()
    size = int.from_bytes(_read_exactly(fd, 8, deadline), "little")
    return _read_exactly(fd, size, deadline)


def serve(optimise) -> None:
    """The helper's loop (HELPER_MAIN): each message read from stdin is the
    name of a pipeline, a newline and a module's text; `optimise(mod, name)`
    it in place and write the result to stdout."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(8)
        if len(header) < 8:
            return
        kind, _, text = stdin.read(int.from_bytes(header, "little")).decode().partition("\n")
        mod = llvm.parse_assembly(text)
        optimise(mod, kind)
        _write_message(stdout, str(mod).encode())


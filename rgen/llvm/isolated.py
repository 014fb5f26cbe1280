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

A big function cut into pieces (rgen/split.py) goes to the helper a module
per piece, each sent as soon as it is emitted (`Batch`): the helper
optimises it and makes its machine code while this process emits the next,
so LLVM's work and the IR's emission overlap (two cores); the objects are
loaded here.

Protocol: each message is an 8-byte little-endian length and that many
bytes of UTF-8 text, one request and one reply per module; a request's text
starts with a line naming its pipeline, "big" or "deep" (jit.BIG_PIPELINES),
followed for a `Batch` by "object" and the names of the functions to poll
(its reply: the optimised text's length, the text, the object file).
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
HELPER_MAIN = ("from rgen.llvm import isolated, jit; "
               "isolated.serve(jit.optimize_big, jit.machine_code)")
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


def serve(optimise, machine_code=None) -> None:
    """The helper's loop (HELPER_MAIN): each message read from stdin is the
    name of a pipeline, a newline and a module's text; `optimise(mod, name)`
    it in place and write the result to stdout.  A first line "NAME object
    F G ..." asks for machine code too: the reply is then the optimised
    text's length (8 bytes), the text (`machine_code(mod, {F, G, ...})`'s,
    with the signal polls of the functions named) and the object file."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(8)
        if len(header) < 8:
            return
        first, _, text = stdin.read(int.from_bytes(header, "little")).decode().partition("\n")
        kind, *rest = first.split(" ")
        mod = llvm.parse_assembly(text)
        optimise(mod, kind)
        if rest and rest[0] == "object" and machine_code is not None:
            obj, optimised = machine_code(mod, set(rest[1:]))
            data = optimised.encode()
            _write_message(stdout, len(data).to_bytes(8, "little") + data + obj)
        else:
            _write_message(stdout, str(mod).encode())


class Batch:
    """Modules handed to the helper one at a time as they are made (`send`):
    it optimises each and makes its machine code while the caller makes the
    next (a big function's pieces, rgen/split.py: emitting the IR in this
    process and LLVM's work in the helper overlap).  `results()`: per module,
    in order, (optimised text, object file); or None if the helper failed
    (then stopped, `helper.failure` says why).  A thread of this process
    reads the replies as they come, so neither side waits on a full pipe."""

    def __init__(self, helper: "_Helper | None" = None, timeout: float | None = None):
        self.helper = helper or _helper
        self.timeout = TIMEOUT_SECONDS if timeout is None else timeout
        self.helper.lock.acquire()
        self.replies: list = []
        self.sent = 0
        self.sending = True
        self.error = ""
        self.ready = threading.Condition()
        try:
            if self.helper.process is None or self.helper.process.poll() is not None:
                self.helper.stop()
                self.helper.start()
        except OSError as e:
            self.error = f"{type(e).__name__}: {e}"
        self.reader = threading.Thread(target=self._read, name="timeshift-helper-replies",
                                       daemon=True)
        self.reader.start()

    def send(self, kind: str, text: str, polled=()) -> None:
        """Optimise the module `text` with the pipeline `kind` (jit.BIG_PIPELINES),
        the functions `polled` getting their signal polls."""
        if self.error:
            return
        with self.ready:                # counted first: the reader's clock runs
            self.sent += 1              # while this write waits on a full pipe
            self.ready.notify_all()
        try:
            _write_message(self.helper.process.stdin,
                           f"{kind} object {' '.join(sorted(polled))}\n{text}".encode())
        except OSError as e:
            with self.ready:
                self.error = self.error or f"{type(e).__name__}: {e}"
                self.ready.notify_all()

    def _read(self) -> None:
        while True:
            with self.ready:
                while not self.error and len(self.replies) >= self.sent and self.sending:
                    self.ready.wait()
                if self.error or len(self.replies) >= self.sent:
                    return
            try:
                data = _read_message(self.helper.process.stdout,
                                     time.monotonic() + self.timeout)
            except (OSError, EOFError, TimeoutError, AttributeError) as e:
                with self.ready:
                    self.error = self.error or (f"{type(e).__name__}: {e}" if str(e)
                                                else type(e).__name__)
                    self.ready.notify_all()
                if self.helper.process is not None:
                    self.helper.process.kill()      # a send blocked on its full pipe fails
                return
            size = int.from_bytes(data[:8], "little")
            with self.ready:
                self.replies.append((data[8:8 + size].decode(), data[8 + size:]))
                self.ready.notify_all()

    def results(self) -> list | None:
        self.close()
        return None if self.error else self.replies

    def close(self) -> None:
        """Wait for the replies to what was sent; stop a helper that failed."""
        if self.reader is None:
            return
        with self.ready:
            self.sending = False
            self.ready.notify_all()
        self.reader.join()
        self.reader = None
        if self.error:
            self.helper.failure = f"{self.error}; {self.helper.stop()}"
        self.helper.lock.release()

    def __enter__(self) -> "Batch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


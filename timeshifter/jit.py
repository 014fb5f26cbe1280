"""`make_jit(func, green=[...])`: compile what runs, when it is hot (DESIGN section 9).

    jit = make_jit(interpret, green=["code"], threshold=1000)
    jit(code, a)                  # always the same result as interpret(code, a)
    jit.stats                     # loops compiled, passes counted, compile ms, ...
    jit.stats_by_key()            # the same per merge point and green key
    jit.residual_graphs()         # what has been compiled so far
    make_jit(..., record_events=True).events

A call starts in the **baseline tier**: the function itself, every value
red, compiled to native code (`baseline="native"`, the default: its merge
points call back into the JIT only when reached through a can_enter_jit,
rgen/llvm/memops.py) or run by the flow-graph interpreter
(`baseline="graph"`).  Each
`hint(None, can_enter_jit=True)` (where the guest jumps back to its loop
head) arms a count at the global merge point that follows it: passes are
counted per green key of the merge point (for an interpreter: the guest
program and its program counter, so each guest loop counts on its own).
When a key reaches `threshold`, the generating extension compiles the code
from that merge point for that key (`Specializer.entry_at`, the residual
function a promotion fallback enters too) and the call continues in it,
natively, with the interpreter's current red values; later passes through
the same key enter that code at once.  A merge point reached without a
can_enter_jit (the loop's first entry) is not counted.

Events (with `record_events=True`, and always to `logging` at debug level):

    not entered    a counted pass below the threshold
    compile loop   the key reached the threshold: its code is compiled
    compile failed a bound of the options stopped it: the key stays in the
                   baseline tier (the result is the same, only slower)
    run native     the call continues in compiled code for a key
    done           the call returned

With the `lazy_splits` option (on) a red Bool split of compiled code is an
exit: a promotion site on the condition (rt.split), whose default runs the
fallback interpreter to the next merge point with code and whose sides are
compiled as bridges after `bridge_threshold` runs (or at once when its
fallback runs nest 16 deep within one call):

    pause at split   compiled code stops at a red split: an exit
    fallback         an exit's side ran in the fallback interpreter
    resume native    the fallback went on in compiled code at a merge point
    compile bridge   an exit's side is hot: compiled and attached

The native baseline counts passes natively and calls back into Python once
per `threshold` passes of a hot key (rgen/llvm/memops.py); the graph
baseline counts in Python (about 1 us a pass).

Bounded code (`max_code_ops`, 100,000 residual operations by default):
the code of one call's green key (for an interpreter, one guest program:
its loops, bridges and cases, which call each other) is a family
(family.py) whose machine code goes to an rgen.CodeSpace of its own.  After
a call, if the families' residual operations exceed the bound, those least
recently called are dropped, never the call's own: forgotten at once (the
next call with those greens counts and compiles again) and freed once no
call runs them (a call holds its family's space while it runs; so does a
compile queued for the worker).  A dropped family's promotion sites and
shared functions go with it.  Event:

    drop code        the code of the least recently called key was dropped

Background compiles (`background=True`, the default unless events are
recorded): a key reaching the threshold is compiled by a worker thread while
the call goes on in the baseline; its passes are not counted meanwhile, and
the first pass that calls back after the code is there runs it (the native
baseline calls back once per 16 x threshold passes of a key being compiled,
so up to that many passes later).  The worker holds the
host's lock while the generating extension runs (a promotion site or the
fallback of the calling thread waits for it there); LLVM releases the GIL
while it compiles, and while a worker compiles the threads switch every
0.5 ms instead of 5 (the caller's thread waits at most that for the GIL).
`jit.wait()` waits for the worker.  Bridges and promotion cases are
compiled by the thread that needs them (compiled in the worker, the exit's
side would run in the fallback interpreter meanwhile, far slower than
waiting: the accumulator's 100,000 iterations took 125 ms instead of 112),
but in the cheap tier (O0 machine code, about a third of the time), and
compiled again with the optimiser by the worker, which then swaps them in
(promotion.py, `_native_case`).
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from collections import Counter

from flowgraph.arguments import check_arguments
from flowgraph.interp import MergePoint, resume_graph
from flowgraph.model import FunctionGraph
from flowgraph.operations import OPS
from hintannotator.sources import hint_flags
from timeshifter.compiler import Compiler
from timeshifter.errors import TimeshiftError
from timeshifter.family import Family
from timeshifter.options import Options
from timeshifter.specializer import green_size
from timeshifter.state import value_key
from timeshifter.worker import Worker, running

log = logging.getLogger("timeshifter.jit")

BASELINES = ("native", "graph")
PENDING_SKIP = 15          # x threshold: passes not called back while a loop compiles
MAX_CODE_OPS = 100_000      # make_jit: the residual operations its compiled code may hold


def make_jit(func, green=(), threshold: int = 1000, bridge_threshold: int = 200,
             baseline: str = "native", record_events: bool = False,
             background: bool | None = None, max_code_ops: int | None = MAX_CODE_OPS,
             **options) -> "Jit":
    """A callable running `func` in the baseline tier and its hot loops as
    compiled code.  `green`: the parameters that are compile-time constants
    (names or indices); `threshold`: passes of a loop (per green key) before
    it is compiled; `bridge_threshold`: runs of an exit's side before it is
    compiled; `background`: loops are compiled in a worker thread while the
    baseline goes on (`Jit.wait()` waits for them), by default unless
    events are recorded (their order then depends on the threads);
    `max_code_ops`: the residual operations the JIT's compiled code may
    hold before the code of the least recently called green keys is dropped
    (None: no bound); the other options are `make_compiler`'s."""
    if background is None:
        background = not record_events
    if not isinstance(background, bool):
        raise ValueError(f"make_jit: background must be True or False, have {background!r}")
    for name, value in (("threshold", threshold), ("bridge_threshold", bridge_threshold),
                        ("max_code_ops", 1 if max_code_ops is None else max_code_ops)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"make_jit: {name} must be an int >= 1, have {value!r}")
    options = dict(options, bridge_threshold=bridge_threshold)
    options.setdefault("lazy_splits", True)
    options.setdefault("promote_tracked", 5)    # a value guard tracks at most 5 values
    options.setdefault("optimise_later", background)
    if baseline not in BASELINES:
        raise ValueError(f"make_jit: baseline must be one of {', '.join(map(repr, BASELINES))}, "
                         f"have {baseline!r}")
    jit = Jit(func, green, threshold, baseline, record_events, Options.from_kwargs(options))
    jit.max_code_ops = max_code_ops
    if background:
        jit.start_worker()
    return jit


class Jit:
    def __init__(self, func, green, threshold: int, baseline: str, record_events: bool,
                 options: Options):
        self.func = func
        self.threshold = threshold
        self.baseline = baseline
        self._pending: set = set()      # (family, merge key)s the worker is compiling
        self._worker = None             # the worker thread (worker.py), with `background`
        # its loops are entered with the interpreter's objects: merge_point_entries
        self.compiler = Compiler(func, green, options, merge_point_entries=True)
        self.compiler._specializer.host.listener = self._event
        self.graph = self.compiler.root.graph       # the coloured graph the baseline runs
        self.events: list | None = [] if record_events else None
        self.stats: Counter = Counter()
        self._check_hints()
        self._families: dict = {}       # green key of a call -> its Family
        self.max_code_ops: int | None = MAX_CODE_OPS
        self._clock = itertools.count(1)    # Family.last_used
        self._families_lock = threading.Lock()
        self._added_seen = -1           # CodeSpace.added when the bound was last checked
        from rgen.llvm import jit as llvm      # (llvmlite is imported on first use)
        self._llvm = llvm
        self._counts: dict = {}         # (family, merge key) -> passes counted
        self._loops: dict = {}          # (family, merge key) -> FallbackEntry
        self._failed: set = set()       # merge keys whose compile hit a bound
        # per thread: the running call's family (native baseline), and whether
        # a can_enter_jit ran so that the next merge point counts (graph baseline)
        self._calls = threading.local()
        self._points: dict = {}         # merge point site -> Jit._point's tuple
        self._by_key: dict = {}         # (family, block, greens) -> Counter of its events
        self._native = None
        if baseline == "native":
            from rgen import compile_graph
            from rgen.llvm.memops import MERGE_HOOK, MergeHook
            # passes are counted natively (memops.py); with events recorded,
            # every pass calls back, to report it
            self.graph._cache[MERGE_HOOK] = MergeHook(
                self._native_merge_point, self._green_positions,
                1 if record_events else threshold)
            self._native = compile_graph(self.graph, options.pipeline(True),
                                         self.compiler._specializer.host.object_cache)

    def _check_hints(self) -> None:
        hints = [(hint_flags(op), op.lineno) for op in self.graph.iteroperations()
                 if OPS[op.opname].kind == "hint"]
        flags = [f for f, _ in hints]
        name, where = self.graph.name, f"{self.graph.filename}:{self.graph.firstlineno}"
        merge_lines = [line for f, line in hints if "global_merge_point" in f]
        if not merge_lines:
            raise TimeshiftError(
                f"make_jit({name}) at {where}: the function has no global merge point, so "
                f"the JIT has no loop to compile. Hint that helps: "
                f"hint(None, global_merge_point=True) as the first statement of the "
                f"interpreter's main loop, and hint(None, can_enter_jit=True) where the "
                f"guest jumps back.")
        if not any("can_enter_jit" in f for f in flags):
            raise TimeshiftError(
                f"make_jit({name}): the global merge point at {self.graph.filename}:"
                f"{merge_lines[0]} is never counted: no hint(None, can_enter_jit=True) in "
                f"{name}. Hint that helps: put it where the "
                f"guest closes a loop (its backward jump), just before the interpreter "
                f"returns to the global merge point.")

    # -- calling -----------------------------------------------------------------------
    def __call__(self, *args):
        args = check_arguments(self.graph, args)
        greens = [args[i] for i in self.compiler.green_indices]
        key = tuple(value_key(g) for g in greens)
        family = self._families.get(key)
        # the family's code stays while the call runs, and what it compiles goes there
        if family is None or family.dropped or not family.space.enter():
            family = self._new_family(key, greens)
        family.last_used = next(self._clock)
        space = family.space
        try:
            with running():
                if self._native is not None:
                    calls = self._calls
                    saved, calls.family = getattr(calls, "family", None), family
                    try:
                        result = self._native(*args)
                    finally:
                        calls.family = saved
                else:
                    calls = self._calls
                    saved, calls.armed = getattr(calls, "armed", False), False
                    try:
                        result = resume_graph(
                            self.graph, self.graph.startblock, args,
                            merge_point=functools.partial(self._at_point, family))
                    finally:
                        calls.armed = saved
        finally:
            space.__exit__()
        self._event("done")
        if self.max_code_ops is not None:
            self._bound(family)
        return result

    def _new_family(self, key, greens) -> Family:
        """The family of the call's green `key`, made if there is none (or
        only a dropped one), its code space entered."""
        with self._families_lock:
            family = self._families.get(key)
            if family is None:
                family = self._families[key] = Family(
                    green_size(greens), self._llvm.CodeSpace(f"{self.graph.name} {key!r:.60}"))
            family.space.__enter__()            # not dropped: under the lock
            return family

    # -- the bound on compiled code ----------------------------------------------------
    def residual_ops(self) -> int:
        """The residual operations of the code compiled for the green keys
        the JIT keeps (loops, bridges, cases and what they call)."""
        return sum(f.space.operations for f in list(self._families.values()))

    def _bound(self, current) -> None:
        """Past `max_code_ops`, drop the code of the least recently
        called green keys, never that of the call just made or the loop
        just compiled (`current`)."""
        seen = self._llvm.CodeSpace.added
        if seen == self._added_seen:
            return
        self._added_seen = seen
        total = self.residual_ops()
        if total <= self.max_code_ops:
            return
        with self._families_lock:
            for family in sorted(self._families.values(), key=lambda f: f.last_used):
                if total <= self.max_code_ops:
                    break
                if family is not current:
                    total -= family.space.operations
                    self._drop(family)

    def _drop(self, family) -> None:
        """Forget `family`'s compiled code (a later call with its greens
        counts and compiles again) and free its machine code once no call
        runs it."""
        key = next(k for k, f in self._families.items() if f is family)
        del self._families[key]
        family.dropped = True
        for table in (self._loops, self._counts, self._by_key):
            for k in [k for k in table if k[0] is family]:
                del table[k]
        for keys in (self._failed, self._pending):      # (in place: the worker uses them)
            keys.difference_update([k for k in list(keys) if k[0] is family])
        self.compiler._specializer.host.forget_family(family)
        self.stats["dropped keys"] += 1
        self.stats["dropped ops"] += family.space.operations
        self._event("drop code")
        log.debug("%s: dropped the code of %r (%d operations)", self.graph.name, key,
                  family.space.operations)
        family.space.close()

    def _at_point(self, family, site, values):
        """The graph baseline's callback at can_enter_jit (arm) and at global
        merge points (count: see `_count`)."""
        if values is None:
            self._calls.armed = True
            return None
        if not getattr(self._calls, "armed", False) or not isinstance(site, MergePoint):
            return None
        self._calls.armed = False
        point = self._point(site)
        if point is None:
            return None
        result = self._count(family, point, [values.get(v) for v in site.live])
        return None if isinstance(result, int) else result

    def _native_merge_point(self, site, passes, *values):
        """The native baseline's call at a global merge point reached after a
        can_enter_jit (armed natively), once its key's `passes` were counted
        natively: None, passes to skip before the next call, or (result,)
        of compiled code."""
        point = self._point(site)
        if point is None:
            return None
        family = getattr(self._calls, "family", None)
        if family is None:              # (not inside a call of this JIT in this thread)
            return None
        return self._count(family, point, values, passes)

    def _green_positions(self, site):
        """Where the green values of a merge point site are among its live
        values (the native baseline hashes them), or None where no compiled
        code can start."""
        point = self._point(site)
        return None if point is None else point[3]

    def _point(self, site):
        """(code, block, positions of its inputs, of its greens, of its reds
        among the site's live values) of a merge point site, computed once;
        None where no code can start (inputs not all live)."""
        point = self._points.get(site, False)
        if point is False:
            point = None
            code = self._code(site)
            if code is not None:
                block = code.index[site.block]
                inputs = code.inputs[(block, 0)]
                if all(v in site.live for v in inputs):
                    where = [site.live.index(v) for v in inputs]
                    greens = tuple(k for k, v in zip(where, inputs) if code.is_green(v))
                    reds = tuple(k for k, v in zip(where, inputs) if not code.is_green(v))
                    point = (code, block, where, greens, reds)
            self._points[site] = point
        return point

    def _count(self, family, point, values, passes: int = 1):
        """Count `passes` at a merge point with `values` (the site's live values
        in order); at the threshold compile the loop for its green key; run
        the compiled code there is: (result,), else None, or the passes the
        native baseline may skip when the key's code is being compiled."""
        code, block, where, greens, reds = point
        key = (family, block, tuple([value_key(values[k]) for k in greens]))
        entry = self._loops.get(key)
        if entry is None:
            if family.dropped:              # a call that began before its code was dropped
                return None
            if key in self._pending:
                return self._skip()
            if key in self._failed:
                return None
            self.stats["passes counted"] += passes
            passes = self._counts[key] = self._counts.get(key, 0) + passes
            if passes < self.threshold:
                self._event("not entered", key)
                return None
            args = [values[k] for k in where]
            if self._worker is not None:
                self._compile_in_worker(family, code, block, args, key)
                return self._skip()
            entry = self._compile(family, code, block, args, key)
            if entry is None:
                return None
        self._event("run native", key)
        return (entry.native(*[values[k] for k in reds]),)

    def start_worker(self) -> None:
        """Compile loops in a worker thread from now on (make_jit's
        `background`)."""
        if self._worker is None:
            self._worker = Worker()
            self.compiler._specializer.host.worker = self._worker

    @property
    def background(self) -> bool:
        """Are loops compiled in a worker thread?"""
        return self._worker is not None

    def _skip(self) -> int:
        """The passes the native baseline may skip before it calls back again
        while a key's code is being compiled (calling back every `threshold`
        passes doubled the DFA's time meanwhile)."""
        return min(PENDING_SKIP * self.threshold, 1 << 30)     # an i32 counter

    def _compile_in_worker(self, family, code, block, args, key) -> None:
        """Compile the loop of `key` in the worker thread; passes of the key
        go on in the baseline until its code is there (`_loops`)."""
        self._pending.add(key)            # before the worker can take it away
        self._worker.submit(self._compile_pending, family, code, block, args, key,
                            lost=lambda: self._pending.discard(key))

    def _compile_pending(self, family, code, block, args, key) -> None:
        try:
            self._compile(family, code, block, args, key)
        except BaseException:               # a bug: the key stays in the baseline
            self._failed.add(key)
            raise
        finally:
            self._pending.discard(key)
        if self.max_code_ops is not None:
            self._bound(family)             # (a loop compiled after the last call)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the loops being compiled in the worker thread
        (at most `timeout` seconds); True when none is left.  An unexpected
        error of the worker is raised here."""
        return True if self._worker is None else self._worker.wait(timeout)

    def _compile(self, family, code, block, args, key):
        if family.dropped:
            return None
        self._event("compile loop", key)
        start = time.perf_counter()
        try:
            entry = self.compiler._specializer.entry_at(family, code, args, block)
            entry.native                                # compiled now, timed with the rest
        except TimeshiftError as exc:
            # a bound of the options (a green counter under a red loop bound,
            # say): this key stays in the baseline tier
            self._failed.add(key)
            self._event("compile failed", key)
            log.debug("%s: compiling the loop failed: %s", self.graph.name, exc)
            return None
        with self._families_lock:
            if family.dropped:              # dropped while it compiled (in the worker)
                return None
            self._loops[key] = entry
        self._counts.pop(key, None)
        self.stats["loops"] += 1
        self.stats["compile ms"] += round((time.perf_counter() - start) * 1e3, 3)
        self.stats["residual ops"] += sum(1 for _ in entry.graph.iteroperations())
        return entry

    def _code(self, site):
        return self.compiler._specializer.host.codes.get(site.graph)

    def _event(self, what: str, key=None) -> None:
        self.stats[what] += 1
        if key is not None:
            self._by_key.setdefault(key, Counter())[what] += 1
        if self.events is not None:
            self.events.append(what)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: %s%s", self.graph.name, what, "" if key is None else f" {key[1:]}")

    # -- what was compiled -------------------------------------------------------------
    def stats_by_key(self) -> dict:
        """Per merge point and green key: {(call's greens, block, merge point's
        greens): Counter of its events ("not entered", "compile loop", "run
        native", ...)}; the green values as `value_key` gives them."""
        keys = {id(f): k for k, f in self._families.items()}
        return {(keys[id(family)], block, greens): Counter(events)
                for (family, block, greens), events in list(self._by_key.items())
                if id(family) in keys}          # (not a key whose code was dropped)

    def residual_graphs(self) -> list:
        """The residual graphs compiled so far, in the order they were made:
        the loops, the cases of their exits and promotion sites (bridges), and
        every function those call (the shared entries bridges jump to)."""
        graphs = [entry.graph for entry in self._loops.values()]
        for site in self.compiler.sites:
            graphs += [case.graph for case in site.cases.values()]
        seen, order = set(), []
        while graphs:
            g = graphs.pop(0)
            if g in seen:
                continue
            seen.add(g)
            order.append(g)
            graphs += [op.args[0].value for op in g.iteroperations()
                       if OPS[op.opname].calls and isinstance(op.args[0].value, FunctionGraph)]
        return order

    def __repr__(self) -> str:
        return (f"<Jit for {self.graph.name}: {self.stats['loops']} loop(s) compiled, "
                f"threshold {self.threshold}>")

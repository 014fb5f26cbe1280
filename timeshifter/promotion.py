"""Promotion sites: run-time values become compile-time ones.

When the generating extension meets `hint(x, promote=True)` with `x` a
run-time value, it ends the residual code there with

    r = promote(c_site, v_x, *live)      # live: the red leaves of the state
    return r

and saves the compile-time state in the `PromotionSite` (a frozen copy of the
frames, whose red leaves are exactly the `live` values, in `freeze` order).
At run time the site is an extensible switch on the value:

  * a value with a compiled case runs it: the case is a residual function
    of the `live` values that continues the original function from the
    promotion point with `x` green (native code dispatches through the
    site's native table without entering Python);
  * any other value is counted (at most `promote_tracked` values per site
    are tracked; the least counted one is evicted), and either the fallback
    interpreter (fallback.py) runs the rest of the function on the real
    values, or -- once the value's count reaches `promote_threshold` -- the
    generating extension resumes from the saved state with the value green,
    compiles the case and attaches it to the site;
  * a site with `promote_max_cases` cases is megamorphic: every other value
    runs its megamorphic path (megamorphic.py), the rest of the call with the
    value red, compiled once (natively the site's default, tail-called
    without entering Python); where none can be built (a callee holding a
    global merge point that is no coloured graph) and for the exits of lazy
    splits, the fallback serves.

The same site serves the graph backend (`site.dispatch(value, live)`, called
by the flow-graph interpreter's trampoline: `promote` is a tail transfer, so
loops through promotion sites do not grow the stack) and native code
(`site.native_miss`, called by the native dispatch code when its table has
no entry, returns the address of the case, which the native code
tail-calls like a table hit; `site.native_fallback` gives the result
without a case).  Both sides are declared by the lower layers
(flowgraph/dispatch.py, rgen/dispatch.py).
"""

from __future__ import annotations

import functools
import logging
import time

from flowgraph.dispatch import InterpretedSwitch
from flowgraph.interp import TailCall
from rgen.dispatch import NativeSwitch
from timeshifter.errors import TimeshiftError
from timeshifter.state import freeze_frames, value_key
from timeshifter.worker import foreground

log = logging.getLogger("timeshifter.promotion")
MAX_NESTED_MISSES = 200
HOT_NESTING = 16        # nested fallback runs making an exit's side hot (< NESTED_NATIVE_ENTRIES)
_nested_misses = 0


def _locked(method):
    """Run `method` holding the host's lock: the generating extension may be
    running for a JIT's loop in a worker thread (jit.py)."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self.specializer.host.lock:
            return method(self, *args, **kwargs)
    return locked


def nested_misses() -> int:
    """How many native misses are running the fallback right now, nested."""
    return _nested_misses


class Case:
    """A compiled continuation of a site for one value."""

    __slots__ = ("value", "graph", "native", "compile_seconds", "entry")

    def __init__(self, value, graph, seconds: float):
        self.value = value
        self.graph = graph
        self.native = None
        self.entry = None                   # a megamorphic path's Python entry
        self.compile_seconds = seconds


class PromotionSite(InterpretedSwitch, NativeSwitch):
    """One `promote` operation's site: both sides of the dispatch protocol
    (flowgraph/dispatch.py, rgen/dispatch.py)."""

    def __init__(self, specializer, family, number: int, frame, gv_promoted, live_gvs: list,
                 where: str, split: bool = False):
        self.specializer = specializer      # compiles cases (specializer.py)
        self.family = family
        self.options = specializer.options
        self.number = number
        self.frame = frame                  # saved frames (boxes as at the site)
        self.gv_promoted = gv_promoted
        self.live_types = [gv.concretetype for gv in live_gvs]
        self.value_type = gv_promoted.concretetype
        # the cases continue the saved frames up to the outermost, which
        # began the residual function holding the site: its result type
        self.return_type = frame.chain()[0].code.return_type
        self.where = where
        # an exit of a lazy split (JIT mode): its cases are bridges, compiled
        # after bridge_threshold runs of their side
        self.split = split
        # (leaf index of an object, field name) when the value promoted is
        # that field of that object: its cases know the field (Driver.known_read)
        self.known_read = None
        self.threshold = (self.options.bridge_threshold if split
                          else self.options.promote_threshold)
        self.cases: dict = {}
        self.counts: dict = {}
        self.fallback_runs = 0
        self.megamorphic = False
        self.megamorphic_path = False       # not built yet; then a Case or None
        self.megamorphic_runs = 0
        NativeSwitch.__init__(self, self.options.promote_max_cases)

    def case_for(self, value) -> Case | None:
        """The compiled case of `value`, if any."""
        return self.cases.get(value_key(value))

    # -- run-time entry points ---------------------------------------------------------
    def dispatch(self, value, live):
        """Dispatch from interpreted residual code (the interpreter's trampoline):
        a transfer to the compiled case, or the result of the fallback."""
        case = self.cases.get(value_key(value))
        if case is None:
            case = self._miss(value, live)
            if case is None:
                path = self._megamorphic_path()
                if path is None:
                    return self._fallback(value, live, native=False)
                self.megamorphic_runs += 1
                return TailCall(path.graph, (value, *live))
        return TailCall(case.graph, live)

    def native_miss(self, value, *live) -> int:
        """Dispatch from native code whose table had no entry for `value`:
        the address of the (maybe just compiled) case, which the native code
        tail-calls once this returns, or 0 for no case (the native code then
        calls `native_fallback`).  Python returns before the case runs, so a
        loop or a recursion through fresh cases does not nest Python frames."""
        case = self.cases.get(value_key(value))
        if case is not None and case.native is not None:
            return case.native.address
        with foreground():
            if case is None:
                case = self._miss(value, live)
                if case is None:
                    return 0
            return self._native_case(case).address

    def native_fallback(self, value, *live):
        """The fallback interpreter's result for `value` (after `native_miss`
        gave 0).  Nested fallbacks (a megamorphic site reached again from the
        native code the fallback continues into) are bounded: past
        `MAX_NESTED_MISSES` a RecursionError is raised instead of risking the
        C stack."""
        path = self._megamorphic_path()
        if path is not None:
            # the first miss since the site became megamorphic: its path is
            # compiled now and serves this value through its Python entry;
            # from now on native code tail-calls it on every miss (the
            # site's default), without entering Python
            self.megamorphic_runs += 1
            if path.native is None:
                from rgen import compile_graph
                from rgen.llvm.compiler import native_code
                path.entry = compile_graph(path.graph, self.options.pipeline(True),
                                           self.specializer.host.object_cache)
                path.native = native_code(path.graph)
                self.attach_default(path.native.address)
            return path.entry(value, *live)
        global _nested_misses
        if _nested_misses >= MAX_NESTED_MISSES:
            raise RecursionError(f"promotion site at {self.where}: more than "
                                 f"{MAX_NESTED_MISSES} nested fallback runs")
        _nested_misses += 1
        try:
            return self._fallback(value, live, native=True)
        finally:
            _nested_misses -= 1

    # -- counting and compiling -----------------------------------------------------------
    @_locked
    def _miss(self, value, live):
        """Count `value`; compile and return its case when it is hot enough."""
        if self.megamorphic:
            return None
        key = value_key(value)
        count = self.counts.get(key, 0) + 1
        if key not in self.counts and len(self.counts) >= self.options.promote_tracked:
            coldest = min(self.counts, key=self.counts.get)
            del self.counts[coldest]
        self.counts[key] = count
        # a side of an exit that ran more than once while fallback runs nest
        # HOT_NESTING deep (native code, the fallback, native code again, ...
        # in one call) is hot: its bridge is compiled now, before the nesting
        # grows or the fallback has to stop entering native code
        hot = self.split and count >= 2 and _nested_misses >= HOT_NESTING
        if count < self.threshold and not hot:
            return None
        del self.counts[key]
        if not self.split:
            return self.compile_case(value)
        try:
            return self.compile_case(value)
        except TimeshiftError as exc:
            # a bridge that hits a bound: the exit stays with the fallback
            self.megamorphic = True
            self.specializer.host.note("compile failed")
            log.debug("site %d (%s): the bridge for %r failed: %s", self.number, self.where,
                      value, exc)
            return None

    def compile_case(self, value) -> Case:
        self.specializer.host.note("compile bridge" if self.split else "compile case")
        start = time.perf_counter()
        graph = self.specializer.resume_at_site(self, value)
        case = Case(value, graph, time.perf_counter() - start)
        self.cases[value_key(value)] = case
        log.debug("site %d (%s): compiled the case %r in %.2f ms", self.number, self.where,
                  value, case.compile_seconds * 1e3)
        if len(self.cases) >= self.options.promote_max_cases:
            self.megamorphic = True
            self.counts.clear()
            log.debug("site %d (%s): megamorphic after %d cases", self.number, self.where,
                      len(self.cases))
        return case

    @_locked
    def _megamorphic_path(self) -> Case | None:
        """The site's megamorphic path (megamorphic.py), built on first use
        once the site is megamorphic; None where the fallback stays (and
        for the exits of lazy splits, whose sides are bridged)."""
        if not self.megamorphic or self.split:
            return None
        if self.megamorphic_path is False:
            from timeshifter.megamorphic import megamorphic_graph
            start = time.perf_counter()
            name = f"{self.specializer.host.entry_graph.name}_{self.specializer.next_function_number()}_megamorphic"
            graph = megamorphic_graph(self, name)
            self.megamorphic_path = None if graph is None else Case(
                None, graph, time.perf_counter() - start)
            self.specializer.host.note("megamorphic path" if graph is not None
                                       else "no megamorphic path")
            log.debug("site %d (%s): %s", self.number, self.where,
                      "megamorphic path built" if graph is not None else
                      "no megamorphic path: the fallback stays")
        return self.megamorphic_path

    @_locked
    def _native_case(self, case: Case):
        """The case's native code, compiled and attached on first use.  With
        the light pipeline due and the option `optimise_later`, it is
        compiled in the cheap tier first (O0 machine code, loops too: about
        half the time), and the process's worker thread compiles it again
        with the light pipeline, in an LLVM context of its own, and swaps it
        in (bench_promotion's attach: 6.8 -> 2.9 ms a new value)."""
        if case.native is None:
            from rgen.llvm.compiler import cheap_whatever_the_pipeline, native_code
            pipeline = self.options.pipeline(True)
            later = (self.options.optimise_later and pipeline == "light"
                     and not cheap_whatever_the_pipeline(case.graph))
            cache = self.specializer.host.object_cache
            if later and cache is not None:
                # the optimised code a worker saved in an earlier process, if any
                case.native = native_code(case.graph, pipeline, cache=cache, only_saved=True)
                later = case.native is None
            if case.native is None:
                case.native = native_code(case.graph, pipeline, own="quick" if later else None,
                                          cache=None if later else cache)
            self.attach_native(case.value, case.native.address)
            if later and case.native.tier == "cheap":
                self.specializer.host.background().submit(self._optimise_case, case, pipeline)
        return case.native

    def _optimise_case(self, case: Case, pipeline: str) -> None:
        """In the JIT's worker thread: the case compiled with `pipeline`, in
        place of its cheap code (and saved in the code cache, if any)."""
        from rgen.llvm.compiler import recompile
        case.native = recompile(case.graph, pipeline, self.specializer.host.object_cache)
        self.replace_native(case.value, case.native.address)

    def _fallback(self, value, live, native: bool):
        self.fallback_runs += 1
        self.specializer.host.note("fallback")
        log.debug("site %d (%s): fallback interpreter for %r", self.number, self.where, value)
        from timeshifter.fallback import run_fallback
        return run_fallback(self, value, live, native)

    # -- state -------------------------------------------------------------------------------
    def resumed_state(self):
        """A fresh copy of the saved frames and their leaves, in `freeze` order."""
        frame = self.frame.copy({})
        return frame, freeze_frames(frame)[1]

    def stats(self) -> dict:
        return {"site": self.where,
                "compiled": sorted((c.value for c in self.cases.values()), key=repr),
                "fallback_runs": self.fallback_runs, "megamorphic": self.megamorphic,
                "megamorphic_path": bool(self.megamorphic_path),
                "megamorphic_runs": self.megamorphic_runs,
                "tracked": len(self.counts)}

    def __repr__(self) -> str:
        return f"<PromotionSite {self.number} at {self.where}>"


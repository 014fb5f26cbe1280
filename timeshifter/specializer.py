"""The specialisation machinery: running the generating extension.

`Compiler` (compiler.py) is the public facade; what it knows that the
machinery needs is handed over as a narrow `Host`: the options, the graph
codes of the generating extension, the registry of promotion sites, the
statistics and the numbering of residual functions.  Nothing below calls
back into the `Compiler`.

`Specializer` starts residual functions and runs a `Driver` (driver.py) to
fill them, in three situations:

  * `specialize(code, values)`: a root residual function for given greens;
  * `resume_at_site(site, value)`: a promotion site's case for `value`,
    from the compile-time state the site saved;
  * `at_merge_point(...)`: the fallback interpreter's merge-point callback
    (fallback.py): compiled code for the rest when the family has code for
    the merge point's green key.

Each run builds its residual graphs with a fresh backend made from the
options (`new_backend`; the graph backend by default).
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field

from flowgraph.gcpause import collector_paused
from flowgraph.interp import TailCall
from flowgraph.model import Constant
from flowgraph.operations import OPS
from rgen.graphbackend import GraphBackend
from timeshifter import promotion
from timeshifter.boxes import RedBox
from timeshifter.cache import object_cache
from timeshifter.driver import Driver
from timeshifter.errors import SpecializationWarning
from timeshifter.family import Family
from timeshifter.options import Options
from timeshifter.promotion import PromotionSite
from timeshifter.state import Frame, JitState

NESTED_NATIVE_ENTRIES = 32   # nested fallback runs before the fallback stops entering native code

# Residual code is built by rgen's graph backend in both modes: "llvm" graphs
# are compiled natively when called (as every residual graph can be).
BACKENDS = {"graph": GraphBackend, "llvm": GraphBackend}


def new_backend(options: Options):
    """A fresh `rgen.Backend` for one run: `options.backend` names one of
    BACKENDS (given the residual pipeline's options), or is a callable making
    the backend."""
    make = options.backend
    return BACKENDS[make](options.pass_options()) if isinstance(make, str) else make()


_RAISED_BY_OPERATIONS = tuple({cls for desc in OPS.values() if desc.kind not in ("call", "transfer")
                               for cls in desc.canraise})


@dataclass(slots=True, eq=False)
class Host:
    """What the machinery needs of its compiler, and nothing more."""

    options: Options
    entry_graph: object            # the coloured entry graph (name, return type)
    codes: dict                    # coloured graph -> its GraphCode
    sites: list = field(default_factory=list)      # every promotion site, in order
    sites_by_state: dict = field(default_factory=dict)  # site_state(...) -> its site
    constant_states: dict = field(default_factory=dict)  # promotion point -> red constants seen
    shared_functions: dict = field(default_factory=dict)  # (family, code, greens) -> graph
    stats: Counter = field(default_factory=Counter)
    functions: itertools.count = field(default_factory=lambda: itertools.count(1))
    site_numbers: itertools.count = field(default_factory=itertools.count)
    listener: object = None        # listener(event) of a JIT (jit.py), or None
    worker: object = None          # what it submits to the worker thread (worker.py), or None
    given_up: dict = field(default_factory=dict)   # place -> what was given up there
    given_up_names: dict = field(default_factory=dict)  # variable name -> [messages]
    # held while the generating extension runs for a promotion site or a merge
    # point: a JIT may compile a loop in a worker thread (jit.py)
    lock: threading.RLock = field(default_factory=threading.RLock)
    catches_operations: bool = field(init=False)   # (see __post_init__)
    object_cache: object = field(init=False)       # rgen's ObjectCache of options.cache, or None

    def __post_init__(self):
        self.object_cache = object_cache(self.options.cache)
        # does an exception exit of the codes catch what a residual operation
        # (not a call) may raise?  Only then do those ask (JitState.classes_for)
        self.catches_operations = any(
            issubclass(raised, cls) for code in self.codes.values()
            for exits in code.exception_exits.values() for _, cls in exits
            for raised in _RAISED_BY_OPERATIONS)

    def forget_family(self, family) -> None:
        """Forget the promotion sites and shared functions of `family`, whose
        code a JIT dropped (jit.py)."""
        self.sites[:] = [site for site in self.sites if site.family is not family]
        for table, family_of in ((self.sites_by_state, lambda state: state[0][0]),
                                 (self.constant_states, lambda point: point[0]),
                                 (self.shared_functions, lambda key: key[0])):
            for key in [key for key in table if family_of(key) is family]:
                del table[key]

    def give_up(self, place, message: str, names=()) -> None:
        """Record what a specialisation gave up at `place` (warned once), and
        for the source variables `names` it concerns (for `explain`)."""
        if place not in self.given_up:
            self.given_up[place] = message
            for name in names:
                self.given_up_names.setdefault(name, []).append(message)
            warnings.warn(SpecializationWarning(message), stacklevel=2)

    def note(self, event: str) -> None:
        """Tell the listener, if any, what the machinery did ("pause at split",
        "fallback", "compile bridge", "compile case", "resume native")."""
        if self.listener is not None:
            self.listener(event)

    def background(self):
        """The `Worker` this compiler submits to (made on first use, a quiet
        one: a JIT's is set when it starts)."""
        with self.lock:
            if self.worker is None:
                from timeshifter.worker import Worker
                self.worker = Worker(quiet=True)
            return self.worker

    def next_function_number(self) -> int:
        """A fresh number for a residual function's name."""
        return next(self.functions)


def green_size(values: list) -> int:
    """How big the green inputs are: the items of green strings, lists and
    tuples, 1 for any other green value (None stands for a red parameter)."""
    return sum(len(v) if isinstance(v, (str, list, tuple)) else 1
               for v in values if v is not None)


class Specializer:
    def __init__(self, host: Host):
        self.host = host
        self.options = host.options

    def specialize(self, code, values: list):
        """A root residual function of `code` with `values` at its green
        parameters: (graph, operations emitted)."""
        backend = new_backend(self.options)
        driver = Driver(self, backend, self.options, Family(green_size(values)))
        graph = self.start_specialization(driver, code, values)
        finish(driver, backend)
        self.host.stats["specializations"] += 1
        return graph, backend.ops_emitted

    def start_specialization(self, driver: Driver, code, values: list, block: int = 0):
        """Begin a residual function for `code` from `block` (the start block by
        default): inputs whose variable is green hold the given values, the
        others become the function's parameters.  Schedules the first path and
        returns the residual graph (finished when the driver is done)."""
        graph, js = self._start(driver, code, values, block)
        driver.schedule(js)
        return graph

    def _start(self, driver: Driver, code, values: list, block: int):
        """(the residual graph, its first path): see start_specialization."""
        inputs = code.inputs[(block, 0)]
        red = [i for i, v in enumerate(inputs) if not code.is_green(v)]
        builder, gvs = driver.backend.new_graph(
            f"{code.name}_{self.host.next_function_number()}",
            [inputs[i].concretetype for i in red], code.return_type,
            [inputs[i].name for i in red], source_name=code.name)
        frame_values = list(values)
        for i, gv in zip(red, gvs):
            frame_values[i] = RedBox(gv)
        for v, value in zip(inputs, values):
            if code.is_green(v) and isinstance(value, (str, list, tuple)):
                driver.green_inputs[id(value)] = v.name     # (rtimeshift.op's warning)
        greenargs = None
        if block == 0:      # a function entry: recursion with these greens calls it
            greenargs = code.green_key(frame_values)
            driver.residual_graphs.setdefault((code, greenargs), builder.graph)
        js = JitState(builder, Frame(code, block, 0, frame_values, None, greenargs), driver)
        return builder.graph, js

    def next_function_number(self) -> int:
        return self.host.next_function_number()

    def count(self, what: str) -> None:
        self.host.stats[what] += 1

    # -- promotion ----------------------------------------------------------------------
    def site_for(self, state, family, frame, gv_promoted, live_gvs,
                 where: str, split: bool = False, known_read=None) -> PromotionSite:
        """The promotion site of the program point and compile-time `state`
        (see Driver.promote): the one already made for them, so that compiled
        code reaching the same point in the same state jumps to the same site
        and `promote_max_cases` bounds the code of that point; else a new
        site, registered with the host."""
        site = self.host.sites_by_state.get(state)
        if site is None:
            site = PromotionSite(self, family, next(self.host.site_numbers), frame,
                                 gv_promoted, live_gvs, where, split)
            site.known_read = known_read
            self.host.sites.append(site)
            self.host.sites_by_state[state] = site
            if split:
                self.host.note("pause at split")
        return site

    def resume_at_site(self, site: PromotionSite, value):
        """Compile the continuation of a promotion site for `value`: a residual
        function of the site's live values."""
        backend = new_backend(self.options)
        driver = Driver(self, backend, self.options, site.family)
        frame, leaves = site.resumed_state()
        for f in frame.chain():
            f.shares_calls = True
        builder, params = backend.new_graph(
            f"{self.host.entry_graph.name}_{self.next_function_number()}_case",
            site.live_types, site.return_type, source_name=site.frame.chain()[0].code.name)
        params = iter(params)
        for leaf in leaves:
            if isinstance(leaf.gv, Constant):
                continue
            param = next(params)
            if leaf.gv is site.gv_promoted:
                promoted = Constant(value, site.value_type)
                driver.promoted[id(promoted)] = promoted
                leaf.replace(promoted)
            else:
                leaf.replace(param)
        if not site.split:                  # (a split's condition is a box, now constant)
            frame.values[0] = value
        known = None
        if site.known_read is not None:     # the value promoted is a field of an object
            index, name = site.known_read
            box = leaves[index].box
            known = {id(box): (box, {name: value})}
        js = JitState(builder, frame, driver, known)
        js.resumed = True
        finish(driver, backend, js)
        self.count("promotion cases")
        return builder.graph

    # -- the fallback's merge-point callback -----------------------------------------------
    def at_merge_point(self, merge_point, values: dict, family, native: bool = False):
        """Called by the fallback interpreter at a global merge point: when code
        was compiled for its green key, run the rest as compiled code."""
        if values is None:                  # a can_enter_jit: only a JIT counts there
            return None
        code = self.host.codes.get(merge_point.graph)
        if code is None or (native and promotion.nested_misses() >= NESTED_NATIVE_ENTRIES):
            # Deep in nested fallbacks (a megamorphic site in a loop, reached again
            # from the native code entered here): interpret the rest instead, so
            # the nesting stops growing.
            return None
        block = code.index[merge_point.block]
        inputs = code.inputs[(block, 0)]
        if any(v not in values for v in inputs):
            return None
        args = [values[v] for v in inputs]
        greens = code.greens_of(block, args)
        if (code.number, block, greens) not in family.merge_keys:
            return None
        entry = self.entry_at(family, code, args, block)
        reds = tuple(a for v, a in zip(inputs, args) if not code.is_green(v))
        self.host.note("resume native" if native else "resume compiled")
        return (entry.native(*reds) if native else TailCall(entry.graph, reds),)

    def entry_at(self, family, code, args: list, block: int) -> "FallbackEntry":
        """The residual code of `family` entered at the global merge point
        `block` of `code` with the interpreter's values `args` (its block's
        inputs): compiled for their green key on first use."""
        greens = code.greens_of(block, args)
        entry = family.fallback_entries.get((block, greens))
        if entry is None:
            with self.host.lock:
                entry = family.fallback_entries.get((block, greens))
                if entry is None:
                    entry = family.fallback_entries[(block, greens)] = self._fallback_entry(
                        family, code, args, block)
        return entry

    def _fallback_entry(self, family, code, args: list, block: int) -> "FallbackEntry":
        """A residual function of the red inputs of the merge point `block`
        that tail-calls the family's shared entry function for its key (made
        now if there is none): the loop is compiled once, in the shared
        entry, which bridges and cases reaching the same key call too."""
        backend = new_backend(self.options)
        driver = Driver(self, backend, self.options, family)
        graph, js = self._start(driver, code, args, block)
        driver.enter_shared(js)
        finish(driver, backend)
        self.count("merge point entries")
        return FallbackEntry(graph, self.options.pipeline(False), self.host.object_cache)


def finish(driver: Driver, backend, resumed: JitState | None = None) -> None:
    """Run `driver` (from the path `resumed` first, if given) until its
    residual functions are done, then finish them, with the cyclic collector
    paused: the generating extension allocates many objects that stay alive
    (states, boxes, residual operations), and the collector's repeated scans
    of them took 3.1 of 5.5 s specialising a 10,000-instruction Brainfuck
    program (flowgraph/gcpause.py).  A run that fails (a bound error) leaves
    the family's tables as they were: a shared entry function it began is
    never finished, and code compiled later must not call it."""
    try:
        with collector_paused():
            if resumed is not None:
                driver.run_state(resumed)
            driver.run()
            backend.finish()
    except BaseException:
        driver.family.restore(driver.family_before)
        raise


class FallbackEntry:
    """Residual code the fallback enters at a merge point (native on first use,
    with the LLVM `pipeline` of a loop the program returns to: the JIT's)."""

    __slots__ = ("graph", "pipeline", "cache", "_native")

    def __init__(self, graph, pipeline: str, cache=None):
        self.graph = graph
        self.pipeline = pipeline
        self.cache = cache                  # the compiler's ObjectCache, or None
        self._native = None

    @property
    def native(self):
        if self._native is None:
            from rgen import compile_graph
            self._native = compile_graph(self.graph, self.pipeline, self.cache)
        return self._native

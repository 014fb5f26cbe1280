"""`make_compiler(func, green=[...])`: the generating extension and its API.

    comp = make_compiler(func, green=["code"])   # annotate + timeshift
    comp.source                                  # the generated Python source
    res = comp.specialize(code)                  # residual code for these greens
    res.graph, res.interpret(a), res(a), res.llvm_ir
    comp(code, a)                                # cached per green key, native

A specialisation runs the generating extension: a driver (driver.py) with
one path at the start of the entry graph, whose green parameters hold the
given values and red parameters the residual function's arguments.
"""

from __future__ import annotations

import time
from collections import Counter

from flowgraph.lltypes import Bool, Char, Float, Signed, Str
from flowgraph.interp import TailCall
from flowgraph.model import Constant
from flowgraph.operations import wrap
from hintannotator import annotate
from rgen.graphbackend import GraphBackend
from timeshifter import rtimeshift
from timeshifter.boxes import RedBox
from timeshifter.codegen import SourceGenerator
from timeshifter.driver import Driver
from timeshifter.family import Family
from timeshifter.options import Options
from timeshifter import promotion
from timeshifter.promotion import PromotionSite

NESTED_NATIVE_ENTRIES = 32   # nested fallback runs before the fallback stops entering native code
from timeshifter.state import Frame, JitState, value_key

_PYTYPES = {Signed: (int,), Float: (float, int), Bool: (bool,), Str: (str,), Char: (str,)}


def make_compiler(func, green=(), **options) -> "Compiler":
    """The generating extension of `func` with the parameters `green` (names or
    indices) known at compile time.  Options: see `timeshifter.options`."""
    return Compiler(func, green, Options.from_kwargs(options))


class Compiler:
    def __init__(self, func, green, options: Options):
        self.func = func
        self.options = options
        self.annotation = annotate(func, green)
        self.graph = self.annotation.graph
        generator = SourceGenerator(self.annotation)
        self.source, objects = generator.generate(self.graph)
        self.codes = sorted(generator.codes.values(), key=lambda c: c.number)
        self.root = generator.code_for(self.graph)
        namespace = dict(objects, rt=rtimeshift, c=rtimeshift.c, wrap=wrap, CODES=self.codes)
        exec(compile(self.source, f"<generating extension of {self.graph.name}>", "exec"),
             namespace)
        for code in self.codes:
            for where, name in code.segment_names.items():
                code.segments[where] = namespace[name]
        self.params = self.graph.getargs()
        self.green_indices = sorted(self.annotation.green_indices)
        self.red_indices = [i for i in range(len(self.params)) if i not in self.green_indices]
        self._cache: dict = {}
        self._code_by_graph = {code.graph: code for code in self.codes}
        self._functions = 0
        self.sites: list = []
        self.stats = Counter()

    # -- specialisation ---------------------------------------------------------
    def specialize(self, *args, **kwargs) -> "Residual":
        """Residual code for the given green values (positionally, in the order of
        the green parameters, or by name)."""
        greens = self._green_values(args, kwargs)
        start = time.perf_counter()
        backend = GraphBackend(self.options.pass_options())
        driver = Driver(self, backend, self.options, Family())
        values = [None] * len(self.params)
        for i, value in zip(self.green_indices, greens):
            values[i] = value
        graph = self.start_specialization(driver, self.root, values)
        driver.run()
        backend.finish()
        elapsed = time.perf_counter() - start
        self.stats["specializations"] += 1
        return Residual(self, graph, greens, elapsed, backend.ops_emitted)

    def start_specialization(self, driver: Driver, code, values: list, greens=None,
                             block: int = 0):
        """Begin a residual function for `code` from `block` (the start block by
        default): inputs whose variable is green hold the given values, the
        others become the function's parameters.  Schedules the first path and
        returns the residual graph (finished when the driver is done)."""
        inputs = code.inputs[(block, 0)]
        red = [i for i, v in enumerate(inputs) if not code.is_green(v)]
        builder, gvs = driver.backend.new_graph(
            f"{code.name}_{self.next_function_number()}", [inputs[i].concretetype for i in red],
            code.return_type, [inputs[i].name for i in red])
        frame_values = list(values)
        for i, gv in zip(red, gvs):
            frame_values[i] = RedBox(gv)
        greenargs = None
        if block == 0:      # a function entry: recursion with these greens calls it
            greenargs = code.green_key(frame_values)
            driver.residual_graphs.setdefault((code, greenargs), builder.graph)
        js = JitState(builder, Frame(code, block, 0, frame_values, None, greenargs), driver)
        driver.schedule(js)
        return builder.graph

    def next_function_number(self) -> int:
        self._functions += 1
        return self._functions

    # -- promotion ----------------------------------------------------------------------
    def new_site(self, family, frame, gv_promoted, live_gvs, where: str) -> PromotionSite:
        site = PromotionSite(self, family, len(self.sites), frame, gv_promoted, live_gvs,
                             where)
        self.sites.append(site)
        return site

    def resume_at_site(self, site: PromotionSite, value):
        """Compile the continuation of a promotion site for `value`: a residual
        function of the site's live values."""
        backend = GraphBackend(self.options.pass_options())
        driver = Driver(self, backend, self.options, site.family)
        frame, leaves = site.resumed_state()
        builder, params = backend.new_graph(
            f"{self.graph.name}_{self.next_function_number()}_case", site.live_types,
            self.graph.return_type)
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
        frame.values[0] = value
        js = JitState(builder, frame, driver)
        js.resumed = True
        driver.run_state(js)
        driver.run()
        backend.finish()
        self.stats["promotion cases"] += 1
        return builder.graph

    def merge_point_hook(self, merge_point, values: dict, family, native: bool = False):
        """Called by the fallback interpreter at a global merge point: when code
        was compiled for its green key, run the rest as compiled code."""
        code = self._code_by_graph.get(merge_point.graph)
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
        entry = family.fallback_entries.get((block, greens))
        if entry is None:
            backend = GraphBackend(self.options.pass_options())
            driver = Driver(self, backend, self.options, family)
            graph = self.start_specialization(driver, code, args, block=block)
            driver.run()
            backend.finish()
            entry = family.fallback_entries[(block, greens)] = Residual(self, graph, greens, 0.0, 0)
            self.stats["merge point entries"] += 1
        reds = [a for v, a in zip(inputs, args) if not code.is_green(v)]
        return (entry(*reds) if native else TailCall(entry.graph, tuple(reds)),)

    @property
    def promotion_stats(self) -> list:
        """Per promotion site: the values compiled, fallback runs, megamorphic."""
        return [site.stats() for site in self.sites]

    def _green_values(self, args, kwargs) -> list:
        names = [self.params[i].name for i in self.green_indices]
        if len(args) > len(names):
            raise TypeError(f"specialize() takes {len(names)} green value(s) "
                            f"({', '.join(names)}), got {len(args)}")
        values = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"specialize() got an unexpected green {name!r}; green "
                                f"parameters: {', '.join(names)}")
            if name in values:
                raise TypeError(f"specialize() got {name!r} twice")
            values[name] = value
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"specialize() is missing green value(s): {', '.join(missing)}")
        for i, name in zip(self.green_indices, names):
            _check_type(name, values[name], self.params[i].concretetype)
        return [values[n] for n in names]

    # -- calling ---------------------------------------------------------------------
    def __call__(self, *args):
        """Specialise on the green arguments (cached) and run the residual code
        natively on the red ones."""
        if len(args) != len(self.params):
            raise TypeError(f"{self.graph.name}() takes {len(self.params)} arguments, "
                            f"got {len(args)}")
        greens = [args[i] for i in self.green_indices]
        key = tuple(value_key(g) for g in greens)
        res = self._cache.get(key)
        if res is None:
            res = self._cache[key] = self.specialize(*greens)
        return res(*[args[i] for i in self.red_indices])

    def __repr__(self) -> str:
        return f"<Compiler for {self.graph.name}, green={self.green_indices}>"


class Residual:
    """The residual code of one specialisation."""

    def __init__(self, compiler: Compiler, graph, greens, seconds: float, ops: int):
        self.compiler = compiler
        self.graph = graph
        self.greens = greens
        self.compile_seconds = seconds
        self.ops_emitted = ops
        self._native = None

    def interpret(self, *args):
        """Run the residual graph with the flow-graph interpreter."""
        from flowgraph import run_graph
        return run_graph(self.graph, *args)

    @property
    def native(self):
        if self._native is None:
            from rgen import compile_graph
            self._native = compile_graph(self.graph)
        return self._native

    def __call__(self, *args):
        return self.native(*args)

    @property
    def llvm_ir(self) -> str:
        return self.native.llvm_ir

    def op_counts(self) -> Counter:
        """Residual operations by name over the whole residual graph and the
        residual graphs it calls, `same_as` excluded."""
        counts: Counter = Counter()
        seen, stack = {self.graph}, [self.graph]
        while stack:
            graph = stack.pop()
            for op in graph.iteroperations():
                if op.opname != "same_as":
                    counts[op.opname] += 1
                if op.opname == "direct_call":
                    callee = op.args[0].value
                    if callee not in seen and callee.func is None:
                        seen.add(callee)
                        stack.append(callee)
        return counts

    def __repr__(self) -> str:
        return f"<Residual {self.graph.name}: {sum(self.op_counts().values())} ops>"


def _check_type(name, value, lltype) -> None:
    expected = _PYTYPES.get(lltype)
    if expected is not None and not isinstance(value, expected):
        raise TypeError(f"green {name!r} must be {lltype} "
                        f"({expected[0].__name__}), have {type(value).__name__}")
    if lltype is Signed and isinstance(value, bool):
        raise TypeError(f"green {name!r} must be an int, have bool")



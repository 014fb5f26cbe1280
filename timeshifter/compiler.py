"""`make_compiler(func, green=[...])`: the generating extension and its API.

    comp = make_compiler(func, green=["code"])   # annotate + timeshift
    comp.source                                  # the generated Python source
    res = comp.specialize(code)                  # residual code for these greens
    res.graph, res.interpret(a), res(a), res.llvm_ir
    comp(code, a)                                # cached per green key, native

A specialisation runs the generating extension: the specialisation machinery
(specializer.py, given a narrow `Host` of what it needs from here) runs a
driver (driver.py) with one path at the start of the entry graph, whose green
parameters hold the given values and red parameters the residual function's
arguments.
"""

from __future__ import annotations

import time
from collections import Counter

from flowgraph.arguments import check_arguments, check_value
from flowgraph.operations import OPS, wrap
from hintannotator import annotate
from timeshifter import rtimeshift
from timeshifter.codegen import SourceGenerator
from timeshifter.options import Options
from timeshifter.specializer import Host, Specializer
from timeshifter.state import value_key


def make_compiler(func, green=(), **options) -> "Compiler":
    """The generating extension of `func` with the parameters `green` (names or
    indices) known at compile time.  Options: see `timeshifter.options`."""
    return Compiler(func, green, Options.from_kwargs(options))


class Compiler:
    """The facade: annotation, the generated source, specialisations (cached
    by `__call__`); the work is done by a `Specializer` (specializer.py)."""

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
        host = Host(options, self.graph, {code.graph: code for code in self.codes})
        self.sites, self.stats = host.sites, host.stats
        self._specializer = Specializer(host)

    # -- specialisation ---------------------------------------------------------
    def specialize(self, *args, **kwargs) -> "Residual":
        """Residual code for the given green values (positionally, in the order of
        the green parameters, or by name)."""
        greens = self._green_values(args, kwargs)
        start = time.perf_counter()
        values = [None] * len(self.params)
        for i, value in zip(self.green_indices, greens):
            values[i] = value
        graph, ops = self._specializer.specialize(self.root, values)
        return Residual(self, graph, greens, time.perf_counter() - start, ops)

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
        return [check_value(self.graph.name, name, self.params[i].concretetype, values[name])
                for i, name in zip(self.green_indices, names)]

    # -- calling ---------------------------------------------------------------------
    def __call__(self, *args):
        """Specialise on the green arguments (cached) and run the residual code
        natively on the red ones."""
        args = check_arguments(self.graph, args)
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
                kind = OPS[op.opname].kind
                if kind != "copy":
                    counts[op.opname] += 1
                if kind == "call":
                    callee = op.args[0].value
                    if callee not in seen and callee.func is None:
                        seen.add(callee)
                        stack.append(callee)
        return counts

    def __repr__(self) -> str:
        return f"<Residual {self.graph.name}: {sum(self.op_counts().values())} ops>"

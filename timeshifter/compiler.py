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

import functools
import threading
import time
import types
import weakref
from collections import Counter

from flowgraph.arguments import check_arguments, check_value
from flowgraph.lltypes import Void
from flowgraph.model import Constant, Variable
from flowgraph.operations import OPS, wrap
from hintannotator import annotate
from rgen.vectorcall import inherit_vectorcall
from timeshifter import rtimeshift
from timeshifter.cache import object_cache
from timeshifter.codegen import SourceGenerator
from timeshifter.options import Options
from timeshifter.specializer import Host, Specializer
from timeshifter.state import value_key


LOOP_FOLDED = ("LLVM folded the loop of this residual code into a closed form (its optimised "
               "code has no loop left): its time no longer depends on the iteration count, so "
               "a speed-up over the interpreter measures LLVM's folding as well as "
               "specialisation")


def make_compiler(func, green=(), **options) -> "Compiler":
    """The generating extension of `func` with the parameters `green` (names or
    indices) known at compile time.  Options: see `timeshifter.options`."""
    return Compiler(func, green, Options.from_kwargs(options))


class Compiler:
    """The facade: annotation, the generated source, specialisations (cached
    by `__call__`); the work is done by a `Specializer` (specializer.py)."""

    def __init__(self, func, green, options: Options, merge_point_entries: bool = False):
        self.func = func
        self.options = options
        self._merge_point_entries = merge_point_entries     # (a JIT's: jit.py)
        self._cache: dict = {}
        self._specialized = 0               # specialize() calls so far
        self._natives: list = []            # weak references to compiled Residuals
        self._object_cache = object_cache(options.cache)
        self._green = green
        self._built = False
        lazy = _parameters(func, green) if self._object_cache is not None else None
        if lazy is None:
            self._build()
        else:
            # with a code cache, nothing is annotated until something needs it
            # (speccache.py: a saved specialisation is loaded without it)
            n, self.green_indices, self.red_indices = lazy
            self._last = (_NO_GREEN,) * len(self.green_indices) + (None,)
            self.__class__ = _fast_call_class(n, self.green_indices, self.red_indices)

    def __getattr__(self, name: str):
        # an attribute of the annotation or the generating extension of a
        # compiler made lazily (see __init__): build them now, once, in one
        # thread (another waits); a build that raised (a FlowError) is tried
        # again, and raises again, on the next access
        state = self.__dict__
        if name.startswith("__") or state.get("_built", True) \
                or state.get("_builder") == threading.get_ident():
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        with _build_lock:
            if not self._built:
                self._builder = threading.get_ident()      # (a missing one while building)
                try:
                    self._build()
                finally:
                    self._builder = None
        return getattr(self, name)

    def _build(self) -> None:
        """Annotate the function and make its generating extension."""
        func, green, options = self.func, self._green, self.options
        self.annotation = annotate(func, green,
                                   merge_point_entries=self._merge_point_entries)
        self.graph = self.annotation.graph
        generator = SourceGenerator(self.annotation, options.lazy_splits,
                                    options.eager_simple_splits)
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
        first = len(self.params) - len(self.graph.defaults)     # parameter index -> default
        self._defaults = {first + k: v for k, v in enumerate(self.graph.defaults)}
        self._last = (_NO_GREEN,) * len(self.green_indices) + (None,)
        self.__class__ = _fast_call_class(len(self.params), self.green_indices,
                                          self.red_indices)
        host = Host(options, self.graph, {code.graph: code for code in self.codes})
        self.sites, self.stats = host.sites, host.stats
        self._specializer = Specializer(host)
        for place, message, names in red_literals(self.codes):
            host.give_up(place, message, names)
        self._built = True

    def report(self) -> list:
        """What the specialisations so far gave up, one line per place (a
        virtual container forced at a loop head, with the variable, the line
        and the hint that would help); each was also warned once
        (`SpecializationWarning`).  Then, for each specialisation compiled to
        native code so far whose loop LLVM folded into a closed form, a line
        saying so: not a fault of the hints (so no warning), but a speed-up
        measured on it is LLVM's as well as specialisation's.  That is looked
        at here, not when compiling (a loaded specialisation's graph is made)."""
        lines = list(self._specializer.host.given_up.values())
        for ref in self._natives:
            res = ref()
            if res is not None and res.native.loop_folded:
                lines.append(f"{res.native.graph.name}: {LOOP_FOLDED}")
        return lines

    def explain(self, name: str) -> str:
        """Why the source variable `name` has its colour (HintAnnotation.explain)
        and, for a container, what the specialisations so far did with it:
        each place it became a real object, and why, or that it stayed
        virtual."""
        text = self.annotation.explain(name)
        given_up = self._specializer.host.given_up_names.get(name, [])
        if given_up:
            return text + "\nWhen specialised: " + "\nWhen specialised: ".join(given_up)
        if self.annotation.color_of(name) == "blue" and self._specialized:
            return text + "\nIt stayed virtual in every specialisation so far."
        return text

    def explore(self, *args, **kwargs):
        """The explorer page (timeshifter/explore.py) of the specialisation for
        these green values: `.save(path)`, or shown inline in Jupyter."""
        from timeshifter.explore import explore
        return explore(self, *args, **kwargs)

    # -- specialisation ---------------------------------------------------------
    def specialize(self, *args, **kwargs) -> "Residual":
        """Residual code for the given green values (positionally, in the order of
        the green parameters, or by name)."""
        if not self._built and not kwargs and len(args) == len(self.green_indices):
            res = self._saved(list(args))
            if res is not None:
                return res
        greens = self._green_values(args, kwargs)
        start = time.perf_counter()
        graph, ops = self._residual_graph(greens)
        return Residual(self, graph, greens, time.perf_counter() - start, ops)

    def _residual_graph(self, greens: list) -> tuple:
        """(residual graph, operations emitted) of a specialisation for `greens`."""
        values = [None] * len(self.params)
        for i, value in zip(self.green_indices, greens):
            values[i] = value
        graph, ops = self._specializer.specialize(self.root, values)
        self._specialized += 1
        graph.defaults = tuple(self._defaults[i] for i in self.red_indices if i in self._defaults)
        return graph, ops

    def _saved(self, greens: list) -> "Residual | None":
        """The specialisation for `greens` saved whole in the code cache by an
        earlier process (speccache.py), loaded; None when there is none."""
        from timeshifter import speccache
        start = time.perf_counter()

        def residual(native, ops):
            res = Residual(self, None, greens, 0.0, ops)
            res._set_native(native)
            res.compile_seconds = time.perf_counter() - start
            return res
        return speccache.load(self, greens, residual)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait (at most `timeout` seconds) until the promotion cases compiled
        in the cheap tier have their optimised code (the option
        `optimise_later`); True when none is left to optimise."""
        worker = self._specializer.host.worker
        return True if worker is None else worker.wait(timeout)

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
        for i, name in zip(self.green_indices, names):
            if name not in values and i in self._defaults:
                values[name] = self._defaults[i]
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"specialize() is missing green value(s): {', '.join(missing)}")
        return [check_value(self.graph.name, name, self.params[i].concretetype, values[name])
                for i, name in zip(self.green_indices, names)]

    # -- calling ---------------------------------------------------------------------
    def __call__(self, *args):
        """Specialise on the green arguments (cached) and run the residual code
        natively on the red ones (see `_fast_call_class` for the fast path)."""
        return self._call(args)

    def _call(self, args: tuple):
        if not self._built and len(args) == len(self.green_indices) + len(self.red_indices):
            greens = [args[i] for i in self.green_indices]
            key = tuple(value_key(g) for g in greens)
            res = self._cache.get(key)
            if res is None:
                res = self._saved(greens)
            if res is not None:
                self._cache[key] = res
                return res(*[args[i] for i in self.red_indices])
        args = check_arguments(self.graph, args)
        greens = [args[i] for i in self.green_indices]
        key = tuple(value_key(g) for g in greens)
        res = self._cache.get(key)
        if res is None:
            res = self._cache[key] = self.specialize(*greens)
        return res(*[args[i] for i in self.red_indices])

    def __repr__(self) -> str:
        return f"<Compiler for {self.graph.name}, green={self.green_indices}>"


_call_classes: dict = {}
_NO_GREEN = object()            # in Compiler._last before the first fast call
_build_lock = threading.RLock()  # builds of lazily made compilers (Compiler.__getattr__)


def _parameters(func, green) -> tuple | None:
    """(parameters, green indices, red indices) of `func` for `green` (names
    or indices), read from its signature; None where annotating it will
    have to say what is wrong (or decide: not a plain function)."""
    import inspect
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    if not isinstance(func, types.FunctionType) or any(
            p.kind is not p.POSITIONAL_OR_KEYWORD for p in params):
        return None
    names = [p.name for p in params]
    indices = set()
    for g in green:
        if isinstance(g, str) and g in names:
            indices.add(names.index(g))
        elif type(g) is int and 0 <= g < len(names):
            indices.add(g)
        else:
            return None
    greens = sorted(indices)
    return len(names), greens, [i for i in range(len(names)) if i not in indices]


def _fast_call_class(n: int, greens: list, reds: list) -> type:
    """The Compiler subclass whose `__call__` has a fast path for `n`
    arguments with the green ones at `greens`: the cache key built inline
    (`value_key`'s key for an exact int or str), the residual code's native
    builtin called on the red ones, which checks them itself; `_last` holds
    the green objects of the last such call and their residual code, so a
    call with the very same objects skips the key (an object is its own
    value: same object, same key).  Anything else
    (a new key, a residual not yet compiled) goes through `Compiler._call`,
    and so does an error from the builtin: the whole call is checked again
    so that the message names the function, not the residual graph; if the
    arguments pass, the error came from the code and is raised as it is."""
    key = (n, tuple(greens))
    cls = _call_classes.get(key)
    if cls is not None:
        return cls
    gs = "".join(f"g{i}, " for i in greens)
    same = (" and ".join(f"g{i} is last[{k}]" for k, i in enumerate(greens))
            or "last[0] is not None")
    lines = ["def __call__(self, *args):", f"    if len(args) == {n}:"]
    lines += [f"        g{i} = args[{i}]" for i in greens]
    lines += ["        last = self._last",
              f"        if {same}:",                       # the same green objects again
              f"            res = last[{len(greens)}]",
              "        else:"]
    for i in greens:
        lines += [f"            k{i} = (g{i}.__class__, g{i}) if g{i}.__class__ is int "
                  f"or g{i}.__class__ is str else value_key(g{i})"]
    reds_text = "".join(f"args[{i}], " for i in reds)
    lines += [f"            res = self._cache.get(({''.join(f'k{i}, ' for i in greens)}))",
              "            if res is not None:",
              f"                self._last = ({gs}res,)",
              "        if res is not None and res._fast is not None:",
              "            try:",
              f"                return res._fast({reds_text})",
              "            except (TypeError, OverflowError):",
              "                check_arguments(self.graph, args)",
              "                raise",
              "    return self._call(args)"]
    scope = {"value_key": value_key, "check_arguments": check_arguments}
    exec(compile("\n".join(lines), "<Compiler.__call__>", "exec"), scope)
    cls = _call_classes[key] = type("Compiler", (Compiler,), {"__call__": scope["__call__"],
                                                             "__module__": __name__})
    return cls


def _uncompiled(*args):
    raise AssertionError("a Residual is called through its own first-call method")


def red_literals(codes) -> list:
    """(place, message, names) for each literal passed to a red parameter of
    a coloured graph that reads a green container at an index computed from
    that parameter: the literal is a run-time value (literals are red unless
    hinted), so the reads are not folded, where `hint(literal,
    concrete=True)` at the call would make the parameter green (the
    tree-walking interpreter's `ev(code, 0, x)`)."""
    by_graph = {code.graph: code for code in codes}
    reads: dict = {}                    # (callee, parameter) -> its green read, or None
    found = []
    for caller in codes:
        for block in caller.blocks:
            for op in block.operations:
                if OPS[op.opname].kind != "call" or op.args[0].value not in by_graph:
                    continue
                callee = by_graph[op.args[0].value]
                params = callee.graph.getargs()
                for param, arg, green in zip(params, op.args[1:], callee.param_green):
                    if green or not isinstance(arg, Constant) or arg.concretetype is Void:
                        continue
                    if (callee, param) not in reads:
                        reads[(callee, param)] = _green_read_from(callee, param)
                    read = reads[(callee, param)]
                    if read is None:
                        continue
                    container = getattr(read, "name", "") or "container"
                    found.append((
                        (caller.graph, "red literal", op.lineno, param.name),
                        f"{caller.name}() line {op.lineno}: the literal {arg.value!r} passed "
                        f"to {callee.name}()'s parameter '{param.name}' is a run-time value "
                        f"(a literal is red unless hinted), so {callee.name}() reads the green "
                        f"'{container}' at a run-time index; write hint({arg.value!r}, "
                        f"concrete=True) there to make '{param.name}' green and fold those "
                        f"reads", (param.name,)))
    return found


def _green_read_from(code, param):
    """The green container `code` reads at an index computed from its
    parameter `param` (the first such read), or None."""
    derived = {param}
    changed = True
    while changed:                      # what is computed from param, through links too
        changed = False
        for block in code.blocks:
            for op in block.operations:
                if op.result not in derived and any(a in derived for a in op.args):
                    derived.add(op.result)
                    changed = True
            for link in block.exits:
                for arg, target in zip(link.args, link.target.inputargs):
                    if arg in derived and target not in derived:
                        derived.add(target)
                        changed = True
    for block in code.blocks:
        for op in block.operations:
            if (OPS[op.opname].kind == "read" and op.args and isinstance(op.args[0], Variable)
                    and code.is_green(op.args[0]) and any(a in derived for a in op.args[1:])):
                return op.args[0]
    return None


@inherit_vectorcall
class Residual(functools.partial):
    """The residual code of one specialisation.

    Calling it runs native code.  It is a `functools.partial` so that a call
    goes through partial's vectorcall straight to the native builtin (no
    Python frame: 28 ns where a Python `__call__` costs 90 ns): the wrapped
    function is first `_first_call`, which compiles the code, then the
    builtin itself (`__setstate__` swaps it; `__call__` must not be defined
    here, it would replace the C slot)."""

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls, _uncompiled)

    def __init__(self, compiler: Compiler, graph, greens, seconds: float, ops: int):
        self.compiler = compiler
        self._graph = graph             # None: made when asked for (loaded from the cache)
        self.greens = greens
        self.compile_seconds = seconds
        self.ops_emitted = ops
        self._native = None
        self._fast = None               # the native builtin, once compiled
        self.__setstate__((self._first_call, (), {}, self.__dict__))

    def interpret(self, *args):
        """Run the residual graph with the flow-graph interpreter."""
        from flowgraph import run_graph
        return run_graph(self.graph, *args)

    @property
    def graph(self):
        """The residual graph (made now for a specialisation loaded whole from
        the code cache: the compiler is built and the generating extension run)."""
        if self._graph is None:
            self._graph = self.compiler._residual_graph(self.greens)[0]
        return self._graph

    @property
    def native(self):
        if self._native is None:
            from rgen import compile_graph
            cache = self.compiler._object_cache
            if cache is None:
                self._set_native(compile_graph(self.graph, self.compiler.options.pipeline(False)))
            else:
                from rgen.llvm import objcache
                from timeshifter import speccache
                with objcache.recording() as records:
                    native = compile_graph(self.graph, self.compiler.options.pipeline(False),
                                           cache)
                self._set_native(native)
                speccache.save(self, records)
        return self._native

    def _set_native(self, native) -> None:
        self._native = native
        self.compiler._natives.append(weakref.ref(self))
        self._fast = native.fast
        self.__setstate__((self._fast, (), {}, self.__dict__))

    def _first_call(self, *args):
        return self.native.fast(*args)

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

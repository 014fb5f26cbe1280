"""Options of a compiler: one small frozen record with sensible defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields

from flowgraph.passes import PassError, PassOptions, validate
from rgen.pipeline import RESIDUAL_PASSES
from timeshifter.cache import check_option as check_cache_option


OPT_LEVELS = ("auto", "full", "light", "cheap")


@dataclass(frozen=True, slots=True)
class Options:
    # the two bounds below, when left at their defaults, grow with the green
    # inputs (8 operations, 4 states per item of green strings, lists, tuples)
    max_residual_ops: int = 20_000      # residual operations per specialisation
    max_states_per_merge: int = 2_000   # distinct green states per merge point
    max_inline_depth: int = 64          # inlined call depth
    max_virtual_list: int = 256         # longest list kept virtual when allocated
    max_shapes_per_merge: int = 2       # virtual shapes per loop head and green state
    backend: object = "graph"           # residual code's builder: "graph", "llvm" or a
                                        # callable making an rgen.Backend (specializer.py)
    promote_threshold: int = 1          # runs of a value before its case is compiled
    promote_max_cases: int = 16         # compiled cases per promotion site
    promote_tracked: int = 8            # values counted per site (least useful evicted)
    promote_constant_states: int = 2    # sets of red constants a promotion point keeps in
                                        # its sites' states; later ones share one site
    # JIT mode (make_jit sets them): a red split ends the code at an exit, a
    # promotion site on the condition whose side is compiled (a bridge) once
    # it has run bridge_threshold times
    lazy_splits: bool = False
    bridge_threshold: int = 200
    # with lazy_splits, an if-then-else whose arms are one block of simple
    # operations each, meeting right after, is compiled eagerly (no exit)
    eager_simple_splits: bool = True
    # LLVM's optimisations of native code that is not loop-free (rgen/llvm/
    # jit.py, PIPELINES): "full" (O2), "light" (O2 without unrolling and
    # vectors, about 40% cheaper) or "cheap" (light, and O0 code for loop-free
    # code with transfers: the least waiting, the slowest loops through
    # promotion sites); "auto": full for what specialize() and the JIT's loops
    # return, light for code compiled while the program waits (promotion
    # cases, bridges, the JIT's baseline)
    opt_level: str = "auto"
    # code compiled while the program waits (promotion cases, bridges) with the
    # light pipeline goes out in the cheap tier at once (O0 machine code, about
    # half the time) and is compiled again with the light pipeline in the
    # process's worker thread, which swaps it in (`comp.wait()` waits for it)
    optimise_later: bool = True
    # the residual pipeline (rgen/pipeline.py): checks after every pass (also
    # on with TIMESHIFT_CHECK_PASSES=1, as in the test suite), optional passes
    # skipped, the residual graph printed to stdout after one pass
    check_passes: bool = False
    disable_passes: tuple = ()
    dump_after: str = ""
    # the persistent code cache (timeshifter/cache.py): False, True (the
    # default folder) or a folder
    cache: object = False

    @classmethod
    def from_kwargs(cls, kwargs: dict) -> "Options":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown option(s) {', '.join(unknown)}; "
                            f"known options: {', '.join(sorted(known))}")
        kwargs = dict(kwargs)
        if isinstance(kwargs.get("disable_passes"), list):
            kwargs["disable_passes"] = tuple(kwargs["disable_passes"])
        options = cls(**kwargs)
        for f in fields(cls):
            _check_type(f, getattr(options, f.name))
        if options.backend not in ("graph", "llvm") and not callable(options.backend):
            raise ValueError(f"option backend must be 'graph', 'llvm' or a callable making "
                             f"an rgen.Backend, have {options.backend!r}")
        check_cache_option(options.cache)
        if options.opt_level not in OPT_LEVELS:
            raise ValueError(f"option opt_level must be one of "
                             f"{', '.join(map(repr, OPT_LEVELS))}, have {options.opt_level!r}")
        try:
            validate(RESIDUAL_PASSES, options.pass_options())
        except PassError as e:
            raise ValueError(f"option disable_passes or dump_after: {e}") from None
        return options

    def pipeline(self, run_time: bool) -> str:
        """The LLVM pipeline ("full", "light" or "cheap") of code compiled for a
        specialisation or loop entry (`run_time` False) or while the program
        waits (`run_time` True: a promotion case, a bridge, a baseline)."""
        if self.opt_level == "auto":
            return "light" if run_time else "full"
        return self.opt_level

    def pass_options(self) -> PassOptions:
        """The options of the residual pipeline (`flowgraph.passes`)."""
        return PassOptions(disable=frozenset(self.disable_passes),
                           dump_after=self.dump_after or None,
                           check=True if self.check_passes else None)


def _check_type(f, value) -> None:
    if f.type == "int" and (not isinstance(value, int) or value < 0):
        raise ValueError(f"option {f.name} must be a non-negative int, have {value!r}")
    if f.type == "bool" and not isinstance(value, bool):
        raise ValueError(f"option {f.name} must be True or False, have {value!r}")
    if f.name == "dump_after" and not isinstance(value, str):
        raise ValueError(f"option {f.name} must be a str, have {value!r}")
    if f.type == "tuple" and not (isinstance(value, tuple)
                                  and all(isinstance(v, str) for v in value)):
        raise ValueError(f"option {f.name} must be a list of pass names, have {value!r}")

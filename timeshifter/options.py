"""Options of a compiler: one small frozen record with sensible defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Options:
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

    @classmethod
    def from_kwargs(cls, kwargs: dict) -> "Options":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown option(s) {', '.join(unknown)}; "
                            f"known options: {', '.join(sorted(known))}")
        options = cls(**kwargs)
        for f in fields(cls):
            value = getattr(options, f.name)
            if f.type == "int" and (not isinstance(value, int) or value < 0):
                raise ValueError(f"option {f.name} must be a non-negative int, "
                                 f"have {value!r}")
        if options.backend not in ("graph", "llvm") and not callable(options.backend):
            raise ValueError(f"option backend must be 'graph', 'llvm' or a callable making "
                             f"an rgen.Backend, have {options.backend!r}")
        return options

"""The example registry entry: a function with its input strategy.

Every example module ends with `EXAMPLES = [Example(...), ...]`; the package
gathers them (`examples.EXAMPLES`) so that tests and benchmarks iterate over
all of them.  Strategies are described lazily (a function of the
`hypothesis.strategies` module) so that importing the examples does not
require hypothesis.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Example:
    """`func` with everything a differential test or a benchmark needs.

    args    `lambda st: ...` giving a tuple of strategies, one per parameter,
            or one strategy of whole argument tuples (when they depend on
            each other, e.g. a program and the inputs it terminates on)
    green   names of the parameters that are compile-time constants when the
            function is specialised (the interpreted program)
    tags    free-form labels; "interpreter" marks the interpreter examples
    bench   a heavier argument tuple for benchmarks (None: not benchmarked)
    """

    func: Callable
    args: Callable
    green: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    bench: tuple | None = None

    @property
    def name(self) -> str:
        return self.func.__name__

    @property
    def params(self) -> list[str]:
        return list(inspect.signature(self.func).parameters)

    def strategy(self):
        """The hypothesis strategy of argument tuples."""
        from hypothesis import strategies as st
        made = self.args(st)
        if isinstance(made, tuple):
            return st.tuples(*made)
        return made

    def __repr__(self) -> str:
        return f"<Example {self.name}>"

"""Passes as data, and the one runner of pipelines of them.

A `Pass` is a named graph-to-graph function (it mutates the `FunctionGraph`
in place) with a one-line description and a flag saying whether the graph
is valid without it: a *required* pass establishes an invariant the next
stages rely on, an *optional* one only makes the graph smaller.  A pipeline
is a list of passes; two exist:

    flowgraph.simplify.SIMPLIFY_PASSES   the builder's simplifier
    rgen.pipeline.RESIDUAL_PASSES        finishing a residual function

`PassRunner(passes, options, checkers)` plans a pipeline once (which passes
run, after which one the graph is dumped, whether to check) and then runs
it on any number of graphs with `runner.run(graph)`:

  * `options.disable`: names of optional passes to skip; naming a required
    pass, or a name that is no pass of the pipeline, is a `PassError`;
  * `options.dump_after`: the graph text (`format_graph`) after that pass
    goes to `options.dump`: a callable `dump(pass_name, text)`, or a text
    stream (None: standard output) which gets a line `# after pass 'NAME'`,
    the text and an empty line;
  * `options.check` (True, False, or None: the environment variable
    TIMESHIFT_CHECK_PASSES decides, which the test suite sets to 1): after every pass, the graph alone (not its
    callees, which may be unfinished) is checked with `checkgraph`'s
    invariants and then with each of `checkers` (callables raising
    `CheckError`).  A violation is a `PassError` "after pass 'NAME': ..."
    followed by the checker's message.

Without checks and dumps the runner costs one loop over the planned passes.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable

from flowgraph.checker import check_one_graph
from flowgraph.errors import CheckError
from flowgraph.model import FunctionGraph

CHECK_ENV = "TIMESHIFT_CHECK_PASSES"


class PassError(Exception):
    """A bad pipeline option, or an invariant broken by a pass."""


@dataclass(frozen=True, slots=True)
class Pass:
    name: str
    function: Callable[[FunctionGraph], object]
    required: bool = False
    doc: str = ""           # one line; by default the first line of the function's docstring

    def __post_init__(self):
        if not self.doc:
            lines = (self.function.__doc__ or "").strip().splitlines()
            object.__setattr__(self, "doc", lines[0] if lines else "")


@dataclass(frozen=True, slots=True)
class PassOptions:
    disable: frozenset = field(default_factory=frozenset)
    dump_after: str | None = None
    dump: object = None     # callable(pass_name, text) or a text stream; None: sys.stdout
    check: bool | None = None   # None: TIMESHIFT_CHECK_PASSES decides


NO_OPTIONS = PassOptions()


def checks_forced() -> bool:
    """Whether the environment asks for checks after every pass."""
    return os.environ.get(CHECK_ENV, "") not in ("", "0")


def validate(passes: list, options: PassOptions) -> None:
    """Raise PassError unless every name in `options` is a pass of `passes`
    and no disabled pass is required."""
    by_name = {p.name: p for p in passes}
    for name in sorted(options.disable) + ([options.dump_after] if options.dump_after else []):
        if name not in by_name:
            raise PassError(f"unknown pass {name!r}; passes: {', '.join(by_name)}")
    for name in sorted(options.disable):
        if by_name[name].required:
            raise PassError(f"pass {name!r} is required and cannot be disabled "
                            f"({by_name[name].doc})")


class PassRunner:
    """A pipeline planned for given options (see the module docstring)."""

    def __init__(self, passes: list, options: PassOptions = NO_OPTIONS,
                 checkers: tuple = ()):
        validate(passes, options)
        self.passes = [p for p in passes if p.name not in options.disable]
        self.options = options
        self.checkers = tuple(checkers)
        self.check = checks_forced() if options.check is None else options.check
        self.watched = self.check or options.dump_after is not None

    def run(self, graph: FunctionGraph) -> None:
        """Run the planned passes on `graph`, in order."""
        for p in self.passes:
            p.function(graph)
            if self.watched:
                self._after(p, graph)

    def _after(self, p: Pass, graph: FunctionGraph) -> None:
        graph.invalidate()
        if self.check:
            self.check_after(p.name, graph)
        if p.name == self.options.dump_after:
            self._dump(p.name, graph)

    def check_after(self, name: str, graph: FunctionGraph) -> None:
        """Check `graph`'s invariants; a violation names the pass `name`."""
        try:
            check_one_graph(graph)
            for checker in self.checkers:
                checker(graph)
        except CheckError as e:
            raise PassError(f"after pass {name!r}: {e}") from e

    def _dump(self, name: str, graph: FunctionGraph) -> None:
        from flowgraph.printer import format_graph
        text = format_graph(graph)
        dump = self.options.dump if self.options.dump is not None else sys.stdout
        if callable(dump):
            dump(name, text)
        else:
            print(f"# after pass {name!r}\n{text}\n", file=dump)


def run_passes(graph: FunctionGraph, passes: list, options: PassOptions = NO_OPTIONS,
               checkers: tuple = ()) -> None:
    """Plan `passes` for `options` and run them on `graph` once."""
    PassRunner(passes, options, checkers).run(graph)


def describe(passes: list) -> str:
    """One line per pass: name, (required), description."""
    return "\n".join(f"{p.name:<24} {'required' if p.required else 'optional':<9} {p.doc}"
                     for p in passes)

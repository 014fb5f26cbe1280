"""The colour lattice and the abstract containers of blue values.

Internal colours, from least to most general:

    None      not yet known (bottom)
    "green"   known at compile time
    "frozen"  a green container whose reads are green (hint deepfreeze)
    "blue"    a container allocated in the analysed code (virtual): its shape
              is known at compile time, its contents are coloured per field
    "red"     known only at run time

`join` is the least upper bound: green and frozen join to green, any other
pair of different colours joins to red (a blue container meeting a red or
green pointer becomes red).  Publicly "frozen" reads as "green".
"""

from __future__ import annotations

from dataclasses import dataclass, field

GREEN, FROZEN, BLUE, RED = "green", "frozen", "blue", "red"


def join(a, b):
    if a is None:
        return b
    if b is None or a == b:
        return a
    if {a, b} == {GREEN, FROZEN}:
        return GREEN
    return RED


def is_green(c) -> bool:
    return c in (GREEN, FROZEN)


def public(c) -> str:
    """The colour users see: green, red or blue."""
    if c in (GREEN, FROZEN):
        return GREEN
    return c if c is not None else RED


@dataclass(eq=False)
class Site:
    """An allocation in the analysed code: a blue container.

    `fields` maps a field name ("items" for lists and arrays) to the colour
    of what is stored there: "blue" with the `sites` it may point to for
    nested containers; "green" (or "frozen") for a field of an instance
    that only green values are stored to, while the instance cannot escape
    (the generating extension keeps those values in the virtual instance,
    where they are part of the compile-time state); "red" otherwise.  An
    escaped site (`escape`: it met a red pointer, was passed to residual
    code, stored in a list or in memory outside the analysed code) holds
    red values only, as PyPy's degenerated containers did.
    """

    op: object
    lineno: int
    fields: dict = field(default_factory=dict)
    escaped: bool = False

    def store(self, name: str, colour, sites: frozenset) -> bool:
        if self.escaped and colour != BLUE:
            colour = RED
        old_colour, old_sites = self.fields.get(name, (None, frozenset()))
        new = (join(old_colour, colour), old_sites | sites)
        if new != (old_colour, old_sites):
            self.fields[name] = new
            return True
        return False

    def escape(self) -> bool:
        """The container may be seen outside the generating extension's
        virtual state: its green fields turn red, and so do those of the
        containers it holds.  True if anything changed."""
        if self.escaped:
            return False
        self.escaped = True
        nested = []
        for name, (colour, sites) in self.fields.items():
            if colour == BLUE:
                nested.extend(sites)
            elif colour is not None and colour != RED:
                self.fields[name] = (RED, sites)
        for site in nested:
            site.escape()
        return True

    def load(self, name: str):
        return self.fields.get(name, (None, frozenset()))

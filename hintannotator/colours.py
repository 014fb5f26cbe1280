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
    of what is stored there: "red" for scalars (contents of a virtual
    container are never green) and "blue" with the `sites` it may point to
    for nested containers.
    """

    op: object
    lineno: int
    fields: dict = field(default_factory=dict)

    def store(self, name: str, colour, sites: frozenset) -> bool:
        old_colour, old_sites = self.fields.get(name, (None, frozenset()))
        new = (join(old_colour, colour), old_sites | sites)
        if new != (old_colour, old_sites):
            self.fields[name] = new
            return True
        return False

    def load(self, name: str):
        return self.fields.get(name, (None, frozenset()))

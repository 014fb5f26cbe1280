"""Example programs in the low-level subset, with input strategies.

`EXAMPLES` lists every example (see `examples.example.Example`);
`by_name(name)` finds one.  Every example runs under plain CPython.
"""

from examples import arith, classes, interpreters, lists
from examples.example import Example

EXAMPLES: list[Example] = (arith.EXAMPLES + lists.EXAMPLES + classes.EXAMPLES
                           + interpreters.EXAMPLES)


def by_name(name: str) -> Example:
    for example in EXAMPLES:
        if example.name == name:
            return example
    raise KeyError(f"no example named {name!r}; known: "
                   f"{', '.join(e.name for e in EXAMPLES)}")


__all__ = ["EXAMPLES", "Example", "by_name"]

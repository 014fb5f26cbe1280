"""A family of residual functions: one specialisation and what grows from it.

`Compiler.specialize` makes a root residual function; its promotion sites
later add case functions, and paths reaching a global merge point whose
green key already has code elsewhere in the family call a shared entry
function instead of compiling the loop again.  The family holds those
shared tables.  Families never share code with each other: two
specialisations (even for the same green values) are independent.
"""

from __future__ import annotations


class Family:
    def __init__(self, green_size: int = 0, space=None):
        self.green_size = green_size        # items in the green inputs (driver.py's bounds)
        self.space = space                  # the rgen.CodeSpace its code goes to (a JIT's), or None
        self.last_used = 0                  # when a call last ran it (a JIT's clock)
        self.dropped = False                # its code was dropped (a JIT's bound)
        self.gmp_compiled: dict = {}        # (code, block, frozen key) -> function with its code
        self.gmp_functions: dict = {}       # ... -> the shared entry function
        self.entry_graphs: set = set()      # the shared entry functions
        self.local_copies: dict = {}        # ... -> loops specialised again locally
        self.merge_keys: set = set()        # (code, block, greens) compiled at a gmp
        self.fallback_entries: dict = {}    # (block, greens) -> FallbackEntry (specializer.py)

    # the tables a specialisation run adds to (fallback_entries is filled only
    # once a run has finished)
    _TABLES = ("gmp_compiled", "gmp_functions", "entry_graphs", "local_copies", "merge_keys")

    def snapshot(self) -> tuple:
        """The tables as they are now (copies), for `restore`."""
        return tuple(getattr(self, name).copy() for name in self._TABLES)

    def restore(self, snapshot: tuple) -> None:
        """Put the tables back as `snapshot` saw them: what a run that failed
        (a bound error while compiling a promotion case, say) added names
        residual functions it never finished, which later code must not call."""
        for name, table in zip(self._TABLES, snapshot):
            setattr(self, name, table)

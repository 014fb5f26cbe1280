"""Blocks, links and the environment while building: the SSA construction.

The builder keeps a *current block* and an *environment* `env`: local name
-> the Value the name holds in the current block (a Variable defined in that
block, or a Constant).  Values never cross a block boundary except through
links: when a block ends, each exit becomes a `Pending` (a Link whose target
is not decided yet, plus the environment on that exit); `enter(pendings)`
starts the block that joins them, with one input argument per name of the
joined environments, and fills in each link's arguments.  A name bound on
only some of the joined paths gets a default constant on the others (reading
it there is an UnboundLocalError in CPython); the dead-argument pass of
`simplify.py` removes it wherever nothing reads it.

Intermediate values of an expression that must survive a split inside a
later operand (`a + (b if c else d)`) are *held* in the environment under a
hidden name ("#3"), so that joins carry them exactly like locals.

Loops: `enter_loop(names)` ends the current block and starts a header block
whose input arguments are the current names plus the names the loop body
assigns; `jump(header, names)` links the end of the body back to it.
"""

from __future__ import annotations

import itertools

from flowgraph.lltypes import LowLevelType, Str, default_value
from flowgraph.model import Block, Constant, Link, SpaceOperation, Variable
from flowgraph.operations import result_type
from flowgraph.typeinfer import is_pending


class Pending:
    """An exit of a finished block whose target is decided later."""

    __slots__ = ("link", "env")

    def __init__(self, link: Link, env: dict):
        self.link = link
        self.env = env


def default_constant(t: LowLevelType) -> Constant:
    """The placeholder passed for a name not bound on some path."""
    return Constant(default_value(t) if t is Str or not t.is_gcref else None, t)


def is_hidden(name: str) -> bool:
    return name.startswith("#")


class BlockState:
    """The block-building half of the function builder (a mixin: the builder
    provides `table` and `lineno`)."""

    def init_blocks(self) -> None:
        self.block: Block | None = None
        self.env: dict = {}
        self._hidden = itertools.count(1)

    def emit(self, opname: str, args: list, restype: LowLevelType | None = None) -> Variable:
        """Append `opname(*args)` to the current block; its result Variable."""
        if restype is None:
            restype = result_type(opname, args)
        v_result = Variable("", restype)
        self.block.operations.append(SpaceOperation(opname, list(args), v_result, self.lineno))
        return v_result

    # -- values held across splits ------------------------------------------------

    def new_key(self) -> str:
        """A fresh hidden name (never a Python identifier)."""
        return f"#{next(self._hidden)}"

    def hold(self, value) -> str:
        key = self.new_key()
        self.env[key] = value
        return key

    def release(self, key: str):
        return self.env.pop(key)

    def forget(self, pendings: list, *keys: str) -> None:
        """Drop hidden names from exits that will not read them."""
        for pending in pendings:
            for key in keys:
                pending.env.pop(key, None)

    # -- ending blocks -------------------------------------------------------------

    def exit_goto(self) -> list:
        """End the current block with one exit; returns it as a Pending list."""
        link = Link([], None)
        self.block.closeblock(link)
        pending = Pending(link, self.env)
        self.block, self.env = None, {}
        return [pending]

    def exit_open(self) -> list:
        """Like exit_goto, but nothing if the current path already ended."""
        return [] if self.block is None else self.exit_goto()

    def exit_switch(self, v_cond) -> tuple[list, list]:
        """End the current block with a branch on the Bool `v_cond`; returns
        (exits taken when false, exits taken when true).  A Constant
        condition is decided now."""
        if isinstance(v_cond, Constant):
            pendings = self.exit_goto()
            return ([], pendings) if v_cond.value else (pendings, [])
        link_false, link_true = Link([], None, False), Link([], None, True)
        self.block.exitswitch = v_cond
        self.block.closeblock(link_false, link_true)
        env = self.env
        self.block, self.env = None, {}
        return [Pending(link_false, dict(env))], [Pending(link_true, env)]

    def exit_to(self, block: Block, args: list) -> None:
        """End the current block with a jump to a final block (return, raise)."""
        self.block.closeblock(Link(list(args), block))
        self.block, self.env = None, {}

    # -- starting blocks -----------------------------------------------------------

    def enter(self, pendings: list, names: list | None = None) -> Block | None:
        """Start the block joining `pendings`; no pendings: dead code."""
        if not pendings:
            self.block, self.env = None, {}
            return None
        if names is None:
            names = list(dict.fromkeys(n for p in pendings for n in p.env))
        types = [self.join_type(name, pendings) for name in names]
        block = Block([Variable("" if is_hidden(n) else n, t) for n, t in zip(names, types)])
        for pending in pendings:
            self.link_pending(pending, block, names)
        self.block, self.env = block, dict(zip(names, block.inputargs))
        return block

    def link_pending(self, pending: Pending, block: Block, names: list) -> None:
        args = []
        for name, v_target in zip(names, block.inputargs):
            value = pending.env.get(name)
            args.append(default_constant(v_target.concretetype) if value is None else value)
        pending.link.args = args
        pending.link.target = block

    def join_type(self, name: str, pendings: list) -> LowLevelType:
        known = None if is_hidden(name) else self.table.get(name)
        if known is not None and not is_pending(known):
            return known
        for pending in pendings:
            if name in pending.env:
                return pending.env[name].concretetype
        return known

    # -- loops ---------------------------------------------------------------------

    def enter_loop(self, assigned: list) -> tuple[Block, list]:
        """End the current block and start a loop header carrying the current
        names and the typed names among `assigned` (the loop's assignments)."""
        names = list(self.env)
        for name in assigned:
            if name in self.env or name in names:
                continue
            if self.table.get(name) is None:
                self.table.dirty = True        # typed later in this round
                continue
            names.append(name)
        header = self.enter(self.exit_goto(), names)
        return header, names

    def jump(self, header: Block, names: list) -> None:
        """Link the current block back to a loop header."""
        for pending in self.exit_goto():
            self.link_pending(pending, header, names)


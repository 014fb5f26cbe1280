"""Blocks, links and the environment while building: the SSA construction.

The builder keeps a *current block* and an *environment* `env`: local name
-> the Value the name holds in the current block (a Variable defined in that
block, or a Constant).  Values never cross a block boundary except through
links: when a block ends, each exit becomes a `Pending` (a Link whose target
is not decided yet, plus the environment on that exit); `enter(pendings)`
starts the block that joins them, with one input argument per name of the
joined environments, and fills in each link's arguments.

Names bound on some paths only.  A name bound on only some of the joined
paths gets a default constant on the others, and the join also carries a
hidden Bool *bound flag* for it (`bound_key(name)`): True on the paths that
bound it, False on the others.  Reading the name while its flag is in the
environment branches on the flag: False goes to the except block with
CPython's UnboundLocalError, True goes on with the flag dropped (the name is
bound on that path from then on); assigning the name drops the flag too.
A loop header carries a flag for every name the loop assigns that is not
bound on entry (False on entry).  The simplifier removes flags nobody reads
and flags that are the same constant on every path.

Intermediate values of an expression that must survive a split inside a
later operand (`a + (b if c else d)`) are *held* in the environment under a
hidden name ("#3"), so that joins carry them exactly like locals.

Loops: `enter_loop(names)` ends the current block and starts a header block
whose input arguments are the current names plus the names the loop body
assigns; `jump(header, names)` links the end of the body back to it.
"""

from __future__ import annotations

import ast
import itertools

from flowgraph.lltypes import (Bool, Class, LowLevelType, Str, StructType, common_base,
                               common_base_of, default_value, is_subtype)
from flowgraph.model import Block, Constant, Link, SpaceOperation, Variable
from flowgraph.operations import OPS, result_type
from flowgraph.builder.typeinfer import is_pending


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


_BOUND = "#bound "
_CLASS_KEY = "#class "


def class_key(name: str) -> str:
    """The hidden name holding the promoted class of the local `name`
    (`hint(name.__class__, promote=True)`, builder/call.py)."""
    return _CLASS_KEY + name


def class_of_local(node: ast.expr) -> str | None:
    """`o` for `o.__class__` or `type(o)` of a name o."""
    if isinstance(node, ast.Attribute) and node.attr == "__class__" \
            and isinstance(node.value, ast.Name):
        return node.value.id
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type" \
            and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
        return node.args[0].id
    return None


def bound_key(name: str) -> str:
    """The hidden name of the flag saying whether `name` is bound."""
    return _BOUND + name


def flagged_name(key: str) -> str | None:
    """The local a bound flag is for; None for any other name."""
    return key[len(_BOUND):] if key.startswith(_BOUND) else None


def unbound_error(name: str) -> list:
    """The except-block arguments of CPython's error for an unbound local."""
    message = f"cannot access local variable '{name}' where it is not associated with a value"
    return [Constant(UnboundLocalError, Class), Constant(message, Str)]


def _new_flags(names: list, pendings: list) -> list:
    """Bound flags a join needs: one per local missing on some path and not
    flagged already."""
    return [bound_key(name) for name in names
            if not is_hidden(name) and bound_key(name) not in names
            and any(name not in pending.env for pending in pendings)]


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
        if self.tries and OPS[opname].canraise:     # its exception exits, if caught
            self.note_raising(self.block.operations[-1], OPS[opname])     # (tryexcept.py)
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
        """End the current block with a jump to a final block (return,
        raise: to the except clause catching it, if any, tryexcept.py)."""
        if block is self.graph.exceptblock and self.tries:
            clause = self.catching(args[0].value)
            if clause is not None:
                return self.raise_to_clause(clause, *args)
        self.block.closeblock(Link(list(args), block))
        self.block, self.env = None, {}

    # -- starting blocks -----------------------------------------------------------

    def enter(self, pendings: list, names: list | None = None) -> Block | None:
        """Start the block joining `pendings`; no pendings: dead code."""
        if not pendings:
            self.block, self.env = None, {}
            return None
        narrow = names is None          # (a loop header: more links come later)
        if names is None:
            names = list(dict.fromkeys(n for p in pendings for n in p.env))
            names += _new_flags(names, pendings)
            # a promoted class (`class_key`) holds only where every path knows it
            names = [n for n in names if not n.startswith(_CLASS_KEY)
                     or all(n in p.env for p in pendings)]
        types = [self.join_type(name, pendings, narrow) for name in names]
        block = Block([Variable("" if is_hidden(n) else n, t) for n, t in zip(names, types)])
        for pending in pendings:
            self.link_pending(pending, block, names)
        if narrow:                      # an instance proved on every path stays one
            for name, v in zip(names, block.inputargs):
                if all(p.env.get(name) in self.not_none
                       or name in self.not_none_links.get(id(p.link), ()) for p in pendings):
                    self.not_none.add(v)
        self.block, self.env = block, dict(zip(names, block.inputargs))
        return block

    def link_pending(self, pending: Pending, block: Block, names: list) -> None:
        args = []
        for name, v_target in zip(names, block.inputargs):
            value = pending.env.get(name)
            if value is None:
                flagged = flagged_name(name)
                value = default_constant(v_target.concretetype) if flagged is None \
                    else Constant(flagged in pending.env, Bool)
            args.append(value)
        pending.link.args = args
        pending.link.target = block

    def join_type(self, name: str, pendings: list, narrow: bool = True) -> LowLevelType:
        """The type of `name` where `pendings` join: the local's, or (`narrow`,
        every link known) the nearest class all their instances share where
        that is a subclass of it (an `isinstance` test holds on every path)."""
        if flagged_name(name) is not None:
            return Bool
        known = None if is_hidden(name) else self.table.get(name)
        types = [p.env[name].concretetype for p in pendings if name in p.env]
        if known is not None and not is_pending(known):
            if not (narrow and isinstance(known, StructType) and types
                    and len(types) == len(pendings)):
                return known
            joined = common_base_of(types)
            return joined if joined is not None and is_subtype(joined, known) else known
        if not types:
            return known
        joined = types[0]
        for t in types[1:]:
            joined = common_base(joined, t) or joined    # a subclass's instance: the base
        return joined

    # -- names bound on some paths only -------------------------------------------

    def check_bound(self, name: str) -> bool:
        """Before reading `name`: if it may be unbound here, branch on its flag
        (unbound: UnboundLocalError).  False if it is never bound here."""
        v_flag = self.env.get(bound_key(name))
        if v_flag is None:
            return True
        unbound, bound = self.exit_switch(v_flag)
        if self.tries:                      # (it may be caught: a block of its own)
            self.enter(unbound)
            if self.block is not None:
                self.exit_to(self.graph.exceptblock, unbound_error(name))
        for pending in unbound if not self.tries else ():
            pending.link.args = unbound_error(name)
            pending.link.target = self.graph.exceptblock
        self.forget(bound, bound_key(name))
        self.enter(bound)
        return self.block is not None

    def bind(self, name: str, value) -> None:
        """`name` holds `value` from now on (bound on this path; a class
        promoted for its old value no longer holds)."""
        self.env[name] = value
        self.env.pop(bound_key(name), None)
        self.env.pop(class_key(name), None)

    # -- loops ---------------------------------------------------------------------

    def enter_loop(self, assigned: list) -> tuple[Block, list]:
        """End the current block and start a loop header carrying the current
        names and the typed names among `assigned` (the loop's assignments)."""
        names = [n for n in self.env if not n.startswith(_CLASS_KEY)]   # (see enter)
        for name in assigned:
            if name in self.env or name in names:
                continue
            if self.table.get(name) is None:
                self.table.dirty = True        # typed later in this round
                continue
            names += [name, bound_key(name)]
        header = self.enter(self.exit_goto(), names)
        return header, names

    def jump(self, header: Block, names: list) -> None:
        """Link the current block back to a loop header."""
        for pending in self.exit_goto():
            self.link_pending(pending, header, names)


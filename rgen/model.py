"""The code-generation interface: what a backend offers its client.

The timeshifter emits residual code through three kinds of objects:

    Backend       makes new residual functions, redirects labels, counts ops
    Builder       a write position in one function: emits operations and
                  ends blocks (branches, switches, jumps, return, raise)
    Label         a point code can jump to (a loop header, a merge point)
    FlexSwitch    an extensible switch (promotion): cases can be added at
                  any time, even after the function has run

Generated values ("gv_") are flow-graph values: `Variable`s and `Constant`s
carrying their `concretetype`.  A gv is a *logical* value: once defined it is
valid everywhere its definition dominates, in every block reached from there,
including code written later through another builder or a label.  The backend
makes this true (the graph backend threads live values through block
arguments when the function is finished), so a client never passes values
along jumps by hand.  The only exception is a value that differs depending
on the incoming path: that is what the *merge values* of a label are for
(`enter_label(gv_args)` gives fresh gvs, each `jump(label, gv_args)` provides
the values for them).

Operations are the rows of `flowgraph.operations.OPS`; `genop` folds
constants and applies the simplification rules of `flowgraph.rules`, so the
value it returns may be a Constant or an existing gv.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from flowgraph.model import Constant, FunctionGraph, Value


class RgenError(Exception):
    """Misuse of the code-generation interface (a closed builder, a value not
    defined on every path, a label of another function, ...)."""


class Label(ABC):
    """A jump target inside one residual function.  `merge_gvs` are the
    fresh values that take, on each incoming jump, the values that jump
    provides."""

    merge_gvs: list


class Builder(ABC):
    """A write position inside one residual function.

    A builder is *open* until one of the block-ending methods closes it
    (`finish_return`, `finish_raise`, `jump`, `flexswitch`); `jump_if_true`,
    `switch` and `enter_label` end the current block but leave this builder
    open at a new position.  Emitting through a closed builder raises
    `RgenError`.
    """

    graph: FunctionGraph

    @property
    @abstractmethod
    def op_count(self) -> int:
        """Operations emitted so far into this builder's function (after
        folding and simplification; the budget the timeshifter enforces)."""

    @abstractmethod
    def genconst(self, value, lltype) -> Constant:
        """The constant `value` of low-level type `lltype`."""

    def set_source_line(self, line: int) -> None:
        """The operations emitted from now on into this builder's function
        come from `line` of the source of the function being specialised
        (0: from none of its lines, e.g. from an inlined callee).  A backend
        may record it (the graph backend does: the operations' `lineno`);
        by default it is ignored."""

    @abstractmethod
    def genop(self, opname: str, args: list, name: str = "") -> Value:
        """Emit `opname(*args)` and return its result (a new gv called
        `name`, a hint for printing, or an existing value).

        The result type comes from the operation table.  A pure operation
        with a fold function and Constant arguments is folded to a
        Constant (if folding raises, the operation is emitted so that it
        raises at run time); otherwise the simplification rules may return
        an existing value or a Constant.  Memory operations, calls
        (`direct_call` with `Constant(callee_graph, Void)` first) and other
        impure operations are always emitted.
        """

    @abstractmethod
    def jump_if_true(self, gv_cond: Value) -> "Builder":
        """End the current block with a branch on the Bool `gv_cond`.
        Returns a new builder writing the True side; this builder continues
        on the False side.  Both see every value defined so far."""

    @abstractmethod
    def switch(self, gv: Value, cases: list, default: bool = True) -> dict:
        """End the current block with a multi-way switch on the Signed or
        Char `gv`.  Returns {case value: builder}; this builder continues on
        the default exit (or is closed when `default` is False, in which
        case the cases must be exhaustive at run time)."""

    @abstractmethod
    def enter_label(self, gv_args: list = (), names: list | None = None
                    ) -> tuple[Label, list]:
        """End the current block with a jump into a new block, continue
        there, and return `(label, merge_gvs)`: one fresh gv per value of
        `gv_args` (same type, named after `names` if given), which takes
        that value on this entry and the value passed by `jump(label, ...)`
        on other entries."""

    @abstractmethod
    def jump(self, label: Label, gv_args: list = ()) -> None:
        """End the current block with a jump to `label`, passing one value
        per merge gv of the label.  Closes this builder."""

    @abstractmethod
    def call_catching(self, args: list, classes: list) -> tuple[Value, list]:
        """A `direct_call` (`args`: the callee's Constant, then its
        arguments) whose exceptions of `classes` (in order: the first that
        matches) leave by exception links (flowgraph.model's
        LAST_EXCEPTION): returns `(result, [(builder, message), ...])`, one
        builder per class, positioned at its link's target after the
        `exc_message()` that gives `message`, the Str of the exception; this
        builder continues on the normal exit, where `result` is defined."""

    @abstractmethod
    def finish_return(self, gv: Value) -> None:
        """End the current block by returning `gv`.  Closes this builder."""

    @abstractmethod
    def finish_raise(self, exc_class: type, gv_msg: Value) -> None:
        """End the current block by raising `exc_class(msg)`, the message a
        Str value.  Closes this builder."""

    @abstractmethod
    def flexswitch(self, gv: Value) -> "FlexSwitch":
        """End the current block with an extensible switch on the Signed,
        Char or Bool `gv`.  Closes this builder; code continues through
        `FlexSwitch.add_case` and `FlexSwitch.default_builder`."""

    @abstractmethod
    def end(self) -> FunctionGraph:
        """Finish this builder's function and return it (see
        `Backend.finish`).  Any builder of the function may be used, open or
        closed; every path must have been closed."""


class Catcher(ABC):
    """What a builder asks about an operation it emits that may raise (a
    client sets `builder.catcher`; timeshifter.state.JitState is one)."""

    __slots__ = ()

    @abstractmethod
    def classes_for(self, canraise: tuple) -> list:
        """The exception classes something catches of what an operation
        raising `canraise` (its row's classes) may raise; empty: none."""

    @abstractmethod
    def caught(self, handlers: list) -> None:
        """The builder ended the block after the operation with exception
        exits for those classes: `handlers` is a (builder, message) per
        class, each builder after the `exc_message()` giving the message."""


class FlexSwitch(ABC):
    """An extensible switch on one value (promotion sites)."""

    @abstractmethod
    def add_case(self, value) -> Builder:
        """Add an exit for `value` and return a builder writing it.  May be
        called at any time, also after the function was finished and run;
        finish the function again once the new code is written."""

    @abstractmethod
    def default_builder(self) -> Builder:
        """The builder of the default exit (taken for values without a
        case).  The same builder is returned every time."""


class Backend(ABC):
    """Makes residual functions."""

    @abstractmethod
    def new_graph(self, name: str, argtypes: list, return_type,
                  argnames: list | None = None,
                  source_name: str | None = None) -> tuple[Builder, list]:
        """Start a new residual function (`source_name`: the user's function
        it specialises, named by error messages).  Returns a builder positioned at
        its start and its arguments as gvs.  `builder.graph` is the function
        object from now on, so it can be called (`direct_call`) before it is
        finished, also by itself."""

    @abstractmethod
    def redirect_label(self, old: Label, new: Label, mapping: dict) -> None:
        """Make every jump into `old`, the existing ones and later ones, go to
        `new` instead.  `mapping` gives, for each merge gv of `new`, the value
        to pass: a Constant, a gv available at every jump into `old`, or a
        merge gv of `old` (meaning the value each jump passed for it).
        Code after `old` that becomes unreachable is dropped."""

    @abstractmethod
    def finish(self) -> list:
        """Finish every function that changed since it was last finished
        and return them."""

    @property
    @abstractmethod
    def ops_emitted(self) -> int:
        """Operations emitted through this backend, all functions."""

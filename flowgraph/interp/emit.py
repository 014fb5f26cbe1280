"""The Python source generator of the flow-graph interpreter (see run.py).

`Emitter` turns one graph into the source of one Python function (or of a
*tail function* resuming inside a block).  Every operation becomes one line
built from the `py` template of its row in the operation table (a 64-bit
range check follows when the row says `wraps`; a `write` row's template is a
statement); an operation with an `op_<name>` method of `Emitter` (the rows
without a template, field access, hints, transfers) gets that method's
statement instead.  `unrunnable_ops()` lists the rows with neither.  Variables become Python locals named by
`names.names_of`; a link becomes a parallel tuple assignment to its
target's input arguments.

Control flow: a block entered by exactly one link is emitted inline, nested
in its predecessor's `if`; a block entered by several links (a join or a loop
header) is a *label*: a case of a `while True` loop dispatching on `_b`, which
a link reaches by assigning the label's input arguments, `_b = label` and
`continue`.  Small joins are also copied into their predecessors.  A start
block without predecessors runs before the loop.  A bool switch whose
condition is computed just before becomes `if n_1 > 0:`.  For `power`:

    def graph_power(x_0, n_1, _b=0, _env=None):
        if _b == 0:                              # the start block
            acc_2 = 1
            _b = 1
        elif _b == 1:                            # resume at label 1
            x_0, n_1, acc_2, = _env
        while True:
            if _b == 1:
                if n_1 > 0:
                    n_1 = n_1 - 1
                    if n_1 < -9223372036854775808: n_1 = _wrap(n_1)
                    acc_2 = acc_2 * x_0
                    if not -9223372036854775808 <= acc_2 <= 9223372036854775807: ...
                    continue
                else:
                    return acc_2
            _bad_label(_b)

Resuming at a label enters the main function with `_b` and `_env` (its input
arguments).  A tail function runs the rest of its block and its inline
successors and returns `(label, args)` on reaching a label, or
`(RETURN, value)` on return.

The generated code runs in a namespace the caller pre-fills with the
run-time support it refers to: `_wrap _no_case _bad_label _Promote _TailCall
_trampoline _TRANSFERS _transfer_step _new_array _merge_callback _run_merge_callback` (run.py); the emitter adds
constants (`_k3`) and callees (`_g0_f`, bound by the caller once compiled).
"""

from __future__ import annotations

import math
import re

from flowgraph import lltypes
from flowgraph.arguments import (CHECKED_FIELDS, checks_item, field_checker, item_checker,
                                 scalar_test)
from flowgraph.interp.names import cyclic_blocks, used_variables
from flowgraph.liveness import live_in
from flowgraph.interp.runtime import CanEnterJit, MergePoint, attribute_name, has_tail_ops, struct_factory
from flowgraph.lltypes import Bool
from flowgraph.model import LAST_EXCEPTION, Block, Constant, FunctionGraph, Variable
from flowgraph.operations import MAXINT, MININT, OPS, exception_of

MAX_INDENT = 48          # deeper inline nesting becomes a label (Python allows 100 levels)
MAX_DUPLICATED_OPS = 4   # joins this small are copied into their predecessors...
DUPLICATION_BUDGET = 100  # ... up to this many operations copied per label
MAX_LINEAR_CASES = 8     # larger switches bisect on the case's index
RETURN = -1              # the "label" a tail function returns with its result

_RANGE = f"if not {MININT} <= {{0}} <= {MAXINT}: {{0}} = _wrap({{0}})"


class Emitter:
    """Generates the Python source of one graph (main function or tail).

    A main emitter starts its namespace from `runtime`, the run-time support
    globals (module docstring).  A tail emitter shares the main emitter's
    names, constants, callees and namespace (`shared`), so its code runs in
    the same globals."""

    def __init__(self, graph: FunctionGraph, index: dict, labels: dict, names: dict,
                 runtime: dict | None = None, shared: "Emitter | None" = None):
        self.graph = graph
        self.index = index            # Block -> its index in iterblocks order
        self.labels = labels          # Block -> label, for blocks entered by dispatch
        self.names = names            # Variable -> Python local name
        self.tail = shared is not None
        self.lines: list[str] = []
        self.pending: list = []       # labels added while emitting (nesting too deep)
        self.preloop = False          # emitting the start block, before the loop
        self.case_label = None        # the label whose case is being emitted
        self.duplicating: list = []   # labels being copied inline, outermost first
        self.budget = DUPLICATION_BUDGET  # operations the current case may still copy
        self.jumped: set = set()      # labels that some emitted link jumps to
        self.funcname = "graph_" + re.sub(r"\W", "_", graph.name)
        if shared is not None:
            self.namespace, self.consts = shared.namespace, shared.consts
            self.callees, self.used = shared.callees, shared.used
            return
        self.namespace = dict(runtime)
        self.consts: dict = {}        # key -> (global name, value)
        self.callees: list = []       # (global name, callee FunctionGraph)
        self.used = used_variables(index)

    # -- functions

    def main_function(self, start_has_preds: bool) -> str:
        """`def f(<start args>, _b=0, _env=None)`: see the module docstring."""
        g = self.graph
        params = [self.names[v] for v in g.startblock.inputargs] + ["_b=0", "_env=None"]
        self.put(0, f"def {self.funcname}({', '.join(params)}):")
        if start_has_preds:
            cases = self.emit_cases([g.startblock])
            prologue = self.prologue("if", 2)
            if prologue:
                self.put(1, "if _env is not None:")
        else:
            self.preloop = True
            self.duplicating = [g.startblock]
            self.put(1, "if _b == 0:")
            self.emit_block(g.startblock, 0, 2)
            self.preloop = False
            cases = self.emit_cases([])
            prologue = self.prologue("elif", 1)
        return "\n".join(self.lines + prologue + cases) + "\n"

    def emit_cases(self, first: list) -> list:
        """The `while True` dispatch loop: one `if _b == label:` per label;
        labels that some link jumps to come first, those inside cycles (the
        hot ones) before the others; labels only resumed at come last."""
        cyclic = cyclic_blocks(self.index)
        order = first + [b for b in self.labels if b not in first
                         and b is not self.graph.startblock] + self.pending
        self.pending = []
        cases = {}
        saved = self.lines
        while order:
            block = order.pop(0)
            self.lines = []
            self.case_label = self.labels[block]
            self.put(2, f"if _b == {self.case_label}:")
            self.duplicating = [block]
            self.budget = DUPLICATION_BUDGET
            self.emit_block(block, 0, 3)
            cases[block] = self.lines
            order += self.pending
            self.pending = []
        self.lines = saved
        if not cases:
            return []
        ranked = sorted(cases, key=lambda b: (b not in first, b not in self.jumped,
                                              b not in cyclic, self.index[b]))
        lines = ["    while True:"] + [line for b in ranked for line in cases[b]]
        return lines + ["        _bad_label(_b)"]

    def prologue(self, kw: str, indent: int) -> list:
        """Bind a label's input arguments from `_env` when resuming there."""
        lines = []
        for block, label in sorted(self.labels.items(), key=lambda kv: kv[1]):
            if label == 0:
                continue
            targets = [self.names[v] for v in block.inputargs]
            lines.append("    " * indent + f"{kw} _b == {label}:")
            lines.append("    " * (indent + 1)
                         + (f"{', '.join(targets)}, = _env" if targets else "pass"))
            kw = "elif"
        return lines

    def tail_function(self, block: Block, opindex: int, params: list) -> str:
        self.funcname = f"resume_{self.funcname}_{self.index[block]}_{opindex}"
        names = [self.names[v] for v in params]
        self.put(0, f"def {self.funcname}({', '.join(names)}):")
        self.emit_block(block, opindex, 1)
        return "\n".join(self.lines) + "\n"

    # -- blocks and links

    def put(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def emit_block(self, block: Block, start: int, indent: int) -> None:
        ops = block.operations
        sw = block.exitswitch
        if sw is LAST_EXCEPTION:
            self.emit_raising(block, start, indent)
            return
        fused = self.fused_condition(block) if start < len(ops) else None
        for i in range(start, len(ops) - (fused is not None)):
            self.position = (block, i)
            self.emit_op(ops[i], indent)
        if sw is None:
            self.emit_link(block.exits[0], indent)
        elif sw.concretetype is Bool:
            false, true = block.exits
            cond = fused if fused is not None else self.expr(sw)
            self.put(indent, f"if {cond}:")
            self.emit_link(true, indent + 1)
            self.put(indent, "else:")
            self.emit_link(false, indent + 1)
        else:
            self.emit_switch(block, indent)

    def emit_raising(self, block: Block, start: int, indent: int) -> None:
        """A block ending with a call that has exception exits: the call in a
        `try`, one `except` per exception link (in order: the first whose
        class matches is taken), the normal exit in its `else`.  The
        message and the class are left in `_exc_message` and `_exc_class`
        for the landing block's `exc_message()` and `exc_class()`."""
        ops = block.operations
        for i in range(start, len(ops) - 1):
            self.position = (block, i)
            self.emit_op(ops[i], indent)
        if start == len(ops):           # resumed after the call
            self.emit_link(block.exits[0], indent)
            return
        self.put(indent, "try:")
        self.position = (block, len(ops) - 1)
        self.emit_op(ops[-1], indent + 1)
        for link in block.exits[1:]:
            self.put(indent, f"except {self.const_name(link.exitcase)} as _e:")
            self.put(indent + 1, "_exc_message, _exc_class = str(_e), type(_e)")
            self.emit_link(link, indent + 1)
        self.put(indent, "else:")
        self.emit_link(block.exits[0], indent + 1)

    def fused_condition(self, block: Block):
        """`a < b` when the block's last op computes its bool switch for it alone."""
        sw = block.exitswitch
        if (not block.operations or sw is None or sw.concretetype is not Bool
                or block.operations[-1].result is not sw):
            return None
        op = block.operations[-1]
        desc = OPS[op.opname]
        if desc.py is None or desc.wraps or desc.kind == "write":
            return None
        if desc.kind == "read" and desc.field is not None or checks_item(op):
            return None                 # a field or item read is checked where read
        if any(sw in l.args for l in block.exits):
            return None
        return desc.format_py(list(map(self.expr, op.args)))

    def emit_switch(self, block: Block, indent: int) -> None:
        """`if sw == 1: ... elif sw == 7: ... else: <default>`; more than
        MAX_LINEAR_CASES cases look up the exit's index in a dict and find it
        by bisection (a long `elif` chain is slow and too deep to compile)."""
        sw = self.expr(block.exitswitch)
        cases = [link for link in block.exits if link.exitcase != "default"]
        default = block.exits[-1] if block.exits[-1].exitcase == "default" else None
        if not cases:
            self.emit_link(default, indent)
            return
        if len(cases) > MAX_LINEAR_CASES:
            table = self.const_name({link.exitcase: i for i, link in enumerate(cases)})
            self.put(indent, f"_i = {table}.get({sw}, {len(cases)})")
            self.emit_bisection(cases + [default], 0, len(cases) + 1, indent, block)
            return
        for kw, link in zip(["if"] + ["elif"] * len(cases), cases):
            self.put(indent, f"{kw} {sw} == {link.exitcase!r}:")
            self.emit_link(link, indent + 1)
        self.put(indent, "else:")
        self.emit_default(default, indent + 1, block)

    def emit_bisection(self, links: list, lo: int, hi: int, indent: int, block) -> None:
        if hi - lo == 1:
            self.emit_default(links[lo], indent, block)
            return
        mid = (lo + hi) // 2
        self.put(indent, f"if _i < {mid}:")
        self.emit_bisection(links, lo, mid, indent + 1, block)
        self.put(indent, "else:")
        self.emit_bisection(links, mid, hi, indent + 1, block)

    def emit_default(self, link, indent: int, block) -> None:
        if link is not None:
            self.emit_link(link, indent)
        else:
            self.put(indent, f"_no_case({self.expr(block.exitswitch)}, {self.index[block]})")

    def emit_link(self, link, indent: int) -> None:
        g, target = self.graph, link.target
        srcs = [self.expr(a) for a in link.args]
        if target is g.returnblock:
            self.put(indent, f"return {RETURN}, {srcs[0]}" if self.tail
                     else f"return {srcs[0]}")
            return
        if target is g.exceptblock:
            self.put(indent, f"raise {self.const_name(exception_of)}({srcs[0]}, {srcs[1]})")
            return
        label = self.labels.get(target)
        if label is None and indent > MAX_INDENT and not self.tail:
            label = self.labels[target] = self.index[target]
            self.pending.append(target)     # emitted as a case of the loop
        if label is not None and self.tail:
            self.put(indent, f"return {label}, ({''.join(s + ', ' for s in srcs)})")
            return
        pairs = [(self.names[v], s) for v, s in zip(target.inputargs, srcs)
                 if self.names[v] != s]
        if pairs:
            self.put(indent, ", ".join(p[0] for p in pairs) + " = "
                     + ", ".join(p[1] for p in pairs))
        if label is None:
            self.emit_block(target, 0, indent)
        elif self.duplicable(target, indent):
            self.budget -= len(target.operations) + 1
            self.duplicating.append(target)
            self.emit_block(target, 0, indent)
            self.duplicating.pop()
        elif self.preloop:
            self.put(indent, f"_b = {label}")
        else:
            if label != self.case_label:
                self.put(indent, f"_b = {label}")
            self.put(indent, "continue")
        if label is not None:
            self.jumped.add(target)

    def duplicable(self, block: Block, indent: int) -> bool:
        """A small join whose exits all leave for labels (or return) is
        copied into each predecessor rather than jumped to: `pc += 1` after
        an interpreter's `if/elif` chain costs no dispatch.  Copies nest only
        below copies without a switch (chains of joins with switches would
        grow exponentially), and a budget per case bounds them."""
        g = self.graph
        return (not self.tail and block is not g.startblock
                and block not in self.duplicating and indent <= MAX_INDENT
                and all(len(b.exits) == 1 for b in self.duplicating[1:])
                and self.budget > len(block.operations)
                and len(block.operations) <= MAX_DUPLICATED_OPS
                and all(l.target in self.labels or l.target is g.returnblock
                        or l.target is g.exceptblock for l in block.exits))

    # -- operations

    def emit_op(self, op, indent: int) -> None:
        name = op.opname
        args = [self.expr(a) for a in op.args]
        res = self.names[op.result]
        special = getattr(self, "op_" + name, None)
        if special is not None:
            special(op, args, res, indent)
            return
        if checks_item(op):
            self.checked_item(op, args, res, indent)
            return
        desc = OPS.get(name)
        if desc is None or desc.py is None:
            raise TypeError(f"run_graph: no way to run operation {name!r} "
                            f"in graph {self.graph.name}")
        expr = desc.format_py(list(args))
        if desc.kind == "write":                 # the template is a statement
            self.put(indent, expr)
            self.bind_void(op, indent)
            return
        if op.result not in self.used:
            if not desc.pure or desc.canraise:     # else: unread and cannot fail
                self.put(indent, expr)
            return
        if expr != res:
            self.put(indent, f"{res} = {expr}")
        if desc.wraps:
            self.put(indent, range_check(op, res))

    def bind_void(self, op, indent: int) -> None:
        if op.result in self.used:
            self.put(indent, f"{self.names[op.result]} = None")

    def op_hint(self, op, args, res, indent):
        if args[0] != res and op.result in self.used:
            self.put(indent, f"{res} = {args[0]}")
        flags = op.args[1].value.split(",")
        if "can_enter_jit" in flags:
            block, i = self.position
            site = self.const_name(CanEnterJit(self.graph, block, i + 1))
            self.put(indent, "if _merge_callback.callback is not None:")
            self.put(indent + 1, f"_merge_callback.callback({site}, None)")
        if "global_merge_point" in flags:
            block, i = self.position
            live = live_in(block, i + 1)
            site = self.const_name(MergePoint(self.graph, block, i + 1, tuple(live)))
            values = "".join(self.names[v] + ", " for v in live)
            self.put(indent, "if _merge_callback.callback is not None:")
            self.put(indent + 1, f"_r = _run_merge_callback({site}, ({values}))")
            self.put(indent + 1, "if _r is not None:")
            self.put(indent + 2, f"return {RETURN}, _r[0]" if self.tail else "return _r[0]")

    def op_getfield(self, op, args, res, indent):
        attr = attribute_name(op.args[1].value)
        if attr:
            self.put(indent, f"{res} = {args[0]}.{attr}")
        else:
            self.put(indent, f"{res} = getattr({args[0]}, {args[1]})")
        T = op.result.concretetype
        if T in CHECKED_FIELDS:             # a scalar field is checked where read
            struct, name = op.args[0].concretetype, op.args[1].value
            check = self.const_name(("field", struct, name),
                                    lambda: field_checker(struct.name, name, T))
            self.put(indent, f"if not ({scalar_test(T, res)}):")
            self.put(indent + 1, f"{res} = {check}({res})")

    def checked_item(self, op, args, res, indent):
        """An int, float or bool item read from a list is checked where read
        (flowgraph/arguments.py): the inline test, else the item check with
        the item's index (not negative)."""
        lst = args[0]
        if op.opname == "list_pop":
            self.put(indent, f"{res} = {lst}.pop()")
            index = f"len({lst})"
        else:
            self.put(indent, f"{res} = {lst}[{args[1]}]")
            index = f"{args[1]} % len({lst})"
        check = self.const_name(item_checker(self.graph, op.args[0]))
        self.put(indent, f"if not ({scalar_test(op.result.concretetype, res)}):")
        self.put(indent + 1, f"{res} = {check}({res}, {index})")

    def op_setfield(self, op, args, res, indent):
        attr = attribute_name(op.args[1].value)
        if attr:
            self.put(indent, f"{args[0]}.{attr} = {args[2]}")
        else:
            self.put(indent, f"setattr({args[0]}, {args[1]}, {args[2]})")
        self.bind_void(op, indent)

    def op_malloc(self, op, args, res, indent):
        T = op.args[0].value
        factory = self.const_name(("new", T), lambda: struct_factory(T))
        self.put(indent, f"{res} = {factory}()")

    def op_malloc_varsize(self, op, args, res, indent):
        item = lltypes.default_value(op.args[0].value.item)
        self.put(indent, f"{res} = _new_array({self.expr(Constant(item))}, {args[1]})")

    def op_direct_call(self, op, args, res, indent):
        callee = op.args[0].value
        if not isinstance(callee, FunctionGraph):
            name = self.const_name(callee)          # a plain Python callable
        else:
            found = [n for n, c in self.callees if c is callee]
            if found:
                name = found[0]
            else:
                name = "_g%d_%s" % (len(self.callees), re.sub(r"\W", "_", callee.name))
                self.callees.append((name, callee))
                self.namespace[name] = None         # bound once compiled
        self.put(indent, f"{res} = {name}({', '.join(args[1:])})")
        if isinstance(callee, FunctionGraph) and has_tail_ops(callee):
            # its result may be a tail transfer: run them here, one step at a
            # time (run.transfer_step), so that they add no Python frame
            self.put(indent, f"while {res}.__class__ in _TRANSFERS:")
            self.put(indent + 1, f"_f, _a = _transfer_step({res})")
            self.put(indent + 1, f"{res} = _f(*_a)")

    def op_promote(self, op, args, res, indent):
        # promote(c_site, v, *live) in tail position: a transfer, run by the trampoline
        self.put(indent, f"{res} = _Promote({args[0]}, {args[1]}, ({''.join(a + ', ' for a in args[2:])}))")

    def op_tail_call(self, op, args, res, indent):
        # tail_call(c_graph, *args) in tail position: a transfer, run by the trampoline
        graph = self.const_name(op.args[0].value)
        self.put(indent, f"{res} = _TailCall({graph}, ({''.join(a + ', ' for a in args[1:])}))")

    # -- values

    def expr(self, a) -> str:
        """Python source for a Variable or Constant."""
        if isinstance(a, Variable):
            return self.names[a]
        value = a.value
        if value is None or isinstance(value, (bool, str)):
            return repr(value)
        if type(value) is int:
            return f"({value})" if value < 0 else repr(value)
        if type(value) is float and math.isfinite(value):
            return f"({value!r})" if math.copysign(1.0, value) < 0 else repr(value)
        return self.const_name(value)

    def const_name(self, value, make=None) -> str:
        """A global of the generated code holding `value` (or `make()`, keyed
        by `value`)."""
        try:
            key = (type(value), value)
            hash(key)
        except TypeError:
            key = ("id", id(value))
        if key not in self.consts:
            name = f"_k{len(self.consts)}"
            self.consts[key] = (name, value)
            self.namespace[name] = make() if make is not None else value
        return self.consts[key][0]


def range_check(op, res: str) -> str:
    """The 64-bit wrap-around after `op`: one comparison when adding or
    subtracting a constant (the result can leave the range on one side only)."""
    adding = op.opname == "int_add"
    if not adding and op.opname != "int_sub":
        return _RANGE.format(res)
    a, b = op.args
    if isinstance(b, Constant) or (adding and isinstance(a, Constant)):
        c = b.value if isinstance(b, Constant) else a.value
        upward = (c >= 0) == adding
        bound = f"> {MAXINT}" if upward else f"< {MININT}"
        return f"if {res} {bound}: {res} = _wrap({res})"
    return _RANGE.format(res)


def unrunnable_ops() -> list:
    """The rows of the operation table the interpreter has no way to run:
    neither a `py` template nor an `op_<name>` method (empty when complete)."""
    return [name for name, desc in OPS.items()
            if desc.py is None and not hasattr(Emitter, "op_" + name)]


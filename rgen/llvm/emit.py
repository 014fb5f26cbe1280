"""Emit one `FunctionGraph` as an LLVM function (llvmlite.ir.IRBuilder).

Shape of the result.  A graph `f(a, b)` becomes

    define tailcc {T, i1} @"f.N"(a, b)   ; T = LLVM type of the return value
      entry:        br block0
      blockK:       one phi per non-Void input argument, then the operations
      blockK.to.M:  one edge block per link: reference moves, br blockM
                    (a link to the return block returns {value, 0})

and returns `{undef, 1}` when an exception is pending (see runtime.py).
A call with exception exits (`LAST_EXCEPTION`, a call inside `try`) fails
into a dispatch instead (`exception_dispatch`): `PyErr_ExceptionMatches`
per exception link, in order; the matching link takes the exception (its
message, for the handler's `exc_message`, through a slot of the function)
and goes on; no match fails as before.
Every graph function has LLVM's `tailcc` calling convention, so a tail
transfer (`promote`, `tail_call`: see `tail_transfer`) is a guaranteed tail
call whatever the two prototypes.  A `direct_call` that may be part of a
cycle of calls (see compiler.py) counts against CPython's recursion limit
(Py_EnterRecursiveCall around the call), so unbounded recursion is a
RecursionError, not a crash.
Values are named after the source variables they stand for.  Void values have
no native representation; the exception class reaching the exceptblock is a
constant, or a Class value (a caught class raised again).

Operations: a row of `flowgraph.operations.OPS` with an `llvm` entry is
lowered from that text alone: an instruction (`add`, `icmp slt`, `fcmp une`,
`zext`, ...), optionally with an immediate second operand (`icmp ne 0`,
`xor 1`), or `@name`, a call to the helper `name` of `arith.py` (which checks
the failure flag when the helper returns `{T, i1}`).  Rows with `llvm=None`
have a dedicated handler in `memops.py` / `structs.py` / `calls.py`.

Reference counting: every gcref variable *owns* one reference.  Parameters
receive theirs from the caller (a call hands over one reference per gcref
argument: an owned variable dead after the call is moved, any other value
increfed), so a tail transfer can leave nothing behind.  Operation results
are new references, block input arguments receive references from their
links.  Along a link each owned
variable is *moved* into its first use among the link's arguments (further
uses and constants are increfed); owned variables the link does not pass are
decrefed.  On an exception inside a block the references owned so far are
dropped before returning the failure.
"""

from __future__ import annotations

from collections import Counter

from llvmlite import ir

from flowgraph.lltypes import Bool, Char, Float, Signed, Void
from flowgraph.model import LAST_EXCEPTION, Constant, FunctionGraph, Variable
from flowgraph.operations import caught_reads, getop, wrap
from rgen.llvm import guards
from rgen.llvm.runtime import (DOUBLE, I1, I32, I64, NULL, PTR, Runtime, box, entry_alloca,
                               failed, is_gcref, lltype, result_struct)

_ICMP = {"eq": "==", "ne": "!=", "slt": "<", "sle": "<=", "sgt": ">", "sge": ">=",
         "ult": "<", "ule": "<=", "ugt": ">", "uge": ">="}
_FCMP = {"oeq": "==", "one": "!=", "olt": "<", "ole": "<=", "ogt": ">", "oge": ">=",
         "ueq": "==", "une": "!=", "ult": "<", "ule": "<=", "ugt": ">", "uge": ">="}
_BINARY = {"add", "sub", "mul", "and", "or", "xor", "fadd", "fsub", "fmul", "fdiv",
           "shl", "ashr", "lshr"}
_UNARY = {"neg": "neg", "not": "not_", "fneg": "fneg"}
_CASTS = {"sitofp", "uitofp", "zext", "sext", "trunc", "fptosi"}


CCONV = "tailcc"           # of every graph function: guaranteed tail calls between them


class CompileError(Exception):
    """A graph the LLVM backend cannot compile (names graph, block and op)."""


def function_type(graph: FunctionGraph) -> ir.FunctionType:
    params = [lltype(v.concretetype) for v in graph.getargs()
              if v.concretetype is not Void]
    return ir.FunctionType(result_struct(graph.return_type), params)


def graph_function(module: ir.Module, graph: FunctionGraph, name: str) -> ir.Function:
    """Declare the function `{T, i1} tailcc name(params)` of `graph` in `module`."""
    fn = ir.Function(module, function_type(graph), name)
    fn.calling_convention = CCONV
    return fn


class FunctionEmitter:
    """Writes the body of `fn` from `graph`.  `callee(graph)` gives the
    ir.Function to call for a `direct_call` or `tail_call` to another graph,
    `counted(graph)` whether a `direct_call` to it counts against the
    recursion limit; `polls_after_optimisation`: the back edges get their
    signal polls after optimisation (backedges.py), not here."""

    def __init__(self, rt: Runtime, graph: FunctionGraph, fn: ir.Function, callee,
                 handlers: dict, counted=lambda graph: False, polls_after_optimisation=False):
        self.rt, self.graph, self.fn = rt, graph, fn
        self.counted = counted
        self.callee = callee
        self.handlers = handlers
        self.b = ir.IRBuilder()
        self.values: dict = {}
        self.blocks: dict = {}
        self.owned: list = []
        self.current = None
        self.polls_after_optimisation = polls_after_optimisation
        self.catching = None            # exception links of the call being emitted
        self.caught_slots: dict = {}   # exc_message / exc_class -> its slot

    # -- driver -------------------------------------------------------------------------

    def emit(self) -> None:
        graph, b = self.graph, self.b
        entry = self.fn.append_basic_block("entry")
        self.fail_block = None
        self.cleanups: dict = {}
        params = [v for v in graph.getargs() if v.concretetype is not Void]
        for v, arg in zip(params, self.fn.args):
            arg.name = v.name or "arg"
        order = [blk for blk in graph.iterblocks()
                 if blk is not graph.returnblock and blk is not graph.exceptblock]
        for i, block in enumerate(order):
            self.blocks[block] = self._make_block(block, f"block{i}")
        self.index = {blk: i for i, blk in enumerate(order)}
        b.position_at_end(entry)
        # The success flag of every return: false, or, when polls come after
        # optimisation into a function with a loop, a false LLVM cannot see.
        self.succeeded = ir.Constant(I1, 0)
        if (self.polls_after_optimisation and not guards.POLL_OFF
                and any(self.index.get(link.target, len(order)) <= i
                        for i, block in enumerate(order) for link in block.exits)):
            self.succeeded = guards.may_fail_later(self.rt, b)
        came_from = b.block
        b.branch(self.blocks[graph.startblock])
        for v, arg in zip(params, self.fn.args):
            self.values[v].add_incoming(arg, came_from)
        for block in order:
            self.emit_block(block)

    def enter_recursive_call(self) -> None:
        """Count a call against CPython's recursion limit (RecursionError,
        never a native stack overflow, see guards.py); `leave_recursive_call`
        after it."""
        self.fail_if(guards.stack_exhausted(self.rt, self.b))
        r = self.b.call(self.rt.capi("Py_EnterRecursiveCall"), [self.rt.cstring("")],
                        name="deep")
        self.fail_if(self.b.icmp_signed("!=", r, ir.Constant(I32, 0)))

    def leave_recursive_call(self) -> None:
        self.b.call(self.rt.capi("Py_LeaveRecursiveCall"), [])

    def _make_block(self, block, label: str) -> ir.Block:
        bb = self.fn.append_basic_block(label)
        self.b.position_at_end(bb)
        for v in block.inputargs:
            t = lltype(v.concretetype)
            if t is not None:
                self.values[v] = self.b.phi(t, name=v.name or "v")
        return bb

    def emit_block(self, block) -> None:
        self.b.position_at_end(self.blocks[block])
        self.current = block
        self.label = f"block{self.index[block]}"
        self.owned = [v for v in block.inputargs if is_gcref(v.concretetype)]
        self.last_use = _last_uses(block)
        for i, op in enumerate(block.operations):
            self.opindex = i
            if block.exitswitch is LAST_EXCEPTION and i == len(block.operations) - 1:
                self.catching = block.exits[1:]        # the call's failures: fail_if
            self.emit_op(op)
            self.catching = None
        if block.operations and getop(block.operations[-1].opname).kind == "transfer":
            return                  # the transfer returned already
        self.emit_exits(block)

    # -- operations ---------------------------------------------------------------------

    def emit_op(self, op) -> None:
        self.op = op
        if getop(op.opname).kind == "transfer":   # ends the function: no result to keep
            self.check_tail_position(op)
            self.handlers[op.opname](self, op)
            return
        desc = getop(op.opname)
        if desc.llvm is not None:
            value = self.lower_simple(op, desc.llvm)
        else:
            handler = self.handlers.get(op.opname)
            if handler is None:
                raise self.error(f"no LLVM lowering for operation {op.opname}")
            value = handler(self, op)
        if op.result.concretetype is not Void:
            if value is None:
                raise self.error(f"operation {op.opname} produced no value")
            self.values[op.result] = value
            if is_gcref(op.result.concretetype):
                self.owned.append(op.result)

    def lower_simple(self, op, spec: str):
        """Lower an op from its table text: `add`, `icmp slt`, `xor 1`, `@floordiv`,
        `capi:PyUnicode_Concat` (a new reference, null on failure)."""
        if spec.startswith("method"):
            return self.lower_method(op, spec)
        b, args, name = self.b, [self.value(a) for a in op.args], op.result.name or "v"
        if spec.startswith("capi:"):
            p = b.call(self.rt.capi(spec[len("capi:"):]), args, name=name)
            self.fail_if(b.icmp_unsigned("==", p, NULL))
            return p
        if spec.startswith("@"):
            fn = self.rt.helper(spec[1:])
            result = b.call(fn, args, name=name)
            if isinstance(fn.function_type.return_type, ir.LiteralStructType):
                result = self.check(result, name)
            return result
        words = spec.split()
        if len(words) == 3 or (len(words) == 2 and words[0] not in ("icmp", "fcmp")):
            args.append(ir.Constant(args[0].type, float(words[-1]) if args[0].type == DOUBLE
                                    else int(words[-1])))
        instr = words[0]
        if instr == "icmp":
            pred = words[1]
            cmp = b.icmp_unsigned if pred.startswith("u") else b.icmp_signed
            return cmp(_ICMP[pred], args[0], args[1], name=name)
        if instr == "fcmp":
            pred = words[1]
            cmp = b.fcmp_ordered if pred.startswith("o") else b.fcmp_unordered
            return cmp(_FCMP[pred], args[0], args[1], name=name)
        if instr in _BINARY:
            return getattr(b, instr + "_" if instr in ("and", "or") else instr)(*args, name=name)
        if instr in _UNARY:
            return getattr(b, _UNARY[instr])(args[0], name=name)
        if instr in _CASTS:
            return getattr(b, instr)(args[0], lltype(op.result.concretetype), name=name)
        raise self.error(f"cannot parse LLVM lowering {spec!r} of {op.opname}")

    def lower_method(self, op, spec: str):
        """`llvm="method"`: CPython's call of the method the row's `py`
        template names (`{0}.find({1})`), or `method:NAME`, on argument 0,
        the scalars boxed, the result unboxed as the row's type
        (`PyObject_VectorcallMethod`)."""
        from rgen.llvm.memops import take_item
        b, desc = self.b, getop(op.opname)
        method = (spec.split(":", 1)[1] if ":" in spec
                  else desc.py.split(".", 1)[1].split("(", 1)[0])
        argv, held = [], []
        for a in op.args:
            value = self.value(a)
            if not is_gcref(a.concretetype):
                value = box(self.rt, b, a.concretetype, value)
                self.fail_if(b.icmp_unsigned("==", value, NULL))
                self.hold(value)
                held.append(value)
            argv.append(value)
        result = self.call_method(method, argv)
        for value in held:
            self.unhold(value)
            self.rt.decref(b, value)
        self.fail_if(b.icmp_unsigned("==", result, NULL))
        return take_item(self, op.result.concretetype, result)

    def call_method(self, method: str, argv: list):
        """`argv[0].method(*argv[1:])` (`PyObject_VectorcallMethod`): a new
        reference, or null with the exception set."""
        b = self.b
        array = entry_alloca(self.fn, PTR, len(argv), f"{method}.args")
        for i, value in enumerate(argv):
            b.store(value, b.gep(array, [ir.Constant(I64, i)], inbounds=True, source_etype=PTR))
        return b.call(self.rt.capi("PyObject_VectorcallMethod"),
                      [self.rt.pyobj(method, method), array, ir.Constant(I64, len(argv)),
                       NULL], name=method)

    # -- calls and tail transfers ---------------------------------------------------------

    def check_tail_position(self, op) -> None:
        block = self.current
        if not (block.operations[-1] is op and block.exitswitch is None
                and block.exits[0].target is self.graph.returnblock
                and block.exits[0].args == [op.result]):
            raise self.error(f"{op.opname} must be the last operation of its block, "
                             f"followed by return of its result")

    def call_arguments(self, args: list, dying=None) -> list:
        """The ir.Values of `args` for a callee that takes over one reference
        per gcref argument: an owned variable in `dying` (every variable when
        None) is moved, once, and no longer owned here; any other gcref value
        is increfed."""
        values, moved = [], []
        for a in args:
            if a.concretetype is Void:
                continue
            value = self.value(a)
            values.append(value)
            if not is_gcref(a.concretetype):
                continue
            if (isinstance(a, Variable) and (dying is None or a in dying)
                    and a in self.owned and not any(a is m for m in moved)):
                moved.append(a)
            else:
                self.rt.incref(self.b, value)
        self.owned = [v for v in self.owned if not any(v is m for m in moved)]
        return values

    def dying_after_op(self) -> set:
        """The arguments of the current operation not used after it."""
        return {a for a in self.op.args
                if isinstance(a, Variable) and self.last_use[a] == self.opindex}

    def tail_transfer(self, fn, args: list) -> None:
        """End the function with `return fn(*args)` as a guaranteed tail call
        (`tail` between `tailcc` functions: a jump, the stack does not grow).
        Every reference owned here is moved into the arguments or released
        first; `self.owned` is left as it was (for other paths of the op)."""
        self.poll_signals(local=False)
        owned = self.owned
        values = self.call_arguments(args)
        self.release(self.owned)
        result = self.b.call(fn, values, name="transfer", cconv=CCONV, tail="tail")
        self.b.ret(result)
        self.owned = owned

    def poll_signals(self, local: bool) -> None:
        """Every POLL_INTERVAL passes (counted by the function's own counter
        when `local`, else the process-wide one) run pending signal handlers;
        an exception they raise fails here (see guards.py)."""
        b = self.b
        if guards.POLL_OFF:
            return
        due = guards.poll_due(self.rt, b, guards.poll_counter_slot(self.rt, b, local))
        bb_poll = self.fn.append_basic_block(f"{self.label}.poll")
        bb_cont = self.fn.append_basic_block(f"{self.label}.polled")
        b.cbranch(due, bb_poll, bb_cont).set_weights([1, 1000])
        b.position_at_end(bb_poll)
        b.store(ir.Constant(I32, guards.POLL_INTERVAL),
                guards.poll_counter_slot(self.rt, b, local))
        raised = self.rt.call(b, "rt.poll_signals")
        b.cbranch(raised, self.cleanup(tuple(self.owned)), bb_cont)
        b.position_at_end(bb_cont)

    # -- values and failure -------------------------------------------------------------

    def value(self, a):
        """The ir.Value of a flow-graph Variable or Constant (None for Void)."""
        if isinstance(a, Variable):
            if a.concretetype is Void:
                return None
            try:
                return self.values[a]
            except KeyError:
                raise self.error(f"variable {a!r} used before its definition") from None
        return self.constant(a.value, a.concretetype)

    def constant(self, value, T):
        if T is Signed:
            return ir.Constant(I64, wrap(int(value)))
        if T is Float:
            return ir.Constant(DOUBLE, float(value))
        if T is Bool:
            return ir.Constant(I1, int(bool(value)))
        if T is Char:
            return ir.Constant(I32, ord(value))
        if T is Void:
            return None
        return self.rt.pyobj(value, type(value).__name__)

    def check(self, result, name: str = ""):
        """Branch to the failure path when a `{T, i1}` result failed; give T."""
        self.fail_if(self.b.extract_value(result, 1, name="failed"))
        return self.b.extract_value(result, 0, name=name)

    def fail_if(self, cond) -> None:
        """If `cond`, drop the references owned so far and return failure
        (or, in a call with exception exits, go where they catch it)."""
        bb_cont = self.fn.append_basic_block(f"{self.label}.ok")
        failure = (self.cleanup(tuple(self.owned)) if self.catching is None
                   else self.exception_dispatch(tuple(self.owned)))
        self.b.cbranch(cond, failure, bb_cont)
        self.b.position_at_end(bb_cont)

    def exception_dispatch(self, owned: tuple) -> ir.Block:
        """The block testing the pending exception against the exception
        links of the current block's call, in order: the first that matches
        takes it (its landing block's `exc_message` reads the message left
        in the function's message slot), none: the failure goes on as
        before.  `owned`: the references owned at the failure point."""
        b, here, saved = self.b, self.b.block, self.owned
        bb = self.fn.append_basic_block(f"{self.label}.except")
        b.position_at_end(bb)
        for link in self.catching:
            cls = self.rt.pyobj(link.exitcase, link.exitcase.__name__)
            matches = b.call(self.rt.capi("PyErr_ExceptionMatches"), [cls], name="matches")
            bb_catch = self.fn.append_basic_block(f"{self.label}.catch")
            bb_next = self.fn.append_basic_block(f"{self.label}.except.next")
            b.cbranch(b.icmp_signed("!=", matches, ir.Constant(I32, 0)), bb_catch, bb_next)
            b.position_at_end(bb_catch)
            self.owned = list(owned)
            reads = caught_reads(link.target)
            if reads:
                class_out = (self.caught_slot("exc_class") if "exc_class" in reads
                             else ir.Constant(PTR, None))
                message = self.rt.call(b, "rt.exception_caught", class_out, result="message")
                self.fail_if_without_catching(b.icmp_unsigned("==", message, NULL))
                if "exc_message" in reads:
                    b.store(message, self.caught_slot("exc_message"))
                else:
                    self.rt.decref(b, message)
            else:
                b.call(self.rt.capi("PyErr_Clear"), [])
            catch_end = b.block
            edge = self.emit_link(link)
            b.position_at_end(catch_end)
            b.branch(edge)
            b.position_at_end(bb_next)
        b.branch(self.cleanup(owned))
        self.owned = saved
        b.position_at_end(here)
        return bb

    def fail_if_without_catching(self, cond) -> None:
        catching, self.catching = self.catching, None
        try:
            self.fail_if(cond)
        finally:
            self.catching = catching

    def caught_slot(self, opname: str):
        """The function's slot passing a caught exception's message or class
        (a new reference) to its handler's `exc_message` / `exc_class`."""
        slot = self.caught_slots.get(opname)
        if slot is None:
            slot = self.caught_slots[opname] = entry_alloca(self.fn, PTR, 1, opname)
        return slot

    def cleanup(self, owned: tuple) -> ir.Block:
        """The block dropping the references `owned` and returning failure.

        Cleanup blocks form chains shared by every failure point of a flow
        block: the one for (a, b, c) decrefs c and continues with (a, b)'s."""
        if not owned:
            return self.shared_fail()
        key = tuple(map(id, owned))
        bb = self.cleanups.get(key)
        if bb is None:
            rest = self.cleanup(owned[:-1])
            here = self.b.block
            bb = self.cleanups[key] = self.fn.append_basic_block(f"{self.label}.cleanup")
            self.b.position_at_end(bb)
            self.release(owned[-1:])
            self.b.branch(rest)
            self.b.position_at_end(here)
        return bb

    def shared_fail(self) -> ir.Block:
        if self.fail_block is None:
            here = self.b.block
            self.fail_block = self.fn.append_basic_block("fail")
            self.b.position_at_end(self.fail_block)
            failed(self.b)
            self.b.position_at_end(here)
        return self.fail_block

    def release(self, owned) -> None:
        """Decref owned references: Variables, or ir.Values held by `hold`."""
        for v in reversed(owned):
            self.rt.decref(self.b, self.values[v] if isinstance(v, Variable) else v)

    def hold(self, value) -> None:
        """Own a temporary reference: released if a later check fails."""
        self.owned.append(value)

    def unhold(self, value) -> None:
        self.owned.remove(value)

    def error(self, message: str) -> CompileError:
        where = f"graph {self.graph.name} ({self.graph.filename}:{self.graph.firstlineno})"
        if self.current is not None and self.current in getattr(self, "index", {}):
            where += f", block{self.index[self.current]}"
        op = getattr(self, "op", None)
        if op is not None and op.lineno:
            where += f", line {op.lineno}"
        return CompileError(f"rgen.llvm: {message} in {where}")

    # -- exits ----------------------------------------------------------------------------

    def emit_exits(self, block) -> None:
        self.op = None
        b, sw = self.b, block.exitswitch
        if not block.exits:
            raise self.error("a block without exits that is not the return/except block")
        here = b.block
        if sw is None or sw is LAST_EXCEPTION or isinstance(sw, Constant):
            link = (block.exits[0] if sw is None or sw is LAST_EXCEPTION  # (a call's normal
                    else _static_exit(block, sw.value))                 # exit: exits[0])
            target = self.emit_link(link)
            b.position_at_end(here)
            b.branch(target)
        elif sw.concretetype is Bool:
            targets = {bool(link.exitcase): self.emit_link(link) for link in block.exits}
            b.position_at_end(here)
            b.cbranch(self.value(sw), targets[True], targets[False])
        else:
            self.emit_switch(block, sw)

    def emit_switch(self, block, sw) -> None:
        here = self.b.block
        cases = [(link.exitcase, self.emit_link(link)) for link in block.exits]
        default = [bb for case, bb in cases if case == "default"]
        self.b.position_at_end(here)
        bb_default = default[0] if default else self._no_case_block(sw)
        switch = self.b.switch(self.value(sw), bb_default)
        for case, bb in cases:
            if case != "default":
                switch.add_case(self.constant(case, sw.concretetype), bb)

    def _no_case_block(self, sw) -> ir.Block:
        here = self.b.block
        bb = self.fn.append_basic_block(f"{self.label}.nocase")
        self.b.position_at_end(bb)
        self.rt.set_error(self.b, RuntimeError,
                          f"switch value has no exit in block{self.index[self.current]} "
                          f"(and no default)")
        self.b.branch(self.cleanup(tuple(self.owned)))
        self.b.position_at_end(here)
        return bb

    def emit_link(self, link) -> ir.Block:
        """An edge block doing the link's reference moves; returns it."""
        graph, b = self.graph, self.b
        target = link.target
        label = ("return" if target is graph.returnblock else
                 "raise" if target is graph.exceptblock else f"block{self.index[target]}")
        bb = self.fn.append_basic_block(f"{self.label}.to.{label}")
        b.position_at_end(bb)
        if target is graph.exceptblock:
            self.emit_raise(link)
            return bb
        if (target is not graph.returnblock and not self.polls_after_optimisation
                and self.index[target] <= self.index[self.current]):
            self.poll_signals(local=True)           # a back edge: every cycle has one
        values = self.transfer(link)
        if target is graph.returnblock:
            T = graph.return_type
            ret = ir.Constant(result_struct(T), ir.Undefined)
            if values[0] is not None:
                ret = b.insert_value(ret, values[0], 0)
            b.ret(b.insert_value(ret, self.succeeded, 1))
            return bb
        b.branch(self.blocks[target])
        for v, value in zip(target.inputargs, values):
            if value is not None:
                self.values[v].add_incoming(value, b.block)
        return bb

    def transfer(self, link) -> list:
        """Values for the link's target, moving owned references into them."""
        uses = Counter(a for a in link.args if isinstance(a, Variable))
        moved = set()
        values = []
        for a, v in zip(link.args, link.target.inputargs):
            value = self.value(a) if v.concretetype is not Void else None
            values.append(value)
            if value is None or not is_gcref(v.concretetype):
                continue
            if isinstance(a, Variable) and a in self.owned and a not in moved:
                moved.add(a)
            else:
                self.rt.incref(self.b, value)
        self.release([v for v in self.owned if uses[v] == 0])
        return values

    def emit_raise(self, link) -> None:
        """`raise E(msg)`: set the exception, drop owned references, fail.
        E is a constant, or a Class value (a caught class raised again)."""
        etype = link.args[0]
        msg = self.value(link.args[1])
        if isinstance(etype, Constant):
            exc = etype.value
            if not (isinstance(exc, type) and issubclass(exc, BaseException)):
                raise self.error(f"raise of {exc!r}, which is not an exception class")
            if not issubclass(exc, KeyError):
                self.b.call(self.rt.capi("PyErr_SetObject"),
                            [self.rt.pyobj(exc, exc.__name__), msg])
                self.b.branch(self.cleanup(tuple(self.owned)))
                return
        self.rt.call(self.b, "rt.raise", self.value(etype), msg)
        self.b.branch(self.cleanup(tuple(self.owned)))


def owns_nothing(graph) -> bool:
    """Whether no variable of `graph` is a gcref (nothing to release on an
    exception): its back edges are polled after optimisation (backedges.py)."""
    return not any(is_gcref(v.concretetype) for block in graph.iterblocks()
                   for v in block.inputargs + [op.result for op in block.operations])


def _last_uses(block) -> dict:
    """Variable -> index of the last operation of `block` using it; the
    exitswitch and the exits count as index len(operations)."""
    last = {}
    for i, op in enumerate(block.operations):
        for a in op.args:
            if isinstance(a, Variable):
                last[a] = i
    end = len(block.operations)
    for a in [block.exitswitch] + [a for link in block.exits for a in link.args]:
        if isinstance(a, Variable):
            last[a] = end
    return last


def _static_exit(block, value):
    for link in block.exits:
        if link.exitcase == value:
            return link
    return block.exits[-1]

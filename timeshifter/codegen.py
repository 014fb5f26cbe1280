"""The timeshifting transformation: coloured graphs -> Python source.

Every graph copy of a `HintAnnotation` becomes a set of Python functions,
one per segment the driver can enter (graphcode.py): the start, merge
points, continuations after calls and promotions, targets of red switches.
They are written on demand.  In a segment

  * a green operation becomes the Python expression of its `py` template
    (operation table), wrapped to 64 bits where the table says so; if it can
    raise, the exception becomes a residual raise (`rt.raise_green`);
  * a red operation becomes `rt.op(js, name, ...)`, which emits it through
    rgen (folding red constants); green operands are boxed with `rt.c`;
  * operations on containers call the virtual-container helpers of `rt`
    (the row's `ts` template names the helper and its arguments);
  * a call to a `purefunction` with green arguments runs the real Python
    function; a `dont_look_inside` call is a residual call; any other call
    ends the segment with `rt.call` (the callee's code is inlined and its
    result comes back as the first input of the continuation segment);
  * the block's exit becomes `rt.goto` (green switches are Python `if`s),
    `rt.split` for a red Bool switch and `rt.switch` for a red multi-way one;
    a block no other path enters is written inline instead of `rt.goto`
    (up to MAX_INLINED_BLOCKS deep), its arguments reusing the names of the
    variables passed to them, so a green dispatch chain runs in one call.

Objects the source refers to (types, graphs, exception classes, other
graphs' code) live in the namespace under readable names.  Comments give
the source line of each operation.
"""

from __future__ import annotations

import linecache
import math
import re

from flowgraph.liveness import live_in
from flowgraph.lltypes import Class, Signed, Str, Void
from flowgraph.model import LAST_EXCEPTION, Constant, Variable
from flowgraph.operations import OPS, TREATMENTS
from hintannotator.sources import hint_flags
from timeshifter import rtimeshift
from timeshifter.boxes import RedBox
from timeshifter.graphcode import GraphCode
from timeshifter.rtimeshift import RAISE, RETURN
from timeshifter.state import value_key

MAX_INLINED_BLOCKS = 16     # blocks written inline in one segment, one below the other
_PLACEHOLDER = re.compile(r"\{(name|[btr]\d|b\*)\}")   # in a row's `ts` helper template


class Namespace:
    """Names for the objects generated code refers to."""

    def __init__(self):
        self.objects: dict = {}
        self.names: dict = {}

    def ref(self, obj, hint: str) -> str:
        key = id(obj)
        if key not in self.names:
            base = re.sub(r"\W", "_", hint) or "obj"
            name, n = base, 1
            while name in self.objects:
                n += 1
                name = f"{base}_{n}"
            self.names[key] = name
            self.objects[name] = obj
        return self.names[key]


class SegmentWriter:
    """Writes the Python function of one segment."""

    def __init__(self, gen: "SourceGenerator", code: GraphCode, block_index: int,
                 start: int, lines: list | None = None, base: int = 1, depth: int = 0):
        self.gen = gen
        self.code = code
        self.block_index = block_index
        self.block = code.blocks[block_index]
        self.start = start
        self.lines: list = lines if lines is not None else []
        self.base = base                # indentation of this block's code
        self.depth = depth              # blocks inlined above this one
        self.last_line = None
        self.caught = None              # an exception segment's names of its message and class

    # -- values ---------------------------------------------------------------
    def name(self, v: Variable) -> str:
        return self.gen.varname(self.code, v)

    def green(self, a) -> str:
        """Python text of a green value."""
        if isinstance(a, Variable):
            return self.name(a)
        return self.gen.literal(a)

    def boxed(self, a) -> str:
        """Python text of a value where a box is expected."""
        if isinstance(a, Variable):
            if self.code.is_green(a):
                return f"c({self.name(a)}, {self.gen.typeref(a.concretetype)})"
            return self.name(a)
        return self.gen.constbox(a)

    def as_colour_of(self, target: Variable, a) -> str:
        return self.green(a) if self.code.is_green(target) else self.boxed(a)

    def emit(self, text: str, indent: int = 1) -> None:
        self.lines.append("    " * (self.base + indent - 1) + text)

    def comment_line(self, lineno: int) -> None:
        if lineno and lineno != self.last_line:
            self.last_line = lineno
            src = linecache.getline(self.code.filename, lineno).strip()
            self.emit(f"# line {lineno}: {src}" if src else f"# line {lineno}")
            self.emit(f"js.line = {lineno}")        # named by the residual-size bound error

    # -- the segment -------------------------------------------------------------
    def write(self) -> str:
        inputs = self.code.inputs[(self.block_index, self.start)]
        params = ", ".join(["js"] + [self.name(v) for v in inputs])
        fname = self.gen.segment_name(self.code, self.block_index, self.start)
        self.lines.append(f"def {fname}({params}):")
        self.write_body()
        return "\n".join(self.lines)

    def write_body(self) -> None:
        ops = self.block.operations
        if self.start < 0:              # an exception exit of the block's call
            message, cls = self.code.inputs[(self.block_index, self.start)][:2]
            self.caught = {Str: self.name(message), Class: self.name(cls)}   # by result type
            return self.transfer(self.block.exits[-self.start])
        for k in range(self.start, len(ops)):
            op = ops[k]
            self.comment_line(op.lineno)
            if self.gen.is_inlined_call(self.code, op):
                self.write_inlined_call(op, k)
                break
            if self.gen.is_promotion(self.code, op):
                self.write_promotion(op, k)
                break
            if k == len(ops) - 1 and self.exception_links():
                self.write_raising_op(op)
            else:
                self.write_op(op)
        else:
            self.write_exits()

    def write_raising_op(self, op) -> None:
        """The last operation of a block with exception exits (not an inlined
        call: its callee's frame waits there): while it runs, `js.at` says
        where they go on, for a compile-time raise (a green operation or
        call: rtimeshift.raise_), a residual call (rtimeshift.residual_call)
        and a residual operation that may raise (JitState.classes_for)."""
        n = len(self.block.operations)
        for j in range(1, len(self.block.exits)):
            self.gen.need(self.code, self.block_index, -j)
        live = "".join(f"{self.name(v)}, "
                       for v in self.code.inputs[(self.block_index, -1)][2:])
        self.emit(f"js.at = ({self.block_index}, {n}, ({live}))")
        self.write_op(op)
        self.emit("js.at = None")

    def write_op(self, op) -> None:
        """The row's `ts` treatment (operations.py): a dedicated writer, a
        run-time helper, or `rt.op`; green results use the `py` template."""
        desc = OPS[op.opname]
        if desc.ts == "call":
            return self.write_call(op)
        if desc.ts == "caught":
            if self.caught is None:
                raise AssertionError(f"{op.opname} outside an exception exit's landing block")
            return self.emit(f"{self.name(op.result)} = {self.caught[op.result.concretetype]}")
        if desc.ts == "hint":
            return self.write_hint(op)
        if desc.ts == "residual":
            raise AssertionError(f"{op.opname} in a graph to timeshift: only the "
                                 f"timeshifter makes it")
        if op in self.code.green_stores:              # (the annotator's colours.Site)
            return self.emit(f"rt.setfield_green(js, {self.boxed(op.args[0])}, "
                             f"{op.args[1].value!r}, {self.green(op.args[2])})")
        if self.code.is_green(op.result) and desc.kind == "read" and desc.field is not None \
                and not self.code.is_green(op.args[desc.container]):
            return self.emit(f"{self.name(op.result)} = rt.getfield_green(js, "
                             f"{self.boxed(op.args[0])}, {op.args[1].value!r})")
        if self.code.is_green(op.result) and desc.kind not in ("write", "pop", "effect"):
            return self.write_green(op)
        res = self.name(op.result)
        if desc.ts == "op":
            boxed = ", ".join(self.boxed(a) for a in op.args)
            return self.emit(f"{res} = rt.op(js, {op.opname!r}, {boxed})")
        call = _PLACEHOLDER.sub(lambda m: self.placeholder(op, m.group(1)), desc.ts)
        self.emit(call if desc.kind in ("write", "effect") else f"{res} = {call}")

    def placeholder(self, op, key: str) -> str:
        """`{name}`, `{b0}` (boxed), `{b*}` (arguments 1, 2, ... boxed, a
        tuple), `{t0}` (type constant), `{r1}` (repr)."""
        if key == "name":
            return repr(op.opname)
        if key == "b*":
            return "(" + "".join(f"{self.boxed(a)}, " for a in op.args[1:]) + ")"
        a = op.args[int(key[1:])]
        if key[0] == "b":
            return self.boxed(a)
        return self.gen.typeref(a.value) if key[0] == "t" else repr(a.value)

    def write_green(self, op) -> None:
        desc = OPS[op.opname]
        res = self.name(op.result)
        if desc.py is None:
            raise AssertionError(f"no Python template for green {op.opname}")
        args = [self.green(a) if not (isinstance(a, Constant) and a.concretetype is Void)
                else self.gen.literal(a) for a in op.args]      # (a field name, a class)
        expr = desc.format_py(args)
        if desc.wraps:
            expr = f"wrap({expr})"
        raises = desc.canraise
        if desc.kind == "read" and desc.reads_memory:    # of a deep-frozen container
            raises = tuple(dict.fromkeys(desc.canraise + (IndexError, AttributeError)))
        if not raises:
            return self.emit(f"{res} = {expr}")
        names = ", ".join(e.__name__ for e in raises)
        self.emit("try:")
        self.emit(f"{res} = {expr}", 2)
        self.emit(f"except ({names},) as e:")
        self.emit("rt.raise_green(js, e)", 2)

    def write_hint(self, op) -> None:
        flags = hint_flags(op)
        if "global_merge_point" in flags:
            return self.emit("pass  # global merge point: the driver merges here")
        if "can_enter_jit" in flags:
            return self.emit("pass  # can_enter_jit: counted by the JIT's baseline tier")
        res, arg = op.result, op.args[0]
        self.emit(f"{self.name(res)} = {self.as_colour_of(res, arg)}")

    def write_call(self, op) -> None:
        callee = op.args[0].value
        res = self.name(op.result)
        args = op.args[1:]
        if self.code.is_green(op.result) and op.result.concretetype is not Void \
                and all(self.code.is_green(a) for a in args):
            func = self.gen.ns.ref(callee.func, f"F_{callee.name}")
            call = f"{func}({', '.join(self.green(a) for a in args)})"
            if callee.return_type is Signed:
                call = f"wrap({call})"
            self.emit("try:")
            self.emit(f"{res} = {call}", 2)
            self.emit("except Exception as e:")
            self.emit("rt.raise_green(js, e)", 2)
            return
        graph = self.gen.ns.ref(callee, f"G_{callee.name}")
        boxed = ", ".join(self.boxed(a) for a in args)
        names = tuple(getattr(a, "name", "") or "" for a in args)
        # green variables (not literals) the callee gets: it is not specialised for them
        greens = tuple(name or f"argument {k + 1}" for k, (a, name) in enumerate(zip(args, names))
                       if isinstance(a, Variable) and self.code.is_green(a)
                       and a.concretetype is not Void)
        self.emit(f"{res} = rt.residual_call(js, {graph}, ({boxed}{',' if args else ''}), "
                  f"{names!r}{f', {greens!r}' if greens else ''})")

    def exception_links(self) -> list:
        """The exception exits of the block's call (when the block has them)."""
        block = self.block
        return block.exits[1:] if block.exitswitch is LAST_EXCEPTION else []

    def write_inlined_call(self, op, k: int) -> None:
        for j in range(1, len(self.exception_links()) + 1):
            self.gen.need(self.code, self.block_index, -j)
        callee = self.gen.code_for(op.args[0].value)
        params = callee.graph.getargs()
        args = [self.as_colour_of(p, a) for p, a in zip(params, op.args[1:])]
        live = self.code.inputs[(self.block_index, k + 1)][1:]
        live_text = "".join(f"{self.name(v)}, " for v in live)
        arg_text = "".join(f"{a}, " for a in args)
        self.gen.need(self.code, self.block_index, k + 1)
        self.emit(f"return rt.call(js, {self.gen.coderef(callee)}, ({arg_text}), "
                  f"{self.block_index}, {k + 1}, ({live_text}))")

    def write_promotion(self, op, k: int) -> None:
        live = self.code.inputs[(self.block_index, k + 1)][1:]
        live_text = "".join(f"{self.name(v)}, " for v in live)
        self.gen.need(self.code, self.block_index, k + 1)
        self.emit(f"return rt.promote(js, {self.name(op.args[0])}, {self.block_index}, "
                  f"{k + 1}, ({live_text}))")

    # -- exits ---------------------------------------------------------------------
    def link_target(self, link) -> str:
        graph = self.code.graph
        if link.target is graph.returnblock:
            value = self.as_colour_of(graph.returnblock.inputargs[0], link.args[0])
            return f"{RETURN}, ({value},)"
        if link.target is graph.exceptblock:
            exc = link.args[0]          # a constant, or a caught class raised again
            exc = (self.gen.ns.ref(exc.value, f"E_{exc.value.__name__}")
                   if isinstance(exc, Constant) else self.name(exc))
            msg = link.args[1]
            msg_text = self.green(msg) if self.code.is_green(msg) else self.name(msg)
            return f"{RAISE}, ({exc}, {msg_text})"
        values = "".join(f"{self.as_colour_of(t, a)}, "
                         for a, t in zip(link.args, link.target.inputargs))
        target = self.code.index[link.target]
        self.gen.need(self.code, target, 0)
        return f"{target}, ({values})"

    def transfer(self, link, indent: int = 1) -> None:
        """Go along `link`: into a block no other path enters, its code is
        written right here (no round trip through the driver); otherwise
        `rt.goto`."""
        target = self.code.index.get(link.target)
        if (target is None or (target, 0) in self.code.merge_points
                or self.depth >= MAX_INLINED_BLOCKS):
            return self.emit(f"return rt.goto(js, {self.link_target(link)})", indent)
        aliased = set()
        for a, t in zip(link.args, link.target.inputargs):
            if a in aliased or not self.gen.alias(self.code, t, a):
                self.emit(f"{self.name(t)} = {self.as_colour_of(t, a)}", indent)
            else:
                aliased.add(a)          # one block argument per name
        writer = SegmentWriter(self.gen, self.code, target, 0, self.lines,
                               self.base + indent - 1, self.depth + 1)
        writer.caught = self.caught                # (a landing block reads it)
        writer.write_body()

    def write_exits(self) -> None:
        block = self.block
        switch = block.exitswitch
        if switch is None or switch is LAST_EXCEPTION:        # (after the call: its
            return self.transfer(block.exits[0])             # normal exit)
        if self.code.is_green(switch):
            return self.write_green_switch(switch)
        if len(block.exits) == 2 and block.exits[0].exitcase is False:
            false, true = block.exits
            lazy = ""
            if self.block_index in self.code.split_points:
                n = len(block.operations)
                live = "".join(f"{self.name(v)}, "
                               for v in self.code.inputs[(self.block_index, n)][1:])
                self.gen.need(self.code, self.block_index, n)
                lazy = f", ({self.block_index}, {n}, ({live}))"
            return self.emit(f"return rt.split(js, {self.name(switch)}, "
                             f"{self.link_target(false)}, {self.link_target(true)}{lazy})")
        cases = [l for l in block.exits if l.exitcase != "default"]
        default = [l for l in block.exits if l.exitcase == "default"]
        case_text = ", ".join(f"{l.exitcase!r}: ({self.link_target(l)})" for l in cases)
        default_text = f"({self.link_target(default[0])})" if default else "None"
        self.emit(f"return rt.switch(js, {self.name(switch)}, {{{case_text}}}, "
                  f"{default_text})")

    def write_green_switch(self, switch) -> None:
        s = self.name(switch)
        exits = self.block.exits
        for link in exits:
            if link.exitcase == "default":
                continue
            if link is exits[-1]:
                break
            self.emit(f"if {s} == {link.exitcase!r}:")
            self.transfer(link, 2)
        self.transfer(exits[-1])


class SourceGenerator:
    """Generates the source of the whole generating extension."""

    def __init__(self, annotation, lazy_splits: bool = False, eager_simple_splits: bool = True):
        self.annotation = annotation
        self.lazy_splits = lazy_splits     # red Bool splits get a resumable segment
        self.eager_simple_splits = eager_simple_splits   # ... unless simple (_simple_split)
        self.ns = Namespace()
        self.codes: dict = {}          # graph -> GraphCode
        self.varnames: dict = {}       # (code number, Variable) -> name
        self.constboxes: dict = {}
        self.started: set = set()      # numbers of the codes written so far

    def code_for(self, graph) -> GraphCode:
        code = self.codes.get(graph)
        if code is None:
            copy = self.annotation.copy_for(graph)
            code = self.codes[graph] = GraphCode(len(self.codes), copy, self.annotation)
            self._compute_inputs(code)
        return code

    def coderef(self, code: GraphCode) -> str:
        self.need(code, 0, 0)
        return f"CODES[{code.number}]"

    def is_inlined_call(self, code: GraphCode, op) -> bool:
        if OPS[op.opname].kind != "call":
            return False
        callee = op.args[0].value
        func = callee.func
        if getattr(func, "_ts_dont_look_inside_", False):
            return False
        if getattr(func, "_ts_pure_", False) and code.is_green(op.result) \
                and all(code.is_green(a) for a in op.args[1:]):
            return False
        return True

    @staticmethod
    def is_promotion(code: GraphCode, op) -> bool:
        """`hint(x, promote=True)` on a red `x` ends a segment: the path may stop
        there at a promotion site, and resumes at the next operation."""
        return (OPS[op.opname].kind == "hint" and "promote" in hint_flags(op)
                and not code.is_green(op.args[0]))

    def _compute_inputs(self, code: GraphCode) -> None:
        for i, block in enumerate(code.blocks):
            code.inputs[(i, 0)] = list(block.inputargs)
            for k, op in enumerate(block.operations):
                if self.is_inlined_call(code, op) or self.is_promotion(code, op):
                    code.inputs[(i, k + 1)] = [op.result] + _live_after(block, k)
                if self.is_inlined_call(code, op):
                    code.add_call_continuation(i, k + 1)
            if block.exitswitch is LAST_EXCEPTION:
                self._exception_exits(code, i, block)
            if self.lazy_splits and not (self.eager_simple_splits and _simple_split(block)):
                self._split_point(code, i, block)

    @staticmethod
    def _exception_exits(code: GraphCode, i: int, block) -> None:
        """A call with exception exits: a frame waiting at it (an inlined
        call) catches what the callee raises (rtimeshift.raise_), and a
        residual call gets the exits in the residual code
        (rtimeshift.call_catching).  Exit j is the segment (i, -j), whose
        inputs are the message and the class (a box, or None where the
        exit's landing block does not read it), then the values live after
        the call."""
        n = len(block.operations)
        live = _live_after(block, n - 1)
        code.exception_exits[(i, n)] = [(j, link.exitcase)
                                        for j, link in enumerate(block.exits) if j]
        for j in range(1, len(block.exits)):
            code.inputs[(i, -j)] = [Variable("message", Str), Variable("class", Class)] + live

    @staticmethod
    def _split_point(code: GraphCode, i: int, block) -> None:
        """A red Bool split after at least one operation can be resumed at its
        switch (JIT mode, `rt.split`'s `lazy`): the inputs there are the
        condition, then the other variables the exits use."""
        switch, n = block.exitswitch, len(block.operations)
        if (switch is None or code.is_green(switch) or n == 0 or len(block.exits) != 2
                or block.exits[0].exitcase is not False):
            return
        live = [v for v in live_in(block, n) if v is not switch]
        known = code.inputs.get((i, n))
        if known is None:
            code.inputs[(i, n)] = [switch] + live
            code.split_points.add(i)
        elif known[0] is switch:            # a call's continuation: the same segment
            code.split_points.add(i)

    def varname(self, code: GraphCode, v: Variable) -> str:
        key = (code.number, v)
        name = self.varnames.get(key)
        if name is None:
            base = re.sub(r"\W", "_", v.name) if v.name else "v"
            name = self.varnames[key] = f"{base}_{len(self.varnames)}"
        return name

    def alias(self, code: GraphCode, target: Variable, value) -> bool:
        """Let the block argument `target` of an inlined block use the Python
        name of the variable passed to it (no copy), when no conversion is
        needed.  True if done."""
        key = (code.number, target)
        if (not isinstance(value, Variable) or key in self.varnames
                or code.is_green(target) != code.is_green(value)):
            return False
        self.varnames[key] = self.varname(code, value)
        return True

    def segment_name(self, code: GraphCode, block: int, start: int) -> str:
        base = re.sub(r"\W", "_", code.name)
        return f"{base}_{code.number}_b{block}" + (f"_at{start}" if start > 0 else
                                                   f"_except{-start}" if start else "")

    def typeref(self, lltype) -> str:
        return self.ns.ref(lltype, f"T_{lltype}")

    def literal(self, c: Constant) -> str:
        v = c.value
        if v is None or isinstance(v, (bool, int, str)):
            return repr(v)
        if isinstance(v, float) and math.isfinite(v):
            return repr(v)
        return self.ns.ref(v, f"K_{type(v).__name__}")

    def constbox(self, c: Constant) -> str:
        key = (value_key(c.value), c.concretetype)      # -0.0 is not 0.0
        name = self.constboxes.get(key)
        if name is None:
            name = self.ns.ref(RedBox(c), f"C_{len(self.constboxes)}")
            self.constboxes[key] = name
        return name

    def need(self, code: GraphCode, block: int, start: int) -> None:
        """A segment the driver may run: it gets a function of its own."""
        if (block, start) not in code.segment_names:
            code.segment_names[(block, start)] = self.segment_name(code, block, start)
            self.pending.append((code, block, start))

    def generate(self, root_graph) -> tuple[str, dict]:
        """The source: a function per segment the driver can enter (the start,
        merge points, continuations, targets of red splits), written on
        demand from the root graph's start."""
        header = [f'"""Generating extension of {root_graph.name} (from '
                  f'{root_graph.filename}), made by the timeshifter."""', ""]
        chunks = []
        self.pending: list = []
        self.need(self.code_for(root_graph), 0, 0)
        while self.pending:
            code, block, start = self.pending.pop(0)
            if code.number not in self.started:
                self.started.add(code.number)
                chunks.append(f"# ---- {code.name} (graph copy {code.number}) ----")
                for (b, k) in sorted(code.merge_points):
                    self.need(code, b, k)
            chunks.append(SegmentWriter(self, code, block, start).write())
            chunks.append("")
        return "\n".join(header + chunks) + "\n", self.ns.objects


_SIMPLE_KINDS = ("arith", "compare", "cast", "copy", "read", "length")


def _simple_split(block) -> bool:
    """An if-then-else (or if-then) whose arms are one block each of simple
    operations (no allocation, call, write, hint or transfer) meeting again
    right after: in JIT mode it is compiled eagerly, not made an exit (the
    `eager_simple_splits` option)."""
    if len(block.exits) != 2:
        return False

    def end(target):
        simple = (target.exitswitch is None and len(target.exits) == 1
                  and all(OPS[op.opname].kind in _SIMPLE_KINDS for op in target.operations))
        return target.exits[0].target if simple else target

    (false_t, true_t) = (link.target for link in block.exits)
    false_end, true_end = end(false_t), end(true_t)
    return false_end is true_end or false_end is true_t or true_end is false_t


def _live_after(block, k: int) -> list:
    """Variables defined before operation k and still used after it."""
    return [v for v in live_in(block, k + 1) if v is not block.operations[k].result]


def untreated_ops() -> list:
    """The rows of the operation table the generating extension cannot
    handle (empty when complete): an `op` row without a `py` template for
    its green case, a helper template naming no function of rtimeshift, or a
    container read without the template its deep-frozen (green) case runs."""
    missing = []
    for name, desc in OPS.items():
        if desc.ts != "op" and desc.ts in TREATMENTS:          # a dedicated writer
            continue
        if desc.ts == "op":
            ok = desc.py is not None
        else:
            helper = re.match(r"rt\.(\w+)\(", desc.ts)
            ok = helper is not None and callable(getattr(rtimeshift, helper.group(1), None))
            ok = ok and (desc.py is not None or not desc.reads_memory)
        if not ok:
            missing.append(name)
    return missing

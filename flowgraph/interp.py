"""The flow-graph interpreter (DESIGN section 4 semantics), resumable anywhere.

`run_graph(g, *args)` runs a graph; `resume_graph(g, block, values, opindex)`
runs it from any block, or from the middle of one; `resume_frames` continues
a stack of inlined calls; a `merge_point` callback sees every global merge
point passed.  Promotion uses these as its fallback interpreter, so the
interpreter has to be fast: about CPython's speed on the example interpreters.

Algorithm.  Each graph is translated once (cached in `graph._cache`, cleared
by `graph.invalidate()`) into the source of one Python function, which is then
`exec`uted.  Every operation becomes one line built from the `py` template of
its row in the operation table (a 64-bit range check follows when the row
says `wraps`); the rows without a template (malloc, setfield, malloc_varsize,
direct_call), field access and stores get a dedicated statement.  Variables
become Python locals; a link becomes a parallel tuple assignment to its
target's input arguments.  Variables are block-local, so variables of
different blocks may share one local: names are coalesced along links
(`_names_of`), which removes most copies.

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

`run_graph` and `resume_graph` at a label share that one entry: `_b` names
the label and `_env` carries its input arguments.  Resuming at a block that
is not a label, or at an operation index inside a block, compiles (lazily,
cached) a *tail function* with the same emitter: it runs the rest of that
block and its inline successors and returns `(label, args)` on reaching a
label, which the main function then continues, or `(-1, value)` on return.

Callees of `direct_call` are compiled the same way and bound as globals of
the caller's generated code; `_refresh` rebinds them when a callee graph was
invalidated since.  Use `get_source(g)` to read the generated code; tracebacks
show its lines.
"""

from __future__ import annotations

import keyword
import linecache
from collections.abc import Mapping
import math
import re
from dataclasses import dataclass, field

from flowgraph import lltypes
from flowgraph.lltypes import ArrayType, Bool, Char, Signed, StructType, Void
from flowgraph.model import Block, Constant, FunctionGraph, Variable
from flowgraph.operations import MAXINT, MININT, OPS, wrap

MAX_INDENT = 48          # deeper inline nesting becomes a label (Python allows 100 levels)
MAX_DUPLICATED_OPS = 4   # joins this small are copied into their predecessors...
DUPLICATION_BUDGET = 100  # ... up to this many operations copied per label
MAX_LINEAR_CASES = 8     # larger switches bisect on the case's index
_RETURN = -1             # the "label" a tail function returns with its result


def run_graph(graph: FunctionGraph, *args, merge_point=None):
    """Run `graph` on `args`; returns its result or raises its exception.
    `merge_point`: see `resume_graph`."""
    nargs = len(graph.startblock.inputargs)
    if len(args) != nargs:
        names = ", ".join(_pyname(v) for v in graph.startblock.inputargs)
        raise TypeError(f"graph {graph.name}({names}) takes {nargs} argument"
                        f"{'s' if nargs != 1 else ''}, got {len(args)}")
    return resume_graph(graph, graph.startblock, args, merge_point=merge_point)


def resume_graph(graph: FunctionGraph, block: Block, values, opindex: int = 0,
                 merge_point=None, transfers: bool = True):
    """Run `graph` from `block`, operation `opindex`, until it returns (or raises).

    With `opindex == 0`, `values` is a sequence bound to `block.inputargs` (or
    a mapping from Variable to value).  With `opindex > 0` it must be a
    mapping giving every variable of the block that is live before operation
    `opindex`: defined earlier in the block and used from there on.

    `merge_point(site, values)`, if given, is called just after every
    `hint(None, global_merge_point=True)` executed (in `graph` or its
    callees) with a `MergePoint` and the dict of the variables live there;
    it returns None to continue, or `(result,)` to make that graph return
    `result` at once (e.g. after running compiled code for the rest).

    With `transfers=False` a tail transfer the graph returns (see `trampoline`)
    is returned as it is, for a trampoline further out to run.
    """
    saved = _hook[0]
    _hook[0] = merge_point
    try:
        result = _resume(graph, block, values, opindex)
    finally:
        _hook[0] = saved
    return trampoline(result) if transfers else result


# -- tail transfers ------------------------------------------------------------
# `promote` and `tail_call` end a residual function by handing over to other
# code (a promotion case, a shared entry).  Run as calls, a loop that crosses
# functions would grow the stack once per iteration; so the operations make a
# token that their function returns, and `trampoline` (at the outermost call,
# and after a call to any graph that has such operations) runs the next
# function until a real result comes back.

class TailCall:
    """Continue with `graph(*args)`."""

    __slots__ = ("graph", "args")

    def __init__(self, graph, args):
        self.graph = graph
        self.args = args


class Promote:
    """Continue at promotion site `site` with the run-time `value`: the site's
    `dispatch(value, live)` gives the result or another transfer."""

    __slots__ = ("site", "value", "live")

    def __init__(self, site, value, live):
        self.site = site
        self.value = value
        self.live = live


def trampoline(result):
    """Run tail transfers until a plain result comes back."""
    while True:
        cls = result.__class__
        if cls is TailCall:
            graph = result.graph
            result = _resume(graph, graph.startblock, result.args, 0)
        elif cls is Promote:
            result = result.site.dispatch(result.value, result.live)
        else:
            return result


def has_tail_ops(graph: FunctionGraph) -> bool:
    """Whether `graph` may return a tail transfer (promote or tail_call)."""
    return any(op.opname in ("promote", "tail_call") for op in graph.iteroperations())


def _resume(graph: FunctionGraph, block: Block, values, opindex: int):
    comp = _compiled(graph)
    _refresh(comp)
    if block is graph.returnblock or block is graph.exceptblock:
        vals = _bind(block.inputargs, values, block, graph)
        if block is graph.returnblock:
            return vals[0]
        raise vals[0](vals[1])
    if opindex == 0:
        args = _bind(block.inputargs, values, block, graph)
        label = comp.labels.get(block)
        if label is not None:
            return comp.enter(label, args)
        values = dict(zip(block.inputargs, args))
    elif not isinstance(values, Mapping):
        raise TypeError(f"resume {graph.name} at operation {opindex}: want a mapping "
                        f"Variable -> value, have {type(values).__name__}")
    tail = comp.tail(block, opindex)
    label, payload = tail.fn(*_bind(tail.params, values, block, graph))
    if label == _RETURN:
        return payload
    return comp.enter(label, payload)


@dataclass(frozen=True, eq=False)
class MergePoint:
    """A global merge point of a graph: resume with
    `resume_graph(graph, block, values, opindex)`, `values` giving `live`."""

    graph: FunctionGraph
    block: Block
    opindex: int          # the operation after the merge point's hint
    live: tuple           # the variables live there


_hook = [None]            # the merge_point callback of the running resume_graph


def _at_merge_point(site: MergePoint, values: tuple):
    return _hook[0](site, dict(zip(site.live, values)))


def resume_frames(frames, merge_point=None, transfers: bool = True):
    """Continue a stack of inlined calls, innermost frame first.

    `frames` is a list of `(graph, block, opindex, values)` as for
    `resume_graph`.  Each outer frame is suspended just after its call: the
    operation `block.operations[opindex - 1]` is the `direct_call` whose
    result receives the value the inner frame returns.  `transfers`: as for
    `resume_graph`, for the outermost frame.
    """
    (graph, block, opindex, values), *outer = frames
    result = resume_graph(graph, block, values, opindex, merge_point,
                          transfers or bool(outer))
    for n, (graph, block, opindex, values) in enumerate(outer, 2):
        call = block.operations[opindex - 1]
        if call.opname != "direct_call":
            raise ValueError(f"resume_frames: operation {opindex - 1} of the block in "
                             f"{graph.name} is {call.opname}, want direct_call")
        values = dict(values)
        values[call.result] = result
        result = resume_graph(graph, block, values, opindex, merge_point,
                              transfers or n < len(frames))
    return result


def get_source(graph: FunctionGraph) -> str:
    """The generated Python source of `graph`'s main function."""
    return _compiled(graph).source


def _bind(variables, values, block, graph) -> tuple:
    """The values of `variables`, from a sequence (same order) or a mapping
    (which may leave out variables that are not live: they get None)."""
    if isinstance(values, Mapping):
        live = set(_live_in(block, 0)) if variables is block.inputargs else variables
        missing = [v for v in variables if v not in values and v in live]
        if missing:
            raise TypeError(f"resume {graph.name}: no value for live variable(s) "
                            f"{', '.join(map(repr, missing))}")
        return tuple(values.get(v) for v in variables)
    values = tuple(values)
    if len(values) != len(variables):
        raise TypeError(f"resume {graph.name}: block takes {len(variables)} values, "
                        f"got {len(values)}")
    return values


# -- compiled graphs -------------------------------------------------------------

@dataclass(eq=False)
class _Tail:
    fn: object
    params: list          # the live-in variables, in the order `fn` takes them
    source: str


@dataclass(eq=False)
class _Compiled:
    graph: FunctionGraph
    fn: object
    source: str
    labels: dict          # Block -> label number (its index in iterblocks order)
    emitter: "_Emitter"   # holds names, constants, callees and the namespace
    tails: dict = field(default_factory=dict)

    @property
    def namespace(self) -> dict:
        return self.emitter.namespace

    @property
    def callees(self) -> list:
        return self.emitter.callees

    def enter(self, label: int, args: tuple):
        if label == 0:
            return self.fn(*args)
        nstart = len(self.graph.startblock.inputargs)
        return self.fn(*([None] * nstart), _b=label, _env=args)

    def tail(self, block: Block, opindex: int) -> _Tail:
        key = (block, opindex)
        if key not in self.tails:
            self.tails[key] = _compile_tail(self, block, opindex)
        return self.tails[key]


def _compiled(graph: FunctionGraph) -> _Compiled:
    comp = graph._cache.get("interp")
    if comp is None:
        comp = _compile_graph(graph)
        graph._cache["interp"] = comp
        graph._cache["py_source"] = comp.source
        for name, callee in comp.callees:
            comp.namespace[name] = _compiled(callee).fn
    return comp


def _refresh(comp: _Compiled) -> None:
    """Rebind callees whose graphs were invalidated (and recompiled) since."""
    seen = set()
    stack = [comp]
    while stack:
        c = stack.pop()
        if c.graph in seen:
            continue
        seen.add(c.graph)
        for name, callee in c.callees:
            cc = _compiled(callee)
            if c.namespace[name] is not cc.fn:
                c.namespace[name] = cc.fn
            stack.append(cc)


def _compile_graph(graph: FunctionGraph) -> _Compiled:
    blocks = list(graph.iterblocks())
    index = {b: i for i, b in enumerate(blocks)}
    npreds = {b: 0 for b in blocks}
    for b in blocks:
        for link in b.exits:
            npreds[link.target] += 1
    labels = {b: index[b] for b in blocks
              if npreds[b] > 1 and b is not graph.returnblock and b is not graph.exceptblock}
    labels[graph.startblock] = 0
    em = _Emitter(graph, index, labels, _names_of(blocks))
    src = em.main_function(npreds[graph.startblock] > 0)
    fn, ns = _exec(src, em.namespace, em.funcname, graph)
    return _Compiled(graph, fn, src, labels, em)


def _compile_tail(comp: _Compiled, block: Block, opindex: int) -> _Tail:
    if block not in comp.emitter.index:
        raise ValueError(f"resume {comp.graph.name}: {block!r} is not a block of the graph")
    if not 0 <= opindex <= len(block.operations):
        raise ValueError(f"resume {comp.graph.name}: opindex {opindex} out of range "
                         f"0..{len(block.operations)}")
    em = _Emitter(comp.graph, comp.emitter.index, comp.labels, comp.emitter.names,
                  shared=comp.emitter)
    params = _live_in(block, opindex)
    src = em.tail_function(block, opindex, params)
    fn, _ = _exec(src, em.namespace, em.funcname, comp.graph)
    return _Tail(fn, params, src)


def _exec(src: str, namespace: dict, funcname: str, graph: FunctionGraph):
    filename = f"<flowgraph {graph.name} {id(src):#x}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    exec(compile(src, filename, "exec"), namespace)
    return namespace[funcname], namespace


def _live_in(block: Block, opindex: int) -> list:
    """Variables defined before operation `opindex` and used from it on (all
    input arguments of the return and except blocks)."""
    defined = list(block.inputargs) + [op.result for op in block.operations[:opindex]]
    if not block.exits:
        return defined
    used = set()
    for op in block.operations[opindex:]:
        used.update(a for a in op.args if isinstance(a, Variable))
    if isinstance(block.exitswitch, Variable):
        used.add(block.exitswitch)
    for link in block.exits:
        used.update(a for a in link.args if isinstance(a, Variable))
    return [v for v in defined if v in used]


def _used_variables(blocks) -> set:
    """Variables read by some operation, switch or link."""
    used = set()
    for block in blocks:
        for op in block.operations:
            used.update(a for a in op.args if isinstance(a, Variable))
        used.add(block.exitswitch)
        for link in block.exits:
            used.update(a for a in link.args if isinstance(a, Variable))
    return used


def _cyclic_blocks(blocks) -> set:
    """Blocks on some cycle of the control-flow graph."""
    import networkx as nx
    cfg = nx.DiGraph()
    for block in blocks:
        cfg.add_edges_from((block, link.target) for link in block.exits)
    return {b for comp in nx.strongly_connected_components(cfg) for b in comp
            if len(comp) > 1 or cfg.has_edge(b, b)}


def _pyname(v: Variable) -> str:
    name = re.sub(r"\W", "_", v.name or "v")
    return name if name[:1].isalpha() else "v" + name


def _names_of(blocks: list) -> dict:
    """One Python local per class of coalesced variables (`acc_3`).

    Variables are block-local and a link's copies run as one parallel tuple
    assignment at the end of its block, so two variables may share a name
    unless they are in the same block with overlapping live ranges.  Greedy
    coalescing (union-find over the pairs link argument / target input
    argument, in block order; then argument / result of `same_as` and `hint`)
    gives most pairs one name, so that most copies vanish from the code.
    """
    ranges = _live_ranges(blocks)
    parent = {v: v for v in ranges}
    spans = {v: {blk: [(lo, hi)]} for v, (blk, lo, hi) in ranges.items()}

    def find(v):
        while parent[v] is not v:
            parent[v] = v = parent[parent[v]]
        return v

    pairs = [(op.args[0], op.result) for block in blocks for op in block.operations
             if op.opname in _COPIES]
    pairs += [(a, t) for block in blocks for link in block.exits
              for a, t in zip(link.args, link.target.inputargs)]
    for a, t in pairs:
        if isinstance(a, Variable) and a in parent and t in parent:
            _union(find(a), find(t), parent, spans)
    counts = {}                # class root -> {source name: number of variables}
    for v in ranges:
        if v.name:
            named = counts.setdefault(find(v), {})
            named[v.name] = named.get(v.name, 0) + 1
    label = {root: Variable(max(named, key=named.get)) for root, named in counts.items()}
    names, classes = {}, {}
    for v in ranges:
        root = find(v)
        if root not in classes:         # named after its most frequent source name
            classes[root] = f"{_pyname(label.get(root, v))}_{len(classes)}"
        names[v] = classes[root]
    return names


def _union(ra, rb, parent, spans) -> None:
    """Merge two classes of variables unless they interfere."""
    if ra is rb:
        return
    sa, sb = spans[ra], spans[rb]
    if len(sa) > len(sb):
        ra, rb, sa, sb = rb, ra, sb, sa
    for blk, ivs in sa.items():
        for lo1, hi1 in sb.get(blk, ()):
            if any(lo1 <= hi2 and lo2 <= hi1 for lo2, hi2 in ivs):
                return
    parent[ra] = rb
    for blk, ivs in sa.items():
        sb.setdefault(blk, []).extend(ivs)
    del spans[ra]


def _live_ranges(blocks: list) -> dict:
    """Variable -> (block, first, last): input arguments are written at 0,
    operation i reads at 2i+1 and writes at 2i+2, the switch and the links
    read at 2n+1."""
    ranges = {}
    for block in blocks:
        first = {v: 0 for v in block.inputargs}
        last = dict(first)
        for i, op in enumerate(block.operations):
            for a in op.args:
                if isinstance(a, Variable):
                    last[a] = 2 * i + 1
            first[op.result] = last[op.result] = 2 * i + 2
        end = 2 * len(block.operations) + 1
        for a in [block.exitswitch] + [a for link in block.exits for a in link.args]:
            if isinstance(a, Variable):
                last[a] = end
        for v in first:
            if v not in ranges:
                ranges[v] = (block, first[v], last[v])
    return ranges


# -- the source emitter -------------------------------------------------------------

_STMT = {
    # operations emitted as statements rather than from their expression template
    "list_setitem": "{0}[{1}] = {2}",
    "setarrayitem": "{0}[{1}] = {2}",
}
_COPIES = ("same_as", "hint")          # operations whose result is their first argument
_RANGE = f"if not {MININT} <= {{0}} <= {MAXINT}: {{0}} = _wrap({{0}})"


class _Emitter:
    """Generates the Python source of one graph (main function or tail).

    A tail emitter shares the main emitter's names, constants, callees and
    namespace (`shared`), so its code runs in the same globals."""

    def __init__(self, graph, index, labels, names, shared=None):
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
        self.namespace = {"_wrap": wrap, "_no_case": _no_case, "_bad_label": _bad_label,
                          "_Promote": Promote, "_TailCall": TailCall, "_trampoline": trampoline,
                          "_new_array": _new_array, "_hook": _hook,
                          "_at_merge_point": _at_merge_point}
        self.consts: dict = {}        # key -> (global name, value)
        self.callees: list = []       # (global name, callee FunctionGraph)
        self.used = _used_variables(index)

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
        cyclic = _cyclic_blocks(self.index)
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
        fused = self.fused_condition(block) if start < len(ops) else None
        for i in range(start, len(ops) - (fused is not None)):
            self.position = (block, i)
            self.emit_op(ops[i], indent)
        sw = block.exitswitch
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

    def fused_condition(self, block: Block):
        """`a < b` when the block's last op computes its bool switch for it alone."""
        sw = block.exitswitch
        if (not block.operations or sw is None or sw.concretetype is not Bool
                or block.operations[-1].result is not sw):
            return None
        op = block.operations[-1]
        desc = OPS[op.opname]
        if desc.py is None or desc.wraps or op.opname in _STMT:
            return None
        if any(sw in l.args for l in block.exits):
            return None
        return desc.py.format(*map(self.expr, op.args))

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
            self.put(indent, f"return {_RETURN}, {srcs[0]}" if self.tail
                     else f"return {srcs[0]}")
            return
        if target is g.exceptblock:
            self.put(indent, f"raise {srcs[0]}({srcs[1]})")
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
        if name in _STMT:
            self.put(indent, _STMT[name].format(*args))
            self.bind_void(op, indent)
            return
        desc = OPS.get(name)
        if desc is None or desc.py is None:
            raise TypeError(f"run_graph: no way to run operation {name!r} "
                            f"in graph {self.graph.name}")
        expr = desc.py.format(*args)
        if op.result not in self.used:
            if not desc.pure or desc.canraise:     # else: unread and cannot fail
                self.put(indent, expr)
            return
        if expr != res:
            self.put(indent, f"{res} = {expr}")
        if desc.wraps:
            self.put(indent, _range_check(op, res))

    def bind_void(self, op, indent: int) -> None:
        if op.result in self.used:
            self.put(indent, f"{self.names[op.result]} = None")

    def op_hint(self, op, args, res, indent):
        if args[0] != res and op.result in self.used:
            self.put(indent, f"{res} = {args[0]}")
        if "global_merge_point" in op.args[1].value.split(","):
            block, i = self.position
            live = _live_in(block, i + 1)
            site = self.const_name(MergePoint(self.graph, block, i + 1, tuple(live)))
            values = "".join(self.names[v] + ", " for v in live)
            self.put(indent, "if _hook[0] is not None:")
            self.put(indent + 1, f"_r = _at_merge_point({site}, ({values}))")
            self.put(indent + 1, "if _r is not None:")
            self.put(indent + 2, f"return {_RETURN}, _r[0]" if self.tail else "return _r[0]")

    def op_getfield(self, op, args, res, indent):
        attr = _attribute(op.args[1].value)
        if attr:
            self.put(indent, f"{res} = {args[0]}.{attr}")
        else:
            self.put(indent, f"{res} = getattr({args[0]}, {args[1]})")

    def op_setfield(self, op, args, res, indent):
        attr = _attribute(op.args[1].value)
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
        call = f"{name}({', '.join(args[1:])})"
        if isinstance(callee, FunctionGraph) and has_tail_ops(callee):
            call = f"_trampoline({call})"     # its result may be a tail transfer
        self.put(indent, f"{res} = {call}")

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


def _range_check(op, res: str) -> str:
    """The 64-bit wrap-around after `op`: one comparison when adding or
    subtracting a constant (the result can leave the range on one side only)."""
    if op.opname not in ("int_add", "int_sub"):
        return _RANGE.format(res)
    a, b = op.args
    if isinstance(b, Constant) or (op.opname == "int_add" and isinstance(a, Constant)):
        c = b.value if isinstance(b, Constant) else a.value
        upward = (c >= 0) == (op.opname == "int_add")
        bound = f"> {MAXINT}" if upward else f"< {MININT}"
        return f"if {res} {bound}: {res} = _wrap({res})"
    return _RANGE.format(res)


def _attribute(field_name: str) -> str | None:
    """`field_name` if `obj.field_name` is valid syntax for it."""
    if field_name.isidentifier() and not keyword.iskeyword(field_name):
        return field_name
    return None


# -- run-time support ----------------------------------------------------------------

def _no_case(value, blockindex):
    raise RuntimeError(f"run_graph: switch value {value!r} has no exit in block{blockindex} "
                       f"(and no default)")


def _bad_label(label):
    raise RuntimeError(f"run_graph: no block with label {label}")


def _new_array(item, length: int) -> list:
    if length < 0:
        raise ValueError(f"negative array size {length}")
    return [item] * length


class Record:
    """Run-time instance of a StructType that has no Python class."""

    _lltype: StructType

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"<{self._lltype.name} {fields}>"


_record_classes: dict = {}


def record_class(T: StructType) -> type:
    """The Python class of T's instances: `T.pyclass`, or a Record subclass."""
    if T.pyclass is not None:
        return T.pyclass
    cls = _record_classes.get(T)
    if cls is None:
        cls = _record_classes[T] = type(T.name, (Record,), {"_lltype": T})
    return cls


def struct_factory(T: StructType):
    """A function making a fresh instance of T, every field at its default
    (generated, so that it costs one call and one store per field)."""
    ns = {"cls": record_class(T)}
    lines = ["def new():", "    obj = cls.__new__(cls)"]
    for i, (name, t) in enumerate(T.fields.items()):
        ns[f"d{i}"] = lltypes.default_value(t)
        attr = _attribute(name)
        lines.append(f"    obj.{attr} = d{i}" if attr else f"    setattr(obj, {name!r}, d{i})")
    lines.append("    return obj")
    exec("\n".join(lines), ns)
    return ns["new"]

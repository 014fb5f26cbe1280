"""`annotate(func, green=[...])` and the `HintAnnotation` it returns.

After the fixpoint (annotator.py) the checks that need the whole picture run:
forced parameters of the entry must be listed green, every forced variable
must have come out green, a forced value must not meet a red one at a join,
and a global merge point must sit at the head of a loop of the entry
function.  Then the `direct_call`s of every copy are redirected to the callee
copies they use and unreachable copies are dropped.
"""

from __future__ import annotations

import networkx as nx

from flowgraph.lltypes import Bool, Char, Class, Float, Signed
from flowgraph.gcpause import collector_paused
from flowgraph.model import Constant, FunctionGraph, Variable
from flowgraph.builder.typeinfer import type_name
from flowgraph.operations import OPS
from hintannotator.annotator import Annotator, Copy
from hintannotator.colours import BLUE, FROZEN, GREEN, RED, public
from hintannotator.errors import HintError
from hintannotator.explain import explain_variable
from hintannotator.sources import describe, hint_flags


def annotate(func, green=(), *, merge_point_entries: bool = False,
             **options) -> "HintAnnotation":
    """Colour every graph reachable from `func` (a function or a FunctionGraph).

    `green` lists the parameters known at compile time, by name or index.
    `merge_point_entries`: compiled code is also entered at global merge
    points with the run-time objects live there (make_jit's loops), so a
    container live at one keeps no green field (colours.Site).
    Raises `HintError` when a hint cannot be satisfied."""
    if options:
        raise TypeError(f"annotate() got unknown options: {', '.join(sorted(options))}")
    if isinstance(func, FunctionGraph):
        graph = func
    else:
        from flowgraph import build_graph
        graph = build_graph(func)
    green_indices = _green_indices(graph, green)
    pattern = tuple(GREEN if i in green_indices else RED for i in range(len(graph.getargs())))
    with collector_paused():        # linear time on long functions (flowgraph/gcpause.py)
        annotator = Annotator(merge_point_entries)
        root = annotator.get_copy(graph, pattern, False)
        annotator.run(root)
        return HintAnnotation(annotator, root, green_indices)


def _green_indices(graph: FunctionGraph, green) -> set:
    names = [v.name for v in graph.getargs()]
    result = set()
    for g in green:
        if isinstance(g, int) and not isinstance(g, bool):
            if not 0 <= g < len(names):
                raise ValueError(f"green parameter index {g} out of range for "
                                 f"{graph.name}({', '.join(names)})")
            result.add(g)
        elif g in names:
            result.add(names.index(g))
        else:
            raise ValueError(f"{graph.name}() has no parameter {g!r}; "
                             f"parameters: {', '.join(names)}")
    return result


_PROMOTABLE = (Signed, Float, Bool, Char, Class)     # (a class: `o.__class__`)


class HintAnnotation:
    """The coloured program: `graphs` (one per copy, the entry first),
    `colors` (Variable -> "green" | "red" | "blue")."""

    def __init__(self, annotator: Annotator, root: Copy, green_indices: set):
        self.annotator = annotator
        self.root = root
        self.green_indices = frozenset(green_indices)
        self._check_root_params()
        self.copies = self._reachable_copies()
        for copy in self.copies:
            self._check_forced(copy)
            self._check_joins(copy)
            self._check_merge_points(copy)
            self._check_promotions(copy)
        self._redirect_calls()
        self.colors = {v: public(c) for copy in self.copies for v, c in copy.colours.items()}
        for copy in self.copies:
            for block in copy.graph.iterblocks():
                for v in block.getvariables():
                    self.colors.setdefault(v, RED)
        self.graph = root.graph
        self.graphs = [copy.graph for copy in self.copies]
        self.green_stores = frozenset(self._green_stores())

    def _green_stores(self):
        """The stores of green values to a virtual instance's green field
        (colours.Site): the generating extension keeps the value itself in
        the virtual instance, so reads of the field give it back green."""
        for copy in self.copies:
            for block in copy.graph.iterblocks():
                for op in block.operations:
                    desc = OPS[op.opname]
                    if desc.kind != "write" or desc.field is None:
                        continue
                    container = op.args[desc.container]
                    sites = copy.sites.get(container)
                    name = op.args[desc.field].value
                    if copy.colours.get(container) == BLUE and sites and all(
                            site.load(name)[0] in (GREEN, FROZEN) for site in sites):
                        yield op

    # -- checks -------------------------------------------------------------------
    def _check_root_params(self) -> None:
        root = self.root
        for i in sorted(root.forcing.params):
            if i not in self.green_indices:
                v = root.graph.getargs()[i]
                name = v.name or f"#{i}"
                root.forcing.fail(v, f"it is the red parameter {name!r}",
                                  f"list {name!r} in green=[...], or use "
                                  f"hint({name}, promote=True)")

    def _check_forced(self, copy: Copy) -> None:
        for v in copy.forcing.reasons:
            if copy.colours.get(v) == RED:
                why = explain_variable(copy, v, brief=True)
                copy.forcing.fail(v, f"it is red ({why})",
                                  "hint(..., promote=True) where the red value enters")

    def _check_joins(self, copy: Copy) -> None:
        forced = copy.forcing.reasons
        for link in copy.graph.iterlinks():
            if link.target is copy.graph.returnblock:
                continue            # a green result among red ones is returned red
            for a, target in zip(link.args, link.target.inputargs):
                if a in forced and target not in forced and copy.colours.get(target) == RED:
                    line = copy.info.block_line(link.target)
                    raise HintError(
                        f"{describe(a)} is green because of a concrete hint, but at the "
                        f"join at {copy.info.where(line)} it merges with a red value into "
                        f"{describe(target)}.\nHint that would help: make the other value "
                        f"green too, or use hint({a.name or 'x'}, variable=True) before the join.")

    def _check_merge_points(self, copy: Copy) -> None:
        merge_blocks, jit_entries = set(), []
        for block in copy.info.blocks:
            for index, op in enumerate(block.operations):
                if OPS[op.opname].kind == "hint" and "global_merge_point" in hint_flags(op):
                    self._check_merge_point(copy, block, index, op)
                    merge_blocks.add(block)
                if OPS[op.opname].kind == "hint" and "can_enter_jit" in hint_flags(op):
                    jit_entries.append((block, op))
        for block, op in jit_entries:
            self._check_can_enter_jit(copy, block, op, merge_blocks)

    def _check_can_enter_jit(self, copy, block, op, merge_blocks: set) -> None:
        """A can_enter_jit must be followed, control-flow-wise, by the global
        merge point of the annotated function (where the JIT enters)."""
        where = copy.info.where(op.lineno)
        if copy is not self.root:
            raise HintError(f"hint(None, can_enter_jit=True) at {where} is inside "
                            f"{copy.graph.name}, a function called from "
                            f"{self.root.graph.name}; it must be in the annotated function, "
                            f"where the guest jumps back to its loop head.")
        g = nx.DiGraph()
        for b in copy.graph.iterblocks():
            g.add_edges_from((b, link.target) for link in b.exits)
        reached = nx.descendants(g, block) if block in g else set()
        if not merge_blocks & (reached | {block}):
            raise HintError(f"hint(None, can_enter_jit=True) at {where} is not followed by a "
                            f"global merge point; put hint(None, global_merge_point=True) as "
                            f"the first statement of the interpreter's main loop, which the "
                            f"guest's backward jump reaches next.")

    def _check_merge_point(self, copy, block, index, op) -> None:
        where = copy.info.where(op.lineno)
        if block is copy.graph.startblock and not _ops_before(block, index) \
                and copy.original is self.root.original:
            return      # a portal: the entry of the function, called recursively too
        if copy is not self.root:
            raise HintError(f"hint(None, global_merge_point=True) at {where} is inside "
                            f"{copy.graph.name}, a function called from "
                            f"{self.root.graph.name}; it must be at the head of a loop of "
                            f"the annotated function itself.")
        if not _on_cycle(copy.graph, block) or _ops_before(block, index):
            raise HintError(f"hint(None, global_merge_point=True) at {where} is not at the "
                            f"head of a loop; put it as the first statement of the "
                            f"interpreter's main loop (`while True:`).")

    def _check_promotions(self, copy: Copy) -> None:
        """A promotion site switches on the value: only scalars and classes can be
        promoted."""
        for op in copy.graph.iteroperations():
            if op.opname != "hint" or "promote" not in hint_flags(op):
                continue
            t = op.args[0].concretetype
            if t not in _PROMOTABLE:
                name = op.args[0].name if isinstance(op.args[0], Variable) else None
                raise HintError(
                    f"hint({name or 'x'}, promote=True) at {copy.info.where(op.lineno)} "
                    f"promotes a {type_name(t)}; only int, float, bool and one-character "
                    f"str values and classes (o.__class__) can be promoted.\nHint that would "
                    f"help: promote a scalar read from it (its length, an item), or make it a green parameter "
                    f"with hint(..., deepfreeze=True).")

    def _reachable_copies(self) -> list:
        seen, order, stack = {self.root}, [], [self.root]
        while stack:
            copy = stack.pop()
            order.append(copy)
            for callee in copy.calls.values():
                if callee not in seen:
                    seen.add(callee)
                    stack.append(callee)
        return order

    def _redirect_calls(self) -> None:
        for copy in self.copies:
            for op, callee in copy.calls.items():
                op.args[0] = Constant(callee.graph, op.args[0].concretetype)

    # -- queries -------------------------------------------------------------------
    def color_of(self, name: str, graph: FunctionGraph | None = None) -> str:
        """The colour of the source variable `name` (in the entry function, or in
        `graph`): red if any of its SSA versions is red, else blue, else green."""
        found = self._variables_named(name, graph)
        colours = {self.colors[v] for v in found}
        for c in (RED, BLUE, GREEN):
            if c in colours:
                return c
        raise AssertionError(colours)

    def explain(self, name: str, graph: FunctionGraph | None = None) -> str:
        """Why the variable `name` has its colour: the chain of operations and
        source lines, ending at a parameter, a memory read, a literal or a hint,
        and the hint that would change it."""
        found = self._variables_named(name, graph)
        red = [v for v in found if self.colors[v] == RED]
        v = red[0] if red else found[0]
        return explain_variable(self._copy_of(v), v)

    def _variables_named(self, name: str, graph) -> list:
        copies = [c for c in self.copies if graph is None or c.graph is graph]
        for copy in ([self.root] if graph is None else []) + copies:
            found = [v for b in copy.graph.iterblocks() for v in b.getvariables()
                     if v.name == name]
            if found:
                return found
        known = sorted({v.name for c in copies for b in c.graph.iterblocks()
                        for v in b.getvariables() if v.name})
        raise KeyError(f"no variable named {name!r}; known: {', '.join(known)}")

    def _copy_of(self, v: Variable) -> Copy:
        for copy in self.copies:
            if v in copy.info.defs:
                return copy
        raise KeyError(v)

    def copy_for(self, graph: FunctionGraph) -> Copy:
        for copy in self.copies:
            if copy.graph is graph:
                return copy
        raise KeyError(graph)

    def is_forced(self, v: Variable) -> bool:
        return any(v in copy.forcing.reasons for copy in self.copies)

    def to_dot(self, compact: bool = True):
        """The coloured graphs as a graphviz picture (hintannotator/dot.py)."""
        from hintannotator.dot import annotation_to_dot
        return annotation_to_dot(self, compact)

    def __repr__(self) -> str:
        return f"<HintAnnotation of {self.root.graph.name}: {len(self.copies)} graph copies>"


def _on_cycle(graph: FunctionGraph, block) -> bool:
    g = nx.DiGraph()
    for b in graph.iterblocks():
        for link in b.exits:
            g.add_edge(b, link.target)
    return any(block in scc and (len(scc) > 1 or g.has_edge(block, block))
               for scc in nx.strongly_connected_components(g))


def _ops_before(block, index) -> bool:
    """True when operations precede the merge point in its block (it must be
    the first thing the loop does)."""
    return any(OPS[op.opname].kind != "copy" for op in block.operations[:index])

"""The hint annotator: a forward fixpoint over coloured graph copies.

Every graph reachable from the annotated function is annotated once per
*colour pattern*: the key of a copy is (original graph, colours of its
arguments, whether its result must be green).  Each copy is a `copygraph` of
the original, so variables of different copies never share a colour, and
its `direct_call`s are finally redirected to the callee copies they use.

Per copy, `Forcing` (forcing.py) first computes the variables that `concrete`
hints demand green.  The forward pass then colours, block by block until
nothing changes anywhere:

  * parameters take the colours of the pattern;
  * a block input argument joins the colours of what the entering links
    pass; a literal constant passed along a link is red (DESIGN section 6:
    values computed from literals alone are red constants) unless the
    argument is forced green;
  * a pure operation is green when all its variable operands are green and
    it has at least one (or its result is forced), red otherwise;
  * allocations are blue; reads from blue containers take the colour stored
    in the field (green for an instance's field that only green values are
    stored to, while the instance cannot escape: colours.Site); reads from
    a deep-frozen green container with a green index are green; other
    memory reads are red;
  * a value computed from a promoted one (not forced green) is red where a
    loop's back edge brings it to a block argument it is not simply passed
    round as: green, it would unroll the loop for every value it takes;
  * hints: promote gives green, variable gives red, deepfreeze of a
    prebuilt module-level object gives frozen green, the others pass the
    colour through;
  * calls: a purefunction with green arguments is green (frozen green if it
    returns a container), a dont_look_inside
    function is red, any other callee is annotated as the copy for the
    arguments' colours and the caller takes its return colour.

Colours only go up the lattice (colours.py) and copies are finite, so the
fixpoint terminates.  Each variable that turns red records why, which
`HintAnnotation.explain` turns into text.
"""

from __future__ import annotations

from flowgraph.lltypes import DictType, ListType, StructType, Void
from flowgraph.model import Constant, FunctionGraph, Variable, copygraph
from flowgraph.operations import OPS
from flowgraph.simplify import remove_dead
from hintannotator.colours import BLUE, FROZEN, GREEN, RED, Site, is_green, join
from hintannotator.forcing import Forcing
from hintannotator.sources import GraphInfo, hint_flags


class Copy:
    """One coloured copy of a graph."""

    def __init__(self, key, original: FunctionGraph, forcing_summary):
        self.key = key
        self.original = original
        self.graph = copygraph(original)
        remove_dead(self.graph)     # dead block arguments would split specialisations
        self.info = GraphInfo(self.graph)
        orig_graph, pattern, ret_forced = key
        frozen = [i for i, c in enumerate(pattern) if c == FROZEN]
        self.forcing = Forcing(self.info, ret_forced, frozen, forcing_summary)
        self.colours: dict = {}
        self.sites: dict = {}             # Variable -> frozenset of Site
        self.reasons: dict = {}           # Variable -> (text, line, parent Variable or None)
        self.promoted: set = set()        # green Variables computed from a promoted value
        self.param_sites = [frozenset() for _ in pattern]
        self.calls: dict = {}             # direct_call op -> callee Copy
        for v, c in zip(self.graph.getargs(), pattern):
            self.colours[v] = c
            if c == RED:
                self.reasons[v] = ("it is a red parameter", 0, None)

    @property
    def pattern(self):
        return self.key[1]

    def return_colour(self):
        v = self.graph.returnblock.inputargs[0]
        return self.colours.get(v), self.sites.get(v, frozenset())


class Annotator:
    """Runs the fixpoint; `copies` maps keys to `Copy`s, `root` is the entry."""

    def __init__(self, merge_point_entries: bool = False):
        self.copies: dict = {}
        self.sites: dict = {}             # (Copy, op) -> Site
        self._summaries: dict = {}
        self.changed = False
        self.merge_point_entries = merge_point_entries      # (annotation.annotate)

    # -- forcing summaries of callees (parameter indices forced green) ------
    def forced_params(self, graph: FunctionGraph, ret_forced: bool) -> frozenset:
        key = (graph, ret_forced)
        if key not in self._summaries:
            self._summaries[key] = frozenset()
            while True:
                forcing = Forcing(self._info(graph), ret_forced,
                                  range(len(graph.getargs())), self.forced_params)
                result = frozenset(forcing.params)
                if result == self._summaries[key]:
                    break
                self._summaries[key] = result
        return self._summaries[key]

    def _info(self, graph):
        cache = graph._cache
        if "hint_graphinfo" not in cache:
            cache["hint_graphinfo"] = GraphInfo(graph)
        return cache["hint_graphinfo"]

    # -- copies ---------------------------------------------------------------
    def get_copy(self, graph: FunctionGraph, pattern: tuple, ret_forced: bool) -> Copy:
        key = (graph, pattern, ret_forced)
        copy = self.copies.get(key)
        if copy is None:
            copy = self.copies[key] = Copy(key, graph, self.forced_params)
            self.changed = True
        return copy

    def run(self, root: Copy) -> None:
        while True:
            self.changed = True
            while self.changed:
                self.changed = False
                for copy in list(self.copies.values()):
                    self.colour_copy(copy)
            if not (self.default_unknown_reads() | self.default_never_returning_calls()):
                return

    # -- the forward pass -------------------------------------------------------
    def colour_copy(self, copy: Copy) -> None:
        for v, sites in zip(copy.graph.getargs(), copy.param_sites):
            if sites:
                self._set(copy, v, BLUE, sites, None)
        for block in copy.info.blocks:
            for op in block.operations:
                self._colour_op(copy, op)
            for link in block.exits:
                self._flow(copy, link)
            if self.merge_point_entries and any(
                    OPS[op.opname].kind == "hint" and "global_merge_point" in hint_flags(op)
                    for op in block.operations):
                # code entered here starts from run-time objects: what it
                # holds is not known, green or not
                for v in block.inputargs:
                    colour, sites = self._value(copy, v)
                    if colour == BLUE:
                        self._escape(sites)

    def _set(self, copy, v, colour, sites, reason) -> None:
        old = copy.colours.get(v)
        new = join(old, colour)
        new_sites = copy.sites.get(v, frozenset()) | (sites or frozenset())
        if new != old or new_sites != copy.sites.get(v, frozenset()):
            copy.colours[v] = new
            copy.sites[v] = new_sites
            if new == RED and v not in copy.reasons:
                copy.reasons[v] = reason or ("it is red", 0, None)
            self.changed = True
        if new == RED and new_sites:
            self._escape(new_sites)     # a virtual container met a red pointer

    def _escape(self, sites) -> None:
        for site in sites:
            if site.escape():
                self.changed = True

    def _value(self, copy, a):
        """(colour, sites) of an operand; constants are (None, ...) here."""
        if isinstance(a, Constant):
            return "const", frozenset()
        return copy.colours.get(a), copy.sites.get(a, frozenset())

    def _flow(self, copy, link) -> None:
        forced = copy.forcing.reasons
        line = copy.info.block_line(link.target)       # the join
        for a, target in zip(link.args, link.target.inputargs):
            if isinstance(a, Constant):
                if target in forced or a.concretetype is Void:
                    self._set(copy, target, GREEN, None, None)
                else:
                    self._set(copy, target, RED, None,
                              (f"it receives the literal {a.value!r} at a join "
                               f"(values computed from literals alone are red)", line, None))
                continue
            colour, sites = self._value(copy, a)
            if colour == GREEN and a in copy.promoted and target not in forced:
                if link in copy.info.back_links and not copy.info.carries(a, target):
                    self._set(copy, target, RED, None,
                              ("it receives a value computed from a promoted one round a "
                               "loop (green, the loop would be unrolled for every value it "
                               "takes; hint(..., concrete=True) if it must be green)",
                               line, None))
                    continue
                self._mark_promoted(copy, target)
            if colour is not None:
                self._set(copy, target, colour, sites,
                          ("it receives a red value at a join", line, a))

    def _colour_op(self, copy, op) -> None:
        name = op.opname
        desc = OPS[name]
        if desc.kind == "call":
            return self._colour_call(copy, op)
        if desc.kind == "hint":
            return self._colour_hint(copy, op)
        if desc.kind == "alloc":
            return self._colour_allocation(copy, op, desc)
        if desc.kind == "write":
            return self._colour_store(copy, op, desc)
        if _reads_container(desc):
            return self._colour_read(copy, op, desc)
        if op.result.concretetype is Void:
            return self._set(copy, op.result, GREEN, None, None)
        if desc.pure:
            return self._colour_pure(copy, op)
        self._set(copy, op.result, RED, None,
                  (f"it is produced by {name}, which reads or changes memory", op.lineno, None))

    def _colour_allocation(self, copy, op, desc) -> None:
        site = self.sites.get((copy, op))
        if site is None:
            site = self.sites[(copy, op)] = Site(op, op.lineno)
        if desc.container is not None:
            return self._colour_list_of_lists(copy, op, site)
        if desc.value is not None:            # `[fill] * n`: the fill is stored
            colour, sites = self._value(copy, op.args[desc.value])
            if colour is not None:
                stored = BLUE if colour == BLUE else RED
                if site.store("items", stored, sites if stored == BLUE else frozenset()):
                    self.changed = True
        self._set(copy, op.result, BLUE, frozenset([site]), None)

    def _colour_list_of_lists(self, copy, op, site) -> None:
        """A new list made of other lists' items (`xs[a:b]`, `xs + ys`): deep-
        frozen when every source is and the bounds are green (made at compile
        time), else blue, holding what its sources hold (a virtual source's
        items, red items of any other)."""
        values = [self._value(copy, a) for a in op.args]
        if any(c is None for c, _ in values):
            return
        sources = [(RED if isinstance(a.concretetype, DictType) and value[0] == BLUE
                    else value[0], value[1])        # (a dict's keys: never virtual)
                   for a, value in zip(op.args, values)
                   if isinstance(a.concretetype, (ListType, DictType))]
        if all(c == FROZEN for c, _ in sources) \
                and all(is_green(c) or c == "const" for c, _ in values):
            return self._set(copy, op.result, FROZEN, None, None)
        for colour, sites in sources:
            stored, stored_sites = RED, frozenset()
            if colour == BLUE:
                stored = None
                for source in sites:
                    c, s = source.load("items")
                    stored, stored_sites = join(stored, c), stored_sites | s
            if stored is not None and site.store("items", stored, stored_sites
                                                 if stored == BLUE else frozenset()):
                self.changed = True
        self._set(copy, op.result, BLUE, frozenset([site]), None)

    def default_unknown_reads(self) -> bool:
        """After a fixpoint: a read from a virtual container whose field was
        never stored reads the field's zero, a red constant.  Colours such
        reads red (so what depends on them gets coloured too); True if any."""
        found = False
        for copy in list(self.copies.values()):
            for block in copy.info.blocks:
                for op in block.operations:
                    desc = OPS[op.opname]
                    if _reads_container(desc) and copy.colours.get(op.result) is None \
                            and self._value(copy, op.args[desc.container])[0] is not None:
                        self._set(copy, op.result, RED, None,
                                  ("it reads a field never stored (its zero value)",
                                   op.lineno, None))
                        found = True
        return found

    def _colour_pure(self, copy, op) -> None:
        variables = [a for a in op.args if isinstance(a, Variable)]
        colours = [copy.colours.get(a) for a in variables]
        if any(c is None for c in colours):
            return
        for a, c in zip(variables, colours):
            if c == RED:
                return self._set(copy, op.result, RED, None,
                                 (f"{op.opname} uses a red operand", op.lineno, a))
            if c == BLUE and OPS[op.opname].kind != "copy":
                # identity and class of a blue instance are known at compile
                # time only while it is virtual (rt.ptr_eq and
                # rt.instance_isinstance fold them then): where the generating
                # extension starts from run-time values (a JIT's loop entry),
                # two names of one object are two boxes, of unknown class
                what = "`is`" if op.opname == "ptr_eq" else op.opname
                return self._set(copy, op.result, RED, None,
                                 (f"{what} on an instance made here is known only while it "
                                  "is virtual", op.lineno, a))
        if any(a in copy.promoted for a in variables):
            self._mark_promoted(copy, op.result)
        if OPS[op.opname].kind == "copy" and colours:
            return self._set(copy, op.result, colours[0], copy.sites.get(variables[0]), None)
        if not variables and op.result not in copy.forcing.reasons:
            return self._set(copy, op.result, RED, None,
                             (f"{op.opname} computes from literals alone", op.lineno, None))
        self._set(copy, op.result, GREEN, None, None)

    def _mark_promoted(self, copy, v) -> None:
        """`v` is computed from a promoted value: green, but red where it
        would join a loop's variables (`_flow`)."""
        if v not in copy.promoted:
            copy.promoted.add(v)
            self.changed = True

    def _colour_hint(self, copy, op) -> None:
        flags = hint_flags(op)
        arg = op.args[0]
        if "promote" in flags:
            self._mark_promoted(copy, op.result)
        if "promote" in flags or "global_merge_point" in flags or "can_enter_jit" in flags:
            return self._set(copy, op.result, GREEN, None, None)
        if "variable" in flags:
            return self._set(copy, op.result, RED, None,
                             ("it is the result of hint(variable=True)", op.lineno, None))
        colour, sites = self._value(copy, arg)
        if colour == "const" and "deepfreeze" in flags:     # a prebuilt object, frozen
            return self._set(copy, op.result, FROZEN, None, None)
        if colour == "const":
            colour = GREEN if ("concrete" in flags or op.result in copy.forcing.reasons) else RED
            if colour == RED:
                return self._set(copy, op.result, RED, None,
                                 ("it is a literal (values computed from literals alone "
                                  "are red)", op.lineno, None))
        if colour is None:
            return
        if "deepfreeze" in flags and is_green(colour):
            colour = FROZEN
        self._set(copy, op.result, colour, sites,
                  ("the hint at this line passes a red value through", op.lineno, arg))

    def _colour_read(self, copy, op, desc) -> None:
        container = op.args[desc.container]
        colour, sites = self._value(copy, container)
        if colour is None:
            return
        index_ok = all(is_green(self._value(copy, a)[0]) or isinstance(a, Constant)
                       for a in op.args[1:])
        if colour == FROZEN and desc.kind != "pop":
            if not index_ok:
                return self._set(copy, op.result, RED, None,
                                 (f"{op.opname} reads a frozen container at a red index",
                                  op.lineno, op.args[1]))
            result = FROZEN if op.result.concretetype.is_gcref else GREEN
            return self._set(copy, op.result, result, None, None)
        if colour == BLUE and desc.kind != "length":
            fieldname = _field_name(op, desc)
            stored, stored_sites = None, frozenset()
            for site in sites:
                c, s = site.load(fieldname)
                stored, stored_sites = join(stored, c), stored_sites | s
            if stored is None:
                return
            return self._set(copy, op.result, stored, stored_sites,
                             (f"{op.opname} reads a red value stored in a virtual container",
                              op.lineno, None))
        why = ("it is read from mutable memory (a container that is not deep-frozen)"
               if colour in (GREEN, RED) else f"{op.opname} of a virtual container is red")
        self._set(copy, op.result, RED, None, (why, op.lineno, None))

    def _colour_store(self, copy, op, desc) -> None:
        self._set(copy, op.result, GREEN, None, None)
        colour, sites = self._value(copy, op.args[desc.container])
        if desc.value is None:                          # (no value stored: reverse, del)
            return
        vcolour, vsites = self._value(copy, op.args[desc.value])
        if vcolour == BLUE and (colour != BLUE or desc.field is None
                                or isinstance(op.args[desc.container].concretetype,
                                              DictType)):
            # stored in memory outside the virtual state, or as an item of a
            # list (read at a run-time index, a virtual list is made real)
            self._escape(vsites)
        if colour != BLUE or vcolour is None:
            return
        fieldname = _field_name(op, desc)
        if vcolour == BLUE:
            stored = BLUE
        elif is_green(vcolour) and desc.field is not None \
                and op.args[desc.value] not in copy.promoted:
            # an instance's field; a value computed from a promoted one is
            # stored red, as it is where a loop carries it (see _flow)
            stored = vcolour
        else:
            stored = RED
        for site in sites:
            if site.store(fieldname, stored, vsites if stored == BLUE else frozenset()):
                self.changed = True

    def _colour_call(self, copy, op) -> None:
        callee = op.args[0].value
        func = callee.func
        args = op.args[1:]
        values = [self._value(copy, a) for a in args]
        if any(c is None for c, _ in values):
            return
        pattern = tuple(GREEN if c == "const" else c for c, _ in values)
        if getattr(func, "_ts_dont_look_inside_", False):
            self._escape(frozenset().union(*(s for c, s in values if c == BLUE)))
            return self._set(copy, op.result, RED, None,
                             (f"it is the result of a residual call to {callee.name} "
                              f"(dont_look_inside)", op.lineno, None))
        if getattr(func, "_ts_pure_", False) and all(is_green(c) for c in pattern):
            # a container a pure function returns is frozen: reads through it
            # with green indices are green (the program must not change it)
            frozen = isinstance(op.result.concretetype, (ListType, DictType, StructType))
            return self._set(copy, op.result, FROZEN if frozen else GREEN, None, None)
        # A literal argument is red in the callee unless the callee forces it.
        forced = self.forced_params(callee, op.result in copy.forcing.reasons)
        pattern = tuple(RED if values[i][0] == "const" and i not in forced else c
                        for i, c in enumerate(pattern))
        callee_copy = self.get_copy(callee, pattern, op.result in copy.forcing.reasons)
        copy.calls[op] = callee_copy
        for i, (c, sites) in enumerate(values):
            if c == BLUE and not sites <= callee_copy.param_sites[i]:
                callee_copy.param_sites[i] |= sites
                self.changed = True
        if callee_copy is copy and all(
                copy.info.carries(a, p) for a, p, c in zip(args, copy.graph.getargs(),
                                                           copy.pattern) if is_green(c)):
            # a recursion on the same green arguments is a residual call when
            # specialised (DESIGN: recursive calls on red arguments), whatever
            # its base case returns
            self._escape(frozenset().union(*(s for c, s in values if c == BLUE)))
            return self._set(copy, op.result, RED, None,
                             (f"it is the result of {callee.name}'s recursive call on the "
                              f"same green arguments, a residual call", op.lineno, None))
        colour, sites = callee_copy.return_colour()
        if colour is not None:
            self._set(copy, op.result, colour, sites,
                      (f"{callee.name} returns a red value", op.lineno, None))

    def default_never_returning_calls(self) -> bool:
        """After a fixpoint: a call whose callee never returns (every path
        raises or loops) has no return colour to take; its result is red, so
        the operations using it (another call, say) get coloured too.  True if
        any result was coloured."""
        found = False
        for copy in list(self.copies.values()):
            for op, callee_copy in list(copy.calls.items()):
                if copy.colours.get(op.result) is None \
                        and callee_copy.return_colour()[0] is None:
                    self._set(copy, op.result, RED, None,
                              (f"{callee_copy.graph.name} never returns", op.lineno, None))
                    found = True
        return found


def _reads_container(desc) -> bool:
    """Reads (or pops) through a mutable container: its colour decides."""
    return desc.reads_memory or desc.kind == "pop"


def _field_name(op, desc) -> str:
    """The field of a virtual container that `op` reads or stores ("items")."""
    return op.args[desc.field].value if desc.field is not None else "items"

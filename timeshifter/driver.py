"""The driver: which path is compiled next, and merging at merge points.

Paths (`JitState`s) wait in a priority queue ordered by position (state.py:
outer call positions, then reverse-postorder index of the block).  A path
runs its segments depth-first until it reaches a merge point (a block with
several entering links, the continuation after an inlined call).  If a
path waits at that position or an earlier one, it parks; the driver pops the
smallest position and takes every path parked there at once: in the acyclic
part of a graph all predecessors of a join have been compiled by then, so one
label serves them all.  A path that cannot be joined by another merges alone
at once, and needs no label unless the point is a loop head (or a global
merge point); even there the first arrival of a key passes without one: most
keys never come back (loops unrolled over green values), and a key that does
gets its label on the second arrival, after one peeled iteration.

Merging at a position groups the paths by frozen key (green values, virtual
shapes).  Per (position, key) the driver remembers the label it compiled
and the leaf spec (which red leaves were constants).  A path that matches
jumps to the label.  One that holds a different constant generalises the
spec: a new label with the leaf as a variable is emitted, the old label is
redirected there (`redirect_label`, the old code becomes dead) and
compilation continues from the new label.  Loops close this way, whether
or not a global merge point marks them, and the number of labels per
position is bounded by the number of keys times the number of leaves.

A global merge point's code is shared by the family of residual functions
of one specialisation (family.py): a promotion case reaching a key compiled
elsewhere enters it with `tail_call` (an entry function is made once),
unless it still holds the value it promoted and may specialise the loop on
it locally.  Promotion sites end paths (`promote`).

Virtual containers whose shape keeps changing at a loop head for the same
green values (a list appended to in a red loop) are forced there once more
than `max_shapes_per_merge` shapes were seen, so the loop closes: only
those, each container judged by its own shapes (`force_changing`); the
others stay virtual (examples/tablevm.py: the growing table is forced, the
stack and the slots are not).

Bounds (options.py): distinct keys per merge point, residual operations per
specialisation, inlining depth.  Exceeding one raises `TimeshiftError`
naming the function, the source line and the hint that helps.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from flowgraph.lltypes import Void
from flowgraph.model import Constant, Variable
from timeshifter.boxes import PtrBox, RedBox, container_kind, force
from timeshifter.errors import TimeshiftError
from timeshifter.rtimeshift import (StateFinished, StateUnwound, call_catching, catches, gv_of,
                                    report_escapes)
from timeshifter.state import (Frame, JitState, carry_known, freeze, freeze_at_merge,
                               freeze_frames, generalize, holds_green_fields, known_key,
                               matches, value_key, virtual_shapes)

# A merge point reached with more green states than this share of the bound
# is said (a SpecializationWarning): the error may be near.
NEAR_BOUND_PERCENT = 80

# The bounds of a specialisation scale with its green inputs (a guest program
# of 30,000 instructions has 30,000 program counters): at least the options'
# values, and this many per item of the green strings, lists and tuples.
STATES_PER_GREEN_ITEM = 4
OPS_PER_GREEN_ITEM = 8

_ANY = object()                 # Driver.is_recursive: any green arguments


def _scaled_bound(options, name: str, scaled: int) -> int:
    value = getattr(options, name)
    return max(value, scaled) if value == type(options).__dataclass_fields__[name].default \
        else value


@dataclass(slots=True)
class MergeEntry:
    spec: list          # per leaf: a Constant, or None for a variable
    label: object
    merge_gvs: list


class Driver:
    def __init__(self, specializer, backend, options, family):
        self.specializer = specializer  # starts residual functions, makes sites
        self.family = family
        self.family_before = family.snapshot()  # put back if the run fails (specializer.finish)
        # the residual operations that may raise ask whether a frame catches
        # (JitState.classes_for) only where some try catches what they raise
        self.catching = specializer.host.catches_operations
        self.backend = backend
        self.options = options
        # the bounds left at their defaults grow with the green inputs: a long
        # guest program is not a green value changing without bound; a bound
        # the user set is kept as it is
        self.max_residual_ops = _scaled_bound(options, "max_residual_ops",
                                              OPS_PER_GREEN_ITEM * family.green_size)
        self.max_states = _scaled_bound(options, "max_states_per_merge",
                                        STATES_PER_GREEN_ITEM * family.green_size)
        self.queue: list = []
        self.seq = itertools.count()
        self.memory: dict = {}          # (position, key) -> MergeEntry
        self.seen: set = set()          # (position, key) passed once without a label
        self.shapes_at: dict = {}       # (position, green values) -> keys seen
        self.shapes_seen_at: dict = {}  # (position, green values) -> {path: own shapes}
        self.keys_at: dict = {}         # position -> set of keys
        self.residual_graphs: dict = {} # (code, green key) -> residual graph
        self.green_inputs: dict = {}    # id of a green str, list or tuple input -> its name
        self.function_numbers: dict = {}
        self.promoted: dict = {}        # id -> a Constant promotion made known here
        self.field_reads: dict = {}     # field name -> {gv read: the box of its object}

    def function_number(self, graph) -> int:
        return self.function_numbers.setdefault(graph, len(self.function_numbers))

    # -- scheduling -----------------------------------------------------------
    def schedule(self, js: JitState) -> None:
        if js.finished:
            return
        heapq.heappush(self.queue, (js.position(), next(self.seq), js))

    def run(self) -> None:
        while self.queue:
            position, _, js = heapq.heappop(self.queue)
            group = [js]
            while self.queue and self.queue[0][0] == position:
                group.append(heapq.heappop(self.queue)[2])
            frame = js.frame
            if (frame.block, frame.opindex) in frame.code.merge_points:
                group = self.merge(position, group)
            for js in group:
                js.resumed = True
                self.run_state(js)

    def run_state(self, js: JitState) -> None:
        limit = self.max_residual_ops
        js.line = js.line           # its builder's function may have run another path since
        while not js.finished:
            try:
                while not js.finished:
                    frame = js.frame
                    code = frame.code
                    where = (frame.block, frame.opindex)
                    if where in code.merge_points and not js.resumed:
                        if not self.merge_inline(js):
                            return
                    js.resumed = False
                    code.segments[where](js, *frame.values)
                    if js.builder.op_count > limit:
                        self.fail_budget(js)
            except StateFinished:
                js.finished = True
            except StateUnwound:
                pass            # caught by an enclosing frame: it goes on there

    def merge_inline(self, js: JitState) -> bool:
        """At a merge point: park the path when another path may still arrive
        here (one is waiting at this position or at an earlier one);
        otherwise merge it alone right away.  True if the path goes on."""
        position = js.position()
        if self.queue and self.queue[0][0] <= position:
            self.schedule(js)
            return False
        if not self.needs_label(js):
            return True             # a join no other path reaches: nothing to merge
        return bool(self.merge(position, [js]))

    # -- merging --------------------------------------------------------------------
    def merge(self, position, group: list) -> list:
        by_key: dict = {}
        for js in group:
            key, leaves, greens, virtual = freeze_at_merge(js.frame)
            if js.known is not None:
                if self.needs_label(js):
                    js.known = None     # (a loop head: not compiled apart per value)
                else:
                    key += (("known", known_key(js.known, leaves)),)
            if self.needs_label(js):
                key, leaves = self.generalise_changing(position, js, key, leaves, greens,
                                                       virtual)
            by_key.setdefault(key, []).append((js, leaves))
        survivors = []
        for key, items in by_key.items():
            survivor = self.merge_key(position, key, items)
            if survivor is not None:
                survivors.append(survivor)
        return survivors

    def merge_key(self, position, key, items):
        entry = self.memory.get((position, key))
        if entry is None and self.call_shared_entry(key, items):
            return None
        if entry is None:
            self.count_key(position, key, items[0][0])
        first = items[0][0]
        if entry is None and len(items) == 1:
            if not self.needs_label(first):
                return first
            if (position, key) not in self.seen:
                # First arrival of this key at a loop head: no label yet.  Most
                # keys never come back (a loop unrolled over green values); one
                # that does gets its label on the second arrival, after one
                # peeled iteration.
                self.seen.add((position, key))
                self.record_merge_point(first)
                return first
        spec = entry.spec if entry is not None else None
        for js, leaves in items:
            spec = generalize(spec, leaves)
        if entry is not None and spec == entry.spec:
            for js, leaves in items:
                self.jump(js, entry, leaves)
            return None
        first, first_leaves = items[0]
        label, merge_gvs = first.builder.enter_label(
            [leaf.gv for c, leaf in zip(spec, first_leaves) if c is None])
        new_entry = MergeEntry(spec, label, merge_gvs)
        if entry is not None:
            self.backend.redirect_label(entry.label, label, self.redirect_map(entry, new_entry))
        self.memory[(position, key)] = new_entry
        self.record_merge_point(first)
        for js, leaves in items[1:]:
            self.jump(js, new_entry, leaves)
        boxes = [leaf.box for leaf in first_leaves] if first.known is not None else None
        gvs = iter(merge_gvs)
        for c, leaf in zip(spec, first_leaves):
            if c is None:
                leaf.replace(next(gvs))
        if boxes is not None:
            first.known = carry_known(first.known, first_leaves, boxes)
        return first

    @staticmethod
    def needs_label(js: JitState) -> bool:
        """A lone path may pass a merge point without a label unless the point
        is a loop head or a global merge point (where it may arrive again)."""
        frame = js.frame
        return frame.opindex == 0 and (frame.block in frame.code.loop_heads
                                       or frame.block in frame.code.gmp_blocks)

    def jump(self, js: JitState, entry: MergeEntry, leaves: list) -> None:
        assert matches(entry.spec, leaves)
        js.builder.jump(entry.label, [leaf.gv for c, leaf in zip(entry.spec, leaves)
                                      if c is None])
        js.finished = True

    # -- global merge points shared between residual functions ---------------------
    @staticmethod
    def global_key(js: JitState, key):
        """The key of a global merge point of the entry graph, or None."""
        frame = js.frame
        if frame.back is None and frame.block in frame.code.gmp_blocks:
            return (frame.code.number, frame.block, key)
        return None

    def call_shared_entry(self, key, items) -> bool:
        """A path reaching a global merge point whose key already has code in
        another residual function (a promotion case reaching the interpreter
        loop again) calls that code instead of compiling it once more: an entry
        function taking every red leaf is made the first time.  Returns True
        when the paths were handled."""
        first = items[0][0]
        gkey = self.global_key(first, key)
        if gkey is None:
            return False
        family = self.family
        target = family.gmp_functions.get(gkey)
        if target is first.builder.graph or first.builder.graph in family.entry_graphs:
            # a shared entry compiles the loop it enters itself, every merge
            # point of it (were each one a call to another entry, a loop
            # would become a chain of one-instruction functions)
            return False
        home = family.gmp_compiled.setdefault(gkey, first.builder.graph)
        if home is first.builder.graph and target is None:
            return False                # compiled here (or about to be)
        if self.specialise_locally(gkey, items):
            return False
        target = self.shared_entry(gkey, first, items[0][1])
        for js, leaves in items:
            self.tail_call(js, target, leaves)
        return True

    def shared_entry(self, gkey, js: JitState, leaves: list):
        """The family's shared entry function for the merge-point key `gkey`,
        started now from `js` (every red leaf a parameter) if there is none."""
        target = self.family.gmp_functions.get(gkey)
        if target is None:
            target = self.family.gmp_functions[gkey] = self.start_entry(js, leaves)
            self.family.entry_graphs.add(target)
            self.family.gmp_compiled.setdefault(gkey, target)
        return target

    @staticmethod
    def tail_call(js: JitState, target, leaves: list) -> None:
        """End `js` by handing its red leaves to `target`."""
        gvs = [Constant(target, Void)] + [leaf.gv for leaf in leaves]
        js.builder.finish_return(js.builder.genop("tail_call", gvs))
        js.finished = True

    def enter_shared(self, js: JitState) -> None:
        """End `js`, at a global merge point of the entry graph, with a tail
        call to the family's shared entry function for its key."""
        key, leaves = freeze(js)
        self.tail_call(js, self.shared_entry(self.global_key(js, key), js, leaves), leaves)

    def specialise_locally(self, gkey, items) -> bool:
        """A path still holding the very value a promotion made known (the
        promoted box, unchanged) compiles the loop again here, specialised on it, instead of
        entering the general shared entry: the loop then runs in this function
        without passing the promotion site again.  Bounded per key by the
        `promote_max_cases` option, after which the shared entry serves."""
        if len(items) != 1 or not any(id(l.gv) in self.promoted for l in items[0][1]):
            return False
        copies = self.family.local_copies.get(gkey, 0)
        if copies >= self.options.promote_max_cases:
            return False
        self.family.local_copies[gkey] = copies + 1
        return True

    def start_entry(self, js: JitState, leaves: list):
        """A new residual function starting at the global merge point where `js`
        is, every red leaf of its state a parameter (so it serves all paths
        with the same green key and virtual shapes)."""
        self.specializer.count("merge point entries")
        frame = js.frame.copy({})
        copy_leaves = freeze_frames(frame)[1]
        builder, params = self.backend.new_graph(
            f"{frame.code.name}_{self.specializer.next_function_number()}_entry",
            [leaf.gv.concretetype for leaf in leaves], frame.code.return_type)
        for leaf, param in zip(copy_leaves, params):
            leaf.replace(param)
        self.schedule(JitState(builder, frame, self))
        return builder.graph

    def record_merge_point(self, js: JitState) -> None:
        """Record which green keys of global merge points have code,
        so that the fallback interpreter can continue in compiled code there."""
        frame = js.frame
        if frame.back is None and frame.block in frame.code.gmp_blocks \
                and not holds_green_fields(frame.values):
            self.family.merge_keys.add(
                (frame.code.number, frame.block, frame.code.greens_of(frame.block, frame.values)))

    def promote(self, js: JitState, gv, split: bool = False) -> None:
        """End the path at a promotion site for the run-time value `gv` (for
        `split`, the condition of a lazy split: an exit)."""
        key, leaves = freeze(js)
        code = js.frame.code
        op = code.blocks[js.frame.block].operations[js.frame.opindex - 1]
        where = f"{code.filename}:{op.lineno}"
        # the same point (every frame's position), the same green values and
        # shapes (key), the same red constants, the value promoted in the same
        # place: one site, whose cases serve this path as they serve the first
        known_read = None if split else self.known_read(gv, leaves)
        point = (self.family, tuple((f.code, f.block, f.opindex) for f in js.frame.chain()),
                 key, tuple(leaf.gv.concretetype for leaf in leaves),
                 next((i for i, leaf in enumerate(leaves) if leaf.gv is gv), None), known_read)
        constants = tuple(value_key(leaf.gv.value) if isinstance(leaf.gv, Constant) else None
                          for leaf in leaves)
        seen = self.specializer.host.constant_states.setdefault(point, set())
        frame = js.frame.copy({})
        if constants in seen or len(seen) < self.options.promote_constant_states:
            seen.add(constants)
            state = (point, constants)
            live = [leaf.gv for leaf in leaves if not isinstance(leaf.gv, Constant)]
        else:
            # the point was reached with other red constants before (a red
            # loop counter, say): past promote_constant_states of them its
            # site takes them as live values, so that it stays one site
            state = (point, "general")
            live = [leaf.gv for leaf in leaves]
            for leaf, saved in zip(leaves, freeze_frames(frame)[1]):
                if isinstance(leaf.gv, Constant):
                    saved.replace(Variable("k", leaf.gv.concretetype))
        site = self.specializer.site_for(state, self.family, frame, gv, live, where, split,
                                         known_read)
        result = js.builder.genop("promote", [Constant(site, Void), gv, *live])
        js.builder.finish_return(result)
        js.finished = True

    def known_read(self, gv, leaves: list):
        """(leaf index of the object, field name) when the value `gv` being
        promoted is a field of a run-time object read since the last store
        to that field or residual call (rtimeshift.getfield), the object
        among `leaves`: the cases then know the field's value too."""
        for name, reads in self.field_reads.items():
            box = reads.get(gv)
            if box is not None:
                return next(((i, name) for i, leaf in enumerate(leaves) if leaf.box is box),
                            None)
        return None

    def forget_fields(self, js: JitState, name: str | None = None) -> None:
        """A store to the field `name` of a run-time object (any object: it
        may be any other's alias), or a residual call (`name` None: every
        field): what promotions made known of them no longer holds."""
        if name is None:
            self.field_reads.clear()
            js.known = None
            return
        self.field_reads.pop(name, None)
        if js.known is not None:
            known = {key: (box, {n: v for n, v in fields.items() if n != name})
                     for key, (box, fields) in js.known.items()}
            js.known = {key: entry for key, entry in known.items() if entry[1]} or None

    @staticmethod
    def redirect_map(old: MergeEntry, new: MergeEntry) -> dict:
        old_gvs = iter(old.merge_gvs)
        sources = [c if c is not None else next(old_gvs) for c in old.spec]
        new_gvs = iter(new.merge_gvs)
        return {next(new_gvs): source for c, source in zip(new.spec, sources) if c is None}

    def generalise_changing(self, position, js: JitState, key, leaves, greens: tuple,
                            virtual: bool) -> tuple:
        """(key, leaves) of the state `js` reaching a loop head, once the
        virtual containers whose shape keeps changing there are forced
        (`greens`, `virtual`: `state.freeze_at_merge`'s)."""
        where = (position, greens)
        if key in self.shapes_at.get(where, ()):
            return key, leaves          # a state merged here before: nothing changed
        if not virtual:                 # no shape to judge: only the state is counted
            self.shapes_at.setdefault(where, set()).add(key)
            return key, leaves
        shapes = virtual_shapes(js)
        grew, too_many = self.judge_shapes(where, key, shapes)
        if grew or too_many:
            self.force_changing(where, js, shapes, grew)
            key, leaves = freeze(js)
            shapes = virtual_shapes(js)
        self.record_shapes(where, key, shapes)
        return key, leaves

    def judge_shapes(self, where: tuple, key, shapes: dict) -> tuple[list, bool]:
        """What the shapes a path brings to a loop head say (`where`: the loop
        head's position and the path's green values; `shapes`:
        `state.virtual_shapes`): (the paths of the virtual lists longer than
        at every earlier visit, whether more than `max_shapes_per_merge`
        states came).  Either makes the changing containers forced
        (`force_changing`), so the loop can close."""
        seen = self.shapes_seen_at.get(where)
        grew = [path for path, (shape, _) in shapes.items()
                if _longer_list(shape, seen.get(path, ()))] if seen else []
        states = self.shapes_at.get(where, ())
        return grew, len(states) + (key not in states) > self.options.max_shapes_per_merge

    def record_shapes(self, where: tuple, key, shapes: dict) -> None:
        """Remember the state `key` merged at a loop head and the own shape
        of each virtual container at its path: after this visit's forcing,
        so a container forced here counts from now on as gone."""
        self.shapes_at.setdefault(where, set()).add(key)
        if shapes:
            seen = self.shapes_seen_at.setdefault(where, {})
            for path, (shape, _) in shapes.items():
                seen.setdefault(path, set()).add(shape)

    def force_changing(self, where: tuple, js: JitState, shapes: dict, grew: list) -> None:
        """Generalise one virtual at a time, each judged by its own shape
        (`shapes`: this visit's, by path): a list that `grew` since the last
        visit with the same green values is forced at once (not after more
        peeled iterations); else force the containers whose own shape took
        more than `max_shapes_per_merge` forms here, this visit's included
        (else those that changed at all), and keep the others virtual: a
        growing table is forced, a stack of the same depth at every visit of
        the same guest pc stays virtual, and so does an instance holding a
        list that grows.  What a forced container references is forced with
        it.  When no container changed, the extra states were those of
        containers forced already: nothing more is forced (the bound on
        states per merge point still holds)."""
        if grew:
            for path in grew:
                self.report_forced(js, path, shapes[path][1], None)
                force(js.builder, shapes[path][1])
            return
        seen = self.shapes_seen_at.get(where, {})
        forms = {path: seen.get(path, set()) | {shape} for path, (shape, _) in shapes.items()}
        limit = self.options.max_shapes_per_merge
        for bound in (limit, 1):
            changing = [path for path in shapes if len(forms[path]) > bound]
            if changing:
                for path in changing:
                    self.report_forced(js, path, shapes[path][1], len(forms[path]))
                    force(js.builder, shapes[path][1])
                return

    def report_forced(self, js: JitState, path: tuple, box, shapes: int | None) -> None:
        """Tell the user which container (`box`, at `path`: see
        `state.virtual_shapes`) a loop head made real, and why (`shapes`: how
        many it took; None: a list that grew at each visit).  A container held
        by another is named by the way to it: `frame.slots`, `stack[2]`;
        `explain` finds it under that root and every variable holding it."""
        depth, index, *inside = path
        frame = js.frame.chain()[depth]
        code = frame.code
        inputs = code.inputs.get((frame.block, frame.opindex), ())
        root = inputs[index].name if index < len(inputs) else ""
        name = root and root + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                       for p in inside)
        kind = container_kind(box.virtual)
        what = f"the {kind} '{name}'" if name else f"a {kind}"
        line = code.line_of(frame.block)
        if shapes is None:
            why = ("it was longer at each visit with the same green values (it grows with "
                   "the loop); if it grows with the guest program, pass it in as an argument")
        else:
            why = (f"it took {shapes} shapes at visits with the same green values "
                   f"(max_shapes_per_merge={self.options.max_shapes_per_merge}); if it grows "
                   f"with the guest program, pass it in as an argument, else raise "
                   f"max_shapes_per_merge")
        holders = [v.name for v, held in zip(inputs, frame.values) if held is box]
        self.specializer.host.give_up(
            (code, frame.block, index, *inside),
            f"{code.name}() line {line}: {what} became a real {kind} at this loop head: {why}",
            names=tuple(dict.fromkeys(n for n in (root, *holders) if n)))

    # -- bounds -------------------------------------------------------------------------
    def count_key(self, position, key, js: JitState) -> None:
        keys = self.keys_at.setdefault(position, set())
        keys.add(key)
        if len(keys) == self.max_states * NEAR_BOUND_PERCENT // 100 + 1:
            code, line = js.frame.code, js.frame.code.line_of(js.frame.block)
            self.specializer.host.give_up(
                (code, "near the bound", line),
                f"{code.name}() line {line}: this merge point was reached with "
                f"{len(keys)} different green states, {NEAR_BOUND_PERCENT}% of the bound "
                f"(max_states_per_merge: {self.max_states}): a green value may change "
                f"without bound (a counter); hint(x, variable=True) on a value that should "
                f"stay a run-time value, or raise max_states_per_merge if the program is "
                f"that long")
        if len(keys) > self.max_states:
            code, line = js.frame.code, js.frame.code.line_of(js.frame.block)
            scaled = self._scaled(self.options.max_states_per_merge, self.max_states,
                                  STATES_PER_GREEN_ITEM)
            raise TimeshiftError(
                f"{code.name}: the merge point at {code.filename}:{line} was reached with "
                f"more than {self.max_states} different green states (option "
                f"max_states_per_merge{scaled}): "
                f"a green value changes without bound "
                f"(a loop counter that is green, or unrolling over red data). "
                f"Hint that helps: hint(None, global_merge_point=True) at the loop head "
                f"with only finitely many green values live there, or hint(x, "
                f"variable=True) on the value that should stay a run-time value.")

    def _scaled(self, option: int, bound: int, per_item: int) -> str:
        """How a bound above its option came about, for the error message."""
        if bound == option:
            return ""
        return (f"={option}, raised to {per_item} per item of the green inputs, "
                f"{self.family.green_size} items")

    def fail_budget(self, js: JitState):
        """The residual-size bound is hit at `js.line` (the line whose
        operation crossed it, or the current block's first line).  Straight-
        line code (no loop in any frame) cannot be shortened by a merge
        point: the hint is then a larger bound."""
        code = js.frame.code
        line = js.line or code.line_of(js.frame.block)
        limit = self.max_residual_ops
        if any(f.code.loop_heads for f in js.frame.chain()):
            hint = ("a global merge point at the interpreter loop so that loops close, or "
                    "hint(x, variable=True) to stop unrolling over a value.")
        else:
            hint = (f"the code is straight-line (no loop for a merge point to close), "
                    f"so it needs a larger bound: max_residual_ops={2 * limit} or more.")
        raise TimeshiftError(
            f"{code.name}: the specialisation emitted more than {limit} residual "
            f"operations (option max_residual_ops"
            f"{self._scaled(self.options.max_residual_ops, limit, OPS_PER_GREEN_ITEM)}) "
            f"at {code.filename}:{line}. "
            f"Hint that helps: {hint}")

    def check_depth(self, js: JitState, code) -> None:
        depth = len(js.frame.chain())
        if depth >= self.options.max_inline_depth:
            caller = js.frame.code
            raise TimeshiftError(
                f"{caller.name}: inlining {code.name} at {caller.filename}:"
                f"{caller.line_of(js.frame.block)} exceeds the inlining depth "
                f"{self.options.max_inline_depth} (option max_inline_depth). Hint that "
                f"helps: @dont_look_inside on {code.name}, or make its recursion depend "
                f"on red arguments only.")

    # -- recursion ------------------------------------------------------------------------
    @staticmethod
    def is_recursive(frame: Frame, code, greenargs=_ANY) -> bool:
        """Is `code` running in the chain of `frame` with these green arguments
        (any, by default)?  Such a call with the same ones would inline
        forever: it becomes a residual call."""
        while frame is not None:
            if frame.code is code and (greenargs is _ANY or frame.greenargs == greenargs):
                return True
            frame = frame.back
        return False

    def shared_call(self, js: JitState, code, greenargs, args):
        """A recursive call made by a frame resumed at a promotion site: a
        residual call to the residual function of `code` and `greenargs`
        shared by every case of every site (built on the first such call), so
        that a guest recursion through promoted values (a tree-walking
        interpreter calling a closure's body) compiles each guest function
        body once, however deep it recurses and from however many sites (of
        the family: families share no code, a JIT frees a family's code)."""
        key = (self.family, code, greenargs)
        shared = self.specializer.host.shared_functions
        graph = shared.get(key)
        if graph is None:
            graph = shared[key] = self.specializer.start_specialization(self, code, list(args))
            self.specializer.count("shared functions")
        return self.residual_call(js, graph, args)

    @staticmethod
    def residual_call(js: JitState, graph, args) -> RedBox:
        """A direct call of the residual function `graph` on the red `args`
        (with exception exits where a frame catches: rtimeshift.catches)."""
        report_escapes(js, args, graph.source_name, "a recursive call")
        js.driver.forget_fields(js)
        gvs = [Constant(graph, Void)] + [gv_of(js, a) for a in args
                                        if isinstance(a, (RedBox, PtrBox))]
        found = catches(js)
        if found:
            return RedBox(call_catching(js, gvs, found))
        return RedBox(js.builder.genop("direct_call", gvs))

    def residual_recursive_call(self, js: JitState, code, greenargs, args):
        if code.returns_green:
            raise TimeshiftError(
                f"{code.name}: a recursive call with red arguments at {code.filename}:"
                f"{code.graph.firstlineno} must become a residual call, but its result "
                f"is needed green. Hint that helps: make the recursion depend on green "
                f"arguments, or hint(result, variable=True).")
        return self.residual_call(js, self.residual_graph_for(code, greenargs, args), args)

    def residual_graph_for(self, code, greenargs, args):
        key = (code, greenargs)
        graph = self.residual_graphs.get(key)
        if graph is None:
            graph = self.specializer.start_specialization(self, code, list(args))
            self.residual_graphs[key] = graph
        return graph


def _longer_list(shape: tuple, seen: set) -> bool:
    """Whether `shape` (a container's own shape, `state.virtual_shapes`) is a
    virtual list longer than every earlier shape at its path, all lists of
    its type."""
    if not seen or not shape or not (isinstance(shape[0], tuple) and shape[0][0] == "list"):
        return False
    _, lltype, length = shape[0]
    earlier = [s[0] for s in seen]
    return all(isinstance(e, tuple) and e[0] == "list" and e[1] == lltype and e[2] < length
               for e in earlier)

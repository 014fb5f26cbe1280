"""Statements: one `stmt_<Node>` handler per AST statement kind.

Control flow is built with the Pending/enter protocol of `blockstate.py`:

    if        the test's true exits start the body, the false exits the else
              part; the open ends of both are joined.
    while     a header block (input arguments: every name bound so far plus
              every name the body assigns) evaluates the test; the body jumps
              back to it; `continue` jumps to it too; `break` exits and the
              test's false exits (through the else part) are joined after.
    for i in range(start, stop, step)
              start/stop/step are evaluated once and carried in hidden names;
              the header compares the counter with stop (`int_lt` for a
              positive constant step, `int_gt` for a negative one, both
              behind a sign test for a run-time step, which is first checked
              against 0: ValueError as in CPython); the body starts with
              `i = counter; counter += step`, so `i` keeps its last value.
    for x in xs (a list or str)
              an index counter compared with the current length each time,
              as CPython's list iterator does.
    return    a link to the return block (the value must have the function's
              result type); falling off the end returns None.
    raise E("msg")
              a link to the except block carrying (Constant(E, Class), msg), or
              a jump to the except clause of an enclosing try catching E.
    try       see tryexcept.py.

In a typing round (see build.py) a statement that meets a type not known
yet, or an error that may come from a provisional type, is abandoned and the
round marked dirty; the strict round reports real errors.

Statements after a `return`, `break`, `continue` or `raise` are unreachable
and are not built.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

from flowgraph.errors import FlowError
from flowgraph.lltypes import Bool, Class, DictType, ListType, Signed, Str, TupleType, Void
from flowgraph.model import Block, Constant, Variable
from flowgraph.operations import MAXINT
from flowgraph.builder.typeinfer import is_pending, type_name
from flowgraph.builder.unsupported import describe

# the views of a dict a for loop may go over, `d.keys()` also written `d`
DICT_VIEWS = ("keys", "values", "items")


class Unknown(Exception):
    """A type the current typing round does not know yet (see build.py)."""


@dataclass
class Loop:
    header: Block
    names: list
    breaks: list = field(default_factory=list)
    hidden: tuple = ()


def walkable(t) -> bool:
    """Can a for loop walk a sequence of type `t` by index: a str, a list, a
    tuple of one item type?"""
    return t is Str or isinstance(t, ListType) or isinstance(t, TupleType) \
        and len(set(t.items)) == 1


class StmtBuilder:
    """Statement handlers (a mixin of the function builder)."""

    def stmts(self, body: list) -> None:
        for node in body:
            if self.block is None:
                return                      # unreachable code
            self.stmt(node)

    def stmt(self, node: ast.stmt) -> None:
        handler = getattr(self, "stmt_" + type(node).__name__, None)
        if handler is None:
            raise self.error(describe(node), node)
        self.lineno = self.absline(node)
        self.nesting += 1
        try:
            handler(node)
        except (Unknown, FlowError):
            if self.strict:
                raise
            self.table.dirty = True         # this round is only for typing; an
            #                                 error may come from a provisional type
        finally:
            self.nesting -= 1
        if self.raising and not self.nesting:
            self.split_raising()            # (tryexcept.py)

    def test(self, node: ast.expr) -> tuple[list, list]:
        """`cond(node)`, or in a typing round an arbitrary branch when the
        test's type is not known yet (the bodies still get typed)."""
        try:
            return self.cond(node)
        except (Unknown, FlowError):
            if self.strict:
                raise
            self.table.dirty = True
            if self.block is None:
                return [], []
            return self.exit_switch(Variable("", Bool))

    # -- simple statements ------------------------------------------------------------

    def stmt_Pass(self, node: ast.Pass) -> None:
        pass

    def stmt_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):
            return                          # a docstring or a bare constant
        self.expr(node.value)

    def stmt_Delete(self, node: ast.Delete) -> None:
        """`del lst[i]`, `del d[k]` (several targets: one after another, as CPython)."""
        for target in node.targets:
            if not (isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice)):
                raise self.error(f"del of '{ast.unparse(target)}' is not supported; only list "
                                 "and dict items can be deleted (del lst[i], del d[k]); assign "
                                 "a new value instead", target)
            v_list, index = self.exprs([target.value, target.slice])
            if isinstance(v_list.concretetype, DictType):
                self.emit("dict_delitem", [v_list, self.dict_key(v_list, index, target)])
                continue
            if not isinstance(v_list.concretetype, ListType):
                raise self.error(f"del of an item of a {type_name(v_list.concretetype)} is not "
                                 "supported; only list and dict items can be deleted", target)
            self.emit("list_delitem", [v_list, self.index_value(index, target)])

    def stmt_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple):
            return self.assign_tuple(node.targets[0], node.value, node)
        expected = self.static_type(node.targets[0]) if len(node.targets) == 1 else None
        value = self.expr(node.value, expected)
        for target in node.targets:
            self.assign(target, value, node)

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            value = self.expr(node.value, self.static_type(node.target))
            self.assign(node.target, value, node)

    def assign_tuple(self, target: ast.Tuple, value_node: ast.expr, node: ast.AST) -> None:
        """`a, b = b, a`: all right-hand values first, then the targets; or
        `a, b = t` of a tuple value of the same length."""
        n = len(target.elts)
        if isinstance(value_node, ast.Tuple) and len(value_node.elts) == n:
            values = self.exprs(value_node.elts, [self.static_type(t) for t in target.elts])
        else:
            values = self.unpack(target, self.expr(value_node), node)
        keys = [self.hold(value) for value in values]
        for element, key in zip(target.elts, keys):
            self.assign(element, self.release(key), node)

    def unpack(self, target: ast.Tuple, value, node: ast.AST) -> list:
        """The items of the tuple `value` for the names of `target`."""
        t, n = value.concretetype, len(target.elts)
        if not (isinstance(t, TupleType) and len(t.items) == n):
            raise self.error(f"cannot unpack {type_name(t)} into {n} names: tuple "
                             f"assignment needs a tuple of {n} items on the right", node)
        return [self.emit("tuple_getitem", [value, Constant(i, Signed)]) for i in range(n)]

    def assign(self, target: ast.expr, value, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            return self.assign_local(target.id, value, target)
        if isinstance(target, ast.Tuple):          # nested: (a, b), c = t
            for element, item in zip(target.elts, self.unpack(target, value, node)):
                self.assign(element, item, node)
            return
        key = self.hold(value)
        if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice):
            container, index = self.exprs([target.value, target.slice])
            return self.setitem(container, target.value, index, self.release(key), target)
        if isinstance(target, ast.Subscript):
            return self.setslice(target, key)
        if isinstance(target, ast.Attribute):
            obj = self.expr(target.value)
            return self.setattr_value(obj, target, self.release(key))
        raise self.error(f"assignment to {describe(target).split(' is not')[0]} is not "
                         "supported", node)

    def setslice(self, target: ast.Subscript, value_key) -> None:
        """`xs[a:b] = ys` of a list and a list of its type (either bound may
        be left out; no step): the prelude's list_setslice for its item type,
        which copies ys first (xs[a:b] = xs works as in CPython)."""
        piece = target.slice
        if piece.step is not None:
            raise self.error("slice assignment with a step is not supported; assign the "
                             "items with a loop", target)
        container = self.expr(target.value)
        t = container.concretetype
        if t is Str:
            raise self.error("slice assignment to a str is not supported: strings are "
                             "immutable", target)
        if not isinstance(t, ListType):
            raise self.error(f"slice assignment to {self.describe_type(t)} is not supported",
                             target)
        func = self.list_prelude_function("setslice", t, target.value, target,
                                          "slice assignment")
        list_key = self.hold(container)
        bounds = [self.hold(self.slice_bound(piece.lower, 0)),
                  self.hold(self.slice_bound(piece.upper, MAXINT))]
        value = self.release(value_key)
        if value.concretetype != t:
            raise self.error(f"slice assignment to a {type_name(t)} takes a {type_name(t)}, "
                             f"not {type_name(value.concretetype)}", target)
        args = [self.release(list_key)] + [self.release(k) for k in bounds] + [value]
        sig = self.ctx.signature(func, None, self.place(target))
        self.direct_call(func, sig, args, target, None)

    def setitem(self, container, base: ast.expr, index, value, node: ast.AST) -> None:
        t = container.concretetype
        if isinstance(t, DictType):
            key = self.dict_key(container, index, node)
            value = self.sink(value, t.value, node, f"a value of a {type_name(t)}", None)
            self.emit("dict_setitem", [container, key, value])
            return
        if t is Str:
            raise self.error("item assignment to a str is not supported: strings are "
                             "immutable", node)
        if not isinstance(t, ListType):
            raise self.error(f"item assignment to {self.describe_type(t)} is not supported",
                             node)
        index = self.index_value(index, node)
        value = self.list_item(container, base, value, node)
        self.emit("list_setitem", [container, index, value])

    def setattr_value(self, obj, target: ast.Attribute, value) -> None:
        t = obj.concretetype
        fields = getattr(t, "fields", None)
        if fields is None or target.attr not in fields:
            self.getattr_value(obj, target)          # raises the right error
            raise self.error(f"cannot assign the attribute '{target.attr}'", target)
        value = self.sink(value, fields[target.attr], target,
                          f"field '{t.name}.{target.attr}'", None)
        self.emit("setfield", [obj, Constant(target.attr, Void), value])

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if isinstance(target, ast.Name):
            key = self.hold(self.read_local(target.id, target))
            rhs = self.expr(node.value)
            result = self.augmented(node.op, self.release(key), rhs, node)
            return self.assign_local(target.id, result, target)
        if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice):
            container, index = self.exprs([target.value, target.slice])
            old = self.getitem(container, index, target)
            keys = [self.hold(v) for v in (container, index, old)]
            rhs = self.expr(node.value)
            container, index, old = [self.release(k) for k in keys]
            result = self.augmented(node.op, old, rhs, node)
            return self.setitem(container, target.value, index, result, target)
        if isinstance(target, ast.Attribute):
            obj = self.expr(target.value)
            keys = [self.hold(v) for v in (obj, self.getattr_value(obj, target))]
            rhs = self.expr(node.value)
            obj, old = [self.release(k) for k in keys]
            return self.setattr_value(obj, target, self.augmented(node.op, old, rhs, node))
        raise self.error(describe(target), node)

    # -- control flow -----------------------------------------------------------------

    def stmt_If(self, node: ast.If) -> None:
        falses, trues = self.test(node.test)
        self.enter(trues)
        self.stmts(node.body)
        exits = self.exit_open()
        self.enter(falses)
        self.stmts(node.orelse)
        self.enter(exits + self.exit_open())

    def stmt_While(self, node: ast.While) -> None:
        header, names = self.enter_loop(self.source.assigned_in(node))
        falses, trues = self.test(node.test)
        loop = Loop(header, names)
        self.enter(trues)
        self.loop_body(loop, node.body)
        self.loop_exit(loop, falses, node.orelse)

    def loop_body(self, loop: Loop, body: list) -> None:
        self.loops.append(loop)
        try:
            self.stmts(body)
        finally:
            self.loops.pop()
        if self.block is not None:
            self.jump(loop.header, loop.names)

    def loop_exit(self, loop: Loop, falses: list, orelse: list) -> None:
        """After the loop: the else part on normal exit, joined with breaks."""
        self.enter(falses)
        self.stmts(orelse)
        exits = self.exit_open() + loop.breaks
        self.forget(exits, *loop.hidden)
        self.enter(exits)

    def stmt_Break(self, node: ast.Break) -> None:
        self.leave_finallies(loop_only=True)            # (tryexcept.py)
        if self.block is not None:
            self.loops[-1].breaks.extend(self.exit_goto())

    def stmt_Continue(self, node: ast.Continue) -> None:
        self.leave_finallies(loop_only=True)
        if self.block is not None:
            loop = self.loops[-1]
            self.jump(loop.header, loop.names)

    def stmt_For(self, node: ast.For) -> None:
        if not isinstance(node.target, (ast.Name, ast.Tuple)):
            raise self.error("the target of a for loop must be a name, or names unpacking "
                             "a tuple ('for name, n in rows:')", node)
        it = node.iter
        if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                and it.func.id not in self.local_names):
            called = self.lookup(it.func.id, it.func)
            for builtin, loop in ((builtins.range, self.for_range),
                                  (builtins.enumerate, self.for_enumerate),
                                  (builtins.zip, self.for_zip),
                                  (builtins.reversed, self.for_reversed)):
                if called is builtin:
                    return loop(node, it)
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) \
                and it.func.attr in DICT_VIEWS and not it.args and not it.keywords:
            d = self.expr(it.func.value)
            if isinstance(d.concretetype, DictType):
                return self.for_dict(node, d, it.func.attr)
            raise self.error(f"'.{it.func.attr}()' of {self.describe_type(d.concretetype)} "
                             "is not supported", node)
        seq = self.expr(it)
        t = seq.concretetype
        if isinstance(t, DictType):
            return self.for_dict(node, seq, "keys")
        if walkable(t):
            return self.for_sequence(node, seq)
        raise self.error("for loops iterate over range(...), a list, a str or a tuple of one "
                         "item type, not "
                         f"{self.describe_type(seq.concretetype)}", node)

    def for_range(self, node: ast.For, call: ast.Call) -> None:
        if call.keywords or not 1 <= len(call.args) <= 3:
            raise self.error("range() takes 1 to 3 positional arguments", call)
        values = [self.index_value(v, call, "a range() argument")
                  for v in self.exprs(call.args)]
        if len(values) == 1:
            values = [Constant(0, Signed)] + values
        start, stop, step = values + [Constant(1, Signed)] * (3 - len(values))
        slots = (self.hold(start), self.slot(stop), self.slot(step))
        if not self.check_step(slots[2]):
            return
        header, names = self.enter_loop(self.source.assigned_in(node))
        falses, trues = self.range_test(slots)
        loop = Loop(header, names, hidden=tuple(s for s in slots if isinstance(s, str)))
        self.enter(trues)
        counter = self.env[slots[0]]
        self.env[slots[0]] = self.emit("int_add", [counter, self.slot_value(slots[2])])
        self.assign(node.target, counter, node.target)
        self.loop_body(loop, node.body)
        self.loop_exit(loop, falses, node.orelse)

    def slot(self, value):
        """A Constant stays itself; a Variable is held under a hidden name."""
        return value if isinstance(value, Constant) else self.hold(value)

    def slot_value(self, slot):
        return self.env[slot] if isinstance(slot, str) else slot

    def check_step(self, slot) -> bool:
        """range() with step 0 raises ValueError; False if it always does."""
        error = [Constant(ValueError, Class), Constant("range() arg 3 must not be zero", Str)]
        if isinstance(slot, Constant):
            if slot.value == 0:
                self.exit_to(self.graph.exceptblock, error)
            return slot.value != 0
        v_zero = self.emit("int_eq", [self.env[slot], Constant(0, Signed)])
        falses, trues = self.exit_switch(v_zero)
        self.enter(trues)
        self.exit_to(self.graph.exceptblock, error)
        self.enter(falses)
        return True

    def range_test(self, slots: tuple) -> tuple[list, list]:
        """counter < stop for a positive step, counter > stop for a negative one."""
        counter, stop, step = slots
        if isinstance(step, Constant):
            opname = "int_lt" if step.value > 0 else "int_gt"
            v_cmp = self.emit(opname, [self.env[counter], self.slot_value(stop)])
            return self.exit_switch(v_cmp)
        v_positive = self.emit("int_gt", [self.env[step], Constant(0, Signed)])
        negative, positive = self.exit_switch(v_positive)
        all_falses, all_trues = [], []
        for pendings, opname in ((positive, "int_lt"), (negative, "int_gt")):
            self.enter(pendings)
            v_cmp = self.emit(opname, [self.env[counter], self.slot_value(stop)])
            falses, trues = self.exit_switch(v_cmp)
            all_falses += falses
            all_trues += trues
        return all_falses, all_trues

    def for_enumerate(self, node: ast.For, call: ast.Call) -> None:
        """`for i, x in enumerate(xs[, start])`: the index loop of a sequence,
        `i` its index plus `start`."""
        if call.keywords or not 1 <= len(call.args) <= 2:
            raise self.error("enumerate() takes a sequence and an optional start", call)
        if not (isinstance(node.target, ast.Tuple) and len(node.target.elts) == 2):
            raise self.error("a loop over enumerate() unpacks its pairs: 'for i, x in "
                             "enumerate(xs):'", node)
        seq = self.expr(call.args[0])
        t = seq.concretetype
        if not walkable(t):
            raise self.error("enumerate() takes a list, a str or a tuple of one item type, "
                             f"not {self.describe_type(t)}", call)
        key = self.hold(seq)
        start = (self.index_value(self.expr(call.args[1]), call, "the start of enumerate()")
                 if len(call.args) == 2 else Constant(0, Signed))
        self.for_sequence(node, self.release(key), start)

    def for_sequence(self, node: ast.For, seq, enumerated=None) -> None:
        """`for x in xs`: an index loop re-reading len(xs) at every step
        (`enumerated`: the start of enumerate(), whose count goes to the
        target's first name and the item to its second)."""
        start_slot = self.slot(enumerated) if enumerated is not None else None
        slots = (self.slot(seq), self.hold(Constant(0, Signed)))
        header, names = self.enter_loop(self.source.assigned_in(node))
        seq, index = self.slot_value(slots[0]), self.env[slots[1]]
        falses, trues = self.exit_switch(self.emit("int_lt", [index, self.length_of(seq)]))
        loop = Loop(header, names, hidden=tuple(s for s in (*slots, start_slot)
                                                 if isinstance(s, str)))
        self.enter(trues)
        seq, index = self.slot_value(slots[0]), self.env[slots[1]]
        item = self.getitem(seq, index, node.iter)
        self.env[slots[1]] = self.emit("int_add", [index, Constant(1, Signed)])
        if enumerated is None:
            self.assign(node.target, item, node.target)
        else:
            count_target, item_target = node.target.elts
            start = self.slot_value(start_slot)
            key = self.hold(item)
            self.assign(count_target, index if start == Constant(0, Signed)
                        else self.emit("int_add", [index, start]), count_target)
            self.assign(item_target, self.release(key), item_target)
        self.loop_body(loop, node.body)
        self.loop_exit(loop, falses, node.orelse)

    def for_zip(self, node: ast.For, call: ast.Call) -> None:
        """`for a, b in zip(xs, ys, ...)`: one index into every sequence (lists,
        strings, tuples of one item type), each length read again at every
        step as CPython's iterators do; the loop ends at the shortest, each
        tested in order."""
        if call.keywords or not call.args:
            raise self.error("zip() takes the sequences to walk together (no strict=)", call)
        if not (isinstance(node.target, ast.Tuple) and len(node.target.elts) == len(call.args)):
            raise self.error(f"a loop over zip() of {len(call.args)} sequences unpacks its "
                             f"tuples into {len(call.args)} names: 'for a, b in zip(xs, ys):'",
                             node)
        seqs = self.exprs(call.args)
        for seq, arg in zip(seqs, call.args):
            t = seq.concretetype
            if not walkable(t):
                raise self.error("zip() takes lists, strings or tuples of one item type, "
                                 f"not {self.describe_type(t)}", arg)
        slots = tuple(self.slot(seq) for seq in seqs) + (self.hold(Constant(0, Signed)),)
        header, names = self.enter_loop(self.source.assigned_in(node))
        loop = Loop(header, names, hidden=tuple(s for s in slots if isinstance(s, str)))
        ends = []
        for slot in slots[:-1]:
            seq, index = self.slot_value(slot), self.env[slots[-1]]
            falses, trues = self.exit_switch(self.emit("int_lt", [index, self.length_of(seq)]))
            ends += falses
            self.enter(trues)
        index = self.env[slots[-1]]
        keys = [self.hold(self.getitem(self.slot_value(slot), index, arg))
                for slot, arg in zip(slots[:-1], call.args)]
        self.env[slots[-1]] = self.emit("int_add", [index, Constant(1, Signed)])
        for target, key in zip(node.target.elts, keys):
            self.assign(target, self.release(key), target)
        self.loop_body(loop, node.body)
        self.loop_exit(loop, ends, node.orelse)

    def for_reversed(self, node: ast.For, call: ast.Call) -> None:
        """`for x in reversed(xs)`: an index from the end down; as CPython's
        list_reverseiterator, each step tests the index against the list's
        length again (a body that shortens the list ends the loop early)."""
        if call.keywords or len(call.args) != 1:
            raise self.error("reversed() takes one sequence", call)
        seq = self.expr(call.args[0])
        t = seq.concretetype
        if not walkable(t):
            raise self.error("reversed() takes a list, a str or a tuple of one item type, "
                             f"not {self.describe_type(t)}", call)
        slots = (self.slot(seq), self.hold(self.emit("int_sub", [self.length_of(seq),
                                                                 Constant(1, Signed)])))
        header, names = self.enter_loop(self.source.assigned_in(node))
        loop = Loop(header, names, hidden=tuple(s for s in slots if isinstance(s, str)))
        seq, index = self.slot_value(slots[0]), self.env[slots[1]]
        done, going = self.exit_switch(self.emit("int_ge", [index, Constant(0, Signed)]))
        if isinstance(t, ListType):
            self.enter(going)
            seq, index = self.slot_value(slots[0]), self.env[slots[1]]
            shortened, going = self.exit_switch(
                self.emit("int_lt", [index, self.emit("list_len", [seq])]))
            done += shortened
        self.enter(going)
        seq, index = self.slot_value(slots[0]), self.env[slots[1]]
        item = self.getitem(seq, index, call.args[0])
        self.env[slots[1]] = self.emit("int_sub", [index, Constant(1, Signed)])
        self.assign(node.target, item, node.target)
        self.loop_body(loop, node.body)
        self.loop_exit(loop, done, node.orelse)

    def length_of(self, seq):
        """len() of a walkable sequence (a tuple's is a constant)."""
        t = seq.concretetype
        if isinstance(t, TupleType):
            return Constant(len(t.items), Signed)
        return self.emit("str_len" if t is Str else "list_len", [seq])

    def for_dict(self, node: ast.For, d, view: str) -> None:
        """`for k in d` (or `d.keys()`), `for v in d.values()`, `for k, v in
        d.items()`: over a list of the keys made first; before each step the
        dict's size is compared with the one it had (CPython's RuntimeError
        when it changed); a value is read when its key comes (`d.values()`
        and `d.items()` see the values the body stores, as CPython's views)."""
        keys = self.emit("dict_keys", [d])
        slots = (self.hold(keys), self.hold(Constant(0, Signed)), self.hold(d),
                 self.hold(self.emit("dict_len", [d])))
        header, names = self.enter_loop(self.source.assigned_in(node))
        changed = self.emit("int_ne", [self.emit("dict_len", [self.env[slots[2]]]),
                                       self.env[slots[3]]])
        same, other = self.exit_switch(changed)
        self.enter(other)
        self.exit_to(self.graph.exceptblock, [
            Constant(RuntimeError, Class),
            Constant("dictionary changed size during iteration", Str)])
        self.enter(same)
        keys, index = self.env[slots[0]], self.env[slots[1]]
        falses, trues = self.exit_switch(
            self.emit("int_lt", [index, self.emit("list_len", [keys])]))
        loop = Loop(header, names, hidden=slots)
        self.enter(trues)
        keys, index = self.env[slots[0]], self.env[slots[1]]
        key = self.emit("list_getitem", [keys, index])
        self.env[slots[1]] = self.emit("int_add", [index, Constant(1, Signed)])
        item = key
        if view != "keys":
            t = d.concretetype
            item = value = self.emit("dict_getitem", [self.env[slots[2]], key])
            if view == "items":
                item = self.emit("newtuple", [Constant(TupleType((t.key, t.value)), Void),
                                              key, value])
        self.assign(node.target, item, node.target)
        self.loop_body(loop, node.body)
        self.loop_exit(loop, falses, node.orelse)

    # -- leaving the function ---------------------------------------------------------

    def stmt_Return(self, node: ast.Return) -> None:
        if node.value is None:
            value = Constant(None, Void)
        else:
            value = self.expr(node.value, self.result_sink_type())
        value = self.result_value(value, node.value or node)
        if self.finallies:                      # the finally parts run after the value
            key = self.hold(value)
            self.leave_finallies(loop_only=False)
            if self.block is None:
                return
            value = self.release(key)
        self.exit_to(self.graph.returnblock, [value])

    def stmt_Raise(self, node: ast.Raise) -> None:
        if node.exc is None:
            return self.raise_again(node)
        if isinstance(node.exc, ast.Name) and node.exc.id in self.exception_names:
            return self.raise_caught(self.handler_of(node.exc.id, node))   # `raise e`
        if node.cause is not None:
            self.check_cause(node.cause, node)
        exc = node.exc
        call_args = []
        if isinstance(exc, ast.Call):
            if exc.keywords or len(exc.args) > 1:
                raise self.error("an exception takes at most one argument, its message",
                                 node)
            exc, call_args = exc.func, exc.args
        cls = self.exception_class(exc, node)
        message = self.expr(call_args[0]) if call_args else Constant("", Str)
        if message.concretetype is not Str:
            raise self.error("the message of an exception must be a str", node)
        if issubclass(cls, KeyError) and call_args:     # (class, message) pairs hold str(e),
            if not isinstance(message, Constant):       # a KeyError's the repr of its argument
                raise self.error(f"the message of a {cls.__name__} must be a constant string "
                                 f"(str() of it is the repr of its argument)", node)
            message = Constant(str(cls(message.value)), Str)
        self.exit_to(self.graph.exceptblock, [Constant(cls, Class), message])  # (or a
        #                                   jump to the clause catching it: tryexcept.py)

    def check_cause(self, cause: ast.expr, node: ast.Raise) -> None:
        """`raise E("m") from e` / `from None`: the exception raised is E("m")
        as without `from` (its cause only shows in a traceback, which no
        mode but CPython's has)."""
        if isinstance(cause, ast.Constant) and cause.value is None:
            return
        if isinstance(cause, ast.Name) and cause.id in self.exception_names:
            if cause.id not in self.env:
                raise self.unknown(f"'{cause.id}' is read outside its handler", cause)
            return
        raise self.error(f"'raise ... from {ast.unparse(cause)}': the cause must be the "
                         f"name of an exception caught with 'except ... as e', or None",
                         node)

    def exception_class(self, exc: ast.expr, node: ast.AST) -> type:
        obj = None
        if isinstance(exc, ast.Name) and exc.id not in self.local_names:
            obj = self.lookup(exc.id, exc)
        if not (isinstance(obj, type) and issubclass(obj, BaseException)):
            raise self.error(f"raise needs an exception class, not '{ast.unparse(exc)}'",
                             node)
        return obj

    def stmt_Assert(self, node: ast.Assert) -> None:
        """`assert c, "msg"`: if not c: raise AssertionError("msg")."""
        falses, trues = self.test(node.test)
        self.enter(falses)
        if self.block is not None:
            message = self.expr(node.msg) if node.msg is not None else Constant("", Str)
            if message.concretetype is not Str:
                raise self.error("the message of an assert must be a str", node)
            self.exit_to(self.graph.exceptblock, [Constant(AssertionError, Class), message])
        self.enter(trues)

    def describe_type(self, t) -> str:
        return "a pending list" if is_pending(t) else type_name(t)

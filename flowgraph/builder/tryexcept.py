"""`try/except/else/finally`: exceptions the program raises, caught by the program.

    try:                    the body; a call (or an operation that may raise)
        BODY                in it ends its block with `LAST_EXCEPTION`
    except (A, B) as e:     (model.py): its normal exit goes on with the body,
        HANDLER             one exception link per class the enclosing `try`s
    except C:               catch (innermost first, clauses in order) enters
        HANDLER             that clause; `raise A("msg")` in the body is a plain
    else:                   jump to the clause catching A (none: the except
        ORELSE              block, as before); after the body, when it raised
                            nothing

Where an exception can come from: a `raise` (the builder's own too: an
unbound local, an index out of a function table), a call, and an operation
whose row of the table may raise (`canraise`: ZeroDivisionError of `//`,
IndexError of a list read, ...).  Inside a try body each of these that may
raise what a clause catches ends its block with exception exits, for the
clauses that may match.  A bare `except:` is a FlowError naming the line
and what to do instead; `raise E("m") from e` (an `as` name) or `from None`
raises E("m") (stmt.py).

`finally` (`try_finally`): the rest of the statement is the body of a
clause catching BaseException whose handler is the finally part, then a
raise again; the finally part is built again on the normal way out and
before every return, break and continue that leaves it (as CPython's
compiler does).  An exception only native code sees, a Ctrl-C polled in a
loop, leaves the function without running it.

A bare `raise` in a handler raises what it caught again: the handler's
landing blocks read the class too (`exc_class()`), kept with the message
under hidden names; a clause that every class the handler catches falls
into is a jump, one that only some may fall into is entered by a test of
the class (`class_issubclass`), else the exceptblock takes (class, message).

`except ... as e`: `e` holds the message; `str(e)` is the only use of it
(its Str value), and it is unbound after the handler, as in CPython.  On an
exception link the message is read by `exc_message()`, the first operation
of a landing block of its own; a `raise` jumping to the clause passes it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from flowgraph.lltypes import Bool, Class, Str, Void
from flowgraph.model import LAST_EXCEPTION, Block, Constant, Link, Variable
from flowgraph.builder.blockstate import Pending


@dataclass
class Finally:
    """A `finally` part being built around: its statements, how many tries
    and loops enclose its try statement."""
    body: list
    tries: int
    loops: int


@dataclass
class Clause:
    """One `except` clause: the classes it catches, its `as` name, the
    exits that enter it (found while the body is built), and, where its
    handler raises the exception again (a bare `raise`), the hidden names
    holding the message and the class caught."""
    classes: tuple
    name: str | None
    pendings: list = field(default_factory=list)
    keys: tuple | None = None           # (message's name, class's name)
    known_class: Constant | None = None  # the class, when every way in gives the same


class TryBuilder:
    """`try` statements and the exception exits of calls (a mixin of the
    function builder; `BlockState.emit` tells `note_raising` of each
    operation that may raise inside a try)."""

    def init_tries(self) -> None:
        self.tries: list = []            # the enclosing try bodies' clause lists
        self.exception_names: set = set()  # `as` names: only str(e) reads them
        self.raising: list = []          # (block, operation, exception links) to split
        self.nesting = 0                 # statements being built, nested
        self.handling: list = []         # the clauses whose handlers are being built
        self.finallies: list = []        # the enclosing `finally` parts (Finally)

    def stmt_Try(self, node: ast.Try) -> None:
        if node.finalbody:
            return self.try_finally(node)
        self.try_except(node)

    def try_finally(self, node: ast.Try) -> None:
        """`finally`: the rest of the statement runs inside a clause catching
        every exception (BaseException), whose handler is the finally part
        followed by raising the exception again; the finally part is built
        again on the normal way out, and before each return, and each break
        and continue leaving it (`leave_finallies`)."""
        every = Clause((BaseException,), None, keys=(self.new_key(), self.new_key()))
        self.tries.append([every])
        self.finallies.append(Finally(node.finalbody, len(self.tries) - 1, len(self.loops)))
        try:
            if node.handlers:
                self.try_except(node)
            else:
                self.stmts(node.body)
        finally:
            self.finallies.pop()
            self.tries.pop()
        self.stmts(node.finalbody)
        ends = self.exit_open()
        self.enter_clause(every)
        if self.block is not None:
            self.stmts(node.finalbody)
            if self.block is not None:
                self.raise_caught(every)
        self.enter(ends)

    def leave_finallies(self, loop_only: bool) -> None:
        """Build the finally parts a return (`loop_only` False) or a break
        or continue (True: those inside the innermost loop) leaves, innermost
        first, each as it is outside itself (a raise in it is not caught by
        its own try, a return in it runs only the outer finally parts)."""
        k = len(self.finallies)
        while k and self.block is not None:
            k -= 1
            part = self.finallies[k]
            if loop_only and part.loops < len(self.loops):
                return
            saved = self.tries, self.finallies
            self.tries, self.finallies = self.tries[:part.tries], self.finallies[:k]
            try:
                self.stmts(part.body)
            finally:
                self.tries, self.finallies = saved

    def try_except(self, node: ast.Try) -> None:
        clauses = [self.clause(h) for h in node.handlers]
        self.tries.append(clauses)
        try:
            self.stmts(node.body)
        finally:
            self.tries.pop()
        ends = self.exit_open()
        if node.orelse:
            self.enter(ends)
            self.stmts(node.orelse)
            ends = self.exit_open()
        for clause, handler in zip(clauses, node.handlers):
            self.enter_clause(clause)
            if self.block is None:
                continue                # nothing in the body raises what it catches
            self.handling.append(clause)
            try:
                self.stmts(handler.body)
            finally:
                self.handling.pop()
            if self.block is not None:
                for name in (clause.name, *(clause.keys or ())):
                    self.env.pop(name, None)         # deleted after the handler
            ends += self.exit_open()
        self.enter(ends)

    def enter_clause(self, clause: Clause) -> None:
        """Start the handler of `clause`, joining the exits entering it."""
        if clause.keys is not None:
            given = {p.env.get(clause.keys[1]) for p in clause.pendings}
            if len(given) == 1 and isinstance(next(iter(given)), Constant):
                clause.known_class = given.pop()
        self.enter(clause.pendings)

    def clause(self, handler: ast.ExceptHandler) -> Clause:
        if handler.type is None:
            raise self.error("a bare 'except:' is not supported; name the exception "
                             "classes it catches ('except Exception:' for any)", handler)
        nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        classes = tuple(self.caught_class(n, handler) for n in nodes)
        if handler.name is not None:
            self.exception_names.add(handler.name)
        keys = ((self.new_key(), self.new_key()) if _needs_class(handler.body, handler.name)
                else None)
        return Clause(classes, handler.name, keys=keys)

    def caught_class(self, node: ast.expr, handler: ast.ExceptHandler) -> type:
        cls = self.lookup(node.id, node) if isinstance(node, ast.Name) \
            and node.id not in self.local_names else None
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise self.error(f"except needs an exception class, not "
                             f"'{ast.unparse(node)}'", handler)
        return cls

    # -- where exceptions come from --------------------------------------------------

    def catching(self, cls: type) -> Clause | None:
        """The clause an exception of class `cls` raised here enters."""
        for clauses in reversed(self.tries):
            for clause in clauses:
                if issubclass(cls, clause.classes):
                    return clause
        return None

    def raise_to_clause(self, clause: Clause, cls, message) -> None:
        """`raise` caught in this function: a jump to its clause."""
        pendings = self.exit_goto()
        for pending in pendings:
            if clause.name is not None:
                pending.env[clause.name] = message
            if clause.keys is not None:
                pending.env[clause.keys[0]], pending.env[clause.keys[1]] = message, cls
        clause.pendings += pendings

    def raise_again(self, node) -> None:
        """A bare `raise`: the exception the innermost handler being built
        caught, raised again, its class a value (`exc_class`, or the class
        of the `raise` that jumped to the clause).  An enclosing clause that
        may catch it tests the class (`class_issubclass`), in order; one
        that catches every class the handler's clause does takes it."""
        if not self.handling:
            raise self.error("a bare 'raise' is only supported in an except clause, where "
                             "it raises the exception caught again", node)
        self.raise_caught(self.handling[-1])

    def handler_of(self, name: str, node: ast.AST) -> Clause:
        """The clause whose handler being built binds the `as` name `name`."""
        for clause in reversed(self.handling):
            if clause.name == name:
                return clause
        raise self.unknown(f"'{name}' is read outside its handler", node)

    def caught_class_of(self, clause: Clause):
        """The class the handler of `clause` caught: a constant, or a value."""
        if clause.known_class is not None:
            return clause.known_class
        return self.env[clause.keys[1]]

    def isinstance_caught(self, node: ast.Call):
        """`isinstance(e, C)` of an exception caught `as e`: a test of its
        class (`class_issubclass`), decided here when the class is known;
        a tuple of classes is `isinstance(e, A) or isinstance(e, B) ...`."""
        target = node.args[1]
        if isinstance(target, ast.Tuple):
            tests = [ast.copy_location(ast.Call(node.func, [node.args[0], item], []), node)
                     for item in target.elts]
            return self.expr(ast.copy_location(ast.BoolOp(ast.Or(), tests), node)
                             if len(tests) > 1 else tests[0])
        cls = self.lookup(target.id, target) if isinstance(target, ast.Name) \
            and target.id not in self.local_names else None
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise self.error(f"isinstance() of a caught exception needs an exception class, "
                             f"not '{ast.unparse(target)}'", node)
        caught = self.caught_class_of(self.handler_of(node.args[0].id, node))
        if isinstance(caught, Constant):
            return Constant(issubclass(caught.value, cls), Bool)
        return self.emit("class_issubclass", [caught, Constant(cls, Void)])

    def raise_caught(self, handled: Clause) -> None:
        """Raise again what the clause `handled` caught (see `raise_again`)."""
        message_key, class_key = handled.keys
        if handled.known_class is not None:         # only raises jumped to the handler
            return self.exit_to(self.graph.exceptblock,
                                [handled.known_class, self.env[message_key]])
        for clauses in reversed(self.tries):
            for clause in clauses:
                for cls in clause.classes:
                    if self.block is None:
                        return
                    if all(issubclass(h, cls) for h in handled.classes):
                        return self.raise_to_clause(clause, self.env[class_key],
                                                    self.env[message_key])
                    if not any(issubclass(h, cls) or issubclass(cls, h)
                               for h in handled.classes):
                        continue
                    test = self.emit("class_issubclass", [self.env[class_key],
                                                          Constant(cls, Void)])
                    falses, trues = self.exit_switch(test)
                    self.enter(trues)
                    self.raise_to_clause(clause, self.env[class_key], self.env[message_key])
                    self.enter(falses)
        if self.block is not None:
            self.block.closeblock(Link([self.env[class_key], self.env[message_key]],
                                       self.graph.exceptblock))
            self.block, self.env = None, {}

    def note_raising(self, op, desc) -> None:
        """The operation just emitted (`desc`: its row) may raise what an
        enclosing clause catches: its exception exits are made now, for the
        names bound here (an `as` name's landing block reads the message),
        and entered in the clauses; its block is split after it when the
        function's statement ends (`split_raising`): by then no value of the
        statement is held outside the environment, and every exit made while
        building it has its arguments (which the split renames)."""
        catches = []
        for clauses in reversed(self.tries):
            for clause in clauses:
                for cls in clause.classes:
                    if not any(issubclass(cls, c) for c, _ in catches) and any(
                            issubclass(raised, cls) or issubclass(cls, raised)
                            for raised in desc.canraise):
                        catches.append((cls, clause))
        if not catches:
            return
        saved, links = (self.block, self.env), []
        for cls, clause in catches:
            link = Link([], None, cls)
            links.append(link)
            # a landing block, so that the link has its arguments now (a split
            # of the block renames them): it reads the message for an `as`
            # name, else it is empty and the simplifier skips it
            self.enter([Pending(link, dict(saved[1]))])
            if clause.name is not None or clause.keys is not None:
                message = self.emit("exc_message", [], Str)
                if clause.name is not None:
                    self.env[clause.name] = message
                if clause.keys is not None:
                    self.env[clause.keys[0]] = message
                    self.env[clause.keys[1]] = self.emit("exc_class", [], Class)
            clause.pendings += self.exit_goto()
        self.block, self.env = saved
        self.raising.append((self.block, op, links))

    def split_raising(self) -> None:
        """Split each block after the operations `note_raising` saw: the
        block ends with it and its exception exits (`LAST_EXCEPTION`), the
        rest goes on in a new block taking the values it uses (the current
        block's environment too, when it is that block)."""
        while self.raising:
            block, op, links = self.raising.pop()
            k = next(i for i, o in enumerate(block.operations) if o is op)
            rest = block.operations[k + 1:]
            defined = set(block.inputargs) | {o.result for o in block.operations[:k + 1]}
            current = block is self.block
            used = _used_in(rest, block, self.env.values() if current else (), defined)
            cont = Block([v.copy() for v in used])
            rename = dict(zip(used, cont.inputargs))
            for o in rest:
                o.args = [rename.get(a, a) for a in o.args]
            cont.operations = rest
            if isinstance(block.exitswitch, Variable) or block.exitswitch is LAST_EXCEPTION:
                cont.exitswitch = rename.get(block.exitswitch, block.exitswitch)
            exits = block.exits
            for link in exits:
                link.args = [rename.get(a, a) for a in link.args]
            if exits:
                cont.closeblock(*exits)
            block.operations = block.operations[:k + 1]
            block.exitswitch = LAST_EXCEPTION
            block.closeblock(Link(list(used), cont), *links)
            if current:
                self.block = cont
                self.env = {name: rename.get(v, v) for name, v in self.env.items()}
                self.not_none.update(rename[v] for v in used if v in self.not_none)

    # -- `e` of `except ... as e` --------------------------------------------------------

    def call_str(self, node: ast.Call, name: str):
        """str(e) of an exception caught `as e`: its message; str(x) of a
        number, a bool or a character: CPython's text of it."""
        if len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Name) \
                and node.args[0].id in self.exception_names:
            if node.args[0].id not in self.env:
                raise self.unknown(f"'{node.args[0].id}' is read outside its handler", node)
            return self.env[node.args[0].id]
        if len(node.args) != 1 or node.keywords:
            raise self.error("str() takes one value here", node)
        return self.text_of(self.expr(node.args[0]), node, "str()")


def _needs_class(body: list, name: str | None) -> bool:
    """Whether a handler needs the class it caught: a bare `raise`, or its
    `as` name raised again or tested (`raise e`, `isinstance(e, C)`),
    outside nested functions."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Raise) and (node.exc is None or _is_name(node.exc, name)):
            return True
        if isinstance(node, ast.Call) and _is_name(node.func, "isinstance") and node.args \
                and _is_name(node.args[0], name):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _is_name(node: ast.AST, name: str | None) -> bool:
    return name is not None and isinstance(node, ast.Name) and node.id == name


def _used_in(ops: list, block, more, defined: set) -> list:
    """The variables of `defined` that `ops`, the exits of `block` and the
    values `more` use, in order of first use."""
    used: dict = {}
    values = [a for o in ops for a in o.args] + [block.exitswitch] + [
        a for link in block.exits for a in link.args] + list(more)
    for a in values:
        if isinstance(a, Variable) and a in defined:
            used.setdefault(a, None)
    return list(used)

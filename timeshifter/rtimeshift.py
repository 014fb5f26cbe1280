"""Run-time support of the generating extension (imported by it as `rt`).

The generated code runs green operations itself and calls these functions
for everything else: red operations (`op`), red constants (`c`), operations
on virtual containers (which stay at compile time while the container is
virtual and are emitted once it has escaped), control transfers (`goto`,
`split`, `switch`, `call`, `ret`) and residual raises.

Control transfers only update the state's frame: the driver (driver.py)
decides what runs next, parking states at merge points.  A residual raise in
the middle of a segment ends the state by raising `StateFinished`.

Exceptions the program catches are caught at compile time: a raise in an
inlined callee unwinds the frames (`raise_`) to the innermost waiting call
whose exception exits (codegen.py, `GraphCode.exception_exits`) catch its
class, and the path goes on along that exit, with the message for the
handler's `exc_message()`; nothing of it is left in the residual code.  A
raise in the middle of a segment caught so raises `StateUnwound`.  A call
that stays in the residual code while some frame catches (`catches`) gets
exception exits there (`call_catching`), each a state of its own going on
at the catching frame's exception segment.
"""

from __future__ import annotations

from flowgraph.interp import record_class
from flowgraph.lltypes import Bool, Class, ListType, Signed, Str, Void
from flowgraph.model import Constant
from flowgraph.operations import OPS
from timeshifter.errors import TimeshiftError
from timeshifter.boxes import (PtrBox, RedBox, container_kind, copy_box, force, new_list,
                               new_struct, zero_box)
from timeshifter.state import Frame, JitState

RETURN, RAISE = -1, -2


class StateFinished(Exception):
    """The current path ended inside a segment (it raised at run time)."""


class StateUnwound(Exception):
    """A raise inside a segment was caught by an enclosing frame: the path
    goes on at that frame's exception exit (`raise_`)."""


# -- values -----------------------------------------------------------------

def c(value, lltype) -> RedBox:
    """A green value (or literal) used where a red one is expected."""
    return RedBox(Constant(value, lltype))


def gv_of(js: JitState, box):
    if isinstance(box, RedBox):
        return box.gv
    return force(js.builder, box)


def op(js: JitState, opname: str, *boxes) -> RedBox:
    gvs = [gv_of(js, b) for b in boxes]
    box = RedBox(js.builder.genop(opname, gvs))
    if js.builder.op_count > js.driver.max_residual_ops:
        js.driver.fail_budget(js)         # here, so the error names this line
    if gvs and gvs[0].__class__ is Constant and js.driver.green_inputs:
        _report_green_read(js, opname, gvs)
    return box


def _report_green_read(js: JitState, opname: str, gvs: list) -> None:
    """A residual read of a green input (the guest program) at a run-time
    index: the interpreter's dispatch on it is not folded, most often for
    want of a `concrete` hint on the program counter.  Said once per line."""
    name = js.driver.green_inputs.get(id(gvs[0].value))
    if name is None or OPS[opname].kind != "read" or all(
            gv.__class__ is Constant for gv in gvs[1:]):
        return
    code = js.frame.code
    js.driver.specializer.host.give_up(
        (code, "green read", js.line),
        f"{code.name}() line {js.line}: the residual code reads the green '{name}' at a "
        f"run-time index ({opname}): what it reads is not known at compile time, so the "
        f"dispatch on it is not folded; make the index green where it is computed "
        f"(hint(pc, concrete=True) on an interpreter's program counter) or promote what is "
        f"read (hint({name}[i], promote=True))", names=(name,))


# -- control transfer ---------------------------------------------------------

def goto(js: JitState, block: int, values) -> None:
    if block == RETURN:
        return ret(js, values[0])
    if block == RAISE:
        return raise_(js, values[0], values[1])
    frame = js.frame
    frame.block = block
    frame.opindex = 0
    frame.values = list(values)


def split(js: JitState, box, block_false: int, values_false, block_true: int, values_true,
          lazy=None):
    """A red Bool switch: both sides are compiled; in JIT mode (the
    `lazy_splits` option) a split that can be resumed (`lazy`: its block,
    its switch's position and the other live values) ends the code at an
    exit instead, a promotion site on the condition (Driver.promote)."""
    gv = box.gv
    if isinstance(gv, Constant):
        if gv.value:
            return goto(js, block_true, values_true)
        return goto(js, block_false, values_false)
    if lazy is not None:
        frame = js.frame
        frame.block, frame.opindex, frame.values = lazy[0], lazy[1], [box, *lazy[2]]
        js.driver.promote(js, gv, split=True)
        return
    js.driver.schedule(_fork(js, js.builder.jump_if_true(gv), block_true, values_true))
    goto(js, block_false, values_false)


def switch(js: JitState, box, cases: dict, default):
    """A red multi-way switch: `cases` maps case values to (block, values);
    `default` is (block, values) or None."""
    gv = box.gv
    if isinstance(gv, Constant):
        target = cases.get(gv.value, default)
        return goto(js, *target)
    builders = js.builder.switch(gv, list(cases), default=default is not None)
    for value, (block, values) in cases.items():
        js.driver.schedule(_fork(js, builders[value], block, values))
    if default is None:
        js.finished = True
        return
    goto(js, *default)


def _fork(js: JitState, builder, block: int, values) -> JitState:
    memo: dict = {}
    frame = js.frame.copy(memo)
    values = [copy_box(v, memo) for v in values]
    other = JitState(builder, frame, js.driver, js.known)
    goto(other, block, values)
    return other


def call(js: JitState, code, args, cont_block: int, cont_op: int, live) -> None:
    """Inline a call: the current frame waits at (cont_block, cont_op) with
    the result in its first value, a new frame runs the callee."""
    frame = js.frame
    frame.block, frame.opindex, frame.values = cont_block, cont_op, [None, *live]
    greenargs = code.green_key(args)
    if js.driver.is_recursive(frame, code, greenargs):
        result = js.driver.residual_recursive_call(js, code, greenargs, args)
        frame.values[0] = result
        return
    if frame.shares_calls and not code.returns_green and js.driver.is_recursive(frame, code):
        frame.values[0] = js.driver.shared_call(js, code, greenargs, args)
        return
    js.driver.check_depth(js, code)
    js.frame = Frame(code, 0, 0, list(args), frame, greenargs)


def ret(js: JitState, value) -> None:
    frame = js.frame
    if frame.back is None:
        if not isinstance(value, (RedBox, PtrBox)):
            value = c(value, frame.code.return_type)
        js.builder.finish_return(gv_of(js, value))
        js.finished = True
        return
    js.frame = frame.back
    js.frame.values[0] = value


def raise_(js: JitState, exc_class, message) -> bool:
    """Raise `exc_class(message)`: caught by an exception exit of a frame
    waiting at a call, or of the block whose last operation raised it
    (`js.at`) (True: the state goes on there), else a residual raise that
    ends the path.  `exc_class` is a class, or a box (a handler's caught
    class raised again: unknown until run time, it is tested there)."""
    at, js.at = js.at, None
    if isinstance(exc_class, RedBox):
        if not isinstance(exc_class.gv, Constant):
            return _raise_unknown(js, exc_class.gv, message, at)
        exc_class = exc_class.gv.value
    if not isinstance(message, (RedBox, PtrBox)):
        message = c(message, Str)
    caught = (message, c(exc_class, Class))
    if at is not None:
        for j, cls in js.frame.code.exception_exits.get((at[0], at[1]), ()):
            if issubclass(exc_class, cls):
                frame = js.frame
                frame.block, frame.opindex = at[0], -j
                frame.values = [*caught, *at[2]]
                return True
    frame = js.frame.back
    while frame is not None:
        exits = frame.code.exception_exits.get((frame.block, frame.opindex))
        if exits is not None:
            for j, cls in exits:
                if issubclass(exc_class, cls):
                    frame.opindex = -j
                    frame.values = [*caught, *frame.values[1:]]
                    js.frame = frame
                    return True
        frame = frame.back
    js.builder.finish_raise(exc_class, gv_of(js, message))
    js.finished = True
    return False


def _raise_unknown(js: JitState, gv_class, message, at) -> bool:
    """A raise of a class known only at run time: the residual code tests
    it against each exception exit that may catch it, in order (`catches`),
    each test's true side a state of its own going on there; none matching,
    it raises."""
    gv_msg = gv_of(js, message) if isinstance(message, (RedBox, PtrBox)) \
        else Constant(message, Str)
    found = catches(js, at, current=at is not None)
    handlers = []
    for cls, _, _ in found:
        test = js.builder.genop("class_issubclass", [gv_class, Constant(cls, Void)])
        handlers.append((js.builder.jump_if_true(test), gv_msg, gv_class))
    fork_handlers(js, found, handlers, at)
    js.builder.finish_raise(gv_class, gv_msg)
    js.finished = True
    return False


def raise_now(js: JitState, exc_class, message: str):
    """Raise from the middle of a segment: ends this path, or goes on where
    an enclosing frame catches it."""
    if raise_(js, exc_class, message):
        raise StateUnwound
    raise StateFinished


def raise_green(js: JitState, exc: Exception):
    """A green operation raised at compile time: the residual code raises it."""
    raise_now(js, type(exc), str(exc))


def catches(js: JitState, at=None, current: bool = True) -> list:
    """What a residual operation made now may raise that a frame catches:
    [(class, depth, exit)], innermost frame first, a class already caught
    further in left out.  Depth 0 is js.frame: waiting at its call (a
    recursive call made by `call`), or, mid-segment, at `at`'s position;
    `current` False when it is neither (a segment runs on from where it
    was entered, so the frame's position is stale there)."""
    found = []
    frame, depth = js.frame, 0
    position = (at[0], at[1]) if at is not None else (frame.block, frame.opindex)
    if not current:
        frame, depth = frame.back, 1
        position = (frame.block, frame.opindex) if frame is not None else None
    while frame is not None:
        for j, cls in frame.code.exception_exits.get(position, ()):
            if not any(issubclass(cls, c) for c, _, _ in found):
                found.append((cls, depth, j))
        frame, depth = frame.back, depth + 1
        if frame is not None:
            position = (frame.block, frame.opindex)
    return found


def call_catching(js: JitState, gvs: list, found: list, at=None):
    """The residual call `gvs` with exception exits for `found` (`catches`);
    this state goes on with the result."""
    result, handlers = js.builder.call_catching(gvs, [cls for cls, _, _ in found])
    fork_handlers(js, found, handlers, at)
    return result


def fork_handlers(js: JitState, found: list, handlers: list, at=None) -> None:
    """Each exception exit the builder made (`handlers`: (builder, message)
    or (builder, message, class) per entry of `found`) forks the state,
    which goes on at the catching frame's exception segment with the
    message (and the class, where its landing block reads it) the residual
    code reads."""
    for (cls, depth, j), (builder, gv_msg, *gv_class) in zip(found, handlers):
        memo: dict = {}
        owner = js.frame.copy(memo)
        for _ in range(depth):
            owner = owner.back
        if depth == 0 and at is not None:
            owner.block, live = at[0], [copy_box(v, memo) for v in at[2]]
        else:
            live = owner.values[1:]
        if not gv_class and owner.code.reads_caught_class(owner.block, j):
            gv_class = [builder.genop("exc_class", [])]
        box_class = RedBox(gv_class[0]) if gv_class else None
        owner.opindex, owner.values = -j, [RedBox(gv_msg), box_class, *live]
        js.driver.schedule(JitState(builder, owner, js.driver))   # (deeper frames: gone)


def residual_call(js: JitState, graph, args, names=(), greens=()) -> RedBox:
    """A call left in the residual code (`names`: the source names of the
    arguments, `greens`: those of its green variables, for reports), with
    exception exits where a frame catches (`js.at`: the call ends a block
    with exception exits of its own)."""
    callee = getattr(graph, "source_name", None) or graph.name
    report_escapes(js, args, callee, "dont_look_inside", names)
    js.driver.forget_fields(js)
    if greens:
        _report_green_arguments(js, callee, greens)
    gvs = [Constant(graph, Void)] + [gv_of(js, a) for a in args]
    at = js.at
    found = catches(js, at, current=at is not None)   # (mid-segment, the frame's own
    if found:                                          # position says nothing)
        return RedBox(call_catching(js, gvs, found, at))
    return RedBox(js.builder.genop("direct_call", gvs))


def _report_green_arguments(js: JitState, callee: str, greens: tuple) -> None:
    """A residual call passing compile-time values: the callee, compiled
    once for every value, does at run time what inlining would fold."""
    code = js.frame.code
    what = " and ".join(f"'{name}'" for name in greens)
    them = "it" if len(greens) == 1 else "them"
    js.driver.specializer.host.give_up(
        (code, js.frame.block, "green arguments", js.line, callee),
        f"{code.name}() line {js.line}: the call of {callee}() stays in the residual code "
        f"(dont_look_inside) and passes it the green {what}: {callee}() is not specialised "
        f"for {them}, so what it computes from {them} is computed again at each call; drop "
        f"@dont_look_inside from {callee}() to inline it and fold that", names=greens)


def report_escapes(js: JitState, args, callee: str, why: str, names=()) -> None:
    """Report (once per place) the virtual containers among `args` that a
    residual call makes real."""
    for a, name in zip(args, list(names) + [""] * len(args)):
        if isinstance(a, PtrBox) and a.virtual is not None:
            kind = container_kind(a.virtual)
            code = js.frame.code
            js.driver.specializer.host.give_up(
                (code, js.frame.block, "call", js.line, callee),
                f"{code.name}() line {js.line}: a virtual {kind} passed to {callee}() became "
                f"a real {kind}: the call is residual ({why}); inline the call (no "
                f"dont_look_inside, green arguments for a recursion) to keep it virtual",
                names=(name,) if name else ())


# -- virtual structures ---------------------------------------------------------

def malloc(js: JitState, lltype) -> PtrBox:
    return new_struct(lltype)


def effect(js: JitState, opname: str, *boxes) -> None:
    """An effect outside the program (`print_str`): always in the residual
    code, where it happens when the code runs."""
    js.builder.genop(opname, [gv_of(js, b) for b in boxes])


def getfield(js: JitState, box, name: str):
    if isinstance(box, PtrBox) and box.virtual is not None:
        value = box.virtual.fields[name]
        if value.__class__ is RedBox or value.__class__ is PtrBox:
            return value
        # a green field's value (setfield_green) read where a box is expected
        return RedBox(Constant(value, box.lltype.fields[name]))
    if js.known is not None:
        entry = js.known.get(id(box))
        if entry is not None and name in entry[1]:        # (a promotion made it known)
            return RedBox(Constant(entry[1][name], box.lltype.fields[name]))
    result = op(js, "getfield", box, RedBox(Constant(name, Void)))
    js.driver.field_reads.setdefault(name, {})[result.gv] = box
    return result


def setfield_green(js: JitState, box, name: str, value) -> None:
    """A green value stored to a green field of a virtual instance (the
    annotator's colours.Site): kept as itself, so that it is part of the
    compile-time state (merges tell its values apart) and read back green."""
    if isinstance(box, PtrBox) and box.virtual is not None:
        box.virtual.fields[name] = value
        return
    js.driver.forget_fields(js, name)
    js.builder.genop("setfield", [gv_of(js, box), Constant(name, Void),
                                  Constant(value, box.lltype.fields[name])])


def getfield_green(js: JitState, box, name: str):
    """A green field of a virtual instance read back: the value itself."""
    if isinstance(box, PtrBox) and box.virtual is not None:
        value = box.virtual.fields[name]
        if value.__class__ is not RedBox and value.__class__ is not PtrBox:
            return value
        if value.__class__ is RedBox and value.gv.__class__ is Constant:
            return value.gv.value           # (the zero it was made with)
    code = js.frame.code
    raise TimeshiftError(
        f"{code.name}() line {js.line}: the field '{name}' of {box.lltype.name} is read as "
        f"a green value (only green values are stored to it), but the instance is not "
        f"virtual here: it was made real when its shape kept changing at a loop head, or "
        f"the code was entered with it made already. Hint that helps: store a value the "
        f"field may hold at run time, hint(value, variable=True), to make the field red.")


def setfield(js: JitState, box, name: str, value) -> None:
    if isinstance(box, PtrBox) and box.virtual is not None:
        box.virtual.fields[name] = value
        return
    js.driver.forget_fields(js, name)
    js.builder.genop("setfield", [gv_of(js, box), Constant(name, Void), gv_of(js, value)])


# -- virtual lists and arrays ----------------------------------------------------

def newlist(js: JitState, lltype, length, fill):
    gv_len = length.gv
    limit = js.driver.options.max_virtual_list
    if isinstance(gv_len, Constant) and gv_len.value <= limit:
        return new_list(lltype, [fill] * max(gv_len.value, 0))
    if isinstance(gv_len, Constant):
        code = js.frame.code
        js.driver.specializer.host.give_up(
            (code, js.frame.block, "newlist", js.line),
            f"{code.name}() line {js.line}: a list of {gv_len.value} items is longer than "
            f"max_virtual_list={limit}: it is a real list; raise max_virtual_list to keep "
            f"it virtual")
    return PtrBox(lltype, None, js.builder.genop(
        "newlist", [Constant(lltype, Void), gv_len, gv_of(js, fill)]))


def malloc_varsize(js: JitState, lltype, length):
    gv_len = length.gv
    if isinstance(gv_len, Constant) and 0 <= gv_len.value <= js.driver.options.max_virtual_list:
        return new_list(lltype, [zero_box(lltype.item) for _ in range(gv_len.value)])
    return PtrBox(lltype, None, js.builder.genop(
        "malloc_varsize", [Constant(lltype, Void), gv_len]))


def _virtual_index(js, box, index, message):
    """The item index for a virtual list and a constant index, or None when
    the operation must be emitted (the list escapes)."""
    if not (isinstance(box, PtrBox) and box.virtual is not None):
        return None
    if not isinstance(index.gv, Constant):
        force(js.builder, box)
        return None
    i = index.gv.value
    n = len(box.virtual.items)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise_now(js, IndexError, message)
    return i


def getitem(js: JitState, opname: str, box, index):
    i = _virtual_index(js, box, index, "list index out of range")
    if i is None:
        return op(js, opname, box, index)
    return box.virtual.items[i]


def setitem(js: JitState, opname: str, box, index, value) -> None:
    i = _virtual_index(js, box, index, "list assignment index out of range")
    if i is None:
        js.builder.genop(opname, [gv_of(js, box), gv_of(js, index), gv_of(js, value)])
        return
    box.virtual.items[i] = value


def length(js: JitState, opname: str, box):
    if isinstance(box, PtrBox) and box.virtual is not None:
        return RedBox(Constant(len(box.virtual.items), Signed))
    return op(js, opname, box)


def list_append(js: JitState, box, value) -> None:
    if isinstance(box, PtrBox) and box.virtual is not None:
        box.virtual.items.append(value)
        return
    js.builder.genop("list_append", [gv_of(js, box), gv_of(js, value)])


def list_pop(js: JitState, box):
    if isinstance(box, PtrBox) and box.virtual is not None:
        if not box.virtual.items:
            raise_now(js, IndexError, "pop from empty list")
        return box.virtual.items.pop()
    return op(js, "list_pop", box)


def list_insert(js: JitState, box, index, value) -> None:
    if isinstance(box, PtrBox) and box.virtual is not None:
        if isinstance(index.gv, Constant):
            box.virtual.items.insert(index.gv.value, value)     # clamped as CPython does
            return
        force(js.builder, box)
    js.builder.genop("list_insert", [gv_of(js, box), gv_of(js, index), gv_of(js, value)])


def list_reverse(js: JitState, box) -> None:
    if isinstance(box, PtrBox) and box.virtual is not None:
        box.virtual.items.reverse()
        return
    js.builder.genop("list_reverse", [gv_of(js, box)])


def list_delitem(js: JitState, box, index) -> None:
    i = _virtual_index(js, box, index, "list assignment index out of range")
    if i is None:
        js.builder.genop("list_delitem", [gv_of(js, box), gv_of(js, index)])
        return
    del box.virtual.items[i]


def list_slice(js: JitState, box, start, stop):
    """`xs[a:b]`: a virtual list of the same item boxes (shared, as the items
    are) when xs is virtual and the bounds constant; else a residual slice."""
    a, b = start.gv, stop.gv
    if _is_virtual(box) and isinstance(a, Constant) and isinstance(b, Constant):
        return new_list(box.lltype, box.virtual.items[a.value:b.value])
    return PtrBox(box.lltype, None, js.builder.genop("list_slice", [gv_of(js, box), a, b]))


def list_concat(js: JitState, left, right):
    """`xs + ys`: virtual when both are and the result is within
    max_virtual_list; else a residual concatenation of the forced lists."""
    if _is_virtual(left) and _is_virtual(right) and len(left.virtual.items) \
            + len(right.virtual.items) <= js.driver.options.max_virtual_list:
        return new_list(left.lltype, left.virtual.items + right.virtual.items)
    return PtrBox(left.lltype, None,
                  js.builder.genop("list_concat", [gv_of(js, left), gv_of(js, right)]))


def ptr_eq(js: JitState, a, b) -> RedBox:
    """`a is b`: a virtual instance is only itself (it exists nowhere else)."""
    if _is_virtual(a) or _is_virtual(b):
        return RedBox(Constant(a is b, Bool))
    return op(js, "ptr_eq", a, b)


def instance_isinstance(js: JitState, box, cls) -> RedBox:
    """`isinstance(v, C)`: known at once for a virtual instance (its class is
    the struct it was made as) and for None; else a run-time test."""
    if _is_virtual(box):
        return RedBox(Constant(issubclass(record_class(box.virtual.lltype), cls), Bool))
    if isinstance(box.gv, Constant):
        return RedBox(Constant(isinstance(box.gv.value, cls), Bool))
    return op(js, "instance_isinstance", box, RedBox(Constant(cls, Void)))


def instance_class(js: JitState, box) -> RedBox:
    """`v.__class__`: a virtual instance's class is known now."""
    if _is_virtual(box):
        return RedBox(Constant(record_class(box.virtual.lltype), Class))
    if isinstance(box.gv, Constant):
        return RedBox(Constant(box.gv.value.__class__, Class))
    return op(js, "instance_class", box)


def cast_pointer(js: JitState, box, lltype):
    """`v` as an instance of another class of its hierarchy: a virtual one
    stays itself (and virtual); a run-time one gets a copy of that type."""
    if _is_virtual(box):
        return box
    if isinstance(box.gv, Constant):
        return RedBox(Constant(box.gv.value, lltype))
    return op(js, "cast_pointer", box, RedBox(Constant(lltype, Void)))


def newtuple(js: JitState, lltype, items) -> PtrBox:
    """A red tuple: virtual (its item boxes, shared) until it escapes."""
    return new_list(lltype, list(items))


def tuple_getitem(js: JitState, box, index: int):
    if _is_virtual(box):
        return box.virtual.items[index]
    return op(js, "tuple_getitem", box, RedBox(Constant(index, Signed)))


def tuple_getitem_var(js: JitState, box, index):
    """`t[i]` of a tuple of one item type: at compile time when the tuple is
    virtual and the index constant (IndexError too), else residual."""
    if _is_virtual(box) and isinstance(index.gv, Constant):
        items = box.virtual.items
        if not -len(items) <= index.gv.value < len(items):
            raise_now(js, IndexError, "tuple index out of range")
        return items[index.gv.value]
    return op(js, "tuple_getitem_var", box, index)


def newdict(js: JitState, lltype) -> PtrBox:
    """A dict is never virtual: made at run time."""
    return PtrBox(lltype, None, js.builder.genop("newdict", [Constant(lltype, Void)]))


def dict_keys(js: JitState, box) -> PtrBox:
    lltype = ListType(box.lltype.key)
    return PtrBox(lltype, None, js.builder.genop("dict_keys", [gv_of(js, box)]))


def dict_setitem(js: JitState, box, key, value) -> None:
    js.builder.genop("dict_setitem", [gv_of(js, box), gv_of(js, key), gv_of(js, value)])


def _is_virtual(box) -> bool:
    return isinstance(box, PtrBox) and box.virtual is not None


# -- promotion -------------------------------------------------------------------

def promote(js: JitState, box, cont_block: int, cont_op: int, live) -> None:
    """`hint(x, promote=True)` on a red value: the path continues at
    (cont_block, cont_op) with the value green.  A known constant is simply
    used; a run-time value ends the residual code at a promotion site
    (promotion.py) that compiles the continuation per value later."""
    frame = js.frame
    frame.block, frame.opindex, frame.values = cont_block, cont_op, [None, *live]
    gv = gv_of(js, box)
    if isinstance(gv, Constant):
        frame.values[0] = gv.value
        return
    js.driver.promote(js, gv)

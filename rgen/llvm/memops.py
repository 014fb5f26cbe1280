"""Handlers for the operations whose table row has `llvm=None`: strings,
lists, fixed arrays, `same_as` and `hint` (structs are in structs.py, calls
in calls.py).

All of them work on the real Python objects (see runtime.py):

    list_len, getarraysize   Py_SIZE, inline
    list_getitem/setitem     index normalised and bounds-checked inline
                             (an int, float or bool item is checked where
                             read: `checked_item`)
    getarrayitem/setarrayitem  (IndexError with CPython's message), then the
                             item slot `ob_item[i]` read or replaced inline;
                             scalars are boxed/unboxed (small ints and exact
                             floats without a call)
    list_append              inline store when capacity allows, else
                             PyList_Append; list_pop shrinks ob_size inline
    newlist, malloc_varsize  PyList_New, every slot set to one shared box
    str_len/getitem/eq       PyUnicode_GetLength / ReadChar / RichCompareBool
    cast_char_to_str         PyUnicode_FromOrdinal (str_concat, str_mul and str_slice
                             are one C-API call each: the table's `capi:` lowering)

A handler gets the FunctionEmitter and the op and returns the result value
(a new reference for gcref results), or None for Void results.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from llvmlite import ir

from flowgraph import lltypes
from flowgraph.arguments import checks_item, item_checker
from flowgraph.lltypes import Void
from flowgraph.model import Constant
from rgen.llvm.fastcall import inline_value, is_exact
from rgen.llvm.runtime import (FLOAT_VALUE, I1, I8, I32, I64, LIST_ALLOCATED, LIST_ITEMS, NULL,
                               OB_REFCNT, OB_SIZE, PTR, TUPLE_ITEMS,
                               box, check_source, entry_alloca, helper, i64, is_gcref,
                               item_slot, load_at, lltype, ok, failed, result_struct, store_at)

MEM_HELPERS: dict = {}
HANDLERS: dict = {}


def handles(*opnames):
    def register(fn):
        for name in opnames:
            HANDLERS[name] = fn
        return fn
    return register


@handles("print_str")
def _print_str(em, op):
    """`print`'s text written by the `write` method of the `sys.stdout` of
    the moment (a borrowed reference; lost: RuntimeError, as print's)."""
    b = em.b
    out = b.call(em.rt.capi("PySys_GetObject"), [em.rt.cstring("stdout")], name="stdout")
    em.fail_if(em.rt.call(b, "rt.check.stdout", out))
    result = em.call_method("write", [out, em.value(op.args[0])])
    em.fail_if(b.icmp_unsigned("==", result, NULL))
    em.rt.decref(b, result)


@helper("rt.check.stdout", I1, [PTR], MEM_HELPERS)
def _check_stdout(rt, b, out):
    """i1 failed: no sys.stdout (CPython's print raises RuntimeError)."""
    with b.if_then(b.icmp_unsigned("==", out, NULL)):
        rt.set_error(b, RuntimeError, "lost sys.stdout")
        b.ret(ir.Constant(I1, 1))
    b.ret(ir.Constant(I1, 0))


@handles("exc_message", "exc_class")
def _caught(em, op):
    """The message or the class of the exception the link entering this
    block caught (a new reference the dispatch left in the function's
    slot: emit.py)."""
    return em.b.load(em.caught_slot(op.opname), typ=PTR, name=op.result.name or op.opname)


# -- run-time helpers -----------------------------------------------------------------

@helper("rt.index", result_struct(lltypes.Signed), [I64, I64, PTR], MEM_HELPERS)
def _index(rt, b, i, n, message):
    """Python indexing: i < 0 counts from the end; IndexError(message) if out of range."""
    j = b.select(b.icmp_signed("<", i, i64(0)), b.add(i, n), i, name="j")
    with b.if_then(b.icmp_unsigned("<", j, n), likely=True):
        ok(b, lltypes.Signed, j)
    b.call(rt.capi("PyErr_SetString"), [rt.pyobj(IndexError, "IndexError"), message])
    failed(b)


@helper("rt.check_item", PTR, [PTR, PTR, I64], MEM_HELPERS, inline=False)
def _check_item(rt, b, check, item, index):
    """check(item, index): a new reference or null (the Python item check of
    flowgraph.arguments, called where the inline test failed)."""
    boxed = b.call(rt.capi("PyLong_FromLongLong"), [index], name="index")
    with b.if_then(b.icmp_unsigned("==", boxed, NULL), likely=False):
        b.ret(NULL)
    argv = entry_alloca(b.function, PTR, 2, "argv")
    b.store(item, argv)
    b.store(boxed, b.gep(argv, [i64(1)], source_etype=PTR))
    result = b.call(rt.capi("PyObject_Vectorcall"), [check, argv, i64(2), NULL], name="checked")
    rt.decref(b, boxed)
    b.ret(result)


@helper("rt.newlist", PTR, [I64, PTR], MEM_HELPERS)
def _newlist(rt, b, n, fill):
    """A new list of max(n, 0) references to `fill` (null on failure)."""
    m = b.select(b.icmp_signed("<", n, i64(0)), i64(0), n, name="m")
    lst = b.call(rt.capi("PyList_New"), [m], name="list")
    with b.if_then(b.icmp_unsigned("==", lst, NULL), likely=False):
        b.ret(NULL)
    store_at(b, b.add(load_at(b, fill, 0, I64), m), fill, 0)      # fill.ob_refcnt += m
    items = load_at(b, lst, LIST_ITEMS, PTR, "items")
    head = b.block
    loop = b.append_basic_block("loop")
    done = b.append_basic_block("done")
    b.cbranch(b.icmp_signed(">", m, i64(0)), loop, done)
    b.position_at_end(loop)
    i = b.phi(I64, name="i")
    i.add_incoming(i64(0), head)
    b.store(fill, item_slot(b, items, i))
    nxt = b.add(i, i64(1))
    i.add_incoming(nxt, loop)
    b.cbranch(b.icmp_signed("<", nxt, m), loop, done)
    b.position_at_end(done)
    b.ret(lst)


@helper("rt.list_append", I1, [PTR, PTR], MEM_HELPERS)
def _list_append(rt, b, lst, item):
    """Append, stealing the reference `item`; i1 failed."""
    n = load_at(b, lst, OB_SIZE, I64, "n")
    with b.if_then(b.icmp_signed("<", n, load_at(b, lst, LIST_ALLOCATED, I64)), likely=True):
        b.store(item, item_slot(b, load_at(b, lst, LIST_ITEMS, PTR), n))
        store_at(b, b.add(n, i64(1)), lst, OB_SIZE)
        b.ret(ir.Constant(I1, 0))
    r = b.call(rt.capi("PyList_Append"), [lst, item])
    rt.decref(b, item)
    b.ret(b.icmp_signed("!=", r, ir.Constant(I32, 0)))


@helper("rt.list_pop", PTR, [PTR], MEM_HELPERS)
def _list_pop(rt, b, lst):
    """Remove and return (as a new reference) the last item; null on failure."""
    n = load_at(b, lst, OB_SIZE, I64, "n")
    with b.if_then(b.icmp_signed("==", n, i64(0)), likely=False):
        rt.set_error(b, IndexError, "pop from empty list")
        b.ret(NULL)
    last = b.sub(n, i64(1))
    item = b.load(item_slot(b, load_at(b, lst, LIST_ITEMS, PTR), last), typ=PTR)
    store_at(b, last, lst, OB_SIZE)
    b.ret(item)


# -- reading and writing items --------------------------------------------------------

def read_item(em, T, p):
    """The value of type T in the borrowed object p (a new reference for gcrefs)."""
    if is_gcref(T):
        bad = check_source(em.rt, em.b, T, p)
        if bad is not None:
            em.fail_if(bad)
        em.rt.incref(em.b, p)
        return p
    return em.check(em.rt.call(em.b, f"rt.unbox.{T}", p), "item")


def take_item(em, T, p):
    """Like read_item, but p is a new reference that is consumed."""
    if is_gcref(T):
        em.hold(p)
        bad = check_source(em.rt, em.b, T, p)
        if bad is not None:
            em.fail_if(bad)
        em.unhold(p)
        return p
    result = em.rt.call(em.b, f"rt.unbox.{T}", p)
    em.rt.decref(em.b, p)
    return em.check(result, "item")


def checked_item(em, op, p, index):
    """The value of the int, float or bool item `p` (borrowed) at `index`
    (not negative) read by `op` from a list: unboxed inline when it passes
    the inline test of its type, else through the shared item check
    (flowgraph.arguments.item_checker), which converts it or raises the
    error every mode raises, naming the parameter and the index."""
    b, rt, T = em.b, em.rt, op.result.concretetype
    fast, slow = inline_value(em, T, p, f"{em.label}.item")
    done = em.fn.append_basic_block(f"{em.label}.item.done")
    fast_end = b.block
    b.branch(done)
    b.position_at_end(slow)
    check = rt.pyobj(item_checker(em.graph, op.args[0]), "check_item")
    checked = rt.call(b, "rt.check_item", check, p, index, result="checked")
    em.fail_if(b.icmp_unsigned("==", checked, NULL))
    unboxed = rt.call(b, f"rt.unbox.{T}", checked)
    rt.decref(b, checked)
    converted = em.check(unboxed, "item")
    slow_end = b.block
    b.branch(done)
    b.position_at_end(done)
    value = b.phi(fast.type, name="item")
    value.add_incoming(fast, fast_end)
    value.add_incoming(converted, slow_end)
    return value


def new_box(em, T, value):
    """A new reference boxing `value`; failure checked."""
    p = box(em.rt, em.b, T, value)
    if not is_gcref(T) and T is not lltypes.Bool:
        em.fail_if(em.b.icmp_unsigned("==", p, NULL))
    return p


def list_value(em, a):
    """The list operand `a`; a prebuilt constant is type-checked (at run
    time, like every other failure) since native code reads lists inline."""
    value = em.value(a)
    if isinstance(a, Constant) and not isinstance(a.value, list):
        em.fail_if(em.rt.call(em.b, "rt.check.list", value))
    return value


def _slot(em, op, message):
    """The address of the item and its index (not negative)."""
    lst, index = list_value(em, op.args[0]), em.value(op.args[1])
    n = load_at(em.b, lst, OB_SIZE, I64, "len")
    j = em.check(em.rt.call(em.b, "rt.index", index, n, em.rt.cstring(message)), "j")
    return item_slot(em.b, load_at(em.b, lst, LIST_ITEMS, PTR, "items"), j), j


@handles("list_len", "getarraysize")
def _len(em, op):
    return load_at(em.b, list_value(em, op.args[0]), OB_SIZE, I64, op.result.name or "len")


@handles("list_getitem", "getarrayitem")
def _getitem(em, op):
    slot, j = _slot(em, op, "list index out of range")
    p = em.b.load(slot, typ=PTR)
    if checks_item(op):
        return checked_item(em, op, p, j)
    return read_item(em, op.result.concretetype, p)


@handles("list_setitem", "setarrayitem")
def _setitem(em, op):
    if op.args[2].concretetype is lltypes.Float:
        return _setitem_float(em, op)
    _store_boxed(em, op)


def _setitem_float(em, op):
    """A float stored over an exact float that only the list holds (its
    reference count is 1: no one can see the object change) overwrites
    its value in place, with no allocation; otherwise it is boxed."""
    b = em.b
    slot, _ = _slot(em, op, "list assignment index out of range")
    old = b.load(slot, typ=PTR, name="old")
    alone = b.icmp_unsigned("==", load_at(b, old, OB_REFCNT, I64, "rc"), i64(1))
    reuse = b.and_(is_exact(em.rt, b, old, float), alone, name="reuse")
    with b.if_else(reuse, likely=True) as (in_place, boxed):
        with in_place:
            store_at(b, em.value(op.args[2]), old, FLOAT_VALUE)
        with boxed:
            _store_boxed(em, op)


def _store_boxed(em, op):
    # Box first: an allocation may run arbitrary code (a GC finalizer) that
    # resizes the list, so the slot address is computed after it.
    item = new_box(em, op.args[2].concretetype, em.value(op.args[2]))
    em.hold(item)
    slot, _ = _slot(em, op, "list assignment index out of range")
    em.unhold(item)
    old = em.b.load(slot, typ=PTR, name="old")
    em.b.store(item, slot)
    em.rt.decref(em.b, old)


@handles("list_append")
def _append(em, op):
    lst = list_value(em, op.args[0])
    item = new_box(em, op.args[1].concretetype, em.value(op.args[1]))
    em.fail_if(em.rt.call(em.b, "rt.list_append", lst, item))


def _fails_if_nonzero(em, r) -> None:
    em.fail_if(em.b.icmp_signed("!=", r, ir.Constant(I32, 0)))


@handles("list_insert")
def _insert(em, op):
    lst = list_value(em, op.args[0])
    item = new_box(em, op.args[2].concretetype, em.value(op.args[2]))
    em.hold(item)
    r = em.b.call(em.rt.capi("PyList_Insert"), [lst, em.value(op.args[1]), item])
    em.unhold(item)
    em.rt.decref(em.b, item)                    # PyList_Insert took its own reference
    _fails_if_nonzero(em, r)


@handles("list_reverse")
def _reverse(em, op):
    _fails_if_nonzero(em, em.b.call(em.rt.capi("PyList_Reverse"), [list_value(em, op.args[0])]))


@handles("list_delitem")
def _delitem(em, op):
    lst, index = list_value(em, op.args[0]), em.value(op.args[1])
    _fails_if_nonzero(em, em.b.call(em.rt.capi("PySequence_DelItem"), [lst, index]))


@handles("list_pop")
def _pop(em, op):
    p = em.rt.call(em.b, "rt.list_pop", list_value(em, op.args[0]), result="popped")
    em.fail_if(em.b.icmp_unsigned("==", p, NULL))
    if checks_item(op):             # the item was at the new end
        em.hold(p)
        value = checked_item(em, op, p, load_at(em.b, list_value(em, op.args[0]), OB_SIZE, I64))
        em.unhold(p)
        em.rt.decref(em.b, p)
        return value
    return take_item(em, op.result.concretetype, p)


def _filled_list(em, n, fill_box):
    """A new list of n references to fill_box (a new reference, consumed)."""
    em.hold(fill_box)
    lst = em.rt.call(em.b, "rt.newlist", n, fill_box, result="list")
    em.unhold(fill_box)
    em.rt.decref(em.b, fill_box)
    em.fail_if(em.b.icmp_unsigned("==", lst, NULL))
    return lst


@handles("newlist")
def _newlist_op(em, op):
    item_type = op.args[0].value.item
    fill = new_box(em, item_type, em.value(op.args[2]))
    return _filled_list(em, em.value(op.args[1]), fill)


@handles("malloc_varsize")
def _malloc_varsize(em, op):
    b, n = em.b, em.value(op.args[1])
    with b.if_then(b.icmp_signed("<", n, i64(0)), likely=False):
        b.call(em.rt.capi("PyErr_Format"), [em.rt.pyobj(ValueError, "ValueError"),
                                            em.rt.cstring("negative array size %lld"), n])
    em.fail_if(b.icmp_signed("<", n, i64(0)))
    fill = em.rt.pyobj(lltypes.default_value(op.args[0].value.item), "default")
    em.rt.incref(b, fill)
    return _filled_list(em, n, fill)


# -- tuples -------------------------------------------------------------------------------

@handles("newtuple")
def _newtuple(em, op):
    """PyTuple_New, its items stored in place (the new references stolen)."""
    b, items = em.b, []
    for a in op.args[1:]:
        item = new_box(em, a.concretetype, em.value(a))
        em.hold(item)
        items.append(item)
    t = b.call(em.rt.capi("PyTuple_New"), [i64(len(items))], name=op.result.name or "tuple")
    em.fail_if(b.icmp_unsigned("==", t, NULL))
    for i, item in enumerate(items):
        em.unhold(item)
        store_at(b, item, t, TUPLE_ITEMS + 8 * i)
    return t


@handles("tuple_getitem")
def _tuple_getitem(em, op):
    """An item at a constant index of a tuple built here or checked whole
    where it came in (check_source)."""
    t = em.value(op.args[0])
    p = load_at(em.b, t, TUPLE_ITEMS + 8 * op.args[1].value, PTR, "item")
    return read_item(em, op.result.concretetype, p)


@handles("tuple_getitem_var")
def _tuple_getitem_var(em, op):
    """An item at a run-time index (CPython's negative index and IndexError)."""
    b, t = em.b, em.value(op.args[0])
    n = load_at(b, t, OB_SIZE, I64, "len")
    j = em.check(em.rt.call(b, "rt.index", em.value(op.args[1]), n,
                            em.rt.cstring("tuple index out of range")), "j")
    items = b.gep(t, [i64(TUPLE_ITEMS)], inbounds=True, source_etype=I8)
    return read_item(em, op.result.concretetype, b.load(item_slot(b, items, j), typ=PTR))


# -- dicts --------------------------------------------------------------------------------

@handles("newdict")
def _newdict(em, op):
    d = em.b.call(em.rt.capi("PyDict_New"), [], name=op.result.name or "dict")
    em.fail_if(em.b.icmp_unsigned("==", d, NULL))
    return d


def _boxed_key(em, op):
    """The dict (argument 0) and its key (argument 1) as a new reference, held."""
    key = new_box(em, op.args[1].concretetype, em.value(op.args[1]))
    em.hold(key)
    return em.value(op.args[0]), key


def _release_key(em, key) -> None:
    em.unhold(key)
    em.rt.decref(em.b, key)


@handles("dict_setitem")
def _dict_setitem(em, op):
    d, key = _boxed_key(em, op)
    value = new_box(em, op.args[2].concretetype, em.value(op.args[2]))
    em.hold(value)
    r = em.b.call(em.rt.capi("PyDict_SetItem"), [d, key, value])
    em.unhold(value)
    em.rt.decref(em.b, value)
    _release_key(em, key)
    em.fail_if(em.b.icmp_signed("<", r, ir.Constant(I32, 0)))


@handles("dict_getitem")
def _dict_getitem(em, op):
    """PyObject_GetItem: CPython's own KeyError for a missing key."""
    d, key = _boxed_key(em, op)
    p = em.b.call(em.rt.capi("PyObject_GetItem"), [d, key], name="value")
    _release_key(em, key)
    em.fail_if(em.b.icmp_unsigned("==", p, NULL))
    return take_item(em, op.result.concretetype, p)


@handles("dict_contains")
def _dict_contains(em, op):
    d, key = _boxed_key(em, op)
    r = em.b.call(em.rt.capi("PyDict_Contains"), [d, key])
    _release_key(em, key)
    em.fail_if(em.b.icmp_signed("<", r, ir.Constant(I32, 0)))
    return em.b.icmp_signed(">", r, ir.Constant(I32, 0), name=op.result.name or "found")


@handles("dict_get")
def _dict_get(em, op):
    """The value for the key (borrowed, read as its type), else the default."""
    b = em.b
    d, key = _boxed_key(em, op)
    default = new_box(em, op.args[2].concretetype, em.value(op.args[2]))
    em.hold(default)
    p = b.call(em.rt.capi("PyDict_GetItemWithError"), [d, key], name="found")
    missing = b.icmp_unsigned("==", p, NULL)
    error = b.and_(missing, b.icmp_unsigned("!=", b.call(em.rt.capi("PyErr_Occurred"), []),
                                             NULL))
    em.fail_if(error)
    chosen = b.select(missing, default, p, name="chosen")
    value = read_item(em, op.result.concretetype, chosen)
    em.unhold(default)
    em.rt.decref(b, default)
    _release_key(em, key)
    return value


@handles("dict_delitem")
def _dict_delitem(em, op):
    """PyObject_DelItem: CPython's own KeyError for a missing key."""
    d, key = _boxed_key(em, op)
    r = em.b.call(em.rt.capi("PyObject_DelItem"), [d, key])
    _release_key(em, key)
    em.fail_if(em.b.icmp_signed("<", r, ir.Constant(I32, 0)))


@handles("dict_keys")
def _dict_keys(em, op):
    keys = em.b.call(em.rt.capi("PyDict_Keys"), [em.value(op.args[0])], name="keys")
    em.fail_if(em.b.icmp_unsigned("==", keys, NULL))
    return keys


@handles("dict_len")
def _dict_len(em, op):
    n = em.b.call(em.rt.capi("PyDict_Size"), [em.value(op.args[0])], name="len")
    em.fail_if(em.b.icmp_signed("<", n, i64(0)))
    return n


# -- strings ------------------------------------------------------------------------------

def _str_length(em, s):
    n = em.b.call(em.rt.capi("PyUnicode_GetLength"), [s], name="len")
    em.fail_if(em.b.icmp_signed("<", n, i64(0)))
    return n


@handles("str_len")
def _str_len(em, op):
    return _str_length(em, em.value(op.args[0]))


@handles("str_getitem")
def _str_getitem(em, op):
    s, index = em.value(op.args[0]), em.value(op.args[1])
    n = _str_length(em, s)
    j = em.check(em.rt.call(em.b, "rt.index", index, n,
                            em.rt.cstring("string index out of range")), "j")
    return em.b.call(em.rt.capi("PyUnicode_ReadChar"), [s, j], name=op.result.name or "ch")


@handles("str_eq")
def _str_eq(em, op):
    args = [em.value(a) for a in op.args]
    r = em.b.call(em.rt.capi("PyObject_RichCompareBool"), args + [ir.Constant(I32, 2)])
    em.fail_if(em.b.icmp_signed("<", r, ir.Constant(I32, 0)))
    return em.b.icmp_signed("!=", r, ir.Constant(I32, 0), name=op.result.name or "eq")


@handles("str_to_int")
def _str_to_int(em, op):
    """CPython's parse through the op table's own function (its errors)."""
    from flowgraph.operations import str_to_int
    p = em.b.call(em.rt.capi("PyObject_CallOneArg"),
                  [em.rt.pyobj(str_to_int, "str_to_int"), em.value(op.args[0])], name="parsed")
    em.fail_if(em.b.icmp_unsigned("==", p, NULL))
    return take_item(em, lltypes.Signed, p)


@handles("str_hash")
def _str_hash(em, op):
    """CPython's hash of the str (never -1: that is the error value)."""
    h = em.b.call(em.rt.capi("PyObject_Hash"), [em.value(op.args[0])], name=op.result.name or "h")
    em.fail_if(em.b.icmp_signed("==", h, ir.Constant(I64, -1)))
    return h


@handles("cast_char_to_str")
def _cast_char_to_str(em, op):
    p = em.rt.call(em.b, "rt.box.Char", em.value(op.args[0]), result=op.result.name or "str")
    em.fail_if(em.b.icmp_unsigned("==", p, NULL))
    return p


# -- a JIT's native baseline: merge points count, then call back -----------------------
#
# A graph whose `_cache[MERGE_HOOK]` is a `MergeHook` (timeshifter/jit.py) is
# a JIT's baseline tier: `can_enter_jit` arms a flag of the function; a
# global merge point reached armed disarms it and counts the pass natively,
# in a table of COUNTERS counters of the merge point indexed by a hash of its
# green values (collisions only make a key hot sooner).  Each time a counter
# reaches the hook's threshold, the pass calls
# `hook.call(site, passes, *live values)` (`passes`: the threshold, the passes
# counted since the last call), which returns None to go on (the counter
# starts again from 0: a key that failed to compile costs one call per
# `threshold` passes), an int n to go on and call back only after n more
# passes than that (a key whose code is being compiled), or `(result,)` when
# compiled code ran the rest of the call: the function then returns that
# result at once.  So the baseline calls Python once per loop entry of a hot
# key, not once per pass (a threshold of 1: every pass, as the JIT's events
# need).

MERGE_HOOK = "merge_hook"
COUNTERS = 256                   # per merge point (a power of two)
MAX_THRESHOLD = 1 << 30          # a counter is an i32; past this, Python counts


@dataclass
class MergeHook:
    call: object        # (site, passes, *live values) -> None or (result,)
    greens: object      # site -> positions of its green values among the live
                        #   ones, or None where no compiled code can start
    threshold: int      # passes of a key counted natively before the calls


def _armed_slot(em):
    slot = getattr(em.fn, "_ts_armed", None)
    if slot is None:
        slot = em.fn._ts_armed = entry_alloca(em.fn, I8, 1, "armed")
        eb = ir.IRBuilder(em.fn.entry_basic_block)
        eb.position_after(slot)
        eb.store(ir.Constant(I8, 0), slot)
    return slot


def _word(em, v):
    """The machine word of a flow-graph value, an i64 (a gcref by identity)."""
    b, T, x = em.b, v.concretetype, em.value(v)
    if is_gcref(T):
        return b.ptrtoint(x, I64)
    if T is lltypes.Float:
        return b.bitcast(x, I64)
    return b.zext(x, I64) if x.type != I64 else x


def _green_hash(em, values: list):
    """An i64 mixing the machine words of `values` (a gcref by identity)."""
    b, h = em.b, ir.Constant(I64, 0xCBF29CE484222325)
    for v in values:
        h = b.mul(b.xor(h, _word(em, v)), ir.Constant(I64, 0x100000001B3))
    return b.xor(h, b.lshr(h, ir.Constant(I64, 29)))


def _count_natively(em, hook: MergeHook, greens: list):
    """Count the pass in the merge point's table: (the i64 `passes` to report,
    the counter, the block where the caller's block goes on), the builder in
    the block where the threshold is reached."""
    b = em.b
    limit = min(hook.threshold, MAX_THRESHOLD)
    table_type = ir.ArrayType(I32, COUNTERS)
    table = ir.GlobalVariable(em.rt.module, table_type,
                              em.rt.module.get_unique_name("merge.counts"))
    table.linkage = "internal"
    table.initializer = ir.Constant(table_type, None)
    index = b.and_(_green_hash(em, greens), ir.Constant(I64, COUNTERS - 1))
    slot = b.gep(table, [ir.Constant(I64, 0), index], inbounds=True)
    old = b.load(slot, typ=I32)
    new = b.add(old, ir.Constant(I32, 1))
    hot = b.icmp_signed(">=", new, ir.Constant(I32, limit))
    b.store(b.select(hot, ir.Constant(I32, limit), new), slot)      # saturated when hot
    cold_bb = em.fn.append_basic_block(f"{em.label}.cold")
    hot_bb = em.fn.append_basic_block(f"{em.label}.hot")
    b.cbranch(hot, hot_bb, cold_bb).set_weights([1, 1000])
    b.position_at_end(hot_bb)
    return i64(limit), slot, cold_bb


def _merge_point(em) -> None:
    from flowgraph.interp.runtime import MergePoint
    from flowgraph.liveness import live_in
    b, rt = em.b, em.rt
    block, index = em.current, em.opindex
    live = [v for v in live_in(block, index + 1) if v.concretetype is not Void]
    site = MergePoint(em.graph, block, index + 1, tuple(live))
    hook = em.graph._cache[MERGE_HOOK]
    positions = hook.greens(site)
    if positions is None:
        return                                  # no compiled code can start here
    call = rt.pyobj(hook.call, "merge_hook")
    slot = _armed_slot(em)
    with b.if_then(b.icmp_unsigned("!=", b.load(slot, typ=I8), ir.Constant(I8, 0)),
                   likely=False):
        b.store(ir.Constant(I8, 0), slot)
        passes, counter, cold_bb = _count_natively(em, hook, [live[k] for k in positions])
        argv = entry_alloca(em.fn, PTR, len(live) + 2, "merge.args")
        b.store(rt.pyobj(site, "merge_point"), argv)
        boxed = [new_box(em, lltypes.Signed, passes)]
        em.hold(boxed[0])
        b.store(boxed[0], b.gep(argv, [i64(1)], source_etype=PTR))
        for k, v in enumerate(live):
            T = v.concretetype
            p = em.value(v) if is_gcref(T) else new_box(em, T, em.value(v))
            if not is_gcref(T):
                boxed.append(p)
                em.hold(p)
            b.store(p, b.gep(argv, [i64(k + 2)], source_etype=PTR))
        r = b.call(rt.capi("PyObject_Vectorcall"), [call, argv, i64(len(live) + 2), NULL],
                   name="merged")
        for p in boxed:
            em.unhold(p)
            rt.decref(b, p)
        em.fail_if(b.icmp_unsigned("==", r, NULL))
        is_none = b.icmp_unsigned("==", r, rt.pyobj(None, "None"))
        is_int = is_exact(rt, b, r, int)
        with b.if_else(b.or_(is_none, is_int)) as (go_on, ran):
            with go_on:
                with b.if_else(is_int) as (skip, again):
                    with skip:                  # count `threshold` + n passes
                        n = b.call(rt.capi("PyLong_AsLongLong"), [r], name="skip")
                        b.store(b.trunc(b.sub(passes, n), I32), counter)
                    with again:                 # count `threshold` passes again
                        b.store(ir.Constant(I32, 0), counter)
                rt.decref(b, r)
            with ran:                           # (result,): return it
                T = em.graph.return_type
                em.hold(r)
                value = None
                if T is not Void:
                    value = read_item(em, T, load_at(b, r, TUPLE_ITEMS, PTR, "result"))
                em.unhold(r)
                rt.decref(b, r)
                em.release(em.owned)
                ret = ir.Constant(result_struct(T), ir.Undefined)
                if value is not None:
                    ret = b.insert_value(ret, value, 0)
                b.ret(b.insert_value(ret, ir.Constant(I1, 0), 1))
                b.position_at_end(b.function.append_basic_block(f"{em.label}.unreachable"))
                b.unreachable()
        b.branch(cold_bb)
        b.position_at_end(cold_bb)


# -- leaving at merge points for compiled code ---------------------------------------------
#
# A graph whose `_cache[MERGE_EXIT]` is a `MergeExit` (a megamorphic promotion
# path's continuations, timeshifter/megamorphic.py) leaves at its global merge
# points for compiled code when there is some for the point's green key: the
# address of a native function of the values at `exit.reds(site)` returning
# the graph's result type, which it tail-calls (so loops between the two nest
# nothing).  Each merge point remembers its last key natively: a cell
# `exit.cache(site)`, [address, green words...] (a gcref by identity), tested
# inline; a different key asks `exit.lookup(site, *values)` in Python (site:
# a MergePoint whose live values are the block's input arguments), which
# returns the address or 0 (go on here) and keeps the key's green objects
# alive while the cell holds their words.

MERGE_EXIT = "merge_exit"


@dataclass
class MergeExit:
    lookup: object      # (site, *live values) -> address or 0
    reds: object        # site -> positions of the values to pass, or None: no exit
    greens: object      # site -> positions of the values the key is made of
    cache: object       # site -> ctypes int64 array of 1 + len(greens(site))


def _merge_exit(em, index: int) -> None:
    from flowgraph.interp.runtime import MergePoint
    from rgen.llvm.calls import call_python
    b, block = em.b, em.current
    live = [v for v in block.inputargs if v.concretetype is not Void]
    site = MergePoint(em.graph, block, index + 1, tuple(live))
    exit_ = em.graph._cache[MERGE_EXIT]
    reds = exit_.reds(site)
    if reds is None:
        return
    cell = exit_.cache(site)
    em.rt.pyobj(cell, "merge_cache")                         # kept alive with the code
    base = em.rt.address_global(ctypes.addressof(cell), "merge.cell", I64)
    words = [_word(em, live[k]) for k in exit_.greens(site)]

    def slot(k):
        return b.gep(base, [i64(k)], source_etype=I64)

    cached = b.load(slot(0), typ=I64, name="merge.cached")
    hit = b.icmp_unsigned("!=", cached, i64(0))
    for k, word in enumerate(words, 1):
        hit = b.and_(hit, b.icmp_unsigned("==", b.load(slot(k), typ=I64), word))
    leave = em.fn.append_basic_block(f"{em.label}.merge.exit")
    ask = em.fn.append_basic_block(f"{em.label}.merge.ask")
    found = em.fn.append_basic_block(f"{em.label}.merge.found")
    stay = em.fn.append_basic_block(f"{em.label}.merge.stay")
    here = b.block
    b.cbranch(hit, leave, ask)
    b.position_at_end(ask)
    address = call_python(em, exit_.lookup, [Constant(site, Void)] + live, lltypes.Signed)
    b.cbranch(b.icmp_unsigned("!=", address, i64(0)), found, stay)
    b.position_at_end(found)
    for k, word in enumerate(words, 1):
        b.store(word, slot(k))
    b.store(address, slot(0))
    asked = b.block
    b.branch(leave)
    b.position_at_end(leave)
    target = b.phi(I64, name="merge.address")
    target.add_incoming(cached, here)
    target.add_incoming(address, asked)
    args = [live[k] for k in reds]
    fnty = ir.FunctionType(result_struct(em.graph.return_type),
                           [lltype(v.concretetype) for v in args])
    em.tail_transfer(b.inttoptr(target, fnty.as_pointer(), name="merge.fn"), args)
    b.position_at_end(stay)


# -- copies ---------------------------------------------------------------------------------

@handles("same_as", "hint", "cast_pointer")
def _same_as(em, op):
    if op.opname == "hint" and em.graph._cache.get(MERGE_HOOK) is not None:
        flags = op.args[1].value.split(",")
        if "can_enter_jit" in flags:
            em.b.store(ir.Constant(I8, 1), _armed_slot(em))
        if "global_merge_point" in flags:
            _merge_point(em)
    if op.opname == "hint" and em.graph._cache.get(MERGE_EXIT) is not None and (
            "global_merge_point" in op.args[1].value.split(",")):
        _merge_exit(em, em.opindex)
    value = em.value(op.args[0])
    if value is not None and is_gcref(op.result.concretetype):
        em.rt.incref(em.b, value)
    return value

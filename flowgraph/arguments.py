"""Argument checking: the one conversion of Python arguments every mode uses.

`check_arguments(graph, args)` returns the arguments `graph` runs on, or
raises exactly as every execution mode does (`run_graph`, a residual graph
interpreted, native code, `comp(...)`):

    arity     TypeError, CPython's message ("f() takes 1 positional argument
              but 3 were given", "f() missing 1 required positional argument: 'y'");
              the graph's `defaults` fill in its last parameters left out
    int       an `int` (not a bool), -2**63 <= x < 2**63, else OverflowError
    float     a `float`; an `int` is converted with float() (PEP 484's numeric
              tower, as green values are)
    bool      True or False only, never a truth value
    str       a `str`; a character: a `str` of length 1
    list[T]   a `list` itself, not a subclass (native code reads items inline,
              so an overridden `__getitem__` could not be honoured).  Items of
              int, float or bool are checked where they are read, in every mode
              (`item_checker`): a call costs O(1) plus what the code reads, and
              an item is converted by the rule of a parameter of its type (an
              int read from a list[float] is a float; the list is not changed).
              Items of other types (str, lists, instances) are checked here,
              every one exactly of type T, never converted.  Green lists are
              checked whole (`check_value`): the generating extension reads them.
    dict[K, V] a `dict` itself, every key and value exactly of its type, here
    tuple[..] a `tuple` of that length, each item checked (and converted) by
              the rule of its type, here (native code reads items inline)
    a class   an instance of exactly that class, or None
    None      (a Void parameter) anything: the value is never read

A rejection is a TypeError (an OverflowError for an int out of range) naming
the function, the parameter and the expected type:
"f() argument 'x' must be int, not float".

Algorithm: per graph, the source of one checking function is generated (one
`if` per parameter with an inline fast test, falling back to the slow
`_convert` only on a mismatch) and cached in `graph._cache`;
native code runs the same tests inline in its entry (rgen/llvm/fastcall.py)
and calls this check only for arguments they reject.  A list of str (or of
lists, of instances) is scanned at C speed: about 45 ns per item, per call.
"""

from __future__ import annotations

from flowgraph.interp.runtime import record_class
from flowgraph.lltypes import (ArrayType, Bool, Char, Float, ListType, Signed, Str, StructType,
                               TupleType, Void, DictType)
from flowgraph.operations import MAXINT, MININT, OPS
from flowgraph.builder.typeinfer import type_name

CACHE_KEY = "argument_checker"
_INT, _FLOAT = {int}, {float}
_MISSING = object()                     # an argument not given (fails every test)


def check_arguments(graph, args: tuple) -> tuple:
    """`args` as `graph` runs on them (floats for ints where a float is wanted),
    or the TypeError / OverflowError every mode raises."""
    return argument_checker(graph)(args)


def argument_checker(graph):
    """The (cached) function `check(args) -> args` of `graph`."""
    checker = graph._cache.get(CACHE_KEY)
    if checker is None:
        checker = graph._cache[CACHE_KEY] = make_checker(graph)
    return checker


def check_value(function: str, name: str, T, value):
    """One value for parameter `name` of type T (see the module docstring)."""
    if _fits(T, value):
        return value
    return _convert(function, name, T, value)


def make_checker(graph):
    """The checking function of `graph`'s parameters: `check(args) -> args`."""
    params = graph.getargs()
    names = [v.name or f"arg{i}" for i, v in enumerate(params)]
    lines = ["def check(args):",
             f"    if len(args) != {len(params)}:",
             "        args = complete(args)"]
    if params:
        lines.append(f"    {''.join(f'a{i}, ' for i in range(len(params)))}= args")
    for i, v in enumerate(params):
        lines.append(f"    if not ({_fast_test(v.concretetype, f'a{i}', i)}):")
        lines.append(f"        a{i} = convert({names[i]!r}, T{i}, a{i})")
        lines.append("        args = None")
    lines.append(f"    return args or ({''.join(f'a{i}, ' for i in range(len(params)))})")
    scope = _scope([v.concretetype for v in params])
    function = graph.source_name
    scope.update(convert=lambda name, T, value: _convert(function, name, T, value),
                 complete=lambda args: _complete(function, names, graph.defaults, args))
    for i, v in enumerate(params):
        scope[f"T{i}"] = v.concretetype
    exec(compile("\n".join(lines), f"<argument check of {graph.name}>", "exec"), scope)
    return scope["check"]


def _scope(types: list) -> dict:
    """The names the generated tests use."""
    scope = {"MININT": MININT, "MAXINT": MAXINT, "int": int, "float": float, "str": str,
             "len": len, "MISSING": _MISSING}
    for i, T in enumerate(types):
        scope[f"fits{i}"] = lambda value, T=T: _fits(T, value)
        if isinstance(T, StructType):
            scope[f"cls{i}"] = record_class(T)
    return scope


def scalar_test(T, a: str) -> str:
    """Python source: does the value `a` pass for the scalar type T (one of
    CHECKED_FIELDS) unchanged?  Generated checkers of arguments and of field
    reads (flowgraph/interp/emit.py) inline it."""
    if T is Signed:
        return f"{a}.__class__ is int and {MININT} <= {a} <= {MAXINT}"
    if T is Float:
        return f"{a}.__class__ is float"
    assert T is Bool, T
    return f"{a} is True or {a} is False"


def _fast_test(T, a: str, i: int) -> str:
    if T in CHECKED_FIELDS:
        return scalar_test(T, a)
    if T is Str:
        return f"{a}.__class__ is str"
    if T is Char:
        return f"{a}.__class__ is str and len({a}) == 1"
    if T is Void:
        return f"{a} is not MISSING"
    if isinstance(T, StructType):
        return f"{a}.__class__ is cls{i} or {a} is None"
    if items_checked_when_read(T):
        return f"{a}.__class__ is list"
    return f"fits{i}({a})"


def items_checked_when_read(T) -> bool:
    """Is T a list (or array) whose items are checked where they are read?"""
    return isinstance(T, (ListType, ArrayType)) and T.item in CHECKED_FIELDS


def _known_subclass(cls: type, T) -> bool:
    """Is `cls` a subclass of T's class that compiled code knows?  Method
    calls dispatch on the subclasses that existed when they were built
    (`builder/call.py`): an instance of a class made later is refused
    rather than run with the wrong method."""
    from flowgraph.builder.signatures import is_known_class
    return T.pyclass is not None and issubclass(cls, T.pyclass) and is_known_class(cls)


def _fits(T, value) -> bool:
    """Does `value` pass for type T without conversion?"""
    cls = value.__class__
    if T is Signed:
        return cls is int and MININT <= value <= MAXINT
    if T is Float:
        return cls is float
    if T is Bool:
        return value is True or value is False
    if T is Str:
        return cls is str
    if T is Char:
        return cls is str and len(value) == 1
    if T is Void:
        return True
    if isinstance(T, StructType):        # the class, a subclass of it, or None
        return cls is record_class(T) or value is None or _known_subclass(cls, T)
    if isinstance(T, DictType):
        return cls is dict and all(_fits(T.key, k) and _fits(T.value, v)
                                   for k, v in value.items())
    if isinstance(T, TupleType):
        return cls is tuple and len(value) == len(T.items) \
            and all(_fits(t, x) for t, x in zip(T.items, value))
    if isinstance(T, (ListType, ArrayType)):
        item = T.item
        if cls is not list:
            return False
        if not value:
            return True
        if item is Signed:          # C-speed scans: the item types, then the range
            return set(map(type, value)) == _INT and MININT <= min(value) <= max(value) <= MAXINT
        if item is Float:
            return set(map(type, value)) == _FLOAT
        return all(_fits(item, x) for x in value)
    return True


CHECKED_FIELDS = (Signed, Float, Bool)


def field_checker(struct_name: str, field: str, T):
    """`check(value)` for a read of the field `struct_name.field` of type T
    (one of CHECKED_FIELDS), the same in every mode: the value itself, an
    int converted for a float field, else the TypeError / OverflowError
    naming the field ("Cell.v must be int, not float").  Code runs it only
    where its inline test of the value fails.  One per (name, field, type)."""
    key = (struct_name, field, T)
    check = _field_checkers.get(key)
    if check is None:
        check = _field_checkers[key] = _make_field_checker(f"{struct_name}.{field}", T)
    return check


_field_checkers: dict = {}


def _make_field_checker(where: str, T):
    def check(value):
        if _fits(T, value):
            return value
        return _convert_at(where, T, value)
    return check


def checks_item(op) -> bool:
    """Does `op` read (or pop) an int, float or bool item of a list or
    array, which is checked where read?"""
    desc = OPS[op.opname]
    return (desc.kind in ("read", "pop") and desc.container is not None and desc.field is None
            and op.result.concretetype in CHECKED_FIELDS
            and isinstance(op.args[0].concretetype, (ListType, ArrayType)))


def item_checker(graph, lst):
    """`check(value, index)` for an item at `index` (not negative) read from
    the list `lst` (a Variable or Constant of `graph`) by an op for which
    `checks_item` holds; run where the value fails its inline test
    (`scalar_test`): the value converted (an int read as a float), else the
    TypeError / OverflowError naming the parameter the list came from, when
    it surely came from one ("f() argument 'xs' must be list[int], not a
    list with a float at index 900"), else the function reading it."""
    name = None if hasattr(lst, "value") else _list_parameters(graph).get(lst)
    where = (f"{graph.source_name}() argument '{name}'" if name is not None
             else f"a list read in {graph.source_name}()")
    key = (where, lst.concretetype)
    check = _item_checkers.get(key)
    if check is None:
        check = _item_checkers[key] = _make_item_checker(where, lst.concretetype)
    return check


_item_checkers: dict = {}
_tuple_checkers: dict = {}


def tuple_checker(T):
    """`check(value) -> None` raising the TypeError for a value that is not a
    tuple of type T (a tuple[...] read from a list item or a field, which
    native code reads inline)."""
    check = _tuple_checkers.get(T)
    if check is None:
        def check(value):
            if not _fits(T, value):     # no conversion: the tuple is read in place
                _convert_at("a tuple read from a list or a field", T, value)
                raise TypeError(f"a tuple read from a list or a field must be "
                                f"{type_name(T)}, not {value!r:.60}")
        check = _tuple_checkers[T] = check
    return check


def _make_item_checker(where: str, T):
    def check(value, index):
        if _fits(T.item, value):
            return value
        if T.item is Float and value.__class__ is int:
            try:
                return float(value)
            except OverflowError:
                raise OverflowError(f"{where}: item {index} must be float, not an int too "
                                    "large to convert to float") from None
        _item_error(where, T, index, value)
    return check


_BOTTOM = -1                            # a variable holding no one parameter's list


def _list_parameters(graph) -> dict:
    """Variable -> the name of the list parameter whose object it surely
    holds (passed along links and `same_as`); cached per graph.  A forward
    dataflow over the lattice  unknown > parameter index > _BOTTOM: an op's
    result or a constant is _BOTTOM, a block's input the meet of what its
    links pass."""
    cached = graph._cache.get("list_parameters")
    if cached is not None:
        return cached
    params = graph.getargs()
    origin = {v: i for i, v in enumerate(params)}
    inputs, alias = set(), {}
    for block in graph.iterblocks():
        inputs.update(block.inputargs)
        for op in block.operations:
            if op.opname == "same_as":
                alias[op.result] = op.args[0]

    def resolve(a):
        while a in alias:
            a = alias[a]
        return a

    links = list(graph.iterlinks())
    changed = True
    while changed:
        changed = False
        for link in links:
            for a, t in zip(link.args, link.target.inputargs):
                a = resolve(a)
                if a in origin:
                    source = origin[a]
                elif a in inputs:
                    continue                    # not reached yet
                else:
                    source = _BOTTOM            # an op's result or a constant
                now = origin.get(t)
                new = source if now is None or now == source else _BOTTOM
                if new != now:
                    origin[t] = new
                    changed = True
    names = {}
    for v in list(origin) + list(alias):
        i = origin.get(resolve(v), _BOTTOM)
        if i != _BOTTOM and isinstance(params[i].concretetype, (ListType, ArrayType)):
            names[v] = params[i].name or f"arg{i}"
    graph._cache["list_parameters"] = names
    return names


def _convert(function: str, name: str, T, value):
    """The value converted (an int for a float), else the error for it."""
    return _convert_at(f"{function}() argument '{name}'", T, value)


def _convert_at(where: str, T, value):
    """The value converted (an int for a float), else the error naming `where`."""
    cls = value.__class__
    if isinstance(T, StructType) and _fits(T, value):
        return value                # a subclass's instance (the fast test wants the class)
    if T is Float and cls is int:
        try:
            return float(value)
        except OverflowError:
            raise OverflowError(f"{where} must be float, not an int too large to convert "
                                "to float") from None
    if T is Signed and cls is int:
        raise OverflowError(f"{where} does not fit in a 64-bit int: {_short(value)}")
    if isinstance(T, (ListType, ArrayType)) and cls is list:
        for index, item in enumerate(value):
            if not _fits(T.item, item):
                _item_error(where, T, index, item)
    if T is Char and cls is str:
        raise TypeError(f"{where} must be a str of length 1, not a str of length "
                        f"{len(value)}")
    if isinstance(T, DictType) and cls is dict:
        for k, v in value.items():
            for what, t, x in (("key", T.key, k), ("value", T.value, v)):
                if not _fits(t, x):
                    name = x.__class__.__name__
                    article = "an" if name[:1].lower() in "aeiou" else "a"
                    place = "" if what == "key" else f" at key {k!r:.40}"
                    raise TypeError(f"{where} must be {type_name(T)}, not a dict with "
                                    f"{article} {name} {what}{place}")
    if isinstance(T, TupleType) and cls is tuple:
        if len(value) != len(T.items):
            raise TypeError(f"{where} must be {type_name(T)}, not a tuple of {len(value)} "
                            f"item{'s' if len(value) != 1 else ''}")
        return tuple(x if _fits(t, x) else _convert_at(f"{where}, item {i},", t, x)
                     for i, (t, x) in enumerate(zip(T.items, value)))
    raise TypeError(f"{where} must be {type_name(T)}, not {cls.__name__}")


def _item_error(where: str, T, index: int, item):
    cls = item.__class__
    if T.item is Signed and cls is int:
        raise OverflowError(f"{where}: item {index} does not fit in a 64-bit int: "
                            f"{_short(item)}")
    article = "an" if cls.__name__[:1].lower() in "aeiou" else "a"
    raise TypeError(f"{where} must be {type_name(T)}, not a list with {article} "
                    f"{cls.__name__} at index {index}")


def _short(n: int) -> str:
    text = str(n)
    return text if len(text) <= 40 else f"a {n.bit_length()}-bit int"


def _complete(function: str, names: list, defaults: tuple, args: tuple) -> tuple:
    """`args` with the defaults of the parameters left out, or CPython's
    TypeError for a wrong number of arguments."""
    n, given = len(names), len(args)
    required = n - len(defaults)
    if required <= given < n:
        return tuple(args) + defaults[given - required:]
    if given > n:
        takes = f"from {required} to {n}" if defaults else str(n)
        raise TypeError(f"{function}() takes {takes} positional argument{'s' if n != 1 else ''} "
                        f"but {given} {'was' if given == 1 else 'were'} given")
    missing = [f"'{name}'" for name in names[given:required]]
    if len(missing) == 1:
        listed = missing[0]
    elif len(missing) == 2:
        listed = f"{missing[0]} and {missing[1]}"
    else:
        listed = ", ".join(missing[:-1]) + f", and {missing[-1]}"
    raise TypeError(f"{function}() missing {len(missing)} required positional argument"
                    f"{'s' if len(missing) != 1 else ''}: {listed}")

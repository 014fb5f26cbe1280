"""Dicts with int or str keys (issue 12 item 6, first part): literals (an
empty one typed by its annotation), d[k] (CPython's KeyError), d[k] = v,
k in d, len(d), d.get(k, default), d.pop(k[, default]), d.setdefault(k,
default), for k in d (or d.keys()), for v in d.values(), for k, v in d.items(), as
parameters checked whole; in every
mode against CPython.  A dict is a real object at run time (never virtual);
a deep-frozen green dict read at green keys folds."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint
from tests.differential import assert_every_mode


def word_counts(words: list[str], k: str) -> int:
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    sizes = {1: "one", 2: "two", 3: "three"}
    r = len(counts) * 100 + (counts[k] if k in counts else -1)
    if "a" not in counts:
        r += 1000
    return r + len(sizes[len(words) % 3 + 1]) + counts["b"]


def scores(table: dict[str, float], name: str) -> float:
    table[name] = table.get(name, 0.5) * 2
    return table[name] + len(table)


def iterated(d: dict[str, int], grow: int) -> int:
    """for k in d, for k, v in d.items() (values read as their keys come:
    stores in the body are seen), CPython's RuntimeError when the size changes."""
    total = 0
    for k in d:
        total = total * 7 + len(k)
    for k, v in d.items():
        total += v
        if grow == 1:
            d[k] = v * 2
        if grow == 2:
            d[k + "!"] = 1
    return total


def deleted(d: dict[int, str], k: int) -> int:
    del d[k]
    if k + 1 in d:
        del d[k + 1], d[k + 2]
    return len(d)


def views(d: dict[str, int], grow: int) -> int:
    """for k in d.keys(), for v in d.values() (values read as their keys
    come: the body's stores are seen), CPython's RuntimeError on a new key."""
    total = 0
    for k in d.keys():
        total = total * 7 + len(k)
    for v in d.values():
        total = total * 5 + v
        d["a"] = v + 1
        if grow == 1:
            d["k" * (v + 2)] = 1
    return total


def updated(d: dict[int, int], k: int) -> int:
    """d.pop(k) (KeyError as CPython's), d.pop(k, default),
    d.setdefault(k, default), each on present and absent keys."""
    a = d.pop(k, -1)
    b = d.setdefault(k + 1, 7)
    c = d.setdefault(k + 1, 8)
    e = d.pop(k + 2)
    return a * 1000000 + b * 10000 + c * 100 + e + len(d) * 7


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:                    # the same type and message in every mode
        return (type(exc), str(exc))


CASES = [(word_counts, (["a", "b", "a"], "a")), (word_counts, (["b", "c"], "z")),
         (word_counts, (["x"], "x")), (scores, ({"a": 1.5}, "a")), (scores, ({}, "b")),
         (iterated, ({"a": 1, "bb": 2}, 0)), (iterated, ({"a": 1, "bb": 2}, 1)),
         (iterated, ({"a": 1, "bb": 2}, 2)), (iterated, ({}, 2)),
         (deleted, ({1: "a", 2: "b", 3: "c"}, 1)), (deleted, ({1: "a", 2: "b"}, 1)),
         (deleted, ({1: "a"}, 5)), (views, ({"a": 1, "bb": 2}, 0)),
         (views, ({"a": 1, "bb": 2}, 1)), (views, ({}, 1)),
         (updated, ({1: 10, 2: 20, 3: 30}, 1)), (updated, ({1: 10, 3: 30}, 1)),
         (updated, ({5: 50, 7: 70}, 5)), (updated, ({1: 10}, 1)), (updated, ({}, 0))]


@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{i}" for i, (f, _)
                                                   in enumerate(CASES)])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


@pytest.mark.parametrize("table, message", [
    ({"a": "x"}, "must be dict[str, float], not a dict with a str value at key 'a'"),
    ({"a": 1}, "must be dict[str, float], not a dict with an int value at key 'a'"),
    ({2: 1.5}, "must be dict[str, float], not a dict with an int key"),
    ([("a", 1.5)], "must be dict[str, float], not list"),
])
def test_a_wrong_dict_argument_is_the_same_error_in_every_mode(table, message):
    """A dict is used in place, so its items are checked, never converted
    (an int value for a float is an error, unlike a list item read)."""
    g = flowgraph.build_graph(scores)
    res = timeshifter.make_compiler(scores).specialize()
    native = rgen.compile_graph(g)
    for mode in (lambda *a: flowgraph.run_graph(g, *a), native, native.fast, res, res.interpret):
        assert outcome(mode, table, "a") == (TypeError, "scores() argument 'table' " + message)


def opcode_of(names: dict[str, int], word: str, x: int) -> int:
    names = hint(names, deepfreeze=True)
    word = hint(word, concrete=True)
    return x * names[word] + names.get("zero", 0)


def test_a_deep_frozen_dict_read_at_green_keys_folds():
    res = timeshifter.make_compiler(opcode_of, green=["names", "word"]).specialize(
        {"add": 1, "mul": 7}, "mul")
    assert res(3) == res.interpret(3) == opcode_of({"add": 1, "mul": 7}, "mul", 3) == 21
    # names["mul"] is 7 and names.get("zero", 0) is 0: x * 7 + 0
    assert Counter(op.opname for op in res.graph.iteroperations()) == {"int_mul": 1}


def untyped_empty() -> int:
    d = {}
    return len(d)


def float_keys(d: dict[float, int]) -> int:
    return len(d)


def bad_key(d: dict[str, int]) -> int:
    return d[3]


def cleared(d: dict[str, int]) -> int:
    d.clear()
    return len(d)


@pytest.mark.parametrize("func, message", [
    (cleared, r"method '\.clear\(\)' of a dict is not supported; dicts support d\[k\], "
              r"d\[k\] = v, del d\[k\], k in d, len\(d\), d\.get\(k, default\), "
              r"d\.pop\(k\[, default\]\), d\.setdefault\(k, default\), and for loops over "
              r"d, d\.keys\(\), d\.values\(\) and d\.items\(\)"),
    (untyped_empty, r"cannot infer the type of the empty dict \{\}; annotate the variable, "
                    r"e.g. 'd: dict\[str, int\] = \{\}'"),
    (float_keys, r"a dict's keys must be int or str, not float"),
    (bad_key, r"a key of a dict\[str, int\] must be str, not int"),
])
def test_what_stays_out_is_named(func, message):
    with pytest.raises(FlowError, match=message) as info:
        flowgraph.build_graph(func)
    assert "test_dicts.py" in str(info.value)

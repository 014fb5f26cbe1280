"""String concatenation (`s + t`, a character being a one-character string),
repetition (`s * n`, `n * s`, a character too), slicing (`s[a:b]`, either bound left out,
CPython's negative and clamped bounds), `int(s)` and `hash(s)` in every mode, against CPython: the graph
interpreter, native code of the whole function, and specialisations with the
strings green (folded by the generating extension) or red (residual
`str_concat` / `str_mul`), interpreted and native (issue 12 item 4)."""

from collections import Counter

import pytest

import flowgraph
import rgen
import timeshifter


def greeting(name: str, n: int) -> str:
    line = "hello, " + name + "!"
    return line * n + name[0] + "-" * 3 + 2 * "ab"


def repeated_chars(s: str, n: int) -> str:
    """A character (an item of a str) repeated: a str, as in CPython."""
    return s[0] * n + "|" + n * s[-1]


def joined(words: list[str], sep: str) -> str:
    out = ""
    i = 0
    while i < len(words):
        if i:
            out = out + sep
        out = out + words[i]
        i += 1
    return out


def pieces(s: str, a: int, b: int) -> str:
    return s[a:b] + "|" + s[a:] + "|" + s[:b] + "|" + s[:] + "|" + s[-2:] + s[True:]


def words(text: str) -> int:
    """Words of a text, sliced out at each space, counted by length."""
    total = 0
    start = 0
    i = 0
    while i <= len(text):
        if i == len(text) or text[i] == " ":
            word = text[start:i]
            if word:
                total = total * 10 + len(word)
            start = i + 1
        i += 1
    return total


def parse_sum(s: str) -> int:
    """Comma-separated ints, parsed by int() of slices and of a character."""
    total = 0
    start = 0
    i = 0
    while i <= len(s):
        if i == len(s) or s[i] == ",":
            total += int(s[start:i])
            start = i + 1
        i += 1
    return total + int(s[0])


def reversed_chars(s: str, twice: bool) -> str:
    out = ""
    for c in s:
        out = c + out
    return out * twice + out


def bucket(s: str, c: str, n: int) -> int:
    """A string's hash: CPython's, salted per process, so equal within a run."""
    h = hash(s) ^ hash(c[0]) ^ hash(s[1:] + "x")
    return (h % n) * 10 + (hash(s) == hash(s[:] + "")) + (hash("") == 0)


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:                    # the same type and message in every mode
        return (type(exc), str(exc))


CASES = [(greeting, ("bob", 2)), (greeting, ("x", -1)), (greeting, ("", 3)),
         (greeting, ("\u20ac\U0001F600", 1)), (joined, (["a", "bc", ""], ", ")),
         (joined, ([], "-")), (reversed_chars, ("abc\u20ac", True)),
         (reversed_chars, ("", False)), (pieces, ("hello", 1, 3)),
         (pieces, ("hello", -3, -1)), (pieces, ("", 5, -9)),
         (pieces, ("ab\u20ac", -2**63, 2**63 - 1)), (pieces, ("abc", 2, 1)),
         (words, ("to be or not  to be",)), (words, ("",)),
         (parse_sum, ("1,2,30",)), (parse_sum, ("3,+4_0, -5 ",)), (parse_sum, ("9,x",)),
         (parse_sum, ("",)), (parse_sum, ("5,",)), (parse_sum, ("\u0663,1",)),
         (bucket, ("key", "v", 97)), (bucket, ("\u20ac\U0001F600", "", 5)),
         (bucket, ("k", "z", 0)), (repeated_chars, ("ab", 3)), (repeated_chars, ("x", 0)),
         (repeated_chars, ("xyz", -2)), (repeated_chars, ("", 2))]


@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{a}" for f, a in CASES])
def test_every_mode_agrees_with_cpython(func, args):
    expected = outcome(func, *args)
    g = flowgraph.build_graph(func)
    assert outcome(flowgraph.run_graph, g, *args) == expected
    assert outcome(rgen.compile_graph(g), *args) == expected
    comp = timeshifter.make_compiler(func)
    res = comp.specialize()
    assert outcome(res, *args) == outcome(res.interpret, *args) == expected


@pytest.mark.parametrize("green, counts", [(0, (1, 3, 0)), (1, (1, 5, 1))])
def test_green_parts_fold_and_red_ones_are_residual(green, counts):
    """Constants fold ("-" * 3, 2 * "ab"); with the name green its greeting
    is one constant; a red operand makes the rest of the chain residual."""
    comp = timeshifter.make_compiler(greeting, green=[green])
    res = comp.specialize(("bob", 2)[green])
    red = ("bob", 2)[1 - green]
    assert res(red) == res.interpret(red) == greeting("bob", 2)
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert (ops["str_mul"], ops["str_concat"], ops["str_getitem"]) == counts
    assert ('"hello, bob!"' in str(res.graph)) == (green == 0)


def framed(s: str, n: int) -> str:
    return "[" + s * n + "]" + s[0]


def test_a_green_computation_leaves_no_operation():
    res = timeshifter.make_compiler(framed, green=["s", "n"]).specialize("ab", 2)
    assert res() == res.interpret() == framed("ab", 2) == "[abab]a"
    assert list(res.graph.iteroperations()) == []


def test_a_slice_of_a_green_string_folds_and_a_red_one_is_residual():
    comp = timeshifter.make_compiler(pieces, green=["s"])
    res = comp.specialize("hello")
    assert [res(1, 3), res.interpret(-9, 2)] == [pieces("hello", 1, 3), pieces("hello", -9, 2)]
    ops = Counter(op.opname for op in res.graph.iteroperations())
    assert ops["str_slice"] == 3                # s[a:b], s[a:], s[:b]; the rest are constants
    spec = timeshifter.make_compiler(words, green=["text"]).specialize("ab  cde f")
    assert spec() == spec.interpret() == words("ab  cde f") == 231


def test_int_of_a_str_outside_64_bits_is_an_overflow_error_in_every_mode():
    """CPython would give a big int; an int past 64 bits cannot enter compiled
    code, so every mode of ours raises the same OverflowError."""
    g = flowgraph.build_graph(parse_sum)
    res = timeshifter.make_compiler(parse_sum).specialize()
    text = "1,99999999999999999999"
    expected = (OverflowError, "int() of a str does not fit in a 64-bit int: "
                               "'99999999999999999999'")
    for f in (lambda s: flowgraph.run_graph(g, s), rgen.compile_graph(g), res, res.interpret):
        assert outcome(f, text) == expected


def test_a_hash_of_a_green_string_folds_and_of_a_red_one_is_residual():
    green = timeshifter.make_compiler(bucket, green=["s", "c"]).specialize("key", "v")
    red = timeshifter.make_compiler(bucket, green=["n"]).specialize(97)
    assert green(97) == green.interpret(97) == red("key", "v") == bucket("key", "v", 97)
    assert Counter(op.opname for op in green.graph.iteroperations())["str_hash"] == 0
    # hash(s) twice, hash(c[0]), two of new strings; hash("") folds
    assert Counter(op.opname for op in red.graph.iteroperations())["str_hash"] == 5
    with pytest.raises(flowgraph.FlowError, match=r"hash\(\) of int is not supported "
                       r"\(strings only\)"):
        flowgraph.build_graph(lambda_hash_of_int)


def lambda_hash_of_int(x: int) -> int:
    return hash(x)

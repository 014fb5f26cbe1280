"""`x in s`, `str(x)`, and the methods of str (and of a character) with a
row in the operation table
(flowgraph/operations.py): `find`, `count`, `startswith`, `endswith`,
`replace`, `split`, `join`, `strip`, `lower`, `upper`, `isdigit`, `isalpha`,
`isspace`.  Every mode calls CPython's own method natively, so results and
errors are CPython's; on green strings the pure ones run at compile time."""

from __future__ import annotations

import pytest

import timeshifter
from tests.differential import assert_every_mode
from tests.flow_errors import assert_flow_error


def words(s: str, sep: str) -> int:
    total = 0
    for p in s.split(sep):
        q = p.strip()
        if q.isdigit():
            total += int(q)
        elif q.startswith("x") or q.endswith("!"):
            total += 1000
        total += q.count("a") * 10 + q.find("b")
    return total


def build(s: str) -> str:
    out = []
    for c in s:
        if c.isalpha():
            out.append(c.upper())
        elif c.isspace():
            out.append("_")
        elif c.isdigit():
            out.append(c.upper() * 2)
    return "-".join(out).replace("A", "a").lower() + "|" + " ".join(s.split())


def membership(s: str, t: str) -> int:
    """`x in s` of str values: a search (str_contains); a character in a
    constant str is compared with each of its characters."""
    n = 0
    if t in s:
        n += 1
    if "ab" in s:
        n += 10
    if len(s) > 0 and s[0] in "xyz":
        n += 100
    if t not in "hello":
        n += 1000
    if len(s) > 0 and s[0] in t:
        n += 10000
    return n


def texts(n: int, x: float, b: bool, s: str) -> str:
    """str() of an int, a float, a bool, a str and a character; f-strings."""
    out = str(n) + "," + str(x) + "," + str(b) + "," + str(s)
    if len(s) > 0:
        out += str(s[0]) + f"[{s[0]!s}]"
    return out + f"n={n}, x={x}{b}{s}|" + f"" + f"{n // 2}"


@pytest.mark.parametrize("func, args", [
    (membership, ("xabc", "bc")), (membership, ("", "")), (membership, ("yz", "el")),
    (texts, (-12, 2.5, True, "q")), (texts, (0, -0.0, False, "")),
    (texts, (2**63 - 1, 1e300, True, "\u00e9")),
    (words, ("1, 2,x3 , ab!", ",")), (words, ("a b", "")), (words, ("", " ")),
    (words, ("12 7 9", " ")), (build, ("ab 1\tc",)), (build, ("",)), (build, ("Z9 \u00df",)),
])
def test_str_methods_in_every_mode(func, args):
    assert_every_mode(func, args)


def find_op(code: str, x: int) -> int:
    """On a green string the pure methods are folded; split makes a new list
    (not pure: the residual code makes it)."""
    k = code.find("+") + code.count("-")
    if code.startswith("#"):
        k += 100
    return x * k + len(code.split(","))


def test_green_strings_fold_the_pure_methods():
    res = timeshifter.make_compiler(find_op, green=["code"]).specialize("#a-+-,b")
    assert dict(res.op_counts()) == {"int_mul": 1, "str_split": 1, "list_len": 1,
                                     "int_add": 1}
    assert res(3) == res.interpret(3) == find_op("#a-+-,b", 3) == 3 * 105 + 2


def upper_of_int(n: int) -> str:
    return n.upper()


def two_many(s: str) -> int:
    return s.find("a", 1, 2)


def find_int(s: str) -> int:
    return s.find(3)


def title(s: str) -> str:
    return s.title()


def in_int(s: str, n: int) -> bool:
    return n in s


def str_of_list(xs: list[int]) -> str:
    return str(xs)


@pytest.mark.parametrize("func, text, message", [
    (upper_of_int, "n.upper()", "method '.upper()' of int is not supported"),
    (two_many, "s.find", "'.find()' of a str takes 1 positional arguments here"),
    (find_int, "s.find", "argument 1 of '.find()' must be str, not int"),
    (title, "s.title()", "method '.title()' of str is not supported"),
    (in_int, "n in s", "'in' of a str needs a str on its left, not int"),
    (str_of_list, "str(xs)", "str() of list[int] is not supported; it gives the text of an "
     "int, a float, a bool or a character"),
])
def test_what_stays_out_is_a_clear_error(func, text, message):
    assert_flow_error(func, text, message)

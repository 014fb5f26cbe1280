"""List comprehensions (issue 12, reach) in every mode against CPython: one
or more `for` clauses with `if` tests, nested comprehensions, loop variables
scoped as Python 3 scopes them, a comprehension in a loop condition, over
strings, dict keys and enumerate(); specialised with a green list, the
comprehension runs at compile time and nothing of it is left."""

from collections import Counter

import pytest

import flowgraph
import timeshifter
from flowgraph.errors import FlowError
from hintannotator import hint
from tests.differential import assert_every_mode


def squares_of_odd(n: int) -> int:
    xs = [i * i for i in range(n) if i % 2 == 1]
    return len(xs) * 1000 + sum(xs)


def pairs(n: int, m: int) -> int:
    ps = [i * 10 + j for i in range(n) for j in range(i, m) if (i + j) % 3 != 0]
    total = 0
    for p in ps:
        total = total * 7 % 1000003 + p
    return total


def nested(n: int) -> int:
    rows = [[i * j for j in range(i)] for i in range(n)]
    return sum([sum(row) for row in rows]) + len(rows)


def keeps_outer_names(xs: list[int], x: int) -> int:
    """The comprehension's `x` is another variable than the function's."""
    doubled = [x * 2 for x in xs]
    i = 100
    shifted = [x + i for i in doubled]          # reads the function's x
    return x * 100000 + sum(doubled) + sum(shifted) + i


def in_a_condition(xs: list[int]) -> int:
    steps = 0
    while len([x for x in xs if x > 0]) > 0:
        xs[steps % len(xs)] -= 1
        steps += 1
    return steps


def over_text(s: str) -> list[int]:
    return [ord(c) - 48 for c in s if c != " "]


def over_dict_and_enumerate(n: int) -> int:
    d = {1: n, 2: n * 2, 5: 3}
    keys = [k * 100 for k in d]
    weighted = [i * v for i, v in enumerate(keys)]
    return sum(weighted) + len([k for k in d if d[k] > 3])


def indexing_fails(xs: list[int], k: int) -> int:
    ys = [xs[i] for i in range(k)]
    return sum(ys)


def floats(xs: list[float]) -> float:
    total = 0.0
    for y in [x * 0.5 for x in xs if x == x]:
        total = total * 2.0 + y
    return total


CASES = [(squares_of_odd, (0,)), (squares_of_odd, (7,)), (pairs, (4, 6)), (pairs, (0, 3)),
         (nested, (5,)), (keeps_outer_names, ([1, 2, 3], 7)), (keeps_outer_names, ([], -1)),
         (in_a_condition, ([2, 0, 3],)), (in_a_condition, ([],)), (over_text, ("1 23 4",)),
         (over_dict_and_enumerate, (4,)), (indexing_fails, ([1, 2, 3], 2)),
         (indexing_fails, ([1, 2, 3], 5)), (floats, ([1.5, float("nan"), -2.0],))]


# (a list a comprehension fills in a loop over run-time data is real: said, as
# for the loop written by hand)
@pytest.mark.filterwarnings("ignore::timeshifter.SpecializationWarning")
@pytest.mark.parametrize("func, args", CASES, ids=[f"{f.__name__}{a}" for f, a in CASES])
def test_every_mode_agrees_with_cpython(func, args):
    assert_every_mode(func, args)


def table_sum(code: list[int], x: int) -> int:
    code = hint(code, deepfreeze=True)
    weights = [c * 3 for c in code if c > 1]
    total = 0
    for w in weights:
        total += w * x
    return total


def table_sum_by_hand(code: list[int], x: int) -> int:
    code = hint(code, deepfreeze=True)
    weights = []
    for c in code:
        if c > 1:
            weights.append(c * 3)
    total = 0
    for w in weights:
        total += w * x
    return total


def test_a_comprehension_costs_what_the_loop_it_stands_for_costs():
    """Specialised on a green list, the same residual code as the for loop
    and appends written by hand."""
    counts = []
    for func in (table_sum, table_sum_by_hand):
        comp = timeshifter.make_compiler(func, green=["code"])
        res = comp.specialize([1, 2, 3, 0, 5])
        assert res(7) == res.interpret(7) == func([1, 2, 3, 0, 5], 7) == 210
        counts.append(res.op_counts())
    assert counts[0] == counts[1] and counts[0]["int_mul"] > 0


def mixed(n: int) -> list[int]:
    return [1 if i % 2 else "one" for i in range(n)]


def comprehension_variable_of_two_types(xs: list[int], s: str) -> int:
    a = [x + 1 for x in xs]
    b = [x for x in s]
    return len(a) + len(b)


def test_each_comprehension_has_variables_of_its_own():
    """Two comprehensions may use one name for values of two types."""
    assert_every_mode(comprehension_variable_of_two_types, ([1, 2], "abc"))


def never_typed(n: int) -> int:
    return len([[] for i in range(n)])


def test_a_comprehension_of_two_item_types_names_the_problem():
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(mixed)
    line = mixed.__code__.co_firstlineno + 1
    assert str(e.value) == (f"{__file__}:{line}: the two branches of a conditional expression "
                            "have different types: int and str; CPython would return either "
                            "type, the flow graph needs one")
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(never_typed)
    assert str(e.value).endswith("cannot infer the item type of the empty list []; annotate the "
                                 "variable, e.g. 'xs: list[int] = []'")


def generator(n: int) -> int:
    return sum(i for i in range(n))


def test_a_generator_expression_says_to_write_a_list_comprehension():
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(generator)
    assert str(e.value).endswith("generator expression is not supported; use a list "
                                 "comprehension: [x for x in xs]")


def never_appends(xs: list[int]) -> int:
    return len([x for x in xs if False])


def test_a_comprehension_that_never_appends_says_so():
    """Its item type comes from the appends: with none, the message names it."""
    with pytest.raises(FlowError) as e:
        flowgraph.build_graph(never_appends)
    line = never_appends.__code__.co_firstlineno + 1
    assert str(e.value) == (f"{__file__}:{line}: cannot infer the item type of the list "
                            "comprehension (it never appends a typed value); build the list "
                            "with a for loop into an annotated variable, e.g. "
                            "'xs: list[int] = []'")

"""Every construct outside the subset is a FlowError naming the construct,
the file and the line (and what to write instead); type conflicts name both
places.  Messages are compared exactly."""

import pytest

import flowgraph
from flowgraph import FlowError
from tests.flow_errors import assert_flow_error as expect_error, line_of

FILE = __file__


# -- unsupported constructs --------------------------------------------------------------

def uses_yield(n: int) -> int:
    yield n


def uses_with(n: int) -> int:
    with open("x") as f:
        pass
    return n


def uses_lambda(n: int) -> int:
    f = lambda x: x + 1
    return f(n)


def uses_nested_def(n: int) -> int:
    def inner(x: int) -> int:
        return x
    return inner(n)


def uses_dictcomp(n: int) -> int:
    d = {i: i for i in range(n)}
    return n


def uses_setcomp(n: int) -> int:
    d = {i for i in range(n)}
    return n


def uses_genexp(n: int) -> int:
    g = (i for i in range(n))
    return n


def uses_dict(n: int) -> int:
    d = {1: n, **{}}
    return n


def uses_set(n: int) -> int:
    d = {1, n}
    return n


def uses_varargs(n: int, *rest: int) -> int:
    return n


def uses_kwargs(n: int, **rest: int) -> int:
    return n


COUNTER = 0


def uses_global(n: int) -> int:
    global COUNTER
    return n


def make_nonlocal():
    x = 1

    def uses_nonlocal(n: int) -> int:
        nonlocal x
        return n
    return uses_nonlocal


def unannotated(n, m: int) -> int:
    return n


def unknown_name(n: int) -> int:
    return frobnicate(n)


def uses_import(n: int) -> int:
    import math
    return n


def uses_pow(n: int) -> int:
    return n ** n


def uses_is(n: int) -> bool:
    return n is None


def uses_in(xs: list[int]) -> bool:
    return 3 in xs


def uses_slice_step(t: str) -> int:
    return len(t[::2])


def uses_slice(s: float) -> int:
    t = s[1:]
    return len(t)


def uses_fstring(n: int) -> int:
    s = f"{n:3}"
    return n


def uses_del(n: int) -> int:
    m = n
    del m
    return n


def uses_enumerate(xs: list[int]) -> int:
    pairs = enumerate(xs)
    return 0


def uses_tuple(n: int) -> int:
    t = (n, 2.5)
    return t[n]


def uses_str_times_str(s: str) -> int:
    t = s * s
    return len(t)


def uses_match(n: int) -> int:
    match n:
        case 1:
            return 2
    return n


def uses_walrus(n: int) -> int:
    if (m := n + 1) > 2:
        return m
    return n


CASES = [
    (uses_yield, "yield n", "yield is not supported; return a list instead of generating "
     "values"),
    (uses_with, "with open", "with statement is not supported; call the setup and cleanup "
     "code explicitly"),
    (uses_lambda, "f = lambda", "lambda is not supported; define a module-level function"),
    (uses_nested_def, "def inner", "nested function definition is not supported; define the "
     "function at module level"),
    (uses_dictcomp, "d = {", "dict comprehension is not supported; use a list or a class"),
    (uses_setcomp, "d = {", "set comprehension is not supported; use a list and a for loop"),
    (uses_genexp, "g = (", "generator expression is not supported; use a list comprehension: "
     "[x for x in xs]"),
    (uses_dict, "d = {", "'**' in a dict literal is not supported"),
    (uses_set, "d = {", "set literal is not supported; use a list; a set literal of constants "
     "is supported on the right of 'in' (x in {1, 2})"),
    (uses_varargs, "*rest", "parameter '*rest' of uses_varargs() is not supported; pass a "
     "list instead"),
    (uses_kwargs, "**rest", "parameter '**rest' of uses_kwargs() is not supported; pass a "
     "list instead"),
    (uses_global, "global COUNTER", "global statement is not supported; pass the value as an "
     "argument and return the new value; module-level constants can be read without "
     "'global'"),
    (make_nonlocal(), "nonlocal x", "nonlocal statement is not supported; pass the value as an "
     "argument"),
    (unannotated, "def unannotated", "parameter 'n' of unannotated() needs a type annotation "
     "(e.g. 'n: int'; int, float, bool, str, list[int], list[float], list[bool] or a class)"),
    (unknown_name, "frobnicate", "unknown name 'frobnicate'"),
    (uses_import, "import math", "import inside a function is not supported; import at "
     "module level"),
    (uses_pow, "n ** n", "** of int and int is not supported; ** raises an int to a constant "
     "int >= 0 (x ** 3); else multiply in a loop"),
    (uses_is, "n is None", "'is' between int and None is not supported; 'is' compares "
     "instances of one class, or with None (use == for values)"),
    (uses_in, "in xs", "'in' needs a tuple (a value, or a literal of constants), a set "
     "literal of constants, a str or a dict on its right; search a list with a loop"),
    (uses_slice, "s[1:]", "slicing a float is not supported (strings and lists only); copy "
     "the items with a for loop"),
    (uses_slice_step, "t[::2]", "slicing with a step is not supported; copy the characters "
     "with a loop"),
    (uses_fstring, 'f"', "an f-string field with a conversion (!r, !a) or a format (:...) is "
     "not supported; write {x} or {x!s}"),
    (uses_del, "del m", "del of 'm' is not supported; only list and dict items can be "
     "deleted (del lst[i], del d[k]); assign a new value instead"),
    (uses_enumerate, "= enumerate(", "builtin 'enumerate()' is not supported; enumerate() is "
     "only supported as the iterable of a for loop: 'for i, x in enumerate(xs):'"),
    (uses_tuple, "t[n]", "indexing a tuple[int, float] needs a constant index (each item has "
     "its own type); unpack it ('a, b = t') or use a list"),
    (uses_str_times_str, "s * s", "operator * on str and str is not supported; a string "
     "concatenates with a string or character, repeats by an int"),
    (uses_match, "match n", "match statement is not supported; use if/elif"),
    (uses_walrus, ":=", "assignment expression (:=) is not supported; assign in a separate "
     "statement"),
]


@pytest.mark.parametrize("func, text, message", CASES, ids=[c[0].__name__ for c in CASES])
def test_unsupported(func, text, message):
    expect_error(func, text, message)


def test_lambda_as_the_function():
    f = lambda n: n  # noqa: E731
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(f)
    assert str(info.value) == (f"{FILE}:{f.__code__.co_firstlineno}: '{f.__qualname__}' is "
                               "not defined by a def statement (a lambda is not supported; "
                               "define a module-level function)")


def test_not_a_function():
    with pytest.raises(FlowError, match="build_graph needs a Python function"):
        flowgraph.build_graph(len)


# -- type conflicts: both places ------------------------------------------------------------

def local_conflict(n: int) -> int:
    x = 1
    if n > 0:
        x = "one"
    return n


def local_int_float(n: int) -> float:
    total = 0
    for i in range(n):
        total += 0.5
    return total


def list_conflict(n: int) -> int:
    xs = [1, 2]
    xs.append(2.5)
    return n


def inferred_list_conflict(n: int) -> int:
    xs = []
    xs.append(n)
    xs.append(True)
    return n


def param_list_conflict(xs: list[int]) -> int:
    xs[0] = 1.5
    return 0


def return_conflict(n: int):
    if n > 0:
        return 1
    return 1.5


def declared_return_conflict(n: int) -> int:
    return n > 0


def argument_conflict(n: int) -> int:
    return local_conflict(True)


def annotated_local_conflict(n: int) -> float:
    x: float = 0
    return x


def falls_off_end(n: int) -> int:
    if n > 0:
        return 1


def test_local_conflict():
    here = line_of(local_conflict, 'x = "one"')
    first = line_of(local_conflict, "x = 1")
    expect_error(local_conflict, 'x = "one"',
                 f"type conflict for local variable 'x': str here, int at {FILE}:{first}; a "
                 "local variable keeps one type; use a second variable")
    assert here == first + 2


def test_int_float_conflict():
    first = line_of(local_int_float, "total = 0")
    expect_error(local_int_float, "total += 0.5",
                 f"type conflict for local variable 'total': float here, int at "
                 f"{FILE}:{first}; a local variable keeps one type; use a second variable")


def test_list_conflicts():
    expect_error(list_conflict, "xs.append(2.5)",
                 f"type conflict for the items of list 'xs': float here, int at "
                 f"{FILE}:{line_of(list_conflict, 'xs = [1, 2]')}; a list holds one type "
                 "(list[int])")
    expect_error(inferred_list_conflict, "xs.append(True)",
                 f"type conflict for the items of list 'xs': bool here, int at "
                 f"{FILE}:{line_of(inferred_list_conflict, 'xs.append(n)')}; a list holds "
                 "one type (list[int])")
    expect_error(param_list_conflict, "xs[0] = 1.5",
                 f"type conflict for the items of list 'xs': float here, int at "
                 f"{FILE}:{line_of(param_list_conflict, 'def ')}; a list holds one type "
                 "(list[int])")


def test_result_conflicts():
    expect_error(return_conflict, "return 1.5",
                 f"type conflict for the result of 'return_conflict': float here, int at "
                 f"{FILE}:{line_of(return_conflict, 'return 1')}; every return must give "
                 "the same type")
    expect_error(declared_return_conflict, "return n > 0",
                 "type conflict for the result of 'declared_return_conflict': bool here, "
                 f"int declared at {FILE}:{line_of(declared_return_conflict, 'def ')}")
    end = line_of(falls_off_end, "return 1")
    expect_error(falls_off_end, "return 1",
                 "'falls_off_end' can reach its end without a return statement (returning "
                 "None), but it returns int; add a return statement at the end")
    assert end  # the end of the function is its last line


def test_argument_and_annotation_conflicts():
    expect_error(argument_conflict, "local_conflict(True)",
                 "type conflict for argument 'n' of local_conflict(): bool here, int "
                 f"declared at {FILE}:{line_of(local_conflict, 'def ')}")
    expect_error(annotated_local_conflict, "x: float = 0",
                 "type conflict for local variable 'x': int here, float declared at "
                 f"{FILE}:{line_of(annotated_local_conflict, 'x: float = 0')}; a local "
                 "variable keeps one type; use a second variable")


# -- inference failures ------------------------------------------------------------------------

def recursive_unknown(n: int):
    return recursive_unknown(n - 1) + 1


def empty_list_unknown(n: int) -> int:
    xs = []
    return len(xs)


def read_before_assignment(n: int) -> int:
    m = k + 1
    k = n
    return m


def test_inference_failures():
    expect_error(recursive_unknown, "return recursive_unknown",
                 "the result type of 'recursive_unknown' is not known yet; a recursive "
                 "function needs a return annotation (e.g. '-> int')")
    expect_error(empty_list_unknown, "xs = []",
                 "cannot infer the item type of the empty list []; annotate the variable, "
                 "e.g. 'xs: list[int] = []'")
    expect_error(read_before_assignment, "m = k + 1",
                 "local variable 'k' is read before it is assigned")


# -- calls, classes ---------------------------------------------------------------------------

class Base:
    pass


class Other:
    pass


class Derived(Base, Other):
    n: int


class FromInt(int):
    pass


class Plain:
    n: int

    def __init__(self, n: int):
        self.n = n


def helper(a: int, b: int = 2) -> int:
    return a + b


def uses_inheritance(n: int) -> int:
    d = Derived()
    return n


def derives_from_builtin(n: int) -> int:
    d = FromInt()
    return n


def unknown_field(n: int) -> int:
    p = Plain(n)
    return p.m


def unknown_method(n: int) -> int:
    p = Plain(n)
    return p.frob()


def too_many_args(n: int) -> int:
    return helper(n, 1, 2)


def missing_arg(n: int) -> int:
    return helper(b=n)


def bad_keyword(n: int) -> int:
    return helper(n, c=1)


def call_local(n: int) -> int:
    f = n
    return f(1)


def raise_non_exception(n: int) -> int:
    raise helper(n)


def bare_raise(n: int) -> int:
    raise


def list_method(xs: list[int]) -> int:
    xs.clear()
    return 0


def str_item_assignment(s: str) -> int:
    s[0] = "a"
    return 0


def char_to_str_param(s: str) -> int:
    return str_param(s[0])


def str_param(s: str) -> int:
    return len(s)


def entry_default(x: int,
                  y: int = 2.5) -> int:
    return x + y


def entry_keyword_only(x: int, *,
                       y: int = 3) -> int:
    return x + y


def mixed_minmax(a: int, x: float) -> float:
    return max(a, x)


def mixed_ifexp(a: int, x: float) -> float:
    return a if a > 0 else x


CALL_CASES = [
    (uses_inheritance, "Derived()", "class 'Derived' has several base classes (Base, "
     "Other); only single inheritance is supported"),
    (derives_from_builtin, "FromInt()", "class 'FromInt' derives from 'int'; a class may "
     "only derive from another class of the program"),
    (unknown_field, "p.m", "class 'Plain' has no field 'm'; declare it in the class body "
     "('m: int')"),
    (unknown_method, "p.frob()", "class 'Plain' has no method 'frob'"),
    (too_many_args, "helper(n, 1, 2)", "helper() takes 2 arguments but 3 were given"),
    (missing_arg, "helper(b=n)", "helper() is missing the argument 'a'"),
    (bad_keyword, "helper(n, c=1)", "helper() got an unexpected keyword argument 'c'"),
    (call_local, "f(1)", "calling the local variable 'f' is not supported; call module-level "
     "functions by name"),
    (raise_non_exception, "raise helper", "raise needs an exception class, not 'helper'"),
    (bare_raise, "    raise", "a bare 'raise' is only supported in an except clause, where it "
     "raises the exception caught again"),
    (list_method, "xs.clear()", "list method 'clear' is not supported; lists support append, "
     "pop, insert, reverse, extend, index, count, sort, indexing, del and len"),
    (str_item_assignment, 's[0] = "a"', "item assignment to a str is not supported: "
     "strings are immutable"),
    (entry_default, "y: int = 2.5", "default value of parameter 'y': entry_default() "
     "argument 'y' must be int, not float"),
    (entry_keyword_only, "y: int = 3", "keyword-only parameter 'y' of entry_keyword_only() "
     "is not supported on the function compiled (its arguments are passed by position); "
     "make it positional"),
    (mixed_minmax, "max(a, x)", "max() of int and float is not supported; the arguments must "
     "be all int, all float or all bool (convert with float())"),
    (mixed_ifexp, "return a if", "the two branches of a conditional expression have "
     "different types: int and float; CPython would return either type, the flow graph "
     "needs one"),
]


@pytest.mark.parametrize("func, text, message", CALL_CASES,
                         ids=[c[0].__name__ for c in CALL_CASES])
def test_call_errors(func, text, message):
    expect_error(func, text, message)


def test_char_is_not_str():
    expect_error(char_to_str_param, "str_param(s[0])",
                 "type conflict for argument 's' of str_param(): str (a character) here, str "
                 f"declared at {FILE}:{line_of(str_param, 'def ')}")


def float_range(x: float) -> int:
    for i in range(x):
        pass
    return 0


def float_index(xs: list[int], x: float) -> int:
    return xs[x]


def big_literal(n: int) -> int:
    return n & 0xFFFFFFFFFFFFFFFF


def none_local(n: int) -> int:
    m = None
    return n


async def coroutine(n: int) -> int:
    return n


MORE_CASES = [
    (float_range, "range(x)", "a range() argument must be an int, not float"),
    (float_index, "xs[x]", "an index must be an int, not float"),
    (big_literal, "0xFFFF", "integer 18446744073709551615 does not fit in 64 bits"),
    (none_local, "m = None", "cannot assign None to 'm' (a call returning None?); a local "
     "that may hold None needs a class type: 'x: C | None = None'"),
    (coroutine, "async def", "async function 'coroutine' is not supported; write a plain "
     "function"),
]


@pytest.mark.parametrize("func, text, message", MORE_CASES,
                         ids=[c[0].__name__ for c in MORE_CASES])
def test_more_errors(func, text, message):
    expect_error(func, text, message)


def reannotated_param(p: int, q: int) -> int:
    q: str = "a"
    return p


def calls_reannotated(x: int) -> int:
    return reannotated_param(x, x)


def test_an_error_in_building_a_callee_is_the_callers_error_too():
    """A callee whose annotations conflict failed while its builder was made;
    the caller was then built with an empty callee graph (0 parameters)."""
    message = ("type conflict for local variable 'q': str here, int declared at "
               f"{FILE}:{line_of(reannotated_param, 'def reannotated_param')}; a local "
               "variable keeps one type; use a second variable")
    expect_error(reannotated_param, "q: str", message)
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(calls_reannotated)
    assert str(info.value) == f"{FILE}:{line_of(reannotated_param, 'q: str')}: {message}"

"""try/except/else (flowgraph/builder/tryexcept.py): a `raise` the function itself catches is a
jump, in every mode; a call inside `try` gets exception exits, which every
mode runs: the flow-graph interpreter, native code (rgen/llvm/emit.py's
exception dispatch), and specialised code, where they are caught at compile
time (tests/timeshifter/test_exceptions.py)."""

from __future__ import annotations

import pytest

import flowgraph
from flowgraph.model import LAST_EXCEPTION
from flowgraph.printer import assert_roundtrip
from tests.differential import assert_every_mode
from tests.flow_errors import assert_flow_error


class GuestError(Exception):
    pass


class Underflow(GuestError):
    pass


class Halt(Exception):
    pass


def checked_div(a: int, b: int) -> int:
    """Raises and catches in one function: jumps, no exception exit."""
    try:
        if b == 0:
            raise Underflow("division by zero")
        if a < 0:
            raise GuestError("negative")
        r = a // b
    except Underflow as e:
        return -len(str(e))
    except GuestError:
        r = -1
    else:
        r += 1000
    return r


def nested(n: int) -> int:
    """An inner try that does not catch passes the raise to the outer one;
    a raise inside a handler goes outwards too."""
    total = 0
    i = 0
    while i < n:
        try:
            try:
                if i % 3 == 0:
                    raise Halt("h")
                if i % 3 == 1:
                    raise Underflow("under")
                total += 1
            except Underflow:
                total += 10
                if i > 5:
                    raise Halt("from a handler")
        except Halt as e:
            total += 100 * len(str(e))
        i += 1
    return total


def escapes(n: int) -> int:
    """What no clause catches leaves the function, as before."""
    try:
        if n > 3:
            raise Halt("too big")
    except GuestError:
        return -1
    return n


def builtin_class(n: int) -> int:
    """A ZeroDivisionError of an operation, caught."""
    try:
        n = 10 // n
    except ZeroDivisionError:
        n = 0
    return n


def pop(stack: list[int]) -> int:
    if len(stack) == 0:
        raise Underflow("pop from an empty stack")
    return stack.pop()


def run(code: str, x: int) -> int:
    """A stack machine whose guest errors come from a callee."""
    stack = [x]
    pc = 0
    while pc < len(code):
        c = code[pc]
        try:
            if c == "d":
                stack.append(stack[len(stack) - 1])
            elif c == "+":
                stack.append(pop(stack) + pop(stack))
            elif c == "!":
                raise GuestError("bang")
        except Underflow as e:
            return -len(str(e))
        except GuestError:
            return -1
        else:
            x += 1
        pc += 1
    return stack[0] * 1000 + x


def translated(n: int) -> int:
    """`raise ... from e` and `from None` raise what they would without
    `from` (the cause only shows in a traceback)."""
    try:
        if n < 0:
            raise Underflow("negative")
        if n == 0:
            raise Halt("zero")
    except Underflow as e:
        raise Halt("translated: " + str(e)) from e
    except Halt:
        raise GuestError("stopped") from None
    return n


def reraise(n: int) -> int:
    """A bare `raise` in a handler raises the exception caught again: to an
    enclosing clause (a jump, its class known where a raise jumped to the
    handler, tested where an operation raised it) or out of the function."""
    total = 0
    try:
        try:
            if n < 0:
                raise Underflow("neg")
            if n == 0:
                raise Halt("zero")
            total = 100 // (n - 5)
        except GuestError as e:
            total = len(str(e))
            raise
        except ZeroDivisionError:
            total = -5
            raise
    except Underflow:
        return total + 1000
    except ZeroDivisionError as z:
        return total + len(str(z))
    return total


def reraise_out(code: str) -> int:
    """Exceptions from a callee, counted and raised again: the class is a
    run-time value, tested against the outer clauses in order."""
    stack = [1]
    count = 0
    try:
        for c in code:
            try:
                if c == "p":
                    stack.append(pop(stack) + pop(stack))
                elif c == "!":
                    raise Halt("halt")
                else:
                    stack.append(ord(c) - 48)
            except GuestError:
                count += 1
                if c == "p" and count > 1:
                    raise
    except Underflow as e:
        return -len(str(e)) - 100 * count
    return stack[0] * 10 + count


def lookup_again(k: int) -> int:
    """A KeyError raised again: str() of a KeyError is the repr of its
    argument (5 -> '5'), and stays so raised again."""
    d = {1: 2}
    try:
        return d[k]
    except KeyError:
        raise


def own_key_error(k: int) -> int:
    """str() of KeyError("x") is "'x'", caught in the function or not."""
    try:
        if k > 0:
            raise KeyError("x")
    except KeyError as e:
        return len(str(e))
    if k < 0:
        raise KeyError("y")
    return 0


@pytest.mark.parametrize("func, args", [
    (lookup_again, (1,)), (lookup_again, (5,)),
    (own_key_error, (1,)), (own_key_error, (-1,)), (own_key_error, (0,)),
    (reraise, (-1,)), (reraise, (0,)), (reraise, (3,)), (reraise, (5,)),
    (reraise_out, ("",)), (reraise_out, ("pp",)), (reraise_out, ("ppp",)),
    (reraise_out, ("1p!",)), (reraise_out, ("!pp",)), (reraise_out, ("2p2p",)),
])
def test_a_bare_raise_raises_the_exception_caught_again_in_every_mode(func, args):
    assert_every_mode(func, args)


def with_finally(n: int) -> int:
    try:
        n += 1
    except GuestError:
        n = 0
    finally:
        n += 2
    return n


def counted(code: str) -> int:
    """`finally` runs on every way out of its try: the normal one, a break,
    a continue, a return (after the value is computed), a raise of its own,
    an exception from a callee or an operation (raised again after it)."""
    stack = [1]
    log = 0
    for c in code:
        try:
            if c == "p":
                stack.append(pop(stack) + pop(stack))
            elif c == "b":
                break
            elif c == "c":
                continue
            elif c == "r":
                return log * 1000 + len(stack)
            elif c == "!":
                raise GuestError("bang")
            elif c == "/":
                stack.append(10 // pop(stack))
            else:
                stack.append(ord(c) - 48)
        finally:
            log += 1
    return log * 100 + stack[0]


def counted_caught(code: str) -> int:
    try:
        return counted(code)
    except GuestError as e:
        return -len(str(e))
    except ZeroDivisionError:
        return -7


def finally_nested(n: int) -> int:
    """A finally part that returns (the exception is dropped), one around
    handlers, nested ones."""
    total = 0
    try:
        try:
            if n > 3:
                raise GuestError("big")
            total += 10 // n
        finally:
            total += 100
            if n == 7:
                return total
    except GuestError:
        total += 1000
    finally:
        total += 10000
    return total


@pytest.mark.parametrize("func, args", [
    (with_finally, (1,)),
    (counted_caught, ("",)), (counted_caught, ("12p",)), (counted_caught, ("p",)),
    (counted_caught, ("pp",)), (counted_caught, ("1b2",)), (counted_caught, ("1c2",)),
    (counted_caught, ("12r3",)), (counted_caught, ("1!",)), (counted_caught, ("0/",)),
    (counted_caught, ("2/",)), (counted, ("1!",)),
    (finally_nested, (1,)), (finally_nested, (0,)), (finally_nested, (5,)),
    (finally_nested, (7,)),
])
def test_finally_runs_on_every_way_out_in_every_mode(func, args):
    assert_every_mode(func, args)


def classify(code: str) -> int:
    """`isinstance(e, C)` (one class or a tuple) and `raise e` of an
    exception caught `as e`, its class known (a raise jumped here) or read
    at run time (from a callee, an operation)."""
    stack = [1]
    total = 0
    for c in code:
        try:
            if c == "p":
                stack.append(pop(stack) + pop(stack))
            elif c == "h":
                raise Halt("halt")
            elif c == "g":
                raise GuestError("guest")
            elif c == "/":
                stack.append(10 // pop(stack))
            else:
                stack.append(ord(c) - 48)
        except (GuestError, ZeroDivisionError, Halt) as e:
            if isinstance(e, Underflow):
                total += 1
            elif isinstance(e, (ZeroDivisionError, Halt)):
                total += 10
            else:
                total += 100
            if isinstance(e, Halt) and total > 15:
                raise e
    return total


@pytest.mark.parametrize("code", ["", "pp", "g", "h", "0/", "hh", "0/h", "ppg", "1p"])
def test_a_caught_exception_is_tested_and_raised_by_name_in_every_mode(code):
    assert_every_mode(classify, (code,))


def test_a_raise_again_jumps_or_tests_the_class():
    """Where the class is known (a raise jumped to the handler) the enclosing
    clause is entered by a jump; where it comes from an operation or a
    callee, by a test of the class read with exc_class()."""
    g = flowgraph.build_graph(reraise)
    names = [op.opname for block in g.iterblocks() for op in block.operations]
    assert names.count("exc_class") == 1 and "class_issubclass" not in names
    g = flowgraph.build_graph(reraise_out)
    flowgraph.checkgraph(g)
    assert_roundtrip(g, with_callees=True)
    names = [op.opname for block in g.iterblocks() for op in block.operations]
    assert names.count("exc_class") == 2 and names.count("class_issubclass") == 1


@pytest.mark.parametrize("func, args", [
    (checked_div, (7, 2)), (checked_div, (7, 0)), (checked_div, (-7, 2)),
    (builtin_class, (5,)), (builtin_class, (0,)),
    (nested, (0,)), (nested, (4,)), (nested, (12,)),
    (escapes, (2,)), (escapes, (5,)),
    (translated, (-1,)), (translated, (0,)), (translated, (4,)),
])
def test_a_raise_caught_in_the_same_function_runs_in_every_mode(func, args):
    assert_every_mode(func, args)


def test_a_caught_raise_is_a_jump():
    g = flowgraph.build_graph(checked_div)
    assert not any(link.target is g.exceptblock for link in g.iterlinks())
    assert not any(block.exitswitch is LAST_EXCEPTION for block in g.iterblocks())


@pytest.mark.parametrize("code", ["", "d+", "+", "++", "d!", "dd++", "x", "dd+d++"])
@pytest.mark.parametrize("x", [5, 0])
def test_an_exception_from_a_callee_is_caught_by_the_interpreter(code, x):
    g = flowgraph.build_graph(run)
    flowgraph.checkgraph(g)
    assert_roundtrip(g, with_callees=True)
    assert flowgraph.run_graph(g, code, x) == run(code, x)


@pytest.mark.parametrize("code", ["", "d+", "+", "d!", "dd+d++"])
def test_an_exception_from_a_callee_is_caught_in_every_mode(code):
    assert_every_mode(run, (code, 3))


def bare_except(n: int) -> int:
    try:
        n += 1
    except:   # noqa: E722
        n = 0
    return n


def exception_value(n: int) -> int:
    try:
        if n < 0:
            raise GuestError("neg")
    except GuestError as e:
        return len(e)
    return n


def isinstance_of_a_value(n: int) -> int:
    try:
        if n < 0:
            raise GuestError("negative")
    except GuestError as e:
        if isinstance(e, n):
            return 1
    return n


def not_a_class(n: int) -> int:
    try:
        n += 1
    except n:
        n = 0
    return n


def cause_not_caught(n: int) -> int:
    if n < 0:
        raise Halt("x") from GuestError("y")
    return n


@pytest.mark.parametrize("func, text, message", [
    (bare_except, "except:", "a bare 'except:' is not supported; name the exception classes "
     "it catches ('except Exception:' for any)"),
    (exception_value, "return len(e)", "'e' holds an exception caught by 'except ... as e': "
     "only str(e) (its message), isinstance(e, C) and raise e are supported"),
    (not_a_class, "except n", "except needs an exception class, not 'n'"),
    (isinstance_of_a_value, "isinstance(e, n)", "isinstance() of a caught exception needs an "
     "exception class, not 'n'"),
    (cause_not_caught, "raise Halt", "'raise ... from GuestError('y')': the cause must be the "
     "name of an exception caught with 'except ... as e', or None"),
])
def test_what_stays_out_is_a_clear_error(func, text, message):
    assert_flow_error(func, text, message)


# -- fuzz findings: an operation that may raise inside try, in the middle of a
# statement whose other values the builder holds (the block is split when the
# statement ends, not at the operation)

class Cell:
    n: int

    def __init__(self, n: int):
        self.n = n

    def step(self, k: int) -> int:
        try:
            self.n %= (k | 1)
            self.n += k // (k - 3)
        except ZeroDivisionError:
            self.n = -1
        return self.n


def uses_cell(k: int) -> int:
    c = Cell(k * 7 + 1)
    return c.step(k) * 100 + c.n


def dict_methods(k: int) -> int:
    d = {0: 8, 1: 2, 2: k}
    total = 0
    try:
        total += d.pop(k % 5)
        total += d.setdefault(total % 5, -8)
        del d[k % 3]
    except KeyError:
        total -= 1000
    except Exception:
        total = -1
    return total * 10 + len(d)


def condition_in_try(k: int) -> int:
    """The operation in an if's test: the block it splits ends with the
    test's switch, whose false exit is linked only after the body."""
    try:
        if k < (k // k) < 5:
            raise ValueError("small")
        k += 1
    except ZeroDivisionError:
        k = -1
    return k


@pytest.mark.parametrize("func, args", [
    (condition_in_try, (0,)), (condition_in_try, (-3,)), (condition_in_try, (7,)),
    (uses_cell, (3,)), (uses_cell, (5,)), (uses_cell, (-4,)),
    (dict_methods, (0,)), (dict_methods, (4,)), (dict_methods, (2,)), (dict_methods, (7,)),
])
def test_an_operation_in_the_middle_of_a_statement_is_caught_in_every_mode(func, args):
    assert_every_mode(func, args)

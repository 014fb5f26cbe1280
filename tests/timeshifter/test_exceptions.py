"""Exceptions the program raises and catches, specialised (issue 12 item 3):
a raise in an inlined callee is caught at compile time by the frame waiting
at the call (rtimeshift.raise_), so the residual code holds no call and no
exception machinery: a run-time condition that raises is a branch into the
handler's code.  Results and exception types equal CPython, residual code
interpreted and native."""

from __future__ import annotations

import pytest

import timeshifter
from hintannotator import dont_look_inside, hint
from flowgraph.model import LAST_EXCEPTION


class VMError(Exception):
    pass


class StackEmpty(VMError):
    pass


class DivideByZero(VMError):
    pass


def vm_pop(stack: list[int]) -> int:
    if len(stack) == 0:
        raise StackEmpty("pop from an empty stack")
    return stack.pop()


def vm_div(a: int, b: int) -> int:
    if b == 0:
        raise DivideByZero("division by zero")
    return a // b


def step(code: str, pc: int, stack: list[int]) -> int:
    """One instruction; the errors come from two frames down."""
    c = code[pc]
    if c == "+":
        stack.append(vm_pop(stack) + vm_pop(stack))
    elif c == "/":
        b = vm_pop(stack)
        a = vm_pop(stack)
        stack.append(vm_div(a, b))
    elif c == "d":
        v = vm_pop(stack)
        stack.append(v)
        stack.append(v)
    elif c == "p":
        vm_pop(stack)
    elif c == "!":
        raise VMError("halt")
    else:
        stack.append(ord(c) - 48)
    return pc + 1


def run_vm(code: str, x: int) -> int:
    stack = [x]
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        try:
            pc = step(code, pc, stack)
        except DivideByZero:
            return -1
        except VMError as e:
            return -1000 - len(str(e))
        pc = hint(pc, concrete=True)
    return vm_pop(stack)          # outside the try: StackEmpty leaves run_vm


PROGRAMS = ["", "1+", "9/", "93/", "d+", "+", "2d+/", "12+!", "d0/", "d", "5", "p", "pp"]


def outcome(call, *args):
    try:
        return ("value", call(*args))
    except Exception as exc:            # noqa: BLE001 - compared by type and message
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_mode_agrees_with_cpython(program):
    res = timeshifter.make_compiler(run_vm, green=["code"]).specialize(program)
    for x in (7, 0, -3):
        expected = outcome(run_vm, program, x)
        assert outcome(res.interpret, x) == expected, (program, x)
        assert outcome(res, x) == expected, (program, x)


def test_a_caught_raise_leaves_no_call_and_no_raise_in_the_residual_code():
    """`d/` divides x by x: vm_div's test of the red divisor is a residual
    branch whose raising side is the handler's `return -1` itself."""
    res = timeshifter.make_compiler(run_vm, green=["code"]).specialize("d/")
    ops = res.op_counts()
    assert (ops["direct_call"], ops["int_floordiv"], ops["int_eq"]) == (0, 1, 1)
    assert not any(link.target is res.graph.exceptblock for link in res.graph.iterlinks())
    assert (res(3), res(0)) == (run_vm("d/", 3), -1) == (1, -1)


def test_what_no_handler_catches_is_raised_by_the_residual_code():
    res = timeshifter.make_compiler(run_vm, green=["code"]).specialize("p")
    assert res.op_counts() == {}            # the empty stack is known at compile time
    with pytest.raises(StackEmpty, match="pop from an empty stack"):
        res(5)


def count_down(n: int) -> int:
    """Raises from inside its residual recursion when it passes 13."""
    if n < 0 or n == 13:
        raise VMError("negative or thirteen")
    if n == 0:
        return 0
    return 1 + count_down(n - 1)


def recursion_in_try(n: int) -> int:
    try:
        return count_down(n)
    except VMError:
        return -1


@dont_look_inside
def opaque(n: int) -> int:
    if n < 0:
        raise VMError("negative")
    return n


def opaque_in_try(n: int) -> int:
    try:
        return opaque(n)
    except VMError:
        return -1


def deep_in_try(n: int) -> int:
    """The try is two frames above the residual recursive call."""
    try:
        return 100 + count_down(n - 1)
    except VMError as e:
        return -len(str(e))


@pytest.mark.parametrize("func", [recursion_in_try, opaque_in_try, deep_in_try])
def test_a_call_left_residual_inside_try_gets_exception_exits(func):
    """The residual call's block ends with LAST_EXCEPTION: its exception
    link is the handler, in the residual graph and natively."""
    res = timeshifter.make_compiler(func).specialize()
    assert any(block.exitswitch is LAST_EXCEPTION for block in res.graph.iterblocks())
    for n in (5, 0, -1, -7, 12, 13, 14, 30):
        expected = outcome(func, n)
        assert outcome(res, n) == expected, n
        assert outcome(res.interpret, n) == expected, n


def checked_div(a: int, b: int) -> int:
    b = hint(b, promote=True)
    if b == 0:
        raise DivideByZero("division by zero")
    return a // b


def divide_all(xs: list[int], d: int) -> int:
    """A promotion inside a callee inside try: the cases and the fallback
    interpreter (which runs before a value is compiled) resume the frames,
    the try's among them."""
    total = 0
    i = 0
    while i < len(xs):
        try:
            total += checked_div(xs[i], d)
        except DivideByZero as e:
            return -len(str(e))
        i += 1
    return total


@pytest.mark.parametrize("threshold", [0, 1, 100])
def test_a_promotion_inside_try_catches_in_cases_and_in_the_fallback(threshold):
    comp = timeshifter.make_compiler(divide_all, promote_threshold=threshold)
    res = comp.specialize()
    for xs, d in [([7, 8, 9], 2), ([7, 8, 9], 0), ([], 0), ([5], 0), ([7, 8, 9], 2)]:
        expected = outcome(divide_all, list(xs), d)
        assert outcome(res, list(xs), d) == expected, (xs, d)
        assert outcome(res.interpret, list(xs), d) == expected, (xs, d)


def loop_vm(code: str, x: int) -> int:
    """A guest loop (`j` jumps back to 0 while the top is positive) whose
    instructions raise guest errors from callees."""
    stack = [x]
    pc = 0
    while pc < len(code):
        hint(None, global_merge_point=True)
        c = code[pc]
        try:
            if c == "/":
                b = vm_pop(stack)
                a = vm_pop(stack)
                stack.append(vm_div(a, b))
            elif c == "-":
                stack.append(vm_pop(stack) - 1)
            elif c == "d":
                v = vm_pop(stack)
                stack.append(v)
                stack.append(v)
            elif c == "+":
                stack.append(vm_pop(stack) + vm_pop(stack))
            elif c == "j":
                v = vm_pop(stack)
                stack.append(v)
                if v > 0:
                    pc = -1
            else:
                stack.append(ord(c) - 48)
        except DivideByZero:
            return -1
        except VMError as e:
            return -1000 - len(str(e))
        pc = hint(pc + 1, concrete=True)
        if pc == 0:
            hint(None, can_enter_jit=True)
    return vm_pop(stack)


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_the_jit_catches_in_loops_bridges_and_its_baseline(baseline):
    """`-dd/-+j` counts down to 1, where 0/0 raises DivideByZero in the
    compiled loop; `+` underflows in the baseline."""
    jit = timeshifter.make_jit(loop_vm, green=["code"], threshold=3, background=False,
                               baseline=baseline)
    for code, x in [("-j", 50), ("-dd/-+j", 30), ("-d0/", 5), ("+", 3), ("-j", 0)]:
        assert outcome(jit, code, x) == outcome(loop_vm, code, x), (code, x)
    assert jit.stats["compile loop"] == 2 and jit.stats["compile bridge"] > 0


# -- a tree-walking statement interpreter over a green AST of tuples ----------------------
# (issue 12's acceptance item 2): examples/treewalk.py

def test_a_tree_walking_interpreter_with_guest_exceptions():
    """Each guest program compiles to residual code with no tuple operation
    and no call: the guest's try/except is a residual branch."""
    from examples.treewalk import SUM_OF_QUOTIENTS, ev
    res = timeshifter.make_compiler(ev, green=["nodes", "i"]).specialize(SUM_OF_QUOTIENTS, 0)
    ops = res.op_counts()
    assert not {name for name in ops if name.startswith("tuple") or name == "newtuple"}
    assert ops["direct_call"] == 0 and ops["int_floordiv"] == 1
    for x, n in [(100, 6), (7, 1), (7, 2), (-50, 9), (3, 0)]:
        expected_env = [x, n, 0, 0]
        expected = outcome(ev, SUM_OF_QUOTIENTS, 0, expected_env)
        for mode in (res, res.interpret):
            env = [x, n, 0, 0]
            assert outcome(mode, env) == expected and env == expected_env, (x, n)


# -- built-in exceptions raised by operations ---------------------------------------------

def divide(a: int, b: int) -> int:
    return a // b


def item(xs: list[int], i: int) -> int:
    return xs[i]


def guarded(a: int, b: int, xs: list[int], i: int) -> int:
    """ZeroDivisionError and IndexError from operations, in callees and in
    the try body itself, caught by the clauses that match them."""
    total = 0
    try:
        total += divide(a, b)
        total += item(xs, i)
        total += xs[i + 1] // (a - b)
    except ZeroDivisionError as e:
        total -= len(str(e))
    except IndexError:
        total -= 1000
    except Exception:
        total = -7
    return total


GUARDED_ARGS = [(7, 2, [1, 2, 3], 1), (7, 0, [1, 2], 1), (7, 2, [1, 2], 5), (7, 7, [1, 2, 3], 0),
                (7, 2, [], -1), (7, 2, [4, 5], -2), (-9, 2, [1, 2, 3, 4], 2)]


@pytest.mark.parametrize("green", [[], ["b"], ["i"], ["b", "i"], ["xs"]])
def test_built_in_exceptions_of_operations_are_caught(green):
    names = ["a", "b", "xs", "i"]
    comp = timeshifter.make_compiler(guarded, green=green)
    for args in GUARDED_ARGS:
        greens = [args[names.index(n)] for n in green]
        reds = [a for n, a in zip(names, args) if n not in green]
        res = comp.specialize(*[list(g) if isinstance(g, list) else g for g in greens])
        expected = outcome(guarded, *[list(a) if isinstance(a, list) else a for a in args])
        assert outcome(res, *reds) == expected, (green, args)
        assert outcome(res.interpret, *reds) == expected, (green, args)


@pytest.mark.parametrize("args", GUARDED_ARGS)
def test_built_in_exceptions_of_operations_in_every_mode(args):
    from tests.differential import assert_every_mode
    assert_every_mode(guarded, args)


def pick(xs: list[int], k: int) -> int:
    k = hint(k, promote=True)
    return xs[k] // k


def promoted_in_try(xs: list[int], k: int) -> int:
    """A promotion in a callee inside a try catching what operations raise:
    the site's tail transfer has no exception exit (its cases catch for
    themselves)."""
    total = 0
    try:
        total = pick(xs, k)
    except ZeroDivisionError:
        total = -1
    except IndexError:
        total = -2
    return total


@pytest.mark.parametrize("threshold", [0, 1, 100])
def test_a_promotion_inside_a_try_catching_built_in_exceptions(threshold):
    res = timeshifter.make_compiler(promoted_in_try, promote_threshold=threshold).specialize()
    for xs, k in [([5, 6, 7], 1), ([5, 6, 7], 0), ([5], 3), ([5, 6, 7], 2), ([5, 6, 7], 0)]:
        expected = outcome(promoted_in_try, list(xs), k)
        assert outcome(res, list(xs), k) == expected, (xs, k)
        assert outcome(res.interpret, list(xs), k) == expected, (xs, k)


@dont_look_inside
def risky(n: int) -> int:
    if n < 0:
        raise VMError("negative")
    return n


def helper(n: int) -> int:
    return n * 2


def after_the_try(n: int) -> int:
    """The else part runs right after the call's normal exit, in the same
    segment as the call's continuation: its residual call is outside the
    try, and what it raises is not caught."""
    total = 0
    try:
        total = helper(n)
    except VMError:
        return -1
    else:
        total += risky(n - 10)
    return total


def test_a_residual_call_after_the_try_is_not_caught():
    res = timeshifter.make_compiler(after_the_try).specialize()
    for n in (20, 3):
        expected = outcome(after_the_try, n)
        assert outcome(res, n) == expected and outcome(res.interpret, n) == expected, n


# -- a bare `raise`: the class caught, raised again --------------------------------------

@dont_look_inside
def opaque_check(n: int) -> int:
    if n < 0:
        raise StackEmpty("empty")
    if n == 0:
        raise DivideByZero("zero")
    if n > 100:
        raise VMError("big")
    return n


def log_and_reraise(n: int) -> int:
    """The handler raises again to the clauses around it: tests of the class
    (read in the residual code) in the residual code."""
    count = 0
    try:
        try:
            count = opaque_check(n) * 2
        except VMError:
            count = -1
            raise
    except StackEmpty as e:
        return count * 100 - len(str(e))
    except DivideByZero:
        return -2
    return count


def callee_reraise(n: int) -> int:
    try:
        return opaque_check(n)
    except VMError:
        raise


def caller_catches(n: int) -> int:
    """The raise again is in an inlined callee: it unwinds to the caller's
    exits at compile time, each tested against the class at run time."""
    try:
        return callee_reraise(n) + 1
    except StackEmpty:
        return -1
    except VMError as e:
        return -len(str(e))


def known_reraise(n: int) -> int:
    """Every raise reaching the handler is known at compile time: the
    residual code reads no class (no exc_class), but the two paths meet at
    the handler, so the class it raises again is tested there."""
    try:
        try:
            if n < 0:
                raise StackEmpty("empty")
            n = vm_div(100, n)
        except VMError:
            n = 7
            raise
    except StackEmpty:
        return -1
    except DivideByZero as e:
        return -len(str(e)) - n
    return n


@pytest.mark.parametrize("func, tests, reads", [
    (log_and_reraise, 2, 1), (caller_catches, 2, 1), (known_reraise, 2, 0)])
def test_a_bare_raise_raises_the_class_caught_again(func, tests, reads):
    res = timeshifter.make_compiler(func).specialize()
    ops = res.op_counts()
    assert (ops.get("class_issubclass", 0), ops.get("exc_class", 0)) == (tests, reads)
    for n in (5, 0, -1, 101, 100):
        expected = outcome(func, n)
        assert outcome(res, n) == expected, n
        assert outcome(res.interpret, n) == expected, n


# -- finally ------------------------------------------------------------------------------

def guarded_sum(xs: list[int], d: int) -> int:
    """A finally part around a residual call (its exception exit catches
    everything, BaseException, in the residual code) and an operation."""
    count = 0
    total = 0
    for x in xs:
        try:
            total += opaque_check(x) // d
        finally:
            count += 1
    return total * 100 + count


def guarded_caller(xs: list[int], d: int) -> int:
    try:
        return guarded_sum(xs, d)
    except StackEmpty:
        return -1
    except VMError as e:
        return -len(str(e))
    except ZeroDivisionError:
        return -3


def divide_all_finally(xs: list[int], d: int) -> int:
    """A promotion inside a try with a finally part: its cases and the
    fallback interpreter run the finally part on the way out."""
    total = 0
    done = 0
    for x in xs:
        try:
            total += checked_div(x, d)
        finally:
            done += 1
    return total * 10 + done


def divide_all_caught(xs: list[int], d: int) -> int:
    try:
        return divide_all_finally(xs, d)
    except DivideByZero as e:
        return -len(str(e))


@pytest.mark.parametrize("threshold", [0, 1, 100])
def test_finally_in_residual_code_cases_and_the_fallback(threshold):
    res = timeshifter.make_compiler(guarded_caller).specialize()
    assert any(block.exitswitch is LAST_EXCEPTION and block.exits[-1].exitcase is BaseException
               for block in res.graph.iterblocks())
    for xs, d in [([1, 2, 3], 1), ([1, -2, 3], 1), ([5, 0], 2), ([200], 1), ([4], 0), ([], 0)]:
        expected = outcome(guarded_caller, list(xs), d)
        assert outcome(res, list(xs), d) == expected, (xs, d)
        assert outcome(res.interpret, list(xs), d) == expected, (xs, d)
    comp = timeshifter.make_compiler(divide_all_caught, promote_threshold=threshold)
    res = comp.specialize()
    for xs, d in [([7, 8, 9], 2), ([7, 8, 9], 0), ([], 0), ([5], 0), ([7, 8, 9], 2)]:
        expected = outcome(divide_all_caught, list(xs), d)
        assert outcome(res, list(xs), d) == expected, (xs, d)
        assert outcome(res.interpret, list(xs), d) == expected, (xs, d)

"""The native entry as a METH_FASTCALL builtin generated in LLVM (rgen/llvm/
fastcall.py): every argument type on its inline path and at the edges of
each test, the slow path's conversions and errors, agreement with CPython;
`comp(...)` and `res(...)` reach it."""

import sys

import pytest

import flowgraph
import rgen
import timeshifter
from examples import interpreters as ex
from hintannotator import hint

MIN, MAX = -2**63, 2**63 - 1


class Cell:
    v: int

    def __init__(self, v: int):
        self.v = v


def ints(a: int, b: int) -> int:
    return a * 3 + b


def floats(x: float, flag: bool) -> float:
    return x * 2.0 if flag else x - 1.0


def text(s: str, t: str) -> int:
    n = len(s)
    if s == t:
        n += 100
    return n


CHAR = """\
graph ch(c_0: Char) -> Signed
block0(c_0):
    v1: Signed = cast_char_to_int(c_0)
    return(v1)"""


def cell(c: Cell, k: int) -> int:
    return c.v + k


def int_sum(xs: list[int]) -> int:
    total = 0
    for x in xs:
        total += x
    return total


def float_sum(xs: list[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


def count_true(xs: list[bool]) -> int:
    n = 0
    for x in xs:
        if x:
            n += 1
    return n


def native(func):
    return rgen.compile_graph(flowgraph.build_graph(func))


def wrap(n: int) -> int:
    return (n + 2**63) % 2**64 - 2**63


def test_the_entry_is_a_builtin():
    f = native(ints)
    assert type(f.fast).__name__ == "builtin_function_or_method"
    assert f.fast.__name__ == "ints"


@pytest.mark.parametrize("a", [0, 1, -1, 2**30 - 1, 2**30, -2**30, 2**31, 2**60, -2**62,
                               MAX, MIN, MAX - 1, MIN + 1])
def test_ints_of_every_size_within_64_bits(a):
    f = native(ints)
    assert f.fast(a, 5) == f(a, 5) == wrap(ints(a, 5))
    assert f.fast(5, a) == wrap(ints(5, a))


@pytest.mark.parametrize("bad, exc, message", [
    ((2**63, 1), OverflowError, "ints() argument 'a' does not fit in a 64-bit int: "
     "9223372036854775808"),
    ((1, MIN - 1), OverflowError, "ints() argument 'b' does not fit in a 64-bit int: "
     "-9223372036854775809"),
    ((True, 1), TypeError, "ints() argument 'a' must be int, not bool"),
    ((1.0, 1), TypeError, "ints() argument 'a' must be int, not float"),
    ((1,), TypeError, "ints() missing 1 required positional argument: 'b'"),
    ((1, 2, 3), TypeError, "ints() takes 2 positional arguments but 3 were given"),
])
def test_wrong_ints_take_the_slow_path_to_the_shared_errors(bad, exc, message):
    f = native(ints)
    with pytest.raises(exc) as info:
        f.fast(*bad)
    assert type(info.value) is exc and str(info.value) == message


def test_floats_bools_and_the_int_for_a_float_conversion():
    f = native(floats)
    for x in (0.0, -0.0, 1.5, 1e308, float("inf")):
        for flag in (True, False):
            assert f.fast(x, flag) == floats(x, flag)
    assert f.fast(3, True) == 6.0                       # converted on the slow path
    with pytest.raises(TypeError, match=r"^floats\(\) argument 'flag' must be bool, not int$"):
        f.fast(1.0, 1)


def test_strings_and_characters():
    f = native(text)
    assert f.fast("abc", "abc") == 103 and f.fast("abc", "b") == 3
    assert f.fast("\u20ac", "\u20ac") == 101
    with pytest.raises(TypeError, match=r"^text\(\) argument 's' must be str, not bytes$"):
        f.fast(b"abc", "a")
    c = rgen.compile_graph(flowgraph.parse_graph(CHAR))
    assert c.fast("a") == 97 and c.fast("\u20ac") == 0x20ac
    with pytest.raises(TypeError, match=r"^ch\(\) argument 'c' must be a str of length 1, "
                       r"not a str of length 2$"):
        c.fast("ab")


def test_instances_of_exactly_the_class():
    f = native(cell)
    assert f.fast(Cell(4), 3) == 7

    class Sub(Cell):
        pass
    with pytest.raises(TypeError, match=r"^cell\(\) argument 'c' must be Cell, not Sub$"):
        f.fast(Sub(4), 3)


@pytest.mark.parametrize("func, good, bad, message", [
    (int_sum, [[], [1, 2, 3], [MAX, 1], [MIN, 2**40, -2**61],
                [0, -1, -2**40, 2**60 - 1, -(2**60 - 1), 2**60, 2**30, -2**30]],
     [[1, 2.0], [1, 2**64], [True]], "int_sum() argument 'xs'"),
    (float_sum, [[], [1.5, 2.5], [float("inf"), 1.0], [1.0, 2]], [[None], [1.0, 2**1100]],
     "float_sum() argument 'xs'"),
    (count_true, [[], [True, False, True]], [[1, True], [None]], "count_true() argument 'xs'"),
])
def test_list_items_are_checked_natively(func, good, bad, message):
    f = native(func)
    for xs in good:
        expected = func(xs)
        assert f.fast(xs) == (wrap(expected) if isinstance(expected, int) else expected)
    for xs in bad:
        with pytest.raises((TypeError, OverflowError), match="^" + message.replace("(", r"\(")
                           .replace(")", r"\)")):
            f.fast(xs)
    with pytest.raises(TypeError, match=r"must be list\[\w+\], not tuple$"):
        f.fast(())


def test_the_builtin_is_called_without_a_python_frame():
    fast = native(ints).fast
    events = []

    def profile(frame, event, arg):
        events.append((event, getattr(arg, "__name__", frame.f_code.co_name)))
    sys.setprofile(profile)
    try:
        fast(1, 2)
    finally:
        sys.setprofile(None)
    assert events[:2] == [("c_call", "ints"), ("c_return", "ints")]


def raises_type_error(code: int, x: int) -> int:
    if x < 0:
        raise TypeError("negative")
    return x + code


def test_comp_calls_the_builtin_and_keeps_the_errors_of_its_function():
    comp = timeshifter.make_compiler(ex.interpret, green=["bytecode"])
    assert comp(ex.SQUARE, 7) == 49
    assert comp._cache and all(res._fast is not None for res in comp._cache.values())
    with pytest.raises(TypeError, match=r"^interpret\(\) argument 'a' must be int, not float$"):
        comp(ex.SQUARE, 7.0)
    with pytest.raises(OverflowError, match=r"^interpret\(\) argument 'a' does not fit"):
        comp(ex.SQUARE, 2**64)


def test_a_type_error_raised_by_the_code_itself_passes_through_comp():
    comp = timeshifter.make_compiler(raises_type_error, green=["code"])
    assert comp(1, 5) == 6
    with pytest.raises(TypeError, match="^negative$"):
        comp(1, -5)


def test_a_residual_is_called_without_a_python_frame():
    """`res(...)` goes through functools.partial's C call slot to the builtin:
    a profiler sees no Python-level call at all (the first call compiles)."""
    res = timeshifter.make_compiler(ints).specialize()
    assert res(1, 2) == 5
    events = []
    sys.setprofile(lambda frame, event, arg: events.append((event, frame.f_code.co_name)))
    try:
        res(3, 4)
    finally:
        sys.setprofile(None)
    assert [e for e in events if e[0] == "call"] == []
    assert res(2**62, 0) == wrap(ints(2**62, 0))
    with pytest.raises(OverflowError, match="argument 'b' does not fit in a 64-bit int"):
        res(1, 2**64)


def joined(words: list[str], sep: str) -> int:
    n = 0
    for w in words:
        n += len(w) + len(sep)
    return n


def test_a_list_of_str_is_checked_by_the_shared_checker_then_trusted():
    f = native(joined)
    assert f(["ab", "c"], "-") == joined(["ab", "c"], "-") == 5
    assert f.fast([], "") == 0
    with pytest.raises(TypeError, match=r"^joined\(\) argument 'words' must be list\[str\], "
                       r"not a list with an int at index 1$"):
        f(["a", 1], "-")


def test_the_builtin_outlives_its_native_function():
    """The builtin's PyMethodDef is kept alive by the builtin itself, not by
    the NativeFunction (a freed one crashed the process)."""
    import gc
    g = flowgraph.build_graph(ints)
    fast = rgen.compile_graph(g).fast
    g.invalidate()
    gc.collect()
    assert fast(2, 3) == 9
    with pytest.raises(TypeError, match="must be int, not str"):
        fast("2", 3)


def straight(a: int, b: int) -> int:
    c = a * b + 3
    if c > 10:
        c = c ^ a
    return c % 7


def test_loop_free_code_takes_the_cheap_tier_and_agrees_with_the_other_modes():
    g = flowgraph.build_graph(straight)
    f = rgen.compile_graph(g)
    assert f.tier == "cheap"
    for a, b in ((1, 2), (5, 7), (-3, 9), (MAX, 2), (MIN, -1)):
        assert f(a, b) == flowgraph.run_graph(g, a, b)
        if abs(a * b) < 2**62:
            assert f(a, b) == straight(a, b)
    assert native(int_sum).tier == "full"                 # a loop: the full tier


def test_loop_free_code_with_tail_transfers_can_take_the_cheap_tier_and_keeps_them_jumps():
    """O0 machine code keeps a tail call a jump where its result is returned
    right after it: a 10,000,000-deep transfer does not grow the stack (it
    crashed with simplifycfg's shared return block)."""
    from rgen.llvm import jit
    from tests.llvm.test_llvm_tail import count_graph
    assert rgen.compile_graph(count_graph()).tier == "full"       # by default
    f = rgen.compile_graph(count_graph(), "cheap")
    assert f.tier == "cheap" and f(10_000_000, 1) == 20_000_001
    assert jit.tail_calls_in_place(f.llvm_ir_optimized)


def test_a_tail_call_not_followed_by_its_return_is_found():
    ok = ("  %transfer.1 = tail call tailcc { i64, i1 } @f.3(i64 %x)\n"
          "  ret { i64, i1 } %transfer.1\n")
    merged = ("  %transfer.1 = tail call tailcc { i64, i1 } @f.3(i64 %x)\n"
              "  br label %common.ret\n")
    other = "  %transfer = tail call tailcc { i64, i1 } %case.fn(i64 %x)\n  ret { i64, i1 } %y\n"
    from rgen.llvm.jit import tail_calls_in_place
    assert tail_calls_in_place(ok) and tail_calls_in_place("ret void\n")
    assert not tail_calls_in_place(merged) and not tail_calls_in_place(other)


def test_comp_with_equal_green_objects_and_a_new_key_agree():
    """`comp` remembers the green objects of its last fast call; an equal but
    distinct object, and a different program, still find their own code."""
    comp = timeshifter.make_compiler(ex.interpret, green=["bytecode"])
    square = ex.SQUARE
    copy = "".join(list(square))                    # equal, not the same object
    assert copy == square and copy is not square
    assert [comp(square, 7), comp(square, 8), comp(copy, 9), comp(square, 3)] == [
        49, 64, 81, 9]
    assert len(comp._cache) == 1
    other = square.replace("\x00", "\x00")
    assert comp(other, 5) == ex.interpret(other, 5)


def scaled(xs: list[str], k: int) -> int:
    return len(xs) * k


def calls_scaled(xs: list[str], k: int) -> int:
    return scaled(xs, k) + scaled(xs, 1)


def test_only_the_graph_python_calls_gets_an_entry_and_a_callee_gets_one_on_demand():
    """The root's module holds its entries; a callee is compiled for native
    callers only, and `compile_graph(callee)` builds its entry later, in a
    module of its own (the trusting entry too: list[str] is not tested inline)."""
    from rgen.llvm.compiler import CACHE_KEY, CODE_KEY
    g = flowgraph.build_graph(calls_scaled)
    f = rgen.compile_graph(g)
    callee = next(op.args[0].value for op in g.iteroperations() if op.opname == "direct_call")
    assert f(["a", "b"], 5) == calls_scaled(["a", "b"], 5) == 12
    assert CODE_KEY in callee._cache and CACHE_KEY not in callee._cache
    code = callee._cache[CODE_KEY]
    assert f.llvm_ir.count("define ptr @\"entry.") == 2     # fast and trusting: calls_scaled's
    assert "entry.scaled" not in f.llvm_ir
    h = rgen.compile_graph(callee)
    assert h.address == code.address and h.symbol == code.symbol
    assert h(["x"] * 3, 7) == scaled(["x"] * 3, 7) == 21
    with pytest.raises(TypeError, match=r"scaled\(\) argument 'xs' must be list\[str\], not a list with an int at index 1"):
        h(["x", 1], 7)
    assert rgen.compile_graph(callee) is h


def test_promotion_cases_are_compiled_without_a_python_entry():
    from bench.programs import fallback_loop
    from rgen.llvm.compiler import CACHE_KEY
    comp = timeshifter.make_compiler(fallback_loop, promote_threshold=1)
    res = comp.specialize()
    assert [res(10, k) for k in (3, 4, 3)] == [fallback_loop(10, k) for k in (3, 4, 3)]
    cases = [comp.sites[0].case_for(k) for k in (3, 4)]
    assert all(c.native.address and CACHE_KEY not in c.graph._cache for c in cases)
    assert ".fast" not in cases[0].native.llvm_ir
    assert rgen.compile_graph(cases[0].graph)(10) == fallback_loop(10, 3)


def loop_then_promote(data: list[int], n: int) -> int:
    total = 0
    i = 0
    while i < len(data):
        total += data[i]
        i += 1
    m = hint(n, promote=True)
    while i > 0:
        total += (i * m) % 7
        i -= 1
    return total


@pytest.mark.parametrize("opt_level, root, case", [("auto", "full", "light"),
                                                   ("full", "full", "full"),
                                                   ("light", "light", "light"),
                                                   ("cheap", "light", "light")])
def test_opt_level_chooses_the_pipeline_of_specialisations_and_of_cases(opt_level, root, case):
    """Code compiled while the program waits (a promotion case) takes the
    light pipeline by default; what specialize() returns, the full one."""
    comp = timeshifter.make_compiler(loop_then_promote, opt_level=opt_level,
                                     optimise_later=False)
    res = comp.specialize()
    data = [3, 5, 3, -2]
    assert [res(data, 5), res(data, 6)] == [loop_then_promote(data, 5), loop_then_promote(data, 6)]
    assert res.native.tier == root
    site = next(site for site in comp.sites if site.cases)
    assert site.case_for(5).native.tier == case
    assert comp.wait(0) and comp._specializer.host.worker is None


def test_a_case_goes_out_cheap_and_is_optimised_in_the_background():
    """By default (`optimise_later`) a case due for the light pipeline is
    compiled in the cheap tier at once; the worker thread compiles it again
    and swaps it in, and `comp.wait()` waits for that.  Results never change."""
    comp = timeshifter.make_compiler(loop_then_promote)
    res = comp.specialize()
    data = [3, 5, 3, -2]
    assert res(data, 5) == loop_then_promote(data, 5)
    site = next(site for site in comp.sites if site.cases)
    first = site.case_for(5).native
    assert first.tier == "cheap"
    assert comp.wait(30)
    again = site.case_for(5).native
    assert again.tier == "light" and again.address != first.address
    assert again.address in site.native_targets[:site.native_count.value]
    assert [res(data, 5), res(data, 7)] == [loop_then_promote(data, 5), loop_then_promote(data, 7)]
    # on a thread of its own, not the JITs' (whose loops it must not delay)
    import threading
    names = [t.name for t in threading.enumerate()]
    assert names.count("timeshift-optimise_0") == 1


def test_opt_level_must_be_a_known_pipeline():
    from bench.programs import fallback_loop
    with pytest.raises(ValueError, match="option opt_level must be one of 'auto', 'full', "
                                         "'light', 'cheap', have 'O3'"):
        timeshifter.make_compiler(fallback_loop, opt_level="O3")
    with pytest.raises(ValueError, match="pipeline must be one of full, light, cheap, quick, "
                                         "have 'fast'"):
        rgen.compile_graph(flowgraph.build_graph(straight), "fast")


def plus(a: int, b: int) -> int:
    return a + b


def minus(a: int, b: int) -> int:
    return a - b


def test_one_entry_serves_every_function_of_a_signature():
    """The second function of a signature compiles no entry: its builtin calls
    the first one's entry, which calls the function whose address its `self`
    holds; the error messages still name each function and its parameters."""
    from rgen.llvm.compiler import _ENTRIES, _signature
    g, h = flowgraph.build_graph(plus), flowgraph.build_graph(minus)
    f = rgen.compile_graph(g)
    assert _signature(g) == _signature(h) in _ENTRIES
    m = rgen.compile_graph(h)
    assert "define ptr" not in m.llvm_ir
    assert (f(7, 5), m(7, 5), f.fast(2**62, 2**62), m.fast(-2**63, 1)) == (12, 2, -2**63, 2**63 - 1)
    assert f.fast.__name__ == "plus" and m.fast.__name__ == "minus"
    with pytest.raises(TypeError, match=r"^minus\(\) argument 'b' must be int, not str$"):
        m(1, "x")
    with pytest.raises(OverflowError, match=r"^plus\(\) argument 'a'"):
        f.fast(2**64, 1)
    with pytest.raises(TypeError, match=r"^minus\(\) takes 2 positional arguments but 3 were given$"):
        m.fast(1, 2, 3)


def summed(n: int) -> int:
    total = 0
    while n > 0:
        total += n
        n -= 1
    return total


def sums_twice(n: int) -> int:
    total = 0
    while n > 0:
        total += summed(n)
        n -= 1
    return total


def test_the_quick_pipeline_is_the_cheap_tier_for_loops_and_only_for_its_own_module():
    """`native_code(g, pipeline, own="quick")`: g's module in the cheap tier
    although it loops, the graphs it calls with `pipeline`; `recompile` then
    replaces g's code with `pipeline`'s, and both compute the same."""
    from rgen.llvm.compiler import CODE_KEY, native_code, recompile
    g = flowgraph.build_graph(sums_twice)
    code = native_code(g, "light", own="quick")
    callee = next(op.args[0].value for op in g.iteroperations() if op.opname == "direct_call")
    assert (code.tier, callee._cache[CODE_KEY].tier) == ("cheap", "light")
    assert "PyErr_CheckSignals" in code.llvm_ir                 # polled as emitted
    again = recompile(g, "light")
    assert again.tier == "light" and again.address != code.address
    assert g._cache[CODE_KEY] is again and again.compile_seconds > code.compile_seconds
    assert rgen.compile_graph(g)(300) == sums_twice(300)


def test_a_recompile_in_another_thread_runs_beside_the_callers_compiles():
    """`recompile` in a thread (its LLVM work in a context of its own) while
    the calling thread compiles other graphs: every function computes the
    same as CPython, in both versions."""
    import threading
    from rgen.llvm.compiler import CODE_KEY, native_code, recompile
    graphs = [flowgraph.build_graph(sums_twice) for _ in range(4)]
    firsts = [native_code(g, "light", own="quick") for g in graphs]
    errors = []

    def optimise():
        try:
            for g in graphs:
                recompile(g, "light")
        except BaseException as exc:        # reported below
            errors.append(exc)
    worker = threading.Thread(target=optimise)
    worker.start()
    others = [rgen.compile_graph(flowgraph.build_graph(summed), "light") for _ in range(4)]
    worker.join(60)
    assert not worker.is_alive() and not errors
    assert [f(50) for f in others] == [summed(50)] * 4
    for g, first in zip(graphs, firsts):
        assert g._cache[CODE_KEY].tier == "light" and g._cache[CODE_KEY] is not first
        assert rgen.compile_graph(g)(120) == sums_twice(120)

"""Timeshifter acceptance: exact residual op counts (same_as excluded, over the
whole residual graph) and differential checks against CPython, the original
graph interpreted and the residual graph interpreted."""

import networkx as nx
import pytest
from hypothesis import given, settings, strategies as st

import flowgraph
from hintannotator import dont_look_inside, hint
from timeshifter import TimeshiftError, make_compiler
from examples.interpreters import FACTORIAL, SQUARE, interpret, ll_plus_minus, \
    plus_minus_str, run_stack

small = st.integers(-1000, 1000)


def counts(res) -> dict:
    return dict(res.op_counts())


def has_cycle(graph) -> bool:
    g = nx.DiGraph()
    for block in graph.iterblocks():
        for link in block.exits:
            g.add_edge(block, link.target)
    return not nx.is_directed_acyclic_graph(g)


def both(res, *args):
    """The residual result interpreted, after checking native code agrees."""
    result = res.interpret(*args)
    assert res(*args) == result, "native code disagrees with the residual graph"
    return result


def check_differential(func, comp_greens, res, all_args, red_indices):
    """CPython == run_graph(original) == res.interpret == native res(...) on the
    same inputs."""
    expected = _outcome(func, all_args)
    assert _outcome(lambda *a: flowgraph.run_graph(flowgraph.build_graph(func), *a),
                    all_args) == expected
    reds = [all_args[i] for i in red_indices]
    assert _outcome(res.interpret, reds) == expected
    assert _outcome(res, reds) == expected          # native code


def _outcome(f, args):
    try:
        return ("ok", f(*args))
    except Exception as e:
        return ("raise", type(e))


def add_xy(x: int, y: int) -> int:
    return x + y


def test_add_both_red():
    comp = make_compiler(add_xy, green=[])
    res = comp.specialize()
    assert counts(res) == {"int_add": 1}
    assert both(res, 3, 4) == 7
    flowgraph.checkgraph(res.graph)


def concrete_loop(x: int, y: int) -> int:
    hint(x, concrete=True)
    tot = 0
    while x:
        tot += y
        x -= 1
    return tot


def test_concrete_loop_unrolls():
    comp = make_compiler(concrete_loop, green=["x"])
    res = comp.specialize(7)
    assert counts(res) == {"int_add": 6}
    assert not has_cycle(res.graph)
    assert all(b.exitswitch is None for b in res.graph.iterblocks())


@given(small)
def test_concrete_loop_differential(y):
    comp = _compiler(concrete_loop, ("x",))
    res = comp.specialize(7)
    check_differential(concrete_loop, None, res, (7, y), [1])


def plain_loop(x: int, y: int) -> int:
    tot = 0
    while x:
        tot += y
        x -= 1
    return tot


def test_red_loop_stays_a_loop():
    comp = make_compiler(plain_loop, green=[])
    res = comp.specialize()
    assert has_cycle(res.graph)
    # one peeled iteration (tot = 0 + y folded), then the loop with one int_add
    assert counts(res) == {"int_is_true": 2, "int_sub": 2, "int_add": 1}
    assert both(res, 5, 3) == 15


@given(st.integers(0, 50), small)
def test_red_loop_differential(x, y):
    res = _compiler(plain_loop, ()).specialize()
    check_differential(plain_loop, None, res, (x, y), [0, 1])


def cond_sub(x: int, y: int) -> int:
    z = x - y if y > 2 else x + y
    return z


def test_green_x_red_condition():
    res = make_compiler(cond_sub, green=["x"]).specialize(70)
    assert counts(res) == {"int_gt": 1, "int_sub": 1, "int_add": 1}


@given(small)
def test_green_x_red_condition_differential(y):
    res = _compiler(cond_sub, ("x",)).specialize(70)
    check_differential(cond_sub, None, res, (70, y), [1])


def red_constants_join(x: int) -> int:
    y = 17 if x > 0 else 22
    x -= 1
    y += 1
    return y + x


def test_red_constants_generalise_at_join():
    res = make_compiler(red_constants_join, green=[]).specialize()
    assert counts(res) == {"int_gt": 1, "int_add": 2, "int_sub": 1}


@given(small)
def test_red_constants_join_differential(x):
    res = _compiler(red_constants_join, ()).specialize()
    check_differential(red_constants_join, None, res, (x,), [0])


def test_ll_plus_minus():
    comp = make_compiler(ll_plus_minus, green=["encoded_insn", "nb_insn"])
    res = comp.specialize(0xA5A, 3)
    assert counts(res) == {"int_add": 2, "int_sub": 1}
    assert both(res, 32, 10) == 42


def test_plus_minus_string():
    res = make_compiler(plus_minus_str, green=["s"]).specialize("+-+")
    assert counts(res) == {"int_add": 2, "int_sub": 1}
    assert both(res, 32, 10) == 42


@given(small, small)
def test_ll_plus_minus_differential(x, y):
    res = _compiler(ll_plus_minus, ("encoded_insn", "nb_insn")).specialize(0xA5A, 3)
    check_differential(ll_plus_minus, None, res, (0xA5A, 3, x, y), [2, 3])


def power(x: int, n: int) -> int:
    result = 1
    while n > 0:
        if n & 1:
            result = result * x
        x = x * x
        n = n >> 1
    return result


def test_power_13():
    comp = make_compiler(power, green=["n"])
    res = comp.specialize(13)
    assert counts(res) == {"int_mul": 5}


@given(st.integers(-20, 20))
def test_power_differential(x):
    res = _compiler(power, ("n",)).specialize(13)
    check_differential(power, None, res, (x, 13), [0])


def add_one(v: int) -> int:
    return v + 1


def call_add_one(y: int) -> int:
    return add_one(y) + y


def callee_split(x: int) -> int:
    return x + 5 if x > 0 else x - 4


def caller_of_split(x: int, y: int) -> int:
    return callee_split(x) * y


def test_calls_inlined():
    assert counts(make_compiler(call_add_one).specialize()) == {"int_add": 2}
    res = make_compiler(caller_of_split).specialize()
    assert counts(res) == {"int_gt": 1, "int_add": 1, "int_sub": 1, "int_mul": 1}


@given(small, small)
def test_calls_differential(x, y):
    res = _compiler(caller_of_split, ()).specialize()
    check_differential(caller_of_split, None, res, (x, y), [0, 1])


class S:
    n: int

    def __init__(self, n: int):
        self.n = n


class T:
    s: S
    n: int

    def __init__(self, s: S, n: int):
        self.s = s
        self.n = n


def virtual_struct(n: int, k: int) -> int:
    s = S(n)
    if k < 0:
        return -123
    return s.n * k


def virtual_merge(x: int) -> int:
    if x > 0:
        t = T(S(1), 2)
    else:
        t = T(S(3), 4)
    return t.n + t.s.n


def test_virtual_structs():
    res = make_compiler(virtual_struct).specialize()
    assert counts(res) == {"int_lt": 1, "int_mul": 1}
    res = make_compiler(virtual_merge).specialize()
    assert counts(res) == {"int_gt": 1, "int_add": 1}     # no allocation, no field op
    assert both(res, 5) == 3 and res.interpret(-5) == 7


def virtual_list_item() -> int:
    lst = []
    lst.append(12)
    return lst[0]


def returned_list(x: int) -> list[int]:
    lst = [x, x + 1]
    lst.append(x * 2)
    return lst


def test_virtual_lists():
    res = make_compiler(virtual_list_item).specialize()
    assert counts(res) == {}
    assert both(res, ) == 12
    res = make_compiler(returned_list).specialize()
    assert counts(res) == {"int_add": 1, "int_mul": 1, "newlist": 1, "list_setitem": 3}
    assert both(res, 4) == [4, 5, 8]


def test_register_machine_square():
    comp = make_compiler(interpret, green=["bytecode"])
    res = comp.specialize(SQUARE)
    c = counts(res)
    assert not {op for op in c if op.startswith("list_") or op in
                ("newlist", "malloc", "direct_call")}
    assert has_cycle(res.graph)
    assert c == {"int_add": 3, "int_is_true": 2}             # a peeled iteration + the loop
    assert _loop_body_counts(res.graph) == {"int_add": 2, "int_is_true": 1}
    for a, expected in [(1, 1), (7, 49), (9, 81), (1764, 3111696)]:
        assert both(res, a) == expected


def _loop_body_counts(graph) -> dict:
    g = nx.DiGraph()
    for block in graph.iterblocks():
        for link in block.exits:
            g.add_edge(block, link.target)
    out = {}
    for scc in nx.strongly_connected_components(g):
        if len(scc) > 1 or any(g.has_edge(b, b) for b in scc):
            for block in scc:
                for op in block.operations:
                    if op.opname != "same_as":
                        out[op.opname] = out.get(op.opname, 0) + 1
    return out


def test_stack_machine_factorial():
    comp = make_compiler(run_stack, green=["code"])
    res = comp.specialize(FACTORIAL)
    assert counts(res) == {"int_eq": 2, "int_sub": 2, "int_mul": 1}   # no list operation
    for a in range(8):
        assert both(res, a, 0, 0) == run_stack(FACTORIAL, a, 0, 0)


def rec_green(depth: int, x: int) -> int:
    if depth == 0:
        return x
    return rec_green(depth - 1, x) * 2 + 1


def rec_red(n: int) -> int:
    if n <= 1:
        return n
    return rec_red(n - 1) + rec_red(n - 2)


def test_recursion():
    res = make_compiler(rec_green, green=["depth"]).specialize(5)
    assert "direct_call" not in counts(res)
    assert not has_cycle(res.graph)
    assert both(res, 3) == rec_green(5, 3)
    res = make_compiler(rec_red).specialize()
    # the residual function calls itself, not an inlined copy of itself
    assert counts(res) == {"int_le": 1, "int_sub": 2, "direct_call": 2, "int_add": 1}
    assert {op.args[0].value for op in res.graph.iteroperations()
            if op.opname == "direct_call"} == {res.graph}
    assert both(res, 10) == 55


def count_down(base: int, x: int) -> int:
    """A recursion on red x whose base case returns the green `base`."""
    if x <= 0:
        return base
    return count_down(base, x - 1) + 1


def count_down_twice(base: int, x: int) -> int:
    return count_down(base, x) + count_down(base * 2, x)


def test_a_recursion_on_the_same_greens_whose_base_case_is_green_is_red():
    """Issue 12 item 9: the recursive call on the same green `base` stays a
    residual call, so its result, and the function's, is red (it was an
    error: 'its result is needed green')."""
    comp = make_compiler(count_down, green=["base"])
    res = comp.specialize(4)
    assert counts(res) == {"int_le": 1, "int_sub": 1, "direct_call": 1, "int_add": 1}
    assert [both(res, x) for x in (0, 1, 7)] == [count_down(4, x) for x in (0, 1, 7)]
    # called from a function with two green values: one residual function each
    res = make_compiler(count_down_twice, green=["base"]).specialize(3)
    assert counts(res)["direct_call"] == 4
    assert both(res, 5) == count_down_twice(3, 5) == 19


def forever(x: int, y: int) -> int:
    hint(x, concrete=True)
    while x > 0:
        x += 1
        y += 1
    return y


def test_green_infinite_loop_raises_the_bound_error():
    """The bound error, not a hang (bench/bench_specialize.py times it)."""
    comp = make_compiler(forever, green=["x"])
    with pytest.raises(TimeshiftError) as info:
        comp.specialize(1)
    line = forever.__code__.co_firstlineno + 2          # the `while` head
    assert str(info.value) == (
        f"forever: the merge point at {__file__}:{line} was reached with more than 2000 "
        f"different green states (option max_states_per_merge): a green value changes "
        f"without bound (a loop counter that is green, or unrolling over red data). Hint "
        f"that helps: hint(None, global_merge_point=True) at the loop head with only "
        f"finitely many green values live there, or hint(x, variable=True) on the value "
        f"that should stay a run-time value.")


def test_source_is_readable():
    comp = make_compiler(interpret, green=["bytecode"])
    compile(comp.source, "<genext>", "exec")
    assert "interpret" in comp.source
    assert "# line " in comp.source


_COMPILERS = {}


def _compiler(func, green):
    key = (func, green)
    if key not in _COMPILERS:
        _COMPILERS[key] = make_compiler(func, green=list(green))
    return _COMPILERS[key]


def long_unrolled(x: int, y: int) -> int:
    hint(x, concrete=True)
    tot = 0
    while x:
        tot += y * x
        x -= 1
    return tot


def test_residual_operation_budget():
    comp = make_compiler(long_unrolled, green=["x"], max_residual_ops=50)
    assert comp.specialize(20).interpret(3) == long_unrolled(20, 3)
    with pytest.raises(TimeshiftError) as info:
        comp.specialize(1000)
    message = str(info.value)
    assert "long_unrolled" in message and "more than 50 residual operations" in message
    assert "test_acceptance.py:" in message and "variable=True" in message


def test_inlining_depth_bound():
    comp = make_compiler(rec_green, green=["depth"], max_inline_depth=10)
    assert comp.specialize(5).interpret(3) == rec_green(5, 3)
    with pytest.raises(TimeshiftError) as info:
        comp.specialize(50)
    message = str(info.value)
    assert "inlining depth 10" in message and "@dont_look_inside on rec_green" in message


def test_unknown_option_is_an_error():
    with pytest.raises(TypeError, match="unknown option.*max_ops"):
        make_compiler(add_xy, max_ops=3)


def test_comp_call_caches_per_green_key():
    comp = make_compiler(power, green=["n"])
    assert comp(3, 13) == power(3, 13)
    assert comp(5, 13) == power(5, 13)
    assert comp.stats["specializations"] == 1
    assert comp(5, 4) == power(5, 4)
    assert comp.stats["specializations"] == 2

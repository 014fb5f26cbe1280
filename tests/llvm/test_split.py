"""Big functions are compiled as chains of pieces (rgen/split.py): with the
piece size made tiny, every example, random program and specialisation is
cut wherever it can be, and still agrees with CPython."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flowgraph
import rgen.split
from bench.bench_scaling import bf_loops
from examples import EXAMPLES
from examples import interpreters as ex
from rgen.llvm import compile_graph
from rgen.split import cuts, split_big
from tests.differential import assert_same_outcome, outcome
from tests.strategies import ALL_FEATURES, load, oracle, programs
from timeshifter import make_compiler


@pytest.fixture
def tiny_pieces(monkeypatch):
    monkeypatch.setattr(rgen.split, "PIECE_OPS", 2)


def three_loops(n: int) -> int:
    total = 0
    i = 0
    while i < n:
        total += i
        i += 1
    j = 0
    while j < n:
        total = total * 3 % 1000003
        j += 1
    try:
        total = total // (n - 5)
    except ZeroDivisionError:
        total = -1
    k = 0
    while k < total % 7:
        total += k
        k += 1
    return total


def pieces_of(native) -> int:
    """The pieces in a native function's module (their symbols end in _partN.M)."""
    return sum(1 for line in native.llvm_ir.splitlines()
               if line.startswith("define") and "_part" in line)


def test_cut_blocks_dominate_what_they_reach():
    graph = flowgraph.build_graph(three_loops)
    idom, _, _, closed = cuts(graph)
    assert closed, "three loops in a row: the code after each can be cut off"
    ends = {graph.returnblock, graph.exceptblock}
    for c in closed:
        reach, stack = set(), [c]
        while stack:
            b = stack.pop()
            for link in b.exits:
                if link.target not in reach and link.target not in ends:
                    reach.add(link.target)
                    stack.append(link.target)
        for b in reach:             # c dominates b: walking up b's dominators meets c
            d = b
            while d is not c and idom[d] is not d:
                d = idom[d]
            assert d is c


def test_split_leaves_the_graph_alone():
    graph = flowgraph.build_graph(three_loops)
    before = str(graph)
    parts = split_big(graph, piece_ops=2)
    assert parts is not None and len(parts) > 2 and parts[0] is not graph
    assert str(graph) == before
    assert split_big(graph, piece_ops=10_000) is None


def test_three_loops_in_pieces(tiny_pieces):
    native = compile_graph(flowgraph.build_graph(three_loops))
    assert pieces_of(native) >= 3
    for n in (0, 3, 5, 6, 40, 1000):
        assert native(n) == three_loops(n)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_examples_in_pieces(example, tiny_pieces):
    native = compile_graph(flowgraph.build_graph(example.func))

    @settings(max_examples=15, deadline=None)
    @given(example.strategy())
    def check(args):
        assert_same_outcome(outcome(example.func, args), outcome(native, args),
                            f"{example.name}{tuple(args)!r} natively in pieces")
    check()


@settings(max_examples=40, deadline=None)
@given(programs(features=ALL_FEATURES), st.data())
def test_random_programs_in_pieces(program, data):
    old, rgen.split.PIECE_OPS = rgen.split.PIECE_OPS, 2
    try:
        native = compile_graph(flowgraph.build_graph(getattr(load(program), program.name)))
    finally:
        rgen.split.PIECE_OPS = old
    for args in data.draw(st.lists(program.args, min_size=1, max_size=3), label="args"):
        assert_same_outcome(outcome(oracle(program), args), outcome(native, args),
                            f"{program.name}{args!r} natively in pieces, of\n{program.source}")


@pytest.mark.parametrize("func, green, greens, reds", [
    (ex.bf, ["program"], (ex.BF_MUL,), [("\x0b\x0c",), ("\x00\x05",)]),
    (ex.run_stack, ["code"], (ex.FACTORIAL,), [(20, 0, 0), (5, 0, 0)]),
    (ex.dfa_match, ["table", "accepting"], ex.EVEN_AS, [("abba" * 8,), ("ab",), ("",)]),
], ids=["bf", "stack", "dfa-promotion"])
def test_specialisations_in_pieces(func, green, greens, reds, tiny_pieces):
    res = make_compiler(func, green=green).specialize(*greens)
    for args in reds:
        assert res.native(*args) == func(*greens, *args)
    assert pieces_of(res.native) >= 1


def test_a_long_brainfuck_program_is_cut_at_the_default_size():
    program = bf_loops(2000)
    res = make_compiler(ex.bf, green=["program"]).specialize(program)
    assert pieces_of(res.native) >= 2
    assert res.native("\x03") == ex.bf(program, "\x03")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_pieces_keep_the_references_cpython_keeps(example, tiny_pieces):
    """A tail call into a piece hands over each reference it passes: no leak,
    no premature free, returning or raising."""
    import copy

    from tests.llvm.test_llvm_examples import refcount_deltas
    native = compile_graph(flowgraph.build_graph(example.func))

    @settings(max_examples=10, deadline=None)
    @given(example.strategy())
    def check(args):
        py_args, native_args = copy.deepcopy(tuple(args)), copy.deepcopy(tuple(args))
        assert refcount_deltas(native, native_args) == refcount_deltas(example.func, py_args)
    check()


def test_pieces_compiled_by_two_threads_at_once(tiny_pieces):
    """A thread compiling with the process's lock (compile_graph) and one
    recompiling without it (a worker optimising a case, compiler.recompile)
    both compile pieces through the helper: neither waits for the other
    forever (the pieces' compile takes the process's lock first, as every
    compile of a big module does)."""
    import threading

    from rgen.llvm.compiler import recompile
    done, errors = [], []
    old = flowgraph.build_graph(three_loops)
    compile_graph(old)

    def run(work):
        try:
            for _ in range(6):
                work()
            done.append(work)
        except Exception as e:       # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=run, daemon=True, args=(w,)) for w in (
        lambda: compile_graph(flowgraph.build_graph(three_loops)),
        lambda: recompile(old, "full"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(done) == 2
    assert compile_graph(old)(40) == three_loops(40)

"""Code spaces (rgen.CodeSpace): machine code loaded into an engine of its
own and freed as a whole, never while a thread is inside."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import flowgraph
import rgen
from examples.arith import collatz_steps
from rgen.llvm import compiler

ROOT = Path(__file__).resolve().parents[2]


def triangle(n: int) -> int:
    t = 0
    while n > 0:
        t += n
        n -= 1
    return t


def test_code_is_freed_when_the_last_thread_leaves_and_compiled_again_after():
    graph = flowgraph.build_graph(triangle)
    space = rgen.CodeSpace("test")
    with space:
        f = rgen.compile_graph(graph)
        assert f(100) == 5050
        assert space.operations == sum(len(b.operations) for b in graph.iterblocks()) > 0
        space.close()                       # a thread is inside: not yet
        assert space.closing and not space.closed
        assert f(10) == 55
    assert space.closed
    assert compiler.CODE_KEY not in graph._cache and compiler.CACHE_KEY not in graph._cache
    assert rgen.compile_graph(graph)(100) == 5050      # compiled again, for the process
    with pytest.raises(RuntimeError, match="code space test was freed"):
        with space:
            pass


def test_nested_spaces_and_the_process_engine():
    outer, inner = rgen.CodeSpace("outer"), rgen.CodeSpace("inner")
    from rgen.llvm import jit
    assert jit.current_space() is None
    with outer:
        with inner:
            assert jit.current_space() is inner
            with jit.loading_into(None):
                assert jit.current_space() is None
        assert jit.current_space() is outer
    outer.close()
    inner.close()
    assert outer.closed and inner.closed and "freed" in repr(inner)


SHARED_ENTRY = """
import flowgraph, rgen

def scale(x: float, flag: bool, k: int) -> float:
    return x * k if flag else x

def shift(x: float, flag: bool, k: int) -> float:
    return x + k if flag else x

space = rgen.CodeSpace()
with space:
    f = rgen.compile_graph(flowgraph.build_graph(scale))
    assert f(1.5, True, 4) == 6.0
space.close()
assert space.closed
# the Python entry of the signature (float, bool, int) -> float serves this
# function too: it was compiled for the process, not in the freed space
g = rgen.compile_graph(flowgraph.build_graph(shift))
print(g(1.5, True, 4), g(1.5, False, 4))
"""


def test_the_shared_python_entries_outlive_a_space(tmp_path):
    script = tmp_path / "shared_entry.py"
    script.write_text(SHARED_ENTRY)
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (out.returncode, out.stdout, out.stderr) == (0, "5.5 1.5\n", "")


def test_a_loop_llvm_folds_into_a_closed_form_is_told_from_one_it_keeps():
    """compiler.loop_folded: the triangle number's loop becomes n*(n+1)/2 in
    LLVM's optimised code; a loop of calls stays; loop-free code folds no loop."""
    folded = rgen.compile_graph(flowgraph.build_graph(triangle))
    kept = rgen.compile_graph(flowgraph.build_graph(collatz_steps))
    plain = rgen.compile_graph(flowgraph.build_graph(straight))
    assert (folded(100), kept(27), plain(3)) == (5050, 111, 10)
    assert (folded.loop_folded, kept.loop_folded, plain.loop_folded) == (True, False, False)


def straight(n: int) -> int:
    return n * 3 + 1

"""backedges.insert_polls on LLVM's printed IR: which edges get a poll, and
what the function's header keeps (text in, text out)."""

import re

import llvmlite.binding as llvm

from rgen.llvm import jit
from rgen.llvm.backedges import insert_polls

LOOP = """\
define range(i64 0, 100) i64 @f.entry(i64 %n) local_unnamed_addr #0 {
entry:
  br label %head

exit:
  %r = phi i64 [ %i, %head ]
  ret i64 %r

head:
  %i = phi i64 [ 0, %entry ], [ %j, %head ]
  %j = add i64 %i, 1
  %c = icmp slt i64 %j, %n
  br i1 %c, label %head, label %exit
}

attributes #0 = { nofree norecurse nosync nounwind memory(none) }
"""


def polled(text: str, symbols=("f.entry",)) -> str:
    out = insert_polls(text, set(symbols))
    llvm.parse_assembly(out).verify()          # still a valid module
    return out


def test_the_back_edge_of_a_function_with_return_attributes_is_polled():
    """`range(...)` before the return type used to hide the entry wrapper
    from the poller: its inlined loop ran without a poll."""
    jit.module_header()                                 # initialises LLVM
    out = polled(LOOP)
    assert out.count("call i32 @PyErr_CheckSignals()") == 1
    assert "br i1 %c, label %poll.0, label %exit" in out
    assert "  %i = phi i64 [ 0, %entry ], [ %j, %poll.0 ], [ %j, %poll.0.call ]" in out
    assert "poll.fail:\n  ret i64 zeroinitializer" in out


def test_a_polled_function_loses_its_memory_none_attributes():
    """A function that now calls PyErr_CheckSignals may not claim
    `memory(none)`: its attribute group is dropped."""
    head = polled(LOOP).splitlines()[0]
    assert head == "define range(i64 0, 100) i64 @f.entry(i64 %n) local_unnamed_addr {"


def test_an_edge_to_an_earlier_block_outside_any_cycle_is_not_polled():
    """`head -> exit` goes back in the text but lies on no cycle."""
    out = polled(LOOP)
    assert out.count("poll.1") == 0
    assert "%r = phi i64 [ %i, %head ]" in out


def test_functions_not_named_and_loop_free_functions_are_unchanged():
    assert insert_polls(LOOP, {"g"}) == LOOP
    straight = ("define i64 @f.entry(i64 %n) #0 {\nentry:\n  br label %next\n\n"
                "next:\n  ret i64 %n\n}\n\nattributes #0 = { nounwind }\n")
    assert polled(straight) == straight


def test_the_remainder_loop_of_an_unrolled_loop_is_not_polled():
    """LLVM's runtime unrolling leaves a remainder loop (`.epil` / `.prol`
    blocks) of fewer iterations than the unroll factor: only the main loop
    needs the poll (it cost 8 IR instructions in `spin`)."""
    jit.module_header()
    two_loops = LOOP.replace("label %exit\n}", "label %head.epil\n\nhead.epil:\n"
                             "  %k = phi i64 [ %j, %head ], [ %l, %head.epil ]\n"
                             "  %l = add i64 %k, 1\n  %d = icmp slt i64 %l, 7\n"
                             "  br i1 %d, label %head.epil, label %exit\n}")
    two_loops = two_loops.replace("%r = phi i64 [ %i, %head ]", "%r = phi i64 [ %l, %head.epil ]")
    out = polled(two_loops)
    assert out.count("call i32 @PyErr_CheckSignals()") == 1
    assert "label %poll.0" in out and "br i1 %d, label %head.epil, label %exit" in out


# The shape LLVM's vectoriser leaves (with the test `%check` named as it names
# it): a vector loop, its remainder loop reached from `middle`, and a scalar
# loop entered when the trip count is small.
VECTORISED = """\
define i64 @f.entry(i64 %n) local_unnamed_addr {
entry:
  %check = icmp ult i64 %n, 9
  br i1 %check, label %scalar.ph, label %vector.body

vector.body:
  %i = phi i64 [ 0, %entry ], [ %j, %vector.body ]
  %j = add i64 %i, 8
  %c = icmp slt i64 %j, %n
  br i1 %c, label %vector.body, label %middle

middle:
  %cmp.n = icmp eq i64 %j, %n
  br i1 %cmp.n, label %exit, label %scalar.ph

scalar.ph:
  %s0 = phi i64 [ 0, %entry ], [ %j, %middle ]
  br label %scalar

scalar:
  %k = phi i64 [ %s0, %scalar.ph ], [ %l, %scalar ]
  %l = add i64 %k, 1
  %d = icmp slt i64 %l, %n
  br i1 %d, label %scalar, label %exit

exit:
  %r = phi i64 [ %j, %middle ], [ %l, %scalar ]
  ret i64 %r
}
"""


def test_the_loops_a_vectoriser_bounds_are_not_polled():
    """The scalar loop entered on the small-count side of `min.iters.check`
    or after the vector loop (`cmp.n` false) runs fewer iterations than the
    vector width: only the vector loop polls (FACTORIAL: 3 polls -> 1)."""
    jit.module_header()
    out = polled(VECTORISED.replace("%check", "%min.iters.check"))
    assert out.count("call i32 @PyErr_CheckSignals()") == 1
    assert "br i1 %c, label %poll.0, label %middle" in out
    assert "br i1 %d, label %scalar, label %exit" in out


def test_a_scalar_loop_reached_by_any_other_test_keeps_its_poll():
    """A loop entered from a memory-overlap check (or any test not the
    vectoriser's trip-count test, or that test's other side) may run all its
    iterations: it is polled."""
    jit.module_header()
    for text in (VECTORISED.replace("%check", "%found.conflict"),
                 VECTORISED.replace("%check", "%min.iters.check").replace(
                     "label %scalar.ph, label %vector.body", "label %vector.body, label %scalar.ph"),
                 VECTORISED.replace("%check", "%min.iters.check").replace(
                     "%min.iters.check = icmp ult i64 %n, 9",
                     "%min.iters.check = icmp ult i64 %n, %n")):
        out = polled(text)
        assert re.search(r"br i1 %d, label %poll\.\d, label %exit", out), text


def test_the_product_loop_polls_once_natively():
    """End to end: the factorial residual's optimised IR (vector loop,
    vector epilogue, scalar remainder) has one poll, and its success flag
    stays unknown to LLVM so that the entry still checks for failure."""
    import flowgraph
    import rgen

    def product(n: int) -> int:
        r = 1
        while n > 0:
            r *= n
            n -= 1
        return r

    native = rgen.compile_graph(flowgraph.build_graph(product))
    assert native(20) == product(20) and native(0) == 1
    ir_text = native.llvm_ir_optimized
    assert "vector.body" in ir_text
    assert ir_text.count("call i32 @PyErr_CheckSignals()") == 1

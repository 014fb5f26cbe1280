"""The 2007 PyPy JIT generator's toy languages (examples/toylangs.py), with
the programs of its tests (pypy/jit/tl/test: test_tl.py, test_tlc.py, and
tlr.py's SQUARE), written again here: each guest program is specialised
(`make_compiler(..., green=["code", "pc"])`) and run natively and
interpreted, and must give CPython's result or raise CPython's exception
type.  TLC runs every program of TL too, as the original TestTLC did."""

import operator
from collections import Counter

import pytest

import flowgraph
import timeshifter
from examples.toylangs import (ADD, BR_COND, CALL, DIV, EQ, GE, GT, INVALID, LE, LT, MUL, NE,
                               PICK, POP, PUSH, PUT, RETURN, ROLL, SUB, SWAP, TLR_SQUARE,
                               IntObj, assemble, bytecode, tl, tlc, tlc_eval, tlr)

_COMPILERS: dict = {}


def compiler(lang: str):
    if lang not in _COMPILERS:
        func = tl if lang == "tl" else tlc_eval
        _COMPILERS[lang] = timeshifter.make_compiler(func, green=["code", "pc"])
    return _COMPILERS[lang]


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as exc:                # the same exception type in every mode
        return (type(exc),)


def run_everywhere(lang: str, code, inputarg: int = 0) -> list:
    """[CPython, native, interpreted] outcomes of the guest program `code`."""
    cpython = outcome(tl if lang == "tl" else tlc, code, 0, inputarg)
    if lang == "tl":
        res = compiler(lang).specialize(code, 0)
        return [cpython, outcome(res, inputarg), outcome(res.interpret, inputarg)]
    res = compiler(lang).specialize(code, 0)
    return [cpython, outcome(lambda a: res(IntObj(a)).int_o(), inputarg),
            outcome(lambda a: res.interpret(IntObj(a)).int_o(), inputarg)]


def assert_runs(lang: str, code, want, inputarg: int = 0) -> None:
    got = run_everywhere(lang, code, inputarg)
    expected = ("ok", want) if not isinstance(want, type) else (want,)
    assert got == [expected] * 3, (code, got)


LANGS = ["tl", "tlc"]


# -- test_tl.py --------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_push_pop_add(lang):
    assert_runs(lang, bytecode([PUSH, 16]), 16)
    assert_runs(lang, bytecode([PUSH, 16, PUSH, 42, PUSH, 100, POP]), 42)
    assert_runs(lang, bytecode([PUSH, 42, PUSH, 100, ADD]), 142)
    assert_runs(lang, bytecode([PUSH, 16, PUSH, 42, PUSH, 100, ADD]), 142)


@pytest.mark.parametrize("lang", LANGS)
def test_errors(lang):
    for code in ([POP], [ADD], [PUSH, 100, ADD], [RETURN]):
        assert_runs(lang, bytecode(code), IndexError)
    assert_runs(lang, bytecode([INVALID]), RuntimeError)


def test_a_program_that_is_not_a_str_is_refused():
    with pytest.raises(TypeError, match=r"^tl\(\) argument 'code' must be str, not list$"):
        compiler("tl").specialize([INVALID], 0)


@pytest.mark.parametrize("lang", LANGS)
def test_swap_pick_put(lang):
    code = [PUSH, 42, PUSH, 84]
    assert_runs(lang, bytecode(code), 84)
    assert_runs(lang, bytecode(code + [SWAP]), 42)
    assert_runs(lang, bytecode(code + [SWAP, POP]), 84)
    values = [7, 8, 9]
    pushes = [x for v in values[::-1] for x in (PUSH, v)]
    for i, v in enumerate(values):
        assert_runs(lang, bytecode(pushes + [PICK, i]), v)
    values = [1, 2, 7, -3]
    code = [PUSH, 0] * len(values)
    for i, v in enumerate(values):
        code += [PUSH, v, PUT, i]
    for i, v in enumerate(values):
        assert_runs(lang, bytecode(code + [PICK, i]), v)


OPS = [(ADD, operator.add, ((2, 4), (1, 1), (-1, 1))),
       (SUB, operator.sub, ((2, 4), (4, 2), (1, 1))),
       (MUL, operator.mul, ((2, 4), (4, 2), (1, 1), (-1, 6), (0, 5))),
       (DIV, operator.floordiv, ((2, 4), (4, 2), (1, 1), (-4, -2), (0, 9), (9, -3))),
       (EQ, operator.eq, ((0, 0), (0, 1), (1, 0), (-1, -1), (1, -1))),
       (NE, operator.ne, ((0, 0), (0, 1), (1, 0), (-1, -1), (1, -1))),
       (LT, operator.lt, ((0, 0), (0, 1), (1, 0), (-1, 0), (0, -1))),
       (LE, operator.le, ((0, 0), (0, 1), (1, 0), (-1, 0), (0, -1))),
       (GT, operator.gt, ((0, 0), (0, 1), (1, 0), (-1, 0), (0, -1))),
       (GE, operator.ge, ((0, 0), (0, 1), (1, 0), (-1, 0), (0, -1)))]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("insn, pyop, values", OPS, ids=[str(op) for op, _, _ in OPS])
def test_ops(lang, insn, pyop, values):
    for first, second in values:
        assert_runs(lang, bytecode([PUSH, first, PUSH, second, insn]), int(pyop(first, second)))


@pytest.mark.parametrize("lang", LANGS)
def test_branches(lang):
    assert_runs(lang, bytecode([PUSH, 1, PUSH, 0, BR_COND, 2, PUSH, -1]), -1)
    assert_runs(lang, bytecode([PUSH, 1, PUSH, 1, BR_COND, 2, PUSH, -1]), 1)
    assert_runs(lang, bytecode([PUSH, 1, PUSH, -1, BR_COND, 2, PUSH, -1]), 1)
    assert_runs(lang, bytecode([PUSH, 0, PUSH, 1, BR_COND, 6, PUSH, -1, PUSH, 3, BR_COND, 4,
                                PUSH, 2, BR_COND, -10]), -1)
    assert_runs(lang, bytecode([PUSH, 7, PUSH, 1, BR_COND, 0]), 7)
    assert_runs(lang, bytecode([PUSH, 7, RETURN, PUSH, 5]), 7)


@pytest.mark.parametrize("lang", LANGS)
def test_roll(lang):
    code = [PUSH, 1, PUSH, 2, PUSH, 3, ROLL, 3]
    assert_runs(lang, bytecode(code), 1)
    assert_runs(lang, bytecode(code + [POP]), 3)
    assert_runs(lang, bytecode(code + [POP, POP]), 2)
    assert_runs(lang, bytecode([PUSH, 1, PUSH, 2, PUSH, 3, ROLL, 4]), IndexError)
    code = [PUSH, 1, PUSH, 2, PUSH, 3, ROLL, -3]
    assert_runs(lang, bytecode(code), 2)
    assert_runs(lang, bytecode(code + [POP]), 1)
    assert_runs(lang, bytecode(code + [POP, POP]), 3)
    assert_runs(lang, bytecode([PUSH, 1, PUSH, 2, PUSH, 3, ROLL, -4]), IndexError)


@pytest.mark.parametrize("lang", LANGS)
def test_call_return(lang):
    assert_runs(lang, bytecode([CALL, 1, RETURN, PUSH, 2]), 2)
    assert_runs(lang, bytecode([PUSH, 6, CALL, 2, MUL, RETURN, PUSH, 7, RETURN]), 42)


def test_assembler():
    code = assemble("""
    main:
        PUSH 0
        PUSH 1
        BR_COND somename
    label1:
        PUSH -1
        PUSH 3
        BR_COND end
    somename:   ;
        PUSH 2  //
        BR_COND label1//
    end:// comment
    """)
    assert code == bytecode([PUSH, 0, PUSH, 1, BR_COND, 6, PUSH, -1, PUSH, 3, BR_COND, 4,
                             PUSH, 2, BR_COND, -10])
    code = assemble("""PUSH 1
        CALL func1
        PUSH 3
        CALL func2
        RETURN
    func1:
        PUSH 2
        RETURN  # comment
    func2:
        PUSH 4   ;comment
        PUSH 5
        ADD
        RETURN""")
    assert code == bytecode([PUSH, 1, CALL, 5, PUSH, 3, CALL, 4, RETURN, PUSH, 2, RETURN,
                             PUSH, 4, PUSH, 5, ADD, RETURN])


FACTORIAL = """
        PUSH 1   #  accumulator
        PUSH 7   #  N
    start:
        PICK 0
        PUSH 1
        LE
        BR_COND exit
        SWAP
        PICK 1
        MUL
        SWAP
        PUSH 1
        SUB
        PUSH 1
        BR_COND start
    exit:
        POP
        RETURN
"""
FACTORIAL_HARDER = """
        PUSH 1   #  accumulator
        PUSH 7   #  N
    start:
        PICK 0
        PUSH 1
        LE
        PUSH exit
        BR_COND_STK
        SWAP
        PICK 1
        MUL
        SWAP
        PUSH 1
        SUB
        PUSH 1
        BR_COND start
    exit:
        NOP      # BR_COND_STK skips this instruction
        POP
        RETURN
"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("source", [FACTORIAL, FACTORIAL_HARDER], ids=["plain", "harder"])
def test_factorial(lang, source):
    assert_runs(lang, assemble(source), 5040)


def test_the_factorial_loop_is_three_operations():
    """The stack is virtual: the residual loop of TL's factorial is the
    comparison, the multiplication and the decrement."""
    res = compiler("tl").specialize(assemble(FACTORIAL), 0)
    assert res.op_counts() == Counter({"int_le": 1, "int_mul": 1, "int_sub": 1})


# -- test_tlc.py ----------------------------------------------------------------------------

def test_cons_cells():
    assert_runs("tlc", assemble("NIL\nPUSHARG\nCONS\nPUSH 1\nCONS\nCDR\nCAR"), 42, 42)
    nth = assemble("NIL\nPUSH 4\nCONS\nPUSH 2\nCONS\nPUSH 1\nCONS\nPUSHARG\nDIV")
    for arg, want in [(0, 1), (1, 2), (2, 4), (3, IndexError)]:
        assert_runs("tlc", nth, want, arg)


def test_concat():
    code = assemble("""
        NIL
        PUSH 4
        CONS
        PUSH 2
        CONS
        NIL
        PUSH 5
        CONS
        PUSH 3
        CONS
        PUSH 1
        CONS
        ADD
        PUSHARG
        DIV
    """)
    for i, n in enumerate([2, 4, 1, 3, 5]):
        assert_runs("tlc", code, n, i)


@pytest.mark.parametrize("source", [
    "NIL\nPUSH 4\nADD", "PUSH 4\nNIL\nADD", "NIL\nPUSH 1\nCONS\nPUSH 4\nADD",
    "PUSH 4\nNIL\nPUSH 1\nCONS\nADD", "PUSH 2\nPUSH 1\nCONS\nNIL\nADD"])
def test_concat_errors(source):
    assert_runs("tlc", assemble(source), TypeError)


def test_boxed_values_stay_virtual_in_the_factorial_loop():
    """TLC's factorial: the boxes of the loop stay virtual, the method calls
    are direct; only the result is boxed."""
    res = compiler("tlc").specialize(assemble(FACTORIAL), 0)
    counts = res.op_counts()
    assert counts["int_mul"] == 1 and counts["int_sub"] == 1
    assert counts["malloc"] == 1 and counts["direct_call"] == 0 and counts["promote"] == 0


# -- tlr.py ---------------------------------------------------------------------------------

def test_tlr_square():
    comp = timeshifter.make_compiler(tlr, green=["code"])
    res = comp.specialize(TLR_SQUARE)
    for a in (1, 9, 71):
        assert res(a) == res.interpret(a) == tlr(TLR_SQUARE, a) == a * a
    assert flowgraph.run_graph(flowgraph.build_graph(tlr), TLR_SQUARE, 12) == 144
    assert res.op_counts() == Counter({"int_add": 3, "int_is_true": 2})


@pytest.mark.parametrize("baseline", ["native", "graph"])
def test_the_jit_runs_tl_and_tlc(baseline):
    tl_jit = timeshifter.make_jit(tl, green=["code", "pc"], threshold=2, background=False,
                                  baseline=baseline)
    tlc_jit = timeshifter.make_jit(tlc_eval, green=["code", "pc"], threshold=2,
                                   background=False, baseline=baseline)
    for source in (FACTORIAL, FACTORIAL_HARDER):
        code = assemble(source)
        assert tl_jit(code, 0, 0) == tl(code) == 5040
        assert tlc_jit(code, 0, IntObj(0)).int_o() == tlc(code) == 5040
    assert tl_jit.stats["loops"] >= 1 and tlc_jit.stats["loops"] >= 1

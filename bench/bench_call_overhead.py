"""Call overhead of native code (rgen.llvm), measured in one run.

A compiled 3-int-argument function (`a + b * c`) against the same Python
function, both called from Python: microseconds per call side by side, and
the native overhead beyond the work (target: under 2 us).  Also a list-heavy
loop (a Brainfuck-style tape walk) to show per-element cost without calls
into Python.

    python bench/bench_call_overhead.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flowgraph import parse_graph                    # noqa: E402
from rgen.llvm import compile_graph                  # noqa: E402

TARGET_US = 2.0

ADD_MUL = """\
graph addmul(a_0: Signed, b_1: Signed, c_2: Signed) -> Signed
block0(a_0, b_1, c_2):
    v3: Signed = int_mul(b_1, c_2)
    v4: Signed = int_add(a_0, v3)
    return(v4)"""

TAPE = """\
graph tape(t_0: List(Signed), n_1: Signed) -> Signed
block0(t_0, n_1):
    goto block1(t_0, n_1, 0)
block1(t_2: List(Signed), n_3: Signed, i_4: Signed):
    v5: Bool = int_lt(i_4, n_3)
    exitswitch v5: False -> return(i_4) | True -> block2(t_2, n_3, i_4)
block2(t_6: List(Signed), n_7: Signed, i_8: Signed):
    v9: Signed = list_len(t_6)
    p_10: Signed = int_mod(i_8, v9)
    v11: Signed = list_getitem(t_6, p_10)
    v12: Signed = int_add(v11, 1)
    v13: Signed = int_and(v12, 255)
    list_setitem(t_6, p_10, v13)
    i_14: Signed = int_add(i_8, 1)
    goto block1(t_6, n_7, i_14)"""


def addmul(a: int, b: int, c: int) -> int:
    return a + b * c


def tape(t: list, n: int) -> int:
    i = 0
    while i < n:
        p = i % len(t)
        t[p] = (t[p] + 1) & 255
        i += 1
    return i


def per_call_us(stmt, namespace, repeat: int, number: int) -> float:
    return min(timeit.repeat(stmt, globals=namespace, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    native = compile_graph(parse_graph(ADD_MUL))
    ns = {"native": native, "python": addmul}
    assert native(1, 2, 3) == addmul(1, 2, 3) == 7
    n_us = per_call_us("native(1, 2, 3)", ns, args.repeat, 200_000)
    p_us = per_call_us("python(1, 2, 3)", ns, args.repeat, 200_000)
    print(f"3-int-arg call:   native {n_us:6.3f} us   python {p_us:6.3f} us   "
          f"ratio {n_us / p_us:5.1f}x   (target: native under {TARGET_US} us: "
          f"{'ok' if n_us < TARGET_US else 'MISSED'})")
    native_tape = compile_graph(parse_graph(TAPE))
    t1, t2 = [0] * 30000, [0] * 30000
    assert native_tape(t1, 100_000) == tape(t2, 100_000) and t1 == t2
    ns.update(native_tape=native_tape, tape=tape, t=[0] * 30000)
    nt = per_call_us("native_tape(t, 1_000_000)", ns, args.repeat, 1) * 1e3 / 1e6
    pt = per_call_us("tape(t, 1_000_000)", ns, args.repeat, 1) * 1e3 / 1e6
    print(f"tape walk:        native {nt:6.3f} ns/elt python {pt:6.3f} ns/elt "
          f"speed-up {pt / nt:5.1f}x")


if __name__ == "__main__":
    main()

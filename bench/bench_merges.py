"""Merges keep what they can (issue 24): the table VM, its table made inside
the interpreter against the same VM with the table passed in, side by side.

`examples/tablevm.run` makes its guest's table inside the interpreter, where
a user writes it; the table grows with the guest's loop, so it becomes a real
list at the loop head while the value stack and the slots stay virtual.  The
comparison is the same interpreter with the table a parameter from the start
(red: a real list all along), made here from `run`'s own source by changing
its signature and dropping the allocation, so the two never drift apart.

Printed: residual operations of each, native time per call on the guest
SQUARES (the sum of the squares 1..n through the table) for n = 1,000, and
the ratio.  Targets: at most 30 residual operations for the table made
inside, native time within 1.2x of the table-as-parameter version.

    python bench/bench_merges.py [--rounds N]
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples import tablevm                          # noqa: E402
from timeshift.demo import format_seconds, side_by_side   # noqa: E402
from timeshifter import SpecializationWarning, make_compiler   # noqa: E402

OPS_TARGET, RATIO_TARGET = 30, 1.2
N = 1000


def table_as_parameter():
    """`tablevm.run` with `table: list[int]` a parameter instead of a list it
    makes (a module written beside the source, which the builder reads)."""
    source = inspect.getsource(tablevm)
    for old, new in (("def run(code: list[int], n: int) -> int:",
                      "def run(code: list[int], n: int, table: list[int]) -> int:"),
                     ("    table = [0] * 0\n", "")):
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path = Path(tempfile.mkdtemp()) / "tablevm_parameter.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("tablevm_parameter", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (best of)")
    rounds = parser.parse_args().rounds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecializationWarning)   # the table: expected
        inside = make_compiler(tablevm.run, green=["code"]).specialize(tablevm.SQUARES)
    param_run = table_as_parameter()
    param = make_compiler(param_run, green=["code"]).specialize(tablevm.SQUARES)
    expected = tablevm.run(tablevm.SQUARES, N)
    native_inside, native_param = inside.native, param.native
    if not native_inside(N) == native_param(N, []) == param_run(tablevm.SQUARES, N, []) \
            == expected:
        raise AssertionError("the two versions disagree with CPython")
    # each call gets a fresh table: the parameter version appends to it
    best = side_by_side({"inside": lambda n: native_inside(n),
                         "parameter": lambda n: native_param(n, [])}, (N,), rounds)
    ops_inside, ops_param = (sum(r.op_counts().values()) for r in (inside, param))
    ratio = best["inside"] / best["parameter"]
    ops_ok, ratio_ok = ops_inside <= OPS_TARGET, ratio <= RATIO_TARGET
    print(f"{'table VM on SQUARES, n = 1,000':34}{'operations':>12}{'native':>12}")
    print(f"{'  table made inside the VM':34}{ops_inside:>12}{format_seconds(best['inside']):>12}")
    print(f"{'  table passed in':34}{ops_param:>12}{format_seconds(best['parameter']):>12}")
    print(f"\nresidual operations, table made inside: {ops_inside} (target <= {OPS_TARGET}) "
          f"{'PASS' if ops_ok else 'FAIL'}")
    print(f"native, inside / passed in: {ratio:.2f}x (target <= {RATIO_TARGET}x) "
          f"{'PASS' if ratio_ok else 'FAIL'}")
    return 0 if ops_ok and ratio_ok else 1


if __name__ == "__main__":
    sys.exit(main())

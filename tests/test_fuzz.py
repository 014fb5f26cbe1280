"""The fuzzer (tests/fuzz.py) in short: a fixed number of random programs
through every mode with no mismatch and no crash, and its crash and
mismatch reports on jobs made to fail."""

import ctypes  # noqa: F401 (the crashing job imports it)

from tests import fuzz

CRASHING = """import ctypes


def f(x: int) -> int:
    return len(ctypes.string_at(0))
"""

UNSUPPORTED = """def f(x: int) -> int:
    return pow(x, 2)
"""


def job(source: str) -> dict:
    return {"source": source, "name": "f", "params": ("x",), "types": ("int",),
            "promote": False, "args": [(1,)], "green": [], "threshold": 1}


def test_short_fuzz_run_finds_nothing(tmp_path, capsys):
    status = fuzz.main(["--programs", "30", "--seconds", "600", "--seed", "0",
                        "--out", str(tmp_path)])
    summary = capsys.readouterr().out.splitlines()[-1]
    assert summary.startswith("fuzz: 30 programs, ")
    assert summary.split(", ")[2:4] == ["0 mismatches", "0 crashes in " +
                                        summary.split(" in ")[1]]
    assert status == 0 and not list(tmp_path.iterdir())


def test_a_crashing_job_is_reported_with_its_source(tmp_path):
    fuzzer = fuzz.Fuzzer(fuzz.parse(["--out", str(tmp_path), "--timeout", "60"]))
    try:
        fuzzer.run_one(job(CRASHING))
        fuzzer.run_one(job("def f(x: int) -> int:\n    return x + 1\n"))   # goes on
    finally:
        fuzzer.worker.stop()
    tally = fuzzer.tally
    assert (tally.programs, tally.crashes, tally.mismatches) == (2, 1, 0)
    assert tally.executions == 7            # the second: cpython, graph, native x2, residual x3
    saved = tally.saved[0].read_text()
    assert saved.startswith(CRASHING) and "# the worker died with signal 11" in saved
    assert "Fatal Python error: Segmentation fault" in saved and "in f" in saved


def test_a_mismatch_is_saved_with_its_job(tmp_path):
    fuzzer = fuzz.Fuzzer(fuzz.parse(["--out", str(tmp_path)]))
    try:
        fuzzer.run_one(job(UNSUPPORTED))
    finally:
        fuzzer.worker.stop()
    assert (fuzzer.tally.mismatches, fuzzer.tally.crashes) == (2, 0)   # build, specialize
    text = fuzzer.tally.saved[0].read_text()
    assert text.startswith(UNSUPPORTED)
    assert "'args': [(1,)]" in text and "'mode': 'graph'" in text and "FlowError" in text

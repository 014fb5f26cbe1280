"""The `timeshift` command: every subcommand once, results against CPython,
and exact messages with exit status 2 for every kind of mistake.

Most tests call `timeshift.cli.main([...])` in-process and read the
captured output; a few run `python -m timeshift` as a subprocess to check
the real exit status and the console script.
"""

import contextlib
import io
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from examples import interpreters as ex
from flowgraph import format_graph
from timeshift import cli, demo
from timeshifter import make_compiler

ROOT = Path(__file__).resolve().parent.parent
INTERPRET = "examples.interpreters:interpret"


def run_cli(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# -- specialize --------------------------------------------------------------------

def test_specialize_prints_the_residual_graph(capsys):
    status, out, err = run_cli(capsys, "specialize", INTERPRET, "--green", "bytecode=SQUARE")
    assert (status, err) == (0, "")
    expected = format_graph(make_compiler(ex.interpret, green=["bytecode"])
                            .specialize(ex.SQUARE).graph)
    assert out == expected + "\n"
    # one peeled iteration (1 int_add, 1 truth test), then the loop (2 and 1)
    assert out.count("int_add(") == 3 and out.count("int_is_true(") == 2


def test_specialize_emits_genext_llvm_and_asm(capsys):
    args = ("specialize", INTERPRET, "--green", "bytecode=examples.interpreters:SQUARE")
    status, out, _ = run_cli(capsys, *args, "--emit", "genext")
    assert status == 0
    assert out == make_compiler(ex.interpret, green=["bytecode"]).source + "\n"
    status, out, _ = run_cli(capsys, *args, "--emit", "llvm")
    assert status == 0 and "define" in out and "@\"interpret_" in out
    status, out, _ = run_cli(capsys, *args, "--emit", "llvm-opt")
    assert status == 0 and "define" in out
    status, out, _ = run_cli(capsys, *args, "--emit", "asm")
    assert status == 0 and "interpret_" in out and "ret" in out


def test_specialize_on_literal_greens(capsys):
    status, out, _ = run_cli(capsys, "specialize", "examples.interpreters:ll_plus_minus",
                             "--green", "encoded_insn=0xA5A", "nb_insn=3")
    assert status == 0
    assert out.count("int_add(") == 2 and out.count("int_sub(") == 1


def test_specialize_dumps_after_a_pass(capsys):
    args = ("specialize", INTERPRET, "--green", "bytecode=SQUARE")
    status, out, err = run_cli(capsys, *args, "--dump-after", "thread_values")
    assert (status, err) == (0, "")
    final = format_graph(make_compiler(ex.interpret, green=["bytecode"])
                         .specialize(ex.SQUARE).graph)
    dump, rest = out.split("\n\n", 1)
    assert rest == final + "\n"
    assert dump.startswith("# after pass 'thread_values'\ngraph interpret_1(a_0: Signed)")
    # before the clean-ups: the jumps between the interpreter's steps are still there
    assert dump.count("\nblock") == 16 and final.count("\nblock") == 2
    status, out, _ = run_cli(capsys, *args, "--dump-after", "join_blocks")
    assert (status, out) == (0, f"# after pass 'join_blocks'\n{final}\n\n{final}\n")


def test_specialize_disables_passes(capsys):
    args = ("specialize", INTERPRET, "--green", "bytecode=SQUARE")
    status, out, err = run_cli(capsys, *args, "--disable", "join_blocks",
                               "--disable", "remove_empty_blocks")
    assert (status, err) == (0, "")
    expected = make_compiler(ex.interpret, green=["bytecode"], disable_passes=[
        "join_blocks", "remove_empty_blocks"]).specialize(ex.SQUARE)
    assert out == format_graph(expected.graph) + "\n"
    assert out.count("\nblock") == 16
    assert expected.interpret(7) == 49 and expected(7) == 49


# -- run ----------------------------------------------------------------------------

@pytest.mark.parametrize("target, greens, reds, expected", [
    (INTERPRET, ["bytecode=SQUARE"], ["7"], 49),
    (INTERPRET, ["bytecode=TRIPLE_MINUS_ONE"], ["-5"], -16),
    ("examples.interpreters:run_stack", ["code=FACTORIAL"], ["10", "0", "0"], 3628800),
    ("examples.interpreters:plus_minus_str", ["s='++-x+'"], ["17", "4"], 25),
    ("examples.interpreters:bf", ["program=BF_MUL"], [r"'\x0b\x0c'"], ex.bf(ex.BF_MUL, "\x0b\x0c")),
    ("examples.interpreters:bf", ["program=BF_REVERSE"], ["abc"], ex.bf(ex.BF_REVERSE, "abc")),
])
def test_run_natively_agrees_with_cpython(capsys, target, greens, reds, expected):
    status, out, err = run_cli(capsys, "run", target, "--green", *greens, *reds)
    assert (status, out, err) == (0, f"{expected}\n", "")


def test_run_arguments_before_greens_after_options_and_dashes(capsys):
    triple = "bytecode=TRIPLE_MINUS_ONE"
    assert run_cli(capsys, "run", INTERPRET, "4", "--green", triple)[:2] == (0, "11\n")
    assert run_cli(capsys, "run", INTERPRET, "--green", triple, "--", "-4")[:2] == (0, "-13\n")
    assert run_cli(capsys, "run", INTERPRET, "--green", triple, "--option",
                   "max_residual_ops=100", "5")[:2] == (0, "14\n")
    assert run_cli(capsys, "run", INTERPRET, "--green", triple, "--interpret",
                   "6")[:2] == (0, "17\n")


@settings(max_examples=10)
@given(st.sampled_from(["SQUARE", "TRIPLE_MINUS_ONE"]), st.integers(1, 2000))
def test_run_register_machine_like_cpython(program, a):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli.main(["run", INTERPRET, "--green", f"bytecode={program}", str(a)])
    assert (status, out.getvalue()) == (0, f"{ex.interpret(getattr(ex, program), a)}\n")


def test_run_reports_the_programs_own_exception_with_status_1(capsys):
    status, out, err = run_cli(capsys, "run", INTERPRET, "--green", r"bytecode='\x09'", "7")
    assert (status, out, err) == (1, "", "ValueError: bad opcode\n")


def test_run_under_the_jit_with_statistics(capsys):
    status, out, err = run_cli(capsys, "run", INTERPRET, "--green", "bytecode=SQUARE", "71",
                               "--jit", "--threshold", "3", "--bridge-threshold", "2",
                               "--stats", "--option", "background=False")
    assert (status, out) == (0, "5041\n")
    stats = dict(line.split(": ") for line in err.splitlines())
    assert (stats["loops"], stats["passes counted"], stats["compile bridge"]) == ("1", "3", "1")
    status, out, err = run_cli(capsys, "run", "examples.interpreters:accumulator", "--green",
                               "code=ACC_FACTORIAL", "10", "--jit", "--threshold", "2")
    assert (status, out, err) == (0, "3628800\n", "")


@pytest.mark.parametrize("flags, message", [
    (["--stats"], "--stats goes with --jit"),
    (["--jit", "--interpret"], "--interpret and --jit exclude each other"),
    (["--jit", "--threshold", "0"], "make_jit: threshold must be an int >= 1, have 0"),
])
def test_run_jit_mistakes(capsys, flags, message):
    status, out, err = run_cli(capsys, "run", INTERPRET, "--green", "bytecode=SQUARE", "7",
                               *flags)
    assert (status, out, err) == (2, "", f"timeshift: error: {message}\n")


# -- colors ----------------------------------------------------------------------------

def test_colors_lists_every_source_variable(capsys, tmp_path):
    svg = tmp_path / "interp.svg"
    status, out, err = run_cli(capsys, "colors", INTERPRET, "--green", "bytecode",
                               "-o", str(svg), "--explain", "a")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "interpret(bytecode: green, a: red)"
    colours = dict(line.split() for line in lines[1:8])
    assert colours == {"bytecode": "green", "a": "red", "regs": "blue", "pc": "green",
                       "opcode": "green", "n": "green", "target": "green"}
    assert "in interpret is red" in out and "it is a red parameter" in out
    assert lines[-1] == f"coloured graph written to {svg}"
    assert b"<svg" in svg.read_bytes()


def test_colors_of_called_functions_and_dot_output(capsys, tmp_path):
    dot = tmp_path / "bf.dot"
    status, out, _ = run_cli(capsys, "colors", "examples.interpreters:bf",
                             "--green", "program", "-o", str(dot))
    assert status == 0
    assert "bf(program: green, inp: red)" in out
    assert dot.read_text().startswith("digraph")
    compact = dot.read_text()
    assert "xlabel=" in compact and "# line" not in compact and "<b>block2(" not in compact
    status, _, _ = run_cli(capsys, "colors", "examples.interpreters:bf",
                           "--green", "program", "-o", str(dot), "--full")
    full = dot.read_text()
    assert status == 0 and "# line" in full and "<b>block2(" in full
    status, out, _ = run_cli(capsys, "colors", "examples.arith:lcm", "--green", "a")
    assert status == 0
    assert "lcm(a: green, b: red)" in out
    assert "gcd(a: green, b: red)" in out


# -- errors ---------------------------------------------------------------------------

BAD = [
    (["run", "examples.interpreters", "7"],
     "want MODULE:FUNC (e.g. examples.interpreters:interpret), have 'examples.interpreters'"),
    (["run", "examples.nope:f", "7"],
     "cannot import module 'examples.nope': No module named 'examples.nope'"),
    (["run", "examples.interpreters:nope", "7"],
     "module 'examples.interpreters' has no function 'nope'"),
    (["run", "examples.interpreters:SQUARE", "7"],
     "examples.interpreters:SQUARE is a str, not a function"),
    (["run", INTERPRET, "--green", "code=SQUARE", "7"],
     "interpret() has no parameter 'code'; parameters: bytecode, a"),
    (["colors", INTERPRET, "--green", "code"],
     "interpret() has no parameter 'code'; parameters: bytecode, a"),
    (["run", INTERPRET, "--green", "bytecode=SQUAR", "7"],
     "bad value for 'bytecode': 'SQUAR' is neither a Python literal nor a name in module "
     "'examples.interpreters' (or module:NAME)"),
    (["run", INTERPRET, "--green", "bytecode=examples.interpreters:NOPE", "7"],
     "bad value for 'bytecode': module 'examples.interpreters' has no attribute 'NOPE'"),
    (["specialize", INTERPRET, "--green", "bytecode=12"],
     "green 'bytecode' must be Str, have int 12"),
    (["run", INTERPRET, "--green", "bytecode=SQUARE", "True"],
     "red argument 'a' must be Signed, have bool True"),
    (["run", INTERPRET, "--green", "bytecode=SQUARE", "7", "8"],
     "interpret() takes 1 red argument(s) (a), got 2"),
    (["run", INTERPRET, "--green", "bytecode", "7"], "--green wants NAME=VALUE, have 'bytecode'"),
    (["specialize", INTERPRET, "--green", "bytecode"],
     "--green wants NAME=VALUE, have 'bytecode'"),
    (["run", INTERPRET, "--green", "bytecode=SQUARE", "bytecode=SQUARE", "7"],
     "green 'bytecode' given twice"),
    (["specialize", INTERPRET, "--green", "bytecode=SQUARE", "--option", "speed=11"],
     "unknown option(s) speed; known options: backend, bridge_threshold, cache, check_passes, "
     "disable_passes, dump_after, eager_simple_splits, lazy_splits, max_inline_depth, "
     "max_residual_ops, "
     "max_shapes_per_merge, "
     "max_states_per_merge, max_virtual_list, opt_level, optimise_later, "
     "promote_constant_states, "
     "promote_max_cases, promote_threshold, promote_tracked"),
    (["specialize", INTERPRET, "--green", "bytecode=SQUARE", "--dump-after", "join"],
     "--dump-after: unknown pass 'join'; passes: thread_values, forward_fields, "
     "propagate_constants, fold_known_lengths, remove_dead, remove_empty_blocks, join_blocks, "
     "switch_on_conditions"),
    (["specialize", INTERPRET, "--green", "bytecode=SQUARE", "--disable", "join_blocks",
      "--disable", "dead"],
     "--disable: unknown pass 'dead'; passes: thread_values, forward_fields, "
     "propagate_constants, fold_known_lengths, remove_dead, remove_empty_blocks, join_blocks, "
     "switch_on_conditions"),
    (["specialize", INTERPRET, "--green", "bytecode=SQUARE", "--disable", "thread_values"],
     "--disable: pass 'thread_values' is required and cannot be disabled (logical values "
     "become block arguments; a switch without cases is a jump)"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[m.split(":")[0][:40] for _, m in BAD])
def test_mistakes_exit_2_with_one_message(capsys, argv, message):
    assert run_cli(capsys, *argv) == (2, "", f"timeshift: error: {message}\n")


def test_flow_error_names_file_and_line(capsys, tmp_path):
    source = tmp_path / "unsupported.py"
    source.write_text("def f(x: int) -> int:\n    return pow(x, 2)\n")
    status, out, err = run_cli(capsys, "run", f"{source}:f", "3")
    assert (status, out) == (2, "")
    assert err == (f"timeshift: error: {source}:2: builtin 'pow()' is not supported; "
                   f"multiply in a loop (or x ** n for a constant n >= 0)\n")


def test_hint_error_says_which_hint_helps(capsys):
    status, out, err = run_cli(capsys, "specialize", INTERPRET, "--green", "a=7")
    assert (status, out) == (2, "")
    assert err.startswith("timeshift: error: a temporary value must be green")
    assert "Hint that would help: list 'bytecode' in green=[...]" in err


def test_timeshift_error_names_the_bound(capsys):
    status, out, err = run_cli(capsys, "run", INTERPRET, "--green", "bytecode=SQUARE",
                               "--option", "max_residual_ops=1", "7")
    assert (status, out) == (2, "")
    assert err.startswith("timeshift: error: interpret: the specialisation emitted more "
                          "than 1 residual operations (option max_residual_ops)")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", INTERPRET, "--green", "bytecode=SQUARE", "--fast", "7"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --fast" in capsys.readouterr().err


# -- demo ----------------------------------------------------------------------------------

def test_demo_writes_svg_prints_residual_graph_and_speed_table(capsys, tmp_path):
    status, out, err = run_cli(capsys, "demo", "--out", str(tmp_path), "--rounds", "1")
    assert (status, err) == (0, "")
    assert b"<svg" in (tmp_path / "demo_colors.svg").read_bytes()
    graph = make_compiler(demo.interpret, green=["bytecode"]).specialize(demo.SQUARE).graph
    assert format_graph(graph) in out
    assert "res(7) = 49" in out
    assert "square of a = 1764 (= 3111696)" in out
    assert "CPython running the interpreter" in out and "native residual code" in out
    assert "LLVM then folded that loop into a closed\n   form" in out


def test_demo_with_the_code_cache_prints_the_warm_run(capsys, tmp_path):
    folder = tmp_path / "cache"
    status, out, err = run_cli(capsys, "demo", "--out", str(tmp_path), "--rounds", "1",
                               "--cache", str(folder))
    assert (status, err) == (0, "")
    assert f"6. code cache: this run's native code was compiled and saved to {folder}" in out
    assert re.search(r"warm run \(a fresh process, make_compiler to the first native "
                     r"result\): [\d.]+ ms, 0 LLVM compile\(s\), 2 module\(s\) loaded", out)


def test_run_with_the_cache_and_the_cache_command(capsys, tmp_path):
    folder = str(tmp_path / "cache")
    assert run_cli(capsys, "cache", "stats", "--dir", folder) == (
        0, f"folder: {folder}\nentries: 0\nbytes: 0 (bound 268435456)\n", "")
    for flags in ([], ["--jit", "--threshold", "1"]):
        status, out, err = run_cli(capsys, "run", INTERPRET, "--green", "bytecode=SQUARE",
                                   "9", "--cache", folder, *flags)
        assert (status, out, err) == (0, "81\n", "")
    status, out, _ = run_cli(capsys, "cache", "stats", "--dir", folder)
    entries = int(re.search(r"entries: (\d+)", out)[1])
    assert entries >= 2                   # the residual code, the JIT's baseline and loop
    assert run_cli(capsys, "cache", "prune", "--dir", folder, "--max-mb", "0") == (
        0, f"deleted {entries} entries from {folder}\n", "")
    assert run_cli(capsys, "cache", "clear", "--dir", folder) == (
        0, f"deleted 0 entries from {folder}\n", "")
    status, _, err = run_cli(capsys, "cache", "prune", "--dir", folder, "--max-mb", "-1")
    assert (status, err) == (2, "timeshift: error: --max-mb must not be negative\n")


def test_the_demo_tells_a_folded_loop_from_a_kept_one():
    """Issue 15: the demo says which speed-up comes from LLVM's folding."""
    square = make_compiler(demo.interpret, green=["bytecode"]).specialize(demo.SQUARE)
    factorial = make_compiler(ex.run_stack, green=["code"]).specialize(ex.FACTORIAL)
    assert square.native.loop_folded and not factorial.native.loop_folded


# -- as a process ----------------------------------------------------------------------

def test_python_dash_m_timeshifter():
    ok = subprocess.run([sys.executable, "-m", "timeshift", "run", INTERPRET, "--green",
                         "bytecode=SQUARE", "7"], cwd=ROOT, capture_output=True, text=True)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "49\n", "")
    bad = subprocess.run([sys.executable, "-m", "timeshift", "run", "nope:f", "7"],
                         cwd=ROOT, capture_output=True, text=True)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == "timeshift: error: cannot import module 'nope': No module named 'nope'\n"


def test_console_script_entry_point_is_main():
    (script,) = entry_points(group="console_scripts", name="timeshift")
    assert script.load() is cli.main

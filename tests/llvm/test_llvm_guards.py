"""Native code never crashes the process and never hangs (issue 10 items 1
and 4), each checked in a subprocess so that a crash is reported, not fatal."""

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DEEP = textwrap.dedent('''
    import sys
    sys.setrecursionlimit(10**7)
    import flowgraph, rgen
    from tests.llvm.guard_programs import count_down
    native = rgen.compile_graph(flowgraph.build_graph(count_down))
    print(native(1000))
    try:
        native(300000)
    except RecursionError as e:
        print("RecursionError:", e)
''')

SPIN = textwrap.dedent('''
    import flowgraph, rgen
    from tests.llvm import guard_programs
    program = getattr(guard_programs, {name!r})
    native = rgen.compile_graph(flowgraph.build_graph(program), {pipeline!r})
    assert {pipeline!r} != "quick" or native.tier == "cheap", native.tier
    args = {{"spin_list": [[1, 2, 3]], "spin_str": ["ab"]}}.get({name!r}, [])
    native(*args, 10)
    print("ready", flush=True)
    try:
        native(*args, 10**13)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
''')


def test_deep_native_recursion_raises_recursion_error():
    """With the recursion limit at 10**7, a 300,000-deep native recursion used
    to overflow the C stack (SIGSEGV); the stack-depth check raises instead."""
    out = subprocess.run([sys.executable, "-c", DEEP], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == [
        "1000", "RecursionError: maximum recursion depth exceeded (native stack)"]


@pytest.mark.parametrize("name, pipeline", [("spin", "full"), ("spin_list", "full"),
                                            ("spin_str", "full"), ("spin", "quick"),
                                            ("spin_list", "quick")])
def test_ctrl_c_interrupts_a_long_native_loop(name, pipeline):
    """A SIGINT 0.2 s into a loop of 10**13 iterations raises KeyboardInterrupt
    from within native code (it used to run to the end: hours).  `spin` owns no
    reference (polled after optimisation, in the entry that inlined it too);
    `spin_list` does (polled as emitted); `spin_str` owns its str before
    its loop only (polled as emitted: polled after optimisation, as tried,
    the Brainfuck residual ran 2.5% slower).  The "quick" pipeline puts
    loops in the cheap tier (O0 code), polled as emitted."""
    child = subprocess.Popen([sys.executable, "-c", SPIN.format(name=name, pipeline=pipeline)],
                             cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        out = "still running 5 s after SIGINT"
    finally:
        child.kill()
        child.wait()
    assert out == "KeyboardInterrupt\n"

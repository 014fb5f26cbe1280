"""The persistent code cache (DESIGN section 10; timeshifter/cache.py,
rgen/llvm/objcache.py): native code saved by its module's text and loaded,
not compiled, by a later process that specialises the same program.

Each warm or damaged run is a fresh process (`run_program`): within one
process a module's names are loaded once, so a second identical module is
compiled as usual (tested too)."""

import ast
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from examples import interpreters as ex
from rgen.llvm import jit
from rgen.llvm.objcache import FORMAT, PLACEHOLDER, ObjectCache, portable
from timeshifter import make_compiler
from timeshifter.cache import ENV_VAR, object_cache

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent("""
    import json, sys, logging
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="WARNING %(message)s")
    sys.path.insert(0, {root!r})
    from examples import interpreters as ex
    from rgen.llvm import jit
    from timeshifter import make_compiler
    cache = sys.argv[1] if len(sys.argv) > 1 else True
    results, built = [], []
    for func, green, greens, reds in [{cases}]:
        comp = make_compiler(func, green=green, cache=cache)
        results.append([comp(*greens, *reds), func(*greens, *reds)])
        built.append(comp._built)     # annotated, generating extension made?
        comp.wait(60)                 # the optimised promotion cases, saved too
    stats = comp._object_cache.stats
    print(json.dumps({{"results": results, "stats": dict(stats), "built": built,
                      "llvm": dict(jit.compile_counts)}}))
""")
SQUARE = '(ex.interpret, ["bytecode"], (ex.SQUARE,), (9,))'
BF = '(ex.bf, ["program"], (ex.BF_MUL,), ("\\x0b\\x0c",))'
DFA = '(ex.dfa_match, ["table", "accepting"], ex.EVEN_AS, ("abbab" * 5,))'


def run_program(folder, cases=SQUARE, env=None, argv=True) -> dict:
    """Run PROGRAM for `cases` in a fresh process with the cache in `folder`:
    its results, the cache's stats, the LLVM counts, and its warnings."""
    code = PROGRAM.format(root=str(ROOT), cases=cases)
    args = [sys.executable, "-c", code] + ([str(folder)] if argv else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    report = json.loads(lines[-1])
    report["warnings"] = [line for line in lines if line.startswith("WARNING")]
    for got, expected in report["results"]:
        assert got == expected
    return report


def entries(folder) -> list:
    return sorted(Path(folder).glob("*.tso"))


def test_a_second_process_loads_the_code_instead_of_compiling(tmp_path):
    cold = run_program(tmp_path, f"{SQUARE}, {BF}")
    # two programs, each a module, its signature's Python entries and the
    # specialisation's entry naming them
    assert cold["stats"] == {"misses": 4, "saved": 6, "specialisations saved": 2}
    assert cold["llvm"] == {"compiled": 4}
    assert cold["built"] == [True, True]
    assert len(entries(tmp_path)) == 6
    warm = run_program(tmp_path, f"{SQUARE}, {BF}")
    assert warm["stats"] == {"hits": 4, "specialisations loaded": 2}
    assert warm["llvm"] == {"loaded": 4}          # nothing compiled
    assert warm["built"] == [False, False]        # nothing annotated or specialised
    assert warm["warnings"] == []


def test_promotion_cases_are_loaded_too(tmp_path):
    """The DFA's cases are compiled quick, then optimised by the worker,
    which saves them; a later process loads the optimised ones at once.
    Cases whose text is another's (other sites, same code) load the same
    object again under other names, in both processes."""
    cold = run_program(tmp_path, DFA)
    assert cold["stats"]["misses"] == cold["stats"]["saved"] == len(entries(tmp_path)) > 2
    assert cold["stats"]["made here"] >= 1
    assert cold["stats"]["specialisations not saved"] == 1      # its code holds sites
    warm = run_program(tmp_path, DFA)
    assert "compiled" not in warm["llvm"]
    assert warm["stats"]["hits"] == cold["stats"]["saved"]
    assert warm["llvm"]["loaded"] == warm["stats"]["hits"] + warm["stats"]["made here"]


def test_another_program_is_another_entry_and_an_equal_one_a_hit(tmp_path):
    run_program(tmp_path, BF)
    other = run_program(tmp_path, '(ex.bf, ["program"], ("".join(list(ex.BF_MUL)), ), '
                                  '("\\x0b\\x0c",))')
    # an equal program in another str object
    assert other["stats"] == {"hits": 2, "specialisations loaded": 1}
    changed = run_program(tmp_path, '(ex.bf, ["program"], (ex.BF_ADD,), ("\\x0b\\x0c",))')
    assert changed["stats"] == {"misses": 1, "saved": 2, "hits": 1,     # the same entries
                                "specialisations saved": 1}
    assert len(entries(tmp_path)) == 5


def test_a_changed_interpreter_is_compiled_again(tmp_path):
    module = tmp_path / "calc.py"
    source = textwrap.dedent("""
        def calc(n: int, x: int) -> int:
            total = 0
            while n > 0:
                total += x * 3
                n -= 1
            return total
    """)
    module.write_text(source)
    cases = ('(__import__("calc").calc, ["n"], (5,), (7,))')
    env = {"PYTHONPATH": str(tmp_path)}
    folder = tmp_path / "cache"
    saved = {"misses": 2, "saved": 3, "specialisations saved": 1}
    assert run_program(folder, cases, env)["stats"] == saved
    assert run_program(folder, cases, env)["stats"] == {"hits": 2, "specialisations loaded": 1}
    module.write_text(source.replace("x * 3", "x * 4"))
    assert run_program(folder, cases, env)["stats"] == {"misses": 1, "saved": 2, "hits": 1,
                                                         "specialisations saved": 1}


def test_a_table_a_pure_function_reads_changed_between_runs(tmp_path):
    """The fingerprint of the interpreter reaches the module-level table
    through the pure function: another table, another key; the result is
    the new one."""
    module = tmp_path / "tabled.py"
    source = textwrap.dedent("""
        from hintannotator import hint, purefunction
        TABLE = [3, 5, 7]

        @purefunction
        def weight(i: int) -> int:
            return TABLE[i]

        def run(code: str, x: int) -> int:
            total = 0
            for c in code:
                total += weight(hint(ord(c) - 48, concrete=True)) * x
            return total
    """)
    module.write_text(source)
    cases = '(__import__("tabled").run, ["code"], ("0120",), (10,))'
    env = {"PYTHONPATH": str(tmp_path)}
    folder = tmp_path / "cache"
    first = run_program(folder, cases, env)
    assert first["results"] == [[180, 180]]
    assert run_program(folder, cases, env)["stats"]["specialisations loaded"] == 1
    module.write_text(source.replace("[3, 5, 7]", "[3, 5, 100]"))
    changed = run_program(folder, cases, env)
    assert changed["results"] == [[1110, 1110]]
    assert changed["built"] == [True] and "specialisations loaded" not in changed["stats"]


def _damage_object(data: bytes) -> bytes:
    """The entry with a byte of its object file flipped (checksum kept old)."""
    return data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:]


def _made_elsewhere(field: str, value: str):
    """A well-formed entry whose header says it was made with another
    `field` (LLVM version, CPU) but which sits under this process's key."""
    def damage(data: bytes) -> bytes:
        import hashlib
        body = data[len(FORMAT) + 32:]
        size = int.from_bytes(body[:4], "little")
        meta = ast.literal_eval(body[4:4 + size].decode())
        meta["header"][field] = value
        raw = repr(meta).encode()
        body = len(raw).to_bytes(4, "little") + raw + body[4 + size:]
        return FORMAT + hashlib.sha256(body).digest() + body
    return damage


@pytest.mark.parametrize("damage, why", [
    (lambda data: data[: len(data) // 2], "checksum mismatch"),
    (lambda data: os.urandom(len(data)), "not an entry of this format"),
    (lambda data: b"", "not an entry of this format"),
    (_damage_object, "checksum mismatch"),
    (_made_elsewhere("llvm", "1.0.0"), "made for another key, version or target"),
    (_made_elsewhere("cpu", "i486"), "made for another key, version or target"),
], ids=["truncated", "random bytes", "empty", "corrupted", "another version", "another cpu"])
def test_a_damaged_entry_is_deleted_and_the_code_compiled(tmp_path, damage, why):
    run_program(tmp_path)
    entry = tmp_path / f"{module_keys(tmp_path)[0]}.tso"       # the program's own module
    entry.write_bytes(damage(entry.read_bytes()))
    report = run_program(tmp_path)                 # the process exits 0, results right
    # the specialisation's load stops at its module, deleted; the program is
    # compiled (its entries' module found) and saved whole again
    assert report["stats"] == {"rejected": 1, "misses": 1, "hits": 1, "saved": 2,
                               "specialisations saved": 1}
    assert report["llvm"] == {"compiled": 1, "loaded": 1}
    [warning] = report["warnings"]
    assert why in warning and entry.name in warning
    again = run_program(tmp_path)                  # saved again, whole
    assert again["stats"] == {"hits": 2, "specialisations loaded": 1}


def module_keys(folder) -> list:
    """The keys of the modules the one saved specialisation in `folder`
    names, its own module first (its entries' module last)."""
    from rgen.llvm.objcache import SPECIALISATION, _decode, header
    for path in entries(folder):
        saved = _decode(path.read_bytes(), path.stem, header())
        if saved.tier == SPECIALISATION:
            return [m["key"] for m in ast.literal_eval(saved.optimized)["modules"]]
    raise AssertionError("no specialisation saved")


def test_a_damaged_specialisation_entry_is_deleted_and_the_modules_loaded(tmp_path):
    run_program(tmp_path)
    keys = module_keys(tmp_path)
    [spec] = [p for p in entries(tmp_path) if p.stem not in keys]
    spec.write_bytes(spec.read_bytes()[:-3])
    report = run_program(tmp_path)
    assert report["stats"] == {"rejected": 1, "hits": 2, "saved": 1,
                               "specialisations saved": 1}
    assert "compiled" not in report["llvm"] and report["built"] == [True]


def test_the_folder_comes_from_the_environment(tmp_path):
    folder = tmp_path / "from-env"
    report = run_program(None, env={ENV_VAR: str(folder)}, argv=False)
    assert report["stats"] == {"misses": 2, "saved": 3, "specialisations saved": 1}
    assert len(entries(folder)) == 3


def twice_plus(n: int, x: int) -> int:
    total = 0
    while n > 0:
        total += 2 * x + 1
        n -= 1
    return total


def thrice(n: int, x: int) -> int:
    total = 0
    while n > 0:
        total += 3 * x
        n -= 1
    return total


def test_the_same_program_twice_in_one_process(tmp_path):
    """The second module of the same text loads the first's object again,
    under names of its own: nothing compiled."""
    make_compiler(twice_plus, green=["n"])(3, 1)    # the signature's Python entry, uncached
    first = make_compiler(twice_plus, green=["n"], cache=str(tmp_path))
    assert first(4, 12) == twice_plus(4, 12)       # its module, and its entries saved
    compiled = jit.compile_counts["compiled"]
    stats = object_cache(str(tmp_path)).stats
    made = stats["made here"]
    second = make_compiler(twice_plus, green=["n"], cache=str(tmp_path))
    assert second(4, 12) == twice_plus(4, 12)      # the specialisation, loaded whole
    assert not second._built
    assert second(5, 3) == twice_plus(5, 3)
    assert jit.compile_counts["compiled"] == compiled + 1      # only n == 5
    again = [first.specialize(4).native, second.specialize(4).native]
    assert again[0].symbol != again[1].symbol and again[0].address != again[1].address
    assert again[0](7) == again[1](7) == twice_plus(4, 7)
    assert jit.compile_counts["compiled"] == compiled + 1
    # loaded again: the module and the entries for second(4, ...), then the
    # module for each specialize(4)
    assert stats["made here"] == made + 4


def test_the_portable_text_names_no_process_symbol():
    comp = make_compiler(ex.interpret, green=["bytecode"])
    native = comp.specialize(ex.SQUARE).native
    text = native.code.llvm_ir
    name = native.code.symbol
    defined = [n for n in re.findall(r'^define (?!internal)[^@]*@"([^"]+)"', text, re.MULTILINE)
               if n != name]                  # the Python entries of its signature
    assert portable(text, defined) is None    # a function it defines is not named
    ptext, renames, bindings, capi = portable(text, [name] + defined)
    assert all(jit.is_capi(c) and f"@\"{c}\"" in ptext for c in capi)
    assert renames[name] == f"{PLACEHOLDER}.f0"
    assert all(n not in ptext for n in [name] + defined)
    assert "py." not in ptext and "; ModuleID" not in ptext
    for old, new in renames.items():
        if new in bindings:
            assert bindings[new] == jit.symbol_address(old)
    # a symbol nobody can bind again: not portable
    bound = next(old for old, new in renames.items() if new in bindings)
    assert portable(text.replace(f'"{bound}"', '"unknown.symbol"'), [name] + defined) is None


def test_prune_deletes_the_least_recently_used(tmp_path):
    cache = ObjectCache(tmp_path)
    for i, name in enumerate("abc"):
        path = tmp_path / f"{name}.tso"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    assert cache.size() == 300
    assert cache.prune(150) == 2
    assert [p.name for p in entries(tmp_path)] == ["c.tso"]
    assert cache.clear() == 1 and cache.size() == 0


def test_a_bad_cache_option_is_refused():
    with pytest.raises(ValueError, match=r"option cache must be True, False or a folder "
                                         r"\(str or path\), have 3"):
        make_compiler(ex.interpret, green=["bytecode"], cache=3)


def test_an_unwritable_folder_only_warns(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    comp = make_compiler(thrice, green=["n"], cache=str(blocker / "sub"))
    with caplog.at_level(logging.WARNING, logger="rgen.llvm.objcache"):
        assert comp(5, 11) == thrice(5, 11)
    assert "cannot write" in caplog.text


CONCURRENT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from examples import interpreters as ex
    from timeshifter import make_compiler
    for i in range(20):
        program = "+-" * (i % 5) + "x" * (i % 3) + "+" * i
        comp = make_compiler(ex.plus_minus_str, green=["s"], cache=sys.argv[1])
        got, expected = comp(program, 17, 4), ex.plus_minus_str(program, 17, 4)
        assert got == expected, (program, got, expected)
    print("ok")
""")


def test_two_processes_share_a_folder(tmp_path):
    """Two processes compile and load the same 20 programs at once against
    one folder: every result right, no partial entry left, every entry whole."""
    from rgen.llvm.objcache import _decode, header
    code = CONCURRENT.format(root=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert (proc.returncode, out) == (0, "ok\n"), err
    assert not list(tmp_path.glob(".tmp-*"))
    found = entries(tmp_path)
    assert len(found) >= 20
    for path in found:
        _decode(path.read_bytes(), path.stem, header())      # raises if damaged


def not_in_the_subset(n: int) -> int:
    return sum(i for i in range(n))           # a generator expression: outside the subset


def test_a_lazy_compiler_raises_the_flow_error_at_its_first_use(tmp_path):
    """With a cache, make_compiler annotates nothing; what is wrong with the
    function is said when it first must be compiled, every time."""
    from flowgraph import FlowError
    comp = make_compiler(not_in_the_subset, cache=str(tmp_path))
    for _ in range(2):
        with pytest.raises(FlowError, match="generator expression"):
            comp(3)


def test_threads_share_a_lazy_compiler(tmp_path):
    import threading
    comp = make_compiler(thrice, green=["n"], cache=str(tmp_path / "threads"))
    results, threads = [], []
    for k in range(4):
        threads.append(threading.Thread(target=lambda k=k: results.append(comp(k, 5))))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == sorted(thrice(k, 5) for k in range(4))

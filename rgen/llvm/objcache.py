"""Machine code saved by its module's text: a folder of object files.

    compile_graph(graph, cache=ObjectCache(folder))

A module (compiler.py) is emitted as usual; its text is then made
*portable*: the process-specific symbols it names get stable names in order
of first appearance, `PLACEHOLDER.fN` for the functions it defines and
`PLACEHOLDER.kN` for everything it refers to by address (Python objects and
process memory: jit.pyobject_symbol and jit.address_symbol; functions of
modules compiled earlier).  C-API functions, libm and LLVM's intrinsics keep
their names, the same in every process.  The entry's key hashes that text
with what else decides the machine code (llvmlite and LLVM versions, target
triple, CPU and features, the pipeline and tier choices, the source of the
files that optimise and poll).  The final names put the key's first 16 hex
digits in place of PLACEHOLDER.

A hit loads the saved object file after binding each `kN` symbol to the
address its process name has *here*: the objects the emitter of this process
chose for the same text.  So a hit runs exactly the machine code a compile
in this process would make, and nothing is compiled (`jit.compile_counts`).
A miss compiles the portable text to an object file, loads it and saves it.

A second module of the same text in a process (two promotion cases or
shared entries that differ only in the objects they refer to) loads the same
object file again, its names' prefix replaced by another of the same length
in the object's bytes: nothing is compiled for it either.

Entries are files `KEY.tso`, written atomically (a temporary file renamed),
with a SHA-256 checksum of their content; a file that is truncated, corrupt,
made for another key or target, or that fails to load is deleted with one
warning (logging) and the code is compiled.  A hit refreshes the file's
modification time; `prune` removes the least recently used entries beyond a
size bound (checked every PRUNE_EVERY saves).  Processes may share a folder.
The files hold machine code: a folder must be trusted as much as the code.

Whole specialisations (timeshifter/speccache.py) are loaded without their
texts: while a function compiles, `recording()` collects a `Record` of each
module it loads; `specialisation_meta` turns them into what a later process
needs (the modules' keys and, for each `kN`, a `recipe`: a builtin, a
literal, a pickled class or function, a runtime variable, a function of one
of the modules), saved as an entry of the tier SPECIALISATION;
`load_specialisation` binds and loads them again (`load_saved`).
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import logging
import os
import re
import threading
import time
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from rgen.llvm import jit
from rgen.llvm.callable import make_native

log = logging.getLogger("rgen.llvm.objcache")

FORMAT = b"timeshift object cache 1\n"
PLACEHOLDER = "tsc.PORTABLE"
SUFFIX = ".tso"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
PRUNE_EVERY = 64
_KEPT = ("fmod", "floor")           # libm symbols arith.py registers at import


@functools.cache
def _patterns() -> tuple:
    """(global name, define, declare, external, module id) patterns of a
    module's text (compiled on first use: a warm process needs none)."""
    return (re.compile(r'@"([^"]+)"'),
            re.compile(r'^define\s+(?P<attrs>[^@]*)@"(?P<name>[^"]+)"\('),
            re.compile(r'^declare\s+[^@]*@"(?P<name>[^"]+)"\('),
            re.compile(r'^@"(?P<name>[^"]+)" = external '),
            re.compile(r"^; ModuleID = .*$|^source_filename = .*$", re.MULTILINE))


def _dump(value) -> str:
    """A Python literal of `value` (dicts, lists, str, int, bool, None):
    `ast.literal_eval` reads it back (json and pickle cost milliseconds to
    import, which a warm process would pay)."""
    return repr(value)

_lock = threading.Lock()
_made: dict = {}                    # key -> Saved: the objects loaded in this process
_instances: dict = {}               # key -> modules of that text loaded so far, minus one


class Saved:
    """What an entry holds.  (Plain classes here, not dataclasses: making
    one costs a warm process a few tenths of a millisecond.)"""

    __slots__ = ("names", "tier", "optimized", "obj", "capi")

    def __init__(self, names: list, tier: str, optimized: str, obj: bytes, capi: tuple = ()):
        self.names = names          # the module's functions, in compiler.py's order
        self.tier = tier            # "cheap", "light" or "full" (jit.py)
        self.optimized = optimized  # the optimised IR text (NativeFunction.asm, explore)
        self.obj = obj              # the object file
        self.capi = capi            # the C-API functions it calls (jit.capi_symbol)


class ObjectCache:
    """A folder of saved object files (see the module's docstring).

    `stats` counts, in this process: "hits" (loaded from the folder), "made
    here" (an object this process compiled or loaded before, loaded again),
    "misses" (compiled), "saved", "rejected" (deleted as unusable),
    "not portable" (a module that binds something a later process cannot
    find: compiled as usual), "not saved" (a promotion case looked for and
    not found), "unreadable"/"unwritable" (the folder's errors), and
    timeshifter/speccache.py's "specialisations saved", "... loaded",
    "... not saved" and "unusable"."""

    def __init__(self, folder, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.stats: Counter = Counter()
        self._saves = 0

    def __repr__(self) -> str:
        return f"<ObjectCache {str(self.folder)!r}>"

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str, header: dict) -> Saved | None:
        """The entry of `key`, made for `header`; None (the entry deleted with
        a warning if it was unusable) when there is none."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.stats["unreadable"] += 1
            log.warning("timeshift cache: cannot read %s: %s", path, exc)
            return None
        try:
            saved = _decode(data, key, header)
        except ValueError as exc:
            self.reject(key, str(exc))
            return None
        try:
            os.utime(path)                      # recently used (prune)
        except OSError:
            pass
        return saved

    def has(self, key: str) -> bool:
        """Is there an entry for `key` (not yet checked)?"""
        return self._path(key).exists()

    def reject(self, key: str, why: str) -> None:
        """Delete the entry of `key` (unusable: `why`), with a warning."""
        path = self._path(key)
        self.stats["rejected"] += 1
        log.warning("timeshift cache: entry %s rejected (%s); deleted, the code is compiled",
                    path, why)
        try:
            path.unlink()
        except OSError:
            pass

    def put(self, key: str, header: dict, saved: Saved) -> None:
        """Save `saved` as the entry of `key`, atomically (errors are logged)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            import tempfile
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=SUFFIX)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(_encode(key, header, saved))
                os.replace(temporary, self._path(key))
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:
            self.stats["unwritable"] += 1
            log.warning("timeshift cache: cannot write to %s: %s", self.folder, exc)
            return
        self.stats["saved"] += 1
        self._saves += 1
        if self._saves % PRUNE_EVERY == 0:
            self.prune()

    def entries(self) -> list:
        """The entry files, least recently used first."""
        try:
            files = [p for p in self.folder.iterdir() if p.name.endswith(SUFFIX)
                     and not p.name.startswith(".")]
        except FileNotFoundError:
            return []
        stamped = []
        for p in files:
            try:
                stamped.append((p.stat().st_mtime, p))
            except FileNotFoundError:          # another process pruned it
                pass
        return [p for _, p in sorted(stamped)]

    def size(self) -> int:
        """Bytes held by the entries."""
        return sum(_size(p) for p in self.entries())

    def prune(self, max_bytes: int | None = None) -> int:
        """Delete the least recently used entries until the rest hold at most
        `max_bytes` (the cache's bound by default); the number deleted."""
        bound = self.max_bytes if max_bytes is None else max_bytes
        entries = self.entries()
        total = sum(_size(p) for p in entries)
        deleted = 0
        for p in entries:
            if total <= bound:
                break
            total -= _size(p)
            try:
                p.unlink()
                deleted += 1
            except OSError:
                pass
        return deleted

    def clear(self) -> int:
        """Delete every entry; the number deleted."""
        return self.prune(0)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _encode(key: str, header: dict, saved: Saved) -> bytes:
    optimized = zlib.compress(saved.optimized.encode(), 1)
    meta = _dump({"key": key, "header": header, "names": saved.names, "tier": saved.tier,
                  "capi": list(saved.capi),
                       "optimized": len(optimized), "object": len(saved.obj)}).encode()
    body = len(meta).to_bytes(4, "little") + meta + optimized + saved.obj
    return FORMAT + hashlib.sha256(body).digest() + body


def _decode(data: bytes, key: str, header: dict) -> Saved:
    """The entry in `data`, or ValueError saying why it cannot be used."""
    if not data.startswith(FORMAT):
        raise ValueError("not an entry of this format")
    digest, body = data[len(FORMAT):len(FORMAT) + 32], data[len(FORMAT) + 32:]
    if len(digest) < 32 or hashlib.sha256(body).digest() != digest:
        raise ValueError("checksum mismatch: truncated or corrupted")
    size = int.from_bytes(body[:4], "little")
    try:
        meta = ast.literal_eval(body[4:4 + size].decode())
        optimized_size, object_size = meta["optimized"], meta["object"]
        names, tier, capi = meta["names"], meta["tier"], tuple(meta["capi"])
        found_key, found_header = meta["key"], meta["header"]
    except (ValueError, KeyError, TypeError, SyntaxError, MemoryError,
            RecursionError) as exc:
        raise ValueError(f"bad header: {exc}") from None
    if found_key != key or found_header != header:
        raise ValueError("made for another key, version or target")
    start = 4 + size
    if len(body) != start + optimized_size + object_size:
        raise ValueError("sizes do not match the header")
    optimized = zlib.decompress(body[start:start + optimized_size]).decode()
    return Saved(names, tier, optimized, body[start + optimized_size:], capi)


# -- portable module texts ---------------------------------------------------------------

def portable(text: str, names: list) -> tuple | None:
    """(portable text, {process name: portable name}, {portable name: address},
    the C-API functions it declares) of the module `text` defining the
    functions `names`; None when it refers to a symbol that cannot be bound
    again (see the module's docstring)."""
    if PLACEHOLDER in text:
        return None
    global_name, define, declare, external, module_id = _patterns()
    renames = {n: f"{PLACEHOLDER}.f{i}" for i, n in enumerate(names)}
    bindings, capi = {}, []
    for line in text.splitlines():
        if not line or line[0] not in "d@":
            continue
        m = define.match(line)
        if m:
            if "internal" not in m["attrs"] and "private" not in m["attrs"] \
                    and m["name"] not in renames:
                return None
            continue
        m = external.match(line) or declare.match(line)
        if m is None:
            continue
        name = m["name"]
        if jit.is_capi(name):
            capi.append(name)
            continue
        if name in renames or name.startswith("llvm.") or name in _KEPT:
            continue
        address = jit.symbol_address(name)
        if address is None:
            return None
        new = renames[name] = f"{PLACEHOLDER}.k{len(bindings)}"
        bindings[new] = address
    text = module_id.sub("", text)
    text = global_name.sub(lambda m: f'@"{renames.get(m[1], m[1])}"', text)
    return text, renames, bindings, tuple(capi)


def _source_digest() -> str:
    """A hash of the files that turn a module's text into machine code."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("jit.py", "backedges.py", "isolated.py", "objcache.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


_HEADER: dict = {}


def header() -> dict:
    """What, besides a module's text, decides its machine code here."""
    if not _HEADER:
        import llvmlite
        import llvmlite.binding as llvm
        tm = jit.target_machine()
        _HEADER.update(format=FORMAT.decode().strip(), llvmlite=llvmlite.__version__,
                       llvm=".".join(map(str, llvm.llvm_version_info)), triple=tm.triple,
                       cpu=jit.host_cpu()[0], features=jit.host_cpu()[1],
                       opt_level=jit.OPT_LEVEL, sources=_source_digest())
    return _HEADER


def compile_cached(cache: ObjectCache, text: str, names: list, polled, pipeline: str,
                   cheap: bool, transfers: bool, nesting: int, beside: bool = False,
                   only_saved: bool = False) -> tuple | None:
    """`jit.compile_ir(text, names, polled, ...)` through `cache`: (addresses of
    `names`, optimised text, tier), loaded from the cache or compiled (in
    the calling thread's LLVM context with `beside`: jit.compile_ir_beside)
    and saved; None when the module cannot be cached, or, with `only_saved`,
    when it is not saved (the caller compiles it)."""
    form = portable(text, names)
    if form is None:
        cache.stats["not portable"] += 1
        return None
    ptext, renames, bindings, capi = form
    head = header()
    choices = _dump([pipeline, cheap, transfers, nesting > jit.DEEP_NESTING,
                     sorted(renames[n] for n in polled)])
    key = hashlib.sha256(_dump(sorted(head.items())).encode() + choices.encode()
                         + ptext.encode()).hexdigest()
    base = f"tsc.{key[:16]}"
    with _lock:
        made = _made.get(key)
    if only_saved and made is None and not cache.has(key):
        cache.stats["not saved"] += 1
        return None
    saved_names = [base + renames[n][len(PLACEHOLDER):] for n in names]
    saved = made or cache.get(key, head)
    if saved is not None and saved.names != saved_names:
        cache.reject(key, "its functions are not the module's")
        saved = None
    if saved is not None:
        cache.stats["hits" if made is None else "made here"] += 1
        jit.compile_counts["loaded"] += 1
        if made is not None and not cache.has(key):     # made for another folder
            cache.put(key, head, saved)
    else:
        cache.stats["misses"] += 1
        base_text = ptext.replace(PLACEHOLDER, base)
        base_polled = {base + renames[n][len(PLACEHOLDER):] for n in polled}
        if beside:
            obj, optimized, tier = jit.object_beside(base_text, base_polled, pipeline)
        else:
            obj, optimized, tier = jit.make_object(base_text, saved_names, base_polled, pipeline,
                                                   cheap=cheap, transfers=transfers,
                                                   nesting=nesting)
        saved = Saved(saved_names, tier, optimized, obj, capi)
        cache.put(key, head, saved)
    addresses = _load_instance(cache, key, saved, bindings)
    if addresses is None:
        return None
    found = dict(zip(names, addresses))
    for name, address in found.items():     # later modules call them by these names
        jit.bind_symbol(name, address)
    records = getattr(_thread, "records", None)
    if records is not None:
        process = {portable: name for name, portable in renames.items()}
        records.append(Record(key, [process[k] for k in sorted(bindings, key=_index)],
                              names))
    return found, saved.optimized, saved.tier


def _index(portable: str) -> int:
    return int(portable.rsplit(".k", 1)[1])


def _load_instance(cache: ObjectCache, key: str, saved: Saved, bindings: dict) -> list | None:
    """Load `saved`, the object of `key`, with its symbols `bindings`
    ({PLACEHOLDER.kN: address}) bound: the addresses of its functions in
    `saved.names` order, or None (the entry rejected) if it does not load.
    The first instance of a key in the process takes the saved names; a
    later one the same object with another prefix of the same length."""
    base = f"tsc.{key[:16]}"
    with _lock:
        _made[key] = saved
        instance = _instances[key] = _instances.get(key, -1) + 1
    prefix = base if not instance else "tsc." + hashlib.sha256(
        f"{key}/{instance}".encode()).hexdigest()[:16]
    for name, address in bindings.items():
        jit.bind_symbol(prefix + name[len(PLACEHOLDER):], address)
    for name in saved.capi:
        jit.capi_symbol(name)
    obj = saved.obj
    if prefix != base:
        obj = obj.replace(f"{base}.".encode(), f"{prefix}.".encode())
    final_names = [prefix + name[len(base):] for name in saved.names]
    try:
        addresses = jit.load_object(obj, final_names)
    except Exception as exc:            # noqa: BLE001 -- a foreign or damaged object
        with _lock:
            _made.pop(key, None)
        cache.reject(key, f"loading failed: {exc}")
        return None
    return [addresses[n] for n in final_names]


# -- what a specialisation loaded, to load it again without its text -----------------------

class Record:
    """A module `compile_cached` loaded: its key, the process names of what
    its symbols `kN` are bound to (in order of N) and its functions'
    process names."""

    __slots__ = ("key", "bound", "names")

    def __init__(self, key: str, bound: list, names: list):
        self.key, self.bound, self.names = key, bound, names


_thread = threading.local()


@contextmanager
def recording():
    """Collect a `Record` of every module compile_cached loads meanwhile in
    this thread (an enclosing recording gets them too)."""
    outer = getattr(_thread, "records", None)
    _thread.records = records = []
    try:
        yield records
    finally:
        _thread.records = outer
        if outer is not None:
            outer.extend(records)


def recipe(process_name: str, functions: dict):
    """How a later process finds what the symbol `process_name` is bound to:
    ["function", i, j] for the function `functions[process_name] == (i, j)`
    of the records loaded with it; ["runtime", hint] for a runtime variable
    (jit.RUNTIME_ADDRESSES); ["builtin", name] for an object of `builtins`
    (a type, an exception class, None, True); ["value", v] for an int, str,
    float, bytes or a tuple of them; ["pickled", data] for another object
    that pickles to itself (a class, a function); None when there is no way."""
    if process_name in functions:
        return ["function", *functions[process_name]]
    hint = jit.runtime_hint(process_name)
    if hint is not None:
        return ["runtime", hint]
    found, obj = jit.symbol_object(process_name)
    if not found:
        return None
    name = getattr(obj, "__name__", None)
    if type(name) is str and getattr(builtins, name, None) is obj:
        return ["builtin", name]
    if _literal(obj):
        return ["value", obj]
    import pickle
    try:
        data = pickle.dumps(obj, protocol=4)
        back = pickle.loads(data)
    except Exception:                   # noqa: BLE001 -- anything pickle refuses
        return None
    return ["pickled", data] if back is obj else None


def _literal(obj) -> bool:
    """Does `ast.literal_eval(repr(obj))` give an object equal to `obj`, of its type?"""
    t = type(obj)
    if t is float:
        return obj == obj and obj not in (float("inf"), float("-inf"))
    if t in (int, str, bytes, bool, type(None)):
        return True
    return t is tuple and all(_literal(x) for x in obj)


def resolve(recipe_, loaded: list) -> int:
    """The address a `recipe` stands for in this process (`loaded`: the
    function addresses of the records loaded so far, in order)."""
    kind, value = recipe_[0], recipe_[1]
    if kind == "function":
        return loaded[value][recipe_[2]]
    if kind == "runtime":
        return jit.runtime_address(value)
    if kind == "builtin":
        obj = getattr(builtins, value)
    elif kind == "value":
        obj = value
    else:
        import pickle
        obj = pickle.loads(value)
    return jit.symbol_address(jit.pyobject_symbol(obj, type(obj).__name__))


def load_saved(cache: ObjectCache, key: str, bound: list) -> list | None:
    """Load the saved module `key` with its symbols k0, k1, ... bound to the
    addresses `bound`: its functions' addresses in order, or None when it
    is not saved or does not load (nothing compiled either way)."""
    with _lock:
        saved = _made.get(key)
    if saved is None:
        saved = cache.get(key, header())
        if saved is None:
            return None
        cache.stats["hits"] += 1
    else:
        cache.stats["made here"] += 1
    jit.compile_counts["loaded"] += 1
    return _load_instance(cache, key, saved,
                          {f"{PLACEHOLDER}.k{i}": a for i, a in enumerate(bound)})


# -- whole specialisations: their modules, loaded without their texts ---------------------

SPECIALISATION = "specialisation"       # the `tier` of an entry that describes one


def specialisation_meta(records: list, entries, root_symbol: str) -> dict | None:
    """What `load_specialisation` needs to load a compiled function again in
    another process, from the `Record`s of the modules loaded to compile it
    (callees first) and the Record of its signature's Python entries
    (`entries`, kinds "fast" then "trusting"); None when a symbol of them
    cannot be bound by a later process (a promotion site, a function
    compiled before and outside these modules)."""
    if entries is None:
        return None
    modules = [r for r in records if r.key != entries.key] + [entries]
    functions = {}
    for i, r in enumerate(modules):
        for j, name in enumerate(r.names):
            functions[name] = (i, j)
    if root_symbol not in functions:
        return None
    out = []
    for r in modules:
        bound = [recipe(name, functions) for name in r.bound]
        if None in bound:
            return None
        out.append({"key": r.key, "bound": bound})
    fast = (len(modules) - 1, 0)
    trusting = (len(modules) - 1, 1) if len(entries.names) > 1 else None
    return {"modules": out, "root": functions[root_symbol], "fast": fast, "trusting": trusting}


class LoadedCode:
    """The NativeCode (compiler.py) of a function loaded by
    `load_specialisation`: its graph is made only when asked for."""

    def __init__(self, graph_of, symbol: str, address: int, tier: str, optimized: str,
                 seconds: float):
        self._graph_of = graph_of
        self._graph = None
        self.symbol, self.address, self.tier = symbol, address, tier
        self.reaches_promote = False
        self.llvm_ir = ""                       # not kept: the module's text was not made
        self.llvm_ir_optimized = optimized
        self.compile_seconds = seconds

    @property
    def graph(self):
        if self._graph is None:
            self._graph = self._graph_of()
        return self._graph


def load_specialisation(cache: ObjectCache, meta: dict, name: str, graph_of):
    """The NativeFunction `name` described by `meta` (specialisation_meta),
    its modules loaded from `cache`; `graph_of()` makes its graph if one is
    asked for.  None when a module or an object is missing (nothing is
    compiled, nothing runs)."""
    start = time.perf_counter()
    loaded = []
    try:
        for module in meta["modules"]:
            bound = [resolve(r, loaded) for r in module["bound"]]
            addresses = load_saved(cache, module["key"], bound)
            if addresses is None:
                return None
            loaded.append(addresses)
        (i, j), (fi, fj) = meta["root"], meta["fast"]
        root_key = meta["modules"][i]["key"]
        trusting = meta["trusting"]
    except Exception as exc:            # noqa: BLE001 -- an object gone, a damaged entry
        cache.stats["unusable"] += 1
        log.warning("timeshift cache: a saved specialisation cannot be loaded (%s: %s); "
                    "it is compiled", type(exc).__name__, exc)
        return None
    with _lock:
        saved = _made[root_key]
    code = LoadedCode(graph_of, f"{root_key[:16]}.{j}", loaded[i][j], saved.tier,
                      saved.optimized, time.perf_counter() - start)
    return make_native(code, loaded[fi][fj],
                       None if trusting is None else loaded[trusting[0]][trusting[1]], name)

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
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rgen.llvm import jit

log = logging.getLogger("rgen.llvm.objcache")

FORMAT = b"timeshift object cache 1\n"
PLACEHOLDER = "tsc.PORTABLE"
SUFFIX = ".tso"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
PRUNE_EVERY = 64
_KEPT = ("fmod", "floor")           # libm symbols arith.py registers at import

_GLOBAL = re.compile(r'@"([^"]+)"')
_DEFINE = re.compile(r'^define\s+(?P<attrs>[^@]*)@"(?P<name>[^"]+)"\(')
_DECLARE = re.compile(r'^declare\s+[^@]*@"(?P<name>[^"]+)"\(')
_EXTERNAL = re.compile(r'^@"(?P<name>[^"]+)" = external ')
_MODULE_ID = re.compile(r"^; ModuleID = .*$|^source_filename = .*$", re.MULTILINE)

_lock = threading.Lock()
_made: dict = {}                    # key -> Saved: the objects loaded in this process
_instances: dict = {}               # key -> modules of that text loaded so far, minus one


@dataclass
class Saved:
    """What an entry holds."""
    names: list          # the module's functions, in compiler.py's order (final names)
    tier: str            # "cheap", "light" or "full" (jit.py)
    optimized: str       # the optimised IR text (for NativeFunction.asm and explore)
    obj: bytes           # the object file


class ObjectCache:
    """A folder of saved object files (see the module's docstring)."""

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
    meta = json.dumps({"key": key, "header": header, "names": saved.names, "tier": saved.tier,
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
        meta = json.loads(body[4:4 + size])
        optimized_size, object_size = meta["optimized"], meta["object"]
        names, tier = meta["names"], meta["tier"]
        found_key, found_header = meta["key"], meta["header"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"bad header: {exc}") from None
    if found_key != key or found_header != header:
        raise ValueError("made for another key, version or target")
    start = 4 + size
    if len(body) != start + optimized_size + object_size:
        raise ValueError("sizes do not match the header")
    optimized = zlib.decompress(body[start:start + optimized_size]).decode()
    return Saved(names, tier, optimized, body[start + optimized_size:])


# -- portable module texts ---------------------------------------------------------------

def portable(text: str, names: list) -> tuple | None:
    """(portable text, {process name: portable name}, {portable name: address})
    of the module `text` defining the functions `names`; None when it refers
    to a symbol that cannot be bound again (see the module's docstring)."""
    if PLACEHOLDER in text:
        return None
    renames = {n: f"{PLACEHOLDER}.f{i}" for i, n in enumerate(names)}
    bindings = {}
    for line in text.splitlines():
        if not line or line[0] not in "d@":
            continue
        m = _DEFINE.match(line)
        if m:
            if "internal" not in m["attrs"] and "private" not in m["attrs"] \
                    and m["name"] not in renames:
                return None
            continue
        m = _EXTERNAL.match(line) or _DECLARE.match(line)
        if m is None:
            continue
        name = m["name"]
        if name in renames or name.startswith("llvm.") or name in _KEPT or jit.is_capi(name):
            continue
        address = jit.symbol_address(name)
        if address is None:
            return None
        new = renames[name] = f"{PLACEHOLDER}.k{len(bindings)}"
        bindings[new] = address
    text = _MODULE_ID.sub("", text)
    return _GLOBAL.sub(lambda m: f'@"{renames.get(m[1], m[1])}"', text), renames, bindings


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
                       cpu=llvm.get_host_cpu_name(),
                       features=llvm.get_host_cpu_features().flatten(),
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
    ptext, renames, bindings = form
    head = header()
    choices = json.dumps([pipeline, cheap, transfers, nesting > jit.DEEP_NESTING,
                          sorted(renames[n] for n in polled)])
    key = hashlib.sha256(json.dumps(head, sort_keys=True).encode() + choices.encode()
                         + ptext.encode()).hexdigest()
    base = f"tsc.{key[:16]}"
    with _lock:
        made = _made.get(key)
    if only_saved and made is None and not cache.has(key):
        cache.stats["not saved"] += 1
        return None
    with _lock:
        instance = _instances[key] = _instances.get(key, -1) + 1
    # the first module of this text in the process takes the saved names; a
    # later one the same object with another prefix of the same length
    prefix = base if not instance else "tsc." + hashlib.sha256(
        f"{key}/{instance}".encode()).hexdigest()[:16]

    def final(name: str) -> str:
        return prefix + name[len(PLACEHOLDER):]

    for name, address in bindings.items():
        jit.bind_symbol(final(name), address)
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
        saved = Saved(saved_names, tier, optimized, obj)
        cache.put(key, head, saved)
    with _lock:
        _made[key] = saved
    obj = saved.obj
    if prefix != base:
        obj = obj.replace(f"{base}.".encode(), f"{prefix}.".encode())
    final_names = [final(renames[n]) for n in names]
    try:
        addresses = jit.load_object(obj, final_names)
    except Exception as exc:            # noqa: BLE001 -- a foreign or damaged object
        with _lock:
            _made.pop(key, None)
        cache.reject(key, f"loading failed: {exc}")
        return None
    found = {n: addresses[f] for n, f in zip(names, final_names)}
    for name, address in found.items():     # later modules call them by these names
        jit.bind_symbol(name, address)
    return found, saved.optimized, saved.tier

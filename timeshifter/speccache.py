"""Whole specialisations in the code cache: a warm process skips annotation,
the generating extension and LLVM.

    comp = make_compiler(interpret, green=["bytecode"], cache=True)
    comp(SQUARE, 7)        # a later process: the saved native code, at once

With the `cache` option a compiler starts *lazily* (compiler.py): nothing is
annotated until something needs it.  A call (or `specialize` with the green
values in order) first looks for its specialisation here, by a key that
hashes everything the code was made from:

  * the LLVM side (objcache.header: versions, target, CPU);
  * the toolkit's sources (fingerprint.toolkit_stamp) and the options;
  * a deep fingerprint of the function and of the green values
    (fingerprint.py): its code and the code, data and classes it can reach
    through its globals, transitively, so that a changed line, a changed
    module-level table read by a pure function, another green program all
    give another key;
  * the positions of the green parameters.

Such a key stands for every green decision the generating extension made:
they depend only on what the key hashes.  A found entry names the saved
modules of the specialisation (objcache.specialisation_meta) and how to bind
their symbols in this process; they are loaded and the call runs.  The
residual graph of a loaded specialisation is made (the compiler built and
the generating extension run) only if something asks for it
(`res.graph`, `res.interpret`, `op_counts`).  A specialisation whose code
refers to something a later process cannot find again (a promotion site, a
function compiled outside it) is not saved as a whole; its modules still
are (objcache.py).
"""

from __future__ import annotations

import ast
import hashlib
import logging
from dataclasses import fields

from timeshifter.fingerprint import Unfingerprintable, fingerprint, toolkit_stamp

log = logging.getLogger("timeshifter.speccache")


def spec_key(compiler, greens: list) -> str | None:
    """The key of the specialisation of `compiler` for `greens`, or None
    when it cannot have one (an option or a value without a stable hash)."""
    from rgen.llvm import objcache
    options = compiler.options
    if not isinstance(options.backend, str):
        return None
    settings = [(f.name, repr(getattr(options, f.name))) for f in fields(options)
                if f.name != "cache"]
    try:
        deep = fingerprint(compiler.func, greens)
    except Unfingerprintable as exc:
        log.debug("%s: not cached whole: %s", compiler.func.__name__, exc)
        return None
    text = repr([sorted(objcache.header().items()), toolkit_stamp(), settings, deep,
                 list(compiler.green_indices), compiler.func.__qualname__])
    return hashlib.sha256(text.encode()).hexdigest()


def load(compiler, greens: list, make_residual):
    """The native code of the saved specialisation of `compiler` for
    `greens`, wrapped by `make_residual(native, ops)`; None when there is
    none (or it cannot be loaded)."""
    from rgen.llvm import objcache
    cache = compiler._object_cache
    key = spec_key(compiler, greens)
    if key is None:
        return None
    saved = cache.get(key, objcache.header())
    if saved is None or saved.tier != objcache.SPECIALISATION:
        return None
    try:
        meta = ast.literal_eval(saved.optimized)
        name, ops = meta["name"], meta["ops"]
    except (ValueError, KeyError, TypeError, SyntaxError) as exc:
        cache.reject(key, f"bad specialisation: {exc}")
        return None
    holder = []
    native = objcache.load_specialisation(cache, meta, name, lambda: holder[0].graph)
    if native is None:
        return None
    cache.stats["specialisations loaded"] += 1
    residual = make_residual(native, ops)
    holder.append(residual)
    return residual


def save(residual, records: list) -> None:
    """Save the specialisation `residual` whole, from the objcache.Records of
    the modules loaded to compile it, if a later process can load it."""
    from rgen.llvm import compiler as llvm_compiler, objcache
    comp = residual.compiler
    cache = comp._object_cache
    key = spec_key(comp, residual.greens)
    if key is None:
        return
    meta = objcache.specialisation_meta(
        records, llvm_compiler.entry_record(residual.graph, cache), residual.native.symbol)
    if meta is None:
        cache.stats["specialisations not saved"] += 1
        return
    meta.update(name=residual.graph.name, ops=residual.ops_emitted)
    cache.put(key, objcache.header(),
              objcache.Saved([], objcache.SPECIALISATION, repr(meta), b""))
    cache.stats["specialisations saved"] += 1

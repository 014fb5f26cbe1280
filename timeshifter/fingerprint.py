"""A deep fingerprint of a function: everything its compiled code may depend on.

`fingerprint(func, values)` hashes `func`'s code and, transitively, what its
code can reach without running it: every global its code (and the code of
its nested functions) names, with the attributes it names of the modules
among them; the code, defaults and closures of the functions found there;
the bodies of classes (methods, class attributes, slots); the contents of
lists, tuples, dicts and sets and of the instances they hold.  So one changed
line of the interpreter or of a function it calls, another value in a
module-level table a pure function reads, another method of a class: another
fingerprint.  `values` (the green arguments) are hashed the same way.

The toolkit's own functions and classes (flowgraph, hintannotator,
timeshifter, rgen, timeshift) count by name only; their source is covered by
`toolkit_stamp()` (the size and modification time of each of its files).

Objects whose content cannot be hashed deterministically (an open file, a
lock, a C object of an unknown type) raise `Unfingerprintable`: such a
program is not cached.
"""

from __future__ import annotations

import hashlib
import os
import sys
import types
from pathlib import Path

TOOLKIT = ("flowgraph", "hintannotator", "timeshifter", "rgen", "timeshift")
_SCALARS = (int, float, complex, str, bytes, bool, type(None))
_SKIPPED_CLASS_ATTRS = frozenset({"__dict__", "__weakref__", "__module__", "__qualname__",
                                  "__doc__"})
_CALLABLE_BY_NAME = (types.BuiltinFunctionType, types.MethodDescriptorType,
                     types.WrapperDescriptorType, types.MethodWrapperType,
                     types.ClassMethodDescriptorType, types.GetSetDescriptorType,
                     types.MemberDescriptorType)


class Unfingerprintable(Exception):
    """An object the fingerprint cannot hash deterministically."""


def fingerprint(func, values=()) -> str:
    """The hex fingerprint of `func` and the `values` (see the module)."""
    return _Hasher().run([func, *values])


def _toolkit(module: str | None) -> bool:
    return module is not None and module.split(".", 1)[0] in TOOLKIT


def _code_names(code: types.CodeType, names: set) -> None:
    names.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_names(const, names)


class _Hasher:
    def __init__(self):
        self.digest = hashlib.sha256()
        self.seen: dict = {}
        self.alive: list = []           # keeps visited objects (their ids) alive

    def run(self, roots: list) -> str:
        for root in roots:
            self.visit(root)
        return self.digest.hexdigest()

    def put(self, text: str) -> None:
        self.digest.update(text.encode("utf-8", "surrogatepass"))

    def visit(self, obj) -> None:
        t = type(obj)
        if t in _SCALARS:
            self.put(f"{t.__name__}:{obj!r};")
            return
        ref = self.seen.get(id(obj))
        if ref is not None:
            self.put(f"@{ref};")
            return
        self.seen[id(obj)] = len(self.seen)
        self.alive.append(obj)
        if t in (tuple, list):
            self.put(f"{t.__name__}[{len(obj)}](")
            for item in obj:
                self.visit(item)
            self.put(")")
        elif t in (set, frozenset):
            if not all(type(x) in _SCALARS for x in obj):
                raise Unfingerprintable(f"a {t.__name__} of objects")
            self.put(f"{t.__name__}{sorted(map(repr, obj))};")
        elif t is dict:
            self.put(f"dict[{len(obj)}](")
            for k, v in obj.items():
                self.visit(k)
                self.visit(v)
            self.put(")")
        elif t is types.FunctionType:
            self.function(obj)
        elif t is types.CodeType:
            self.code(obj)
        elif t is types.ModuleType:
            self.put(f"module:{obj.__name__};")
        elif isinstance(obj, type):
            self.cls(obj)
        elif t in (staticmethod, classmethod):
            self.put(f"{t.__name__}(")
            self.visit(obj.__func__)
            self.put(")")
        elif t is property:
            self.put("property(")
            for f in (obj.fget, obj.fset, obj.fdel):
                self.visit(f)
            self.put(")")
        elif t is types.MethodType:
            self.put("method(")
            self.visit(obj.__func__)
            self.visit(obj.__self__)
            self.put(")")
        elif isinstance(obj, _CALLABLE_BY_NAME):
            owner = getattr(obj, "__objclass__", None) or getattr(obj, "__self__", None)
            where = getattr(owner, "__qualname__", None) or getattr(obj, "__module__", None)
            self.put(f"builtin:{where}.{obj.__qualname__};")
        elif t.__module__ != "builtins" and (hasattr(obj, "__dict__")
                                            or hasattr(t, "__slots__")):
            self.instance(obj)
        else:
            raise Unfingerprintable(f"an object of type {t.__qualname__}")

    def function(self, f: types.FunctionType) -> None:
        self.put(f"function:{f.__module__}.{f.__qualname__}(")
        if _toolkit(f.__module__):
            self.put(");")
            return
        self.code(f.__code__)
        self.visit(f.__defaults__)
        self.visit(f.__kwdefaults__)
        for cell in f.__closure__ or ():
            try:
                self.visit(cell.cell_contents)
            except ValueError:          # an empty cell
                self.put("empty;")
        names: set = set()
        _code_names(f.__code__, names)
        ordered = sorted(names)
        for name in ordered:
            if name in f.__globals__:
                value = f.__globals__[name]
                self.put(f"global {name}=")
                self.visit(value)
                if isinstance(value, types.ModuleType) and not _toolkit(value.__name__):
                    for attr in ordered:
                        inner = value.__dict__.get(attr, _MISSING)
                        if inner is not _MISSING:
                            self.put(f"{name}.{attr}=")
                            self.visit(inner)
        self.put(")")

    def code(self, code: types.CodeType) -> None:
        self.put(f"code:{code.co_filename}:{code.co_firstlineno}:{code.co_name}:"
                 f"{code.co_flags}:{code.co_argcount}:{code.co_posonlyargcount}:"
                 f"{code.co_kwonlyargcount}:{code.co_varnames}:{code.co_freevars}:"
                 f"{code.co_cellvars}:{code.co_names}:")
        self.digest.update(code.co_code)
        self.digest.update(code.co_linetable)
        self.visit(code.co_consts)

    def cls(self, c: type) -> None:
        self.put(f"class:{c.__module__}.{c.__qualname__}(")
        if c.__module__ == "builtins" or _toolkit(c.__module__):
            self.put(");")
            return
        for base in c.__bases__:
            self.visit(base)
        for name, value in vars(c).items():
            if name not in _SKIPPED_CLASS_ATTRS:
                self.put(f"{name}=")
                self.visit(value)
        self.put(")")

    def instance(self, obj) -> None:
        self.put("instance(")
        self.visit(type(obj))
        state = getattr(obj, "__dict__", None)
        if state is not None:
            self.visit(dict(state))
        for klass in type(obj).__mro__:
            for slot in klass.__dict__.get("__slots__", ()):
                self.put(f"slot {slot}=")
                self.visit(getattr(obj, slot, _MISSING_SLOT))
        self.put(")")


_MISSING = object()
_MISSING_SLOT = "<unset slot>"
_stamp: list = []


def toolkit_stamp() -> str:
    """A hash of the size and modification time of every source file of the
    toolkit's packages (computed once per process)."""
    if not _stamp:
        parts = [sys.version]
        root = str(Path(__file__).resolve().parent.parent)
        folders = [os.path.join(root, package) for package in TOOLKIT]
        while folders:
            folder = folders.pop()
            with os.scandir(folder) as found:
                for entry in sorted(found, key=lambda e: e.name):
                    if entry.name.endswith(".py"):
                        st = entry.stat()
                        parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
                    elif entry.is_dir() and entry.name != "__pycache__":
                        folders.append(entry.path)
        _stamp.append(hashlib.sha256("\n".join(parts).encode()).hexdigest())
    return _stamp[0]

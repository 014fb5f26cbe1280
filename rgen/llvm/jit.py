"""The process-wide LLVM JIT: one MCJIT engine, modules added incrementally.

`llvmlite.binding` is initialised once, on first use.  Every compiled module
goes through the same steps:

    parse the IR text -> verify() -> optimise (new pass manager, O2; a
    module of 1,000 blocks or more in a helper process, see isolated.py)
    -> add to the one MCJIT engine -> finalize -> function addresses

Symbols.  Native code refers to three kinds of outside symbols, all resolved
by name through LLVM's process-wide symbol table (`llvmlite.binding.add_symbol`):

  * CPython C-API functions (`PyList_Append`, `_Py_Dealloc`, ...): their
    addresses come from `ctypes.pythonapi`, registered on first use;
  * Python objects the code uses as constants (exception classes, interned
    field names, string literals, user classes): `pyobject_symbol(obj)`
    registers the object's address under a fresh name (`py.ZeroDivisionError.3`)
    and keeps the object alive for the life of the process;
  * functions of previously compiled modules: each loaded function's name
    is added to the same table, so that modules of one engine find those of
    another.

Code spaces.  Machine code loaded into the process's engine stays for the
life of the process.  A `CodeSpace` is an MCJIT engine of its own, for code
that may be freed as a whole (the JIT's code for one call's green key,
timeshifter/jit.py): while a thread is inside `with space:`, what it
compiles is loaded there; `space.close()` frees the machine code once no
thread is inside any more (code on a thread's stack is never freed under
it).  Code of a space may call code of the process's engine or of its own
space, never the reverse: a space's functions must not outlive it in
another module (compiler.py compiles the shared Python entries in the
process's engine, whatever the space).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import re
import sys
import threading
from collections import Counter

import llvmlite.binding as llvm

from rgen.llvm import backedges, isolated

OPT_LEVEL = 2

_lock = threading.RLock()
_state: dict = {}
_symbol_ids = itertools.count()
_pyobjects: dict = {}            # key -> (symbol name, the object, kept alive)
_capi: set = set()
_addresses: dict = {}            # symbol name -> address: objects, raw addresses, functions
_hints: dict = {}                # address symbol name -> its hint
_objects_by_name: dict = {}      # pyobject symbol name -> the object
_symbol_keys: dict = {}          # pyobject symbol name -> its key in _pyobjects
_symbol_users: dict = {}         # pyobject symbol name -> code spaces using it
_permanent: set = set()          # pyobject symbol names the process's engine uses
RUNTIME_ADDRESSES: dict = {}     # hint -> address of a runtime variable (guards.py)
compile_counts: Counter = Counter()  # "compiled": modules given to LLVM; "loaded": saved ones


def _init():
    """Initialise llvmlite, the host target machine and the engine (once)."""
    if _state:
        return _state
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    cpu, features = llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()
    tm = target.create_target_machine(cpu=cpu, features=features, opt=OPT_LEVEL, jit=True)
    _state.update(target=target, cpu=cpu, features=features, tm=tm)
    _state["engine"] = _engine(tm)
    return _state


def _engine(tm):
    """A new MCJIT engine, which owns the target machine `tm` from now on."""
    empty = llvm.parse_assembly("")
    empty.triple = tm.triple
    engine = llvm.create_mcjit_compiler(empty, tm)
    # MCJIT needs a module to start with, but would compile that empty one at
    # the first finalize (0.75 ms, most of loading a saved object: objcache.py)
    engine.remove_module(empty)
    return engine


def host_cpu() -> tuple[str, str]:
    """(name, features) of the host CPU the code is made for."""
    state = _init()
    return state["cpu"], state["features"]


def _cheap_target_machine():
    """The O0 target machine of the cheap tier (made on first use)."""
    state = _init()
    if "tm_cheap" not in state:
        state["tm_cheap"] = state["target"].create_target_machine(
            cpu=state["cpu"], features=state["features"], opt=0, jit=True)
    return state["tm_cheap"]


def target_machine():
    return _init()["tm"]


def module_header() -> tuple[str, str]:
    """(triple, data layout) every emitted module must carry."""
    tm = target_machine()
    return tm.triple, str(tm.target_data)


def capi_symbol(name: str) -> str:
    """Make the C-API function `name` resolvable by native code; return `name`."""
    if name not in _capi:
        address = ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value
        llvm.add_symbol(name, address)
        _capi.add(name)
    return name


def pyobject_symbol(obj, hint: str = "obj") -> str:
    """A symbol whose address is the Python object `obj`, kept alive for the
    life of the process, or, where only code spaces use it, until the last
    of them is freed.

    Strings and ints are keyed by value (one symbol per distinct literal),
    everything else by identity (so 0.0 and -0.0 stay apart)."""
    if type(obj) is str:
        obj = sys.intern(obj)       # attribute names must be interned for CPython's caches
    key = (type(obj), obj) if type(obj) in (str, int) else ("id", id(obj))
    with _lock:
        entry = _pyobjects.get(key)
        if entry is None:
            clean = "".join(c if c.isalnum() or c == "_" else "_" for c in hint)[:40]
            name = f"py.{clean}.{next(_symbol_ids)}"
            llvm.add_symbol(name, id(obj))
            _addresses[name] = id(obj)
            _objects_by_name[name] = obj
            _symbol_keys[name] = key
            entry = _pyobjects[key] = (name, obj)
        name = entry[0]
        space = current_space()
        if space is None:
            _permanent.add(name)
        elif name not in space._symbols:
            space._symbols.add(name)
            _symbol_users[name] = _symbol_users.get(name, 0) + 1
    return name


def keep_symbols(names) -> None:
    """The pyobject symbols among `names` live as long as the process (their
    objects too), whatever code space made them: text kept for reuse in
    later modules refers to them (runtime.HelperText)."""
    with _lock:
        _permanent.update(name for name in names if name in _objects_by_name)


def _unused(names) -> None:
    """A freed code space used the pyobject symbols `names`: forget those
    that no other space and not the process's engine use (their objects may
    die; a later use of one makes a new symbol)."""
    for name in names:
        users = _symbol_users[name] = _symbol_users[name] - 1
        if not users:
            del _symbol_users[name]
            if name not in _permanent:
                del _pyobjects[_symbol_keys.pop(name)]
                del _objects_by_name[name], _addresses[name]


def address_symbol(address: int, hint: str) -> str:
    """A symbol for a raw native address (e.g. a type's tp_new slot)."""
    key = ("address", address)
    with _lock:
        entry = _pyobjects.get(key)
        if entry is None:
            name = f"{hint}.{next(_symbol_ids)}"
            llvm.add_symbol(name, address)
            _addresses[name] = address
            _hints[name] = hint
            entry = _pyobjects[key] = (name, None)
    return entry[0]


def runtime_hint(name: str) -> str | None:
    """The hint of an address symbol for a runtime variable, else None."""
    hint = _hints.get(name)
    return hint if hint in RUNTIME_ADDRESSES and _addresses[name] == RUNTIME_ADDRESSES[hint] \
        else None


def runtime_address(hint: str) -> int:
    """The address of the runtime variable `hint`, through its symbol."""
    return _addresses[address_symbol(RUNTIME_ADDRESSES[hint], hint)]


def symbol_object(name: str) -> tuple:
    """(True, the object) of a `pyobject_symbol` name, else (False, None)."""
    entry = _objects_by_name.get(name)
    return (False, None) if entry is None else (True, entry)


def symbol_address(name: str) -> int | None:
    """The address of a symbol this process made (`pyobject_symbol`,
    `address_symbol`, a loaded function), or None."""
    return _addresses.get(name)


def bind_symbol(name: str, address: int) -> None:
    """Make the symbol `name` resolve to `address` (objcache.py's names)."""
    with _lock:
        llvm.add_symbol(name, address)
        _addresses[name] = address


def is_capi(name: str) -> bool:
    """Is `name` a C-API function made resolvable by `capi_symbol`?"""
    return name in _capi


def fresh_name(base: str) -> str:
    """A process-unique symbol name for a compiled function."""
    clean = "".join(c if c.isalnum() or c in "_." else "_" for c in base)[:60]
    return f"{clean}.{next(_symbol_ids)}"


# Pipelines (compiler.compile_graph's `pipeline`): loop-free code without
# tail transfers always takes the cheap tier (below); the rest "full", the
# default O2, or "light", O2 without loop unrolling and vectorisation, for
# code compiled while the program waits (promotion cases, bridges): about 40%
# less optimisation and machine-code time for a loop, whose speed it keeps
# unless unrolling or vectors paid (bench_native: FACTORIAL 6% slower, the
# rest equal).  "cheap": loop-free code with transfers takes the cheap tier
# too (a loop that runs through promotion sites and cases is then O0 code,
# 2.8x slower on bench_promotion's hot site), the rest "light".
# "quick": everything in the cheap tier, loops too (their signal polls
# emitted with the code), for code compiled again with the optimiser later
# (a promotion case or bridge while a worker thread can optimise it:
# timeshifter/promotion.py); a deep nest or a big module still takes "light".
PIPELINES = ("full", "light", "cheap", "quick")


def optimize(mod, pipeline: str = "full", tm=None) -> None:
    """Run the new pass manager's O2 pipeline (`pipeline`: "full", or
    "light" or "cheap" for the light one, see PIPELINES) on `mod` in place
    (`tm`: the target machine, by default the process's)."""
    pto = llvm.create_pipeline_tuning_options(speed_level=OPT_LEVEL)
    if pipeline != "full":
        pto.loop_unrolling = pto.loop_vectorization = pto.slp_vectorization = False
    pb = llvm.create_pass_builder(tm or target_machine(), pto)
    pb.getModulePassManager().run(mod, pb)


def run_passes(mod, passes, tm=None) -> None:
    """Run the module passes named by `passes` (`add_..._pass` methods of a
    new-pass-manager module pass manager) on `mod` in place."""
    pm = llvm.create_new_module_pass_manager()
    for name in passes:
        getattr(pm, name)()
    pm.run(mod, llvm.create_pass_builder(tm or target_machine(),
                                         llvm.create_pipeline_tuning_options()))


# Compiling beside the process's LLVM: a thread of its own (the JIT's worker)
# parses, optimises and makes machine code in an LLVM context and with
# target machines of its own, so the process's lock is held only to load the
# object into the engine.  A worker's compile then no longer holds up the
# caller's (a promotion case, a bridge) for its whole length.
_threads = threading.local()


def _thread_llvm() -> dict:
    state = getattr(_threads, "llvm", None)
    if state is None:
        with _lock:
            _init()
        target = llvm.Target.from_default_triple()
        cpu, features = llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()
        state = _threads.llvm = {
            "context": llvm.create_context(),
            "tm": target.create_target_machine(cpu=cpu, features=features, opt=OPT_LEVEL,
                                               jit=True),
            "tm_cheap": target.create_target_machine(cpu=cpu, features=features, opt=0,
                                                     jit=True)}
    return state


def compile_ir_beside(ir_text: str, names: list[str], poll_symbols=frozenset(),
                      pipeline: str = "full") -> tuple[dict, str, str]:
    """`compile_ir` of a module with neither a big function nor a deep nest,
    its LLVM work done in the calling thread's own context (above): only
    the loading holds the process's lock."""
    obj, optimized, tier = object_beside(ir_text, poll_symbols, pipeline)
    return _load(names, obj=obj), optimized, tier


def object_beside(ir_text: str, poll_symbols=frozenset(),
                  pipeline: str = "full") -> tuple[bytes, str, str]:
    """(object file, optimised text, tier) of `compile_ir_beside`, not loaded."""
    local = _thread_llvm()
    compile_counts["compiled"] += 1
    mod = llvm.parse_assembly(ir_text, context=local["context"])
    mod.verify()
    tier = "full" if pipeline == "full" else "light"
    optimize(mod, tier, local["tm"])
    mod, optimized = _with_polls(mod, poll_symbols, local["tm"], local["context"])
    return local["tm"].emit_object(mod), optimized, tier


class CodeSpace:
    """Machine code freed as a whole: an MCJIT engine of its own (made at its
    first module; about 0.35 ms), see the module's docstring.

        with space:            # this thread's compiles load into `space`
            ...
        space.close()          # freed now, or when the last thread leaves

    `operations`: the residual operations of the graphs compiled into it
    (`CodeSpace.added`: those compiled into any space, a count that only
    grows); `compiled(operations, forget)` records a function, whose
    `forget()` runs when the code is freed (compiler.py forgets the graph's
    code there, so that a later compile of it compiles it again)."""

    added = 0

    def __init__(self, name: str = "space"):
        self.name = name
        self.operations = 0
        self.closed = False             # its code is freed
        self._closing = False
        self._engine = None
        self._inside = 0                # threads (and nested entries) inside
        self._holds = threading.Lock()  # for _inside and _closing (not the process's
        self._forgets: list = []        # lock: a compile holds that for long)
        self._symbols: set = set()      # the pyobject symbols its code uses
        self._names: list = []          # the functions loaded into it

    def engine(self):
        if self.closed:
            raise RuntimeError(f"rgen.llvm: code space {self.name} was freed: nothing more "
                               f"can be loaded into it")
        if self._engine is None:
            state = _init()
            self._engine = _engine(state["target"].create_target_machine(
                cpu=state["cpu"], features=state["features"], opt=OPT_LEVEL, jit=True))
        return self._engine

    def compiled(self, operations: int, forget) -> None:
        """Record a function compiled into the space: its residual
        `operations`, and `forget()` to run when the code is freed."""
        with _lock:
            self.operations += operations
            CodeSpace.added += operations
            self._forgets.append(forget)

    def hold(self) -> None:
        """Keep the code from being freed until `release()` (what a thread
        inside does; a compile queued for later too)."""
        with self._holds:
            if self.closed:
                raise RuntimeError(f"rgen.llvm: code space {self.name} was freed")
            self._inside += 1

    def release(self) -> None:
        with self._holds:
            self._inside -= 1
            free = self._closing and not self._inside and not self.closed
            if free:
                self.closed = True
        if free:
            self._free()

    @property
    def closing(self) -> bool:
        """Was `close()` called (its code is freed, or will be)?"""
        return self._closing

    def __enter__(self):
        if not self.enter():
            raise RuntimeError(f"rgen.llvm: code space {self.name} was freed")
        return self

    def enter(self) -> bool:
        """`with space:` without the `with` (leave with `__exit__()`), or
        False if the space was freed."""
        with self._holds:
            if self.closed:
                return False
            self._inside += 1
        try:
            _threads.spaces.append(self)
        except AttributeError:
            _threads.spaces = [self]
        return True

    def __exit__(self, *exc):
        _threads.spaces.pop()
        self.release()

    def close(self) -> None:
        """Free the space's machine code now, or when the last thread inside
        leaves.  None of it may run after that."""
        with self._holds:
            self._closing = True
            free = not self._inside and not self.closed
            if free:
                self.closed = True
        if free:
            self._free()

    def _free(self) -> None:
        with _lock:
            for forget in self._forgets:
                forget()
            self._forgets.clear()
            if self._engine is not None:
                self._engine.close()
                self._engine = None
            _unused(self._symbols)
            for name in self._names:
                _addresses.pop(name, None)
            self._symbols, self._names = set(), []

    def __repr__(self) -> str:
        state = "freed" if self.closed else "closing" if self._closing else "open"
        return f"<CodeSpace {self.name}: {self.operations} operations, {state}>"


def current_space() -> CodeSpace | None:
    """The code space this thread's compiles load into, or None for the
    process's engine."""
    stack = getattr(_threads, "spaces", None)
    return stack[-1] if stack else None


def _space_stack() -> list:
    stack = getattr(_threads, "spaces", None)
    if stack is None:
        stack = _threads.spaces = []
    return stack


@contextlib.contextmanager
def loading_into(space: CodeSpace | None):
    """Compiles in the block load into `space` (held by the caller), or into
    the process's engine for None (code shared by every space: compiler.py's
    Python entries)."""
    stack = _space_stack()
    stack.append(space)
    try:
        yield
    finally:
        stack.pop()


def _load(names: list[str], obj: bytes | None = None, mod=None) -> dict:
    """Load the object file `obj`, or the module `mod`, into the engine of
    the current code space (the process's by default): the addresses of the
    functions `names`."""
    with _lock:
        space = current_space()
        engine = _init()["engine"] if space is None else space.engine()
        if obj is not None:
            engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
        else:
            engine.add_module(mod)
        engine.finalize_object()
        addresses = {n: engine.get_function_address(n) for n in names}
        _addresses.update(addresses)
        if space is not None:
            space._names += names
        for name, address in addresses.items():     # found from other engines
            llvm.add_symbol(name, address)
    missing = [n for n, a in addresses.items() if not a]
    if missing:
        raise RuntimeError(f"rgen.llvm: no code for {missing} after compiling")
    return addresses


# Modules of isolated.ISOLATE_BLOCKS basic blocks or more (one huge residual
# function: a Brainfuck program of thousands of instructions) are optimised
# by these passes, in isolated.py's helper process, not by O2, whose
# CorrelatedValuePropagation and LoopRotate grow quadratically with the
# function (6.4 and 2.2 of O2's 14.2 s at 10,000 instructions).  bf-loops at
# 3,000 instructions: 2.35 -> 1.33 s to native code, which runs as fast (4.5
# against 4.4 us); at 10,000: 21 -> 7.3 s.  Loops nested more than
# DEEP_NESTING deep take DEEP_PASSES, which simplify the control flow only
# at the end: an early simplifycfg does not converge on a 2,000-deep nest
# (LLVM's assertion, after 12 s) where the late one, after the rest, meets
# a nest already folded (2.5 s in all); the early one makes a shallow
# program's code 25% faster (bf-loops 3k: 4.5 against 5.6 us).
BIG_PASSES = ("add_always_inliner_pass", "add_sroa_pass", "add_instruction_combine_pass",
              "add_simplify_cfg_pass", "add_sccp_pass", "add_new_gvn_pass",
              "add_instruction_combine_pass", "add_simplify_cfg_pass",
              "add_aggressive_dce_pass")
DEEP_PASSES = ("add_always_inliner_pass", "add_sroa_pass", "add_instruction_combine_pass",
               "add_sccp_pass", "add_new_gvn_pass", "add_instruction_combine_pass",
               "add_aggressive_dce_pass", "add_simplify_cfg_pass")
DEEP_NESTING = 100
BIG_PIPELINES = {"big": BIG_PASSES, "deep": DEEP_PASSES}


def optimize_big(mod, kind: str) -> None:
    """BIG_PIPELINES[kind] on `mod` in place (the helper process's work)."""
    run_passes(mod, BIG_PIPELINES[kind])


def machine_code(mod, poll_symbols) -> tuple[bytes, str]:
    """(object file, optimised text) of the optimised module `mod`, the
    functions `poll_symbols` with their signal polls (the helper process's
    work for isolated.Batch)."""
    tm = _init()["tm"]
    mod, optimized = _with_polls(mod, poll_symbols, tm)
    return tm.emit_object(mod), optimized


# The cheap tier: the helpers inlined, then machine code from the O0 target
# machine (fast instruction selection, fast register allocation), loaded as
# an object file into the one engine.  About 2.5 ms for a small function
# where the full tier takes 8.  Cleaning the IR first (SROA, instcombine,
# simplifycfg, DCE) cost 0.28 ms of the 8-op function's 3.1 and saved its
# machine code 0.02 ms: without them, LLVM's fixed cost is 2.8 ms, and
# neither ll_plus_minus's cheap-tier code (31-32 ns a call) nor the
# cheap-tier cases of bench_promotion's hot site (3.3 ns) got slower.
# Code with tail transfers: O0 machine code keeps a `tail call` a jump only
# where the IR returns its result right after it (the full tier's
# CodeGenPrepare duplicates a shared return block back into its callers; O0
# runs no CodeGenPrepare); no pass here merges returns (simplifycfg would),
# and `tail_calls_in_place` checks the result.
CHEAP_PASSES = ("add_always_inliner_pass",)
_TAIL_CALL = re.compile(r"^\s*(%[-\w.$]+) = tail call tailcc ")


def tail_calls_in_place(ir_text: str) -> bool:
    """Is every `tail call tailcc` of `ir_text` followed by the `ret` of its
    result (so that O0 machine code makes it a jump)?"""
    lines = ir_text.splitlines()
    for i, line in enumerate(lines):
        m = _TAIL_CALL.match(line)
        if m and not (i + 1 < len(lines) and lines[i + 1].lstrip().startswith("ret ")
                      and lines[i + 1].rstrip().endswith(" " + m.group(1))):
            return False
    return True


def compile_ir(ir_text: str, names: list[str], poll_symbols=frozenset(),
               pipeline: str = "full", cheap: bool = False,
               transfers: bool = False, nesting: int = 0) -> tuple[dict, str, str]:
    """Verify, optimise and load the module `ir_text`; return the addresses
    of the functions `names`, the optimised IR text and the tier it got.
    The functions `poll_symbols` get their signal polls after optimisation
    (backedges.py).  `cheap`: the cheap tier (CHEAP_PASSES, O0 machine code)
    for code whose speed matters less than its compile time (loop-free
    code), `transfers` when it has tail transfers; else (or when the cheap
    tier would lose a tail call) `pipeline`, one of PIPELINES, with the full
    tier's machine code; a big module instead takes BIG_PASSES, or
    DEEP_PASSES when its loops nest `nesting` > DEEP_NESTING deep."""
    with _lock:
        mod, optimized, tier, tm = _optimised(ir_text, names, poll_symbols, pipeline, cheap,
                                              transfers, nesting)
        if tier == "cheap":
            addresses = _load(names, obj=tm.emit_object(mod))
        else:
            addresses = _load(names, mod=mod)
    return addresses, optimized, tier


def make_object(ir_text: str, names: list[str], poll_symbols=frozenset(),
                pipeline: str = "full", cheap: bool = False, transfers: bool = False,
                nesting: int = 0) -> tuple[bytes, str, str]:
    """(object file, optimised text, tier) of `compile_ir`, not loaded
    (objcache.py saves it, then loads it with `load_object`)."""
    with _lock:
        mod, optimized, tier, tm = _optimised(ir_text, names, poll_symbols, pipeline, cheap,
                                              transfers, nesting)
        return tm.emit_object(mod), optimized, tier


def load_object(obj: bytes, names: list[str]) -> dict:
    """Load an object file `make_object` made: the addresses of `names`."""
    with _lock:
        _init()
        return _load(names, obj=obj)


def _optimised(ir_text: str, names: list, poll_symbols, pipeline: str, cheap: bool,
               transfers: bool, nesting: int) -> tuple:
    """(module ready for machine code, its optimised text, its tier, the
    target machine that makes its machine code): see compile_ir."""
    state = _init()
    compile_counts["compiled"] += 1
    mod = llvm.parse_assembly(ir_text)
    mod.verify()
    tier = "full" if pipeline == "full" else "light"
    if cheap:
        run_passes(mod, CHEAP_PASSES)
        if not transfers or tail_calls_in_place(str(mod)):
            tier = "cheap"
        else:
            mod = llvm.parse_assembly(ir_text)
    if tier == "cheap":                            # the cheap tier's code has no loops
        return mod, str(mod), tier, _cheap_target_machine()
    if isolated.block_count(mod) >= isolated.ISOLATE_BLOCKS:
        mod = isolated.optimise_isolated(mod, names[0], run_passes,
                                         "deep" if nesting > DEEP_NESTING else "big")
    else:
        optimize(mod, tier)
    mod, optimized = _with_polls(mod, poll_symbols, state["tm"])
    return mod, optimized, tier, state["tm"]


def _with_polls(mod, poll_symbols, tm, context=None) -> tuple:
    """(module, its text) with the signal polls of the functions
    `poll_symbols` added to the optimised `mod` (backedges.py)."""
    optimized = str(mod)
    if poll_symbols:
        polled = backedges.insert_polls(optimized, set(poll_symbols))
        if polled != optimized:
            mod = llvm.parse_assembly(polled, context=context)
            mod.verify()
            with _lock:
                capi_symbol("PyErr_CheckSignals")
            backedges.finish(mod, tm)
            optimized = str(mod)
    return mod, optimized


def assembly(optimized_ir: str) -> str:
    """Target assembly for an (already optimised) module text."""
    mod = llvm.parse_assembly(optimized_ir)
    return target_machine().emit_assembly(mod)

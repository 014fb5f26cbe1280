"""Backward propagation of `concrete`: which variables must be green.

`hint(v, concrete=True)` demands that `v` and everything it is computed from
be known at compile time.  Starting from the arguments of those hints (and,
for a callee copy whose result the caller needs green, from its return
value), this pass walks definitions backwards:

  * a pure operation forces its variable operands;
  * a block input argument forces the value every entering link passes
    (literal constants are then fine: a forced literal is green);
  * a parameter of the graph is recorded in `params`; the caller forces its
    argument in turn (`callee_forced_params`, a summary per callee);
  * a read from memory forces container and index, and is allowed only
    through a deep-frozen container (a deepfreeze hint, or what a pure
    function returns); any other read is a HintError;
  * `promote` and `forget` stop the walk (their result is green, or must be
    checked later); `variable` cannot be forced.

Each forced variable remembers why (`reasons`), so messages show the chain
from the hint to the input that breaks it.
"""

from __future__ import annotations

from flowgraph.lltypes import DictType, ListType
from flowgraph.model import Constant, Variable
from flowgraph.operations import OPS
from hintannotator.errors import HintError
from hintannotator.sources import ArgDef, GraphInfo, OpDef, describe, hint_flags


def _is_opaque(op) -> bool:
    func = op.args[0].value.func
    return getattr(func, "_ts_dont_look_inside_", False) or getattr(func, "_ts_pure_", False)


class Forcing:
    """The forced set of one graph copy.

    `frozen_params` are the indices of parameters known to be deep-frozen
    green containers; `callee_forced_params(graph, ret_forced)` returns the
    parameter indices a callee forces.
    """

    def __init__(self, info: GraphInfo, ret_forced: bool, frozen_params, callee_forced_params):
        self.info = info
        self.frozen_params = frozenset(frozen_params)
        self.callee_forced_params = callee_forced_params
        self.reasons: dict = {}          # forced Variable -> (why text, line, parent Variable)
        self.params: set = set()
        self._frozen_cache: dict = {}
        for block, op in info.graph.iterblockops():
            kind = OPS[op.opname].kind
            if kind == "hint" and "concrete" in hint_flags(op):
                self.force(op.result, "hint(concrete=True)", op.lineno, None)
            elif kind == "call" and not _is_opaque(op):
                why = f"{op.args[0].value.name}() needs this argument green"
                for i in sorted(callee_forced_params(op.args[0].value, False)):
                    self.force(op.args[1 + i], why, op.lineno, None)
        if ret_forced:
            for link in info.incoming(info.graph.returnblock):
                self.force(link.args[0], "the caller needs this result green",
                           info.block_line(link.prevblock), None)

    def force(self, v, why: str, line: int, parent) -> None:
        stack = [(v, why, line, parent)]
        while stack:
            v, why, line, parent = stack.pop()
            if isinstance(v, Constant) or v in self.reasons:
                continue
            self.reasons[v] = (why, line, parent)
            stack.extend(self._sources(v))

    def _sources(self, v: Variable) -> list:
        d = self.info.defs.get(v)
        if isinstance(d, ArgDef):
            if d.block is self.info.graph.startblock:
                self.params.add(d.index)
                return []
            line = self.info.block_line(d.block)
            return [(link.args[d.index], "flows into a join", line, v)
                    for link in self.info.incoming(d.block)]
        if isinstance(d, OpDef):
            return self._op_sources(d.op, v)
        return []

    def _op_sources(self, op, v) -> list:
        name = op.opname
        desc = OPS[name]
        if desc.kind == "hint":
            flags = hint_flags(op)
            if "variable" in flags:
                self.fail(v, f"it is the result of hint(variable=True) at "
                             f"{self.info.where(op.lineno)}, which is always red",
                          "remove the variable hint")
            if flags & {"promote", "forget"}:
                return []
            if "concrete" in flags and v in self.reasons and self.reasons[v][2] is None:
                return [(op.args[0], self.reasons[v][0], op.lineno, None)]
            return [(op.args[0], f"hint at line {op.lineno}", op.lineno, v)]
        if desc.kind == "call":
            return self._call_sources(op, v)
        if desc.kind == "alloc" and desc.container is not None:    # a list made of lists
            mutable = [a for a in made_from(op) if not self.is_deepfrozen(a)]
            if mutable:
                self.fail(v, f"it is a new list ({name} at {self.info.where(op.lineno)}) "
                             f"made of a mutable one",
                          f"hint({describe(mutable[0]).strip(chr(39))}, deepfreeze=True) if "
                          f"that list never changes")
            return [(a, f"{name} at line {op.lineno}", op.lineno, v) for a in op.args]
        if desc.reads_memory:
            container = op.args[desc.container]
            if not self.is_deepfrozen(container):
                self.fail(v, f"it is read from mutable memory ({name} at "
                             f"{self.info.where(op.lineno)})",
                          f"hint({describe(container).strip(chr(39))}, deepfreeze=True) if "
                          f"that container never changes, or hint(..., promote=True) on the value")
            return [(a, f"{name} at line {op.lineno}", op.lineno, v) for a in op.args]
        if desc.pure:
            return [(a, f"{name} at line {op.lineno}", op.lineno, v) for a in op.args]
        self.fail(v, f"it is produced by {name} at {self.info.where(op.lineno)}, "
                     f"which has an effect on memory", "hint(..., promote=True)")

    def _call_sources(self, op, v) -> list:
        callee = op.args[0].value
        func = callee.func
        if getattr(func, "_ts_dont_look_inside_", False):
            self.fail(v, f"it is the result of a call to dont_look_inside function "
                         f"{callee.name} at {self.info.where(op.lineno)}",
                      "hint(..., promote=True) on the result")
        why = f"call to {callee.name} at line {op.lineno}"
        if getattr(func, "_ts_pure_", False):
            return [(a, why, op.lineno, v) for a in op.args[1:]]
        params = self.callee_forced_params(callee, True)
        return [(op.args[1 + i], why, op.lineno, v) for i in sorted(params)]

    def is_deepfrozen(self, v) -> bool:
        """Whether `v` is a green container whose reads are green (deepfreeze)."""
        if isinstance(v, Constant):
            return False
        cached = self._frozen_cache.get(v)
        if cached is not None:
            return cached
        self._frozen_cache[v] = True         # optimistic on cycles through joins
        result = self._compute_deepfrozen(v)
        self._frozen_cache[v] = result
        return result

    def _compute_deepfrozen(self, v) -> bool:
        d = self.info.defs.get(v)
        if isinstance(d, ArgDef):
            if d.block is self.info.graph.startblock:
                return d.index in self.frozen_params
            links = self.info.incoming(d.block)
            return bool(links) and all(self.is_deepfrozen(l.args[d.index]) for l in links)
        if isinstance(d, OpDef):
            op, desc = d.op, OPS[d.op.opname]
            if desc.kind == "hint":
                return "deepfreeze" in hint_flags(op) or self.is_deepfrozen(op.args[0])
            if desc.kind == "copy":
                return self.is_deepfrozen(op.args[0])
            if desc.reads_memory:
                return self.is_deepfrozen(op.args[desc.container])
            if desc.kind == "alloc" and desc.container is not None:
                return all(self.is_deepfrozen(a) for a in made_from(op))
            if desc.kind == "call":     # a container a pure function returns is frozen
                return bool(getattr(op.args[0].value.func, "_ts_pure_", False))
        return False

    def chain(self, v) -> list:
        """The forcing chain from `v` back to the hint that forced it."""
        out = []
        while v is not None and v in self.reasons:
            why, line, parent = self.reasons[v]
            out.append((v, why, line))
            v = parent
        return out

    def fail(self, v, problem: str, suggestion: str):
        raise HintError(self.message(v, problem, suggestion))

    def message(self, v, problem: str, suggestion: str) -> str:
        chain = self.chain(v)
        origin_v, origin_why, origin_line = chain[-1] if chain else (v, "?", 0)
        lines = [f"{describe(origin_v)} must be green ({origin_why} at "
                 f"{self.info.where(origin_line)}), but {describe(v)} "
                 f"({self.info.where(v)}) cannot be: {problem}."]
        for var, why, line in chain[:-1]:
            lines.append(f"  {describe(var)} is needed green: {why} ({self.info.where(line)})")
        lines.append(f"Hint that would help: {suggestion}.")
        return "\n".join(lines)


def made_from(op) -> list:
    """The lists (or the dict) whose items a new list (`list_slice`,
    `list_concat`, `dict_keys`) is made of."""
    return [a for a in op.args if isinstance(a.concretetype, (ListType, DictType))]

"""`checkgraph(g)`: the flow-graph invariants every stage relies on.

Checked, for `g` and every graph reachable through `direct_call` and
`tail_call` constants (each once):

- every Variable and Constant has a `concretetype`;
- single definition: each variable is an input argument or an operation
  result exactly once in the whole graph;
- variables are block-local: an operation, the exitswitch and the links of
  a block use only Constants and variables defined in that block (its input
  arguments, or results of earlier operations);
- operations: the name is a row of the operation table, the argument count
  is its arity (for `direct_call` and `tail_call`: 1 + the callee's
  parameters; other variable-arity rows: at least one), the result
  type is what the row's `restype` gives, and the argument types fit the
  operation's family (below);
- links: as many arguments as the target has input arguments, of the same
  types;
- switch shapes: no exitswitch -> one exit with exitcase None; a Bool
  variable -> two exits, exitcases False then True; a Signed or Char variable
  -> distinct case values of that type, optionally a last "default";
  `LAST_EXCEPTION` -> the last operation one that may raise (a call, a
  division, ...), exitcases None then
  distinct exception classes; `exc_message` and `exc_class` only among a
  block's first operations;
- `returnblock` (one input argument) and `exceptblock` (class and message)
  have no operations and no exits; every other block has exits.

Argument types come from the `args` column of the operation table (a type,
a type class such as ListType, or a rule giving the container's item type);
a field is checked against the struct's fields.

A violation raises `CheckError` whose message names the graph, the block (its
index in `g.iterblocks()` order, or returnblock/exceptblock), the operation,
and says "want X, have Y".
"""

from __future__ import annotations

from flowgraph.errors import CheckError
from flowgraph.lltypes import (Bool, Char, Class, Float, LowLevelType, Signed, Str,
                               is_subtype)
from flowgraph.printer import printed_blocks
from flowgraph.model import LAST_EXCEPTION, Block, Constant, FunctionGraph, Variable
from flowgraph.operations import MAXINT, MININT, OPS

_PYVALUES = {Signed: int, Float: float, Bool: bool, Char: str, Str: str}


def checkgraph(graph: FunctionGraph) -> None:
    """Check `graph` and its callees; raise CheckError on the first violation."""
    seen = set()
    todo = [graph]
    while todo:
        g = todo.pop()
        if g in seen:
            continue
        seen.add(g)
        todo.extend(_GraphChecker(g).check())


def check_one_graph(graph: FunctionGraph) -> None:
    """Check `graph` alone, as the pass runner does between passes: a callee
    may still be under construction (its start block has no exits yet), then
    a call's arity is not checked against it."""
    checker = _GraphChecker(graph)
    checker.unfinished_callees = True
    checker.check()


class _GraphChecker:
    def __init__(self, graph: FunctionGraph):
        self.graph = graph
        self.blocks = list(graph.iterblocks())
        # numbered as the printer numbers them, so messages and `str(g)` agree
        self.index = {b: i for i, b in enumerate(printed_blocks(graph))}
        self.where = ""                       # "block3, op 1 int_add" while checking
        self.callees: list = []
        self.unfinished_callees = False       # callees may be under construction

    def fail(self, message: str):
        raise CheckError(f"graph {self.graph.name}: {self.where}: {message}")

    def blockname(self, block: Block) -> str:
        if block is self.graph.returnblock:
            return "returnblock"
        if block is self.graph.exceptblock:
            return "exceptblock"
        return f"block{self.index[block]}"

    def check(self) -> list:
        """Run every check; return the callee graphs seen."""
        self.check_definitions()
        self.check_final_blocks()
        for block in self.blocks:
            self.check_block(block)
        return self.callees

    # -- whole graph

    def check_definitions(self) -> None:
        defined = {}
        for block in self.blocks:
            for v in block.getvariables():
                self.where = self.blockname(block)
                if not isinstance(v, Variable):
                    self.fail(f"defines {v!r}: want a Variable, have {type(v).__name__}")
                if v in defined:
                    self.fail(f"variable {v!r} defined twice: want one definition, "
                              f"have one in {defined[v]} and one here")
                defined[v] = self.where
        self.defined_in = defined

    def check_final_blocks(self) -> None:
        g = self.graph
        for block, want in ((g.returnblock, 1), (g.exceptblock, 2)):
            self.where = self.blockname(block)
            if len(block.inputargs) != want:
                self.fail(f"input arguments: want {want}, have {len(block.inputargs)}")
            if block.operations:
                self.fail(f"operations: want none, have {len(block.operations)}")
            if block.exits:
                self.fail(f"exits: want none, have {len(block.exits)}")
        self.where = "exceptblock"
        self.want_type(g.exceptblock.inputargs[0], Class, "exception class")
        self.want_type(g.exceptblock.inputargs[1], Str, "exception message")

    # -- one block

    def check_block(self, block: Block) -> None:
        self.where = self.current = self.blockname(block)
        defined = set()
        for v in block.inputargs:
            self.typed(v)
            defined.add(v)
        for i, op in enumerate(block.operations):
            self.where = f"{self.blockname(block)}, op {i} {op.opname}"
            for j, a in enumerate(op.args):
                self.use(a, defined, f"argument {j}")
            self.check_op(op)
            if OPS[op.opname].ts == "caught" and any(
                    OPS[o.opname].ts != "caught" for o in block.operations[:i]):
                self.fail(f"{op.opname}: want it among the block's first operations (where "
                          f"an exception link enters)")
            defined.add(op.result)
        self.where = self.blockname(block)
        if block in (self.graph.returnblock, self.graph.exceptblock):
            return
        if not block.exits:
            self.fail("exits: want at least one (only this graph's returnblock and "
                      "exceptblock end), have none")
        self.check_switch(block, defined)
        for i, link in enumerate(block.exits):
            self.where = f"{self.blockname(block)}, exit {i}"
            self.check_link(link, defined)

    def typed(self, a) -> None:
        if a.concretetype is None:
            self.fail(f"{a!r} has no concretetype")
        if isinstance(a, Constant):
            want = _PYVALUES.get(a.concretetype)
            if want is not None and type(a.value) is not want:
                self.fail(f"{a!r}: value of a {a.concretetype} constant: want a "
                          f"{want.__name__}, have a {type(a.value).__name__}")
            if a.concretetype is Signed and not MININT <= a.value <= MAXINT:
                self.fail(f"{a!r}: want a 64-bit value, have {a.value}")
            if a.concretetype is Char and len(a.value) != 1:
                self.fail(f"{a!r}: want one character, have {len(a.value)}")

    def use(self, a, defined: set, what: str) -> None:
        if isinstance(a, Constant):
            self.typed(a)
        elif not isinstance(a, Variable):
            self.fail(f"{what}: want a Variable or Constant, have {a!r}")
        elif a not in defined:
            where = self.defined_in.get(a)
            where = ("later in this block" if where == self.current else
                     f"in {where}" if where else "nowhere")
            self.fail(f"{what}: want a variable defined before in this block, have {a!r}, "
                      f"defined {where} (variables are block-local: pass values through "
                      f"links)")

    def want_type(self, a, want, what: str) -> None:
        if not is_subtype(a.concretetype, want):
            self.fail(f"{what}: want {want}, have {a.concretetype}")

    def check_switch(self, block: Block, defined: set) -> None:
        sw, exits = block.exitswitch, block.exits
        cases = [link.exitcase for link in exits]
        if sw is LAST_EXCEPTION:
            self.check_exception_exits(block, cases)
            return
        if sw is None:
            if cases != [None]:
                self.fail(f"exits without exitswitch: want [None], have {cases!r}")
            return
        if not isinstance(sw, Variable):
            self.fail(f"exitswitch: want a Variable, have {sw!r}")
        self.use(sw, defined, "exitswitch")
        t = sw.concretetype
        if t is Bool:
            if cases != [False, True] or [type(c) for c in cases] != [bool, bool]:
                self.fail(f"exitcases of a Bool switch: want [False, True], have {cases!r}")
        elif t is Signed or t is Char:
            self.check_case_values(t, cases)
        else:
            self.fail(f"exitswitch type: want Bool, Signed or Char, have {t}")

    def check_exception_exits(self, block: Block, cases: list) -> None:
        if not block.operations or not OPS[block.operations[-1].opname].canraise:
            self.fail("last_exception: want an operation that may raise as the block's last "
                      f"one, have {block.operations[-1].opname if block.operations else 'none'}")
        if len(cases) < 2 or cases[0] is not None:
            self.fail(f"exitcases of last_exception: want None then exception classes, "
                      f"have {cases!r}")
        for c in cases[1:]:
            if not (isinstance(c, type) and issubclass(c, BaseException)):
                self.fail(f"exitcase of last_exception: want an exception class, have {c!r}")
        if len(set(cases)) != len(cases):
            self.fail(f"exitcases of last_exception: want distinct classes, have {cases!r}")

    def check_case_values(self, t, cases: list) -> None:
        values = cases[:-1] if cases and cases[-1] == "default" else cases
        pytype = int if t is Signed else str
        for c in values:
            if type(c) is not pytype or (t is Char and len(c) != 1):
                self.fail(f"exitcase of a {t} switch: want a {t} value, have {c!r}")
        if len(set(values)) != len(values):
            dups = sorted({repr(c) for c in values if values.count(c) > 1})
            self.fail(f"exitcases: want distinct values, have {', '.join(dups)} twice")
        if not values:
            self.fail(f"exitcases of a {t} switch: want at least one case, have {cases!r}")

    def check_link(self, link, defined: set) -> None:
        target = link.target
        known = target in self.index or target in (self.graph.returnblock,
                                                   self.graph.exceptblock)
        name = self.blockname(target) if known else repr(target)
        if len(link.args) != len(target.inputargs):
            self.fail(f"link to {name}: want {len(target.inputargs)} arguments, "
                      f"have {len(link.args)}")
        for i, (a, v) in enumerate(zip(link.args, target.inputargs)):
            self.use(a, defined, f"link to {name}, argument {i}")
            if not is_subtype(a.concretetype, v.concretetype):
                self.fail(f"link to {name}, argument {i}: want {v.concretetype}, "
                          f"have {a.concretetype}")

    # -- one operation

    def check_op(self, op) -> None:
        desc = OPS.get(op.opname)
        if desc is None:
            self.fail("unknown operation: want a name of the operation table")
        if not isinstance(op.result, Variable):
            self.fail(f"result: want a Variable, have {op.result!r}")
        self.typed(op.result)
        if desc.calls:                      # (c_graph, *args): checked against the callee
            if not self.check_call(op):
                return                          # the callee is under construction
        elif desc.arity is None:
            if not op.args:
                self.fail("argument count: want at least 1, have 0")
        elif len(op.args) != desc.arity:
            self.fail(f"argument count: want {desc.arity}, have {len(op.args)}")
        else:
            self.check_arg_types(op)
        try:
            want = desc.restype(op.args)
        except Exception as e:
            self.fail(f"cannot compute the result type from the arguments ({e!r})")
        if op.result.concretetype != want:
            self.fail(f"result type: want {want}, have {op.result.concretetype}")

    def check_call(self, op) -> bool:
        """Check a call against its callee; False if the callee is unfinished."""
        if not op.args or not isinstance(op.args[0], Constant) \
                or not isinstance(op.args[0].value, FunctionGraph):
            self.fail("first argument: want Constant(callee FunctionGraph), "
                      f"have {op.args[0] if op.args else 'nothing'!r}")
        callee = op.args[0].value
        if self.unfinished_callees and not callee.startblock.exits:
            return False
        params = callee.startblock.inputargs
        if len(op.args) - 1 != len(params):
            self.fail(f"call to {callee.name}: want {len(params)} arguments, "
                      f"have {len(op.args) - 1}")
        for i, (a, v) in enumerate(zip(op.args[1:], params)):
            self.want_type(a, v.concretetype, f"call to {callee.name}, argument {i}")
        self.callees.append(callee)
        return True

    def check_arg_types(self, op) -> None:
        desc = OPS[op.opname]
        for i, spec in enumerate(desc.args or ()):
            want = _wanted_type(spec, op.args, i)
            if want is not None:
                self.want_type(op.args[i], want, f"argument {i}")
        if desc.field is not None:
            self.check_field(op, desc)

    def check_field(self, op, desc) -> None:
        struct, c_name = op.args[desc.container].concretetype, op.args[desc.field]
        if not isinstance(c_name, Constant) or c_name.value not in struct.fields:
            self.fail(f"field: want one of {', '.join(struct.fields) or '(none)'} "
                      f"of {struct.name}, have {c_name!r}")
        if desc.value is not None:
            self.want_type(op.args[desc.value], struct.fields[c_name.value],
                           f"argument {desc.value}")


def _wanted_type(spec, args: list, i: int):
    """The type the row's `args[i]` spec wants (operations.py): a type, a
    type class (any instance: else a stand-in naming the class), or a rule
    computing it from the arguments (None: any)."""
    if spec is None or isinstance(spec, LowLevelType):
        return spec
    if isinstance(spec, type):
        t = args[i].concretetype
        return t if isinstance(t, spec) else _WantKind(f"a {spec.__name__}")
    return spec(args)


class _WantKind:
    """A stand-in type that prints as the kind wanted ("a ListType")."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return False

    def __repr__(self):
        return self.text

    __str__ = __repr__

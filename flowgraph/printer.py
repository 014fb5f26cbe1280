"""The textual IR: a deterministic printer for flow graphs.

`format_graph(g)` prints a graph like this:

    graph power(x_0: Signed, n_1: Signed) -> Signed
    block0(x_0, n_1):
        v2: Bool = int_gt(n_1, 0)               # line 3
        exitswitch v2: False -> return(1) | True -> block1(x_0, n_1)
    block1(x_3: Signed, n_4: Signed):
        ...

Algorithm: the blocks are numbered in `g.iterblocks()` order, leaving out the
graph's `returnblock` and `exceptblock`, which appear only as the link targets
`return(v)` and `raise(E, msg)`.  One walk over the blocks (input arguments,
then each operation's arguments and result, then the exit switch and the link
arguments) numbers the variables by first appearance: `x_0` for a variable
named x, `v3` for an unnamed one.  Every variable's type is printed where it
is defined (the graph header for the start block's arguments, the block header
for other blocks', the left-hand side for operation results).  An operation
whose result is an unnamed, unused Void variable (`setfield`, `list_append`,
`hint(None, ...)`) is printed bare, without a result, and takes no number.

Constants use one literal form per type, so the text never needs a type to
be read back: `3` Signed, `1.5` Float, `True` Bool, `'a'` Char, `"abc"` Str,
`` `concrete` `` a Void string (hint flags, field names), `None` Void,
`@power` a callee graph, `ZeroDivisionError` a Python class, `List(Signed)` or
`Point` a type constant, `[1, 2] as List(Signed)` a prebuilt list, `(1, "a") as
Tuple(Signed, Str)` a tuple.  A
constant whose type is not its literal's usual one says so: `0 as Float`,
`None as Point`, `5 as ?` (no type).  Every struct type the graph mentions is
declared first: `struct Point(x: Signed, y: Signed)`.

Exits: `goto block1(x_0)`, `return(v3)`, `raise(ValueError, "msg")`, or
`exitswitch v2: False -> ... | True -> ...` (one case per line when long);
a call's exception exits `exitswitch last_exception: None -> ... | E -> ...`.
An operation's source line is a trailing `# line 12`.

`decorate(var) -> str` appends a string to every occurrence of a variable
(a stage prints colours as `x_0:G`).  `flowgraph.parser.parse_graph` reads the
text back; `assert_roundtrip(g)` checks that printing the parsed graph gives
the same text, and `assert_same_text` compares golden texts showing the first
differing line.
"""

from __future__ import annotations

import re

from flowgraph.lltypes import (ArrayType, Bool, Char, Float, ListType, LowLevelType,
                               Signed, Str, StructType, TupleType, Void, DictType)
from flowgraph.model import (LAST_EXCEPTION, Block, Constant, FunctionGraph, Link, SpaceOperation,
                             Variable)

COMMENT_COLUMN = 44      # `# line N` comments start here when the line is short enough
MAX_SWITCH_LINE = 100    # longer switches print one case per line

_NAME_BAD_CHARS = re.compile(r"[^\w]")
_GRAPH_NAME_BAD_CHARS = re.compile(r"[^\w.<>$~]")


# -- types and constants ------------------------------------------------------

def format_type(t: LowLevelType | None) -> str:
    """`Signed`, `List(Char)`, `Array(Float)`, a struct's name, `?` for None."""
    if t is None:
        return "?"
    if isinstance(t, ListType):
        return f"List({format_type(t.item)})"
    if isinstance(t, ArrayType):
        return f"Array({format_type(t.item)})"
    if isinstance(t, TupleType):
        return f"Tuple({', '.join(map(format_type, t.items))})"
    if isinstance(t, DictType):
        return f"Dict({format_type(t.key)}, {format_type(t.value)})"
    if isinstance(t, StructType):
        return _GRAPH_NAME_BAD_CHARS.sub("_", t.name) or "_"
    return str(t)


def quote(s: str, q: str) -> str:
    """`s` between quote characters `q`, escaping `q`, backslashes and
    non-printable characters Python-style."""
    out = []
    for ch in s:
        if ch == "\\" or ch == q:
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return q + "".join(out) + q


_STR_QUOTES = {Char: "'", Str: '"', Void: "`"}


def _literal(value, t, graph_name) -> tuple[str, object]:
    """(text, the type that text implies) for a constant's value."""
    if isinstance(value, bool):
        return ("True" if value else "False"), Bool
    if isinstance(value, int):
        return str(value), Signed
    if isinstance(value, float):
        return repr(value), Float
    if isinstance(value, str):
        q = _STR_QUOTES.get(t, '"')
        return quote(value, q), {"'": Char, '"': Str, "`": Void}[q]
    if value is None:
        return "None", Void
    if isinstance(value, FunctionGraph):
        return "@" + graph_name(value), Void
    if isinstance(value, LowLevelType):
        return format_type(value), Void
    if isinstance(value, list):
        items = (_literal(x, None, graph_name)[0] for x in value)
        return "[" + ", ".join(items) + "]", None
    if isinstance(value, tuple):
        items = (_literal(x, None, graph_name)[0] for x in value)
        return "(" + ", ".join(items) + ")", None
    if isinstance(value, type) or callable(value):
        return getattr(value, "__name__", "?"), Void
    return f"<{type(value).__name__} object>", None


def format_constant(c: Constant, graph_name=None) -> str:
    """The literal of a constant, with ` as T` when its type is not the one
    the literal implies.  `graph_name(graph)` names callee graphs."""
    text, implied = _literal(c.value, c.concretetype, graph_name or _plain_graph_name)
    if c.concretetype == implied:
        return text
    return f"{text} as {format_type(c.concretetype)}"


def format_exitcase(case) -> str:
    if isinstance(case, type):                  # an exception link's class
        return case.__name__
    if isinstance(case, bool) or case is None:
        return str(case)
    if case == "default":
        return "default"
    if isinstance(case, str):
        return quote(case, "'")
    return repr(case)


def _plain_graph_name(graph: FunctionGraph) -> str:
    return _GRAPH_NAME_BAD_CHARS.sub("_", graph.name) or "_"


# -- naming -------------------------------------------------------------------

class GraphNames:
    """Unique printable names for graphs: the second distinct graph called
    `f` is `f~2`."""

    def __init__(self):
        self.names: dict = {}
        self.taken: set = set()

    def __call__(self, graph: FunctionGraph) -> str:
        if graph not in self.names:
            base = name = _plain_graph_name(graph)
            k = 1
            while name in self.taken:
                k += 1
                name = f"{base}~{k}"
            self.names[graph] = name
            self.taken.add(name)
        return self.names[graph]


def printed_blocks(graph: FunctionGraph) -> list:
    """The blocks that get a `blockN` header: all but return and except."""
    finals = (graph.returnblock, graph.exceptblock)
    return [b for b in graph.iterblocks() if b not in finals]


def _used_variables(blocks) -> set:
    used = set()
    for block in blocks:
        used.update(block.inputargs)
        for op in block.operations:
            used.update(op.args)
        used.add(block.exitswitch)
        for link in block.exits:
            used.update(link.args)
    return used


def is_bare(op: SpaceOperation, used: set) -> bool:
    """Printed without a result: an unnamed, unused Void result."""
    v = op.result
    return not v.name and v.concretetype is Void and v not in used


def number_variables(blocks, used) -> dict:
    """Variable -> printed name, numbered by first appearance."""
    names: dict = {}

    def see(v):
        if isinstance(v, Variable) and v not in names:
            k = len(names)
            names[v] = f"{_NAME_BAD_CHARS.sub('_', v.name)}_{k}" if v.name else f"v{k}"

    for block in blocks:
        for v in block.inputargs:
            see(v)
        for op in block.operations:
            for a in op.args:
                see(a)
            if not is_bare(op, used):
                see(op.result)
        see(block.exitswitch)
        for link in block.exits:
            for a in link.args:
                see(a)
    return names


# -- the printer ----------------------------------------------------------------

def _identity(s: str) -> str:
    return s


class GraphPrinter:
    """Formats the pieces of one graph.  `esc` escapes literal text and
    `paint(var, text)` dresses a variable's name (the dot view uses both for
    HTML labels); `decorate(var)` is the stage's suffix."""

    def __init__(self, graph: FunctionGraph, decorate=None, graph_names=None,
                 esc=_identity, paint=None, line_of=None):
        self.graph = graph
        self.line_of = line_of          # op -> its `# line` (None: op.lineno)
        self.blocks = printed_blocks(graph)
        self.blocknum = {b: i for i, b in enumerate(self.blocks)}
        self.used = _used_variables(self.blocks)
        self.names = number_variables(self.blocks, self.used)
        self.decorate = decorate
        self.graph_names = graph_names or GraphNames()
        self.esc = esc
        self.paint = paint

    def var(self, v: Variable) -> str:
        name = self.names.get(v) or f"v?{v.id}"
        text = self.esc(name + (self.decorate(v) if self.decorate else ""))
        return self.paint(v, text) if self.paint else text

    def vardef(self, v: Variable) -> str:
        if v.concretetype is None:
            return self.var(v)
        return self.var(v) + self.esc(": " + format_type(v.concretetype))

    def value(self, a) -> str:
        if isinstance(a, Variable):
            return self.var(a)
        if isinstance(a, Constant):
            return self.esc(format_constant(a, self.graph_names))
        if a is LAST_EXCEPTION:
            return self.esc("last_exception")
        return self.esc(f"<not a value: {type(a).__name__}>")

    def values(self, args) -> str:
        return self.esc(", ").join(self.value(a) for a in args)

    def header(self) -> str:
        params = self.esc(", ").join(self.vardef(v) for v in self.graph.startblock.inputargs)
        name = self.esc(self.graph_names(self.graph))
        rtype = self.esc(format_type(self.graph.return_type))
        return self.esc("graph ") + name + "(" + params + self.esc(") -> ") + rtype

    def block_header(self, block: Block) -> str:
        fmt = self.var if block is self.graph.startblock else self.vardef
        args = self.esc(", ").join(fmt(v) for v in block.inputargs)
        return f"{self.block_label(block)}({args}):"

    def block_label(self, block: Block) -> str:
        if block in self.blocknum:
            return f"block{self.blocknum[block]}"
        return f"block?{id(block):x}"

    def operation(self, op: SpaceOperation) -> str:
        call = self.esc(op.opname) + "(" + self.values(op.args) + ")"
        if is_bare(op, self.used):
            return call
        return self.vardef(op.result) + self.esc(" = ") + call

    def target(self, link: Link) -> str:
        if link.target is self.graph.returnblock:
            label = "return"
        elif link.target is self.graph.exceptblock:
            label = "raise"
        else:
            label = self.block_label(link.target)
        return f"{label}({self.link_values(link)})"

    def link_values(self, link: Link) -> str:
        """A link's arguments; a constant class raised by its name alone (as
        the parser reads it back)."""
        cls = link.args[0] if link.args else None
        if link.target is self.graph.exceptblock and isinstance(cls, Constant) \
                and isinstance(cls.value, type):
            return self.esc(cls.value.__name__) + self.esc(", ") + self.values(link.args[1:])
        return self.values(link.args)

    def case(self, link: Link) -> str:
        return self.esc(format_exitcase(link.exitcase) + " -> ") + self.target(link)

    def is_plain_exit(self, block: Block) -> bool:
        return (block.exitswitch is None and len(block.exits) == 1
                and block.exits[0].exitcase is None)

    def plain_exit(self, link: Link) -> str:
        if link.target in (self.graph.returnblock, self.graph.exceptblock):
            return self.target(link)
        return self.esc("goto ") + self.target(link)

    def switch_head(self, block: Block) -> str:
        sw = self.value(block.exitswitch) if block.exitswitch is not None else "None"
        return self.esc("exitswitch ") + sw + ":"


def _op_line(p: GraphPrinter, op: SpaceOperation) -> str:
    line = "    " + p.operation(op)
    lineno = op.lineno if p.line_of is None else p.line_of(op)
    if lineno:
        line = f"{line:<{COMMENT_COLUMN - 2}}  # line {lineno}"
    return line


def _exit_lines(p: GraphPrinter, block: Block) -> list:
    if not block.exits:
        return []
    if p.is_plain_exit(block):
        return ["    " + p.plain_exit(block.exits[0])]
    head = "    " + p.switch_head(block)
    cases = [p.case(link) for link in block.exits]
    oneline = head + " " + " | ".join(cases)
    if len(oneline) <= MAX_SWITCH_LINE:
        return [oneline]
    return [head] + ["        " + c for c in cases]


def _graph_lines(p: GraphPrinter) -> list:
    lines = [p.header()]
    for block in p.blocks:
        lines.append(p.block_header(block))
        lines.extend(_op_line(p, op) for op in block.operations)
        lines.extend(_exit_lines(p, block))
    return lines


# -- what a graph refers to -------------------------------------------------------

def _constants(graph: FunctionGraph):
    for block in printed_blocks(graph):
        for op in block.operations:
            yield from (a for a in op.args if isinstance(a, Constant))
        for link in block.exits:
            yield from (a for a in link.args if isinstance(a, Constant))


def referenced_graphs(graph: FunctionGraph) -> list:
    """Graphs reached through graph constants (callees), transitively, in
    first-reference order, `graph` itself excluded."""
    order, seen = [], {graph}
    todo = [graph]
    while todo:
        for c in _constants(todo.pop(0)):
            if isinstance(c.value, FunctionGraph) and c.value not in seen:
                seen.add(c.value)
                order.append(c.value)
                todo.append(c.value)
    return order


def _types_in(t, out: list) -> None:
    """Collect struct types reachable from `t` (through items and fields)."""
    if isinstance(t, (ListType, ArrayType)):
        _types_in(t.item, out)
    elif isinstance(t, TupleType):
        for item in t.items:
            _types_in(item, out)
    elif isinstance(t, DictType):
        _types_in(t.value, out)
    elif isinstance(t, StructType) and t not in out:
        out.append(t)
        for ft in t.fields.values():
            _types_in(ft, out)


def referenced_structs(graphs) -> list:
    """Struct types mentioned by the graphs, in first-appearance order."""
    out: list = []
    for graph in graphs:
        _types_in(graph.return_type, out)
        for block in printed_blocks(graph):
            for v in block.getvariables():
                _types_in(v.concretetype, out)
        for c in _constants(graph):
            _types_in(c.concretetype, out)
            if isinstance(c.value, LowLevelType):
                _types_in(c.value, out)
    return out


def format_struct(t: StructType) -> str:
    fields = ", ".join(f"{name}: {format_type(ft)}" for name, ft in t.fields.items())
    return f"struct {format_type(t)}({fields})"


# -- entry points -----------------------------------------------------------------

def format_graph(g: FunctionGraph, decorate=None, with_callees: bool = False,
                 line_of=None) -> str:
    """The text of `g` (see the module docstring).  `decorate(var) -> str` is
    appended to every variable occurrence; `with_callees` also prints every
    graph `g` calls, transitively, after it; `line_of(op) -> int | None`, if
    given, is the source line of the `# line N` comment of each operation
    (instead of its `lineno`)."""
    graphs = [g] + (referenced_graphs(g) if with_callees else [])
    names = GraphNames()
    for graph in graphs:
        names(graph)
    sections = []
    structs = referenced_structs(graphs)
    if structs:
        sections.append("\n".join(format_struct(t) for t in structs))
    for graph in graphs:
        printer = GraphPrinter(graph, decorate, names, line_of=line_of)
        sections.append("\n".join(_graph_lines(printer)))
    return "\n\n".join(sections)


def first_difference(expected: str, actual: str) -> str | None:
    """None if the texts have the same lines (trailing whitespace ignored),
    else a message showing the first differing line."""
    exp = [line.rstrip() for line in expected.strip("\n").splitlines()]
    act = [line.rstrip() for line in actual.strip("\n").splitlines()]
    for i, (e, a) in enumerate(zip(exp, act)):
        if e != a:
            return f"first difference at line {i + 1}:\n  expected: {e}\n  actual:   {a}"
    if len(exp) != len(act):
        i = min(len(exp), len(act))
        e = exp[i] if i < len(exp) else "<end of text>"
        a = act[i] if i < len(act) else "<end of text>"
        return f"first difference at line {i + 1}:\n  expected: {e}\n  actual:   {a}"
    return None


def assert_same_text(actual: str, expected: str) -> None:
    """Golden-text check: raises AssertionError naming the first differing
    line, followed by the whole actual text."""
    diff = first_difference(expected, actual)
    if diff is not None:
        raise AssertionError(f"{diff}\n--- actual text ---\n{actual}")


def assert_roundtrip(g: FunctionGraph, with_callees: bool = False) -> FunctionGraph:
    """Print `g`, parse the text back and check that the parsed graph prints
    the same.  Callees and struct types of `g` are passed to the parser, so the
    parsed graph calls the same graphs.  Returns the parsed graph."""
    from flowgraph.parser import parse_graph
    text = format_graph(g, with_callees=with_callees)
    callees = {_plain_graph_name(c): c for c in reversed(referenced_graphs(g))}
    types = {format_type(t): t for t in reversed(referenced_structs([g, *callees.values()]))}
    parsed = parse_graph(text, graphs=callees, types=types)
    assert_same_text(format_graph(parsed, with_callees=with_callees), text)
    return parsed

"""Read the textual IR of `flowgraph.printer` back into flow graphs.

    g = parse_graph(text, graphs={"square": g_square}, types={"Point": T_point})

The grammar is the printer's output (see `flowgraph.printer`): optional
`struct` declarations, then one or more `graph` sections; `parse_graph`
returns the first graph, `parse_graphs` all of them by name.  Parsing runs in
three passes so that everything may be referred to before it is defined:

1. struct declarations create (or look up in `types`) the struct types, then
   fill in their fields;
2. graph headers create the `FunctionGraph`s with their start blocks, so
   `@name` resolves to a graph of the text (recursion included);
3. each graph's body: blocks are created on first mention (`goto block3(..)`
   before `block3` is printed) and closed at the end of the graph.

Name resolution:
- `@f`: a graph of the text, else `graphs["f"]`, else a *stub*: a graph
  named f whose parameters take the types of the first call's arguments,
  whose return type is that call's result type, and whose body raises
  NotImplementedError.  So text naming unknown callees still parses (and
  prints the same); pass `graphs` to get runnable calls.
- struct names: `types[name]` (its fields must agree with a `struct`
  declaration of the text), else a fresh `StructType` (fields from the
  declaration, none if undeclared; `pyclass` None).
- class names (`raise(ValueError, ...)`): `classes[name]`, else a builtin,
  else a fresh Exception subclass of that name (one per name per parse).

The hand-written form may leave out types: `v2 = int_gt(n_1, 0)` gets its
result type from the operation table.  Decorations attached to variables
(`x_0:G`) are ignored.  A syntax error raises `ParseError` naming the line.
"""

from __future__ import annotations

import builtins
import re

from flowgraph.lltypes import (PRIMITIVES, ArrayType, Class, DictType, ListType, Str,
                               StructType, TupleType, Void)
from flowgraph.model import (LAST_EXCEPTION, Block, Constant, FunctionGraph, Link, SpaceOperation,
                             Variable)
from flowgraph.operations import OPS, result_type
from flowgraph.printer import format_type


class ParseError(ValueError):
    """Bad graph text; the message starts with `line N:` and quotes the line."""

    def __init__(self, lineno: int, message: str, line: str = ""):
        self.lineno = lineno
        text = f"line {lineno}: {message}"
        super().__init__(text + (f"\n    {line.strip()}" if line.strip() else ""))


_VAR = re.compile(r"([A-Za-z_]\w*)((?::\w+)*)")
_VARNAME = re.compile(r"v(\d+)|(.*)_(\d+)")
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_GRAPHNAME = re.compile(r"[\w.<>$~]+")
_FLOAT = re.compile(r"[-+]?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+|inf(?!\w)|nan(?!\w))")
_INT = re.compile(r"[-+]?\d+(?![\w.])")
_STRING = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`""")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}
_LINENO = re.compile(r"#\s*line\s+(\d+)\s*$")
_BLOCK = re.compile(r"block(\d+)(?=\()")
_QUOTE_TYPES = {"'": PRIMITIVES["Char"], '"': Str, "`": Void}


def unquote(token: str) -> str:
    """Inverse of `printer.quote`."""
    def one(m):
        e = m.group(1)
        if e[0] in "xuU" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, e)
    return _ESCAPE.sub(one, token[1:-1])


class Cursor:
    """A position in one line of text, with regex-based `take`/`expect`."""

    def __init__(self, line: str, lineno: int):
        self.line, self.lineno, self.pos = line, lineno, 0

    def fail(self, message: str):
        rest = self.line[self.pos:].strip()
        found = f", found {rest[:30]!r}" if rest else ", found end of line"
        raise ParseError(self.lineno, message + found, self.line)

    def error(self, message: str):
        raise ParseError(self.lineno, message, self.line)

    def _skip(self) -> None:
        while self.pos < len(self.line) and self.line[self.pos] in " \t":
            self.pos += 1

    def take(self, pattern):
        """Match `pattern` (a regex or a literal string) after blanks."""
        self._skip()
        if isinstance(pattern, str):
            if self.line.startswith(pattern, self.pos):
                self.pos += len(pattern)
                return pattern
            return None
        m = pattern.match(self.line, self.pos)
        if m:
            self.pos = m.end()
        return m

    def expect(self, pattern, what: str):
        m = self.take(pattern)
        if m is None:
            self.fail(f"expected {what}")
        return m

    def peek(self, pattern) -> bool:
        saved = self.pos
        found = self.take(pattern) is not None
        self.pos = saved
        return found

    def at_end(self) -> bool:
        self._skip()
        return self.pos == len(self.line) or self.line[self.pos] == "#"

    def finish(self) -> int:
        """Check nothing but a comment is left; returns its `# line N` or 0."""
        if not self.at_end():
            self.fail("unexpected text")
        m = _LINENO.match(self.line, self.pos)
        return int(m.group(1)) if m else 0

    def comma_list(self, item, close: str = ")") -> list:
        items = []
        if self.take(close):
            return items
        while True:
            items.append(item())
            if self.take(close):
                return items
            self.expect(",", f"',' or '{close}'")


def _is_ref(value) -> bool:
    return isinstance(value, Constant) and isinstance(value.value, _CalleeRef)


class _CalleeRef:
    """An `@name` not (yet) resolved: becomes a stub graph at its call."""

    def __init__(self, name: str):
        self.name = name


class Parser:
    """Parses one text; see the module docstring for the three passes."""

    def __init__(self, text: str, graphs=None, types=None, classes=None):
        self.lines = text.splitlines()
        self.outer_graphs = dict(graphs or {})
        self.given_types = dict(types or {})
        self.classes = dict(classes or {})
        self.structs: dict = {}
        self.graphs: dict = {}
        self.stubs: dict = {}
        self.fresh_classes: dict = {}
        self.param_names: dict = {}     # graph -> {printed name: parameter}

    # -- pass structure ----------------------------------------------------------

    def parse(self) -> dict:
        structs, sections = self._split()
        for lineno in structs:
            self._declare_struct(Cursor(self.lines[lineno - 1], lineno))
        for lineno in structs:
            self._fill_struct(Cursor(self.lines[lineno - 1], lineno))
        bodies = [(self._graph_header(Cursor(self.lines[start - 1], start)), start, end)
                  for start, end in sections]
        if not bodies:
            raise ParseError(len(self.lines), "no 'graph' header in the text")
        for graph, start, end in bodies:
            GraphBodyParser(self, graph, self.lines, start, end).parse()
        return self.graphs

    def _split(self):
        """Line numbers of struct declarations and (header, end) of graphs."""
        structs, headers = [], []
        for lineno, line in enumerate(self.lines, 1):
            line = line.lstrip()
            if line.startswith("struct "):
                if headers:
                    raise ParseError(lineno, "struct declarations must come first", line)
                structs.append(lineno)
            elif line.startswith("graph "):
                headers.append(lineno)
            elif not headers and line and not line.startswith("#"):
                raise ParseError(lineno, "expected 'struct' or 'graph'", line)
        ends = headers[1:] + [len(self.lines) + 1]
        return structs, list(zip(headers, ends))

    # -- structs and types -------------------------------------------------------

    def _declare_struct(self, cur: Cursor) -> None:
        cur.expect("struct", "'struct'")
        name = cur.expect(_GRAPHNAME, "a struct name").group()
        if name in self.structs:
            cur.error(f"struct {name} is declared twice")
        self.structs[name] = self.given_types.get(name) or StructType(name)

    def _fill_struct(self, cur: Cursor) -> None:
        cur.expect("struct", "'struct'")
        t = self.structs[cur.expect(_GRAPHNAME, "a struct name").group()]
        cur.expect("(", "'('")
        fields = dict(cur.comma_list(lambda: self._field(cur)))
        cur.finish()
        if t.name in self.given_types:
            have = {k: format_type(v) for k, v in t.fields.items()}
            want = {k: format_type(v) for k, v in fields.items()}
            if have != want:
                cur.error(f"struct {t.name}: the text declares fields {want}, "
                          f"types[{t.name!r}] has {have}")
        else:
            t.fields = fields

    def _field(self, cur: Cursor):
        name = cur.expect(re.compile(r"\w+"), "a field name").group()
        cur.expect(":", "':'")
        return name, self.parse_type(cur)

    def parse_type(self, cur: Cursor):
        if cur.take("?"):
            return None
        name = cur.expect(_GRAPHNAME, "a type").group()
        if name in ("List", "Array") and cur.take("("):
            item = self.parse_type(cur)
            cur.expect(")", "')'")
            return ListType(item) if name == "List" else ArrayType(item)
        if name == "Dict" and cur.take("("):
            key, value = cur.comma_list(lambda: self.parse_type(cur), ")")
            return DictType(key, value)
        if name == "Tuple" and cur.take("("):
            return TupleType(tuple(cur.comma_list(lambda: self.parse_type(cur), ")")))
        return PRIMITIVES.get(name) or self.struct(name)

    def struct(self, name: str) -> StructType:
        if name not in self.structs:
            self.structs[name] = self.given_types.get(name) or StructType(name)
        return self.structs[name]

    def is_type_name(self, cur: Cursor, name: str) -> bool:
        if name in ("List", "Array", "Tuple", "Dict"):
            return cur.peek("(")
        return name in PRIMITIVES or name in self.structs or name in self.given_types

    # -- graphs, callees and classes ----------------------------------------------

    def _graph_header(self, cur: Cursor) -> FunctionGraph:
        cur.expect("graph", "'graph'")
        name = cur.expect(_GRAPHNAME, "a graph name").group()
        if name in self.graphs:
            cur.error(f"graph {name} is defined twice")
        cur.expect("(", "'('")
        names: dict = {}
        params = cur.comma_list(lambda: self._param(cur, names))
        cur.expect("->", "'->'")
        graph = FunctionGraph(name, Block(params), self.parse_type(cur))
        cur.finish()
        self.param_names[graph] = names
        self.graphs[name] = graph
        return graph

    def _param(self, cur: Cursor, names: dict) -> Variable:
        token = var_token(cur)
        if token is None or token in names:
            cur.fail("expected a new parameter name")
        v = names[token] = new_variable(cur, token)
        if cur.take(":"):
            v.concretetype = self.parse_type(cur)
        return v

    def callee(self, name: str):
        graph = self.graphs.get(name) or self.outer_graphs.get(name) or self.stubs.get(name)
        return graph if graph is not None else _CalleeRef(name)

    def stub(self, name: str, argtypes: list, restype) -> FunctionGraph:
        """A graph standing for an unknown callee: it raises NotImplementedError."""
        if name not in self.stubs:
            start = Block([Variable("arg", t) for t in argtypes])
            graph = FunctionGraph(name, start, restype)
            message = f"stub graph {name}: pass graphs={{{name!r}: ...}} to parse_graph"
            start.closeblock(Link([Constant(NotImplementedError, Class), Constant(message, Str)],
                                  graph.exceptblock))
            self.stubs[name] = graph
        return self.stubs[name]

    def python_class(self, name: str):
        if name in self.classes:
            return self.classes[name]
        found = getattr(builtins, name, None)
        if found is not None:
            return found
        if name not in self.fresh_classes:
            self.fresh_classes[name] = type(name, (Exception,), {"__module__": __name__})
        return self.fresh_classes[name]


def var_token(cur: Cursor) -> str | None:
    """A variable's printed name (decorations dropped), or None."""
    saved = cur.pos
    m = cur.take(_VAR)
    if m and _VARNAME.fullmatch(m.group(1)):
        return m.group(1)
    cur.pos = saved
    return None


def new_variable(cur: Cursor, token: str) -> Variable:
    m = _VARNAME.fullmatch(token)
    return Variable("" if m.group(1) is not None else m.group(2))


class GraphBodyParser:
    """Parses the lines of one graph after its header."""

    def __init__(self, parser: Parser, graph: FunctionGraph, lines, start: int, end: int):
        self.p, self.graph = parser, graph
        self.lines, self.start, self.end = lines, start, end
        self.names: dict = parser.param_names[graph]
        self.blocks: dict = {0: graph.startblock}
        self.defined: set = set()
        self.exits: dict = {}          # block -> (exitswitch, [links])
        self.block = None
        self.in_cases = False

    def parse(self) -> None:
        for lineno in range(self.start + 1, self.end):
            cur = Cursor(self.lines[lineno - 1], lineno)
            if not cur.at_end():
                self._line(cur)
        if 0 not in self.defined:
            raise ParseError(self.start, f"graph {self.graph.name} has no block0")
        for num, block in self.blocks.items():
            if num not in self.defined:
                raise ParseError(self.end - 1, f"block{num} is used but never defined")
        for block, (switch, links) in self.exits.items():
            block.exitswitch = switch
            block.closeblock(*links)

    def _line(self, cur: Cursor) -> None:
        m = cur.take(_BLOCK)
        if m:
            self._block_header(cur, int(m.group(1)))
        elif self.block is None:
            cur.fail("expected a block header 'blockN(...):'")
        elif self.in_cases:
            self._add_exit(self._case(cur))
            cur.finish()
        elif cur.take(re.compile(r"exitswitch(?!\w)")):
            self._switch(cur)
        elif cur.peek(re.compile(r"(goto|return|raise)(?![\w.])")):
            self._plain_exit(cur)
        else:
            self._operation(cur)

    def _get_block(self, num: int) -> Block:
        if num not in self.blocks:
            self.blocks[num] = Block([])
        return self.blocks[num]

    def _block_header(self, cur: Cursor, num: int) -> None:
        if num in self.defined:
            cur.error(f"block{num} is defined twice")
        self.defined.add(num)
        self.block, self.in_cases = self._get_block(num), False
        self.exits[self.block] = (None, [])
        cur.expect("(", "'('")
        args = cur.comma_list(lambda: self._vardef(cur))
        cur.expect(":", "':'")
        cur.finish()
        if num == 0:
            if args != self.graph.startblock.inputargs:
                cur.error("block0's arguments must be the graph's parameters")
        else:
            self.block.inputargs = args

    def _vardef(self, cur: Cursor) -> Variable:
        token = var_token(cur)
        if token is None:
            cur.fail("expected a variable")
        v = self._variable(cur, token)
        if cur.take(":"):
            v.concretetype = self.p.parse_type(cur)
        return v

    def _variable(self, cur: Cursor, token: str) -> Variable:
        if token not in self.names:
            self.names[token] = new_variable(cur, token)
        return self.names[token]

    # -- operations -----------------------------------------------------------------

    def _operation(self, cur: Cursor) -> None:
        result = None
        if cur.peek(re.compile(r"[A-Za-z_]\w*(?::\w+)*\s*(?::\s|:$|=)")):
            token = var_token(cur)
            if token is None:
                cur.fail("expected a variable")
            result = self._variable(cur, token)
            if cur.take(":"):
                result.concretetype = self.p.parse_type(cur)
            cur.expect("=", "'='")
        opname = cur.expect(re.compile(r"[a-z_]\w*"), "an operation name").group()
        if opname not in OPS:
            cur.error(f"unknown operation {opname!r}")
        cur.expect("(", "'('")
        args = cur.comma_list(lambda: self._value(cur))
        self._check_arity(cur, opname, args)
        result = self._result(cur, opname, args, result)
        self.block.operations.append(SpaceOperation(opname, args, result, cur.finish()))

    def _check_arity(self, cur: Cursor, opname: str, args: list) -> None:
        arity = OPS[opname].arity
        if arity is not None and arity != len(args):
            cur.error(f"{opname} takes {arity} arguments, not {len(args)}")
        if OPS[opname].calls and not args:
            cur.error(f"{opname} needs a callee")

    def _result(self, cur: Cursor, opname: str, args: list, result) -> Variable:
        """Resolve `@name` references to stubs; give the result its type (from
        the operation table when the text does not say)."""
        result = result if result is not None else Variable("", None)
        if OPS[opname].calls and _is_ref(args[0]):
            argtypes = [a.concretetype for a in args[1:]]
            restype = result.concretetype or Void
            args[0] = Constant(self.p.stub(args[0].value.name, argtypes, restype), Void)
        self._resolve_refs(args)
        if result.concretetype is None:
            try:
                result.concretetype = result_type(opname, args)
            except Exception as e:
                cur.error(f"cannot infer the result type of {opname} ({e}); "
                          f"write 'v: Type = {opname}(...)'")
        return result

    def _resolve_refs(self, values: list) -> None:
        """Unknown graphs outside a call's callee position: argument-less stubs."""
        for i, a in enumerate(values):
            if _is_ref(a):
                values[i] = Constant(self.p.stub(a.value.name, [], Void), a.concretetype)

    # -- values -------------------------------------------------------------------------

    def _value(self, cur: Cursor):
        saved = cur.pos
        token = var_token(cur)
        if token is not None and (token in self.names or not self._is_literal_name(cur, token)):
            return self._variable(cur, token)
        cur.pos = saved
        value, implied = self._literal(cur)
        if cur.take(re.compile(r"as(?!\w)")):
            implied = self.p.parse_type(cur)
        return Constant(value, implied)

    def _is_literal_name(self, cur: Cursor, token: str) -> bool:
        return token in ("True", "False", "None") or self.p.is_type_name(cur, token)

    def _literal(self, cur: Cursor):
        """(value, the type its literal implies) for one constant."""
        if cur.take("@"):
            name = cur.expect(_GRAPHNAME, "a graph name").group()
            return self.p.callee(name), Void
        m = cur.take(_STRING)
        if m:
            return unquote(m.group()), _QUOTE_TYPES[m.group()[0]]
        m = cur.take(_FLOAT)
        if m:
            return float(m.group()), PRIMITIVES["Float"]
        m = cur.take(_INT)
        if m:
            return int(m.group()), PRIMITIVES["Signed"]
        if cur.take("["):
            return cur.comma_list(lambda: self._literal(cur)[0], "]"), None
        if cur.take("("):
            return tuple(cur.comma_list(lambda: self._literal(cur)[0], ")")), None
        return self._named_literal(cur)

    def _named_literal(self, cur: Cursor):
        saved = cur.pos
        m = cur.take(_NAME)
        if m is None:
            cur.fail("expected a value")
        name = m.group()
        if name in ("True", "False"):
            return name == "True", PRIMITIVES["Bool"]
        if name == "None":
            return None, Void
        if self.p.is_type_name(cur, name):
            cur.pos = saved
            return self.p.parse_type(cur), Void
        return self.p.python_class(name), Void

    # -- exits ---------------------------------------------------------------------------

    def _add_exit(self, link: Link) -> None:
        self.exits[self.block][1].append(link)

    def _plain_exit(self, cur: Cursor) -> None:
        cur.take(re.compile(r"goto(?!\w)"))
        self._add_exit(self._target(cur))
        cur.finish()

    def _switch(self, cur: Cursor) -> None:
        if cur.take(re.compile(r"None(?!\w)")):
            switch = None
        elif cur.take(re.compile(r"last_exception(?!\w)")):
            switch = LAST_EXCEPTION
        else:
            switch = self._value(cur)
        self.exits[self.block] = (switch, self.exits[self.block][1])
        cur.expect(":", "':'")
        if cur.at_end():
            self.in_cases = True
        else:
            self._add_exit(self._case(cur))
            while cur.take("|"):
                self._add_exit(self._case(cur))
        cur.finish()

    def _case(self, cur: Cursor) -> Link:
        if cur.take(re.compile(r"default(?!\w)")):
            case = "default"
        else:
            case, _ = self._literal(cur)
        cur.expect("->", "'->'")
        link = self._target(cur)
        link.exitcase = case
        return link

    def _target(self, cur: Cursor) -> Link:
        m = cur.expect(re.compile(r"(return|raise|block(\d+))(?=\()"),
                       "a target 'blockN(...)', 'return(...)' or 'raise(...)'")
        if m.group(1) == "return":
            target = self.graph.returnblock
        elif m.group(1) == "raise":
            target = self.graph.exceptblock
        else:
            target = self._get_block(int(m.group(2)))
        cur.expect("(", "'('")
        args = cur.comma_list(lambda: self._value(cur))
        self._resolve_refs(args)
        if target is self.graph.exceptblock and args and isinstance(args[0], Constant) \
                and args[0].concretetype is Void:
            args[0] = Constant(args[0].value, Class)     # (printed by its name)
        return Link(args, target)


def parse_graphs(text: str, graphs=None, types=None, classes=None) -> dict:
    """All graphs of the text, name -> FunctionGraph, in text order."""
    return Parser(text, graphs, types, classes).parse()


def parse_graph(text: str, graphs=None, types=None, classes=None) -> FunctionGraph:
    """The first graph of the text (the others are its callees).

    `graphs` resolves `@name` callees, `types` struct names, `classes` class
    names; see the module docstring for what happens to unknown names."""
    return next(iter(parse_graphs(text, graphs, types, classes).values()))

"""Signal polls on the back edges of *optimised* scalar functions.

A poll in a loop (see guards.py) is a call, so LLVM can neither fold nor
vectorise a loop that holds one: polling before optimisation would turn
`while c: r += a; c -= 1` from `a * c` into a loop again.  A function whose
graph has no gcref value at all owns no reference anywhere, so its failure
path is just `ret {undef, 1}` from any point (from its entry wrapper,
which may inline it: `ret 0`); when every graph of a module is such a
function, emit.py emits no back-edge polls and `insert_polls` adds
them to the optimised IR text instead, to all its functions, on the loops
LLVM kept (a vectorised loop polls once per vector iteration; the loops the
vectoriser and the unroller bound need none).  Polled edges are the back
edges of a depth-first search from the entry (every cycle has one).  Each
becomes

    poll.K:      counter -= 1; if counter < 1 -> poll.K.call else -> target
    poll.K.call: counter = POLL_INTERVAL; if PyErr_CheckSignals() -> poll.fail
                 else -> target

with the target's phis taking their value for the old edge on both new
edges.  The counter is an `alloca` of the function that `sroa` turns into
a register afterwards (`finish`).  Requires LLVM's own printed IR (one
instruction per line, labels at the line start); preserves everything else.
"""

from __future__ import annotations

import re

import llvmlite.binding as llvm


POLL_INTERVAL = 4096

_LABEL = re.compile(r'^("(?:[^"]*)"|[-\w$.]+):')
_TARGET = re.compile(r'label (%"[^"]*"|%[-\w$.]+)')
_DEFINE = re.compile(r'^define (.*?)@("[^"]*"|[-\w$.]+)\(')
_ATTRIBUTE_GROUP = re.compile(r" #\d+ \{$")


def insert_polls(text: str, symbols: set) -> str:
    """The module text with polls on the back edges of the functions `symbols`."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        m = _DEFINE.match(lines[i])
        if not (m and m.group(2).strip('"') in symbols and lines[i].endswith("{")):
            out.append(lines[i])
            i += 1
            continue
        end = lines.index("}", i)
        body = _function_body(lines[i + 1:end], _return_type(m.group(1)))
        head = lines[i] if body is None else _ATTRIBUTE_GROUP.sub(" {", lines[i])
        out += [head] + (lines[i + 1:end] if body is None else body) + ["}"]
        i = end + 1
    if "@PyErr_CheckSignals(" not in text and len(out) != len(lines):
        out.append("declare i32 @PyErr_CheckSignals()")
    return "\n".join(out)


def _return_type(prefix: str) -> str:
    """The return type in a define line's text before the name, which may
    hold linkage, a calling convention and return attributes (`range(...)`)."""
    prefix = prefix.strip()
    if prefix.endswith("}"):
        return prefix[prefix.rindex("{"):]
    return prefix.split()[-1]


def _blocks(body: list) -> list:
    """[(label token, lines)] of a function body; the entry's label may be None."""
    blocks, label, current = [], None, []
    for line in body:
        m = _LABEL.match(line)
        if m:
            if current or label is not None:
                blocks.append((label, current))
            label, current = "%" + m.group(1), [line]
        else:
            current.append(line)
    blocks.append((label, current))
    return blocks


def _function_body(body: list, ret_type: str) -> list | None:
    """The body with its back edges polled, or None if it has no loop."""
    blocks = _blocks(body)
    position = {label: k for k, (label, _) in enumerate(blocks)}
    cfg = _cfg(blocks, position)
    polled = _back_edges(cfg, blocks, position) - _bounded_loop_edges(cfg, blocks)
    new_blocks, renames = [], {}            # (source, target) -> poll block
    for k, (label, lines) in enumerate(blocks):
        for j, line in enumerate(lines):
            if not _is_terminator(lines, j):
                continue
            for target in set(_TARGET.findall(line)):
                if (label, target) in polled and not _REMAINDER.search(target.strip('"')):
                    poll = renames.get((label, target))
                    if poll is None:
                        poll = renames[(label, target)] = f"%poll.{len(renames)}"
                        new_blocks.append(_poll_block(poll, target))
                    lines[j] = line = re.sub(f"label {re.escape(target)}(?![-\\w$.])",
                                             f"label {poll}", line)
    if not renames:
        return None
    for (source, target), poll in renames.items():
        lines = blocks[position[target]][1]
        lines[:] = [_rewire_phi(line, source, poll) for line in lines]
    first = blocks[0][1]
    at = 1 if blocks[0][0] is not None else 0
    first[at:at] = ["  %poll.slot = alloca i32, align 4",
                    f"  store i32 {POLL_INTERVAL}, ptr %poll.slot, align 4"]
    fail = ["poll.fail:", f"  ret {ret_type} {_failure(ret_type)}"]
    return [line for _, lines in blocks for line in lines] + sum(new_blocks, []) + fail


# The remainder loop LLVM's runtime unrolling leaves behind a loop (blocks
# named `<header>.epil` or `.prol`) runs fewer iterations than the unroll
# factor: its back edge needs no poll (the unrolled loop has one).
_REMAINDER = re.compile(r"\.(epil|prol)(\.\d+)?$")


def _back_edges(cfg, blocks: list, position: dict) -> set:
    """The back edges of a depth-first search from the entry: the edges to a
    block on the search's stack.  Every cycle holds one; a loop has one per
    latch (an edge to an earlier block in the text may lie on no cycle, or
    be a loop's entry laid out after its body)."""
    first_label, first_lines = blocks[0]
    roots = ([first_label] if first_label is not None else
             [t for line in first_lines for t in _TARGET.findall(line) if t in position])
    back, state = set(), {}                     # label -> 1 on the stack, 2 done
    for root in roots + list(cfg.nodes):
        if root in state or root not in cfg:
            continue
        state[root] = 1
        stack = [(root, iter(cfg.successors(root)))]
        while stack:
            node, successors = stack[-1]
            for succ in successors:
                if succ not in state:
                    state[succ] = 1
                    stack.append((succ, iter(cfg.successors(succ))))
                    break
                if state[succ] == 1:
                    back.add((node, succ))
            else:
                state[node] = 2
                stack.pop()
    return back


def _cfg(blocks: list, position: dict):
    import networkx as nx          # here: its import is half of rgen.llvm's (issue 11)
    cfg = nx.DiGraph()
    for label, lines in blocks:
        for j, line in enumerate(lines):
            if label is not None and _is_terminator(lines, j):
                cfg.add_edges_from((label, t) for t in _TARGET.findall(line) if t in position)
    return cfg


# The loops LLVM's vectoriser leaves beside a vector loop run a bounded
# number of iterations: the scalar remainder (fewer than the vector width
# times the unroll factor), the epilogue's vector loop (the same bound), and
# the scalar loop taken when the trip count is below a small constant.  They
# are recognised by how control reaches them: every way in passes a branch on
# one of the vectoriser's own trip-count tests, on its bounded side.  Any
# other way in (a failed memory-overlap check, for one, which runs the whole
# loop scalar) keeps the poll.
_MIN_ITERS = re.compile(r"^  (%min\.iters\.check\d*) = icmp ul[te] i\d+ [^,]+, (\d+)$")
_CMP_N = re.compile(r"^  (%cmp\.n\d*) = icmp eq ")
_EPILOGUE_CHECK = re.compile(r"^  (%min\.epilog\.iters\.check\d*) = icmp ")
_COND_BRANCH = re.compile(r"^  br i1 (%[-\w$.]+), label (%[-\w$.\"]+), label (%[-\w$.\"]+)")


def _bounded_loop_edges(cfg, blocks: list) -> set:
    """The edges of loops that only vectoriser trip-count tests lead into."""
    lines_of = dict(blocks)
    bounded = set()
    import networkx as nx
    for members in nx.strongly_connected_components(cfg):
        loop = cfg.subgraph(members)
        if loop.number_of_edges() == 0:
            continue
        entries = [(u, v) for v in members for u in cfg.predecessors(v) if u not in members]
        if entries and all(_bounded_entry(cfg, lines_of, u, v, set()) for u, v in entries):
            bounded.update(loop.edges)
    return bounded


def _bounded_entry(cfg, lines_of: dict, u: str, v: str, seen: set) -> bool:
    """Whether control passing u -> v has passed a vectoriser trip-count test
    on its bounded side (walking back through unconditional branches)."""
    if u in seen:
        return False
    seen.add(u)
    lines = [line for line in lines_of[u] if line.strip()]
    branch = _COND_BRANCH.match(lines[-1])
    if branch is None:
        if not lines[-1].startswith("  br label "):
            return False
        preds = list(cfg.predecessors(u))
        return bool(preds) and all(_bounded_entry(cfg, lines_of, p, u, seen) for p in preds)
    cond, if_true, if_false = branch.groups()
    for line in lines:
        m = _MIN_ITERS.match(line)
        if m and m.group(1) == cond:
            return v == if_true and if_true != if_false and int(m.group(2)) <= POLL_INTERVAL
        m = _CMP_N.match(line)
        if m and m.group(1) == cond:
            return v == if_false and if_true != if_false
        m = _EPILOGUE_CHECK.match(line)
        if m and m.group(1) == cond:
            preds = list(cfg.predecessors(u))
            return bool(preds) and all(_bounded_entry(cfg, lines_of, p, u, seen) for p in preds)
    return False


def _is_terminator(lines: list, j: int) -> bool:
    text = lines[j].lstrip()
    return text.startswith("br ") or text.startswith("switch ") or (
        text.startswith("i") and ", label %" in text and j > 0)      # a switch case line


def _poll_block(poll: str, target: str) -> list:
    name = poll[1:]
    return [f"{name}:",
            f"  %{name}.n = load i32, ptr %poll.slot, align 4",
            f"  %{name}.m = add i32 %{name}.n, -1",
            f"  store i32 %{name}.m, ptr %poll.slot, align 4",
            f"  %{name}.due = icmp slt i32 %{name}.m, 1",
            f"  br i1 %{name}.due, label %{name}.call, label {target}",
            f"{name}.call:",
            f"  store i32 {POLL_INTERVAL}, ptr %poll.slot, align 4",
            f"  %{name}.r = call i32 @PyErr_CheckSignals()",
            f"  %{name}.f = icmp ne i32 %{name}.r, 0",
            f"  br i1 %{name}.f, label %poll.fail, label {target}"]


def _rewire_phi(line: str, source: str, poll: str) -> str:
    """A phi's entries for `source` -> one for `poll` and one for `poll.call`."""
    if " = phi " not in line:
        return line
    entries = re.findall(r"\[ ([^\[\]]*?), (%\"[^\"]*\"|%[-\w$.]+) \]", line)
    if not any(pred == source for _, pred in entries):
        return line
    value = next(v for v, pred in entries if pred == source)
    head = line[:line.index("[")]
    kept = [f"[ {v}, {p} ]" for v, p in entries if p != source]
    kept += [f"[ {value}, {poll} ]", f"[ {value}, {poll}.call ]"]
    return head + ", ".join(kept)


def _failure(ret_type: str) -> str:
    """The failure result: `{undef, 1}` of a graph function, 0 / null of an entry."""
    if ret_type.startswith("{"):
        return "{ " + ret_type.strip("{} ").rsplit(",", 1)[0].strip() + " undef, i1 true }"
    return "zeroinitializer"


def finish(mod, tm) -> None:
    """Promote the poll counters to registers (`sroa`; `tm` the target
    machine).  The caller makes PyErr_CheckSignals resolvable."""
    pm = llvm.create_new_module_pass_manager()
    pm.add_sroa_pass()
    pm.run(mod, llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options()))

"""`check_residual(g)`: the invariants of a finished residual graph.

`flowgraph.checkgraph` holds for every graph; a residual graph (the output
of the generating extension, finished by `rgen.pipeline`) also has:

- no compile-time operations left: no `hint` (hints are consumed by the
  timeshifter), and no operation that folding removes (pure, with a fold
  function, every argument a Constant, and the fold does not raise: such
  an operation is green work that reached run time);
- every tail transfer well formed (`promote(c_site, v_value, *live)` hands
  the rest of the function to a promotion site, `tail_call(c_graph, *args)`
  to another graph; see `flowgraph/operations.py`):
    * it is the last operation of its block,
    * the block has no exitswitch and one exit, to the return block,
      passing the transfer's result,
    * its first argument is a Constant (the site or the graph),
    * for `promote`: a promoted value follows the site, and when the site
      declares its live types (`site.live_types`), one live value of each
      type follows the promoted value.

Only `g` itself is checked, not its callees (they may be unfinished).  A
violation raises `flowgraph.errors.CheckError` whose message names the graph,
the block as the printer numbers it (`blockN` of `str(g)`), the operation,
and says "want X, have Y".
"""

from __future__ import annotations

from flowgraph.errors import CheckError
from flowgraph.model import Block, Constant, FunctionGraph
from flowgraph.operations import OPS
from flowgraph.printer import GraphPrinter


def check_residual(graph: FunctionGraph) -> None:
    """Raise CheckError on the first residual invariant `graph` breaks."""
    p = GraphPrinter(graph)              # blocks and values named as `str(graph)` names them
    for block in p.blocks:
        for i, op in enumerate(block.operations):
            where = f"graph {graph.name}: {p.block_label(block)}, op {i} {op.opname}"
            _check_run_time(p, op, where)
            if _is_transfer(op.opname):
                _check_transfer(p, block, i, where)


def _is_transfer(opname: str) -> bool:
    return OPS[opname].kind == "transfer"


def _check_run_time(p: GraphPrinter, op, where: str) -> None:
    if OPS[op.opname].kind == "hint":
        raise CheckError(f"{where}: want no hint operations in a residual graph, "
                         f"have {_show(p, op)}")
    if _foldable(op):
        raise CheckError(f"{where}: want operations on constants folded, have {_show(p, op)}")


def _foldable(op) -> bool:
    desc = OPS[op.opname]
    if not desc.pure or desc.fold is None:
        return False
    if not all(isinstance(a, Constant) for a in op.args):
        return False
    try:
        desc.fold(*[a.value for a in op.args])
    except Exception:
        return False            # it raises at run time, where the program expects it
    return True


def _check_transfer(p: GraphPrinter, block: Block, index: int, where: str) -> None:
    op = block.operations[index]
    if index != len(block.operations) - 1:
        raise CheckError(f"{where}: want the transfer last in its block, have "
                         f"{len(block.operations) - 1 - index} operation(s) after it")
    exits = [(link.target, link.args) for link in block.exits]
    if block.exitswitch is not None or exits != [(p.graph.returnblock, [op.result])]:
        have = (f"a switch on {p.value(block.exitswitch)}" if block.exitswitch is not None
                else " | ".join(p.target(link) for link in block.exits))
        raise CheckError(f"{where}: want the block to return the transfer's result "
                         f"{p.var(op.result)}, have {have}")
    if not op.args or not isinstance(op.args[0], Constant):
        have = p.value(op.args[0]) if op.args else "no arguments"
        raise CheckError(f"{where}: want a Constant site or graph first, have {have}")
    if OPS[op.opname].is_switch:
        _check_promote(op, where)


def _check_promote(op, where: str) -> None:
    if len(op.args) < 2:
        raise CheckError(f"{where}: want the promoted value after the site, have "
                         f"no value")
    live_types = getattr(op.args[0].value, "live_types", None)
    if live_types is None:
        return
    have = [a.concretetype for a in op.args[2:]]
    if have != list(live_types):
        raise CheckError(f"{where}: want {len(live_types)} live value(s) of types "
                         f"{_types(live_types)}, have {len(have)} of types {_types(have)}")


def _types(types) -> str:
    return "(" + ", ".join(str(t) for t in types) + ")"


def _show(p: GraphPrinter, op) -> str:
    return f"{op.opname}({p.values(op.args)})"

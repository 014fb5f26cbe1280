"""The colour checker, run after annotation in the tests.

Invariants of a `HintAnnotation`:
  * every variable of every graph copy has a colour;
  * no green operation has a red operand, and a green block argument never
    receives a red value (green values are computed from green values);
  * hints are respected: the argument of `concrete` is green, the result of
    `promote` is green, the result of `variable` is red;
  * every `direct_call` targets a graph of the annotation.
Messages say "want X, have Y" and name the graph, block and operation.
"""

from __future__ import annotations

from flowgraph.lltypes import Void
from flowgraph.model import Variable
from flowgraph.operations import OPS
from hintannotator.colours import GREEN, RED
from hintannotator.sources import hint_flags


class ColourCheckError(Exception):
    pass


def check_colours(ann) -> None:
    graphs = set(ann.graphs)
    for graph in ann.graphs:
        for index, block in enumerate(graph.iterblocks()):
            where = f"{graph.name} block{index}"
            for v in block.getvariables():
                if v not in ann.colors:
                    raise ColourCheckError(f"{where}: {v!r} has no colour")
            for op in block.operations:
                _check_op(ann, op, f"{where} {op.opname} (line {op.lineno})", graphs)
            for link in block.exits:
                for a, target in zip(link.args, link.target.inputargs):
                    if (isinstance(a, Variable) and ann.colors[target] == GREEN
                            and ann.colors[a] == RED):
                        raise ColourCheckError(f"{where}: link into green {target!r}: "
                                               f"want green, have red {a!r}")


def _check_op(ann, op, where, graphs) -> None:
    colours = ann.colors
    kind = OPS[op.opname].kind
    if kind == "call":
        func = op.args[0].value.func
        opaque = getattr(func, "_ts_pure_", False) or getattr(func, "_ts_dont_look_inside_", False)
        if op.args[0].value not in graphs and not opaque:
            raise ColourCheckError(f"{where}: calls {op.args[0].value!r}, not a graph "
                                   f"of the annotation")
        return
    if kind == "hint":
        flags = hint_flags(op)
        arg = op.args[0]
        if "concrete" in flags and isinstance(arg, Variable) and colours[arg] != GREEN:
            raise ColourCheckError(f"{where}: concrete argument: want green, "
                                   f"have {colours[arg]}")
        if "promote" in flags and colours[op.result] != GREEN:
            raise ColourCheckError(f"{where}: promote result: want green, "
                                   f"have {colours[op.result]}")
        if "variable" in flags and colours[op.result] != RED:
            raise ColourCheckError(f"{where}: variable result: want red, "
                                   f"have {colours[op.result]}")
        return
    if colours[op.result] != GREEN or op.result.concretetype is Void:
        return
    for a in op.args:
        if isinstance(a, Variable) and colours[a] == RED:
            raise ColourCheckError(f"{where}: green result with operand {a!r}: "
                                   f"want green, have red")

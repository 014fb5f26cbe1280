"""Explanations: why a variable is red (or green), as text.

Each red variable records, when it first turned red, a reason
`(text, line, parent)`: `parent` is the variable it inherited redness from,
or None where the redness starts (a red parameter, a literal at a join, a
memory read, a `variable` hint, a residual call).  Following parents gives
the chain; the start decides which hint is suggested.
"""

from __future__ import annotations

from hintannotator.colours import RED, public
from hintannotator.sources import describe


def explain_variable(copy, v, brief: bool = False) -> str:
    colour = public(copy.colours.get(v))
    if colour != RED:
        return _explain_green(copy, v, colour)
    chain = _red_chain(copy, v)
    if brief:
        text, line, start = chain[-1]
        return f"{describe(start)} at {copy.info.where(line or start)}: {text}"
    lines = [f"{describe(v)} ({copy.info.where(v)}) in {copy.graph.name} is red:"]
    for text, line, var in chain:
        lines.append(f"  {describe(var)} at {copy.info.where(line or var)}: {text}")
    lines.append("To make it green: " + _suggest(copy, v, chain[-1]))
    return "\n".join(lines)


def _red_chain(copy, v) -> list:
    chain, seen = [], set()
    while v is not None and v not in seen:
        seen.add(v)
        text, line, parent = copy.reasons.get(v, ("it is red", 0, None))
        chain.append((text, line, v))
        v = parent
    return chain


def _suggest(copy, v, start) -> str:
    text, line, var = start
    name = v.name or "x"
    if "red parameter" in text:
        p = var.name
        return (f"list {p!r} in green=[...] when it is known at compile time, or "
                f"use {p} = hint({p}, promote=True) to specialise on its run-time value.")
    if "literal" in text:
        return (f"hint({name}, concrete=True) makes {describe(v)} and everything it "
                f"depends on green (the literal and the values combined with it); the "
                f"compiler then unrolls over its values, so its values must be finite.")
    if "memory" in text:
        return (f"hint(container, deepfreeze=True) on a container that never changes, "
                f"or {name} = hint({name}, promote=True).")
    if "variable=True" in text:
        return "remove the hint(variable=True)."
    if "promoted one round a loop" in text:
        return (f"hint({name}, concrete=True) makes {describe(v)} green and the compiler "
                f"unrolls the loop over its values, so they must be finite; else keep it "
                f"red (the loop is compiled once, for every value).")
    return f"{name} = hint({name}, promote=True) specialises on its run-time value."


def _explain_green(copy, v, colour: str) -> str:
    where = copy.info.where(v)
    if v in copy.forcing.reasons:
        chain = copy.forcing.chain(v)
        origin, why, line = chain[-1]
        return (f"{describe(v)} ({where}) in {copy.graph.name} is green: a {why} at "
                f"{copy.info.where(line)} demands it, so it and everything it depends "
                f"on are computed at compile time.")
    if colour == "blue":
        return (f"{describe(v)} ({where}) in {copy.graph.name} is blue: a container "
                f"allocated in the analysed code, kept virtual until it escapes.")
    if v in copy.graph.getargs():
        return f"{describe(v)} ({where}) in {copy.graph.name} is green: a green parameter."
    return (f"{describe(v)} ({where}) in {copy.graph.name} is green: it is computed "
            f"from green values only.")

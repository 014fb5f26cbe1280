"""The fallback interpreter: finish a call from a promotion site, interpreted.

A promotion site saved the compile-time frames of the path that reached it.
To run the rest of the function for a value that has no compiled case, the
frames are turned back into interpreter frames of the coloured graph copies
(the same operations as the user's code):

  * green values are used as they are;
  * red boxes: constants give their value, variables the run-time value
    the residual code passed to the site (`live`, in `freeze` order);
  * virtual containers are materialised as real objects (instances of the
    user's class, Python lists), sharing preserved; forced ones are the
    real objects native or interpreted code created, used in place, so
    changes made here are seen by whoever holds them afterwards.

`flowgraph.interp.resume_frames` then runs the innermost frame from just
after the promotion, feeds its result to the callers, and so on.  At a
global merge point whose green key has compiled code, the interpreter stops
and the rest runs as compiled code (the merge-point callback
`Specializer.at_merge_point`).
"""

from __future__ import annotations

import functools

from flowgraph.interp import record_class, resume_frames
from flowgraph.lltypes import TupleType
from flowgraph.model import Constant
from timeshifter.boxes import PtrBox, RedBox, VirtualList, VirtualStruct


def run_fallback(site, value, live, native: bool = False):
    frame, leaves = site.resumed_state()
    env = {}
    variables = [leaf.gv for leaf in leaves if not isinstance(leaf.gv, Constant)]
    for gv, v in zip(variables, live):
        env[gv] = v
    env[site.gv_promoted] = value
    memo: dict = {}
    frames = []
    for f in reversed(frame.chain()):
        code = f.code
        inputs = code.inputs[(f.block, f.opindex)]
        mapping = {var: _runtime(v, env, memo) for var, v in zip(inputs, f.values)}
        frames.append((code.graph, code.blocks[f.block], f.opindex, mapping))
    innermost = frames[0]
    innermost[3][frame.code.inputs[(frame.block, frame.opindex)][0]] = value
    callback = functools.partial(site.specializer.at_merge_point, family=site.family,
                                 native=native)
    return resume_frames(frames, merge_point=callback, transfers=native)


def _runtime(v, env: dict, memo: dict):
    if isinstance(v, RedBox):
        return _gv_value(v.gv, env)
    if isinstance(v, PtrBox):
        if v.virtual is None:
            return _gv_value(v.gv, env)
        if id(v) in memo:
            return memo[id(v)]
        return _materialise(v, env, memo)
    return v


def _gv_value(gv, env: dict):
    if isinstance(gv, Constant):
        return gv.value
    return env[gv]


def _materialise(box: PtrBox, env: dict, memo: dict):
    virtual = box.virtual
    if isinstance(virtual, VirtualStruct):
        cls = record_class(virtual.lltype)
        obj = cls.__new__(cls)
        memo[id(box)] = obj
        for name, field in virtual.fields.items():
            setattr(obj, name, _runtime(field, env, memo))
        return obj
    assert isinstance(virtual, VirtualList)
    if isinstance(virtual.lltype, TupleType):       # immutable: never contains itself
        memo[id(box)] = value = tuple(_runtime(item, env, memo) for item in virtual.items)
        return value
    items: list = []
    memo[id(box)] = items
    items.extend(_runtime(item, env, memo) for item in virtual.items)
    return items

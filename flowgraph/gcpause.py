"""`collector_paused()`: the cyclic garbage collector is off while a front-end
pass runs.

Building and annotating allocate many small objects that all stay alive
(blocks, links, variables, operations, colour tables) and almost no garbage
cycles.  CPython's collector scans the young objects every few hundred
allocations and, as they survive, the older generations again and again:
on a 100,000-statement function that repeated scanning was most of the
time and made the front end superlinear (bench/bench_frontend.py).  Paused
for the pass, it runs at its next ordinary trigger afterwards, so cycles
made during the pass are still collected.  Nested pauses are harmless: only
the outermost one turns the collector back on, and only if it was on.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

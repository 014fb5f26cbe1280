"""Test-suite configuration shared by every package's tests.

Hypothesis: no per-example deadline (the suite runs under `pytest -n 2`, where
timings are noisy); the example database stays in `.hypothesis/`.  Set
HYPOTHESIS_PROFILE=thorough for a longer local run.

Pass checks: every pipeline run by `flowgraph.passes.PassRunner` (the
builder's simplifier, the residual pipeline) checks the graph after every
pass (`checkgraph`'s invariants, the residual checker), as if every compiler
had `check_passes=True`.  TIMESHIFT_CHECK_PASSES=0 turns this off.
"""

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("TIMESHIFT_CHECK_PASSES", "1")

settings.register_profile("default", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", deadline=None, max_examples=1000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

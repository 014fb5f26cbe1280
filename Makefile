# `make test` and `make demo` work from a clean clone: they create .venv if it is
# missing, install the package editable with its test extras (again only when
# setup.cfg or pyproject.toml changed), and make sure graphviz's `dot` exists (and, for
# `make test`, Chromium: the explorer page's browser test).

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.timeshift-installed

.PHONY: test demo bench golden fuzz install graphviz chromium clean

FUZZ_SECONDS ?= 180

test: install graphviz chromium
	$(PY) -m pytest -n 2 -q tests

# The benchmarks (bench/), each printing ratios measured side by side with
# PASS/FAIL against its targets; not part of `make test`.
BENCHES := bench_native bench_polls bench_call_overhead bench_hint bench_specialize bench_promotion bench_warmup bench_jit_memory bench_objects bench_merges bench_cache
# Every script runs; the ones that missed a target are named at the end.
bench: install
	@missed=""; for b in $(BENCHES); do echo "== bench/$$b.py"; \
		$(PY) bench/$$b.py || missed="$$missed $$b"; done; \
	if [ -n "$$missed" ]; then echo "targets missed in:$$missed"; exit 1; fi

# Differential fuzzing (tests/fuzz.py), not part of `make test`:
# `make fuzz FUZZ_SECONDS=1200`; reproducers of any failure go to fuzz_failures/.
fuzz: install
	$(PY) -m tests.fuzz --seconds $(FUZZ_SECONDS) --out fuzz_failures

# `timeshift demo` (timeshift/cli.py, timeshift/demo.py): the register
# machine becomes a compiler; writes demo_colors.svg here.
demo: install graphviz
	$(VENV)/bin/timeshift demo

# Rewrite tests/golden/*.txt from the current code; review `git diff tests/golden`.
golden: install
	$(PY) -m tests.golden.regenerate

install: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Headless Chromium renders the explorer page in tests/timeshifter/test_explore_browser.py
# (skipped without it); installing it may fail (no network): the tests still run.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update && apt-get install -y chromium) || \
		echo "note: chromium could not be installed; the explorer's browser test is skipped"; \
	else \
		echo "note: chromium is missing (the explorer's browser test is skipped); install the" \
		     "system package, e.g. 'sudo apt-get install chromium'"; \
	fi

graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && apt-get install -y graphviz; \
	else \
		echo "note: graphviz's 'dot' program is missing; install the system package," \
		     "e.g. 'sudo apt-get install graphviz' or 'brew install graphviz'"; \
	fi

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis $(STAMP)

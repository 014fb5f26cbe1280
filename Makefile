# `make test` and `make demo` work from a clean clone: they create .venv if it is
# missing, install the package editable with its test extras (again only when
# setup.cfg or pyproject.toml changed), and make sure graphviz's `dot` exists.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.timeshift-installed

.PHONY: test demo install graphviz clean

test: install graphviz
	$(PY) -m pytest -n 2 -q tests

# The real demo is `timeshift demo` (timeshifter/cli.py); until it exists,
# show the flow graph of an example.
demo: install graphviz
	@if [ -f timeshifter/cli.py ]; then $(VENV)/bin/timeshift demo; \
	else $(PY) -m examples.show; fi

install: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

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

# The two commands of the README, and the checks. Each target sets itself up.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test check lint types contracts bench setup clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@echo "Installing stopdash and its dependencies into $(VENV) (a minute or two, once)..."
	$(PY) -m pip install --quiet -e '.[dev]'
	@# The editable install leaves stopdash's own modules uncompiled; compile them once, as an installed package is.
	$(PY) -m compileall -q ingest stopdash dashboard
	touch $(STAMP)

setup: $(STAMP)

## Build the demo portfolio and open the dashboard on it (http://localhost:8501).
demo: $(STAMP)
	$(PY) -m stopdash demo

## Run the whole test suite; installs a Chromium for the browser tests first if there is none (.ci/browser).
test: $(STAMP)
	@PY=$(PY) .ci/browser
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check ingest stopdash dashboard tests bench
	$(VENV)/bin/ruff format --check ingest stopdash dashboard tests bench

types: $(STAMP)
	$(VENV)/bin/mypy

## The architecture contracts of pyproject.toml [tool.importlinter]: layers, and what the engine never imports.
contracts: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

check: lint types test

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) data/demo .pytest_cache

# Two commands on a fresh machine: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck suite unit sources e2e browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,demo]'
	touch $(STAMP)

## The main job on the built-in demo account (a local AWS emulator, no credentials needed).
demo: $(STAMP)
	$(BIN)/sagewarden demo

## The whole suite: lint, types, tests.
test: lint typecheck suite

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

suite: $(STAMP)
	$(BIN)/pytest -q -n 2

## One layer of the suite: unit (seconds), sources (real files), e2e (the emulator), browser.
unit sources e2e browser: $(STAMP)
	$(BIN)/pytest -q -n 2 tests/$@

## Benchmarks print figures against their targets (see docs/performance.md).
bench: $(STAMP)
	$(BIN)/python bench/config_snapshot.py
	$(BIN)/python bench/live_scan.py
	$(BIN)/python bench/templates.py
	$(BIN)/python bench/findings.py
	$(BIN)/python bench/fix_plan.py
	$(BIN)/python bench/fix_apply.py

clean:
	rm -rf $(VENV) bench/out .pytest_cache .mypy_cache .ruff_cache

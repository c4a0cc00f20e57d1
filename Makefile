# Two commands on a fresh machine: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# `make demo` installs only what the demo needs (the `demo` extra); the suite's install
# (dev tools too) satisfies it as well.
DEMO_STAMP := $(VENV)/.demo-stamp

.PHONY: demo test lint typecheck suite unit sources e2e browser bench dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,demo]'
	touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml
	@echo "==> creating $(VENV) (python: $(PYTHON))"
	$(PYTHON) -m venv $(VENV)
	@echo "==> installing sagewarden and the demo's emulator into $(VENV) (no dev tools)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[demo]'
	touch $(DEMO_STAMP)

## The main job on the built-in demo account (a local AWS emulator, no credentials needed).
demo: $(DEMO_STAMP)
	@echo "==> sagewarden is installed: run $(BIN)/sagewarden (or '. $(BIN)/activate' first, or 'pipx install .')"
	@echo "==> scanning the demo account"
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

## The wheel and the sdist in dist/, checked as PyPI checks them (then: twine upload dist/*).
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) bench/out .pytest_cache .mypy_cache .ruff_cache build dist

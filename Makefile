# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
APP_STAMP := $(VENV)/.installed-app

.PHONY: demo test app format bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,app]"
	touch $@ $(STAMP) $(APP_STAMP)

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[app]"
	touch $@ $(STAMP)

demo: $(STAMP)  ## run the default scenario and print where its results are
	$(BIN)/escalation-sim hydra.run.dir=outputs/demo

test: $(DEV_STAMP)  ## the whole test suite, ruff lint and format checks included
	@bash .ci/ensure_chromium.sh || echo "chromium unavailable: the browser tests will be skipped"
	$(BIN)/python -m pytest

app: $(APP_STAMP)  ## the classroom web app on http://localhost:8765
	$(BIN)/escalation-sim-app --port 8765

format: $(DEV_STAMP)
	$(BIN)/ruff format sim hydra_plugins tests experiments benchmarks
	$(BIN)/ruff check --fix sim hydra_plugins tests experiments benchmarks

docs: $(STAMP)  ## regenerate docs/parameters.md from the schema, docs/outputs.md from the columns
	$(BIN)/python -m sim.config.paramdoc docs/parameters.md
	$(BIN)/python -m sim.analysis.outputdoc docs/outputs.md

bench: $(DEV_STAMP)  ## timing figures (not a test), the flagship sweep included
	$(BIN)/python benchmarks/run_benchmark.py --flagship

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache

# The two set-up commands: `make run` and `make test` (each works alone on a fresh clone).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: install dev run test bench lint clean sample

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

dev: $(DEVSTAMP)

run: $(STAMP)
	$(BIN)/csi fit data/sample_survey.xlsx --model ecsi --out out

test: $(DEVSTAMP)
	$(BIN)/python -m pytest -n 2 tests

bench: $(DEVSTAMP)
	$(BIN)/python -m bench

lint: $(DEVSTAMP)
	$(BIN)/ruff check csi tests bench data
	$(BIN)/mypy csi

sample: $(STAMP)
	$(BIN)/python data/make_sample.py

clean:
	rm -rf $(VENV) out build *.egg-info

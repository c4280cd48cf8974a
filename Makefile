# The two set-up commands: `make run` and `make test` (each works alone on a fresh clone).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: install dev run test bench lint clean sample charts

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
	# an editable install leaves csi uncompiled (a wheel install compiles it): whole-process times are an installed csi's
	$(BIN)/python -m compileall -q csi
	$(BIN)/python -m bench

# ruff, mypy and the import-layers contract of ARCHITECTURE.md ([tool.importlinter] in pyproject.toml)
lint: $(DEVSTAMP)
	$(BIN)/ruff check csi tests bench data
	$(BIN)/mypy csi
	$(BIN)/lint-imports

# The README's charts (docs/img/*.png): ECSI on the bundled sample, drawn by csi report
charts: $(STAMP)
	$(BIN)/csi fit data/sample_survey.xlsx --model ecsi --boot 1000 --group region --out build/charts-sample > /dev/null
	$(BIN)/csi report build/charts-sample --out docs/img --format png --charts path-diagram,ipma,tiers-nps --dpi 72

sample: $(STAMP)
	$(BIN)/python data/make_sample.py

clean:
	rm -rf $(VENV) out build *.egg-info

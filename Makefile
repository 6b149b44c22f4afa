# Two commands do everything on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export S1MM_HOME ?= $(CURDIR)/.s1mm
export DAGSTER_HOME ?= $(S1MM_HOME)/dagster
# Nothing at run time may fetch models or data.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

INSTALLED := $(VENV)/.installed
# The scoring models' stack (torch, open_clip, transformers: several GB) only for the tests; the demo scores
# without models and reports CLIP and perplexity as not measured.
INSTALLED_ML := $(VENV)/.installed-ml

.PHONY: install test demo serve lint clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(INSTALLED_ML): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e ".[dev,ml]"
	touch $@

test: $(INSTALLED_ML)
	mkdir -p "$(DAGSTER_HOME)"
	$(BIN)/python -m pytest -n auto --dist loadfile

demo: install
	$(BIN)/s1mm demo
	$(MAKE) --no-print-directory serve

serve: install
	mkdir -p "$(DAGSTER_HOME)"
	test -f "$(DAGSTER_HOME)/dagster.yaml" || cp deployment/local/dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"
	@echo "Dagster UI on http://127.0.0.1:3000 (Ctrl-C stops it)"
	env --default-signal=INT $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

lint: install
	$(BIN)/ruff check s1mm_assets s1mm_assets_tests

clean:
	rm -rf "$(S1MM_HOME)"

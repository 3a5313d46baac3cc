# PaN Commons: one command per task (make demo, make test, make lint, make bench).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install chromium demo test fuzz load lint format bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "PaN Commons needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || \
	  { echo "python3-venv is missing: installing it with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
	    $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

## Headless Chromium for tests/browser: Debian's package, driven by Playwright (no browser
## download). PANCOMMONS_SKIP_BROWSER=1 skips it (and the browser tests) deliberately.
chromium:
	@[ "$$PANCOMMONS_SKIP_BROWSER" = 1 ] || command -v chromium >/dev/null 2>&1 || \
	  command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "chromium is missing: installing it with apt-get (for tests/browser)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## Build the demo store from the bundled sample catalogues and serve it on 127.0.0.1:8000
demo: install
	$(BIN)/pancommons demo

## Lint, format check and the whole test suite
test: install chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/python -m pytest

## The large fuzz budget (>= 10^5 generated inputs; make test runs the small one)
fuzz: install
	PANCOMMONS_FUZZ=large $(BIN)/python -m pytest tests/fuzz -q -p no:cacheprovider

## 50 clients for 60 s over the whole API while a harvest loops (docs/reliability.md)
load: install
	$(BIN)/python bench/load_test.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## Load benchmark: pyoxigraph bulk load vs rdflib on synthetic PaN datasets
bench: install
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python bench/load.py 10000
	$(BIN)/python bench/load.py 100000
	$(BIN)/python bench/sparql.py --quick

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache

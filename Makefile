# Watchword: `make run` starts it on the embedded default; `make test` runs every test.
# The first step of each creates .venv/ and installs the project into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Browser tests drive Debian's chromium; Playwright must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-fast test-slow fuzz lint typecheck bench services clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

## Start Watchword on SQLite and ./var/ with demo reports, at http://127.0.0.1:8000
run: install
	$(BIN)/watchword serve --demo

## Everything CI runs: lint, types, and the whole suite including browser, mail and load tests
test: install services lint typecheck
	$(BIN)/pytest

## The quick suite (no browser, load or long mail tests)
test-fast: install
	$(BIN)/pytest -m "not slow"

test-slow: install services
	$(BIN)/pytest -m slow

## Property-based fuzzing of MIME construction and the HTML path, long profile (the suite runs a bounded one)
fuzz: install
	WATCHWORD_FUZZ=long $(BIN)/pytest tests/test_fuzz_pipeline.py -p no:cacheprovider --timeout 7200

## Real servers the tests talk to: Chromium for browser tests, Dovecot for IMAP (Debian packages)
services:
	@for script in scripts/ci_browser.sh scripts/ci_services.sh; do \
		if [ -x "$$script" ] || [ -f "$$script" ]; then bash "$$script"; fi; \
	done

lint: install
	$(BIN)/ruff check src tests bench

typecheck: install
	$(BIN)/mypy

## Benchmarks read ../shared/data and print their figures (see docs/benchmarks.md)
bench: install
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/evaluate.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

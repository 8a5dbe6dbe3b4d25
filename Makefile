# Watchword: `make run` starts it on the embedded default; `make test` runs every test.
# The first step of each creates .venv/ and installs the project into it.

# The venv's Python: 3.12 or 3.13 when the machine has one (on PATH, or installed by pyenv), else python3.
# Coverage measures 3.12+ through sys.monitoring (COVERAGE_CORE=sysmon below), which reports each
# line once and then switches it off; on 3.11 only the C tracer exists, called on every line and
# call of every Python file, ours or not (docs/benchmarks.md, "The test suite": the analysis tests
# cost 116 s of CPU traced on 3.11, 73 s on 3.12). requires-python stays 3.11: mypy and ruff check
# the code as 3.11 code (pyproject.toml), and PYTHON=python3.11 builds a 3.11 venv.
PYTHON ?= $(shell for v in 3.12 3.13; do \
	for p in python$$v "$$(PYENV_VERSION=$$v pyenv which python$$v 2>/dev/null)"; do \
		[ -n "$$p" ] && "$$p" -c "" 2>/dev/null && { echo "$$p"; exit 0; }; \
	done; done; echo python3)
VENV := .venv
BIN := $(VENV)/bin
# Browser tests drive Debian's chromium; Playwright must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
STAMP := $(VENV)/.installed-stamp
# Every extra make installs; requirements.lock pins them all (make lock regenerates it).
EXTRAS := dev,bench
comma := ,
# Tests run on every core; tests marked `serial` (they time something that a neighbour on the other core
# would skew: a flood's rate, a page's wall time) run after, alone. Only those modules are imported for
# the serial pass (tests/conftest.py), and a test that times nothing is never marked serial.
# One worker per core: three on these two cores cost 12 % more CPU for the same pass and starved tests
# with time limits (docs/benchmarks.md, "Test run, twelfth round"; measured on a loaded machine only).
WORKERS ?= auto
PYTEST_PARALLEL := -n $(WORKERS) --dist loadgroup
# Each pass's temporary directories (tmp_path) in the checkout, git-ignored, emptied by the next run of the
# same pass. By default pytest makes them under /tmp/pytest-of-$USER, which every pytest run of that user
# on the machine shares, and each run on its way out deletes all but the newest three there, whoever made
# them: one of `make test`'s passes spent about 2 minutes after its last test deleting another run's
# 80,000 files (docs/benchmarks.md, "Test run, tenth round"). A fresh clone now deletes nothing.
PYTEST_TMP := .pytest-tmp
# The passes that time nothing (the parallel pass, test-fast, test-slow's parallel half) keep theirs on a
# memory filesystem (/dev/shm) when the machine has one, under a name of this checkout's own. Every test
# store's fsyncs (SQLite's WAL at each commit, blobs and their directories, the 256 blob directories made
# when a store opens) return there at once instead of waiting ~4 ms each on the disk: the tests assert the
# same (the fsyncs are made; what a test checks of them it records itself), and the store, web, services and
# campaign tests took 18-55 % less wall, alternated against the disk on a loaded machine (docs/benchmarks.md,
# "testspeed7"). The serial pass stays on the disk: what it times (the flood's server, the 30k-URL store)
# includes the disk, as in production.
# Each is removed after its pass has passed (in the background: it holds memory, ~0.5 GB for the parallel
# pass), kept after a failure for a look, and emptied by the next run of the same pass, as on the disk.
# Only with 2 GiB free there: a container's 64 MiB /dev/shm would fill and fail tests that pass on the disk.
MEMORY_TMP_ROOT := $(shell [ "$$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && [ -w /dev/shm ] \
	&& [ "$$(df -Pk /dev/shm | awk 'NR==2 {print $$4}')" -gt 2097152 ] \
	&& echo /dev/shm/watchword-pytest-$$(id -u)-$$(printf %s "$(CURDIR)" | sha256sum | cut -c1-12))
PYTEST_FAST_TMP := $(or $(MEMORY_TMP_ROOT),$(PYTEST_TMP))
# Removes a pass's temporary directories after it has passed, without waiting: renamed first, so that a
# run started at once makes its own afresh instead of racing the removal of this one.
forget_tmp = gone=$(1).gone-$$$$; mv $(1) $$gone 2>/dev/null && (rm -rf $$gone >/dev/null 2>&1 &) || true
# The test targets write Python's bytecode caches even where the environment says not to
# (PYTHONDONTWRITEBYTECODE=1, set in some shells and sandboxes): pytest keeps each test module's rewritten
# asserts there, and without them every pytest process rewrites all of them and the plugins' own packages
# again (collection: 13.7 s of CPU uncached, 6.7-6.9 s cached; docs/benchmarks.md, "testspeed7"). A fresh
# clone's two parallel workers still rewrite everything side by side; the serial pass, the `watchword`
# processes tests start and every later run in the checkout (`make test-fast` after `make test`) read it.
test test-fast test-slow fuzz: export PYTHONDONTWRITEBYTECODE :=
# Coverage of the parallel pass (statements of `watchword` run in the test processes) may not drop
# below this: 90 % measured on 2026-12-06 (10,770 statements, 1,068 not run).
COVERAGE_FLOOR := 89
# Coverage measures the venv's Python 3.12+ through sys.monitoring, 3.11 with its C tracer. Expanded when
# `test` runs, after its install: the venv's own Python says.
TEST_COVERAGE_CORE = $(shell $(BIN)/python -c 'import sys; print("sysmon" if sys.version_info >= (3, 12) else "ctrace")')
# The serial tests marked `cpu_timed` time only their own process's CPU (per-input budgets of the fuzzing,
# the HTML and rendering budgets, the reading's rate), which a neighbour on the other core does not add
# to; what made them serial was the coverage tracer of the parallel pass, and under sys.monitoring it no
# longer slows them (they took 29.4 s of CPU covered, 28.2 s not: docs/benchmarks.md, "testspeed9").
# On 3.12+ they run in the parallel pass, so the serial pass, one process on one core, keeps only
# what times the wall clock. On 3.11 the C tracer slows them two- to fourfold: they stay serial.
PARALLEL_MARKS = $(if $(filter sysmon,$(TEST_COVERAGE_CORE)),not serial or cpu_timed,not serial)
SERIAL_MARKS = $(if $(filter sysmon,$(TEST_COVERAGE_CORE)),serial and not cpu_timed,serial)
# Under CI (.ci/run sets CI=true) PostgreSQL must answer: its tests fail instead of skipping.
ifeq ($(CI),true)
export WATCHWORD_REQUIRE_PG := 1
endif

.PHONY: screenshots install install-and-services lock run test test-fast test-slow fuzz lint typecheck bench services clean

# The pinned versions first, then the project itself without resolving anything again. uv, itself
# pinned in requirements.lock, installs them: from PyPI like pip, in parallel and from its own cache
# (pip took about 3 minutes into a new venv here, uv under 30 s cold, seconds warm). Bytecode is
# compiled at install, as pip does: compiled on first import instead, a dependency's invalid escape
# sequence is a warning, which the suite's warnings-as-errors turns into a failed import.
# The project is installed editable, so uv compiles none of its own modules; the last step of the
# install does (compileall): without it every `watchword` process would compile its ~40 modules again
# wherever PYTHONDONTWRITEBYTECODE is set (about 0.56 G instructions a start; docs/benchmarks.md,
# "pipe9"). Python checks each cache against its source, so a later edit is compiled afresh.
UV := VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$$(grep -m1 '^uv==' requirements.lock)"
	$(UV) -r requirements.lock
	$(UV) --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 src
	touch $(STAMP)

install: $(STAMP)

## Re-pin every dependency (runtime and the $(EXTRAS) extras) from pyproject.toml into requirements.lock
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "pip-tools>=7.4"
	$(BIN)/pip-compile --quiet --upgrade --strip-extras --no-emit-index-url --no-emit-find-links --allow-unsafe \
		$(foreach extra,$(subst $(comma), ,$(EXTRAS)),--extra $(extra)) \
		--output-file requirements.lock pyproject.toml

## Start Watchword on SQLite and ./var/ with demo reports, at http://127.0.0.1:8000, and its mail
## intake on 127.0.0.1:2525 taking mail for $(DEMO_ADDRESS): point any mail client's outgoing
## server there (no TLS, no password) and forward a message to that address.
## (`watchword migrate` is the one step that creates or upgrades the schema)
DEMO_ADDRESS ?= report@watchword.localhost
run: install
	$(BIN)/watchword migrate
	WATCHWORD_SMTP_IN_SERVE=$${WATCHWORD_SMTP_IN_SERVE:-1} \
	WATCHWORD_SMTP_ADDRESSES=$${WATCHWORD_SMTP_ADDRESSES:-$(DEMO_ADDRESS)} \
		$(BIN)/watchword serve --demo

## Everything CI runs: lint, types, and the whole suite including browser, mail and load tests
# Fast and slow tests in one parallel run (one start-up and one collection per worker, and the slow
# ones first: tests/conftest.py orders them), with coverage and its floor; then the serial tests
# alone, as they run in production: no coverage tracer (on 3.11 the C tracer slowed the code they time by
# half again, the fuzz budgets' 22 s to 5 s; on 3.12+ the `cpu_timed` ones run in the parallel pass, see
# PARALLEL_MARKS). The parallel pass alone covered 92.1 % on 2026-12-06 (both passes: 92.2 %).
# Where the time goes, per step, and what was cut: docs/benchmarks.md ("The test suite").
# The type check runs beside the parallel pass rather than before it: the pass leaves part of a core
# idle (tests waiting on servers, browsers and fsyncs), and mypy in a fresh clone is ~12 s of one
# core. It runs at the lowest CPU priority (`nice -n 19`): it takes what the two test workers leave
# idle instead of a share of the cores they are using; if it is not done when the pass ends, it has
# the machine to itself then. Its output is printed after the pass; either failing fails `make test`.
test: install-and-services
	@$(MAKE) --no-print-directory lint
	@mkdir -p $(PYTEST_TMP) $(PYTEST_FAST_TMP)
	nice -n 19 $(BIN)/mypy > $(VENV)/typecheck.log 2>&1 & typecheck=$$!; \
	COVERAGE_CORE=$(TEST_COVERAGE_CORE) \
		$(BIN)/pytest $(PYTEST_PARALLEL) --basetemp=$(PYTEST_FAST_TMP)/parallel -m "$(PARALLEL_MARKS)" \
			--cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR); \
	tests=$$?; wait $$typecheck; types=$$?; \
	echo "$(BIN)/mypy (beside the parallel pass):"; cat $(VENV)/typecheck.log; \
	test $$tests -eq 0 && test $$types -eq 0
	$(BIN)/pytest --basetemp=$(PYTEST_TMP)/serial -m "$(SERIAL_MARKS)"
	@$(call forget_tmp,$(PYTEST_FAST_TMP)/parallel)

# The venv (uv, mostly compiling bytecode on both cores) and the services (npm, mostly waiting on the
# registry) at once, in a sub-make with two jobs; lint runs after both (`make -j test` could otherwise
# start a second install beside the first).
install-and-services:
	@$(MAKE) --no-print-directory --jobs=2 --output-sync=target install services

## The quick suite (no browser, load or long mail tests)
test-fast: install
	@mkdir -p $(PYTEST_FAST_TMP)
	$(BIN)/pytest $(PYTEST_PARALLEL) --basetemp=$(PYTEST_FAST_TMP)/fast -m "not slow and not serial"
	@$(call forget_tmp,$(PYTEST_FAST_TMP)/fast)

test-slow: install services
	@mkdir -p $(PYTEST_TMP) $(PYTEST_FAST_TMP)
	$(BIN)/pytest $(PYTEST_PARALLEL) --basetemp=$(PYTEST_FAST_TMP)/slow -m "slow and not serial"
	$(BIN)/pytest --basetemp=$(PYTEST_TMP)/slow-serial -m "slow and serial"
	@$(call forget_tmp,$(PYTEST_FAST_TMP)/slow)

## Property-based fuzzing of MIME construction and the HTML path, long profile (the suite runs a bounded one)
fuzz: install
	WATCHWORD_FUZZ=long $(BIN)/pytest tests/analysis/test_fuzz_pipeline.py -p no:cacheprovider --timeout 7200

## Real servers the tests talk to: Chromium for browser tests, Dovecot for IMAP (Debian packages);
## axe-core for the accessibility tests, from npm into node_modules/ (package.json, never vendored)
services:
	@for script in scripts/ci_browser.sh scripts/ci_services.sh; do \
		if [ -x "$$script" ] || [ -f "$$script" ]; then bash "$$script"; fi; \
	done
	npm install --no-audit --no-fund --silent

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

## docs/screenshots/ in one command (tests write none): every reporter page in every shipped language
## at phone size, every console page at desktop and phone size, on the demo data
screenshots: install services
	$(BIN)/python scripts/screenshots.py

## Benchmarks read ../shared/data and print their figures (see docs/benchmarks.md)
bench: install
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/evaluate.py

clean:
	rm -rf $(VENV) var .pytest_cache $(PYTEST_TMP) $(MEMORY_TMP_ROOT) .mypy_cache .ruff_cache .coverage

# casework — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-db test-e2e lint install bench soak clean i18n system-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: system packages, install, migrate, load demo data into an empty database, serve on
## :8000 (SQLite). Missing system packages are installed when run as root; otherwise it stops with
## the exact command. MISSING_PACKAGES=warn serves anyway, without diagrams or PDFs.
MISSING_PACKAGES ?= stop
run: system-packages install
	$(BIN)/casework db upgrade
	$(BIN)/casework demo load --if-empty
	$(BIN)/casework serve --host 127.0.0.1 --port 8000

## make test: system packages (with Chromium), lint, the whole suite on SQLite and PostgreSQL, then
## the browser tests.
test: SYSTEM_PACKAGES_FLAGS := --with-browser
test: system-packages install lint test-db test-e2e

## Graphviz, Pango, fonts (and for `make test`, Chromium; for `make bench`, wrk):
## deploy/system-packages.sh.
system-packages:
	deploy/system-packages.sh $(SYSTEM_PACKAGES_FLAGS) $(if $(filter warn,$(MISSING_PACKAGES)),--warn-only)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Two processes by default (the CI machine has two cores); TEST_WORKERS=0 runs in one. Work
# stealing: each worker starts with half of the list, and an idle one takes tests from the other.
TEST_WORKERS ?= 2
test-db: install
	$(BIN)/pytest -m "not e2e" --ignore=tests/e2e -q -n $(TEST_WORKERS) --dist worksteal

# Browser tests run in their own pytest process (Playwright's loop breaks later asyncio tests),
# in two processes too: each starts its own servers (SQLite, PostgreSQL) and its own Chromium.
test-e2e: install
	$(BIN)/pytest tests/e2e -q -n $(TEST_WORKERS) --dist worksteal

## make i18n: extract the interface strings (templates + N_() in templating.py) into
## locales/messages.pot and merge them into locales/en/LC_MESSAGES/messages.po (docs/i18n.md).
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ --project casework --sort-by-file \
		--msgid-bugs-address "" --copyright-holder "" -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages -l en --ignore-obsolete \
		--width 100

## make soak: the load test for a minute per database (50 clients on PostgreSQL, 8 on SQLite).
soak: install
	CASEWORK_LOAD_SECONDS=60 $(BIN)/pytest tests/faults/test_load.py -q

## make bench: every benchmark with its baseline (bench/run_all.py: the legal clock, actions and
## pages over HTTP with wrk on PostgreSQL and SQLite, the national pages — readiness map, progress,
## review queue — over HTTP at 3,321 communes, the reports at 1,000,000 dossiers; the first run
## creates that database and generates the data, ~10 min), then writes docs/performance.md.
## Needs wrk (deploy/system-packages.sh --with-bench installs it) and a PostgreSQL server
## (CASEWORK_BENCH_PG, CASEWORK_BENCH_URL).
bench bench-quick: SYSTEM_PACKAGES_FLAGS := --with-bench
bench: system-packages install
	$(BIN)/python bench/run_all.py

## make bench-quick: the same, shorter and smaller, without the 1M reports; for development.
## Results in bench/out/ (performance.md there too); docs/performance.md is left alone.
.PHONY: bench-quick
bench-quick: system-packages install
	$(BIN)/python bench/run_all.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts

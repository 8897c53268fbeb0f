# Verdict: `make run` sets everything up and runs the service; `make test` runs the tests.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install services browser run migrate test lint format bench chaos screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# Find Postgres and Redis, or start them from the local server binaries.
services: install
	$(PY) deploy/devstack.py ensure

migrate: services
	$(VENV)/bin/verdict migrate

# The gateway (port $${VERDICT_PORT:-8000}) and the three workers, logs prefixed; Ctrl-C stops all.
# With no VERDICT_ENCRYPTION_KEY(_FILE) set, the development key devstack wrote is used.
DEV_KEY := $(CURDIR)/.devstack/encryption.key
run: services
	VERDICT_ENCRYPTION_KEY_FILE="$${VERDICT_ENCRYPTION_KEY_FILE:-$(DEV_KEY)}" $(VENV)/bin/verdict dev

# Debian's chromium for the browser tests and the screenshots (installed when missing).
browser:
	@bash deploy/browser.sh

# pytest exits 5 when it collected no test: that fails here, as any non-zero exit does.
test: services browser
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks print figures and ratios; they are not tests and make no timed assertions.
bench: services
	$(PY) tests/bench/run_all.py

# Faults (kill -9, SIGTERM, FLUSHALL, Redis and Postgres outages, hostile inputs) against a
# private stack on other ports (never the shared servers); prints one table. Not part of `test`.
# CHAOS_ARGS="--only redis" runs the scenarios whose name contains "redis".
chaos: install
	$(PY) -m tests.chaos.run $(CHAOS_ARGS)

# PNGs of every web page, on seeded data, into docs/screenshots/ (the README shows two).
screenshots: services browser
	$(PY) tests/browser/screenshots.py docs/screenshots

clean:
	$(PY) deploy/devstack.py stop || true
	rm -rf $(VENV) .devstack .mypy_cache .ruff_cache .pytest_cache

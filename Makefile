# The newcomer's commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv installs the locked dependencies in seconds; install it with pip when it is missing.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
PYTHON := .venv/bin/python
MANAGE := $(PYTHON) manage.py
PORT ?= 8000

.PHONY: help demo serve install install-dev migrate lint format check-migrations \
	test test-sqlite test-postgres bench-pdf bench-newsletter clean test-faults report

help:
	@echo "make demo    set up everything, load demo content, serve site + worker + scheduler on :$(PORT)"
	@echo "make test    lint, migration check and the whole suite (SQLite and PostgreSQL)"
	@echo "make lint    ruff check and format check"
	@echo "make test-faults  kill workers, restart PostgreSQL, fill the disk, load spike (~6 min)"
	@echo "make report  the figures of the last test runs as a table"

.PHONY: uv
uv:
	@command -v uv >/dev/null 2>&1 || $(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv
	$(UV) sync --locked --no-dev

install-dev: uv
	$(UV) sync --locked --group dev
	@# axe-core for the accessibility tests in tests/browser (skipped without npm).
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund; fi

demo: export DEBUG ?= on
demo: install
	@mkdir -p var
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo
	bin/serve $(PORT)

lint: install-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: install-dev
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

check-migrations: install-dev
	DEBUG=on $(MANAGE) makemigrations --check --dry-run

test-sqlite: install-dev
	$(PYTHON) -m pytest

# PostgreSQL runs when its binaries are here; with CI=true it is required.
test-postgres: install-dev
	@status=0; bin/with-postgres $(PYTHON) -m pytest || status=$$?; \
	if [ $$status = 3 ]; then \
		if [ "$${CI:-}" = true ]; then echo "PostgreSQL is required in CI" >&2; exit 1; fi; \
		echo "PostgreSQL binaries not found: skipped the PostgreSQL run"; \
	elif [ $$status != 0 ]; then exit $$status; fi

test: lint check-migrations test-sqlite test-postgres

# The slow fault and load tests (tests/faults, marked `faults`): real workers, granian,
# SMTP and PostgreSQL processes killed and restarted. PostgreSQL is required here.
test-faults: install-dev
	@status=0; bin/with-postgres $(PYTHON) -m pytest -m faults || status=$$?; \
	if [ $$status = 3 ]; then echo "make test-faults needs PostgreSQL's binaries" >&2; exit 1; fi; \
	exit $$status

# The figures of the last test runs (test-artifacts/figures.json) as a table.
report:
	@bin/report

# 24 articles with a photo each, in a throwaway database: pages, render and cached-serve times.
bench-pdf: install-dev
	SECRET_KEY=$${SECRET_KEY:-bench-only} $(MANAGE) bench_pdf

# One edition to 20,000 and then 100,000 subscribers through the real worker into a local
# SMTP sink: messages per second and the worker's peak memory. BENCH_DATABASE_URL=postgres://…
# runs it on PostgreSQL.
bench-newsletter: install-dev
	$(PYTHON) -m newsletter.loadtest --subscribers 20000 100000

# Every public page type under load (wrk, 16 connections) at 200,000 articles on PostgreSQL
# with DEBUG off: Django with its page cache off and warm, through nginx's front cache, and
# the same article as a static file served by nginx (the limit). Prints the table and
# writes it to var/bench.md. About five minutes.
bench: install-dev bench-tools
	bin/with-postgres $(PYTHON) bench/bench.py

.PHONY: bench-tools bench test-cluster cluster
bench-tools:
	@command -v wrk >/dev/null && command -v redis-server >/dev/null && \
		{ command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || \
		apt-get install -y -q wrk nginx-light redis-server

# The production shape on one machine: PostgreSQL, Redis, two app servers, two task
# workers and nginx (deploy/local-cluster.sh), and the test that runs against it.
test-cluster: install-dev bench-tools
	deploy/local-cluster.sh $(PYTHON) -m pytest tests/deploy -q -p no:cacheprovider

cluster: install-dev bench-tools
	deploy/local-cluster.sh

clean:
	rm -rf .venv var/static .pytest_cache .ruff_cache

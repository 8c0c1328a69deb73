# The README's two commands: `make run` (the demo portal) and `make test` (the whole suite on
# PostgreSQL and Redis). Everything they need is installed from here into .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/indigo
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: install install-test run test lint format migrations-check services prod-local prod-stop prod-status

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-test.txt
	@touch $@

install: $(VENV)/.runtime
install-test: $(VENV)/.test

services:
	@bash .ci/services.sh

# Demo: SQLite under var/, Temirtau loaded, Celery worker and beat beside the web server.
# Without a Redis server Celery falls back to a folder broker under var/ so the demo still runs.
run: $(VENV)/.runtime
	@NEED_POSTGRES=0 bash .ci/services.sh || true
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --history-months 18
	@if [ -z "$${CELERY_BROKER_URL:-}" ] && ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1); then \
	  export CELERY_BROKER_URL=filesystem://; echo "No Redis on 127.0.0.1:6379: Celery uses a folder broker in var/."; fi; \
	$(VENV)/bin/celery -A indigo worker --beat --schedule var/celerybeat-schedule --loglevel INFO --concurrency 2 & \
	celery_pid=$$!; trap 'kill $$celery_pid 2>/dev/null; wait $$celery_pid 2>/dev/null' EXIT INT TERM; \
	echo "Indigo: http://$(HOST):$(PORT)/"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The production topology on this machine (deploy/, docs/deploy.md): nginx → app servers → PgBouncer →
# PostgreSQL, Redis, a Celery worker and one beat, DEBUG=0; REPLICA=1 adds a streaming replica.
PROD_PORT ?= 8380
PROD_APP_PORTS ?= 8331,8332
PROD_PGBOUNCER_PORT ?= 6433
PROD_REPLICA_PORT ?= 5434
PROD_DATABASE ?= indigo_prod
PROD_CACHE_URL ?= redis://127.0.0.1:6379/10
PROD_BROKER_URL ?= redis://127.0.0.1:6379/11
REPLICA ?= 0
APP_SERVER ?= gunicorn
PROD_FLAGS = --nginx-port $(PROD_PORT) --app-ports $(PROD_APP_PORTS) --pgbouncer-port $(PROD_PGBOUNCER_PORT) \
  --replica-port $(PROD_REPLICA_PORT) --database $(PROD_DATABASE) --cache-url $(PROD_CACHE_URL) \
  --broker-url $(PROD_BROKER_URL) $(if $(filter 1,$(REPLICA)),--replica)

prod-local: $(VENV)/.runtime
	@bash .ci/prod-packages.sh
	@bash .ci/services.sh
	APP_SERVER=$(APP_SERVER) $(PY) -m deploy.local start $(PROD_FLAGS)

prod-stop:
	$(PY) -m deploy.local stop

prod-status:
	@$(PY) -m deploy.local status

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.test
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.runtime
	$(PY) manage.py makemigrations --check --dry-run

test: $(VENV)/.test
	@bash .ci/services.sh
	@bash .ci/chromium.sh
	@bash .ci/prod-packages.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
	  $(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# --- Benchmarks (bench/, docs/performance.md): several minutes each, on databases indigo_bench_*. ---
# They need PostgreSQL and Redis as the tests do; the city is generated once per scale and reused.
.PHONY: bench-install bench-rush bench-window bench-nightly bench-overload bench-appservers

$(VENV)/.bench: requirements-bench.txt $(VENV)/.test
	$(PY) -m pip install --quiet -r requirements-bench.txt
	@touch $@

bench-install: $(VENV)/.bench

# BENCH_TARGET=front: through nginx → app servers → PgBouncer (deploy/, bench/front.py).
BENCH_TARGET ?= server
BENCH_FRONT = $(if $(filter front,$(BENCH_TARGET)),--front)

bench-rush: $(VENV)/.bench
	@bash .ci/services.sh
	@$(if $(BENCH_FRONT),bash .ci/prod-packages.sh)
	$(PY) -m bench.rush $(BENCH_FRONT) $(BENCH_ARGS)

# The claim window (R-W): 20,000 parents bid for 6,000 seats, then the allocation (bench/window.py).
bench-window: $(VENV)/.bench
	@bash .ci/services.sh
	@$(if $(BENCH_FRONT),bash .ci/prod-packages.sh)
	$(PY) -m bench.window $(BENCH_FRONT) $(BENCH_ARGS)

bench-nightly: $(VENV)/.bench
	@bash .ci/services.sh
	$(PY) -m bench.nightly $(BENCH_ARGS)

bench-overload: $(VENV)/.bench
	@bash .ci/services.sh
	@$(if $(BENCH_FRONT),bash .ci/prod-packages.sh)
	$(PY) -m bench.overload $(BENCH_FRONT) $(BENCH_ARGS)

bench-appservers: $(VENV)/.bench
	@bash .ci/services.sh
	$(PY) -m bench.appservers $(BENCH_ARGS)

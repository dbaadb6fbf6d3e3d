# Escalation Center. `make run` (embedded) and `make test` need nothing but
# Python 3.11, Java 17 and Maven on the machine (and Go 1.26 for make test's
# deployment checkers): each does its own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

LOCAL   := $(CURDIR)/.local
UV_VERSION := 0.13.9
UV      := $(LOCAL)/uv/bin/uv
PYTHON  := $(CURDIR)/.venv/bin/python
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: help sync run up down status test checkers lint format bench docs docs-serve kafka-up kafka-down postgres-up postgres-down topics

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	@python3 -m pip install --quiet --disable-pip-version-check --target $(LOCAL)/uv uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml)
	@$(UV) sync --frozen --quiet
	@touch $@

sync: .venv/.synced ## install the Python packages (uv, from uv.lock)

run: sync ## embedded mode: everything on http://127.0.0.1:8000, SQLite in ./data
	@$(PYTHON) -m ec_embedded --port $${PORT:-8000}

up: sync ## distributed mode: real Kafka, real PostgreSQL, four service processes
	@deploy/cluster.sh up

down: ## stop what `make up` started
	@deploy/cluster.sh down

status: ## what `make up` is running
	@deploy/cluster.sh status

topics: sync ## print escalation events from Kafka as they arrive (TOPIC=escalations)
	@$(PYTHON) deploy/watch_topic.py $${TOPIC:-escalations}

test: sync ## the whole suite on real Kafka and PostgreSQL (started and stopped here)
	@deploy/browser.sh
	@deploy/checkers.sh
	@deploy/with-infra.sh $(PYTHON) -m pytest $(PYTEST_ARGS)

checkers: sync ## install kustomize, kubeconform and the schemas the deployment tests use
	@deploy/checkers.sh

lint: sync ## ruff format --check, ruff check, mypy --strict, the import contracts (lint-imports)
	@.venv/bin/ruff format --check .
	@.venv/bin/ruff check .
	@.venv/bin/mypy
	@.venv/bin/lint-imports

format: sync ## apply ruff's formatting and fixes
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

bench: sync ## the benchmarks, each printing its figure and its baseline
	@deploy/browser.sh
	@deploy/with-infra.sh $(PYTHON) -m bench $(BENCH_ARGS)

docs: sync ## build the documentation site into site/ (strict: any warning fails)
	@NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet

docs-serve: sync ## serve the documentation site on http://127.0.0.1:8008 while editing it
	@NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs serve --strict --dev-addr 127.0.0.1:$${DOCS_PORT:-8008}

kafka-up: ; @deploy/kafka.sh start
kafka-down: ; @deploy/kafka.sh stop
postgres-up: ; @deploy/postgres.sh start
postgres-down: ; @deploy/postgres.sh stop

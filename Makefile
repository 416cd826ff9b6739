# The README's two commands, `make run` and `make test`, and the linters and bench beside them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint format bench bench-smoke install migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	@$(BIN)/python manage.py ensure_admin
	@TELEMETRY_ENABLED=$${TELEMETRY_ENABLED:-true} $(BIN)/python manage.py seed_demo --if-empty
	@PORT=$(PORT) TELEMETRY_ENABLED=$${TELEMETRY_ENABLED:-true} bash bin/run-all

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# Load the production stack (4 single-worker gunicorn processes + 2 Celery workers on a fresh
# PostgreSQL database and Redis) and compare it with raw PostgreSQL; see docs/performance.md.
# Not part of `make test`.
bench: install
	$(BIN)/python -m bench.run

bench-smoke: install
	$(BIN)/python -m bench.run --smoke

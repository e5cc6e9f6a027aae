# Pilotage — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)
VENV := .venv
PY := $(VENV)/bin/python
# uv is run as a module of the pyenv Python chosen by .python-version (a bare `uv` shim may
# belong to another Python version).
UV := python3 -m uv
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint typecheck contracts migrations-check pytest pytest-sqlite pytest-postgres system-deps messages bench clean

## setup: install Python dependencies into .venv (uv, locked) and the system packages tests need
setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --compile-bytecode
	@touch $@

## run: install, migrate, seed the demo company when empty, serve on http://$(HOST):$(PORT) with a worker
run: setup
	$(VENV)/bin/pilotage run --host $(HOST) --port $(PORT)

## system-deps: Debian packages for browser tests and PostgreSQL (installed only when missing)
system-deps:
	@bash scripts/system-deps.sh

lint: setup
	$(VENV)/bin/ruff check src tests bench conftest.py
	$(VENV)/bin/ruff format --check src tests bench conftest.py

typecheck: setup
	$(VENV)/bin/mypy

contracts: setup
	$(VENV)/bin/lint-imports

migrations-check: setup
	$(PY) manage.py makemigrations --check --dry-run

messages: setup
	cd src/pilotage && ../../$(PY) ../../manage.py makemessages -l fr -l en --no-obsolete --no-location --ignore "static/vendor/*" && ../../$(PY) ../../manage.py compilemessages

pytest-sqlite: setup
	$(VENV)/bin/pytest -n 2 --create-db

pytest-postgres: setup
	bash scripts/with-postgres.sh $(VENV)/bin/pytest -n 2 --create-db

## test: lint, types, layer contracts, migrations, then the whole suite on SQLite and PostgreSQL
test: setup system-deps
	@bash scripts/test-all.sh

bench: setup
	$(PY) bench/audience.py
	$(PY) bench/people_import.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

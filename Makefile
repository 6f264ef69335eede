# One command each: `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Running needs the package and the embedded database; tests need the dev toolchain too.
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest bench schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[embedded]'
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUN_STAMP)

# graphql-schema-linter (npm), pinned by its lock file, for the committed SDL.
SCHEMA_LINT := tools/schema-lint/node_modules/.bin/graphql-schema-linter

$(SCHEMA_LINT): tools/schema-lint/package.json tools/schema-lint/package-lock.json
	npm ci --prefix tools/schema-lint --no-audit --no-fund --silent
	touch $(SCHEMA_LINT)

run: $(RUN_STAMP)
	$(BIN)/readiness serve

lint: $(STAMP) $(SCHEMA_LINT)
	$(BIN)/ruff check $(wildcard service tests bench)
	$(BIN)/ruff format --check $(wildcard service tests bench)
	$(BIN)/lint-imports --no-cache
	$(SCHEMA_LINT) --config-directory tools/schema-lint schema/schema.graphql

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint types pytest

bench: $(STAMP)
	$(BIN)/python -m bench

schema: $(STAMP)
	$(BIN)/readiness export-schema > schema/schema.graphql
	$(BIN)/readiness export-catalog-schema frameworks/schema

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

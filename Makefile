# Two commands for a fresh machine:
#   make demo   set up, generate sample exports, run the nightly job once, print a summary
#   make test   set up and run every check (lint, dbt build on generated data, pytest)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANDING ?= $(CURDIR)/data/landing
WAREHOUSE ?= $(CURDIR)/warehouse/journey.duckdb
CUSTOMERS ?= 2000
DAYS ?= 60
SEED ?= 42
CHECK_DIR := $(CURDIR)/build/check

export JOURNEY_LANDING_DIR := $(LANDING)
export JOURNEY_WAREHOUSE := $(WAREHOUSE)
export DAGSTER_HOME := $(CURDIR)/orchestration/dagster_home

.PHONY: install demo test lint dbt-check pytest ui docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/journey generate --out $(LANDING) --customers $(CUSTOMERS) --days $(DAYS) --seed $(SEED)
	$(BIN)/journey run --landing $(LANDING) --warehouse $(WAREHOUSE)
	$(BIN)/journey summary --warehouse $(WAREHOUSE)

test: install lint dbt-check pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/journey conventions
	$(BIN)/sqlfluff lint models --processes 2

# The whole nightly job (loaders + dbt build with every model and data test) on generated data.
dbt-check: install
	rm -rf $(CHECK_DIR)
	$(BIN)/journey generate --out $(CHECK_DIR)/landing --customers 500 --days 30 --seed 7
	$(BIN)/journey run --landing $(CHECK_DIR)/landing --warehouse $(CHECK_DIR)/journey.duckdb
	$(BIN)/journey summary --warehouse $(CHECK_DIR)/journey.duckdb

pytest: install
	$(BIN)/pytest

# The dbt docs site (models, columns, lineage, exposures) of the demo warehouse: target/index.html.
docs: install
	$(BIN)/dbt docs generate --static

ui: install
	$(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf build target logs data warehouse

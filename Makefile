# Two commands for a fresh machine:
#   make demo   set up, generate sample exports, run the nightly job once, print a summary
#   make test   set up and run every check (lint, dbt build on generated data, pytest)
#               (installs Debian's chromium + chromium-driver for the report test when missing)
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

.PHONY: install browser demo test lint dbt-check pytest spark-install spark-parity report ui docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium for the journey report test (tests/test_report.py): Debian's packages,
# installed only when missing (CI runs as root on a fresh machine; elsewhere sudo may be needed).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing chromium and chromium-driver (apt-get)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q chromium chromium-driver; \
	fi

demo: install
	$(BIN)/journey generate --out $(LANDING) --customers $(CUSTOMERS) --days $(DAYS) --seed $(SEED)
	$(BIN)/journey run --landing $(LANDING) --warehouse $(WAREHOUSE)
	$(BIN)/journey summary --warehouse $(WAREHOUSE)

test: install browser lint dbt-check pytest spark-parity

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/journey conventions
	mkdir -p $(CURDIR)/build
	JOURNEY_WAREHOUSE=$(CURDIR)/build/sqlfluff.duckdb $(BIN)/sqlfluff lint models --processes 2

# The whole nightly job (loaders + dbt build with every model and data test) on generated data.
dbt-check: install
	rm -rf $(CHECK_DIR)
	$(BIN)/journey generate --out $(CHECK_DIR)/landing --customers 500 --days 30 --seed 7
	$(BIN)/journey run --landing $(CHECK_DIR)/landing --warehouse $(CHECK_DIR)/journey.duckdb
	$(BIN)/journey summary --warehouse $(CHECK_DIR)/journey.duckdb

pytest: install browser
	$(BIN)/pytest

# The same marts on Apache Spark (README "Scaling out"): the [spark] extra (dbt-spark, pyspark; Java 17
# must be installed), then one generated sample built on DuckDB and on a local Spark session, every
# mart compared (tests/test_spark_parity.py).
SPARK_STAMP := $(VENV)/.spark-installed
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,spark]"
	touch $(SPARK_STAMP)

spark-install: $(SPARK_STAMP)

spark-parity: spark-install
	$(BIN)/pytest -m spark tests/test_spark_parity.py

# The dbt docs site (models, columns, lineage, exposures) of the demo warehouse: target/index.html.
docs: install
	$(BIN)/dbt docs generate --static
# The journey report of the demo warehouse: $(dir $(WAREHOUSE))report/index.html
report: install
	$(BIN)/journey report --warehouse $(WAREHOUSE)

ui: install
	$(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf build target logs data warehouse

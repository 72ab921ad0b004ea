# access_analytics. The README's two commands: `make build`, then `make test`.
# Every target creates the virtualenv (.venv) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EVENTS ?= 1000000
SEED ?= 42
DOCS_PORT ?= 8080
ROUNDS ?= 2
TEST_WORKERS ?= 3
# The engine of `make build`: postgres (the embedded PostgreSQL) or spark (a local Spark
# session, the optional spark extra; docs/spark.md).
TARGET ?= postgres
# UNIT_TESTS=1: `make build` runs the dbt unit tests too (why they are left out:
# UNIT_TESTS_LEFT_OUT in src/access_analytics/warehouse.py).
UNIT_TESTS ?=
SPARK_STAMP := $(VENV)/.installed-spark
# The extras of every virtualenv (pyproject.toml); the spark extra is added by $(SPARK_STAMP).
EXTRAS := dev,bench
comma := ,
# apt-get needs root: use sudo when not root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help venv spark-venv browser java build test test-spark fuzz lint rules docs report warehouse stop demo bench visits clean distclean

help: ## list the targets
	@echo "access_analytics: make TARGET"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 14
	@echo "variables: EVENTS=$(EVENTS) SEED=$(SEED) DOCS_PORT=$(DOCS_PORT) (e.g. make build EVENTS=200000)"

# One pip call installs the package with the extras $(1), compiles the bytecode and touches
# the stamps $(2) (the first is this install's). One install at a time: `make -j2 test
# lint` asks for two sets of extras, and two pips in one virtualenv break it. The second
# waits for the lock file (flock, where there is one), then skips its install when the
# first already made its stamp (the spark extra includes the other).
# Bytecode of every module, compiled on every core: where PYTHONDONTWRITEBYTECODE is set
# (as on this machine), Python never writes it later, and every process (each dbt, load
# and lint command of the tests) would compile dbt and its libraries anew (about 100 s of
# the suite's wall time); pip's own compile step does it on one core. The libraries' own
# test folders (2,400 of 8,400 files) are never imported: skipped.
LOCKED := $(if $(shell command -v flock),flock $(VENV).lock,)
define install
	@$(LOCKED) sh -c '\
	  if [ $(firstword $(2)) -nt pyproject.toml ]; then exit 0; fi; \
	  [ -x $(BIN)/python ] || { \
	    echo "creating the virtualenv in $(VENV) (first use only, about a minute)"; \
	    $(PYTHON) -m venv $(VENV); } && \
	  echo "installing the package with the extras $(1)" && \
	  $(BIN)/pip install --quiet --disable-pip-version-check --no-compile -e ".[$(1)]" && \
	  $(BIN)/python -m compileall -qq -j 0 -x "/tests?/" $(VENV)/lib > /dev/null && \
	  touch $(2)'
endef

$(STAMP): pyproject.toml
	$(call install,$(EXTRAS),$(STAMP))

venv: $(STAMP) ## create the virtualenv with the pinned dependencies

# The spark extra includes everything $(STAMP) installs: on a new machine one pip call.
$(SPARK_STAMP): pyproject.toml
	@echo "installing the spark extra (dbt-spark, pyspark: about 500 MB, first use only); Spark needs Java 17"
	$(call install,$(EXTRAS)$(comma)spark,$(SPARK_STAMP) $(STAMP))

spark-venv: $(SPARK_STAMP) ## add the optional spark extra (dbt-spark, pyspark) to the virtualenv

java: browser ## install Debian's Java 17 (make test's Spark comparison needs it) when no java is found; after chromium (one apt at a time)
	@command -v java > /dev/null 2>&1 || [ -n "$$JAVA_HOME" ] || { \
	  echo "installing Debian's Java 17 for the Spark comparison (first use only)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends openjdk-17-jre-headless > /dev/null && echo "java installed: $$(command -v java)"; }

browser: ## install Debian's chromium (the docs test renders the docs site in it) when missing
	@command -v chromium > /dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the headless docs test (first use only, about a minute)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends chromium > /dev/null && echo "chromium installed: $$(command -v chromium)"; }

build: $(if $(filter spark,$(TARGET)),$(SPARK_STAMP),$(STAMP)) ## start PostgreSQL (TARGET=spark: a local Spark), generate and load the demo data, dbt build
	$(BIN)/access-analytics build --target $(TARGET) --events $(EVENTS) --seed $(SEED) $(if $(filter 1,$(UNIT_TESTS)),--unit-tests)

test: ## run every test (pytest: loaders, generator, structure, dbt builds on PostgreSQL and Spark, docs in Chromium)
	@# The virtualenv (with the spark extra: the cross-engine test), Chromium and Java install
	@# side by side (they wait on the network).
	@$(MAKE) --no-print-directory -j2 spark-venv browser java
	@# Three workers on two cores: a dbt build leaves a core idle much of the time. A file's tests, and
	@# all the tests of the demo warehouse, stay on one worker (tests/harness/conftest.py).
	@# AA_TEST_SPARK=required: the cross-engine test fails, not skips, if Spark cannot run.
	AA_TEST_SPARK=required $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

test-spark: $(SPARK_STAMP) ## the Spark tests alone: the cross-engine comparison and the four incremental batches on Spark
	AA_TEST_SPARK=required $(BIN)/pytest -m spark tests/harness/test_spark.py

FUZZ_LINES ?= 200000
FUZZ_SEED ?= 1
fuzz: $(STAMP) ## fuzz the loaders harder: FUZZ_LINES mutated lines per format (seed FUZZ_SEED), then dbt build
	AA_FUZZ_LINES=$(FUZZ_LINES) AA_FUZZ_SEED=$(FUZZ_SEED) $(BIN)/pytest -s tests/harness/test_fuzz_loaders.py

lint: $(STAMP) ## ruff (lint, format check) and mypy on the Python, sqlfluff (dbt templater) on the SQL
	$(BIN)/ruff check src tests/harness
	@# `ruff format src tests/harness` applies the format the check expects.
	$(BIN)/ruff format --check src tests/harness
	@# Type check of the package; its settings are [tool.mypy] in pyproject.toml.
	$(BIN)/mypy
	$(BIN)/access-analytics warehouse start > /dev/null
	@# The dbt templater connects: to the embedded server with its generated passwords.
	$(if $(PGHOST),,PGPASSFILE=$(CURDIR)/.warehouse/pgpass) $(BIN)/sqlfluff lint models tests analyses

rules: $(STAMP) ## regenerate the user-agent rule seeds from the pinned uap-core and crawler lists
	$(BIN)/access-analytics rules --seeds seeds

docs: $(STAMP) ## generate the dbt docs and serve them (http://localhost:DOCS_PORT)
	$(BIN)/access-analytics dbt -- docs generate
	$(BIN)/access-analytics dbt -- docs serve --port $(DOCS_PORT) --no-browser

report: $(STAMP) ## the board slide (reports/slide.png, .pdf) and reports/report.html, after make build
	$(BIN)/access-analytics report --out reports

warehouse: $(STAMP) ## start the embedded PostgreSQL and print its URI
	$(BIN)/access-analytics warehouse start

stop: $(STAMP) ## stop the embedded PostgreSQL (data is kept)
	$(BIN)/access-analytics warehouse stop

demo: $(STAMP) ## only generate the demo data in data/demo
	$(BIN)/access-analytics demo --events $(EVENTS) --seed $(SEED) --out data/demo

bench: $(STAMP) ## the project vs pandas and DuckDB (answers checked), per model, loader, incremental
	$(BIN)/access-analytics bench --events $(EVENTS) --seed $(SEED) --rounds $(ROUNDS)

visits: $(STAMP) ## sessions and median length for session gaps of 10, 30, 60 minutes
	$(BIN)/access-analytics visits --gaps 10 30 60

clean: ## stop and delete the warehouse, dbt output and generated data
	@if [ -x $(BIN)/access-analytics ]; then $(BIN)/access-analytics warehouse destroy; fi
	rm -rf .warehouse target logs data reports .pytest_cache

distclean: clean ## also delete the virtualenv
	rm -rf $(VENV) $(VENV).lock src/*.egg-info

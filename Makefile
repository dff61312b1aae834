# Integration hub: common tasks. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
KAFKA := PYTHON=$(abspath $(BIN)/python) scripts/kafka.sh
REGISTRY := scripts/registry.sh
PYTEST_ARGS ?=

.PHONY: help install demo test test-unit lint typecheck bench kafka-up kafka-down registry-up registry-down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/hub: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/hub ## create .venv with the hub and its dev extras

demo: install ## start Kafka and the hub, submit every example, print the result table, stop
	$(BIN)/hub demo

# Services a target starts are stopped again afterwards; ones already running are left alone.
test: install ## start Kafka and the registry, run the whole suite (unit, contract, end-to-end), stop them
	@kafka_was_up=0; $(KAFKA) status >/dev/null 2>&1 && kafka_was_up=1; \
	registry_was_up=0; $(REGISTRY) status >/dev/null 2>&1 && registry_was_up=1; \
	stop() { [ $$registry_was_up = 1 ] || $(REGISTRY) down; [ $$kafka_was_up = 1 ] || $(KAFKA) down; }; \
	$(KAFKA) up && $(REGISTRY) up || { stop; exit 1; }; \
	rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; stop; exit $$rc

test-unit: install ## run only the tests that need no broker
	$(BIN)/pytest -m "not kafka and not e2e" $(PYTEST_ARGS)

lint: install ## ruff
	$(BIN)/ruff check hub tests bench
	$(BIN)/ruff format --check hub tests bench

typecheck: install ## mypy --strict
	$(BIN)/mypy

bench: install ## throughput and latency of the hub against a bare faust pipeline (N=5000)
	@kafka_was_up=0; $(KAFKA) status >/dev/null 2>&1 && kafka_was_up=1; \
	$(KAFKA) up || exit 1; \
	rc=0; $(BIN)/python -m bench.pipeline $(BENCH_ARGS) || rc=$$?; \
	[ $$kafka_was_up = 1 ] || $(KAFKA) down; exit $$rc

kafka-up: install ## start the local broker
	@$(KAFKA) up

kafka-down: ## stop the local broker
	@$(KAFKA) down

registry-up: ## start the local schema registry (Apicurio, in memory, 127.0.0.1:8081)
	@$(REGISTRY) up

registry-down: ## stop the local schema registry
	@$(REGISTRY) down

clean: kafka-down registry-down ## remove the venv, runtime state and caches (keeps the Kafka jars)
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis

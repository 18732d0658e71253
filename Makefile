# Everything runs from .venv (VENV=... for another folder); `make install` creates it.
# torch is installed first, pinned, from PyTorch's CPU wheel index: on Linux the default
# index's torch is the CUDA build (about 17 NVIDIA packages, several GB). Where that index
# cannot be reached (a machine with only a local wheel folder or mirror), the pinned torch
# comes from pip's configured indexes instead. For the CUDA build:
# `make install TORCH_INDEX=https://download.pytorch.org/whl/cu128` (any CUDA index).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
FILE ?= tests/data/belousov-dprk.de.txt
# MODEL=PATH (or an alias or hub id) for `make translate`: e.g. a model folder offline.
MODEL ?=

.PHONY: install test lint fmt translate bench bench-cpus models clean

$(BIN)/translator: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --timeout 15 --retries 0 --index-url $(TORCH_INDEX) \
		torch==$(TORCH_VERSION) \
	|| { echo "$(TORCH_INDEX) cannot be reached: torch==$(TORCH_VERSION) from pip's own indexes."; \
		$(BIN)/pip install --quiet torch==$(TORCH_VERSION); }
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/translator

install: $(BIN)/translator

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check translator tests benchmarks
	$(BIN)/ruff format --check translator tests benchmarks
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix translator tests benchmarks
	$(BIN)/ruff format translator tests benchmarks

# The main job: translate FILE (default: the sample article) with MODEL (default: the
# default model, or TRANSLATOR_TRANSLATION_MODEL).
translate: install
	$(BIN)/translator translate $(FILE) $(if $(MODEL),--translation-model '$(MODEL)')

# The speed benchmark (benchmarks/results.json), then the rows that run on their own: the
# server's throughput and latency (benchmarks/server_results.json).
bench: install
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.server_bench

# The default batch rule against the bare script on other CPUs' code paths (AVX2 only,
# AVX-512 without VNNI, one core), emulated on this machine (benchmarks/cpu_kinds.json).
bench-cpus: install
	$(BIN)/python -m benchmarks.cpu_kinds

models: install
	$(BIN)/translator models pull

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

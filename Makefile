# Everything runs from .venv; `make install` creates it. torch is installed first and
# pinned: an unpinned torch pulls a multi-GB CUDA build.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0
FILE ?= tests/data/belousov-dprk.de.txt

.PHONY: install test lint fmt translate bench models clean

$(BIN)/translator: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION)
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

# The main job: translate FILE (default: the sample article) with the default model.
translate: install
	$(BIN)/translator translate $(FILE)

bench: install
	$(BIN)/python -m benchmarks.run

models: install
	$(BIN)/translator models pull

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

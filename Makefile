# Two commands do all the set-up on a fresh machine:  make run  |  make test
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup run test lint format lock bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	@echo "Installing Leerroute and its locked dependencies into $(VENV) (about 2 minutes, once)…"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,postgres]'
	@echo "Installed."
	touch $@

## run: index the knowledge (incrementally), then Slack when tokens are set, else the terminal chat
run: setup
	$(BIN)/leerroute start

## test: the whole test suite
test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check bot ingest tests benchmarks
	$(BIN)/ruff format --check bot ingest tests benchmarks
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix bot ingest tests benchmarks
	$(BIN)/ruff format bot ingest tests benchmarks

lock: setup
	( echo "# Locked versions of every dependency (used as pip constraints by the Makefile)."; \
	  echo "# Regenerate: make lock"; \
	  $(BIN)/pip freeze --exclude-editable ) > requirements.lock

bench: setup
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/answer.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache

# Drive2 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DATA_DIR ?= drive2-data
PYTEST_ARGS ?=
# Test processes for `make test` (pytest-xdist); 2 measured best on the 2-core machines.
TEST_WORKERS ?= 2

.PHONY: install system-deps test-deps run test check lint unit bench clean docs vendor-liff

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

system-deps:  ## tesseract (eng+tha), ffmpeg and fonts, installed when missing
	@bash scripts/install-system-deps.sh

test-deps:  ## what only the tests use: Debian's chromium for the web app's browser tests
	@bash scripts/install-system-deps.sh --test

install: system-deps $(STAMP)  ## create .venv and install Drive2 with its test tools

run: install  ## start Drive2 in embedded mode (API + worker + beat) and print the URL
	$(BIN)/drive2 serve --data-dir $(DATA_DIR)

lint: install  ## ruff and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: install test-deps lint  ## the whole suite; service-backed tests need PostgreSQL and Redis
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=10 $(PYTEST_ARGS)

check: install lint  ## the fast lane: lint, types, unit and contract tests (no browser, load or crash tests)
	$(BIN)/pytest tests/unit tests/contract -m "not slow and not heavy" -n $(TEST_WORKERS) \
		--dist loadgroup --durations=10 -q $(PYTEST_ARGS)

bench: install  ## upload benchmark; prints figures against a raw write baseline
	$(BIN)/python bench/upload.py

docs: install  ## regenerate the configuration reference in docs/operations.md from Settings
	$(BIN)/drive2 config-reference --write docs/operations.md

vendor-liff:  ## re-vendor the LIFF SDK from npm into web/static/vendor/liff (needs npm)
	python3 scripts/vendor_liff.py $(LIFF_VERSION)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

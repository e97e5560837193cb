# Two commands on a fresh machine: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast simulate check fmt clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run node_modules/.installed  ## serve on http://127.0.0.1:8000 with the embedded SQLite database
	$(BIN)/shelter serve --host 127.0.0.1 --port 8000

# Front-end packages come from npm, pinned by the lockfile: the kiosk's QR decoder
# (barcode-detector and its zxing WebAssembly, served by the service), the public page's map
# (leaflet, served likewise) and axe-core for the browser tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: $(VENV)/.installed-dev node_modules/.installed  ## the whole test suite
	$(BIN)/pytest

test-fast: $(VENV)/.installed-dev node_modules/.installed  ## the edit-test loop: all but `slow`
	$(BIN)/pytest -m "not slow"

# A load driver against a running server (make run): `make simulate ARGS=surge`.
simulate: $(VENV)/.installed-dev
	$(BIN)/python -m bench.simulate $(ARGS)

check: $(VENV)/.installed-dev node_modules/.installed  ## format, lint, types, tests
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Build and tool caches only. shelter.db is the live data: it is never deleted by a target
# (back it up with `shelter backup`, or remove it by hand if you really mean to).
clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache

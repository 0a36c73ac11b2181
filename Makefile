# deskmetrics: two commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8866
TICKETS ?= 20000
STAMP := $(VENV)/.installed

.PHONY: demo test setup lint format docs bench clean serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/deskmetrics demo-data --tickets $(TICKETS)
	$(BIN)/deskmetrics metrics docs --output docs/metrics.md
	$(BIN)/deskmetrics render
	@# the weekly reports print their PDF with Chromium; without it the dashboards still start
	-$(BIN)/deskmetrics report --audience business_owner
	-$(BIN)/deskmetrics report --audience manager
	$(BIN)/deskmetrics serve --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

docs: setup
	$(BIN)/deskmetrics metrics docs --output docs/metrics.md

bench: setup
	$(BIN)/python bench/dashboard_refresh.py

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) data reports/*.html reports/*.ipynb reports/*.json

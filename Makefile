# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HTMX_VERSION := 2.0.11
VENDOR := static/vendor

export FLASK_APP := app:create_app

.PHONY: run test lint format setup setup-dev assets migrate seed bench clean

run: setup assets migrate
	$(PY) run.py

test: setup-dev assets
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

# Front-end assets come from the npm registry at setup; they are never committed.
assets: $(VENDOR)/htmx.min.js

$(VENDOR)/htmx.min.js:
	mkdir -p $(VENDOR) .cache/npm
	cd .cache/npm && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null
	tar -xzf .cache/npm/htmx.org-$(HTMX_VERSION).tgz -C .cache/npm
	cp .cache/npm/package/dist/htmx.min.js $(VENDOR)/htmx.min.js
	rm -rf .cache/npm/package

migrate: setup
	$(VENV)/bin/flask db upgrade

seed: migrate
	$(VENV)/bin/flask seed-demo

clean:
	rm -rf $(VENV) $(VENDOR) .cache .pytest_cache

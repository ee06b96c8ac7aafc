# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HTMX_VERSION := 2.0.11
SWAGGER_UI_VERSION := 5.35.0
AXE_VERSION := 4.14.1
VENDOR := static/vendor
# axe-core is for the browser tests only (injected by them), so it stays out of static/.
AXE := .cache/axe/axe.min.js

export FLASK_APP := app:create_app

.PHONY: run test test-postgres cluster lint format setup setup-dev assets migrate seed bench bench-compare soak scan clean

run: setup assets migrate
	$(PY) run.py

test: setup-dev assets $(AXE)
	$(PY) -m pytest $(PYTEST_ARGS)

# The whole suite again on PostgreSQL (SPEC section 17): the fixtures create one database per test on
# COREBANK_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
test-postgres:
	COREBANK_TEST_DATABASE=postgresql $(MAKE) test

# Two instances behind nginx on HOST:PORT (deploy/): PostgreSQL and Redis from the machine; Ctrl-C stops all.
cluster: setup assets
	deploy/cluster.sh

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The bank workload over HTTP for minutes with 64 clients: one worker, two workers on Redis, SIGKILLs.
SOAK_SECONDS ?= 120
soak: setup-dev
	PROOF_SECONDS=$(SOAK_SECONDS) PROOF_CLIENTS=64 PROOF_KILLS=10 $(PY) -m pytest tests/proof/test_bank.py -v -s

# SPEC section 12 figures against baselines taken in the same run: load from wrk (Debian's package,
# installed by the bench when missing), open-loop latency, SQLite and PostgreSQL side by side.
# BENCH_SECONDS (default 20) sets each phase's length; BENCH_ONLY=transfers_sqlite,... runs only what
# those figures need (a smoke check: BENCH_SECONDS=2 BENCH_ONLY=transfers_sqlite make bench).
# BENCH_REF=<git ref> adds the comparison below to the run.
bench: setup-dev
	BENCH_REF=$(BENCH_REF) $(PY) -m bench.run

# Transfers/s (one worker, SQLite, wrk) at BENCH_REF and in the current tree, interleaved, median of 3
# runs (BENCH_RUNS) of BENCH_SECONDS each, and the worker's CPU per transfer; target current/ref >= 0.90 (issues 11, 13).
# BENCH_REF is checked out into a temporary git worktree, removed afterwards.
bench-compare: setup-dev
	@test -n "$(BENCH_REF)" || { echo "usage: make bench-compare BENCH_REF=<git ref>"; exit 2; }
	BENCH_REF=$(BENCH_REF) $(PY) -m bench.compare

# Lint, bandit (medium and high findings fail) and pip-audit on requirements.txt.
# repository/ is where all SQL lives (STYLE.md): its f-strings join constant column lists and
# clause fragments and every value is a bound parameter, so B608 is skipped there and only there.
scan: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -ll -r app services entities run.py bench
	$(VENV)/bin/bandit -q -ll -s B608 -r repository
	mkdir -p .cache && rm -f .cache/pip-audit.json
	status=0; timeout 180 $(VENV)/bin/pip-audit -r requirements.txt -f json -o .cache/pip-audit.json \
		--progress-spinner off || status=$$?; $(PY) -m tests.proof.audit_gate .cache/pip-audit.json $$status

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
assets: $(VENDOR)/htmx.min.js $(VENDOR)/swagger-ui/swagger-ui-bundle.js

$(VENDOR)/htmx.min.js:
	mkdir -p $(VENDOR) .cache/npm
	cd .cache/npm && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null
	tar -xzf .cache/npm/htmx.org-$(HTMX_VERSION).tgz -C .cache/npm
	cp .cache/npm/package/dist/htmx.min.js $(VENDOR)/htmx.min.js
	rm -rf .cache/npm/package

# Swagger UI renders /api/v1/docs: its bundle runs under the strict CSP (no inline script or style
# needed; static/js/api-docs.js starts it).
$(VENDOR)/swagger-ui/swagger-ui-bundle.js:
	mkdir -p $(VENDOR)/swagger-ui .cache/npm
	cd .cache/npm && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null
	rm -rf .cache/npm/package && tar -xzf .cache/npm/swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz -C .cache/npm
	cp .cache/npm/package/swagger-ui.css .cache/npm/package/LICENSE $(VENDOR)/swagger-ui/
	cp .cache/npm/package/swagger-ui-bundle.js $(VENDOR)/swagger-ui/swagger-ui-bundle.js
	rm -rf .cache/npm/package

$(AXE):
	mkdir -p .cache/axe .cache/npm
	cd .cache/npm && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	rm -rf .cache/npm/package && tar -xzf .cache/npm/axe-core-$(AXE_VERSION).tgz -C .cache/npm
	cp .cache/npm/package/axe.min.js $(AXE)
	rm -rf .cache/npm/package

migrate: setup
	$(VENV)/bin/flask db upgrade

seed: migrate
	$(VENV)/bin/flask seed-demo

clean:
	rm -rf $(VENV) $(VENDOR) .cache .pytest_cache

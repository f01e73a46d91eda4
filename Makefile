# parse-sync. Every target installs what it needs itself (fresh machine: Node ≥ 18, npm, make).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE := node --import tsx
# The worker's V8 heap sizing (src/bin/node-flags.ts says why; test/node-flags.test.ts keeps the copies equal).
WORKER_NODE_FLAGS := --max-semi-space-size=8 --heap-growing-percent=50
APT_PACKAGES := postgresql-client freetds-bin chromium

.PHONY: install apt run server worker migrate seed admin db-url db-stop bench typecheck lint format test demo erp-sim docs agent agent-test-windows

# npm ci when node_modules is missing or older than the lockfile.
node_modules/.install-stamp: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: node_modules/.install-stamp

# Debian packages: psql (make seed), FreeTDS tsql (a second TDS client for the simulator tests),
# promtool (checks the /metrics output) and chromium (the console's browser tests, test/console).
apt:
	@missing=""; command -v psql >/dev/null || missing="$$missing postgresql-client"; \
	 command -v tsql >/dev/null || missing="$$missing freetds-bin"; \
	 command -v promtool >/dev/null || missing="$$missing prometheus"; \
	 command -v chromium >/dev/null || missing="$$missing chromium"; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	   else echo "install these Debian packages first:$$missing" >&2; exit 1; fi; fi

run: install
	$(NODE) src/bin/run.ts

server: install
	$(NODE) src/bin/server.ts

worker: install
	node $(WORKER_NODE_FLAGS) --import tsx src/bin/worker.ts

migrate: install
	$(NODE) src/bin/migrate.ts

db-url: install
	@$(NODE) src/bin/db-url.ts

seed: install apt
	$(NODE) src/bin/seed.ts

# Stops the shared embedded PostgreSQL (server and worker leave it running for each other).
db-stop: install
	$(NODE) src/bin/db-stop.ts

admin: install
	$(NODE) src/bin/admin.ts $(ARGS)

typecheck: install
	tsc --noEmit

# The generated parts of docs/ (error-code tables); a test fails when they are stale.
docs: install
	$(NODE) src/bin/docs.ts

# Lint (typescript-eslint + the layer rule of the README) and the type check fail the run before any test.
lint: install
	eslint .
	prettier --check . --log-level warn

# Formats the tree with prettier; `make lint` (part of `make test`) checks it.
format: install
	prettier --write .

test: install apt typecheck lint
	$(NODE) test/run-suite.ts

bench: install
	$(NODE) bench/run.ts $(BENCH)

# The on-site agent as single executables: dist/ax-sync-client (Linux x64) and dist/ax-sync-client.exe
# (Windows x64; node.exe fetched with npm pack). The tests build the Linux one themselves when stale.
agent: install
	$(NODE) src/agent/build-sea.ts

# dist/ax-sync-client.exe under Wine 10 (a Debian trixie chroot built once in
# /var/cache/parse-sync/trixie-wine, about 2 GB) against the server and ERP simulator on loopback:
# --version, init, test, sync. Needs root. Not part of `make test`; see docs/agent.md.
agent-test-windows: agent
	bash scripts/agent-windows.sh

# parse-sync against the ERP SIMULATOR loaded with a small Axioma-like database (not a real ERP).
demo: install apt
	$(NODE) test/demo/run-demo.ts

# The ERP simulator alone (test/demo tooling): make erp-sim ARGS="--port 14330 --database-url … --password …"
erp-sim: install
	$(NODE) test/erp-sim/main.ts $(ARGS)

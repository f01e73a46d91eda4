#!/bin/sh
# The image's build steps, one per Dockerfile RUN line, as a script: test/docker/build-script.test.ts
# runs `deps` and `check` in a copy of what the Dockerfile copies (no Docker daemon needed).
#   system: Debian packages the image needs at run time (psql for the worker's healthcheck and make seed)
#   deps:   production node_modules from the lockfile, exactly (npm ci; NPM_CI_FLAGS adds flags, e.g. --prefer-offline)
#   check:  the sources run with those modules alone: the entry points' modules load and the admin CLI answers --help
set -eu
cd "$(dirname "$0")/.."
case "${1:-}" in
  system)
    apt-get update
    apt-get install -y --no-install-recommends postgresql-client
    rm -rf /var/lib/apt/lists/*
    ;;
  deps)
    # shellcheck disable=SC2086 # NPM_CI_FLAGS is a list of flags
    npm ci --omit=dev --no-audit --no-fund ${NPM_CI_FLAGS:-}
    ;;
  check)
    # Importing the composition roots' modules runs nothing; a dependency missing from "dependencies" fails here.
    node --import tsx --input-type=module --eval "
      await import('./src/http/app.ts');
      await import('./src/worker/worker-runtime.ts');
      await import('./src/admin/admin-cli.ts');
      await import('./src/bin/bootstrap.ts');"
    node --import tsx src/bin/admin.ts --help >/dev/null
    echo 'build check: ok'
    ;;
  *)
    echo 'usage: docker/build.sh system|deps|check' >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# The one command that installs everything the tests need and runs every test:
#   1. redis-server and valkey-server from Debian packages (only when missing),
#   2. the npm dependencies from the lockfile,
#   3. a build of every package, then every package's vitest suite, one package at a time
#      (integration tests start their own servers and clusters; the CI machine has 2 cores).
# It ends with one plain line, "N passed, N failed[, N skipped]", totalled over every package
# from vitest's JSON reporter, and exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-servers.sh
npm ci --no-audit --no-fund
npx turbo run build --output-logs=errors-only

find packages internal examples -maxdepth 2 -name .vitest-report.json -delete
status=0
npx turbo run test --force --continue --concurrency=1 \
  -- --reporter=default --reporter=json --outputFile.json=.vitest-report.json || status=$?
node scripts/test-summary.mjs || status=1
exit "$status"

#!/usr/bin/env bash
# The one command that installs everything the tests need and runs every test:
#   1. redis-server and valkey-server from Debian packages (only when missing),
#   2. the npm dependencies from the lockfile, and a Node 22 binary from the npm registry
#      (scripts/node22, its own non-workspace project: its bin/node must not shadow node here),
#   3. a build of every package, then every package's vitest suite, one package at a time
#      (integration tests start their own servers and clusters; the CI machine has 2 cores),
#   4. the transformer-zstd suite once more under Node 22, where node:zlib has zstd (the
#      cross-implementation tests only run there).
# It ends with one plain line, "N passed, N failed[, N skipped]", totalled over every package
# and every run from vitest's JSON reporter, and exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-servers.sh
npm ci --no-audit --no-fund
npm ci --prefix scripts/node22 --no-audit --no-fund
npx turbo run build --output-logs=errors-only

find packages internal examples -maxdepth 2 -name '.vitest-report*.json' -delete
status=0
npx turbo run test --force --continue --concurrency=1 \
  -- --reporter=default --reporter=json --outputFile.json=.vitest-report.json || status=$?
node22=scripts/node22/node_modules/.bin/node
"$node22" --version || status=1
"$node22" node_modules/vitest/vitest.mjs run --root packages/transformer-zstd \
  --reporter=default --reporter=json --outputFile.json=.vitest-report-node22.json || status=1
node scripts/test-summary.mjs --expect packages/transformer-zstd/.vitest-report-node22.json ||
  status=1
exit "$status"

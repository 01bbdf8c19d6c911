#!/usr/bin/env node
// Totals vitest's JSON reports (.vitest-report.json in each workspace package with a test
// script) and prints "N passed, N failed[, N skipped]" as the last line. A package whose tests
// should have run but left no report, or whose suite failed to load, counts as failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const dirs = rootPkg.workspaces
  .map((glob) => glob.replace(/\/\*$/, ''))
  .flatMap((parent) =>
    existsSync(join(root, parent))
      ? readdirSync(join(root, parent), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => join(parent, d.name))
      : [],
  )

let passed = 0
let failed = 0
let skipped = 0
for (const dir of dirs) {
  const pkgFile = join(root, dir, 'package.json')
  if (!existsSync(pkgFile)) continue
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
  if (!pkg.scripts?.test) continue
  const reportFile = join(root, dir, '.vitest-report.json')
  if (!existsSync(reportFile)) {
    console.log(`${pkg.name}: no test report (the suite did not run)`)
    failed += 1
    continue
  }
  const r = JSON.parse(readFileSync(reportFile, 'utf8'))
  const p = r.numPassedTests ?? 0
  let f = r.numFailedTests ?? 0
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  // A file that fails to load has no failed tests but a failed suite.
  const brokenFiles = (r.testResults ?? []).filter(
    (t) => t.status === 'failed' && (t.assertionResults ?? []).every((a) => a.status !== 'failed'),
  ).length
  f += brokenFiles
  if (r.numTotalTests === 0) f += 1
  console.log(`${pkg.name}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`)
  passed += p
  failed += f
  skipped += s
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 ? 1 : 0)

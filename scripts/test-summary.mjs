#!/usr/bin/env node
// Totals vitest's JSON reports and prints "N passed, N failed[, N skipped]" as the last line.
// Every workspace package with a test script must have a .vitest-report.json; any other
// .vitest-report-<label>.json in a package (e.g. .vitest-report-node22.json, the same suite run
// under another Node) is totalled too, on its own line labelled "(<label>)". A package whose
// tests should have run but left no report, a report named with --expect <path> that is
// missing, or a suite that failed to load, counts as failed.
//   node scripts/test-summary.mjs [--expect packages/x/.vitest-report-node22.json ...]
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, normalize } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)
const expected = new Set()
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--expect' && args[i + 1] !== undefined) expected.add(normalize(args[++i]))
  else {
    console.error(`test-summary: unknown argument ${args[i]}`)
    process.exit(2)
  }
}

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

const REPORT = /^\.vitest-report(?:-([A-Za-z0-9_.-]+))?\.json$/

let passed = 0
let failed = 0
let skipped = 0
for (const dir of dirs) {
  const pkgFile = join(root, dir, 'package.json')
  if (!existsSync(pkgFile)) continue
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
  if (!pkg.scripts?.test) continue
  const reports = readdirSync(join(root, dir))
    .map((name) => ({ name, match: REPORT.exec(name) }))
    .filter((r) => r.match !== null)
    .map((r) => ({ file: r.name, label: r.match[1] }))
    // The main report first, then the others by name.
    .sort((a, b) => (a.label ?? '').localeCompare(b.label ?? ''))
  if (!reports.some((r) => r.label === undefined)) {
    console.log(`${pkg.name}: no test report (the suite did not run)`)
    failed += 1
  }
  for (const { file, label } of reports) {
    expected.delete(normalize(join(dir, file)))
    const name = label === undefined ? pkg.name : `${pkg.name} (${label})`
    let r
    try {
      r = JSON.parse(readFileSync(join(root, dir, file), 'utf8'))
    } catch (error) {
      console.log(`${name}: unreadable test report ${file} (${error.message})`)
      failed += 1
      continue
    }
    const p = r.numPassedTests ?? 0
    let f = r.numFailedTests ?? 0
    const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
    // A file that fails to load has no failed tests but a failed suite.
    const brokenFiles = (r.testResults ?? []).filter(
      (t) =>
        t.status === 'failed' && (t.assertionResults ?? []).every((a) => a.status !== 'failed'),
    ).length
    f += brokenFiles
    if (r.numTotalTests === 0) f += 1
    console.log(`${name}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`)
    passed += p
    failed += f
    skipped += s
  }
}
for (const missing of expected) {
  console.log(`${missing}: no test report (the run did not happen or crashed)`)
  failed += 1
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 ? 1 : 0)

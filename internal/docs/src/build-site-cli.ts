import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { buildSite } from './build-site.js'

// npm run docs (at the root): builds the docs site into site/ (or --out DIR).
const { values } = parseArgs({ options: { out: { type: 'string' } } })
const root = fileURLToPath(new URL('../../..', import.meta.url))
const out = values.out ?? `${root}site`
const report = await buildSite({
  root,
  out,
  benchResults: fileURLToPath(new URL('../bench-results', import.meta.url)),
})
for (const link of report.brokenLinks) console.error(`broken link: ${link}`)
console.log(
  `docs site: ${report.guidePages.length} guide pages, ${report.charts.length} chart(s), API reference (${report.typedocWarnings} TypeDoc warnings) in ${out}`,
)
if (report.brokenLinks.length > 0) process.exitCode = 1

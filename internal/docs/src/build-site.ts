import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { Application, type LogLevel } from 'typedoc'
import { barChartSvg, formatRate, readBenchResults } from './bench-charts.js'
import { renderMarkdown } from './render-markdown.js'
import { type GuidePage, guidePages } from './site-pages.js'
import { SITE_CSS } from './site-style.js'

/** Options of {@link buildSite}. */
export interface BuildSiteOptions {
  /** The repository root. */
  readonly root: string
  /** Output directory; emptied first. */
  readonly out: string
  /** Directory of `run.js --json` results files the charts are drawn from. */
  readonly benchResults: string
  /** TypeDoc's log level (warnings about undocumented references are common). Default Warn. */
  readonly typedocLogLevel?: 'Error' | 'Warn' | 'Info'
}

/** What {@link buildSite} wrote. */
export interface SiteReport {
  /** Every HTML page outside `api/`, relative to `out`. */
  readonly guidePages: readonly string[]
  /** Chart files, relative to `out`. */
  readonly charts: readonly string[]
  /** Relative links in the markdown that lead nowhere (`file:line: link`). */
  readonly brokenLinks: readonly string[]
  /** TypeDoc's warning count. */
  readonly typedocWarnings: number
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The API module page TypeDoc writes for a package, if it wrote one. */
function apiPageOf(out: string, page: GuidePage): string | undefined {
  if (!page.source.startsWith('packages/')) return undefined
  const name = page.source.split('/')[1] as string
  const file = `api/modules/_cacheport_${name}.html`
  return existsSync(join(out, file)) ? file : undefined
}

function layout(
  out: string,
  pages: readonly GuidePage[],
  current: string,
  title: string,
  body: string,
): string {
  const link = (to: string) => {
    const rel = posix.relative(posix.dirname(current), to)
    return rel === '' ? posix.basename(to) : rel
  }
  const groups = ['Guides', 'Packages', 'Examples', 'Internal'] as const
  const nav = groups
    .map((group) => {
      const items = pages
        .filter((p) => p.group === group)
        .map((p) => {
          const here = p.page === current ? ' aria-current="page"' : ''
          return `<li><a href="${link(p.page)}"${here}>${escapeHtml(p.title)}</a></li>`
        })
      if (group === 'Guides') {
        items.push(`<li><a href="${link('benchmarks.html')}">Benchmarks</a></li>`)
        if (existsSync(join(out, 'api/index.html')))
          items.push(`<li><a href="${link('api/index.html')}">API reference</a></li>`)
      }
      return `<h2>${group}</h2><ul>${items.join('')}</ul>`
    })
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · cacheport</title>
<link rel="stylesheet" href="${link('style.css')}">
</head>
<body>
<header><a class="home" href="${link('index.html')}">cacheport</a></header>
<div class="layout">
<nav>${nav}</nav>
<main>
${body}
</main>
</div>
</body>
</html>
`
}

/** Runs TypeDoc over every published package into `out/api`. Returns its warning count. */
async function buildApi(root: string, out: string, logLevel: string): Promise<number> {
  const app = await Application.bootstrapWithPlugins({
    name: 'cacheport API',
    entryPoints: [join(root, 'packages/*')],
    entryPointStrategy: 'packages',
    packageOptions: { readme: 'none', excludeInternal: true },
    readme: 'none',
    excludeInternal: true,
    excludePrivate: true,
    logLevel: logLevel as keyof typeof LogLevel,
    out: join(out, 'api'),
  })
  const project = await app.convert()
  if (project === undefined || app.logger.hasErrors())
    throw new Error('TypeDoc could not convert the packages (see its errors above)')
  await app.generateDocs(project, join(out, 'api'))
  if (app.logger.hasErrors()) throw new Error('TypeDoc could not write the API reference')
  return app.logger.warningCount
}

function benchmarksPage(options: BuildSiteOptions, charts: string[]): string {
  const results = readBenchResults(options.benchResults)
  const sections = results.map((r) => {
    const svg = barChartSvg(r)
    const file = `benchmarks/${r.bench}.svg`
    mkdirSync(join(options.out, 'benchmarks'), { recursive: true })
    writeFileSync(join(options.out, file), svg)
    charts.push(file)
    const rows = r.rows
      .map(
        (row) =>
          `<tr><td>${escapeHtml(row.subject)}</td><td>${formatRate(row.medianOpsPerSec)}</td><td>${formatRate(row.minOpsPerSec)} – ${formatRate(row.maxOpsPerSec)}</td></tr>`,
      )
      .join('')
    return `<h2 id="${r.bench}">${escapeHtml(r.bench)}</h2>
<figure>${svg}<figcaption><a href="${file}">${escapeHtml(r.bench)}.svg</a>, drawn from <code>internal/docs/bench-results/${escapeHtml(r.file)}</code></figcaption></figure>
<table><thead><tr><th>subject</th><th>median ops/s</th><th>slowest – fastest round</th></tr></thead><tbody>${rows}</tbody></table>`
  })
  return `<h1>Benchmarks</h1>
<p>Each chart is drawn by <code>internal/docs/src/bench-charts.ts</code> from the JSON that
<code>internal/benchmarks</code> writes with <code>--json</code> (<code>npm run bench:results
--workspace=@cacheport/docs</code> reruns it and rewrites the file). The committed results come
from one short run (one timed round per subject) on a shared 2-core machine: compare the bars
with each other, not with another machine's, and rerun with more rounds before drawing
conclusions. <a href="internal/benchmarks.html">The benchmarks' README</a> explains each
subject.</p>
${sections.join('\n')}`
}

/**
 * Builds the docs site into `options.out`: the API reference (TypeDoc, from the doc comments of
 * every published package) under `api/`, a page per guide and README, and the benchmark charts.
 * Throws if TypeDoc fails or a results file is malformed; broken README links are reported.
 */
export async function buildSite(options: BuildSiteOptions): Promise<SiteReport> {
  const { root, out } = options
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const typedocWarnings = await buildApi(root, out, options.typedocLogLevel ?? 'Warn')
  const pages = guidePages(root)
  const brokenLinks: string[] = []
  const files = new Set<string>()
  for (const page of pages) {
    const rendered = renderMarkdown(
      root,
      page,
      pages,
      readFileSync(join(root, page.source), 'utf8'),
    )
    brokenLinks.push(...rendered.brokenLinks)
    for (const f of rendered.files) files.add(f)
    const api = apiPageOf(out, page)
    const apiLink =
      api === undefined
        ? ''
        : `<p class="api-link"><a href="${posix.relative(posix.dirname(page.page), api)}">API reference for ${escapeHtml(page.title)}</a></p>\n`
    const html = layout(out, pages, page.page, rendered.heading, `${apiLink}${rendered.html}`)
    mkdirSync(dirname(join(out, page.page)), { recursive: true })
    writeFileSync(join(out, page.page), html)
  }
  for (const file of files) {
    mkdirSync(dirname(join(out, 'files', file)), { recursive: true })
    cpSync(join(root, file), join(out, 'files', file))
  }
  const charts: string[] = []
  writeFileSync(
    join(out, 'benchmarks.html'),
    layout(out, pages, 'benchmarks.html', 'Benchmarks', benchmarksPage(options, charts)),
  )
  writeFileSync(join(out, 'style.css'), SITE_CSS)
  return {
    guidePages: [...pages.map((p) => p.page), 'benchmarks.html'],
    charts,
    brokenLinks,
    typedocWarnings,
  }
}

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildSite, type SiteReport } from '../src/build-site.js'
import { type StaticServer, serveStatic } from '../src/static-server.js'

// Builds the docs site (as `npm run docs` does, into a private folder), serves it on a free
// port and opens it in Debian's Chromium, headless, through playwright-core (which never
// downloads a browser here: the executable is given).
const root = fileURLToPath(new URL('../../..', import.meta.url))
const out = fileURLToPath(new URL('../.site-test', import.meta.url))
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

let report: SiteReport
let server: StaticServer
let context: BrowserContext
let page: Page
let userDataDir: string
const pageErrors: string[] = []
const started = performance.now()

beforeAll(async () => {
  report = await buildSite({
    root,
    out,
    benchResults: fileURLToPath(new URL('../bench-results', import.meta.url)),
    typedocLogLevel: 'Error',
  })
  server = await serveStatic(out)
  userDataDir = mkdtempSync(join(tmpdir(), 'cacheport-docs-chromium-'))
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  })
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
})

afterAll(async () => {
  await context?.close()
  await server?.close()
  if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true })
  console.log(
    `docs site: built and checked in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )
})

/** The site path of a URL of the test server, or undefined for another origin. */
function sitePath(url: URL): string | undefined {
  if (url.origin !== new URL(server.url).origin) return undefined
  const path = decodeURIComponent(url.pathname).replace(/^\//, '')
  return path === '' || path.endsWith('/') ? `${path}index.html` : path
}

describe('docs site', () => {
  test('builds with an API reference, a page per guide and README, and no dead README link', () => {
    expect(report.brokenLinks).toEqual([])
    expect(existsSync(join(out, 'api/index.html'))).toBe(true)
    expect(existsSync(join(out, 'api/modules/_cacheport_core.html'))).toBe(true)
    for (const guide of ['index.html', 'guides/architecture.html', 'packages/core.html'])
      expect(report.guidePages).toContain(guide)
    expect(report.charts.length).toBeGreaterThan(0)
  })

  test('every guide page renders with a visible heading and its navigation', async () => {
    for (const path of report.guidePages) {
      const response = await page.goto(new URL(path, server.url).href)
      expect(response?.status(), path).toBe(200)
      await expect
        .poll(() => page.locator('main h1').first().isVisible(), { message: `${path}: h1` })
        .toBe(true)
      expect(await page.locator('nav a').count(), `${path}: navigation links`).toBeGreaterThan(20)
    }
  })

  test('the API reference renders: the index and a package page with its exports', async () => {
    await page.goto(new URL('api/index.html', server.url).href)
    await expect.poll(() => page.locator('h1, h2').first().isVisible()).toBe(true)
    await page.goto(new URL('api/modules/_cacheport_core.html', server.url).href)
    await expect.poll(() => page.locator('h1').first().textContent()).toContain('@cacheport/core')
    expect(await page.locator('a[href*="createCacheService"]').count()).toBeGreaterThan(0)
  })

  test('the benchmark charts show: SVG bars and whiskers of non-zero size', async () => {
    await page.goto(new URL('benchmarks.html', server.url).href)
    const charts = page.locator('svg.bench-chart')
    expect(await charts.count()).toBe(report.charts.length)
    const bars = page.locator('svg.bench-chart rect.bar')
    expect(await bars.count()).toBeGreaterThan(2)
    for (const bar of await bars.all()) {
      const box = await bar.boundingBox()
      expect(box?.width ?? 0).toBeGreaterThan(0)
      expect(box?.height ?? 0).toBeGreaterThan(0)
    }
    const paths = page.locator('svg.bench-chart path')
    expect(await paths.count()).toBeGreaterThan(0)
    const chart = await charts.first().boundingBox()
    expect(chart?.width ?? 0).toBeGreaterThan(100)
    // The chart file itself is an image the browser can draw.
    const svg = await page.goto(new URL(report.charts[0] as string, server.url).href)
    expect(svg?.headers()['content-type']).toBe('image/svg+xml')
    expect(await page.locator('rect.bar').count()).toBeGreaterThan(2)
  })

  test('no internal link is broken: every local page crawled, every local href and src resolves', () => {
    // Static crawl of every page reachable from the home page (the API reference has hundreds;
    // a browser visit each would cost minutes): every href/src attribute to a local file must
    // resolve, and an anchor into a guide page must exist there.
    const queue = ['index.html']
    const visited = new Set<string>()
    const broken: string[] = []
    while (queue.length > 0) {
      const path = queue.shift() as string
      if (visited.has(path)) continue
      visited.add(path)
      const html = readFileSync(join(out, path), 'utf8')
      for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
        const url = new URL((match[1] as string).replace(/&amp;/g, '&'), new URL(path, server.url))
        const target = sitePath(url)
        if (target === undefined) continue
        if (!existsSync(join(out, target))) {
          broken.push(`${path} -> ${url.pathname}`)
          continue
        }
        if (!target.endsWith('.html')) continue
        if (!visited.has(target)) queue.push(target)
        const id = decodeURIComponent(url.hash.slice(1))
        if (
          id !== '' &&
          !target.startsWith('api/') &&
          !readFileSync(join(out, target), 'utf8').includes(`id="${id}"`)
        )
          broken.push(`${path} -> ${target}#${id} (no such anchor)`)
      }
    }
    expect(broken).toEqual([])
    // Every page the build wrote is reachable from the home page (none orphaned), and crawled.
    const written = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.html'),
    )
    expect(written.length).toBeGreaterThan(report.guidePages.length + 50)
    expect([...visited].sort()).toEqual(written.map((f) => f.split(sep).join('/')).sort())
  })

  test("the API reference's script-built navigation links resolve", async () => {
    await page.goto(new URL('api/modules/_cacheport_core.html', server.url).href)
    // TypeDoc fills its site navigation from assets/navigation.js once the page has loaded.
    await expect
      .poll(() => page.locator('nav a[href*="modules/"]').count(), { timeout: 30_000 })
      .toBeGreaterThan(10)
    const hrefs = await page
      .locator('a[href]')
      .evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href))
    const missing = hrefs
      .map((href) => sitePath(new URL(href)))
      .filter((target): target is string => target !== undefined && !existsSync(join(out, target)))
    expect(missing).toEqual([])
    expect(pageErrors).toEqual([])
  })
})

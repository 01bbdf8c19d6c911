import { existsSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'
import MarkdownIt from 'markdown-it'
import { type GuidePage, pageFor } from './site-pages.js'

/** What rendering one markdown file produced. */
export interface RenderedMarkdown {
  readonly html: string
  /** The first `#` heading's text (or the page title). */
  readonly heading: string
  /** Repository files (not pages) the page links to: the site copies them under `files/`. */
  readonly files: readonly string[]
  /** Relative links that lead nowhere, as `source:line: link`. */
  readonly brokenLinks: readonly string[]
}

/** GitHub's heading anchor: lowercase, punctuation dropped, spaces to dashes. */
export function headingSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** A relative link from one site page to another site path. */
function relativeUrl(fromPage: string, toPath: string): string {
  const rel = posix.relative(posix.dirname(fromPage), toPath)
  return rel === '' ? posix.basename(toPath) : rel
}

/**
 * Renders one guide page's markdown to HTML. Headings get GitHub's anchors; relative links and
 * images are rewritten: to the page that renders the target (a markdown file or a directory
 * with a README), or to a copy of a repository file under `files/`. A relative link to
 * nothing is reported in `brokenLinks` and rendered as plain text.
 */
export function renderMarkdown(
  root: string,
  page: GuidePage,
  pages: readonly GuidePage[],
  markdown: string,
): RenderedMarkdown {
  const md = new MarkdownIt({ html: true, linkify: false, typographer: false })
  const files = new Set<string>()
  const brokenLinks: string[] = []
  const sourceDir = posix.dirname(page.source)
  let heading = page.title
  const slugs = new Map<string, number>()

  /** The rewritten href, or undefined for a broken link. */
  const rewrite = (href: string, line: number): string | undefined => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//') || href.startsWith('#'))
      return href
    const [path = '', anchor] = href.split('#', 2)
    const suffix = anchor === undefined ? '' : `#${anchor}`
    const repoPath = posix.normalize(posix.join(sourceDir, decodeURI(path))).replace(/\/$/, '')
    const target = pageFor(pages, repoPath)
    if (target !== undefined) return `${relativeUrl(page.page, target.page)}${suffix}`
    const absolute = join(root, repoPath)
    if (!repoPath.startsWith('..') && existsSync(absolute) && statSync(absolute).isFile()) {
      files.add(repoPath)
      return `${relativeUrl(page.page, `files/${repoPath}`)}${suffix}`
    }
    brokenLinks.push(`${page.source}:${line}: ${href}`)
    return undefined
  }

  const lineOf = (token: { meta: unknown }) => (token.meta as { line?: number } | null)?.line ?? 0
  const defaultLinkOpen = md.renderer.rules.link_open
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!
    const href = token.attrGet('href')
    if (href !== null) {
      const next = rewrite(href, lineOf(token))
      if (next === undefined) {
        token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'href')
        token.attrSet('class', 'unresolved-link')
      } else token.attrSet('href', next)
    }
    return defaultLinkOpen === undefined
      ? self.renderToken(tokens, idx, options)
      : defaultLinkOpen(tokens, idx, options, env, self)
  }
  const defaultImage = md.renderer.rules.image
  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!
    const src = token.attrGet('src')
    if (src !== null) token.attrSet('src', rewrite(src, lineOf(token)) ?? '')
    return defaultImage === undefined
      ? self.renderToken(tokens, idx, options)
      : defaultImage(tokens, idx, options, env, self)
  }
  md.renderer.rules.heading_open = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!
    const text = tokens[idx + 1]?.children?.map((c) => c.content).join('') ?? ''
    const base = headingSlug(text)
    const seen = slugs.get(base) ?? 0
    slugs.set(base, seen + 1)
    token.attrSet('id', seen === 0 ? base : `${base}-${seen}`)
    if (token.tag === 'h1' && heading === page.title) heading = text
    return self.renderToken(tokens, idx, options)
  }
  // Block tokens carry their source lines; links and images are children of inline tokens.
  const tokens = md.parse(markdown, {})
  for (const token of tokens)
    for (const child of token.children ?? []) child.meta = { line: (token.map?.[0] ?? 0) + 1 }
  const html = md.renderer.render(tokens, md.options, {})
  return { html, heading, files: [...files].sort(), brokenLinks }
}

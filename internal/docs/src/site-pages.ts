import { existsSync, readdirSync } from 'node:fs'
import { join, posix } from 'node:path'

/** A guide page of the site, rendered from one markdown file of the repository. */
export interface GuidePage {
  /** The markdown file, relative to the repository root (`packages/core/README.md`). */
  readonly source: string
  /** Where the page goes, relative to the site root (`packages/core.html`). */
  readonly page: string
  /** The title in the navigation. */
  readonly title: string
  /** Navigation group. */
  readonly group: 'Guides' | 'Packages' | 'Examples' | 'Internal'
}

const GUIDE_TITLES: Readonly<Record<string, string>> = {
  'ARCHITECTURE.md': 'Architecture',
  'migrating.md': 'Migrating',
}

/**
 * Every markdown file the site renders: the root README (the home page), `docs/*.md`, and the
 * README of every package, example and internal package, in navigation order.
 */
export function guidePages(root: string): GuidePage[] {
  const pages: GuidePage[] = [
    { source: 'README.md', page: 'index.html', title: 'Home', group: 'Guides' },
  ]
  const docs = join(root, 'docs')
  if (existsSync(docs))
    for (const file of readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .sort())
      pages.push({
        source: `docs/${file}`,
        page: `guides/${file.replace(/\.md$/, '').toLowerCase()}.html`,
        title: GUIDE_TITLES[file] ?? file.replace(/\.md$/, ''),
        group: 'Guides',
      })
  const groups = [
    ['packages', 'Packages'],
    ['examples', 'Examples'],
    ['internal', 'Internal'],
  ] as const
  for (const [dir, group] of groups) {
    if (!existsSync(join(root, dir))) continue
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, dir, e.name, 'README.md')))
      .map((e) => e.name)
      .sort())
      pages.push({
        source: `${dir}/${entry}/README.md`,
        page: `${dir}/${entry}.html`,
        title: dir === 'packages' ? `@cacheport/${entry}` : entry,
        group,
      })
  }
  return pages
}

/**
 * The site page a repository path leads to: the page of a markdown file, or of the README of
 * a directory; undefined when no page renders it.
 */
export function pageFor(pages: readonly GuidePage[], repoPath: string): GuidePage | undefined {
  const path = posix.normalize(repoPath).replace(/\/$/, '')
  return pages.find((p) => p.source === path || p.source === `${path}/README.md`)
}

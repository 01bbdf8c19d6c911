/** The guide pages' stylesheet (the API reference keeps TypeDoc's own). */
export const SITE_CSS = `:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --link: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
header { padding: 0.7rem 1.5rem; border-bottom: 1px solid var(--line); }
header .home { font-weight: 700; font-size: 1.2rem; color: var(--fg); text-decoration: none; }
.layout { display: flex; align-items: flex-start; }
nav { flex: 0 0 15rem; padding: 1rem 1.5rem; border-right: 1px solid var(--line); font-size: 0.9rem; }
nav h2 { font-size: 0.8rem; text-transform: uppercase; color: var(--muted); margin: 1rem 0 0.3rem; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; }
main { flex: 1 1 auto; min-width: 0; max-width: 60rem; padding: 1rem 2rem 4rem; }
a { color: var(--link); }
.unresolved-link { color: var(--muted); }
pre { background: #f6f8fa; padding: 0.8rem 1rem; overflow-x: auto; border-radius: 6px; }
code { font: 0.9em/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
table { border-collapse: collapse; display: block; overflow-x: auto; margin: 1rem 0; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
figure { margin: 1rem 0; overflow-x: auto; }
figcaption { color: var(--muted); font-size: 0.85rem; }
.api-link { font-weight: 600; }
`

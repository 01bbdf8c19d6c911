// Bundles cbor-x's pure-JavaScript encoder and decoder into dist/vendor/cbor-x (with its
// licence) and points the built encoder at that copy, so the published package has no
// dependency on cbor-x and a consumer's install never meets cbor-x's optional native
// dependency (cbor-extract, which compiles with node-gyp when no prebuilt package matches).
// Run by `npm run build` after tsc. Throws if cbor-x's layout or the built import changed.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const here = dirname(new URL(import.meta.url).pathname)
const dist = join(here, '..', 'dist')
const source = dirname(createRequire(import.meta.url).resolve('cbor-x/package.json'))
const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'))
const vendor = join(dist, 'vendor', 'cbor-x')
mkdirSync(vendor, { recursive: true })

for (const file of ['encode.js', 'decode.js', 'LICENSE']) {
  copyFileSync(join(source, file), join(vendor, file))
}
for (const file of ['encode.js', 'decode.js']) {
  const imports = [
    ...readFileSync(join(vendor, file), 'utf8').matchAll(/^import .* from '([^']+)'/gm),
  ]
  const outside = imports.map((m) => m[1]).filter((s) => s !== './decode.js' && s !== './encode.js')
  if (outside.length > 0) throw new Error(`cbor-x ${version} ${file} imports ${outside.join(', ')}`)
}
writeFileSync(
  join(vendor, 'index.js'),
  `// cbor-x ${version} (MIT, see LICENSE beside this file): its pure-JavaScript entry points.\n` +
    "export { Encoder } from './encode.js'\nexport { Decoder } from './decode.js'\n",
)

const built = join(dist, 'cbor-encoder.js')
const text = readFileSync(built, 'utf8')
const from = /from 'cbor-x';/g
const count = text.match(from)?.length ?? 0
if (count !== 1) throw new Error(`expected one import of cbor-x in ${built}, found ${count}`)
writeFileSync(built, text.replace(from, "from './vendor/cbor-x/index.js';"))

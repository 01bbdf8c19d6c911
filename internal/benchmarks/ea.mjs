import { createCacheService } from '@cacheport/core'
import { memoryProvider } from '@cacheport/provider-memory'
import { LRUCache } from 'lru-cache'
const N = 100000
const keys = Array.from({ length: N }, (_, i) => `p:${i}`)
const provider = memoryProvider({ values: 'live', maximumSize: N })
const caches = createCacheService({ providers: { local: provider }, diagnostics: false })
const c = caches.namespace('bench')
await c.setMany(keys.map((key, i) => ({ key, value: { i } })))
const store = provider.openStore({ namespace: 'bench' })
const lru = new LRUCache({ max: N }); for (const k of keys) lru.set(k, { k })
let seed = 42; const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
const look = Array.from({ length: 1 << 20 }, () => keys[Math.floor(rnd() * N)])
function run(name, f) {
  let best = 0
  for (let r = 0; r < 7; r++) {
    const t0 = process.cpuUsage(); let n = 0
    for (let i = 0; i < 2_000_000; i++) if (f(look[i & 0xfffff]) !== undefined) n++
    const u = process.cpuUsage(t0); const dt = (u.user + u.system) / 1000
    if (r >= 2) best = Math.max(best, 2_000_000 / dt / 1000)
  }
  console.log(name, best.toFixed(2), 'M/s')
}
const m = process.argv[2]
if (m === 'd') run('store.get deref', (k) => store.get(k)?.value)
if (m === 'p') run('peek', (k) => c.peek(k))
if (m === 'l') run('lru', (k) => lru.get(k))

import { createApp } from './app.js'
import { createCaches } from './caches.js'
import { Catalog } from './catalog.js'

const port = Number(process.env.PORT ?? 3000)
const app = await createApp(() => createCaches(), new Catalog())
await app.listen({ port, host: '127.0.0.1' })
console.log(`listening on http://127.0.0.1:${port}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // app.close() runs the plugin's onClose hook, which closes the cache service.
  process.once(signal, () => void app.close())
}

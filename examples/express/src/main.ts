import { createApp } from './app.js'
import { createCaches } from './caches.js'
import { Catalog } from './catalog.js'

const port = Number(process.env.PORT ?? 3000)
const caches = await createCaches()
const server = createApp(caches, new Catalog()).listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void caches.close())
  })
}

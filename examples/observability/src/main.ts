import { startApp } from './app.js'

// PORT defaults to 3000; with REDIS_URL the namespace is multilevel (L1 memory, L2 Redis).
const app = await startApp({
  port: Number(process.env.PORT ?? 3000),
  ...(process.env.REDIS_URL !== undefined ? { redisUrl: process.env.REDIS_URL } : {}),
})
console.log(`listening on ${app.url}: try ${app.url}/products/1 and ${app.url}/metrics`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close()
  })
}

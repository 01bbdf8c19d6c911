import { createServer } from 'node:net'

/** The harness only ever binds this address. */
export const HOST = '127.0.0.1'

/** Ports never handed out, even if the OS offers them (the default Redis/Valkey port). */
const FORBIDDEN = new Set([6379])

/** Ports handed out by this process and not yet released (avoids in-process collisions). */
const reserved = new Set<number>()

function listenOnZero(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close((err) => (err ? reject(err) : resolve(port)))
    })
  })
}

/**
 * Finds a free TCP port on 127.0.0.1 by listening on port 0 and closing the listener again.
 * The port is remembered as reserved (so concurrent calls in this process never return the
 * same port) until {@link releasePort} is called. Another process can still grab it between
 * now and the moment the server binds it: callers retry on `EADDRINUSE`.
 */
export async function getFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await listenOnZero()
    if (port <= 0 || FORBIDDEN.has(port) || reserved.has(port)) continue
    reserved.add(port)
    return port
  }
  throw new Error('could not find a free port on 127.0.0.1')
}

/** Forgets a port reserved by {@link getFreePort}. */
export function releasePort(port: number): void {
  reserved.delete(port)
}

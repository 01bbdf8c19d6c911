/** Multi-process test tools for multilevel caches (private). */
export { percentile, spawnWorker, Worker } from './fleet.js'
export type { BackendSpec, Reply, Request, WorkerEvent } from './protocol.js'
export { wallNow } from './protocol.js'

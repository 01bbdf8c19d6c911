/**
 * `@cacheport/test-harness`: starts and stops real `redis-server` / `valkey-server` processes
 * (standalone and cluster) for integration tests. Everything binds 127.0.0.1 on random free
 * ports, runs without persistence in private temp dirs, and dies with the Node process that
 * started it (see {@link reapOrphans} and the README for the orphan-cleanup mechanism).
 *
 * Install the servers with `scripts/install-servers.sh`.
 *
 * @packageDocumentation
 */

export {
  /** Kills servers (and removes temp dirs) whose owning Node process is gone. */
  reapOrphans,
  /** Where the pidfile records used by {@link reapOrphans} live. */
  registryDir,
  /** How servers are tied to the owner process: `pdeathsig` (Linux) or `poll`. */
  type WatchdogMode,
  /** The watchdog mode in use (`CACHEPORT_TEST_HARNESS_WATCHDOG` or auto-detected). */
  watchdogMode,
} from './cleanup.js'
export {
  type ClusterHandle,
  type StartClusterOptions,
  /** Starts a cluster (3 primaries + 3 replicas by default) and waits until it is healthy. */
  startCluster,
} from './cluster.js'
export {
  type MemcachedHandle,
  type StartMemcachedOptions,
  /** Starts memcached on a random free port (TCP only). */
  startMemcached,
} from './memcached.js'
export { type MemoryReport, MiB, measureMemory, memoryRow, runMemoryProbe } from './memory-probe.js'
export {
  /** Finds a free port on 127.0.0.1 (never 6379). */
  getFreePort,
  /** The only address the harness binds: `127.0.0.1`. */
  HOST,
} from './ports.js'
export {
  type PostgresHandle,
  type StartPostgresOptions,
  /** Creates a throwaway PostgreSQL cluster and runs it on a random free port. */
  startPostgres,
} from './postgres.js'
export {
  /** A seeded PRNG for reproducible randomised tests and benchmarks. */
  mulberry32,
} from './random.js'
export {
  /** An error reply from the server. */
  RespError,
  type RespReply,
  type SendCommandOptions,
  /** Sends one command over a raw RESP connection (no redis-cli process). */
  sendCommand,
} from './resp.js'
export {
  /** The RediSearch module's path relative to the repository root. */
  REDISEARCH_MODULE,
  /** The absolute path of the RediSearch 2.4.16 module; throws when it is missing. */
  redisearchModulePath,
} from './search-module.js'
export {
  type ServerHandle,
  type ServerKind,
  /** Thrown when a server does not come up; carries its log. */
  ServerStartError,
  type ServerTlsOptions,
  type StartServerOptions,
  /** Starts one standalone server on a random port and waits until it is ready. */
  startServer,
} from './server.js'
export {
  /** Makes a throw-away CA and a server certificate for 127.0.0.1 with the `openssl` CLI. */
  createTestCertificates,
  type TestCertificates,
} from './tls.js'

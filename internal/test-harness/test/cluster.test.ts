import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClusterHandle, type ServerKind, startCluster } from '../src/index.js'
import { canConnect, processRunning, waitFor } from './helpers.js'

const kinds: ServerKind[] = ['redis', 'valkey']

describe.each(kinds)('%s cluster', (kind) => {
  let cluster: ClusterHandle

  beforeAll(async () => {
    cluster = await startCluster({ kind })
  })
  afterAll(() => cluster?.stop())

  it('has 6 nodes in cluster_state:ok, 3 primaries and 3 replicas with their link up', async () => {
    expect(cluster.kind).toBe(kind)
    expect(cluster.nodes).toHaveLength(6)
    expect(new Set(cluster.seeds.map((s) => s.port)).size).toBe(6)
    for (const seed of cluster.seeds) expect(seed.host).toBe('127.0.0.1')

    for (const node of cluster.nodes) {
      const info = await node.cli('cluster', 'info')
      expect(info).toMatch(/^cluster_state:ok\r?$/m)
      expect(info).toMatch(/^cluster_known_nodes:6\r?$/m)
      expect(info).toMatch(/^cluster_slots_assigned:16384\r?$/m)
    }

    const primaries = await cluster.primaries()
    const replicas = await cluster.replicas()
    expect(primaries).toHaveLength(3)
    expect(replicas).toHaveLength(3)
    expect(new Set([...primaries, ...replicas]).size).toBe(6)
    for (const replica of replicas) {
      const replication = await replica.cli('info', 'replication')
      expect(replication).toMatch(/^role:slave\r?$/m)
      expect(replication).toMatch(/^master_link_status:up\r?$/m)
    }
  })

  it('reports role changes after a failover', async () => {
    const [victim] = await cluster.primaries()
    victim!.kill('SIGKILL')
    await waitFor(
      'a replica to take over',
      async () => {
        const primaries = await cluster.primaries()
        return primaries.length === 3 && !primaries.includes(victim!)
      },
      20_000,
    )
    await victim!.restart()
    await cluster.waitUntilHealthy()
    expect((await cluster.replicas()).includes(victim!)).toBe(true)
    expect(await cluster.primaries()).toHaveLength(3)
  })

  it('stop() kills all 6 processes and removes their dirs', async () => {
    const nodes = [...cluster.nodes]
    const pids = nodes.map((n) => n.pid)
    await cluster.stop()
    for (const [i, node] of nodes.entries()) {
      expect(node.running).toBe(false)
      expect(await processRunning(pids[i]!)).toBe(false)
      expect(existsSync(node.dir)).toBe(false)
      expect(await canConnect(node.port)).toBe(false)
    }
  })
})

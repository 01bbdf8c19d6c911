import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerHandle, type ServerKind, ServerStartError, startServer } from '../src/index.js'
import { canConnect, processRunning, waitFor } from './helpers.js'

const kinds: ServerKind[] = ['redis', 'valkey']

describe.each(kinds)('%s server', (kind) => {
  let server: ServerHandle

  beforeAll(async () => {
    server = await startServer({ kind })
  })
  afterAll(() => server?.stop())

  it('answers PING through the CLI', async () => {
    expect(server.kind).toBe(kind)
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
    expect(server.port).not.toBe(6379)
    expect(server.running).toBe(true)
    expect(await server.cli('ping')).toBe('PONG')
    expect(await server.command('PING')).toBe('PONG')
  })

  it('runs without persistence, in its own dir, bound to 127.0.0.1 only', async () => {
    expect(await server.cli('config', 'get', 'save')).toBe('save\n')
    expect(await server.command('CONFIG', 'GET', 'save')).toEqual(['save', ''])
    expect(await server.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no'])
    expect(await server.command('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1'])
    expect(await server.command('CONFIG', 'GET', 'dir')).toEqual(['dir', server.dir])
    expect(existsSync(server.dir)).toBe(true)
  })

  it('enables the DEBUG command', async () => {
    expect(await server.command('DEBUG', 'SLEEP', '0')).toBe('OK')
  })

  it('comes back on the same port after kill() + restart()', async () => {
    const { port, pid } = server
    await server.command('SET', 'k', 'v')
    server.kill('SIGKILL')
    await waitFor('server process gone', () => !server.running)
    expect(await canConnect(port)).toBe(false)

    await server.restart()
    expect(server.port).toBe(port)
    expect(server.pid).not.toBe(pid)
    expect(server.running).toBe(true)
    expect(await server.cli('ping')).toBe('PONG')
    expect(await server.command('GET', 'k')).toBeNull() // nothing was persisted
  })
})

describe('startServer', () => {
  it('gives concurrently started servers different ports', async () => {
    const servers = await Promise.all([
      startServer({ kind: 'redis' }),
      startServer({ kind: 'redis' }),
      startServer({ kind: 'valkey' }),
    ])
    try {
      const ports = new Set(servers.map((s) => s.port))
      expect(ports.size).toBe(3)
      const dirs = new Set(servers.map((s) => s.dir))
      expect(dirs.size).toBe(3)
      for (const s of servers) expect(await s.cli('ping')).toBe('PONG')
    } finally {
      await Promise.all(servers.map((s) => s.stop()))
    }
  })

  it('stop() kills the process, closes the port and removes the temp dir', async () => {
    const server = await startServer({ kind: 'valkey' })
    const { port, pid, dir } = server
    expect(await canConnect(port)).toBe(true)
    await server.stop()
    expect(server.running).toBe(false)
    expect(await processRunning(pid)).toBe(false)
    expect(existsSync(dir)).toBe(false)
    expect(await canConnect(port)).toBe(false)
    await server.stop() // idempotent
    await expect(server.restart()).rejects.toThrow(/stopped/)
  })

  it('surfaces the server output when the server fails to start', async () => {
    const error = await startServer({ kind: 'redis', args: ['--no-such-directive', 'x'] }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ServerStartError)
    expect((error as ServerStartError).message).toMatch(/failed to start/)
    expect((error as ServerStartError).log).toMatch(/no-such-directive/i)
  })

  it('rejects arguments the harness manages, and missing modules', async () => {
    await expect(startServer({ kind: 'redis', args: ['--port', '6379'] })).rejects.toThrow(
      /managed by the test harness/,
    )
    await expect(startServer({ kind: 'redis', args: ['--bind', '0.0.0.0'] })).rejects.toThrow(
      /managed by the test harness/,
    )
    await expect(
      startServer({ kind: 'valkey', modules: ['/nonexistent/module.so'] }),
    ).rejects.toThrow(/ENOENT/)
  })
})

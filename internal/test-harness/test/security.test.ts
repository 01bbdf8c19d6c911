import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestCertificates,
  RespError,
  type ServerHandle,
  sendCommand,
  startServer,
  type TestCertificates,
} from '../src/index.js'

describe('a server with TLS, requirepass and an ACL user', () => {
  let certs: TestCertificates
  let server: ServerHandle

  beforeAll(async () => {
    certs = await createTestCertificates()
    server = await startServer({
      kind: 'valkey',
      tls: { certificates: certs },
      password: 'admin-secret',
      users: ['app on >app-secret ~app:* -@all +get +set'],
    })
  })
  afterAll(async () => {
    await server?.stop()
    await certs?.remove()
  })

  it('serves TLS only, and the harness authenticates as the default user', async () => {
    expect(server.tls).toBe(true)
    expect(server.url).toBe(`rediss://127.0.0.1:${server.port}`)
    expect(await server.command('PING')).toBe('PONG')
    expect(await server.cli('PING')).toBe('PONG')
    expect(await server.command('CONFIG', 'GET', 'port')).toEqual(['port', '0'])
    // Plain TCP on the TLS port gets no answer.
    await expect(sendCommand(server.port, ['PING'], { timeoutMs: 500 })).rejects.toThrow()
    // Without AUTH the default user is refused.
    await expect(sendCommand(server.port, ['PING'], { tls: { ca: certs.ca } })).rejects.toThrow(
      /NOAUTH/,
    )
  })

  it('keeps the ACL user (and its key pattern) across a restart', async () => {
    const app = { tls: { ca: certs.ca }, auth: ['app', 'app-secret'] }
    expect(await sendCommand(server.port, ['SET', 'app:k', 'v'], app)).toBe('OK')
    await server.restart()
    expect(await sendCommand(server.port, ['SET', 'app:k', 'v'], app)).toBe('OK')
    const refused = await sendCommand(server.port, ['SET', 'other:k', 'v'], app).catch((e) => e)
    expect(refused).toBeInstanceOf(RespError)
    expect(String(refused)).toMatch(/NOPERM/)
  })

  it('refuses a client that trusts another CA', async () => {
    const other = await createTestCertificates('other')
    try {
      await expect(
        sendCommand(server.port, ['PING'], { tls: { ca: other.ca }, auth: ['admin-secret'] }),
      ).rejects.toThrow(/certificate/)
    } finally {
      await other.remove()
    }
  })
})

/**
 * Servers must die with the Node process that started them, however it dies. Each test runs a
 * child Node process that starts a server from the built package (dist/, rebuilt here when
 * stale), reports the server's port/pid/dir on stdout, and is then killed in some way.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { reapOrphans, registryDir, type ServerKind } from '../src/index.js'
import { canConnect, processRunning, waitFor } from './helpers.js'

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)))
const distEntry = join(pkgDir, 'dist', 'index.js')

function ensureBuilt(): void {
  const srcDir = join(pkgDir, 'src')
  const newestSrc = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs))
  if (existsSync(distEntry) && statSync(distEntry).mtimeMs >= newestSrc) return
  const require = createRequire(import.meta.url)
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
  execFileSync(process.execPath, [tsc, '-p', join(pkgDir, 'tsconfig.json')], { stdio: 'inherit' })
}

const pdeathsigAvailable =
  process.platform === 'linux' &&
  spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' }).status === 0

interface Owner {
  child: ChildProcess
  port: number
  pid: number
  dir: string
}

const owners: ChildProcess[] = []

/** Starts a child Node process that starts one server and then idles (or throws). */
function startOwner(
  kind: ServerKind,
  options: { watchdog?: 'pdeathsig' | 'poll'; after?: 'idle' | 'throw' } = {},
): Promise<Owner> {
  const script = `
    import { startServer } from ${JSON.stringify(pathToFileURL(distEntry).href)}
    const server = await startServer({ kind: ${JSON.stringify(kind)} })
    process.stdout.write(JSON.stringify({ port: server.port, pid: server.pid, dir: server.dir }) + '\\n')
    if (${JSON.stringify(options.after ?? 'idle')} === 'throw') setTimeout(() => { throw new Error('boom') }, 20)
    else setInterval(() => {}, 1000)
  `
  const env = { ...process.env }
  if (options.watchdog) env.CACHEPORT_TEST_HARNESS_WATCHDOG = options.watchdog
  else delete env.CACHEPORT_TEST_HARNESS_WATCHDOG
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: tmpdir(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  owners.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      err += text
    })
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text
      const newline = out.indexOf('\n')
      if (newline >= 0) resolve({ child, ...JSON.parse(out.slice(0, newline)) })
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`owner exited early (${code ?? signal}): ${err}`)),
    )
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function expectServerGone(owner: Owner): Promise<void> {
  await waitFor('server port closed', async () => !(await canConnect(owner.port, 200)), 5000)
  await waitFor('server process gone', async () => !(await processRunning(owner.pid)), 5000)
}

describe('orphan cleanup', () => {
  beforeAll(() => {
    ensureBuilt()
  })

  afterEach(() => {
    for (const child of owners.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  })

  // Only where setpriv can set PR_SET_PDEATHSIG (Linux); the poll watchdog below runs everywhere.
  if (pdeathsigAvailable)
    it('kills the server when the owner is SIGKILLed (pdeathsig), reapOrphans removes its dir', async () => {
      const owner = await startOwner('redis', { watchdog: 'pdeathsig' })
      expect(await canConnect(owner.port)).toBe(true)
      expect(existsSync(join(registryDir, `${owner.pid}.json`))).toBe(true)
      owner.child.kill('SIGKILL')
      await exited(owner.child)
      await expectServerGone(owner)
      // The kernel killed the server, but no JS ran: its temp dir and record are left behind
      // until the next startServer() (or an explicit reapOrphans()) cleans them up.
      await reapOrphans()
      expect(existsSync(owner.dir)).toBe(false)
      expect(existsSync(join(registryDir, `${owner.pid}.json`))).toBe(false)
    })

  it('kills the server when the owner is SIGKILLed (poll watchdog)', async () => {
    const owner = await startOwner('valkey', { watchdog: 'poll' })
    expect(await canConnect(owner.port)).toBe(true)
    owner.child.kill('SIGKILL')
    await exited(owner.child)
    await expectServerGone(owner)
    await waitFor('temp dir removed by the watchdog', () => !existsSync(owner.dir), 5000)
  })

  it('kills the server and removes its dir when the owner is SIGTERMed', async () => {
    const owner = await startOwner('redis')
    owner.child.kill('SIGTERM')
    await exited(owner.child)
    expect(owner.child.signalCode).toBe('SIGTERM') // default behaviour preserved
    await expectServerGone(owner)
    expect(existsSync(owner.dir)).toBe(false)
  })

  it('kills the server and removes its dir when the owner dies of an uncaught exception', async () => {
    const owner = await startOwner('valkey', { after: 'throw' })
    await exited(owner.child)
    expect(owner.child.exitCode).toBe(1)
    await expectServerGone(owner)
    expect(existsSync(owner.dir)).toBe(false)
  })
})

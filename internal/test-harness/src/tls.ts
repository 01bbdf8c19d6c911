import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { resolveBinary } from './binaries.js'
import { TEMP_DIR_PREFIX } from './cleanup.js'

/**
 * A throw-away certificate authority and a server certificate it signed, made at run time by
 * the `openssl` CLI (never committed). The server certificate is valid for `127.0.0.1`
 * (SAN `IP:127.0.0.1`) and `localhost`, for server and client authentication (so servers can
 * use it on the cluster bus and for replication too).
 */
export interface TestCertificates {
  /** Temp dir holding the files; removed by {@link TestCertificates.remove}. */
  readonly dir: string
  /** The CA certificate (PEM file) servers use as `tls-ca-cert-file`. */
  readonly caCertFile: string
  /** The server certificate (PEM file), signed by the CA. */
  readonly certFile: string
  /** The server certificate's private key (PEM file). */
  readonly keyFile: string
  /** The CA certificate in PEM, for a client's `tls: { ca }`. */
  readonly ca: string
  /** Deletes the temp dir. Idempotent. */
  remove(): Promise<void>
}

const OPENSSL_TIMEOUT_MS = 30_000

function openssl(cwd: string, args: readonly string[]): Promise<void> {
  const bin = resolveBinary('openssl')
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, timeout: OPENSSL_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`openssl ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`))
      else resolve()
    })
  })
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/**
 * Makes a fresh CA (`CN=<name> CA`) and a server certificate for 127.0.0.1/localhost in a new
 * temp dir with the `openssl` CLI (P-256 keys, valid for 2 days). Every call makes a different
 * CA, so a second call gives a "wrong CA" for a server that uses the first. Throws when
 * `openssl` is missing (install it with `scripts/install-servers.sh`) or fails.
 */
export async function createTestCertificates(name = 'cacheport-test'): Promise<TestCertificates> {
  const dir = await mkdtemp(`${TEMP_DIR_PREFIX}tls-`)
  const remove = () => rm(dir, { recursive: true, force: true, maxRetries: 3 })
  try {
    await writeFile(
      join(dir, 'server.ext'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '',
      ].join('\n'),
    )
    const days = ['-days', '2']
    await openssl(dir, [
      'req',
      '-x509',
      '-new',
      ...EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      ...days,
      '-subj',
      `/CN=${name} CA`,
    ])
    await openssl(dir, [
      'req',
      '-new',
      ...EC_KEY,
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    ])
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      ...days,
      '-extfile',
      'server.ext',
    ])
    const caCertFile = join(dir, 'ca.crt')
    return {
      dir,
      caCertFile,
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      ca: await readFile(caCertFile, 'utf8'),
      remove,
    }
  } catch (error) {
    await remove()
    throw error
  }
}

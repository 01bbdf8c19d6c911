import { connect } from 'node:net'
import { HOST } from './ports.js'

/**
 * Connects to 127.0.0.1:`port`, writes `request` (if any), and resolves true once the answer
 * contains `expect` (or, with no `expect`, once connected). False on error or after 1 s.
 */
export function tcpProbe(port: number, request?: string, expect?: string): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = ''
    const socket = connect({ host: HOST, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => {
      if (expect === undefined) return done(true)
      if (request !== undefined) socket.write(request)
    })
    socket.on('data', (data) => {
      answer += data.toString('latin1')
      if (expect !== undefined && answer.includes(expect)) done(true)
    })
  })
}

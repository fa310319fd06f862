import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { connect } from 'node:net'
import { execFileSync } from 'node:child_process'
import pino from 'pino'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import requestInfo = require('../lib/index')

/** A real pino logger whose lines are kept, parsed, for assertions. */
export function recordingLogger (): { logger: pino.Logger, lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({
    write (chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line))
      callback()
    }
  })
  return { logger: pino({ level: 'trace' }, stream), lines }
}

/** Resolves once the plugin has handed the records it holds (10 ms at most) to the logger. */
export function afterFlush (): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 25))
}

/** Access records, once the plugin has handed them to the logger. */
export async function settledRecords (lines: Array<Record<string, any>>): Promise<Array<Record<string, any>>> {
  await afterFlush()
  return accessRecords(lines)
}

/** Lines that are access records (not the plugin's own error lines). */
export function accessRecords (lines: Array<Record<string, any>>): Array<Record<string, any>> {
  return lines.filter((line) => line.msg === 'request completed' || line.msg === 'request aborted')
}

/** A Fastify instance with the plugin registered and records kept in `lines`. */
export async function build (
  options: requestInfo.RequestInfoOptions = {},
  serverOptions: FastifyServerOptions = {},
  setup?: (app: FastifyInstance) => void
): Promise<{ app: FastifyInstance, lines: Array<Record<string, any>> }> {
  const { logger, lines } = recordingLogger()
  const app = Fastify(serverOptions)
  setup?.(app)
  await app.register(requestInfo, { logger, ...options })
  app.get('/', async (request) => request.requestInfo)
  return { app, lines }
}

/** Sends raw bytes on a real socket and resolves with everything the server answered. */
export function rawRequest (port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.end(bytes)
  })
}

/** Waits until `predicate` holds, polling; rejects after `ms`. */
export async function until (predicate: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A new empty directory under the system's temporary directory, removed when test `t` ends. */
export function tmpDir (t: { teardown: (fn: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by openssl. Without openssl, `skip` says why
 * (for tap's `skip` option) and `key` and `cert` are empty.
 */
export function testCertificate (): { key: string, cert: string, skip: string | false } {
  const dir = mkdtempSync(join(tmpdir(), 'fri-cert-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem',
      '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { cwd: dir, stdio: 'ignore' })
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), skip: false }
  } catch (err) {
    return { key: '', cert: '', skip: `openssl could not make a test certificate: ${(err as Error).message}` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

import { test, type Test } from 'tap'
import * as path from 'node:path'
import * as fs from 'node:fs'
import * as os from 'node:os'
import { once } from 'node:events'
import { execFileSync } from 'node:child_process'
import pino from 'pino'
import { Shipper } from '../lib/ship/logstash/shipper'
import { tcpReceiver, httpReceiver, type Receiver } from './receivers'
import { until, tmpDir } from './helper'

const TRANSPORT = path.join(__dirname, '..', 'dist', 'logstash.js')
const N = 50_000


/** How many of the records 0..N-1 (field `i`) arrived, are missing, and arrived more than once. */
function tally (receiver: Receiver): { missing: number, duplicates: number } {
  const seen = new Uint8Array(N)
  let duplicates = 0
  for (const record of receiver.records()) {
    if (typeof record.i !== 'number') continue
    if (seen[record.i] === 1) duplicates++
    seen[record.i] = 1
  }
  return { missing: seen.reduce((sum, v) => sum + (v === 0 ? 1 : 0), 0), duplicates }
}

/**
 * Logs N records at a steady pace through the worker transport; the receiver goes down after 1 s (a crash
 * stops reading 500 ms before and resets its connections), stays down 5 s and comes back. Resolves once the
 * transport has ended.
 */
async function outage (t: Test, receiver: Receiver, options: Record<string, unknown>, crash: boolean): Promise<void> {
  const transport = pino.transport({ target: TRANSPORT, options: { backoffMin: 50, backoffMax: 500, countersInterval: 0, ...options } })
  let counters = { delivered: 0, queuedBytes: 1 }
  transport.on('logstash-counters', (c: typeof counters) => { counters = c })
  const logger = pino(transport)
  // The clock starts when records flow: a worker thread can take a while to start on a busy machine.
  logger.info({ i: 0, pad: 'p'.repeat(200) }, 'fault injection')
  await until(() => receiver.lines.length > 0, 20_000)
  const downAt = Date.now() + 1000
  let down = false
  let paused = false
  let back: Promise<void> | undefined
  for (let i = 0; i < N; i += 500) {
    for (let k = Math.max(i, 1); k < i + 500; k++) logger.info({ i: k, pad: 'p'.repeat(200) }, 'fault injection')
    await new Promise((resolve) => setTimeout(resolve, 40))
    // A receiver that crashes while busy leaves the most in the kernel buffers, which is the case to measure.
    if (crash && !paused && Date.now() >= downAt - 500) {
      paused = true
      receiver.pause()
    }
    if (!down && Date.now() >= downAt) {
      down = true
      await receiver.stop(crash)
      back = new Promise((resolve) => setTimeout(resolve, 5000)).then(() => receiver.start())
    }
  }
  await back
  t.teardown(() => receiver.stop())
  // Delivered as far as the transport can tell; what the receiver lacks then is lost.
  await until(() => counters.delivered >= N && counters.queuedBytes === 0, 60_000)
  await new Promise((resolve) => setTimeout(resolve, 500))
  transport.end()
  await once(transport, 'close')
}

test('fault injection, http with a spool: every record id is delivered at least once', async (t) => {
  const receiver = await httpReceiver()
  await outage(t, receiver, { mode: 'http', url: receiver.url, spoolDir: tmpDir(t, 'fri-faults-'), queueBytes: 1 << 20 }, false)
  const { missing, duplicates } = tally(receiver)
  t.comment(`http + spool: ${N} records, receiver down 5 s: ${missing} missing, ${duplicates} duplicates`)
  t.equal(missing, 0, 'no record id is missing')
})

test('fault injection, tcp: what a crashed receiver loses, with and without the replay window', async (t) => {
  const results: Record<string, { missing: number, duplicates: number }> = {}
  for (const replayBytes of [0, 4 << 20]) {
    const receiver = await tcpReceiver()
    await outage(t, receiver, { port: receiver.port, replayBytes, spoolDir: tmpDir(t, 'fri-faults-') }, true)
    results[replayBytes] = tally(receiver)
    t.comment(`tcp, replayBytes ${replayBytes}: ${N} records, receiver reset and down 5 s: ` +
      `${results[replayBytes]?.missing} missing, ${results[replayBytes]?.duplicates} duplicates`)
  }
  t.equal(results[4 << 20]?.missing, 0, 'with the replay window nothing is lost')
  t.ok((results[4 << 20]?.missing as number) <= (results[0]?.missing as number), 'the window only ever reduces the loss')
})

/** A private CA with a server certificate for 127.0.0.1 and a client certificate, made by openssl. */
function certificates (dir: string): Record<'ca' | 'serverKey' | 'serverCert' | 'clientKey' | 'clientCert', string> {
  const run = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }) }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=fastify-request-info test CA')
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  for (const name of ['server', 'client']) {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2',
      ...(name === 'server' ? ['-extfile', 'server.ext'] : []))
  }
  const read = (file: string): string => fs.readFileSync(path.join(dir, file), 'utf8')
  return { ca: read('ca.pem'), serverKey: read('server.key'), serverCert: read('server.pem'), clientKey: read('client.key'), clientCert: read('client.pem') }
}

const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-certs-'))
let certs: ReturnType<typeof certificates> | undefined
let certError = ''
try {
  certs = certificates(certDir)
} catch (err) {
  certError = `openssl could not make test certificates: ${(err as Error).message}`
  fs.rmSync(certDir, { recursive: true, force: true })
}

test('TLS with a private CA, and mutual TLS', { skip: certs === undefined ? certError : false }, async (t) => {
  t.teardown(() => fs.rmSync(certDir, { recursive: true, force: true }))
  const dir = certDir
  if (certs === undefined) return
  const send = async (shipper: Shipper, receiver: Receiver, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) shipper.write(JSON.stringify({ i }) + '\n')
    await until(() => receiver.lines.length >= count, 5000)
    await shipper.close()
  }

  const tlsReceiver = await tcpReceiver({ key: certs.serverKey, cert: certs.serverCert })
  t.teardown(() => tlsReceiver.stop())
  await send(new Shipper({ port: tlsReceiver.port, tls: true, ca: path.join(dir, 'ca.pem'), countersInterval: 0 }), tlsReceiver, 100)
  t.equal(tlsReceiver.lines.length, 100, 'tcp over TLS, CA given as a file path')

  const mtls = await tcpReceiver({ key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true })
  t.teardown(() => mtls.stop())
  await send(new Shipper({ port: mtls.port, tls: true, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, countersInterval: 0 }), mtls, 100)
  t.equal(mtls.lines.length, 100, 'mutual TLS with a client certificate')

  const refused = new Shipper({ port: mtls.port, tls: true, ca: certs.ca, backoffMin: 20, backoffMax: 50, closeTimeout: 0, countersInterval: 0 })
  refused.write('{"i":-1}\n')
  await until(() => refused.read().retried >= 2, 5000)
  await refused.close()
  t.equal(mtls.lines.length, 100, 'without a client certificate nothing is delivered')

  const untrusted = new Shipper({ port: tlsReceiver.port, tls: true, backoffMin: 20, backoffMax: 50, closeTimeout: 0, countersInterval: 0 })
  untrusted.write('{"i":-1}\n')
  await until(() => untrusted.read().retried >= 2, 5000)
  await untrusted.close()
  t.equal(tlsReceiver.lines.length, 100, 'a server certificate from an unknown CA is refused')

  const https = await httpReceiver({ key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true })
  t.teardown(() => https.stop())
  await send(new Shipper({ mode: 'http', url: https.url, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, batchDelay: 1, countersInterval: 0 }), https, 100)
  t.equal(https.lines.length, 100, 'http mode over mutual TLS')
})

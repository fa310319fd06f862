import { test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as net from 'node:net'
import * as tls from 'node:tls'
import * as http2 from 'node:http2'
import { once } from 'node:events'
import { execFile, execFileSync } from 'node:child_process'
import Fastify, { type FastifyInstance } from 'fastify'
import requestInfo = require('../lib/index')
import { http2ConnectionFingerprint, Http2PrefaceReader, pseudoHeaderOrder, readHttp2Preface } from '../lib/fingerprint/http2'
import { recordingLogger, settledRecords, testCertificate, until } from './helper'

const VECTORS = path.join(__dirname, '..', '..', 'shared', 'vectors', 'tls', 'h2-akamai.json')
const vectors: Array<{ id: string, fp: string, ja4_same_connection?: string }> =
  fs.existsSync(VECTORS) ? JSON.parse(fs.readFileSync(VECTORS, 'utf8')).vectors : []
const noVectors = vectors.length === 0 ? `${VECTORS} is absent: the shared HTTP/2 vectors are needed` : false

const { skip: noOpenssl, ...certificate } = testCertificate()

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

function frame (type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9)
  header.writeUIntBE(payload.length, 0, 3)
  header[3] = type
  header[4] = flags
  header.writeUInt32BE(stream, 5)
  return Buffer.concat([header, payload])
}

/** The frames a client would send for the `S|WU|P` part of an Akamai fingerprint, then a HEADERS frame. */
function framesOf (fingerprint: string): Buffer {
  const [settings, windowUpdate, priorities] = fingerprint.split('|') as [string, string, string]
  const pairs = settings === '' ? [] : settings.split(';').map((pair) => pair.split(':').map(Number) as [number, number])
  const settingsPayload = Buffer.alloc(pairs.length * 6)
  pairs.forEach(([id, value], i) => { settingsPayload.writeUInt16BE(id, i * 6); settingsPayload.writeUInt32BE(value, i * 6 + 2) })
  const parts = [PREFACE, frame(4, 0, 0, settingsPayload)]
  if (windowUpdate !== '00') parts.push(frame(8, 0, 0, Buffer.from(Number(windowUpdate).toString(16).padStart(8, '0'), 'hex')))
  if (priorities !== '0') {
    for (const priority of priorities.split(',')) {
      const [stream, exclusive, dependsOn, weight] = priority.split(':').map(Number) as [number, number, number, number]
      const payload = Buffer.alloc(5)
      payload.writeUInt32BE(((exclusive << 31) | dependsOn) >>> 0)
      payload[4] = weight - 1
      parts.push(frame(2, 0, stream, payload))
    }
  }
  parts.push(frame(1, 0x4, 1, Buffer.from([0x82, 0x84, 0x87])))
  return Buffer.concat(parts)
}

test('the frames before the first request give the S|WU|P of every shared vector', { skip: noVectors }, async (t) => {
  for (const vector of vectors) {
    const connectionPart = vector.fp.split('|').slice(0, 3).join('|')
    const bytes = framesOf(connectionPart)
    const preface = readHttp2Preface(bytes)
    t.equal(preface.state, 'complete', `${vector.id}: complete`)
    t.equal(http2ConnectionFingerprint(preface), connectionPart, vector.id)
    // Any prefix is incomplete and never contradicts the whole.
    for (const cut of [1, 23, 24, 30, bytes.length - 12]) {
      t.equal(readHttp2Preface(bytes.subarray(0, cut)).state, 'incomplete', `${vector.id}: ${cut} bytes are incomplete`)
    }
  }
})

test('a trickled preface: one reader fed growing bytes answers as a fresh read at every length', { skip: noVectors }, async (t) => {
  const firefox = vectors.find((v) => v.fp.includes(',5:0:0:101')) as { fp: string }
  const bytes = framesOf(firefox.fp.split('|').slice(0, 3).join('|'))
  const reader = new Http2PrefaceReader()
  let mismatches = 0
  for (let end = 0; end <= bytes.length; end++) {
    const prefix = bytes.subarray(0, end)
    if (JSON.stringify(reader.read(prefix)) !== JSON.stringify(readHttp2Preface(prefix))) mismatches++
  }
  t.equal(mismatches, 0, `${bytes.length + 1} prefixes, none read differently`)
  t.equal(http2ConnectionFingerprint(reader.read(bytes)), firefox.fp.split('|').slice(0, 3).join('|'))
})

test('readHttp2Preface: defined outcomes for bytes that are not a client preface', async (t) => {
  t.equal(readHttp2Preface(Buffer.from('GET / HTTP/1.1\r\n')).state, 'not-http2')
  t.equal(readHttp2Preface(Buffer.from('PRI * HTTP/1.1')).state, 'not-http2')
  const settingsFirst = (payload: Buffer, stream = 0): Buffer => Buffer.concat([PREFACE, frame(4, 0, stream, payload)])
  t.match(readHttp2Preface(settingsFirst(Buffer.alloc(7))), { state: 'invalid', reason: 'malformed SETTINGS frame' })
  t.match(readHttp2Preface(settingsFirst(Buffer.alloc(6), 1)), { state: 'invalid', reason: 'malformed SETTINGS frame' })
  t.match(readHttp2Preface(Buffer.concat([PREFACE, frame(8, 0, 0, Buffer.alloc(4))])),
    { state: 'invalid', reason: 'the preface is not followed by a SETTINGS frame' })
  const settings = settingsFirst(Buffer.from('000100010000', 'hex'))
  t.match(readHttp2Preface(Buffer.concat([settings, frame(8, 0, 0, Buffer.alloc(3))])), { state: 'invalid', reason: 'malformed WINDOW_UPDATE frame' })
  t.match(readHttp2Preface(Buffer.concat([settings, frame(2, 0, 0, Buffer.alloc(5))])), { state: 'invalid', reason: 'malformed PRIORITY frame' })
  // A stream-level WINDOW_UPDATE and a SETTINGS ACK are not part of the fingerprint.
  const more = Buffer.concat([settings, frame(4, 1, 0, Buffer.alloc(0)), frame(8, 0, 3, Buffer.from('00000010', 'hex')),
    frame(8, 0, 0, Buffer.from('80ff0001', 'hex')), frame(0, 0, 1, Buffer.alloc(0))])
  const preface = readHttp2Preface(more)
  t.equal(preface.state, 'complete')
  t.equal(http2ConnectionFingerprint(preface), '1:65536|16711681|0', 'the reserved bit of the increment is ignored')
  t.equal(http2ConnectionFingerprint(readHttp2Preface(PREFACE)), undefined, 'no SETTINGS yet: no fingerprint')
})

test('pseudoHeaderOrder: the four request pseudo-headers as sent, regular headers and others left out', async (t) => {
  t.equal(pseudoHeaderOrder([':method', 'GET', ':authority', 'a', ':scheme', 'https', ':path', '/', 'accept', '*/*']), 'm,a,s,p')
  t.equal(pseudoHeaderOrder([':path', '/', ':protocol', 'websocket', ':method', 'CONNECT']), 'p,m')
  t.equal(pseudoHeaderOrder(['host', 'x', ':method', 'GET']), '', 'pseudo-headers after a regular one are not pseudo-headers')
  t.equal(pseudoHeaderOrder([':__proto__', 'x', ':constructor', 'y']), '')
})

type Http2App = FastifyInstance<http2.Http2SecureServer, http2.Http2ServerRequest, http2.Http2ServerResponse>

interface Answer {
  h2?: string, ja4?: string, sslh?: string, sni?: string, alpn?: string, tlsVersion?: string, fingerprintSource?: string, version: string
}

async function http2Server (t: any, options: requestInfo.RequestInfoOptions, closeWithin?: number): Promise<{ app: Http2App, port: number }> {
  const app = Fastify({ http2: true, https: { ...certificate, allowHTTP1: true }, logger: false })
  await app.register(requestInfo, options)
  app.get('/', async (request) => {
    const { h2, ja4, sslh, sni, alpn, tlsVersion, fingerprintSource } = request.requestInfo
    return { h2, ja4, sslh, sni, alpn, tlsVersion, fingerprintSource, version: request.raw.httpVersion }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => {
    const closed = app.close()
    // Node 20's HTTP/2 server never closes a session that answered a protocol error with GOAWAY once the
    // client is gone, so server.close() never calls back (the same without this plugin); nothing stays
    // open either, so the test only stops waiting.
    await (closeWithin === undefined ? closed : Promise.race([closed, new Promise((resolve) => setTimeout(resolve, closeWithin))]))
  })
  return { app, port: (app.server.address() as net.AddressInfo).port }
}

function curl (args: string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sk', '--max-time', '10', ...args], (err, stdout) => err === null ? resolve(JSON.parse(stdout)) : reject(err))
  })
}

async function nodeClient (port: number, delay = 0): Promise<Answer> {
  const session = http2.connect(`https://localhost:${port}`, { rejectUnauthorized: false })
  try {
    await once(session, 'connect')
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    const stream = session.request({ ':path': '/' })
    let body = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => { body += chunk })
    await once(stream, 'end')
    return JSON.parse(body)
  } finally {
    session.close()
  }
}

const curlVersion = (() => {
  try {
    return /^curl (\S+)/.exec(execFileSync('curl', ['--version'], { encoding: 'utf8' }))?.[1]
  } catch {
    return undefined
  }
})()
const vector = (id: string): { fp: string, ja4_same_connection?: string } | undefined => vectors.find((v) => v.id === id)

test('h2Capture: curl --http2 and the Node http2 client give the shared vectors\' fingerprints', { skip: noOpenssl || noVectors }, async (t) => {
  const { port } = await http2Server(t, { h2Capture: true })
  const curlVector = vector(`curl-${curlVersion ?? '?'}-nghttp2-1.52.0`)
  if (curlVersion === undefined) t.comment('curl is not installed: its part is skipped')
  else {
    const answer = await curl(['--http2', '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/`])
    t.match(answer, { version: '2.0', alpn: 'h2', sni: 'localhost', tlsVersion: '1.3', fingerprintSource: 'socket' })
    if (curlVector === undefined) {
      t.comment(`no shared vector for curl ${curlVersion}: only the shape is checked`)
      t.match(answer.h2, /^[\d:;]*\|\d+\|[\d:,]+\|[maps,]+$/)
    } else {
      t.equal(answer.h2, curlVector.fp, `curl ${curlVersion}: ${curlVector.fp}`)
      t.equal(answer.ja4, curlVector.ja4_same_connection, 'the same connection\'s JA4 as in the vector')
    }
  }
  const nodeVector = vector(`node-${process.versions.node}-http2-client-default`)
  const answer = await nodeClient(port)
  t.match(answer, { version: '2.0', alpn: 'h2', sni: 'localhost', tlsVersion: '1.3', fingerprintSource: 'socket' })
  if (nodeVector === undefined) t.equal(answer.h2, '|00|0|p,m,a,s', 'Node\'s client: an empty SETTINGS frame, nothing else')
  else {
    t.equal(answer.h2, nodeVector.fp, `Node ${process.versions.node}: ${nodeVector.fp}`)
    t.equal(answer.ja4, nodeVector.ja4_same_connection, 'the same connection\'s JA4 as in the vector')
  }
})

test('without h2Capture, h2 is the pseudo-header order; HTTP/1.1 on the same server has none', { skip: noOpenssl || !curlVersion }, async (t) => {
  const { port } = await http2Server(t, {})
  t.match(await curl(['--http2', `https://127.0.0.1:${port}/`]), { version: '2.0', h2: 'm,p,s,a', alpn: 'h2', fingerprintSource: 'socket' })
  t.match(await nodeClient(port), { h2: 'p,m,a,s' })
  const h1 = await curl(['--http1.1', `https://127.0.0.1:${port}/`])
  t.match(h1, { version: '1.1', alpn: 'http/1.1', tlsVersion: '1.3', fingerprintSource: 'socket' })
  t.equal(h1.h2, undefined)
  t.match(h1.sslh, /^[0-9a-f]{32}$/)
  t.equal(h1.sni, undefined, 'no SNI for an address')
})

test('h2Capture: every request of a connection gets its fingerprint; a connection opened ahead of its request too', { skip: noOpenssl }, async (t) => {
  const { app, port } = await http2Server(t, { h2Capture: { timeout: 200 } })
  const session = http2.connect(`https://localhost:${port}`, { rejectUnauthorized: false })
  t.teardown(() => session.close())
  await once(session, 'connect')
  await new Promise((resolve) => setTimeout(resolve, 400)) // past the timeout, no request yet
  const get = async (): Promise<Answer> => {
    const stream = session.request({ ':path': '/' })
    let body = ''
    stream.on('data', (chunk: Buffer) => { body += chunk.toString() })
    await once(stream, 'end')
    return JSON.parse(body)
  }
  const answers = await Promise.all([get(), get(), get()])
  for (const answer of answers) t.equal(answer.h2, '|00|0|p,m,a,s')
  t.equal(app.requestInfo.counters.h2ConnectionsUnread, 0, 'the SETTINGS frame came in time')
})

/** A TLS connection that agrees on h2 and then sends `bytes` of its own. */
async function rawH2 (port: number, bytes: Buffer): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false })
  socket.on('error', () => {})
  await once(socket, 'secureConnect')
  if (bytes.length > 0) socket.write(bytes)
  return socket
}

test('h2Capture: hostile HTTP/2 clients are handed on, counted, and the server goes on', { skip: noOpenssl }, async (t) => {
  const { app, port } = await http2Server(t, { h2Capture: { timeout: 200, maxBytes: 1024 } }, 500)
  const counters = app.requestInfo.counters
  const cases: Array<[string, Buffer, boolean]> = [
    ['bytes that are not HTTP/2', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), true],
    ['a malformed SETTINGS frame', Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(5))]), true],
    ['a SETTINGS frame past the byte cap', Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(6 * 400))]), true],
    ['the preface alone, then silence', PREFACE, true],
    ['nothing at all', Buffer.alloc(0), true]
  ]
  for (const [name, bytes] of cases) {
    const before = counters.h2ConnectionsUnread
    const socket = await rawH2(port, bytes)
    await until(() => counters.h2ConnectionsUnread === before + 1, 3000)
    t.pass(`${name}: counted`)
    socket.destroy()
  }
  // A client that goes away while its frames are being read leaves nothing behind.
  const gone = await rawH2(port, PREFACE.subarray(0, 10))
  gone.destroy()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const answer = await nodeClient(port)
  t.equal(answer.h2, '|00|0|p,m,a,s', 'the server still answers, with the fingerprint')
})

test('the record carries the connection: ECS tls.* and request_info.h2; flat sni, alpn, tlsVersion', { skip: noOpenssl || !curlVersion }, async (t) => {
  for (const shape of ['ecs', 'flat'] as const) {
    const { logger, lines } = recordingLogger()
    const { port } = await http2Server(t, { logger, shape, h2Capture: true })
    const answer = await curl(['--http2', '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/`])
    const [record] = await settledRecords(lines)
    if (shape === 'ecs') {
      t.same(record?.tls, {
        client: { ja3: answer.sslh, ja4: answer.ja4, server_name: 'localhost' },
        next_protocol: 'h2',
        version: '1.3',
        version_protocol: 'tls'
      })
      t.match(record?.request_info, { h2: answer.h2, fingerprint_source: 'socket' })
    } else {
      t.match(record, { sslh: answer.sslh, ja4: answer.ja4, h2: answer.h2, sni: 'localhost', alpn: 'h2', tlsVersion: '1.3', fingerprintSource: 'socket' })
    }
    t.match(answer.h2, /\|m,p,s,a$/)
  }
})

const CHROMIUM = '/usr/bin/chromium'

/** Loads `url` in Debian's headless Chromium and returns the JSON answer shown in its page. */
function chromium (url: string): Promise<Answer & { ua?: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-chromium-'))
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--ignore-certificate-errors', '--dump-dom', url]
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: 30000, killSignal: 'SIGKILL' }, (err, stdout) => {
      fs.rmSync(profile, { recursive: true, force: true })
      const pre = /<pre>([\s\S]*?)<\/pre>/.exec(stdout)
      if (pre === null) reject(new Error(`no answer from Chromium: ${err?.message ?? stdout.slice(0, 300)}`))
      else resolve(JSON.parse((pre[1] as string).replace(/&quot;/g, '"').replace(/&amp;/g, '&')))
    })
  })
}

// Chrome has sent these frames since it stopped announcing SETTINGS_MAX_CONCURRENT_STREAMS (3); the shared
// vectors' Chrome capture is older and still has 3:1000.
const CHROME_H2 = '1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p'

test('h2Capture: headless Chromium gives Chrome\'s HTTP/2 fingerprint on every connection', {
  skip: noOpenssl || (fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (Debian package chromium)`)
}, async (t) => {
  const { port } = await http2Server(t, { h2Capture: true })
  const answers = [await chromium(`https://localhost:${port}/`), await chromium(`https://localhost:${port}/`)]
  for (const answer of answers) {
    t.match(answer, { version: '2.0', alpn: 'h2', sni: 'localhost', tlsVersion: '1.3', fingerprintSource: 'socket' })
    t.equal(answer.h2, CHROME_H2)
  }
  t.equal(answers[0]?.ja4, answers[1]?.ja4, 'JA4 is the same on both connections')
})

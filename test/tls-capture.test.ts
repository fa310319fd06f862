import { test } from 'tap'
import * as net from 'node:net'
import * as https from 'node:https'
import { once } from 'node:events'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import requestInfo = require('../lib/index')
import { parseClientHello, readClientHello } from '../lib/fingerprint/tls/client-hello'
import { calculateJa3 } from '../lib/fingerprint/tls/ja3'
import { calculateJa4 } from '../lib/fingerprint/tls/ja4'
import { testCertificate, until } from './helper'

const { key, cert, skip } = testCertificate()

async function server (options: requestInfo.RequestInfoOptions = {}): Promise<{ app: FastifyInstance, port: number }> {
  const app = Fastify({ https: { key, cert }, logger: false })
  await app.register(requestInfo, options)
  app.get('/', async (request) => {
    const { ssl, sslh, ja4, fingerprintSource } = request.requestInfo
    return { ssl, sslh, ja4, fingerprintSource }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, port: (app.server.address() as net.AddressInfo).port }
}

/**
 * A TCP relay in front of the server that keeps what each client sends first: the ClientHello as it went
 * over the wire, fingerprinted here independently of the server's capture.
 */
async function relay (target: number): Promise<{ port: number, hellos: Buffer[], close: () => void }> {
  const hellos: Buffer[] = []
  const relayServer = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1')
    let first: Buffer = Buffer.alloc(0)
    let done = false
    client.on('data', (chunk) => {
      if (!done) {
        first = Buffer.concat([first, chunk])
        if (readClientHello(first, 65536).state !== 'incomplete') {
          done = true
          hellos.push(first)
        }
      }
    })
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  relayServer.listen(0, '127.0.0.1')
  await once(relayServer, 'listening')
  return { port: (relayServer.address() as net.AddressInfo).port, hellos, close: () => relayServer.close() }
}

function expected (bytes: Buffer): { ssl: string, sslh: string, ja4: string } {
  const read = readClientHello(bytes, 65536)
  if (read.state !== 'complete') throw new Error(`relay saw no complete hello: ${read.state}`)
  const hello = parseClientHello(read.handshake)
  const { ja3, ja3Hash } = calculateJa3(hello)
  return { ssl: ja3, sslh: ja3Hash, ja4: calculateJa4(hello) }
}

function nodeClient (port: number): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve(JSON.parse(body)))
    }).on('error', reject)
  })
}

test('JA3 and JA4 from the connection equal those of the ClientHello the client sent', { skip }, async (t) => {
  const { app, port } = await server()
  t.teardown(() => app.close())
  const tap = await relay(port)
  t.teardown(tap.close)

  const clients: Record<string, () => Promise<Record<string, string>>> = {
    'Node https': () => nodeClient(tap.port),
    curl: async () => JSON.parse((await promisify(execFile)('curl', ['-sk', '--http1.1', `https://127.0.0.1:${tap.port}/`])).stdout),
    'openssl s_client': async () => {
      const child = execFile('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${tap.port}`, '-servername', 'localhost'])
      let out = ''
      child.stdout?.on('data', (chunk: string) => { out += chunk })
      child.stdin?.end('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
      await once(child, 'exit')
      return JSON.parse(out.slice(out.indexOf('{')))
    }
  }
  for (const [name, run] of Object.entries(clients)) {
    const before = tap.hellos.length
    const info = await run()
    t.equal(tap.hellos.length, before + 1, `${name}: one new connection`)
    const wire = expected(tap.hellos[tap.hellos.length - 1] as Buffer)
    t.same(info, { ...wire, fingerprintSource: 'socket' }, `${name}: ${info.ja4}`)
  }
})

test('a client that sends five bytes and stalls is closed when tlsCapture.timeout runs out', { skip }, async (t) => {
  const { app, port } = await server({ tlsCapture: { timeout: 300 } })
  t.teardown(() => app.close())
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const started = Date.now()
  socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))
  socket.resume()
  await once(socket, 'close')
  const waited = Date.now() - started
  t.ok(waited >= 250 && waited < 3000, `closed after ${waited} ms`)
  await until(() => app.requestInfo.counters.tlsConnectionsRefused === 1)
  t.equal(app.requestInfo.counters.tlsConnectionsRefused, 1, 'counted')
})

test('plain HTTP on the TLS port reaches TLS untouched; the server stays up', { skip }, async (t) => {
  const { app, port } = await server()
  t.teardown(() => app.close())
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  socket.resume()
  await once(socket, 'close')
  const info = await nodeClient(port)
  t.equal(info.fingerprintSource, 'socket', 'the next TLS client is fingerprinted as usual')
})

test('tlsCapture: false leaves the connection alone', { skip }, async (t) => {
  const { app, port } = await server({ tlsCapture: false })
  t.teardown(() => app.close())
  const info = await nodeClient(port)
  t.same(info, {}, 'no socket fingerprint')
})

'use strict'

// The load generator of the TLS connection benchmark (bench/tls-connections.js), in a process of its own so
// that its TLS handshakes run beside the server's, not in the parent, and its CPU time can be told apart.
// IPC: answers { port, connections, concurrency } with { seconds, completed, failures, cpuMicros } once
// `connections` new TLS connections have each sent one GET and been closed, `concurrency` at a time.
// Each is a fresh tls.connect without `session`: a full handshake, never a resumption.

const tls = require('node:tls')
const { performance } = require('node:perf_hooks')

const REQUEST = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'

/** One connection: handshake, one request, the response up to the server's close. Resolves true on a 200. */
function connectOnce (port) {
  return new Promise((resolve) => {
    let head = ''
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    socket.setEncoding('latin1')
    socket.once('secureConnect', () => socket.write(REQUEST))
    socket.on('data', (chunk) => { if (head.length < 12) head += chunk })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(head.startsWith('HTTP/1.1 200')))
  })
}

async function run ({ port, connections, concurrency }) {
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  let started = 0
  let completed = 0
  let failures = 0
  const worker = async () => {
    while (started < connections) {
      started++
      if (await connectOnce(port)) completed++
      else failures++
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, connections) }, worker))
  const seconds = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  return { seconds, completed, failures, cpuMicros: cpu.user + cpu.system }
}

process.on('message', (job) => {
  run(job).then((result) => process.send(result), (err) => {
    console.error('tls-clients:', err)
    process.exit(1)
  })
})
process.send({ ready: true })

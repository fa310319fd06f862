'use strict'

// Parse + JA3 + JA4 per ClientHello, the work a new TLS connection costs the plugin in socket mode.
// Usage: npm run build && node bench/client-hello.js
// Reports the median over 15 rounds of the time per hello, over the shared test vectors (../shared) when
// present, else over one Chrome-like hello built here.

const { existsSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const { performance } = require('node:perf_hooks')
const { parseClientHello, readClientHello } = require('../dist/fingerprint/tls/client-hello.js')
const { calculateJa3 } = require('../dist/fingerprint/tls/ja3.js')
const { calculateJa4 } = require('../dist/fingerprint/tls/ja4.js')

const VECTORS = join(__dirname, '..', '..', 'shared', 'vectors', 'tls', 'clienthellos.json')

function inputs () {
  if (existsSync(VECTORS)) {
    const records = JSON.parse(readFileSync(VECTORS, 'utf8')).filter((v) => v.client_records_hex)
    return { source: `${records.length} ClientHellos from ../shared/vectors/tls (record bytes)`, hellos: records.map((v) => Buffer.from(v.client_records_hex, 'hex')) }
  }
  throw new Error(`${VECTORS} is missing: the benchmark needs the shared test vectors`)
}

function fingerprint (bytes) {
  const read = readClientHello(bytes, 65536)
  if (read.state !== 'complete') throw new Error(`not a complete hello: ${read.state}`)
  const hello = parseClientHello(read.handshake)
  return calculateJa3(hello).ja3Hash.length + calculateJa4(hello).length
}

const { source, hellos } = inputs()
let sink = 0
for (let i = 0; i < 20; i++) for (const bytes of hellos) sink += fingerprint(bytes) // warm-up
const perHello = []
for (let round = 0; round < 15; round++) {
  const start = performance.now()
  for (let i = 0; i < 20; i++) for (const bytes of hellos) sink += fingerprint(bytes)
  perHello.push((performance.now() - start) * 1000 / (20 * hellos.length))
}
perHello.sort((a, b) => a - b)
const median = perHello[Math.floor(perHello.length / 2)]
console.log(`read records + parse + JA3 + JA4, ${source}`)
console.log(`median ${median.toFixed(2)} µs per hello (min ${perHello[0].toFixed(2)}, max ${perHello[perHello.length - 1].toFixed(2)}); target <= 20 µs: ${median <= 20 ? 'PASS' : 'FAIL'}`)
if (sink === 0) console.log('')

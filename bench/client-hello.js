'use strict'

// Parse + JA3 + JA4 per ClientHello, the work a new TLS connection costs the plugin in socket mode.
// Usage: npm run build && node bench/client-hello.js [--rounds N]
// Times the whole (records to JA3 and JA4) and each part alone, round by round, over the shared test vectors
// (../shared): the median over the rounds of the time per hello, and the total against the 20 µs target.

const { existsSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const { parseArgs } = require('node:util')
const { performance } = require('node:perf_hooks')
const { parseClientHello, readClientHello } = require('../dist/fingerprint/tls/client-hello.js')
const { calculateJa3 } = require('../dist/fingerprint/tls/ja3.js')
const { calculateJa4 } = require('../dist/fingerprint/tls/ja4.js')

const VECTORS = join(__dirname, '..', '..', 'shared', 'vectors', 'tls', 'clienthellos.json')
const TARGET_MICROS = 20
// Each step runs over every hello this many times per round: about 40 ms per step and round.
const PASSES = 20

function inputs () {
  if (!existsSync(VECTORS)) throw new Error(`${VECTORS} is missing: the benchmark needs the shared test vectors`)
  // The TCP hellos with their record bytes: what a socket reads. (QUIC hellos and the few without records
  // have no record layer to read.)
  const records = JSON.parse(readFileSync(VECTORS, 'utf8')).filter((v) => v.client_records_hex)
  return { source: `${records.length} ClientHellos from ../shared/vectors/tls (record bytes)`, hellos: records.map((v) => Buffer.from(v.client_records_hex, 'hex')) }
}

function handshakeOf (bytes) {
  const read = readClientHello(bytes, 65536)
  if (read.state !== 'complete') throw new Error(`not a complete hello: ${read.state}`)
  return read.handshake
}

/**
 * The steps timed, each with its input for every hello, prepared once. A step returns a number that
 * depends on its result, which is summed, so that the work cannot be left out.
 */
function steps (hellos) {
  const handshakes = hellos.map(handshakeOf)
  const parsed = handshakes.map(parseClientHello)
  return [
    { name: 'read records', inputs: hellos, run: (bytes) => readClientHello(bytes, 65536).state.length },
    { name: 'parse', inputs: handshakes, run: (handshake) => parseClientHello(handshake).ciphers.length },
    { name: 'JA3 (string, MD5)', inputs: parsed, run: (hello) => calculateJa3(hello).ja3Hash.length },
    { name: 'JA4 (lists, 2 x SHA-256)', inputs: parsed, run: (hello) => calculateJa4(hello).length },
    {
      name: 'total',
      inputs: hellos,
      run: (bytes) => {
        const hello = parseClientHello(handshakeOf(bytes))
        return calculateJa3(hello).ja3Hash.length + calculateJa4(hello).length
      }
    }
  ]
}

/** µs per hello of one pass of `step` over its inputs, `PASSES` times. */
function time (step, sink) {
  const { inputs, run } = step
  const start = performance.now()
  for (let i = 0; i < PASSES; i++) for (const input of inputs) sink.value += run(input)
  return (performance.now() - start) * 1000 / (PASSES * inputs.length)
}

function main () {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number above 0; got '${values.rounds}'`)
  const { source, hellos } = inputs()
  const timed = steps(hellos)
  const sink = { value: 0 }
  for (let i = 0; i < 3; i++) for (const step of timed) time(step, sink) // warm-up: V8 optimises every step
  // Every round times each step once, in an order that rotates from round to round, so that drift of the
  // machine's speed is spread over all of them.
  const perHello = timed.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < timed.length; i++) {
      const s = (i + round) % timed.length
      perHello[s].push(time(timed[s], sink))
    }
  }
  const median = (sorted) => sorted[Math.floor(sorted.length / 2)]
  for (const list of perHello) list.sort((a, b) => a - b)

  console.log(`read records + parse + JA3 + JA4, ${source}; median of ${rounds} rounds, µs per hello`)
  const parts = timed.slice(0, -1)
  for (let s = 0; s < parts.length; s++) console.log(`  ${parts[s].name.padEnd(26)} ${median(perHello[s]).toFixed(2).padStart(6)}`)
  const sum = parts.reduce((total, _, s) => total + median(perHello[s]), 0)
  console.log(`  ${'sum of the parts'.padEnd(26)} ${sum.toFixed(2).padStart(6)}`)
  const total = perHello[perHello.length - 1]
  console.log(`  ${'total'.padEnd(26)} ${median(total).toFixed(2).padStart(6)}`)
  console.log(`median ${median(total).toFixed(2)} µs per hello (min ${total[0].toFixed(2)}, max ${total[total.length - 1].toFixed(2)}); ` +
    `target <= ${TARGET_MICROS} µs: ${median(total) <= TARGET_MICROS ? 'PASS' : 'FAIL'}`)
  if (sink.value === 0) console.log('')
}

main()

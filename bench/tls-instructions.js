'use strict'

// npm run bench:tls-instructions: the two servers of npm run bench:tls-connections (the ClientHello capture
// on, and off) counted in machine instructions per new connection under valgrind's callgrind, side by side.
// Instructions do not depend on what else the machine is doing; bench/README.md says what they leave out.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { Child } = require('./processes.js')
const { wholeNumber } = require('./options.js')
const { makeCertificate } = require('./certificate.js')
const { callgrindWrapper, callgrindControl, totalOf, requireValgrind } = require('./callgrind.js')
const { number, median } = require('./report.js')

const CONFIGURATIONS = ['capture', 'none']
// As in bench:tls-connections: the capture may cost at most 5 % of what a new connection costs the server.
const TARGET = 0.95
// Under valgrind V8's compiler threads get little time: the first instrumented rounds still optimise.
const UNCOUNTED_ROUNDS = 2

const USAGE = `usage: node bench/tls-instructions.js [options]
  --rounds N        counted rounds per configuration, after two uncounted ones (default 5)
  --connections N   new TLS connections per round (default 1000)
  --concurrency C   connections in flight at a time (default 4)
  --settle N        connections for each server before counting starts, uninstrumented (default 3000)`

function readOptions () {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      settle: { type: 'string', default: '3000' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const count = (name) => wholeNumber(values, name, USAGE)
  return { rounds: count('rounds'), connections: count('connections'), concurrency: count('concurrency'), settle: count('settle') }
}

/** Starts one server under callgrind, settles it uninstrumented, and counts each round's connections. */
async function measure (name, certDir, clients, options, dir) {
  const server = new Child(name, 'tls-server.js', [name, certDir], undefined, { wrapper: callgrindWrapper(dir, name) })
  const control = callgrindControl(server.process.pid)
  const connect = async (connections) => {
    const result = await clients.ask({ port: server.port, connections, concurrency: options.concurrency })
    if (result.failures > 0) throw new Error(`${name}: ${result.failures} of ${connections} connections failed`)
  }
  try {
    server.port = (await server.reply()).port
    await connect(options.settle)
    control('--instr=on')
    for (let round = 0; round < UNCOUNTED_ROUNDS; round++) await connect(options.connections)
    const perConnection = []
    for (let round = 1; round <= options.rounds; round++) {
      control('--zero')
      await connect(options.connections)
      control('--dump')
      perConnection.push(totalOf(path.join(dir, `${name}.${server.process.pid}.${round}`)) / options.connections)
      console.log(`${name.padEnd(8)} round ${round}/${options.rounds}  ${number(perConnection.at(-1), 0).padStart(10)} instructions/connection`)
    }
    return perConnection
  } finally {
    await server.close()
  }
}

function printReport (results) {
  const k = (n) => `${number(n / 1000, 1)} k`
  console.log(`\n${'configuration'.padEnd(14)} ${'instructions/connection'.padStart(24)} ${'min'.padStart(10)} ${'max'.padStart(10)}`)
  for (const name of CONFIGURATIONS) {
    const values = results[name]
    console.log(`${name.padEnd(14)} ${k(median(values)).padStart(24)} ${k(Math.min(...values)).padStart(10)} ${k(Math.max(...values)).padStart(10)}`)
  }
  const ratio = median(results.none) / median(results.capture)
  console.log(`\nnone / capture: ${number(ratio, 3)} (target >= ${TARGET}): ${ratio >= TARGET ? 'PASS' : 'FAIL'}   ` +
    `(the capture adds ${k(median(results.capture) - median(results.none))} instructions per connection)`)
}

async function main () {
  const options = readOptions()
  requireValgrind('bench:tls-instructions')
  try {
    require.resolve('../dist/index.js')
  } catch {
    console.error('bench: dist/index.js is missing; run `npm run build` first')
    process.exit(2)
  }
  console.log(`fastify-request-info instructions per new TLS connection (callgrind): ${options.settle} connections to settle, ` +
    `then ${options.rounds} rounds of ${options.connections}, ${options.concurrency} in flight; node ${process.version}\n`)
  const certDir = makeCertificate()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'request-info-callgrind-'))
  const clients = new Child('clients', 'tls-clients.js', [])
  try {
    await clients.reply()
    // One server at a time: the clients' process is shared, and the counts do not depend on the order.
    const results = {}
    for (const name of CONFIGURATIONS) results[name] = await measure(name, certDir, clients, options, dir)
    printReport(results)
  } finally {
    await clients.close()
    fs.rmSync(certDir, { recursive: true, force: true })
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

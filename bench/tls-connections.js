'use strict'

// npm run bench:tls-connections: new TLS connections per second of a Fastify https server with the plugin's
// ClientHello capture (its default on TLS) against the same server with `tlsCapture: false`, measured side by
// side in one run, round by round, in alternating order. bench/README.md explains how to read the report.

const fs = require('node:fs')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { pinCpus, Child, machineBusyMicros } = require('./processes.js')
const { number, percent, median } = require('./report.js')
const { makeCertificate } = require('./certificate.js')
const { wholeNumber } = require('./options.js')

const CONFIGURATIONS = ['capture', 'none']
// capture / none: the capture may cost at most 5 % of the new connections a server can take.
const TARGET = 0.95

const USAGE = `usage: node bench/tls-connections.js [options]
  --rounds N        measured rounds per configuration (default 9)
  --connections N   new TLS connections per measured round (default 2000)
  --concurrency C   connections in flight at a time (default 16)
  --warmup N        unmeasured connections before each round (default 200)
  --settle N        unmeasured connections for each server before the first round (default 3000)
  --no-pin          do not give the servers a CPU of their own`

function readOptions () {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '9' },
      connections: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '200' },
      settle: { type: 'string', default: '3000' },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const count = (name, { zero = false } = {}) => wholeNumber(values, name, USAGE, zero ? 0 : 1)
  return {
    rounds: count('rounds'),
    connections: count('connections'),
    concurrency: count('concurrency'),
    warmup: count('warmup', { zero: true }),
    settle: count('settle', { zero: true }),
    pin: !values['no-pin']
  }
}

/** One measured round of one server: new connections per second, and what they cost the server's process. */
async function measureRound (server, clients, options) {
  if (options.warmup > 0) await clients.ask({ port: server.port, connections: options.warmup, concurrency: options.concurrency })
  await server.ask('begin')
  const machineBefore = machineBusyMicros()
  const parentBefore = process.cpuUsage()
  const result = await clients.ask({ port: server.port, connections: options.connections, concurrency: options.concurrency })
  const { cpuMicros, wallMicros, fingerprinted } = await server.ask('end')
  const parent = process.cpuUsage(parentBefore)
  // CPU the benchmark's own processes did not use went to other work on the machine, which competed with
  // the server and makes the round less trustworthy.
  const others = machineBusyMicros() - machineBefore - cpuMicros - result.cpuMicros - (parent.user + parent.system)
  return {
    cps: result.completed / result.seconds,
    cpuPerConnection: cpuMicros / result.completed,
    cpuShare: cpuMicros / wallMicros,
    clientCpuShare: result.cpuMicros / (result.seconds * 1e6),
    othersCpuShare: others / wallMicros,
    fingerprinted: fingerprinted / result.completed,
    failures: result.failures
  }
}

function formatRound (name, round) {
  return `${name.padEnd(8)} ${number(round.cps, 0).padStart(6)} conn/s  ${number(round.cpuPerConnection, 0).padStart(5)} µs/conn` +
    `  server CPU ${percent(round.cpuShare).padStart(5)}  clients CPU ${percent(round.clientCpuShare).padStart(5)}` +
    `  other load ${percent(round.othersCpuShare).padStart(5)}  fingerprinted ${percent(round.fingerprinted)}` +
    (round.failures > 0 ? `  ${round.failures} failed connections` : '')
}

function printReport (rounds) {
  const rows = [['configuration', 'conn/s', 'CPU µs/conn', 'server CPU', 'clients CPU', 'other load', 'fingerprinted', 'failed']]
  for (const name of CONFIGURATIONS) {
    const of = (key) => median(rounds[name].map((round) => round[key]))
    rows.push([name, number(of('cps'), 0), number(of('cpuPerConnection'), 0), percent(of('cpuShare')), percent(of('clientCpuShare')),
      percent(of('othersCpuShare')), percent(of('fingerprinted')), String(rounds[name].reduce((sum, round) => sum + round.failures, 0))])
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  console.log(`\nmedians over ${rounds.capture.length} rounds\n` + rows.map((row) => row.map((cell, column) =>
    column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])).join('  ')).join('\n'))

  // Ratios paired within each round, whose two measurements ran seconds apart, then the median over rounds.
  const paired = (ratio) => median(rounds.capture.map((capture, r) => ratio(capture, rounds.none[r])))
  const throughput = paired((capture, none) => capture.cps / none.cps)
  const cpu = paired((capture, none) => none.cpuPerConnection / capture.cpuPerConnection)
  const verdict = (ratio) => `${number(ratio, 3)} (target >= ${TARGET}): ${ratio >= TARGET ? 'PASS' : 'FAIL'}`
  console.log(`\nconn/s capture / none:             ${verdict(throughput)}`)
  console.log(`CPU per connection none / capture: ${verdict(cpu)}`)
  const idle = Math.min(...CONFIGURATIONS.map((name) => median(rounds[name].map((round) => round.cpuShare))))
  if (idle < 0.9) {
    console.log(`note: a server used ${percent(idle)} of its CPU: the clients or other load held it back, and conn/s ` +
      'understates it; CPU per connection is the figure to compare')
  }
}

async function main () {
  const options = readOptions()
  try {
    require.resolve('../dist/index.js')
  } catch {
    console.error('bench: dist/index.js is missing; run `npm run build` first')
    process.exit(2)
  }
  const cpus = options.pin ? pinCpus() : undefined
  const pinning = cpus === undefined
    ? 'not pinned: servers and clients share all CPUs'
    : `servers on CPU ${cpus.server}, the clients on CPU ${cpus.others}`
  console.log(`fastify-request-info TLS connection bench: ${options.rounds} rounds x ${options.connections} new connections ` +
    `per configuration, ${options.concurrency} in flight, each one full handshake (no resumption) and one GET\n` +
    `node ${process.version}, fastify ${require('fastify/package.json').version}, ${process.versions.openssl ? `OpenSSL ${process.versions.openssl}` : ''}; ` +
    `EC P-256 certificate; ${pinning}\n`)

  const certDir = makeCertificate()
  const servers = {}
  let clients
  try {
    clients = new Child('clients', 'tls-clients.js', [], cpus?.others)
    await clients.reply()
    for (const name of CONFIGURATIONS) {
      servers[name] = new Child(name, 'tls-server.js', [name, certDir], cpus?.server)
      servers[name].port = (await servers[name].reply()).port
    }
    fs.rmSync(certDir, { recursive: true, force: true }) // the servers have read it
    // V8 optimises the hot paths of each server (and of the clients) before anything is measured.
    if (options.settle > 0) {
      for (const name of CONFIGURATIONS) await clients.ask({ port: servers[name].port, connections: options.settle, concurrency: options.concurrency })
    }

    const rounds = Object.fromEntries(CONFIGURATIONS.map((name) => [name, []]))
    for (let r = 0; r < options.rounds; r++) {
      // Alternate which configuration goes first, so that neither always runs right after the other's load.
      const order = r % 2 === 0 ? CONFIGURATIONS : [...CONFIGURATIONS].reverse()
      for (const name of order) {
        const round = await measureRound(servers[name], clients, options)
        rounds[name].push(round)
        console.log(`round ${r + 1}/${options.rounds}  ${formatRound(name, round)}`)
      }
    }
    printReport(rounds)
  } finally {
    fs.rmSync(certDir, { recursive: true, force: true })
    await Promise.all([...Object.values(servers), clients].filter(Boolean).map((child) => child.close()))
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

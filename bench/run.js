'use strict'

// npm run bench: bare Fastify, Fastify's own request logging and this plugin, measured side by side in one
// run, round by round, so that drift of the machine (other load, CPU frequency) hits all three alike.
// bench/README.md explains what is measured and how to read the report.

const { parseArgs } = require('node:util')
const autocannon = require('autocannon')
const BROWSER_HEADERS = require('./browser-headers.js')
const { pinCpus, Child, machineBusyMicros } = require('./processes.js')
const { formatRound, summarise, printReport } = require('./report.js')

const { DEFAULT_CONFIGURATIONS, CONFIGURATION_NAMES: ALL_CONFIGURATIONS } = require('./configurations.js')

const USAGE = `usage: node bench/run.js [options]
  --rounds N       measured rounds per configuration (default 9)
  --duration S     seconds per measured round (default 3)
  --warmup S       seconds of unmeasured load before each round (default 1)
  --settle S       seconds of unmeasured load for each server before the first round (default 15)
  --connections C  concurrent connections (default 50)
  --rate R         a fixed overall rate of R req/s instead of saturation: compare CPU µs per request
  --no-pin         do not give the servers a CPU of their own
  --only A,B,...   measure these configurations only (plugin among them); known: ${ALL_CONFIGURATIONS.join(', ')}`

function readOptions () {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '9' },
      duration: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      settle: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
      rate: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      only: { type: 'string', default: DEFAULT_CONFIGURATIONS.join(',') },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const positive = (name, { integer = true, zero = false } = {}) => {
    const value = Number(values[name])
    if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value < 0 || (value === 0 && !zero)) {
      console.error(`--${name} must be a ${integer ? 'whole ' : ''}number${zero ? '' : ' above 0'}; got '${values[name]}'\n\n${USAGE}`)
      process.exit(2)
    }
    return value
  }
  const configurations = values.only.split(',')
  if (!configurations.includes('plugin') || configurations.some((name) => !ALL_CONFIGURATIONS.includes(name))) {
    console.error(`--only must list known configurations, plugin among them (the others are compared with it); got '${values.only}'\n\n${USAGE}`)
    process.exit(2)
  }
  return {
    configurations,
    rounds: positive('rounds'),
    duration: positive('duration', { integer: false }),
    warmup: positive('warmup', { integer: false, zero: true }),
    settle: positive('settle', { integer: false, zero: true }),
    connections: positive('connections'),
    rate: values.rate === undefined ? undefined : positive('rate'),
    pin: !values['no-pin']
  }
}

function load (port, seconds, options) {
  return autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: options.connections,
    duration: seconds,
    headers: BROWSER_HEADERS,
    ...(options.rate !== undefined && { overallRate: options.rate })
  })
}

/** One measured round of one server: its throughput and latency, and what it cost its process. */
async function measureRound (server, sink, options) {
  if (options.warmup > 0) await load(server.port, options.warmup, options)
  await server.ask('begin')
  const sinkBefore = await sink.ask('count')
  const machineBefore = machineBusyMicros()
  const clientBefore = process.cpuUsage()
  const result = await load(server.port, options.duration, options)
  // This process's CPU is autocannon's.
  const client = process.cpuUsage(clientBefore)
  const { cpuMicros, wallMicros } = await server.ask('end')
  const sinkAfter = await sink.ask('count')
  // Whatever CPU the benchmark's own processes did not use went to other work on the machine, which
  // competed with the server and makes the round less trustworthy.
  const others = machineBusyMicros() - machineBefore - cpuMicros - (client.user + client.system) -
    (sinkAfter.cpuMicros - sinkBefore.cpuMicros)
  const served = result.requests.total
  return {
    rps: served / result.duration,
    p99: result.latency.p99,
    cpuPerRequest: cpuMicros / served,
    cpuShare: cpuMicros / wallMicros,
    clientCpuShare: (client.user + client.system) / (result.duration * 1e6),
    othersCpuShare: others / wallMicros,
    linesPerRequest: (sinkAfter.lines - sinkBefore.lines) / served,
    bytesPerRequest: (sinkAfter.bytes - sinkBefore.bytes) / served,
    failures: result.errors + result.timeouts + result.non2xx
  }
}

async function startServer (name, sinkPort, cpus) {
  const server = new Child(name, 'server.js', [name, String(sinkPort)], cpus)
  server.port = (await server.reply()).port
  return server
}

function describe (options, cpus) {
  const mode = options.rate === undefined ? 'saturation' : `fixed rate of ${options.rate} req/s`
  const pinning = cpus === undefined
    ? 'not pinned: servers, sink and autocannon share all CPUs'
    : `servers on CPU ${cpus.server}, autocannon and the sink on CPU ${cpus.others}`
  const seconds = options.configurations.length * (options.rounds * (options.duration + options.warmup) + options.settle)
  return `fastify-request-info bench: ${mode}, ${options.connections} connections, ${options.rounds} rounds x ` +
    `${options.duration} s per configuration (warm-up ${options.settle} s per server, then ${options.warmup} s per round)\n` +
    `node ${process.version}, fastify ${require('fastify/package.json').version}, ` +
    `pino ${require('pino/package.json').version}; ${pinning}; about ${Math.ceil(seconds / 10) * 10} s\n`
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
  const configurations = options.configurations
  console.log(describe(options, cpus))

  const sink = new Child('sink', 'sink.js', [], cpus?.others)
  const servers = {}
  try {
    const { port: sinkPort } = await sink.reply()
    for (const name of configurations) servers[name] = await startServer(name, sinkPort, cpus?.server)
    // Each server first runs under load until it is in its steady state: V8 has optimised its hot paths and
    // sized its heap for its allocation rate. The plugin configuration was seen to need 15-30 s for that.
    if (options.settle > 0) {
      for (const name of configurations) await load(servers[name].port, options.settle, options)
    }

    const rounds = Object.fromEntries(configurations.map((name) => [name, []]))
    for (let r = 0; r < options.rounds; r++) {
      // Rotate the order so that no configuration always runs first, right after another one's load.
      const order = configurations.map((_, i) => configurations[(i + r) % configurations.length])
      for (const name of order) {
        const round = await measureRound(servers[name], sink, options)
        rounds[name].push(round)
        console.log(`round ${r + 1}/${options.rounds}  ${formatRound(name, round)}`)
      }
    }

    printReport(Object.fromEntries(configurations.map((name) => [name, summarise(rounds[name])])), rounds, options)
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.close()))
    await sink.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

'use strict'

// npm run bench:instructions: the configurations of bench/server.js counted in machine instructions per
// request under valgrind's callgrind, side by side. Instructions do not depend on what else the machine is
// doing, so the ratios hold on a busy machine where req/s and CPU time drift by more than the differences
// being measured. bench/README.md says what they leave out (kernel time, cache misses).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')
const autocannon = require('autocannon')
const BROWSER_HEADERS = require('./browser-headers.js')
const { Child } = require('./processes.js')
const { wholeNumber } = require('./options.js')
const { CONFIGURATION_NAMES } = require('./configurations.js')
const { callgrindWrapper, callgrindControl, totalOf, requireValgrind, readPerfMap, functionCosts } = require('./callgrind.js')

const UNCOUNTED_ROUNDS = 2

const USAGE = `usage: node bench/instructions.js [options]
  --only A,B,...   configurations (default bare,fastify-logging,plugin,plugin-watch); known: ${CONFIGURATION_NAMES.join(', ')}
  --warmup N       requests before counting starts, uninstrumented (default 20000)
  --requests N     requests counted per round (default 5000)
  --rounds N       counted rounds per configuration, one after the other on the same server, after two
                   uncounted ones (default 3)
  --parallel N     servers measured at once (default 2; instruction counts do not depend on it)
  --functions N    also print, from each configuration's last round, the N JavaScript functions of the package
                   that cost most instructions per request (calls included), and the N costliest functions of
                   any kind by their own instructions; runs the servers with V8's --perf-basic-prof`

function readOptions () {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'bare,fastify-logging,plugin,plugin-watch' },
      warmup: { type: 'string', default: '20000' },
      requests: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '3' },
      parallel: { type: 'string', default: '2' },
      functions: { type: 'string', default: '0' },
      'node-flags': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const count = (name, least = 1) => wholeNumber(values, name, USAGE, least)
  const configurations = values.only.split(',')
  const unknown = configurations.filter((name) => !CONFIGURATION_NAMES.includes(name))
  if (unknown.length > 0) {
    console.error(`--only must list known configurations; unknown: ${unknown.join(', ')}\n\n${USAGE}`)
    process.exit(2)
  }
  const functions = count('functions', 0)
  const nodeFlags = values['node-flags'] === undefined ? [] : values['node-flags'].split(' ')
  if (functions > 0) nodeFlags.push('--perf-basic-prof')
  return { configurations, nodeFlags, functions, warmup: count('warmup'), requests: count('requests'), rounds: count('rounds'), parallel: count('parallel') }
}

function load (port, amount) {
  // valgrind slows the server down 50-fold and more: no request may time out.
  return autocannon({ url: `http://127.0.0.1:${port}/`, connections: 10, amount, timeout: 600, headers: BROWSER_HEADERS })
}

/**
 * Starts one server under callgrind with instrumentation off (valgrind's slowest part), warms it up, then
 * counts each round: instrumentation on, zeroed, the round's requests, a dump of what they cost.
 */
async function measure (name, sinkPort, options, dir) {
  const server = new Child(name, 'server.js', [name, String(sinkPort)], undefined, {
    wrapper: callgrindWrapper(dir, name),
    nodeFlags: options.nodeFlags,
    // --perf-basic-prof also has V8 write a log per isolate, by name: into the temporary directory.
    cwd: dir
  })
  const control = callgrindControl(server.process.pid)
  try {
    const { port } = await server.reply()
    const warm = await load(port, options.warmup)
    if (warm.non2xx + warm.errors > 0) throw new Error(`${name}: ${warm.non2xx + warm.errors} failed requests in the warm-up`)
    control('--instr=on')
    // Under valgrind V8's compiler threads get little time: the first instrumented rounds still include
    // optimisation and cost up to twice as much. From the third on they agree within 1 %.
    for (let round = 0; round < UNCOUNTED_ROUNDS; round++) await load(port, options.requests)
    const perRequest = []
    for (let round = 1; round <= options.rounds; round++) {
      control('--zero')
      const result = await load(port, options.requests)
      control('--dump')
      if (result.requests.total !== options.requests || result.non2xx + result.errors > 0) {
        throw new Error(`${name}: round ${round} served ${result.requests.total} of ${options.requests} requests, ${result.non2xx + result.errors} failed`)
      }
      perRequest.push(totalOf(path.join(dir, `${name}.${server.process.pid}.${round}`)) / options.requests)
      console.log(`${name.padEnd(20)} round ${round}/${options.rounds}  ${Math.round(perRequest.at(-1)).toLocaleString('en-US').padStart(9)} instructions/request`)
    }
    if (options.functions > 0) printFunctions(name, path.join(dir, `${name}.${server.process.pid}.${options.rounds}`), server.process.pid, options)
    return perRequest
  } finally {
    await server.close()
    fs.rmSync(`/tmp/perf-${server.process.pid}.map`, { force: true })
  }
}

/** The costliest functions of one round: the package's own JavaScript with its calls, and any by its own cost. */
function printFunctions (name, dumpFile, pid, options) {
  const { self, inclusive } = functionCosts(dumpFile, readPerfMap(`/tmp/perf-${pid}.map`))
  const root = path.join(__dirname, '..') + path.sep
  // One function may run as several pieces of code (interpreted, then optimised): their costs add up.
  const byFunction = (costs) => {
    const merged = new Map()
    for (const [fn, cost] of costs) {
      const name = fn.replace(/^JS:[*~^+]?/, '').replace(root, '')
      merged.set(name, (merged.get(name) ?? 0) + cost)
    }
    return merged
  }
  const top = (costs, keep) => [...byFunction(costs)].filter(([fn]) => keep(fn)).sort((a, b) => b[1] - a[1]).slice(0, options.functions)
  const line = ([fn, cost]) => `  ${Math.round(cost / options.requests).toLocaleString('en-US').padStart(8)}  ${fn}`
  console.log(`\n${name}, last round, instructions per request: the package's functions, calls included`)
  console.log(top(inclusive, (fn) => fn.startsWith(`dist${path.sep}`) || fn.includes(` dist${path.sep}`)).map(line).join('\n'))
  console.log(`${name}, last round, instructions per request: any function, by its own instructions`)
  console.log(top(self, () => true).map(line).join('\n') + '\n')
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function printReport (results) {
  const k = (n) => `${(n / 1000).toFixed(1)} k`
  console.log(`\n${'configuration'.padEnd(20)} ${'instructions/request'.padStart(21)} ${'min'.padStart(9)} ${'max'.padStart(9)}`)
  for (const [name, values] of Object.entries(results)) {
    console.log(`${name.padEnd(20)} ${k(median(values)).padStart(21)} ${k(Math.min(...values)).padStart(9)} ${k(Math.max(...values)).padStart(9)}`)
  }
  // Inverted (other / this) as in npm run bench, so that higher is better and its targets read the same.
  const ratio = (a, b) => results[a] !== undefined && results[b] !== undefined
    ? console.log(`${b} / ${a}: ${(median(results[b]) / median(results[a])).toFixed(3)}   (${a} adds ${k(median(results[a]) - median(results[b]))} instructions per request)`)
    : undefined
  console.log('')
  ratio('plugin', 'bare')
  ratio('plugin', 'fastify-logging')
  ratio('plugin', 'plugin-devnull')
  ratio('plugin', 'plugin-no-detect')
  ratio('plugin-respond', 'plugin')
  ratio('plugin-watch', 'plugin')
  ratio('plugin-watch-context', 'plugin')
  ratio('plugin-watch-poller', 'plugin')
  ratio('bare-context', 'bare')
}

async function main () {
  const options = readOptions()
  requireValgrind('bench:instructions')
  console.log(`fastify-request-info instructions per request (callgrind): ${options.warmup} requests of warm-up, then ` +
    `${options.rounds} rounds of ${options.requests}, 10 connections; node ${process.version}\n`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'request-info-callgrind-'))
  const sink = new Child('sink', 'sink.js', [])
  try {
    const { port: sinkPort } = await sink.reply()
    const results = {}
    const queue = [...options.configurations]
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) results[name] = await measure(name, sinkPort, options, dir)
    }
    await Promise.all(Array.from({ length: Math.min(options.parallel, queue.length) }, worker))
    printReport(Object.fromEntries(options.configurations.map((name) => [name, results[name]])))
  } finally {
    await sink.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

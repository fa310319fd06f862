'use strict'

// Heap held by the behaviour windows after many distinct sources, against their own estimate (`bytes`) and
// bound (`maxBytes`). Run with --expose-gc:
//   node --expose-gc bench/behaviour-memory.js [module] [--sources N] [--max-bytes B]
// `module` is the behaviour module to load (default dist/detect/behaviour/index.js; the test passes the
// TypeScript source under its loader). Prints one JSON line.

const path = require('node:path')

const args = process.argv.slice(2)
function option (name, fallback) {
  const at = args.indexOf(name)
  return at === -1 ? fallback : Number(args[at + 1])
}
const modulePath = args[0] !== undefined && !args[0].startsWith('--') ? path.resolve(args[0]) : path.resolve(__dirname, '../dist/detect/behaviour/index.js')
const sources = option('--sources', 1_000_000)
const maxBytes = option('--max-bytes', 32 * 1024 * 1024)

if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc')
  process.exit(2)
}
const { createBehaviour } = require(modulePath)

const SQLI = [{ kind: 'sqli', rule: 'sqli-union-select', where: 'query:id', excerpt: 'union select', score: 5 }]
// A long request-target: paths cut from it must not keep it alive.
const LONG = '/' + 'a'.repeat(64 * 1024)

/** The i-th distinct source: IPv4 and IPv6 (distinct /64s) in turn. */
function address (i) {
  if (i % 2 === 0) return `${(i >>> 24) & 255 | 1}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`
  return `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`
}

function heap () {
  global.gc()
  global.gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const before = heap()
const behaviour = createBehaviour({ maxBytes })
const start = process.hrtime.bigint()
let alerts = 0
for (let i = 0; i < sources; i++) {
  // Every request makes state: a 404 probe; one in eight also carries an attack (another bucket, the host watch);
  // one in 64 has a path cut from a 64 KB target.
  const attack = (i & 7) === 0
  const url = (i & 63) === 1 ? LONG.slice(0, 300 + (i & 15)) : `/wp-content/plugins/probe-${i}.php?x=${i}`
  alerts += behaviour.observe({
    realIp: address(i),
    host: (i & 3) === 0 ? `site-${i & 255}.example` : 'example.com',
    method: 'GET',
    url,
    status: 404,
    reqId: `req-${i.toString(36)}`,
    time: 1_700_000_000_000 + i,
    threats: attack ? SQLI : [],
    threatScore: attack ? 5 : 0
  }).length
}
const ms = Number(process.hrtime.bigint() - start) / 1e6
const growth = heap() - before
console.log(JSON.stringify({
  sources,
  maxBytes,
  held: behaviour.size,
  bytes: behaviour.bytes,
  heapGrowth: growth,
  realPerSource: Math.round(growth / Math.max(1, behaviour.size)),
  estimatePerSource: Math.round(behaviour.bytes / Math.max(1, behaviour.size)),
  alerts,
  usPerObservation: Number((ms * 1000 / sources).toFixed(3))
}))

'use strict'

// npm run eval: the detectors over the labelled corpus. Detection rate per label and per CRS paranoia
// level, false positives on benign traffic, µs per request and the time of 64 KB hostile inputs.
// Options: --corpus DIR, --json FILE, --misses LABEL [--pl N] (print what was missed), --fp [N] (print false
// positives at paranoia N), --quick (no timing). The build is read from dist/, or from $DETECT_DIST.

const fs = require('node:fs')
const path = require('node:path')
const { parseArgs } = require('node:util')
const DIST = process.env.DETECT_DIST === undefined ? path.join(__dirname, '..', 'dist') : path.resolve(process.env.DETECT_DIST)
const { createDetection, threatScore } = require(path.join(DIST, 'detect', 'index.js'))
const { DEFAULT_CORPUS, readNdjson, detectRecord, readSeedLines } = require('./corpus.js')
const { bareLoop, hostileInputs, timeHostile, timePerRequest } = require('./timing.js')

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: DEFAULT_CORPUS },
    json: { type: 'string', default: path.join(__dirname, '..', 'bench', 'results', 'eval.json') },
    misses: { type: 'string' },
    pl: { type: 'string', default: '1' },
    fp: { type: 'string' },
    quick: { type: 'boolean', default: false }
  }
})

/** A request is flagged when its findings reach the CRS inbound anomaly threshold: one critical match. */
const THRESHOLD = 5
const PARANOIA = [1, 2, 3, 4]
/** The kinds that count as the right answer for a label. */
const KINDS = {
  sqli: ['sqli'], xss: ['xss'], lfi: ['lfi', 'sensitive-file'], rfi: ['rfi'], rce: ['rce'], php: ['php'],
  java: ['java', 'rce'], scanner: ['scanner'], generic: ['rce', 'ssrf', 'prototype-pollution', 'java', 'php', 'nosql']
}
/** Detection targets on CRS paranoia-level-1 tests, at paranoia 1. */
const TARGETS = { sqli: 0.95, xss: 0.95, lfi: 0.95, rfi: 0.9, rce: 0.9, php: 0.9 }
const FP_TARGET = 0.01
const SEED_KINDS = ['sqli', 'lfi', 'lfi', 'lfi', 'lfi', 'lfi', 'rfi', 'rfi', 'rfi']

if (!fs.existsSync(args.corpus)) {
  console.error(`eval: no corpus at ${args.corpus} (the shared corpus sits beside the project; --corpus DIR names another)`)
  process.exit(2)
}
const corpus = (file) => readNdjson(path.join(args.corpus, file))
const attacks = [...corpus('crs-attacks.ndjson'), ...corpus('crs-attacks-extra.ndjson')]
const benign = corpus('benign.ndjson')
const detections = Object.fromEntries(PARANOIA.map((p) => [p, createDetection({ paranoia: p, disable: [], bodyLimit: 65536, userAgentCacheSize: 1024 })]))

const pct = (n, d) => d === 0 ? '-' : (100 * n / d).toFixed(1) + ' %'
const flagged = (threats) => threatScore(threats) >= THRESHOLD
const rightKind = (label, threats) => threats.some((t) => (KINDS[label] ?? []).includes(t.kind) && t.score >= 3)

// Attacks: per label and test paranoia level, detected at paranoia 1 and at the test's own level.
const rows = new Map()
for (const record of attacks) {
  const key = `${record.label}\u0000${record.paranoia ?? 1}`
  let row = rows.get(key)
  if (row === undefined) rows.set(key, row = { label: record.label, pl: record.paranoia ?? 1, n: 0, atPl1: 0, atOwn: 0, kindAtOwn: 0, missed: [] })
  row.n++
  const at1 = detectRecord(detections[1], record)
  const own = row.pl === 1 ? at1 : detectRecord(detections[row.pl], record)
  if (flagged(at1)) row.atPl1++
  if (flagged(own)) row.atOwn++
  if (rightKind(record.label, own)) row.kindAtOwn++
  else if (args.misses === record.label && String(row.pl) === args.pl) row.missed.push({ record, threats: own })
}
const table = [...rows.values()].sort((a, b) => a.label.localeCompare(b.label) || a.pl - b.pl)

// Benign: flagged at each paranoia level, per kind of benign record.
const falsePositives = {}
for (const p of PARANOIA) {
  const byKind = {}
  let count = 0
  for (const record of benign) {
    const kind = record.benign_kind ?? 'other'
    byKind[kind] ??= { n: 0, flagged: 0 }
    byKind[kind].n++
    const threats = detectRecord(detections[p], record)
    if (flagged(threats)) {
      count++
      byKind[kind].flagged++
      if (args.fp === String(p)) console.log('FP', record.id, record.uri.slice(0, 120), JSON.stringify(threats.map((t) => [t.rule, t.where, t.excerpt])))
    }
  }
  falsePositives[p] = { n: benign.length, flagged: count, rate: count / benign.length, byKind }
}

// The seed's attack lines, with their user agents.
const seeds = readSeedLines(path.join(args.corpus, 'seed-access.log')).map((seed, i) => {
  const threats = detections[1].request({ url: seed.uri, headers: seed.ua === undefined ? {} : { 'user-agent': seed.ua } })
  return { uri: seed.uri, expected: SEED_KINDS[i], kinds: [...new Set(threats.map((t) => t.kind))], ok: threats.some((t) => t.kind === SEED_KINDS[i]) && flagged(threats) }
})

for (const row of table) {
  for (const { record, threats } of row.missed) console.log('MISS', record.id, record.uri.slice(0, 160), record.body ? 'BODY ' + String(record.body).slice(0, 160) : '', JSON.stringify(threats.map((t) => t.rule)))
}

console.log('\nDetection on attack tests (flagged: total score >= 5; kind: a finding of the label\'s kind)')
console.log('label             test PL     n   flagged@PL1   flagged@PL   kind@PL')
for (const row of table) {
  console.log(`${row.label.padEnd(17)} ${String(row.pl).padStart(7)} ${String(row.n).padStart(5)} ${pct(row.atPl1, row.n).padStart(13)} ${pct(row.atOwn, row.n).padStart(12)} ${pct(row.kindAtOwn, row.n).padStart(9)}`)
}
console.log('\nFalse positives on benign.ndjson (flagged: total score >= 5)')
for (const p of PARANOIA) {
  const fp = falsePositives[p]
  const kinds = Object.entries(fp.byKind).map(([k, v]) => `${k} ${v.flagged}/${v.n}`).join(', ')
  console.log(`paranoia ${p}: ${fp.flagged}/${fp.n} = ${pct(fp.flagged, fp.n)}   (${kinds})`)
}
console.log('\nSeed attack lines (paranoia 1)')
for (const seed of seeds) console.log(`${seed.ok ? 'ok  ' : 'MISS'} expected ${seed.expected.padEnd(5)} found [${seed.kinds.join(', ')}]  ${seed.uri.slice(0, 70)}`)

let timing
if (!args.quick) {
  const inputs = hostileInputs(65536)
  timing = {
    benignMicros: timePerRequest(detections[1], benign),
    attackMicros: timePerRequest(detections[1], attacks),
    bareLoopMs: bareLoop(inputs.find((i) => i.name === 'random printable').text),
    hostile: timeHostile(detections[4], inputs)
  }
  console.log(`\nCost at paranoia 1 (median of 5 passes): ${timing.benignMicros.toFixed(2)} µs per benign request, ${timing.attackMicros.toFixed(2)} µs per attack`)
  const worst = timing.hostile.reduce((a, b) => b.ms > a.ms ? b : a)
  console.log(`64 KB hostile inputs at paranoia 4 (${timing.hostile.length / 9} inputs, each in 9 places of a request): worst ${worst.ms.toFixed(2)} ms (${worst.name} in the ${worst.place}); a bare loop over 64 KB takes ${timing.bareLoopMs.toFixed(2)} ms`)
  const slowest = [...timing.hostile].sort((a, b) => b.ms - a.ms).slice(0, 5)
  for (const h of slowest) console.log(`  ${h.ms.toFixed(2)} ms  ${h.name} in the ${h.place}`)
}

// Targets
const verdicts = []
for (const [label, target] of Object.entries(TARGETS)) {
  const row = table.find((r) => r.label === label && r.pl === 1)
  const rate = row === undefined ? 0 : row.atPl1 / row.n
  verdicts.push({ what: `${label} PL1 detection`, value: rate, target: `>= ${target}`, pass: rate >= target })
}
verdicts.push({ what: 'false positives at paranoia 1', value: falsePositives[1].rate, target: `<= ${FP_TARGET}`, pass: falsePositives[1].rate <= FP_TARGET })
verdicts.push({ what: 'seed attack lines', value: seeds.filter((s) => s.ok).length / seeds.length, target: '= 1', pass: seeds.every((s) => s.ok) })
if (timing !== undefined) {
  const worst = Math.max(...timing.hostile.map((h) => h.ms))
  verdicts.push({ what: 'worst 64 KB hostile input (ms)', value: worst, target: '<= 2', pass: worst <= 2 })
}
console.log('\nTargets')
for (const v of verdicts) console.log(`${v.pass ? 'PASS' : 'FAIL'}  ${v.what.padEnd(32)} ${v.value.toFixed(3).padStart(8)}  (target ${v.target})`)

fs.mkdirSync(path.dirname(args.json), { recursive: true })
fs.writeFileSync(args.json, JSON.stringify({
  generated: new Date().toISOString(),
  threshold: THRESHOLD,
  attacks: table.map(({ missed, ...row }) => row),
  falsePositives,
  seeds,
  timing,
  targets: verdicts
}, null, 2) + '\n')
console.log(`\nsummary written to ${path.relative(process.cwd(), args.json)}`)

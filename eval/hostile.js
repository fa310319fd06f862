'use strict'

// The slowest 64 KB hostile inputs per detector family, each family alone, the framework alone (decoding
// and value handling, with a detector that does nothing) and all together, in each place of a request the eval
// times, beside a bare loop over 64 KB: node eval/hostile.js [kind ...]
// Reads the build in dist/, or $DETECT_DIST.

const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { hostileInputs, bareLoop, PLACES } = require('./timing.js')

const dist = process.env.DETECT_DIST === undefined ? path.join(__dirname, '..', 'dist') : path.resolve(process.env.DETECT_DIST)
const { createDetection } = require(path.join(dist, 'detect', 'index.js'))
const { DETECTORS } = require(path.join(dist, 'detect', 'families.js'))

const SIZE = 65536
const NOTHING = { kind: 'sqli', rules: [{ id: 'sqli-nothing', kind: 'sqli', paranoia: 1, score: 5, summary: '' }], places: 2047, triggers: 0, inspect () {} }

function worst (detectors, inputs, count = 3) {
  const detection = createDetection({ paranoia: 4, disable: [], bodyLimit: SIZE, userAgentCacheSize: 16 }, detectors)
  const results = []
  for (const { name, text } of inputs) {
    for (const [place, prepare] of Object.entries(PLACES)) {
      const run = prepare(text)
      run(detection)
      const times = []
      for (let i = 0; i < 3; i++) {
        const start = performance.now()
        run(detection)
        times.push(performance.now() - start)
      }
      results.push({ ms: times.sort((a, b) => a - b)[1], what: `${name} in the ${place}` })
    }
  }
  return results.sort((a, b) => b.ms - a.ms).slice(0, count)
}

const kinds = process.argv.slice(2)
const inputs = hostileInputs(SIZE)
const show = (label, rows) => console.log(label.padEnd(20), rows.map((r) => `${r.ms.toFixed(2)} ms ${r.what}`).join(' | '))
console.log(`a bare charCodeAt loop over 64 KB: ${bareLoop(inputs.find((i) => i.name === 'random printable').text).toFixed(2)} ms`)
show('framework alone', worst([NOTHING], inputs))
for (const detector of DETECTORS) {
  if (kinds.length > 0 && !kinds.includes(detector.kind)) continue
  show(detector.kind, worst([detector], inputs))
}
if (kinds.length === 0) show('all together', worst(DETECTORS, inputs, 5))

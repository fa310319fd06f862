'use strict'

// Timing for the eval: µs per request over a corpus, and the time each 64 KB hostile input takes.

const { performance } = require('node:perf_hooks')
const { lowerHeaders, detectRecord } = require('./corpus.js')

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]
}

/** Median over 5 passes of the µs one request of `records` takes, after one warm-up pass. */
function timePerRequest (detection, records) {
  const prepared = records.map((r) => ({ ...r, headers: lowerHeaders(r.headers) }))
  const pass = () => {
    const start = performance.now()
    for (const record of prepared) detectRecord(detection, record)
    return (performance.now() - start) * 1000 / prepared.length
  }
  pass()
  return median([pass(), pass(), pass(), pass(), pass()])
}

// Characters that open or close the constructs signatures look for, each repeated, and after a letter.
const SPECIALS = "'\"`<>()[]{};|&$\\/:=#*%-,.@!?^~+ \t\n"
const PHRASES = [
  'union select ', '/*', '*/', '../', '..\\', '${', '${jndi:', '() {', '<script>', '<a ', 'javascript:', 'on', '&#',
  '%25', '%u', '%c0%ae', ' or 1=1 ', 'select(', 'sleep(', '$ne', '__proto__', 'http://', 'php://', 'eval(', ';id',
  '|cat ', '`', 'a=b&', '<!--', '\\u0027', '0x', '--', 'char(', 'concat(', '/etc/passwd', 'cmd.exe /c ', 'a ',
  '1 ', 'aaaa', '\'--', '"a"', 'ä', '\u0000'
]

/** 64 KB inputs built to make a careless pattern backtrack: each special and phrase repeated, then random. */
function hostileInputs (size) {
  const inputs = []
  const fill = (unit) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
  for (const c of SPECIALS) {
    inputs.push({ name: `${JSON.stringify(c)} x ${size}`, text: fill(c) })
    inputs.push({ name: `${JSON.stringify('a' + c)} x ${size / 2}`, text: fill('a' + c) })
  }
  for (const phrase of PHRASES) inputs.push({ name: `${JSON.stringify(phrase)} repeated`, text: fill(phrase) })
  let seed = 42
  const random = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed }
  let printable = ''
  let bytes = ''
  for (let i = 0; i < size; i++) {
    printable += String.fromCharCode(0x20 + random() % 95)
    bytes += String.fromCharCode(random() % 256)
  }
  inputs.push({ name: 'random printable', text: printable }, { name: 'random bytes', text: bytes })
  return inputs
}

/** Milliseconds (median of 5) each input takes in the query, a header, a text body and a JSON body. */
function timeHostile (detection, inputs) {
  return inputs.map(({ name, text }) => {
    const encoded = encodeURIComponent(text)
    const once = () => {
      const start = performance.now()
      const out = detection.request({ url: '/?q=' + encoded, headers: { 'user-agent': text + Math.random(), referer: text, 'x-custom': text } })
      detection.body(text, 'text/plain', out)
      detection.body({ q: text }, 'application/json', out)
      return performance.now() - start
    }
    once()
    return { name, ms: median([once(), once(), once(), once(), once()]) }
  })
}

module.exports = { timePerRequest, hostileInputs, timeHostile }

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
  '1 ', 'aaaa', '\'--', '"a"', 'ä', '\u0000', '=whoami ', 'class[', 'filename='
]

/**
 * 64 KB inputs built to make a careless pattern backtrack: each special and phrase repeated; every special
 * once (so that no gate on a character keeps a pattern from running), then a run of one; each phrase over
 * half the input, then whitespace (a construct followed by a long run that a pattern can split); then random.
 */
function hostileInputs (size) {
  const inputs = []
  const fill = (unit, length = size) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)
  for (const c of SPECIALS) {
    inputs.push({ name: `${JSON.stringify(c)} x ${size}`, text: fill(c) })
    inputs.push({ name: `${JSON.stringify('a' + c)} x ${size / 2}`, text: fill('a' + c) })
    inputs.push({ name: `every special, then ${JSON.stringify(c)} x ${size - SPECIALS.length}`, text: SPECIALS + fill(c, size - SPECIALS.length) })
  }
  for (const phrase of PHRASES) {
    inputs.push({ name: `${JSON.stringify(phrase)} repeated`, text: fill(phrase) })
    const whole = phrase.repeat(Math.floor(size / 2 / phrase.length))
    inputs.push({ name: `${JSON.stringify(phrase)} repeated, then spaces`, text: whole + ' '.repeat(size - whole.length) })
  }
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

// An input percent-encoded for the URL or a form is cut back to its size: 64 KB on the wire.
const wire = (text) => encodeURIComponent(text).slice(0, text.length)

/**
 * Each place a 64 KB input can arrive in, as a function of the input that returns a run of the detection:
 * what only builds the request (percent-encoding for the URL or a form) is done before the clock starts.
 */
const PLACES = {
  query: (text) => { const url = '/?q=' + wire(text); return (detection) => detection.request({ url, headers: {} }) },
  path: (text) => { const url = '/' + wire(text); return (detection) => detection.request({ url, headers: {} }) },
  referer: (text) => (detection) => detection.request({ url: '/', headers: { referer: text } }),
  'user-agent': (text) => (detection) => detection.request({ url: '/', headers: { 'user-agent': text + Math.random() } }),
  cookie: (text) => (detection) => detection.request({ url: '/', headers: { cookie: 'c=' + text } }),
  'other header': (text) => (detection) => detection.request({ url: '/', headers: { 'x-custom': text } }),
  'text body': (text) => (detection) => detection.body(text, 'text/plain', []),
  'form body': (text) => { const form = 'q=' + wire(text); return (detection) => detection.body(form, 'application/x-www-form-urlencoded', []) },
  'JSON body': (text) => (detection) => detection.body({ q: text }, 'application/json', [])
}

/** Milliseconds (median of 5) each input takes in each place of a request, one place at a time. */
function timeHostile (detection, inputs) {
  const results = []
  for (const { name, text } of inputs) {
    for (const [place, prepare] of Object.entries(PLACES)) {
      const run = prepare(text)
      const once = () => {
        const start = performance.now()
        run(detection)
        return performance.now() - start
      }
      once()
      results.push({ name, place, ms: median([once(), once(), once(), once(), once()]) })
    }
  }
  return results
}

/** Median milliseconds of a bare loop over the code units of `text`: the yardstick hostile timings are read against. */
function bareLoop (text) {
  const times = []
  let sum = 0
  for (let run = 0; run < 21; run++) {
    const start = performance.now()
    for (let i = 0; i < text.length; i++) sum = (sum + text.charCodeAt(i)) | 0
    times.push(performance.now() - start)
  }
  // The sum is read, so that the loop is not optimized away.
  return sum === 0.5 ? 0 : median(times)
}

module.exports = { timePerRequest, hostileInputs, timeHostile, bareLoop, PLACES }

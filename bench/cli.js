'use strict'

// npm run bench:cli: how fast `request-info report` reads a million lines, and whether its memory stays the
// same from 100,000 lines to 1,000,000. Generates a day of traffic (bench/cli-input.js), runs the CLI on each
// input in a fresh process, round by round, and prints the medians against the targets of issue 7.
// bench/README.md ("The CLI: request-info report") explains what is generated and what is measured.

const { spawn } = require('node:child_process')
const { once } = require('node:events')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pipeline } = require('node:stream/promises')
const { parseArgs } = require('node:util')
const zlib = require('node:zlib')
const { requests, accessLine, recordLines } = require('./cli-input.js')
const { machineBusyMicros } = require('./processes.js')

const TARGET_LINES_PER_SECOND = 100_000
const TARGET_RSS_RATIO = 1.3
const RESULTS = path.join(__dirname, 'results', 'cli.json')

const USAGE = `usage: node bench/cli.js [options]
  --rounds N   runs of each input (default 3); the table gives the medians
  --lines N    lines of the large inputs (default 1000000); the small access log has N / 10
  --seed N     seed of the generated traffic (default 1)
  --dist DIR   the build to run (default: $CLI_DIST, else the package's dist/)
  --keep       keep the generated input; its directory is printed
  --profile    then run the large access log once under node --cpu-prof and list the top functions by self time,
               summed over its threads`

// Loaded with --require into each run. The child's own peak RSS (getrusage's ru_maxrss, which the kernel
// keeps for the process's whole life) and CPU time, written at exit to the file the bench names.
const USAGE_PRELOAD = `'use strict'
process.on('exit', () => {
  const u = process.resourceUsage()
  require('node:fs').writeFileSync(process.env.REQUEST_INFO_BENCH_USAGE,
    JSON.stringify({ maxRssKb: u.maxRSS, userMicros: u.userCPUTime, systemMicros: u.systemCPUTime }))
})
`

function readOptions () {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      lines: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      dist: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const whole = (name, min) => {
    const value = Number(values[name])
    if (!Number.isSafeInteger(value) || value < min) {
      console.error(`--${name} must be a whole number from ${min}; got '${values[name]}'\n\n${USAGE}`)
      process.exit(2)
    }
    return value
  }
  const given = values.dist ?? process.env.CLI_DIST
  const dist = given === undefined ? path.join(__dirname, '..', 'dist') : path.resolve(given)
  if (!fs.existsSync(path.join(dist, 'cli', 'main.js'))) {
    console.error(`bench: ${path.join(dist, 'cli', 'main.js')} is missing; run \`npm run build\` first (or name another build with --dist or CLI_DIST)`)
    process.exit(2)
  }
  return { rounds: whole('rounds', 1), lines: whole('lines', 1000), seed: whole('seed', 1), dist, keep: values.keep, profile: values.profile }
}

/** A file written in large writes; `close` returns its size in bytes. */
function lineFile (file) {
  const fd = fs.openSync(file, 'w')
  let text = ''
  const flush = () => {
    fs.writeSync(fd, text)
    text = ''
  }
  return {
    file,
    write (line) {
      text += line
      if (text.length > 1 << 20) flush()
    },
    close () {
      flush()
      fs.closeSync(fd)
      return fs.statSync(file).size
    }
  }
}

/**
 * Writes the inputs into `dir`: an access log of lines / 10 requests and one of `lines` (the same traffic,
 * over the same day), the latter gzipped, and its requests as flat and ECS records. Returns them as
 * { name, file, lines, bytes, attacks } (attacks: the attack requests generated, whether found or not).
 */
async function writeInputs (dir, { lines, seed, dist }) {
  const smallLines = Math.round(lines / 10)
  const small = lineFile(path.join(dir, 'access-small.log'))
  let smallAttacks = 0
  for (const q of requests(smallLines, seed)) {
    small.write(accessLine(q))
    if (q.attack !== undefined) smallAttacks++
  }
  const smallBytes = small.close()
  const records = await recordLines(dist, seed)
  const [access, flat, ecs] = ['access.log', 'records-flat.ndjson', 'records-ecs.ndjson'].map((name) => lineFile(path.join(dir, name)))
  let attacks = 0
  for (const q of requests(lines, seed)) {
    access.write(accessLine(q))
    const record = records(q)
    flat.write(record.flat)
    ecs.write(record.ecs)
    if (q.attack !== undefined) attacks++
  }
  const [accessBytes, flatBytes, ecsBytes] = [access.close(), flat.close(), ecs.close()]
  const gz = `${access.file}.gz`
  await pipeline(fs.createReadStream(access.file), zlib.createGzip(), fs.createWriteStream(gz))
  return [
    { name: 'access log', file: small.file, lines: smallLines, bytes: smallBytes, attacks: smallAttacks },
    { name: 'access log', file: access.file, lines, bytes: accessBytes, attacks },
    { name: 'access log .gz', file: gz, lines, bytes: fs.statSync(gz).size, attacks },
    { name: 'records, flat', file: flat.file, lines, bytes: flatBytes, attacks },
    { name: 'records, ECS', file: ecs.file, lines, bytes: ecsBytes, attacks }
  ]
}

/**
 * One run of `request-info report` on `input` in a fresh process: wall time from spawn to exit, the child's
 * peak RSS and CPU time, and the report's own count of what it read, checked against what was written.
 */
async function run (options, dir, input, nodeArgs = []) {
  const usageFile = path.join(dir, 'usage.json')
  const output = path.join(dir, 'report.json')
  fs.rmSync(usageFile, { force: true })
  fs.rmSync(output, { force: true })
  const args = [...nodeArgs, '--require', path.join(dir, 'usage-preload.js'), path.join(options.dist, 'cli', 'main.js'),
    'report', '-q', '-f', 'json', '-o', output, input.file]
  const machineBefore = machineBusyMicros()
  const started = process.hrtime.bigint()
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, REQUEST_INFO_BENCH_USAGE: usageFile } })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text) => { stderr += text })
  const [code, signal] = await once(child, 'close')
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6
  const machineMicros = machineBusyMicros() - machineBefore
  if (code !== 0) throw new Error(`request-info ended with ${signal ?? `exit status ${code}`} on ${input.file}: ${stderr.trim()}`)
  const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8'))
  const { inputs, attacks } = JSON.parse(fs.readFileSync(output, 'utf8'))
  if (inputs.lines !== input.lines || inputs.requests !== input.lines || inputs.unparseable !== 0) {
    throw new Error(`request-info read ${inputs.lines} lines of ${input.file} (${inputs.requests} requests, ${inputs.unparseable} unreadable); ${input.lines} requests were written`)
  }
  const cpuMicros = usage.userMicros + usage.systemMicros
  return {
    wallMs: Math.round(wallMs),
    linesPerSecond: Math.round(input.lines / (wallMs / 1000)),
    maxRssMb: Math.round(usage.maxRssKb / 102.4) / 10,
    cpuMs: Math.round(cpuMicros / 1000),
    // CPU used by anything else on the machine meanwhile, as a share of one CPU: above a few tenths on two
    // CPUs, the run competed for its CPU and its figures understate the CLI.
    otherLoad: Math.round(100 * Math.max(0, machineMicros - cpuMicros) / (wallMs * 1000)) / 100,
    attacksFound: attacks.requests
  }
}

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const grouped = (n) => Math.round(n).toLocaleString('en')
const label = (input) => `${input.name}, ${grouped(input.lines)} lines`
const load = (share) => Number.isNaN(share) ? 'n/a' : share.toFixed(2)

/**
 * The top functions by self time in the .cpuprofiles of `dir` (V8's sampled profiles, one per thread: the
 * command reads and counts on worker threads), summed over the threads, each with its hottest line: V8
 * charges an inlined callee's samples to its caller's frame, at the line of the call. Idle time is left out;
 * shares are of the CPU time sampled.
 */
function topSelfTime (dir, dist, count) {
  const place = (url) => {
    const file = url.replace(/^file:\/\//, '')
    return path.isAbsolute(file) ? path.relative(file.startsWith(dist + path.sep) ? dist : path.join(__dirname, '..'), file) : file
  }
  const functions = new Map()
  let busyMs = 0
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))
    const samples = profile.nodes.reduce((sum, n) => sum + n.hitCount, 0)
    const msPerSample = (profile.endTime - profile.startTime) / 1000 / samples
    for (const { callFrame: f, hitCount, positionTicks = [] } of profile.nodes) {
      if (f.functionName === '(idle)') continue
      busyMs += hitCount * msPerSample
      const key = `${f.functionName || '(anonymous)'} ${f.url === '' ? '' : `${place(f.url)}:${f.lineNumber + 1}`}`
      const entry = functions.get(key) ?? { ms: 0, lines: new Map() }
      entry.ms += hitCount * msPerSample
      for (const { line, ticks } of positionTicks) entry.lines.set(line, (entry.lines.get(line) ?? 0) + ticks * msPerSample)
      functions.set(key, entry)
    }
  }
  return [...functions].sort((a, b) => b[1].ms - a[1].ms).slice(0, count).map(([name, { ms, lines }]) => {
    const [line, lineMs] = [...lines].sort((a, b) => b[1] - a[1])[0] ?? []
    return {
      name,
      selfMs: Math.round(ms),
      share: Math.round(1000 * ms / busyMs) / 10,
      hottestLine: line === undefined ? null : { line, share: Math.round(1000 * lineMs / busyMs) / 10 }
    }
  })
}

function printSummary (summary, rounds) {
  console.log(`\nmedian of ${rounds} round${rounds === 1 ? '' : 's'}:`)
  console.log(`${'input'.padEnd(36)} ${'MB'.padStart(7)} ${'s'.padStart(6)} ${'lines/s'.padStart(9)} ${'MB/s'.padStart(6)} ${'CPU s'.padStart(6)} ` +
    `${'peak RSS MB'.padStart(11)} ${'other load'.padStart(10)}  attacks found`)
  for (const s of summary) {
    const { wallMs, linesPerSecond, maxRssMb, cpuMs, otherLoad } = s.median
    console.log(`${label(s).padEnd(36)} ${(s.bytes / 1e6).toFixed(1).padStart(7)} ${(wallMs / 1000).toFixed(2).padStart(6)} ` +
      `${grouped(linesPerSecond).padStart(9)} ${(s.bytes / 1e3 / wallMs).toFixed(1).padStart(6)} ${(cpuMs / 1000).toFixed(2).padStart(6)} ` +
      `${maxRssMb.toFixed(1).padStart(11)} ${load(otherLoad).padStart(10)}  ${grouped(s.attacksFound)} (${(100 * s.attacksFound / s.lines).toFixed(1)} %)`)
  }
}

/** The two targets of issue 7, on the large access log and the small one. */
function targetsOf ([small, large]) {
  const rate = large.median.linesPerSecond
  const ratio = Math.round(100 * large.median.maxRssMb / small.median.maxRssMb) / 100
  return [
    { name: `lines/s, ${label(large)}`, value: rate, shown: grouped(rate), target: `>= ${grouped(TARGET_LINES_PER_SECOND)}`, pass: rate >= TARGET_LINES_PER_SECOND },
    { name: `peak RSS ${grouped(large.lines)} / ${grouped(small.lines)} lines, access log`, value: ratio, shown: ratio.toFixed(2), target: `<= ${TARGET_RSS_RATIO}`, pass: ratio <= TARGET_RSS_RATIO }
  ]
}

async function main () {
  const options = readOptions()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'request-info-bench-'))
  try {
    fs.writeFileSync(path.join(dir, 'usage-preload.js'), USAGE_PRELOAD)
    console.log(`request-info report from ${options.dist}, Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}`)
    const generating = Date.now()
    const inputs = await writeInputs(dir, options)
    console.log(`generated in ${((Date.now() - generating) / 1000).toFixed(1)} s (seed ${options.seed}) in ${dir}:`)
    for (const input of inputs) {
      console.log(`  ${path.basename(input.file).padEnd(20)} ${label(input).padEnd(36)} ${(input.bytes / 1e6).toFixed(1).padStart(7)} MB, ${grouped(input.attacks)} attack requests`)
    }
    // Every round runs each input once, in an order that rotates from round to round, so that drift of the
    // machine's speed is spread over all of them.
    const runs = inputs.map(() => [])
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < inputs.length; k++) {
        const i = (k + round) % inputs.length
        const result = await run(options, dir, inputs[i])
        runs[i].push(result)
        console.log(`round ${round + 1}  ${label(inputs[i]).padEnd(36)} ${(result.wallMs / 1000).toFixed(2).padStart(6)} s ` +
          `${grouped(result.linesPerSecond).padStart(9)} lines/s  peak RSS ${result.maxRssMb.toFixed(1).padStart(6)} MB  other load ${load(result.otherLoad)}`)
      }
    }
    const summary = inputs.map((input, i) => {
      const m = (key) => median(runs[i].map((r) => r[key]))
      return {
        name: input.name, file: path.basename(input.file), lines: input.lines, bytes: input.bytes, attacksGenerated: input.attacks,
        attacksFound: runs[i][0].attacksFound, runs: runs[i],
        median: { wallMs: m('wallMs'), linesPerSecond: m('linesPerSecond'), maxRssMb: m('maxRssMb'), cpuMs: m('cpuMs'), otherLoad: m('otherLoad') }
      }
    })
    printSummary(summary, options.rounds)
    const targets = targetsOf(summary)
    console.log('')
    for (const t of targets) console.log(`${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.shown} (target ${t.target})`)
    if (options.lines !== 1_000_000) console.log(`(the targets are set for 1,000,000 lines; this run has ${grouped(options.lines)})`)
    let profile
    if (options.profile) {
      const profiles = path.join(dir, 'profiles')
      const profiled = await run(options, dir, inputs[1], ['--cpu-prof', '--cpu-prof-dir', profiles])
      profile = { wallMs: profiled.wallMs, top: topSelfTime(profiles, options.dist, 20) }
      console.log(`\n${label(inputs[1])} under --cpu-prof (${(profiled.wallMs / 1000).toFixed(2)} s); top functions by self time over its threads, with their hottest line:`)
      for (const f of profile.top) {
        const hottest = f.hottestLine === null ? '' : `  (line ${f.hottestLine.line}: ${f.hottestLine.share.toFixed(1)} %)`
        console.log(`${String(f.selfMs).padStart(7)} ms ${f.share.toFixed(1).padStart(5)} %  ${f.name}${hottest}`)
      }
    }
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true })
    fs.writeFileSync(RESULTS, JSON.stringify({
      date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
      dist: path.relative(path.join(__dirname, '..'), options.dist), seed: options.seed, rounds: options.rounds,
      inputs: summary, targets, ...(profile === undefined ? {} : { profile })
    }, null, 2) + '\n')
    console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`)
  } finally {
    if (options.keep) console.log(`input kept in ${dir}`)
    else fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`)
  process.exitCode = 1
})

'use strict'

// node bench/process-watch-poller.js: what the process watch's Linux child poller costs at a 10 ms interval
// (issue 8's target: at most 0.5 % of one core). Three idle Node processes run side by side: one with the
// poller, one with a thread that only sleeps as long as the poller's does between polls (the floor), one with
// neither. Each measures its own CPU time, and the first two their thread's, read from
// /proc/self/task/<tid>/stat (utime + stime, in 10 ms ticks) and schedstat (nanoseconds on a CPU).
// WATCH_DIST (or --dist) names the build to load, dist/ by default.

const { spawn } = require('node:child_process')
const { once } = require('node:events')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { Worker } = require('node:worker_threads')
const { machineBusyMicros } = require('./processes.js')

const TARGET_SHARE = 0.5
const RESULTS = path.join(__dirname, 'results', 'process-watch-poller.json')
const TICK_NS = 10_000_000

const USAGE = `usage: node bench/process-watch-poller.js [options]
  --rounds N     rounds (default 3); the summary gives the medians
  --seconds S    measured seconds per round (default 10)
  --interval MS  the poller's interval (default 10)
  --dist DIR     the build to load (default: $WATCH_DIST, else the package's dist/)`

function readOptions () {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '10' },
      interval: { type: 'string', default: '10' },
      dist: { type: 'string' },
      child: { type: 'string' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const number = (name, min) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number from ${min}, got ${values[name]}`)
    return n
  }
  const dist = path.resolve(values.dist ?? process.env.WATCH_DIST ?? path.join(__dirname, '..', 'dist'))
  const poller = path.join(dist, 'watch', 'poller.js')
  if (!fs.existsSync(poller)) throw new Error(`${poller} is missing; run \`npm run build\` first (or name another build with --dist or WATCH_DIST)`)
  return { rounds: number('rounds', 1), seconds: number('seconds', 1), interval: number('interval', 1), poller, child: values.child }
}

/** A thread's CPU time in ns: utime + stime from its stat (ticks), and its time on a CPU from schedstat. */
function threadCpu (tid) {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'latin1')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 of the line, counted from field 3 after the name.
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3])
  const onCpu = Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0])
  return { statNs: ticks * TICK_NS, schedNs: onCpu }
}

// The floor: a thread that does nothing but sleep for the interval, as the poller's thread does between polls.
// What it costs is the machine's price of a wake-up every interval, which no poller can go under.
const SLEEPER = `
  const { parentPort, workerData } = require('node:worker_threads')
  const self = require('node:fs').readlinkSync('/proc/thread-self')
  parentPort.postMessage(Number(self.slice(self.lastIndexOf('/') + 1)))
  const sleep = new Int32Array(new SharedArrayBuffer(4))
  for (;;) Atomics.wait(sleep, 0, 0, workerData)
`

/** Starts the thread measured in a `kind` process; resolves to its tid, and how to stop it. */
async function startThread (kind, file, interval) {
  if (kind === 'with') {
    const { startChildPoller } = require(file)
    const poller = startChildPoller({ intervalMs: interval, onChildren () {}, onError (err) { throw err } })
    while (poller.tid === undefined) await new Promise((resolve) => setTimeout(resolve, 10))
    return { tid: poller.tid, polls: () => poller.polls, stop: () => poller.stop() }
  }
  const worker = new Worker(SLEEPER, { eval: true, workerData: interval })
  const [tid] = await once(worker, 'message')
  return { tid, polls: () => undefined, stop: () => worker.terminate() }
}

/**
 * One measured process, idle but for a timer: with the poller, with the sleeping thread only (the floor), or
 * without either. Sends its figures to the parent.
 */
async function measure ({ child: kind, poller: file, seconds, interval }) {
  const keepAlive = setInterval(() => {}, 1000)
  const thread = kind === 'without' ? undefined : await startThread(kind, file, interval)
  // The start's own work (loading, the first poll) is not what is measured.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const before = { wall: process.hrtime.bigint(), cpu: process.cpuUsage(), thread: thread && threadCpu(thread.tid), polls: thread?.polls() }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  const wallNs = Number(process.hrtime.bigint() - before.wall)
  const cpu = process.cpuUsage(before.cpu)
  const result = { kind, wallNs, processNs: (cpu.user + cpu.system) * 1000, tasks: fs.readdirSync('/proc/self/task').length }
  if (thread !== undefined) {
    const after = threadCpu(thread.tid)
    Object.assign(result, { threadStatNs: after.statNs - before.thread.statNs, threadSchedNs: after.schedNs - before.thread.schedNs })
    if (kind === 'with') result.polls = thread.polls() - before.polls
    await thread.stop()
  }
  clearInterval(keepAlive)
  process.send(result, () => process.disconnect())
}

async function runChild (options, kind) {
  const child = spawn(process.execPath, [__filename, '--child', kind, '--dist', path.dirname(path.dirname(options.poller)),
    '--seconds', String(options.seconds), '--interval', String(options.interval)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let result
  child.on('message', (message) => { result = message })
  const [code] = await once(child, 'close')
  if (code !== 0 || result === undefined) throw new Error(`the process measured ${kind} the poller exited (code ${code}) without its figures`)
  return result
}

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Share of one core, in %, of `ns` of CPU time over `wallNs`. */
const share = (ns, wallNs) => Math.round(100_000 * ns / wallNs) / 1000

async function main () {
  const options = readOptions()
  if (options.child !== undefined) return measure(options)
  console.log(`child poller from ${options.poller}, every ${options.interval} ms; Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}`)
  const rounds = []
  for (let round = 1; round <= options.rounds; round++) {
    const busyBefore = machineBusyMicros()
    const started = process.hrtime.bigint()
    const [withPoller, floor, without] = await Promise.all(['with', 'floor', 'without'].map((kind) => runChild(options, kind)))
    const elapsedNs = Number(process.hrtime.bigint() - started)
    const r = {
      round,
      pollerSched: share(withPoller.threadSchedNs, withPoller.wallNs),
      pollerStat: share(withPoller.threadStatNs, withPoller.wallNs),
      floorSched: share(floor.threadSchedNs, floor.wallNs),
      processWith: share(withPoller.processNs, withPoller.wallNs),
      processWithout: share(without.processNs, without.wallNs),
      // polls is as the poller last reported it (at least once a second): a few polls short of the truth.
      usPerPoll: Math.round(withPoller.threadSchedNs / withPoller.polls / 10) / 100,
      polls: withPoller.polls,
      tasks: withPoller.tasks,
      // Everything else the machine did meanwhile, in cores: the figures above are noisier the higher it is.
      otherLoad: Math.round(100 * (machineBusyMicros() - busyBefore) * 1000 / elapsedNs) / 100
    }
    rounds.push(r)
    console.log(`round ${r.round}: poller thread ${r.pollerSched.toFixed(3)} % of a core (stat ticks: ${r.pollerStat.toFixed(3)} %), ` +
      `floor ${r.floorSched.toFixed(3)} %, ${r.usPerPoll} µs a poll over ${r.tasks} threads; process ${r.processWith.toFixed(3)} % with, ` +
      `${r.processWithout.toFixed(3)} % without; machine busy ${r.otherLoad.toFixed(2)} cores`)
  }
  const m = (key) => median(rounds.map((r) => r[key]))
  const summary = {
    pollerSched: m('pollerSched'), pollerStat: m('pollerStat'), floorSched: m('floorSched'), processWith: m('processWith'), processWithout: m('processWithout'),
    usPerPoll: m('usPerPoll'), otherLoad: m('otherLoad')
  }
  console.log(`\nmedian of ${rounds.length} round${rounds.length === 1 ? '' : 's'} (% of one core over ${options.seconds} s):`)
  console.log(`  poller thread    ${summary.pollerSched.toFixed(3)} % (schedstat), ${summary.pollerStat.toFixed(3)} % (stat utime + stime, 10 ms ticks)`)
  console.log(`  whole process    ${summary.processWith.toFixed(3)} % with the poller, ${summary.processWithout.toFixed(3)} % without ` +
    `(difference ${(summary.processWith - summary.processWithout).toFixed(3)} %)`)
  console.log(`  floor            ${summary.floorSched.toFixed(3)} %: a thread only sleeping ${options.interval} ms at a time, the cost of its wake-ups here`)
  console.log(`  one poll         ${summary.usPerPoll} µs, wake-up included`)
  const pass = summary.pollerSched <= TARGET_SHARE && summary.processWith - summary.processWithout <= TARGET_SHARE
  console.log(`\n${pass ? 'PASS' : 'FAIL'}  the poller at ${options.interval} ms: ${summary.pollerSched.toFixed(3)} % of a core (target <= ${TARGET_SHARE} %)`)
  if (summary.floorSched > TARGET_SHARE) {
    console.log(`      waking every ${options.interval} ms alone costs ${summary.floorSched.toFixed(3)} % here: no poller at this interval can meet the target on this machine`)
  }
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true })
  fs.writeFileSync(RESULTS, JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, intervalMs: options.interval, seconds: options.seconds,
    rounds, median: summary, target: { maxShareOfCore: TARGET_SHARE, pass }
  }, null, 2) + '\n')
  console.log(`results: ${path.relative(process.cwd(), RESULTS)}`)
}

main().catch((err) => {
  console.error(err.message)
  process.exit(1)
})

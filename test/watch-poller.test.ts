// The Linux child poller against real processes: children of this process and of a worker thread, found in
// /proc with their command line, executable and start time; the worker thread started from the TypeScript
// sources (tap's loader) and from the build (WATCH_DIST, else dist/, which `npm test` builds first).
import { test, type Test } from 'tap'
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { childPollerSupported, commandText, lastPidOf, parsePids, parseStat, startChildPoller, type ChildPoller, type PolledChild } from '../lib/watch/poller'

const INTERVAL_MS = 10
// startedAt counts in ticks of 10 ms from a boot time known to 10 ms.
const TICK_MS = 10
const DIST = resolve(process.env.WATCH_DIST ?? join(__dirname, '..', 'dist'))
// What /proc/<pid>/exe shows for `sleep`: the file PATH finds, its links followed.
const SLEEP = realpathSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim())
const unsupported = childPollerSupported()

interface Running {
  poller: ChildPoller
  children: PolledChild[]
  errors: Error[]
}

/** Waits until `done()` holds, checking every 5 ms; throws after `timeoutMs`. */
async function until (done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A poller collecting what it reports, running once its first poll is done; stopped at the test's end. */
async function running (t: Test): Promise<Running> {
  const run: Running = { poller: undefined as unknown as ChildPoller, children: [], errors: [] }
  run.poller = startChildPoller({ intervalMs: INTERVAL_MS, onChildren: (c) => run.children.push(...c), onError: (e) => run.errors.push(e) })
  t.teardown(() => run.poller.stop())
  // Under tap the worker compiles its TypeScript first: seconds on a loaded machine.
  await until(() => run.poller.polls > 0, 60_000, 'the first poll')
  return run
}

async function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
}

function reportsOf (run: Running, pid: number | undefined): PolledChild[] {
  return run.children.filter((c) => c.pid === pid)
}

/** Checks a reported child's start against its poll window and the time around its spawn call. */
function checkStart (t: Test, child: PolledChild, before: number, after: number): void {
  t.ok(child.startedAt !== undefined && child.startedAt >= child.previousPollAt - TICK_MS && child.startedAt <= child.seenAt + TICK_MS,
    `started (${child.startedAt}) within its poll window (${child.previousPollAt} to ${child.seenAt}), to a tick`)
  t.ok(child.startedAt !== undefined && child.startedAt >= before - TICK_MS && child.startedAt <= after + TICK_MS,
    `started (${child.startedAt}) when it was spawned (${before} to ${after}), to a tick`)
}

test('childPollerSupported says why a platform cannot be polled', async (t) => {
  t.match(childPollerSupported('darwin'), /^The child poller reads \/proc\/<pid>\/task\/<tid>\/children, which only Linux has \(this platform is darwin\)\.$/)
  const dir = mkdtempSync(join(tmpdir(), 'watch-poller-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.equal(childPollerSupported('linux', join(dir, 'proc')), `${join(dir, 'proc')}/self/task cannot be read (ENOENT): /proc is not mounted, or not readable.`)
  mkdirSync(join(dir, 'self', 'task', String(process.pid)), { recursive: true })
  t.equal(childPollerSupported('linux', dir), `${dir}/self/task/${process.pid}/children does not exist: the kernel was built without CONFIG_PROC_CHILDREN.`)
  if (process.platform === 'linux') t.equal(unsupported, undefined, 'this machine has /proc/<pid>/task/<tid>/children')
})

test('startChildPoller refuses invalid options with a precise message', async (t) => {
  const onChildren = (): void => {}
  const onError = (): void => {}
  for (const intervalMs of [0, 1.5, Number.NaN, 60_001, '10']) {
    t.throws(() => startChildPoller({ intervalMs, onChildren, onError } as never),
      new RangeError(`startChildPoller: intervalMs must be a whole number of milliseconds from 1 to 60000, got ${String(intervalMs)}`))
  }
  t.throws(() => startChildPoller({ intervalMs: 10, onError } as never), new TypeError('startChildPoller: onChildren must be a function'))
  t.throws(() => startChildPoller({ intervalMs: 10, onChildren } as never), new TypeError('startChildPoller: onError must be a function'))
  t.throws(() => startChildPoller(undefined as never), new TypeError('startChildPoller: options must be an object'))
})

test('the /proc readers run in linear time on 64 KB of hostile bytes', async (t) => {
  const hostile = [
    Buffer.alloc(65536, '('), Buffer.alloc(65536, ')'), Buffer.alloc(65536, ') '), Buffer.alloc(65536, '9'),
    Buffer.alloc(65536, '1 '), Buffer.alloc(65536, 0), Buffer.concat([Buffer.from('1 ('), Buffer.alloc(65533, ') 7 ')])
  ]
  for (const bytes of hostile) {
    let best = Infinity
    for (let round = 0; round < 5; round++) {
      const start = process.hrtime.bigint()
      parseStat(bytes, bytes.length)
      parsePids(bytes, bytes.length, new Set())
      lastPidOf(bytes, bytes.length)
      commandText(Buffer.from(bytes), bytes.length)
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6)
    }
    t.ok(best < 10, `${JSON.stringify(bytes.subarray(0, 4).toString('latin1'))}…: ${best.toFixed(2)} ms`)
  }
  const pids = new Set<number>()
  parsePids(Buffer.from('123 45 99999999999999999999 7'), 29, pids)
  t.same([...pids], [123, 45, 7], 'pids, a number too large for one dropped')
  t.equal(lastPidOf(Buffer.from('0.52 0.61 0.70 2/150 5953\n'), 26), 5953, 'the last pid ends /proc/loadavg')
  t.equal(lastPidOf(Buffer.alloc(8, ' '), 0), undefined, 'nothing read, no pid')
  t.equal(commandText(Buffer.from('sh\0-c\0echo a  b\0'), 16), 'sh -c echo a  b', 'NULs become spaces, the last is dropped')
  // Fields 4 to 52 numbered as they are: 22 is the start time, 48, 49 and 51 the arguments and environment.
  const fields = Array.from({ length: 49 }, (_, i) => String(i + 4)).join(' ')
  const stat = Buffer.from(`42 (a) b (c) S ${fields}\n`)
  t.same(parseStat(stat, stat.length), { comm: 'a) b (c', state: 'S', startTicks: 22, argStart: 48, argEnd: 49, envEnd: 51 },
    'the fields are counted from the last parenthesis')
  const zombie = Buffer.from('7 (true) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 1234 5 6')
  t.same(parseStat(zombie, zombie.length), { comm: 'true', state: 'Z', startTicks: 1234, argStart: 0, argEnd: 0, envEnd: 0 }, 'fields not shown are 0')
  t.equal(parseStat(zombie, 20), undefined, 'a line cut before its start time has none')
})

test('children of this process are reported once, with their command line, executable and start time', { skip: unsupported }, async (t) => {
  const run = await running(t)
  const dir = mkdtempSync(join(tmpdir(), 'watch-poller-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // The kernel's name for it (in stat, in parentheses) holds both parentheses and spaces.
  const oddName = join(dir, 'a) b (c')
  symlinkSync(SLEEP, oddName)
  const before = Date.now()
  const sleeper = spawn('sleep', ['0.3'])
  const odd = spawn(oddName, ['0.3'])
  const long = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300)', 'x'.repeat(5000)])
  const after = Date.now()
  await until(() => reportsOf(run, sleeper.pid).length > 0, 2000, 'the report of sleep 0.3')
  const pollsAtReport = run.poller.polls
  await Promise.all([exited(sleeper), exited(odd), exited(long)])
  await until(() => reportsOf(run, long.pid).length > 0, 2000, 'the report of the long command line')
  // The poller says how many polls it did at least once a second.
  await until(() => run.poller.polls - pollsAtReport >= 20, 3000, '20 polls after the report')

  const [child] = reportsOf(run, sleeper.pid)
  t.has(child, { pid: sleeper.pid, thread: process.pid, command: 'sleep 0.3', exe: SLEEP })
  checkStart(t, child, before, after)
  const [oddChild] = reportsOf(run, odd.pid)
  t.has(oddChild, { command: `${oddName} 0.3`, exe: SLEEP })
  checkStart(t, oddChild, before, after)
  const [longChild] = reportsOf(run, long.pid)
  t.equal(longChild.command.length, 4096, 'a command line is read up to 4 KiB')
  t.ok(longChild.command.startsWith(`${process.execPath} -e setTimeout(() => {}, 300) xxx`), longChild.command.slice(0, 60))
  for (const pid of [sleeper.pid, odd.pid, long.pid]) {
    t.equal(reportsOf(run, pid).length, 1, `pid ${pid} reported once, though polls 10 ms apart saw it for about 300 ms`)
  }
  t.same(run.errors, [])
})

test('a child of a worker thread (another task) is reported with that thread', { skip: unsupported }, async (t) => {
  const run = await running(t)
  // The worker spawns one child at once (its thread is new to the poller: found when it next lists the
  // threads, within a second), and one once the poller watches its thread.
  const worker = new Worker(`
    const { spawn } = require('node:child_process')
    const { parentPort } = require('node:worker_threads')
    const self = require('node:fs').readlinkSync('/proc/thread-self')
    const run = (seconds) => {
      const before = Date.now()
      const child = spawn('sleep', [seconds])
      child.on('spawn', () => parentPort.postMessage({ pid: child.pid, before, after: Date.now() }))
    }
    parentPort.postMessage({ tid: Number(self.slice(self.lastIndexOf('/') + 1)) })
    run('2')
    setTimeout(() => run('0.3'), 1500)
    setTimeout(() => {}, 2100)
  `, { eval: true })
  const messages: Array<{ tid?: number, pid?: number, before?: number, after?: number }> = []
  worker.on('message', (m) => messages.push(m))
  await once(worker, 'exit')
  const tid = messages[0].tid
  const spawned = messages.slice(1)
  t.equal(spawned.length, 2, 'the worker spawned two children')
  await until(() => spawned.every((s) => reportsOf(run, s.pid).length > 0), 2000, 'the reports of the worker\'s children')
  for (const { pid, before, after } of spawned) {
    const [child] = reportsOf(run, pid)
    t.has(child, { pid, thread: tid, exe: SLEEP }, `pid ${pid}: a child of the worker's thread ${tid}`)
    t.match(child.command, /^sleep (2|0\.3)$/)
    checkStart(t, child, before ?? 0, after ?? 0)
  }
})

test('a child living 3 intervals is always seen', { skip: unsupported }, async (t) => {
  const run = await running(t)
  const tries: Array<ChildProcess & { pid: number }> = []
  for (let i = 0; i < 20; i++) {
    const child = spawn('sleep', [String(3 * INTERVAL_MS / 1000)])
    await exited(child)
    tries.push(child as ChildProcess & { pid: number })
  }
  await until(() => tries.every((c) => reportsOf(run, c.pid).length > 0), 1000, 'the reports of 20 children').catch(() => {})
  const missed = tries.filter((c) => reportsOf(run, c.pid).length === 0).map((c) => c.pid)
  t.same(missed, [], 'none of 20 missed')
  t.same(tries.flatMap((c) => reportsOf(run, c.pid).map((r) => [r.command, r.exe])), tries.map(() => ['sleep 0.03', SLEEP]))
  // A child living less than an interval may be missed; how many `true` were is said, not asserted.
  let seen = 0
  for (let i = 0; i < 20; i++) {
    const child = spawn('true')
    await exited(child)
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS))
    if (reportsOf(run, child.pid).length > 0) seen++
  }
  t.comment(`\`true\` (lives about 1 ms): ${seen} of 20 seen at ${INTERVAL_MS} ms`)
})

test('stop() ends the worker thread and closes its files', { skip: unsupported }, async (t) => {
  const resources = process.getActiveResourcesInfo().sort()
  const fds = readdirSync('/proc/self/fd').length
  const poller = startChildPoller({ intervalMs: INTERVAL_MS, onChildren: () => {}, onError: (err) => t.fail(err.message) })
  await until(() => poller.tid !== undefined, 60_000, 'the worker\'s start')
  t.ok(readdirSync('/proc/self/task').includes(String(poller.tid)), `the worker's thread ${poller.tid} runs`)
  t.same(process.getActiveResourcesInfo().sort(), resources, 'the worker is unref()\'d: it keeps nothing alive')
  await poller.stop()
  t.notOk(readdirSync('/proc/self/task').includes(String(poller.tid)), 'its thread has ended')
  t.equal(readdirSync('/proc/self/fd').length, fds, 'the children files it kept open are closed')
  t.same(process.getActiveResourcesInfo().sort(), resources)
  await t.resolves(poller.stop(), 'stop() again resolves')
})

/** Runs `script` in a new `node` (ESM when `module`), with the poller's build; its last line of output, parsed. */
function runBuilt (t: Test, script: string, module = false): any {
  const result = spawnSync(process.execPath, [...(module ? ['--input-type=module'] : []), '-e', script], { encoding: 'utf8', timeout: 20_000 })
  t.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? 'null')
}

const BUILT = join(DIST, 'watch', 'poller.js')
const BUILT_SCRIPT = `
  const reports = []
  const poller = startChildPoller({ intervalMs: 10, onChildren: (children) => reports.push(...children), onError: (err) => { throw err } })
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  const { spawn } = await import('node:child_process')
  while (poller.polls === 0) await wait(5)
  const child = spawn('sleep', ['0.2'])
  await wait(400)
  await poller.stop()
  console.log(JSON.stringify({ pid: child.pid, reports }))
`

test('the worker starts from the build, required or imported', { skip: unsupported }, async (t) => {
  const required = runBuilt(t, `const { startChildPoller } = require(${JSON.stringify(BUILT)}); (async () => { ${BUILT_SCRIPT} })()`)
  t.has(required.reports, [{ pid: required.pid, command: 'sleep 0.2', exe: SLEEP }], 'require')
  const imported = runBuilt(t, `import { startChildPoller } from ${JSON.stringify(BUILT)}\n${BUILT_SCRIPT}`, true)
  t.has(imported.reports, [{ pid: imported.pid, command: 'sleep 0.2', exe: SLEEP }], 'import')
  const idle = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(BUILT)}).startChildPoller({ intervalMs: 10, onChildren () {}, onError () {} })`], { timeout: 10_000 })
  t.equal(idle.status, 0, 'a process with nothing to do but its poller exits')
})

test('a child still a copy of this process (before its exec) is looked at again before it is reported', { skip: unsupported }, async (t) => {
  // The host runs a copy of itself (same executable, same command line), which only waits: to /proc, it is
  // what any child is between its fork and its exec.
  const host = `
    if (process.env.POLLER_COPY === '1') setTimeout(() => {}, 500)
    else {
      const { startChildPoller } = require(${JSON.stringify(BUILT)})
      const reports = []
      const poller = startChildPoller({ intervalMs: 10, onChildren: (c) => reports.push(...c.map((r) => ({ ...r, reportedAt: Date.now() }))), onError: (err) => { throw err } })
      const wait = setInterval(() => {
        if (poller.polls === 0) return
        clearInterval(wait)
        const copy = require('node:child_process').spawn(process.execPath, ['-e', process.env.POLLER_SCRIPT], { env: { ...process.env, POLLER_COPY: '1' } })
        copy.on('exit', () => poller.stop().then(() => console.log(JSON.stringify({ pid: copy.pid, reports }))))
      }, 5)
    }`
  const result = spawnSync(process.execPath, ['-e', host], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, POLLER_SCRIPT: host } })
  t.equal(result.status, 0, result.stderr)
  const { pid, reports } = JSON.parse(result.stdout.trim().split('\n').pop() ?? 'null')
  t.equal(reports.length, 1, 'reported once')
  t.has(reports[0], { pid, exe: process.execPath, command: `${process.execPath} -e ${host}` }, 'the copy, as it is')
  t.ok(reports[0].reportedAt - reports[0].seenAt >= 100, `reported ${reports[0].reportedAt - reports[0].seenAt} ms after it was seen (100 ms of waiting for an exec)`)
})

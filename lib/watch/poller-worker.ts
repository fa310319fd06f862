import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { commandText, lastPidOf, parsePids, parseStat, type PolledChild, type PollerMessage, type PollerWorkerData, type ProcessStat } from './poller.js'

// Threads come and go far less often than children: the list of tasks is read again this often.
const TASKS_EVERY_MS = 1000
// USER_HZ, the unit of /proc's times, is 100 on every architecture Node runs on (only Alpha differs).
const MS_PER_TICK = 1000 / 100
const COMMAND_MAX = 4096
// A child seen between its fork and its exec is still a copy of this process (same executable, same command
// line), and during its exec its command line may be empty or cut: it is looked at again until it has
// exec'd, or for this long (a fork that never execs, another user's child whose memory /proc does not show).
const PRE_EXEC_MS = 100
// A fork takes its pid before it lists the child under its parent thread: once the last pid has changed,
// the children files are read on this many polls.
const READS_AFTER_NEW_PID = 3
// Reading a child that has exited and been reaped meanwhile: it is gone, not an error.
const GONE = new Set(['ENOENT', 'ESRCH'])

/** A thread of this process whose children file is kept open. */
interface WatchedTask {
  readonly tid: number
  readonly fd: number
  /** The file's bytes at its last read, and their length. */
  last: Buffer
  length: number
  pids: Set<number>
  /** For a task not read yet: since when it may have had children (it did not exist at the previous listing). */
  since: number | undefined
}

/** A child not yet described for good (before or during its exec), looked at again on the next polls. */
interface PendingChild {
  child: PolledChild
  readonly startTicks: number
}

/** The polling of this process's children from the worker's own thread; `run` never returns. */
class ChildPolling {
  private tasks: WatchedTask[] = []
  private tasksReadAt: number
  private previousPollAt: number | undefined
  private polls = 0
  private readsLeft = 0
  private lastPid: number | undefined
  /** /proc/loadavg, kept open; undefined when it cannot be (every poll then reads every children file). */
  private readonly loadavg: number | undefined
  /** Children reported or pending, by pid, with their start time in ticks: a reused pid starts later. */
  private readonly known = new Map<number, number>()
  private readonly pending = new Map<number, PendingChild>()
  private readonly failed = new Set<string>()
  private scratch = Buffer.alloc(4096)
  private readonly small = Buffer.alloc(1024)
  private readonly command = Buffer.alloc(COMMAND_MAX)
  private bootMs: number
  private readonly ownExe: string
  private readonly tid: number

  constructor (private readonly intervalMs: number) {
    const bootMs = this.readBootMs()
    if (bootMs === undefined) throw new Error('child poller: /proc/uptime cannot be read')
    this.bootMs = bootMs
    const self = parseStat(this.small, this.readInto('/proc/self/stat', this.small))
    if (self === undefined) throw new Error('child poller: /proc/self/stat has no start time')
    this.tasksReadAt = this.msOf(self.startTicks)
    this.ownExe = readlinkSync('/proc/self/exe')
    const threadSelf = readlinkSync('/proc/thread-self')
    this.tid = Number(threadSelf.slice(threadSelf.lastIndexOf('/') + 1))
    try {
      this.loadavg = openSync('/proc/loadavg', 'r')
    } catch (err) {
      this.fail('loadavg', '/proc/loadavg', err as NodeJS.ErrnoException)
    }
  }

  run (): never {
    this.poll()
    this.post({ kind: 'started', tid: this.tid, polls: this.polls })
    // Nobody wakes this futex: waiting on it is the thread's sleep, without the event loop's timers.
    const sleep = new Int32Array(new SharedArrayBuffer(4))
    for (;;) {
      Atomics.wait(sleep, 0, 0, this.intervalMs)
      this.poll()
    }
  }

  private poll (): void {
    const now = Date.now()
    const taken = this.pidTaken()
    // A new pid may be a new thread of this process (a worker that spawns at once): list the threads again.
    const listing = this.previousPollAt === undefined || now - this.tasksReadAt >= TASKS_EVERY_MS || taken
    if (listing) this.readTasks(now)
    if (taken || listing) this.readsLeft = READS_AFTER_NEW_PID
    let found: PolledChild[] | undefined
    if (this.readsLeft > 0) {
      this.readsLeft--
      found = this.readAllChildren(now)
    }
    if (this.pending.size > 0) found = this.recheckPending(found)
    this.polls++
    this.previousPollAt = now
    if (found !== undefined) this.post({ kind: 'children', children: found, polls: this.polls })
  }

  /**
   * Whether a pid was taken (a process or thread created) in this pid namespace since the last poll: the
   * namespace's last pid ends /proc/loadavg. One read instead of one per thread while nothing starts.
   */
  private pidTaken (): boolean {
    if (this.loadavg === undefined) return true
    let length: number
    try {
      length = readSync(this.loadavg, this.small, 0, this.small.length, 0)
    } catch (err) {
      this.fail('loadavg', '/proc/loadavg', err as NodeJS.ErrnoException)
      return true
    }
    const lastPid = lastPidOf(this.small, length)
    if (lastPid !== undefined && lastPid === this.lastPid) return false
    this.lastPid = lastPid
    return true
  }

  /** Reads the children file of every thread; the children not seen before are reported (or pending). */
  private readAllChildren (now: number): PolledChild[] | undefined {
    let found: PolledChild[] | undefined
    for (let i = 0; i < this.tasks.length; i++) {
      const task = this.tasks[i]
      const length = this.readChildren(task)
      const since = task.since
      task.since = undefined
      if (length === task.length && (length === 0 || this.scratch.compare(task.last, 0, length, 0, length) === 0)) continue
      const pids = new Set<number>()
      parsePids(this.scratch, length, pids)
      const seenAt = Date.now()
      const previousPollAt = since ?? this.previousPollAt ?? now
      for (const pid of pids) {
        if (task.pids.has(pid)) continue
        const child = this.consider(pid, task.tid, seenAt, previousPollAt)
        if (child !== undefined) (found ??= []).push(child)
      }
      task.pids = pids
      if (task.last.length < length) task.last = Buffer.alloc(this.scratch.length)
      this.scratch.copy(task.last, 0, 0, length)
      task.length = length
    }
    return found
  }

  /** Keeps one open children file per thread of the process, this one's excepted (it starts nothing). */
  private readTasks (now: number): void {
    let listed: string[]
    try {
      listed = readdirSync('/proc/self/task')
    } catch (err) {
      this.fail('tasks', '/proc/self/task', err as NodeJS.ErrnoException)
      return
    }
    const tids = new Set(listed.map(Number))
    const kept: WatchedTask[] = []
    for (const task of this.tasks) {
      if (tids.has(task.tid)) kept.push(task)
      else closeSync(task.fd)
    }
    for (const tid of tids) {
      if (tid === this.tid || kept.some((task) => task.tid === tid)) continue
      const path = `/proc/self/task/${tid}/children`
      try {
        kept.push({ tid, fd: openSync(path, 'r'), last: Buffer.alloc(0), length: 0, pids: new Set(), since: this.tasksReadAt })
      } catch (err) {
        if (!GONE.has((err as NodeJS.ErrnoException).code ?? '')) this.fail('children', path, err as NodeJS.ErrnoException)
      }
    }
    this.tasks = kept
    this.tasksReadAt = now
    this.bootMs = this.readBootMs() ?? this.bootMs
    if (this.previousPollAt !== undefined) this.post({ kind: 'polls', polls: this.polls })
    // Children gone from every list may come back only as new processes, which may reuse their pids.
    for (const pid of this.known.keys()) {
      if (!this.pending.has(pid) && !kept.some((task) => task.pids.has(pid))) this.known.delete(pid)
    }
  }

  /** Reads a task's children file into `scratch` (grown to hold it); a thread that has ended lists none. */
  private readChildren (task: WatchedTask): number {
    for (;;) {
      let length: number
      try {
        length = readSync(task.fd, this.scratch, 0, this.scratch.length, 0)
      } catch (err) {
        if (!GONE.has((err as NodeJS.ErrnoException).code ?? '')) this.fail('children', `/proc/self/task/${task.tid}/children`, err as NodeJS.ErrnoException)
        return 0
      }
      if (length < this.scratch.length) return length
      this.scratch = Buffer.alloc(this.scratch.length * 2)
    }
  }

  /** The child `pid` as a report, unless it was reported already, is gone, or has not exec'd yet (pending). */
  private consider (pid: number, thread: number, seenAt: number, previousPollAt: number): PolledChild | undefined {
    const stat = this.statOf(pid)
    if (stat === undefined || this.known.get(pid) === stat.startTicks) return undefined
    this.known.set(pid, stat.startTicks)
    const { child, final } = this.describe(pid, stat, thread, seenAt, previousPollAt)
    if (final) return child
    this.pending.set(pid, { child, startTicks: stat.startTicks })
    return undefined
  }

  /** Reports the pending children now described for good, waited for too long, or ended (as last seen). */
  private recheckPending (found: PolledChild[] | undefined): PolledChild[] | undefined {
    const now = Date.now()
    for (const [pid, pending] of this.pending) {
      const stat = this.statOf(pid)
      if (stat !== undefined && stat.startTicks === pending.startTicks) {
        const { child, final } = this.describe(pid, stat, pending.child.thread, pending.child.seenAt, pending.child.previousPollAt)
        pending.child = child
        if (!final && now - child.seenAt < PRE_EXEC_MS) continue
      }
      this.pending.delete(pid)
      ;(found ??= []).push(pending.child)
    }
    return found
  }

  /**
   * The child as /proc shows it, read between two reads of its stat. `final` is false while that may still
   * change: an exec ran or was under way during the reads (a new memory, or the arguments not set up yet),
   * or the child is still a copy of this process (not exec'd yet).
   */
  private describe (pid: number, before: ProcessStat, thread: number, seenAt: number, previousPollAt: number): { child: PolledChild, final: boolean } {
    // A zombie's command line is empty: its name in stat is what is left of it.
    const command = commandText(this.command, this.readInto(`/proc/${pid}/cmdline`, this.command, 'cmdline')) || before.comm
    const exe = this.exeOf(pid)
    const child = { pid, thread, command, exe, startedAt: this.msOf(before.startTicks), seenAt, previousPollAt }
    const after = this.statOf(pid)
    if (after === undefined) return { child, final: true }
    const steady = after.startTicks === before.startTicks && after.argStart === before.argStart && after.argEnd === before.argEnd &&
      after.envEnd === before.envEnd && (after.envEnd !== 0 || after.state === 'Z')
    return { child, final: steady && !this.isCopy(child) }
  }

  private isCopy (child: PolledChild): boolean {
    if (child.exe !== this.ownExe) return false
    return child.command === commandText(this.command, this.readInto('/proc/self/cmdline', this.command, 'cmdline'))
  }

  private statOf (pid: number): ProcessStat | undefined {
    const length = this.readInto(`/proc/${pid}/stat`, this.small, 'stat')
    if (length === 0) return undefined
    const stat = parseStat(this.small, length)
    if (stat === undefined) this.fail('stat', `/proc/${pid}/stat`, new Error('no start time after the name in parentheses'))
    return stat
  }

  private exeOf (pid: number): string | undefined {
    const path = `/proc/${pid}/exe`
    try {
      return readlinkSync(path)
    } catch (err) {
      // EACCES: a child of another user, or that raised its privileges; ENOENT: a zombie, or gone.
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (code !== 'EACCES' && !GONE.has(code)) this.fail('exe', path, err as NodeJS.ErrnoException)
      return undefined
    }
  }

  /**
   * Boot time in ms since the epoch, from /proc/uptime (10 ms steps) rather than /proc/stat's btime (whole
   * seconds); read again with the threads, so that a step of the wall clock is followed.
   */
  private readBootMs (): number | undefined {
    const length = this.readInto('/proc/uptime', this.small, 'uptime')
    const text = this.small.toString('latin1', 0, length)
    const seconds = Number(text.slice(0, text.indexOf(' ')))
    return length > 0 && Number.isFinite(seconds) ? Date.now() - Math.round(seconds * 1000) : undefined
  }

  private msOf (ticks: number): number {
    return this.bootMs + ticks * MS_PER_TICK
  }

  /**
   * Reads the file at `path` into `buffer` (up to its length); a process that is gone reads as nothing, and
   * other failures are reported under `kind` (thrown when there is none).
   */
  private readInto (path: string, buffer: Buffer, kind?: string): number {
    let fd: number | undefined
    try {
      fd = openSync(path, 'r')
      // A /proc file gives all it has in one read, up to the room given: what does not fit is cut.
      return readSync(fd, buffer, 0, buffer.length, 0)
    } catch (err) {
      if (kind === undefined) throw err
      if (!GONE.has((err as NodeJS.ErrnoException).code ?? '')) this.fail(kind, path, err as NodeJS.ErrnoException)
      return 0
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
  }

  /** Reports a failure once per kind of read and error code: a poll every few ms would repeat it endlessly. */
  private fail (kind: string, path: string, err: NodeJS.ErrnoException | Error): void {
    const key = `${kind} ${(err as NodeJS.ErrnoException).code ?? err.message}`
    if (this.failed.has(key)) return
    this.failed.add(key)
    this.post({ kind: 'error', message: `child poller: reading ${path} failed (${err.message}); polling goes on, and this failure is not reported again`, polls: this.polls })
  }

  private post (message: PollerMessage): void {
    parentPort?.postMessage(message)
  }
}

const data = workerData as Partial<PollerWorkerData> | undefined
if (!isMainThread && data?.childPoller !== undefined) new ChildPolling(data.childPoller.intervalMs).run()

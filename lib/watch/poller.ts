import { closeSync, openSync, readdirSync } from 'node:fs'
import { extname, join } from 'node:path'
import { Worker } from 'node:worker_threads'

/** A child of this process found in /proc by the poller. */
export interface PolledChild {
  readonly pid: number
  /** The thread (task id) whose child it is: the one that forked it. */
  readonly thread: number
  /** Its command line, arguments joined by spaces (at most 4 KiB read); a zombie's is its name from stat. */
  readonly command: string
  /** Its executable (the `/proc/<pid>/exe` link); undefined when that cannot be read (another user's, or ended). */
  readonly exe: string | undefined
  /** When it started, ms since the epoch, within 10 ms either way (the kernel counts in ticks of 10 ms). */
  readonly startedAt: number | undefined
  /** When the poll that found it ran. */
  readonly seenAt: number
  /**
   * When the previous poll able to see it ran without seeing it: it started after that. For a child of a
   * thread not watched before, the previous listing of the threads; for the first poll, the process's start.
   */
  readonly previousPollAt: number
}

/** What startChildPoller polls for and whom it tells. */
export interface ChildPollerOptions {
  /** Milliseconds between polls, 1 to 60000: a child that lives less may be missed. */
  intervalMs: number
  /** Called with the children found by a poll, each child once. */
  onChildren (children: PolledChild[]): void
  /** Called once per kind of failure; the poller goes on (unless its thread has ended, which is said). */
  onError (err: Error): void
}

/** A running poller. */
export interface ChildPoller {
  /** Ends the worker thread; resolves once it has exited. */
  stop (): Promise<void>
  /** Polls done, as last reported by the worker (at least once a second). */
  readonly polls: number
  /** The worker thread's task id, once it has started: its CPU time is in /proc/self/task/<tid>/stat. */
  readonly tid: number | undefined
  /** Resolves once the first poll has run (or the thread failed to start, which `onError` was told). */
  readonly started: Promise<void>
}

/** What startChildPoller starts the worker with (its workerData). */
export interface PollerWorkerData {
  /** Present only in the poller's own thread: poller-worker polls only where it was started to. */
  readonly childPoller: { readonly intervalMs: number }
}

/** What the worker tells startChildPoller; `polls` counts the polls done so far. */
export type PollerMessage =
  | { readonly kind: 'started', readonly tid: number, readonly polls: number }
  | { readonly kind: 'polls', readonly polls: number }
  | { readonly kind: 'children', readonly children: PolledChild[], readonly polls: number }
  | { readonly kind: 'error', readonly message: string, readonly polls: number }

// The worker's file is this one's sibling with the same extension: poller-worker.js in the build, and
// poller-worker.ts when the sources run under a TypeScript loader given on the command line (tap's), which
// a Worker inherits with the parent's execArgv.
const TYPESCRIPT = extname(__filename) === '.ts'
const WORKER_FILE = join(__dirname, `poller-worker${extname(__filename)}`)
const MAX_INTERVAL_MS = 60_000

/**
 * Whether this process can poll its children: undefined when it can, else why not (one sentence).
 * `platform` and `proc` name another platform or /proc mount to check.
 */
export function childPollerSupported (platform: string = process.platform, proc = '/proc'): string | undefined {
  if (platform !== 'linux') return `The child poller reads /proc/<pid>/task/<tid>/children, which only Linux has (this platform is ${platform}).`
  try {
    readdirSync(`${proc}/self/task`)
  } catch (err) {
    return `${proc}/self/task cannot be read (${(err as NodeJS.ErrnoException).code ?? 'no code'}): /proc is not mounted, or not readable.`
  }
  const children = `${proc}/self/task/${process.pid}/children`
  try {
    closeSync(openSync(children, 'r'))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'no code'
    if (code === 'ENOENT') return `${children} does not exist: the kernel was built without CONFIG_PROC_CHILDREN.`
    return `${children} cannot be read (${code}).`
  }
  return undefined
}

/**
 * Starts a worker thread that reads the children of every thread of this process every `intervalMs`, and
 * reports each child once (a pid and its start time: pids are reused), with its command line, executable
 * and start time. The thread never keeps the process alive. Throws when the options are invalid or the
 * platform cannot be polled (childPollerSupported says why).
 */
export function startChildPoller (options: ChildPollerOptions): ChildPoller {
  if (typeof options !== 'object' || options === null) throw new TypeError('startChildPoller: options must be an object')
  const { intervalMs, onChildren, onError } = options
  if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_INTERVAL_MS) {
    throw new RangeError(`startChildPoller: intervalMs must be a whole number of milliseconds from 1 to ${MAX_INTERVAL_MS}, got ${String(intervalMs)}`)
  }
  if (typeof onChildren !== 'function') throw new TypeError('startChildPoller: onChildren must be a function')
  if (typeof onError !== 'function') throw new TypeError('startChildPoller: onError must be a function')
  const unsupported = childPollerSupported()
  if (unsupported !== undefined) throw new Error(`startChildPoller: ${unsupported}`)

  const workerData: PollerWorkerData = { childPoller: { intervalMs } }
  // Without the parent's execArgv, its command-line preloads (an APM agent, this package's process watch)
  // do not run again in the poller's thread; the TypeScript sources need the loader those flags give.
  const worker = new Worker(WORKER_FILE, { workerData, execArgv: TYPESCRIPT ? process.execArgv : [] })
  let polls = 0
  let tid: number | undefined
  let stopped: Promise<void> | undefined
  let failed = false
  let markStarted!: () => void
  const started = new Promise<void>((resolve) => { markStarted = resolve })
  worker.on('message', (message: PollerMessage) => {
    polls = message.polls
    if (message.kind === 'started') {
      tid = message.tid
      markStarted()
    }
    else if (message.kind === 'children') onChildren(message.children)
    else if (message.kind === 'error') onError(new Error(message.message))
  })
  worker.on('error', (err) => {
    failed = true
    markStarted()
    onError(new Error(`child poller: the worker thread failed (${err.message}); children are no longer polled`, { cause: err }))
  })
  worker.on('exit', (code) => {
    markStarted()
    if (stopped === undefined && !failed) onError(new Error(`child poller: the worker thread exited (code ${code}); children are no longer polled`))
  })
  // After the listeners: a 'message' listener refs the worker's port again.
  worker.unref()
  return {
    stop () {
      stopped ??= worker.terminate().then(() => undefined)
      return stopped
    },
    get polls () { return polls },
    get tid () { return tid },
    started
  }
}

/** The fields of a /proc/<pid>/stat line the poller uses. */
export interface ProcessStat {
  /** The name in parentheses (the executable's, 15 bytes at most): any bytes, `)` and spaces included. */
  readonly comm: string
  /** The state letter (field 3): `Z` for a zombie. */
  readonly state: string
  /** Clock ticks from boot to the process's start (field 22). */
  readonly startTicks: number
  /**
   * Where its arguments start and end, and where its environment ends, in its memory (fields 48, 49 and 51);
   * 0 when not shown (a zombie, another user's process) and, for the environment's end, while an exec is
   * setting them up.
   */
  readonly argStart: number
  readonly argEnd: number
  readonly envEnd: number
}

const OPEN = 0x28
const CLOSE = 0x29
const SPACE = 0x20
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39

/**
 * Parses the first `length` bytes of a stat line. The name may hold `)` and spaces, so the fields are
 * counted from the last `)`. Undefined when there is no start time where it should be.
 */
export function parseStat (bytes: Buffer, length: number): ProcessStat | undefined {
  if (length <= 0) return undefined
  const close = bytes.lastIndexOf(CLOSE, length - 1)
  const open = bytes.indexOf(OPEN)
  if (close < 0 || open < 0 || open > close || close + 2 >= length) return undefined
  // ") S ppid …": field 3 starts 2 bytes after the parenthesis; each later one a space further.
  const field22 = skipFields(bytes, close + 2, length, 22 - 3)
  const startTicks = parseDigits(bytes, field22, length)
  if (startTicks === undefined) return undefined
  const field48 = skipFields(bytes, field22, length, 48 - 22)
  const field49 = skipFields(bytes, field48, length, 1)
  const field51 = skipFields(bytes, field49, length, 2)
  return {
    comm: bytes.toString('utf8', open + 1, close),
    state: String.fromCharCode(bytes[close + 2]),
    startTicks,
    argStart: parseDigits(bytes, field48, length) ?? 0,
    argEnd: parseDigits(bytes, field49, length) ?? 0,
    envEnd: parseDigits(bytes, field51, length) ?? 0
  }
}

/** Where the field `count` fields after the one at `at` starts (fields separated by one space), or `end`. */
function skipFields (bytes: Buffer, at: number, end: number, count: number): number {
  for (let spaces = 0; spaces < count && at < end; at++) if (bytes[at] === SPACE) spaces++
  return at
}

/** The number written in decimal digits at `start` (up to a space or `end`); undefined if there is none. */
function parseDigits (bytes: Buffer, start: number, end: number): number | undefined {
  let value = 0
  let at = start
  for (; at < end && bytes[at] >= DIGIT_0 && bytes[at] <= DIGIT_9; at++) value = value * 10 + bytes[at] - DIGIT_0
  if (at === start || !Number.isSafeInteger(value)) return undefined
  return value
}

/** Adds to `into` the pids of a children file (decimal numbers separated by spaces) in its first `length` bytes. */
export function parsePids (bytes: Buffer, length: number, into: Set<number>): void {
  for (let at = 0; at < length; at++) {
    if (bytes[at] < DIGIT_0 || bytes[at] > DIGIT_9) continue
    const pid = parseDigits(bytes, at, length)
    if (pid !== undefined && pid > 0) into.add(pid)
    while (at < length && bytes[at] !== SPACE) at++
  }
}

/** The last pid taken in the reader's pid namespace: the last field of /proc/loadavg's first `length` bytes. */
export function lastPidOf (bytes: Buffer, length: number): number | undefined {
  if (length <= 0) return undefined
  return parseDigits(bytes, bytes.lastIndexOf(SPACE, length - 1) + 1, length)
}

/**
 * A command line from /proc/<pid>/cmdline's first `length` bytes: the arguments' NUL terminators become
 * spaces, the last one is dropped. The bytes are changed in place.
 */
export function commandText (bytes: Buffer, length: number): string {
  let end = length
  if (end > 0 && bytes[end - 1] === 0) end--
  for (let at = 0; at < end; at++) if (bytes[at] === 0) bytes[at] = SPACE
  return bytes.toString('utf8', 0, end)
}

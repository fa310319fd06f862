import { AsyncLocalStorage } from 'node:async_hooks'
import { threadId } from 'node:worker_threads'
import { spawnCallOf } from './spawn-call.js'
import type { SpawnApi, SpawnCall, SpawnSource, SpawnVerdict } from './types.js'

/** What a spawn is attributed to: the request in whose async context it was called, and its watcher. */
export interface WatchContext {
  readonly watcher: Watcher
  /** The request's requestInfo (the hub does not read it). */
  readonly request: object
}

/** A child process as one source saw it. */
export interface SpawnEvent {
  readonly call: SpawnCall
  readonly source: SpawnSource
  /** ms since the epoch when it was seen. */
  readonly time: number
  /** The thread that called it: 0 the main thread, else the worker's `threadId`. */
  readonly thread: number
  pid: number | undefined
  readonly context: WatchContext | undefined
  /** Refused before the child started (the wrappers). */
  blocked: boolean
  /** Killed as soon as it was seen, having started (the diagnostics channel, the poller). */
  killed: boolean
  /** The poller's: from when to when the child may have started (ms since the epoch). */
  readonly window?: readonly [number, number]
}

/** One plugin registration's view of the spawns: its allow list, its mode, its records. */
export interface Watcher {
  /** Whether a spawn this watcher does not allow is refused (killed when it was only seen after it started). */
  readonly blocks: boolean
  judge (call: SpawnCall): SpawnVerdict
  /** Every spawn judged by this watcher, allowed or not. Must not throw. */
  report (event: SpawnEvent, verdict: SpawnVerdict): void
}

/** The error a wrapped `child_process` function throws for a spawn the watch refused; no child was started. */
export class ProcessBlockedError extends Error {
  readonly code = 'ERR_PROCESS_BLOCKED'
  constructor (readonly verdict: SpawnVerdict) {
    super(`fastify-request-info: starting ${verdict.program} was blocked: ${verdict.reason}`)
    this.name = 'ProcessBlockedError'
  }
}

/** A spawn judged by the wrappers, reported once its child is started. */
export interface PendingSpawn {
  readonly event: SpawnEvent
  readonly judged: ReadonlyArray<readonly [Watcher, SpawnVerdict]>
}

// Spawns seen before any watcher registers (a preload runs before the application): judged when one does.
const MAX_EARLY = 100
// Children already reported by pid, so that the poller does not report them again.
const MAX_KNOWN = 1024
const MAX_SYNC = 64
const SYNC_MEMORY_MS = 60_000
const SYNC: ReadonlySet<SpawnApi> = new Set(['spawnSync', 'execSync', 'execFileSync'])

/**
 * The process-wide side of the watch: the async context of requests, the watchers of the plugin's
 * registrations, and what the sources (wrappers, diagnostics channel, poller, worker threads) saw.
 */
export class ProcessWatchHub {
  readonly requests = new AsyncLocalStorage<WatchContext>()
  /** Early spawns dropped because no watcher registered in time. */
  earlyDropped = 0
  private readonly watchers = new Set<Watcher>()
  private early: SpawnEvent[] = []
  private readonly known = new Set<number>()
  // Sync spawns have no pid to tell the poller about: their command lines instead, with when they ran.
  private readonly recentSync = new Map<string, number>()
  /** Set while a wrapped function runs: what it calls inside (exec calls execFile) and publishes is the same spawn. */
  private busy = false

  add (watcher: Watcher): void {
    this.watchers.add(watcher)
    const early = this.early
    this.early = []
    for (const event of early) this.dispatch(event)
  }

  delete (watcher: Watcher): void {
    this.watchers.delete(watcher)
  }

  /** Whether a wrapped function is running: its inner calls and channel messages are not new spawns. */
  get inside (): boolean {
    return this.busy
  }

  /**
   * Runs `original` (a `child_process` function) for the call `args`, judged first: a refused spawn throws
   * `ProcessBlockedError` and never reaches Node. Sync variants are reported before they run (their child
   * may run long: a shell session), the others once started, with the child's pid.
   */
  wrapCall<T> (api: Exclude<SpawnApi, 'unknown'>, args: unknown[], original: (...args: unknown[]) => T, self: unknown): T {
    if (this.busy) return original.apply(self, args)
    const call = spawnCallOf(api, args)
    // Arguments Node refuses: its own error is the answer.
    if (call === undefined) return original.apply(self, args)
    const pending = this.judge({ call, source: 'wrap', time: Date.now(), thread: threadId, pid: undefined, context: this.requests.getStore(), blocked: false, killed: false })
    const sync = SYNC.has(api)
    if (sync) this.rememberSync(call)
    if (pending.event.blocked || sync) this.report(pending)
    if (pending.event.blocked) throw new ProcessBlockedError(pending.judged.find(([w, v]) => w.blocks && !v.allowed)![1])
    this.busy = true
    let result: T | undefined
    try {
      result = original.apply(self, args)
      return result
    } finally {
      this.busy = false
      const pid = pidOf(result)
      if (pid !== undefined) this.remember(pid)
      if (!sync) {
        pending.event.pid = pid
        this.report(pending)
      }
    }
  }

  /** A child seen after it started (diagnostics channel, poller, a worker thread): judged, reported, maybe killed. */
  seen (event: SpawnEvent, kill: () => void): void {
    if (event.pid !== undefined) {
      if (this.known.has(event.pid)) return
      this.remember(event.pid)
    }
    const synced = this.recentSync.get(event.call.command)
    if (synced !== undefined && event.time - synced < SYNC_MEMORY_MS) return
    // Refused already (by a worker thread's own wrappers): nothing started, nothing to kill.
    const refused = event.blocked
    const pending = this.judge(event)
    if (!refused && pending.event.blocked) {
      pending.event.blocked = false
      pending.event.killed = true
      try {
        kill()
      } catch {
        // Gone already: it is reported as killed all the same, which is the outcome the mode asked for.
      }
    }
    this.report(pending)
  }

  /**
   * Judges a spawn by its request's watcher, else by every watcher (no request: a timer at start-up, a
   * worker); with no watcher yet, keeps it for the first one.
   */
  private judge (event: SpawnEvent): PendingSpawn {
    const { context } = event
    const judges = context !== undefined && this.watchers.has(context.watcher) ? [context.watcher] : [...this.watchers]
    const judged: Array<readonly [Watcher, SpawnVerdict]> = []
    for (const watcher of judges) {
      const verdict = watcher.judge(event.call)
      if (!verdict.allowed && watcher.blocks) event.blocked = true
      judged.push([watcher, verdict])
    }
    if (judges.length === 0) this.keepEarly(event)
    return { event, judged }
  }

  private report ({ event, judged }: PendingSpawn): void {
    for (const [watcher, verdict] of judged) watcher.report(event, verdict)
  }

  private keepEarly (event: SpawnEvent): void {
    if (this.early.length < MAX_EARLY) this.early.push(event)
    else this.earlyDropped++
  }

  /** An early spawn, judged late: it ran before any policy, so nothing is refused or killed now. */
  private dispatch (event: SpawnEvent): void {
    const refused = event.blocked
    const pending = this.judge(event)
    pending.event.blocked = refused
    this.report(pending)
  }

  private rememberSync (call: SpawnCall): void {
    const line = [call.file, ...call.args].join(' ')
    this.recentSync.delete(line)
    this.recentSync.set(line, Date.now())
    if (this.recentSync.size > MAX_SYNC) this.recentSync.delete(this.recentSync.keys().next().value as string)
  }

  private remember (pid: number): void {
    this.known.add(pid)
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.values().next().value as number)
  }
}

/** The child's pid: a ChildProcess's, spawnSync's result's, or the child of util.promisify(exec)'s promise. */
function pidOf (result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined
  const r = result as { pid?: unknown, child?: { pid?: unknown } }
  const pid = r.pid ?? r.child?.pid
  return typeof pid === 'number' ? pid : undefined
}

let hub: ProcessWatchHub | undefined

/** The process's (this thread's) hub, created on first use. */
export function processWatchHub (): ProcessWatchHub {
  hub ??= new ProcessWatchHub()
  return hub
}

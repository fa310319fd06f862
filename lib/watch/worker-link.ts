import { BroadcastChannel, getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads'
import type { ProcessWatchHub, SpawnEvent, Watcher } from './hub.js'
import { judgeSpawn, parseAllowList, type AllowEntry } from './programs.js'
import type { SpawnApi, SpawnCall, SpawnSource, SpawnVerdict } from './types.js'

// Worker threads have a child_process module of their own, wrapped by the preload (execArgv is inherited);
// what their wrappers see is posted to the main thread, whose watchers write the records.
const CHANNEL = 'fastify-request-info:process-watch'
// The main thread's allow list and mode, for workers to refuse spawns themselves (cloned at their creation).
const POLICY = 'fastify-request-info:process-watch:policy'

/** What the main thread's watchers ask of spawns in worker threads started after it is set. */
export interface WorkerPolicy {
  allow: AllowEntry[]
  mode: 'monitor' | 'block'
}

export function shareWorkerPolicy (policy: WorkerPolicy): void {
  setEnvironmentData(POLICY, policy)
}

interface Posted {
  call: SpawnCall
  source: SpawnSource
  time: number
  thread: number
  pid: number | undefined
  blocked: boolean
}

const ALLOWED: SpawnVerdict = { allowed: true, rule: undefined, program: '', reason: 'judged by the main thread' }

/** In a worker thread: a watcher that refuses what the shared policy refuses and posts every spawn to the main thread. */
export function forwardToMainThread (hub: ProcessWatchHub): void {
  const channel = new BroadcastChannel(CHANNEL)
  channel.unref()
  let policy: { allow: ReturnType<typeof parseAllowList>, blocks: boolean } | undefined
  const shared = getEnvironmentData(POLICY) as WorkerPolicy | undefined
  if (shared !== undefined) {
    try {
      policy = { allow: parseAllowList(shared.allow, 'processWatch.allow'), blocks: shared.mode === 'block' }
    } catch {
      // Checked by the main thread when it was set; a worker judges nothing it cannot read.
    }
  }
  const watcher: Watcher = {
    blocks: policy?.blocks ?? false,
    judge: (call) => policy === undefined ? ALLOWED : judgeSpawn(call, policy.allow),
    report (event) {
      const posted: Posted = { call: event.call, source: event.source, time: event.time, thread: threadId, pid: event.pid, blocked: event.blocked }
      try {
        channel.postMessage(posted)
      } catch {
        // The channel is closed only when the worker ends.
      }
    }
  }
  hub.add(watcher)
}

/** In the main thread: spawns posted by worker threads reach the hub as seen children (killed in block mode). */
export function listenToWorkers (hub: ProcessWatchHub): () => void {
  const channel = new BroadcastChannel(CHANNEL)
  channel.unref()
  channel.onmessage = (message) => {
    const event = eventOf((message as { data?: unknown }).data)
    if (event === undefined) return
    hub.seen(event, () => { if (event.pid !== undefined) process.kill(event.pid, 'SIGKILL') })
  }
  return () => channel.close()
}

const APIS: ReadonlySet<string> = new Set<SpawnApi>(['spawn', 'exec', 'execFile', 'fork', 'spawnSync', 'execSync', 'execFileSync', 'unknown'])
const SOURCES: ReadonlySet<string> = new Set<SpawnSource>(['wrap', 'diagnostics', 'poller'])

/** A posted spawn, checked: the channel's name is public to any code in the process. */
function eventOf (data: unknown): SpawnEvent | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as Partial<Posted>
  const call = d.call as Partial<SpawnCall> | undefined
  if (call === undefined || typeof call !== 'object' || call === null) return undefined
  if (typeof call.api !== 'string' || !APIS.has(call.api) || typeof call.file !== 'string' || typeof call.command !== 'string') return undefined
  if (!Array.isArray(call.args) || !call.args.every((a) => typeof a === 'string')) return undefined
  if (call.shell !== undefined && typeof call.shell !== 'string') return undefined
  if (typeof d.source !== 'string' || !SOURCES.has(d.source) || typeof d.time !== 'number' || typeof d.thread !== 'number') return undefined
  if (d.pid !== undefined && (typeof d.pid !== 'number' || !Number.isSafeInteger(d.pid) || d.pid <= 0)) return undefined
  return {
    call: { api: call.api as SpawnApi, file: call.file, args: call.args, shell: call.shell, command: call.command },
    source: d.source as SpawnSource,
    time: d.time,
    thread: d.thread,
    pid: d.pid,
    context: undefined,
    blocked: d.blocked === true,
    killed: false
  }
}

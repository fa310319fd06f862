import { isMainThread, threadId } from 'node:worker_threads'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { RequestInfo } from '../request-info.js'
import type { RequestInfoCounters } from '../counters.js'
import type { RespondLayer } from '../respond/plugin.js'
import { createProcessAlert, type InFlight } from '../ship/process-alert.js'
import type { RecordBuilder } from '../ship/record.js'
import { processWatchHub, type SpawnEvent, type Watcher, type WatchContext } from './hub.js'
import { wrapChildProcess } from './wrap.js'
import { watchChildProcessChannel } from './diagnostics.js'
import { listenToWorkers, shareWorkerPolicy } from './worker-link.js'
import { judgeSpawn } from './programs.js'
import { startChildPoller, type PolledChild } from './poller.js'
import type { ResolvedProcessWatchOptions } from './options.js'

/** What the process watch uses of the plugin around it. */
export interface ProcessWatchContext {
  logger: FastifyBaseLogger
  counters: RequestInfoCounters
  shape: 'ecs' | 'flat'
  serviceName: string
  maxValueLength: number
  buildRecord: RecordBuilder
  respond: RespondLayer | undefined
  /** Hands the access records held to the logger, so that an alert follows the records it is about. */
  flush (): void
  failed (err: unknown, reqId: string | undefined, step: string): void
}

/** The process watch inside the plugin. */
export interface ProcessWatchLayer {
  /**
   * The request is in flight; returns the context to run the rest of it in (`run`), once contexts are kept:
   * spawns in it are attributed to it.
   */
  enter (request: FastifyRequest, info: RequestInfo): WatchContext | undefined
  run (context: WatchContext, next: () => void): void
  /** The request has its record: no longer in flight. */
  finished (request: FastifyRequest): void
  /** Resolves once every source watches (the poller's thread has made its first poll). */
  readonly ready: Promise<void>
}

const kContext = Symbol('fastify-request-info.processWatch')
const kSlot = Symbol('fastify-request-info.processWatch.slot')
const kStart = Symbol('fastify-request-info.processWatch.start')
// Requests named by an alert that no request context explains: the finished ones are kept this long and this many.
const RECENT_MS = 10_000
const MAX_RECENT = 64
const MAX_NAMED = 20

interface WatchedRequest extends FastifyRequest {
  [kContext]: WatchContext | null
  /** Its index in the requests in flight; -1 when not in flight. */
  [kSlot]: number
  /** ms since the epoch. */
  [kStart]: number
}

/**
 * Wraps the `child_process` functions (unless a preload did), listens on the diagnostics channel, worker
 * threads and the poller as the options say, and writes an alert record for each spawn its allow list does
 * not cover; hooks: preHandler (the context again after the body was read), onClose.
 */
export function installProcessWatch (fastify: FastifyInstance, settings: ResolvedProcessWatchOptions, context: ProcessWatchContext): ProcessWatchLayer {
  const { logger, counters, failed, respond } = context
  const hub = processWatchHub()
  wrapChildProcess(hub)
  if (settings.diagnostics) watchChildProcessChannel(hub)
  const alertOf = createProcessAlert(context)
  // Requests in flight (with their start, ms since the epoch), for children that no request context explains:
  // spawned before the context was kept, or found by the poller, whose findings also need the requests that
  // ended lately (a child is seen up to an interval after it started).
  // An array with each request's index on it, not a Map: no hash of the request to make on the hot path.
  const inFlight: WatchedRequest[] = []
  const recent: InFlight[] | undefined = settings.poller === false ? undefined : []
  // Entering a store turns on Node's promise hooks for the whole process, for good: not before it pays.
  let keepContext = settings.requestContext === 'always'

  const watcher: Watcher = {
    blocks: settings.mode === 'block',
    judge: (call) => judgeSpawn(call, settings.allow),
    report (event, verdict) {
      keepContext = true
      try {
        counters.processes++
        if (event.blocked || event.killed) counters.processesBlocked++
        if (verdict.allowed) return
        counters.processAlerts++
        const request = event.context?.request as RequestInfo | undefined
        context.flush()
        logger.error(alertOf(event, verdict, request, request === undefined ? suspects(event) : []), 'process watch alert')
        if (settings.ban !== false && respond !== undefined && request !== undefined && request.realIp !== '') {
          respond.ban(request.realIp, { reason: `process-watch:${verdict.rule ?? 'unlisted'}`, ...(settings.ban.ttl === undefined ? {} : { ttl: settings.ban.ttl }) })
            .catch((err: unknown) => failed(err, request.reqId, 'banning after a process alert'))
        }
      } catch (err) {
        failed(err, undefined, 'the process watch')
      }
    }
  }

  /** Requests whose time overlaps the window in which the child started, latest first. */
  function suspects (event: SpawnEvent): InFlight[] {
    const [from, to] = event.window ?? [event.time, event.time]
    const found: InFlight[] = []
    for (let i = inFlight.length - 1; i >= 0; i--) {
      const request = inFlight[i]
      if (request[kStart] <= to) found.push({ info: request.requestInfo, start: request[kStart], end: undefined })
    }
    if (recent === undefined) return found.slice(0, MAX_NAMED)
    for (let i = recent.length - 1; i >= 0 && found.length < MAX_NAMED; i--) {
      const r = recent[i]
      if (r.start <= to && r.end !== undefined && r.end >= from) found.push(r)
    }
    return found.slice(0, MAX_NAMED)
  }

  hub.add(watcher)
  let stopWorkers: (() => void) | undefined
  if (isMainThread) {
    shareWorkerPolicy({ allow: settings.allowEntries, mode: settings.mode })
    stopWorkers = listenToWorkers(hub)
  }
  const poller = settings.poller === false
    ? undefined
    : startChildPoller({
      intervalMs: settings.poller.interval,
      onChildren (children) {
        for (const child of children) hub.seen(polledEvent(child), () => process.kill(child.pid, 'SIGKILL'))
      },
      onError: (err) => failed(err, undefined, 'the process poller')
    })

  fastify.decorateRequest(kContext, null)
  fastify.decorateRequest(kSlot, -1)
  fastify.decorateRequest(kStart, 0)
  fastify.addHook('preHandler', function requestInfoProcessWatch (request: FastifyRequest, _reply: FastifyReply, next: HookHandlerDoneFunction) {
    // The body was read in the socket's async context, not the request's: enter it again for the handler.
    const c = (request as WatchedRequest)[kContext]
    if (c === null || !keepContext) next()
    else hub.requests.run(c, next)
  })
  fastify.addHook('onClose', async function requestInfoProcessWatchClose () {
    hub.delete(watcher)
    stopWorkers?.()
    await poller?.stop()
  })

  return {
    ready: poller === undefined ? Promise.resolve() : poller.started,
    enter (request, info) {
      const r = request as WatchedRequest
      r[kStart] = Date.now()
      r[kSlot] = inFlight.length
      inFlight.push(r)
      if (!keepContext) return undefined
      const c: WatchContext = { watcher, request: info }
      r[kContext] = c
      return c
    },
    run (c, next) {
      hub.requests.run(c, next)
    },
    finished (request) {
      const r = request as WatchedRequest
      const slot = r[kSlot]
      if (slot === -1) return
      r[kSlot] = -1
      const last = inFlight.pop()!
      if (last !== r) {
        inFlight[slot] = last
        last[kSlot] = slot
      }
      if (recent === undefined) return
      const start = r[kStart]
      const end = Date.now()
      recent.push({ info: request.requestInfo, start, end })
      while (recent.length > MAX_RECENT || (recent.length > 0 && recent[0].end! < end - RECENT_MS)) recent.shift()
    }
  }
}

/** A child the poller found: no call and no context, only /proc's command line and the window it started in. */
function polledEvent (child: PolledChild): SpawnEvent {
  const words = child.command.split(' ')
  const file = child.exe ?? words[0]
  return {
    call: { api: 'unknown', file, args: words.slice(1), shell: undefined, command: child.command },
    source: 'poller',
    time: child.seenAt,
    thread: threadId,
    pid: child.pid,
    context: undefined,
    blocked: false,
    killed: false,
    window: [child.startedAt ?? child.previousPollAt, child.seenAt]
  }
}

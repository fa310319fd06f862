import { basename } from 'node:path'
import type { RequestInfo } from '../request-info.js'
import type { SpawnEvent } from '../watch/hub.js'
import type { SpawnVerdict } from '../watch/types.js'
import { ECS_VERSION, type RecordBuilder } from './record.js'

/** What a process alert keeps, as the access records do. */
export interface ProcessAlertSettings {
  shape: 'ecs' | 'flat'
  serviceName: string
  /** The access record's builder: an alert attributed to a request carries that request's record. */
  buildRecord: RecordBuilder
  maxValueLength: number
}

/** A request that was in flight when a child no request context explains was seen (the poller). */
export interface InFlight {
  readonly info: RequestInfo
  /** ms since the epoch. */
  readonly start: number
  readonly end: number | undefined
}

/** Builds the object logged for a spawn that alerted. */
export type ProcessAlertBuilder = (event: SpawnEvent, verdict: SpawnVerdict, request: RequestInfo | undefined, inFlight: readonly InFlight[]) => Record<string, unknown>

// A command line is evidence, but an attacker chooses its length.
const MAX_ARGS = 64

function cut (value: string, max: number): string {
  return value.length <= max ? value : value.slice(0, max) + '…'
}

function actionOf (event: SpawnEvent): 'process-blocked' | 'process-killed' | 'process-started' {
  return event.blocked ? 'process-blocked' : event.killed ? 'process-killed' : 'process-started'
}

/**
 * One record per spawn that alerts, at error level, beside the access records: ECS `event.kind: alert`,
 * `event.category: [process, intrusion_detection]`, the child under `process`, the rule under `rule`, over the
 * record of the request it is attributed to (source, URL, fingerprints, threats); or flat, the request's
 * fields and `process`.
 */
export function createProcessAlert (settings: ProcessAlertSettings): ProcessAlertBuilder {
  const { shape, serviceName, buildRecord, maxValueLength: max } = settings
  return (event, verdict, request, inFlight) => {
    const { call } = event
    const args = [call.file, ...call.args.slice(0, MAX_ARGS - 1)].map((arg) => cut(arg, max))
    const details = {
      action: actionOf(event),
      rule: verdict.rule,
      reason: verdict.reason,
      program: cut(verdict.program, max),
      source: event.source,
      api: call.api,
      shell: call.shell,
      thread: event.thread,
      time: new Date(event.time).toISOString(),
      // Named only when no request context explains the child: the requests that could have caused it.
      ...(request === undefined && inFlight.length > 0
        ? {
            in_flight: inFlight.map(({ info, start, end }) => ({
              reqId: info.reqId,
              realIp: info.realIp,
              method: info.method,
              path: cut(info.path, max),
              start: new Date(start).toISOString(),
              end: end === undefined ? undefined : new Date(end).toISOString()
            }))
          }
        : {})
    }
    const recorded = request === undefined ? {} : JSON.parse(`{${buildRecord(request)}}`) as Record<string, unknown>
    if (shape === 'flat') return { ...recorded, serviceName, process: { ...details, pid: event.pid, command: cut(call.command, max), args } }
    const custom = (recorded.request_info ?? {}) as Record<string, unknown>
    return {
      ...recorded,
      ecs: { version: ECS_VERSION },
      event: {
        kind: 'alert',
        category: ['process', 'intrusion_detection'],
        type: event.blocked ? ['start', 'denied'] : ['start'],
        action: details.action,
        dataset: `${serviceName}.process`,
        outcome: event.blocked ? 'failure' : 'success'
      },
      service: { name: serviceName },
      rule: { name: verdict.rule, description: verdict.reason },
      process: {
        name: cut(basename(call.file), max),
        executable: cut(call.file, max),
        args,
        args_count: call.args.length + 1,
        command_line: cut(call.command, max),
        pid: event.pid,
        parent: { pid: process.pid },
        thread: { id: event.thread }
      },
      request_info: { ...custom, process: details }
    }
  }
}

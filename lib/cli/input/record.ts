/**
 * The plugin's own records, one JSON object per line, in either shape (README, "The record"): `ecs` (nested
 * ECS objects, `request_info` for the rest) or `flat` (requestInfo's names). Alert and respond records
 * (`event.kind: alert`, `ban issued`, …) and the application's other log lines are not requests: they are
 * counted as such, not as unreadable lines.
 */
import type { Threat, ThreatKind } from '../../detect/types.js'
import type { Entry } from '../entry.js'
import { domainOf } from '../../ship/record.js'
import { parseRecordTime } from '../time.js'

/** A line that is JSON but not a request record. */
export const NOT_A_REQUEST = Symbol('not a request record')

// Findings kept from one record: the plugin writes a few; a forged line may carry thousands.
const MAX_THREATS = 64
const MAX_FIELD = 4096

type Json = Record<string, unknown>

function object (value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Json : undefined
}

/** Own string member, cut to MAX_FIELD; `__proto__` and friends are never own members of a parsed object's prototype. */
function text (o: Json | undefined, key: string): string | undefined {
  if (o === undefined || !Object.hasOwn(o, key)) return undefined
  const v = o[key]
  if (typeof v !== 'string' || v === '') return undefined
  return v.length > MAX_FIELD ? v.slice(0, MAX_FIELD) : v
}

function member (o: Json | undefined, key: string): Json | undefined {
  return o !== undefined && Object.hasOwn(o, key) ? object(o[key]) : undefined
}

function status (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 999 ? value : undefined
}

function threatsOf (value: unknown): Threat[] | undefined {
  if (!Array.isArray(value)) return undefined
  const out: Threat[] = []
  for (let i = 0; i < value.length && out.length < MAX_THREATS; i++) {
    const t = object(value[i])
    const kind = text(t, 'kind')
    const rule = text(t, 'rule')
    const score = t?.score
    if (kind === undefined || rule === undefined || typeof score !== 'number' || !(score >= 0 && score <= 100)) continue
    out.push({ kind: kind as ThreatKind, rule, where: text(t, 'where') ?? '', excerpt: text(t, 'excerpt') ?? '', score })
  }
  return out
}

function decisionOf (value: unknown): Entry['decision'] {
  const d = object(value)
  const action = text(d, 'action')
  return action === undefined ? undefined : { action, monitor: d?.monitor === true }
}


/** The flat shape's Host header as the ECS shape's `url.domain` gives it. */
function hostDomain (host: string | undefined): string | undefined {
  return host === undefined ? undefined : domainOf(host)
}

function majorOf (version: string | undefined): string | undefined {
  if (version === undefined) return undefined
  const dot = version.indexOf('.')
  return dot === -1 ? version : version.slice(0, dot)
}

function urlOf (path: string | undefined, query: string | undefined): string {
  return query === undefined ? path ?? '' : `${path ?? ''}?${query}`
}

function ecsEntry (r: Json, line: string): Entry | typeof NOT_A_REQUEST {
  const event = member(r, 'event')
  const type = event?.type
  if (text(event, 'kind') !== 'event' || !Array.isArray(type) || !type.includes('access')) return NOT_A_REQUEST
  const http = member(r, 'http')
  const request = member(http, 'request')
  const url = member(r, 'url')
  const source = member(r, 'source')
  const ua = member(r, 'user_agent')
  const tls = member(member(r, 'tls'), 'client')
  const info = member(r, 'request_info')
  const time = parseRecordTime(r['@timestamp'] ?? r.time)
  return {
    format: 'record',
    time: time?.ms,
    offset: 0,
    source: text(source, 'ip') ?? text(source, 'address') ?? text(member(r, 'client'), 'ip'),
    site: text(url, 'domain'),
    method: text(request, 'method') ?? '',
    url: urlOf(text(url, 'path'), text(url, 'query')),
    status: status(member(http, 'response')?.status_code),
    referer: text(request, 'referrer'),
    ua: text(ua, 'original'),
    reqId: text(request, 'id'),
    threats: threatsOf(info?.threats),
    decision: decisionOf(info?.decision),
    ja3: text(tls, 'ja3'),
    ja4: text(tls, 'ja4'),
    hoh: text(info, 'hoh'),
    ho: text(info, 'ho'),
    h2: text(info, 'h2'),
    browser: text(ua, 'name'),
    browserMajor: majorOf(text(ua, 'version')),
    line
  }
}

function flatEntry (r: Json, line: string): Entry | typeof NOT_A_REQUEST {
  const method = text(r, 'method')
  const path = text(r, 'path')
  if (method === undefined || path === undefined || Object.hasOwn(r, 'alert')) return NOT_A_REQUEST
  const browser = member(member(r, 'uai'), 'browser')
  const time = parseRecordTime(r.time)
  return {
    format: 'record',
    time: time?.ms,
    offset: 0,
    source: text(r, 'realIp'),
    site: hostDomain(text(r, 'host')),
    method,
    url: urlOf(path, text(r, 'query')),
    status: status(r.status),
    referer: text(r, 'referer'),
    ua: text(r, 'ua'),
    reqId: text(r, 'reqId'),
    threats: threatsOf(r.threats),
    decision: decisionOf(r.decision),
    ja3: text(r, 'sslh'),
    ja4: text(r, 'ja4'),
    hoh: text(r, 'hoh'),
    ho: text(r, 'ho'),
    h2: text(r, 'h2'),
    browser: text(browser, 'name'),
    browserMajor: text(browser, 'major'),
    line
  }
}

/**
 * Reads one NDJSON line. Returns the entry; NOT_A_REQUEST for JSON that is not a request record; or why the
 * line is unreadable.
 */
export function parseRecordLine (line: string): Entry | typeof NOT_A_REQUEST | string {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    return `invalid JSON (${(err as Error).message.slice(0, 80)})`
  }
  const r = object(value)
  if (r === undefined) return 'a JSON line that is not an object'
  return Object.hasOwn(r, 'ecs') || Object.hasOwn(r, 'event') ? ecsEntry(r, line) : flatEntry(r, line)
}

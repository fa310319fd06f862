/**
 * The abuse contact of the network holding a source address, asked of RDAP (RFC 9082, RFC 9083) through the
 * rdap.org bootstrap redirector, which sends each query on to the registry (RIR) holding the address.
 * Off unless asked for: a report made offline says "not looked up". Every answer is an AbuseContact; nothing
 * a server sends (or fails to send) makes a lookup throw.
 */
import { quote } from '../../respond/ip-set.js'
import type { AbuseContact } from '../report.js'
import { readSourceAddress } from './special-addresses.js'

/** Options of createAbuseLookup. */
export interface AbuseLookupOptions {
  /**
   * Ask RDAP servers at all. Off, every answer is status `not looked up` and nothing goes to the network.
   * @default false
   */
  enabled?: boolean
  /**
   * The RDAP service asked: `${baseUrl}/ip/${address}`. The default is the bootstrap redirector, which
   * answers with a redirect to the registry holding the address.
   * @default 'https://rdap.org'
   */
  baseUrl?: string
  /**
   * Longest time one lookup may take, redirects and reading the answer included, ms.
   * @default 10000
   */
  timeout?: number
  /**
   * Largest answer read, bytes; counted as the body arrives, whatever Content-Length says.
   * @default 1048576
   */
  maxBytes?: number
  /**
   * Lookups in flight at once.
   * @default 4
   */
  concurrency?: number
  /**
   * Lookups sent in one run; the addresses past it are answered `not looked up`, with the reason.
   * @default 100
   */
  maxLookups?: number
}

/** Looks up abuse contacts; answers are kept for the run, so an address is asked about once. */
export interface AbuseLookup {
  /**
   * The abuse contact for a source key: an IPv4 or IPv6 address, or an IPv6 /64 key (its network address is
   * looked up). Special-purpose addresses are `private` and anything else `failed`, without a request.
   */
  lookup: (address: string) => Promise<AbuseContact>
}

/** The bootstrap redirector, the default `baseUrl`. */
export const RDAP_BOOTSTRAP_URL = 'https://rdap.org'

const OPTIONS = ['enabled', 'baseUrl', 'timeout', 'maxBytes', 'concurrency', 'maxLookups']
// rdap.org redirects once, to the registry; a registry may move a query once more (an NIR). Past this, a loop.
const MAX_REDIRECTS = 5
const REDIRECTS = new Set([301, 302, 303, 307, 308])
// Entities nest (a network's registrant holds its abuse contact, which may hold more); bounds on a hostile answer.
const MAX_ENTITY_DEPTH = 8
const MAX_ENTITIES = 1000
// Longest registry value kept (names, handles, addresses).
const MAX_VALUE = 200
const MAX_CIDRS = 8
// RFC 5321's longest path, less its angle brackets.
const MAX_EMAIL = 254
// Printable ASCII only, no space, no quotes, brackets or separators: a value that could not be a mailbox in a
// To: line is not taken for one.
const EMAIL = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/

interface Resolved {
  enabled: boolean
  baseUrl: string
  timeout: number
  maxBytes: number
  concurrency: number
  maxLookups: number
}

function integer (o: Record<string, unknown>, name: string, fallback: number, min: number, max: number, unit: string): number {
  const value = o[name] ?? fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`createAbuseLookup: option ${name} must be an integer from ${min} to ${max}${unit}; got ${quote(value)}`)
  }
  return value
}

function resolve (options: unknown): Resolved {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new Error('createAbuseLookup: options must be an object')
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!OPTIONS.includes(key)) throw new Error(`createAbuseLookup: unknown option '${key}'; known are ${OPTIONS.join(', ')}`)
  }
  const enabled = o.enabled ?? false
  if (typeof enabled !== 'boolean') throw new Error(`createAbuseLookup: option enabled must be a boolean; got ${quote(enabled)}`)
  const base = o.baseUrl ?? RDAP_BOOTSTRAP_URL
  let url: URL | undefined
  try { url = typeof base === 'string' ? new URL(base) : undefined } catch {}
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' ||
    url.username !== '' || url.password !== '') {
    throw new Error(`createAbuseLookup: option baseUrl must be an http or https URL without query, fragment or credentials; got ${quote(base)}`)
  }
  return {
    enabled,
    baseUrl: url.href.replace(/\/+$/, ''),
    timeout: integer(o, 'timeout', 10_000, 1, 600_000, ' (ms)'),
    maxBytes: integer(o, 'maxBytes', 1 << 20, 1, 1 << 26, ' (bytes)'),
    concurrency: integer(o, 'concurrency', 4, 1, 64, ''),
    maxLookups: integer(o, 'maxLookups', 100, 0, 1_000_000, '')
  }
}

function contact (status: AbuseContact['status'], fields: Partial<AbuseContact> = {}): AbuseContact {
  return { status, email: null, network: null, range: null, url: null, error: null, ...fields }
}

function text (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_VALUE) : undefined
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The `email` values of a jCard (RFC 7095): `["vcard", [[name, params, type, value], ...]]`. */
function vcardEmails (vcard: unknown): string[] {
  if (!Array.isArray(vcard) || vcard[0] !== 'vcard' || !Array.isArray(vcard[1])) return []
  const emails: string[] = []
  for (const property of vcard[1] as unknown[]) {
    if (Array.isArray(property) && typeof property[0] === 'string' && property[0].toLowerCase() === 'email' &&
      typeof property[3] === 'string' && property[3].length <= MAX_EMAIL && EMAIL.test(property[3].trim())) emails.push(property[3].trim())
  }
  return emails
}

/**
 * The first mailbox of an entity with role `abuse`, breadth first so that the network's own abuse contact
 * comes before one nested deeper (an organisation's). No other role's mailbox stands in for it: a registrant
 * or technical contact did not ask for abuse mail, and an abuse report sent where it is not wanted harms
 * its sender's credibility.
 */
function abuseEmail (network: Record<string, unknown>): string | undefined {
  let level: unknown[] = Array.isArray(network.entities) ? network.entities : []
  let seen = 0
  for (let depth = 0; depth < MAX_ENTITY_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = []
    for (const entity of level) {
      if (!isObject(entity) || ++seen > MAX_ENTITIES) continue
      const roles = Array.isArray(entity.roles) ? entity.roles : []
      if (roles.some((r) => typeof r === 'string' && r.toLowerCase() === 'abuse')) {
        const email = vcardEmails(entity.vcardArray)[0]
        if (email !== undefined) return email
      }
      if (Array.isArray(entity.entities)) next.push(...(entity.entities as unknown[]).slice(0, MAX_ENTITIES))
    }
    level = next
  }
  return undefined
}

/** `start - end`, else the cidr0 extension's prefixes (`192.0.2.0/24`). */
function rangeOf (network: Record<string, unknown>): string | null {
  const start = text(network.startAddress)
  const end = text(network.endAddress)
  if (start !== undefined && end !== undefined) return `${start} - ${end}`
  if (!Array.isArray(network.cidr0_cidrs)) return null
  const cidrs = network.cidr0_cidrs.slice(0, MAX_CIDRS).flatMap((c: unknown) => {
    if (!isObject(c)) return []
    const prefix = text(c.v4prefix) ?? text(c.v6prefix)
    return prefix === undefined || typeof c.length !== 'number' ? [] : [`${prefix}/${c.length}`]
  })
  return cidrs.length === 0 ? null : cidrs.join(', ')
}

/** An RFC 9083 answer to an IP network query, read into a contact. */
function readNetwork (json: unknown, url: string, from: string): AbuseContact {
  if (!isObject(json) || json.objectClassName !== 'ip network') {
    const what = isObject(json) ? `objectClassName ${quote(json.objectClassName)}` : `a JSON ${Array.isArray(json) ? 'array' : typeof json}`
    return contact('failed', { url, error: `the answer from ${from} is not an RDAP IP network (${what})` })
  }
  const name = text(json.name)
  const details = [text(json.handle), text(json.country)].filter((v) => v !== undefined).join(', ')
  const network = name === undefined ? (details === '' ? null : details) : details === '' ? name : `${name} (${details})`
  const email = abuseEmail(json)
  return contact(email === undefined ? 'none' : 'found', { email: email ?? null, network, range: rangeOf(json), url })
}

/** The body, read as it arrives and refused past `maxBytes`; undefined when it is larger. */
async function readBounded (body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string | undefined> {
  const chunks: Uint8Array[] = []
  let size = 0
  if (body !== null) {
    // Leaving the loop early cancels the stream, which closes the connection.
    for await (const chunk of body) {
      size += chunk.byteLength
      if (size > maxBytes) return undefined
      chunks.push(chunk)
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/** One lookup over the network, redirects followed by hand so that their number and schemes are bounded. */
async function ask (url: string, o: Resolved): Promise<AbuseContact> {
  const signal = AbortSignal.timeout(o.timeout)
  const failed = (error: string): AbuseContact => contact('failed', { url, error })
  let current = url
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(current, { signal, redirect: 'manual', headers: { accept: 'application/rdap+json, application/json' } })
      if (REDIRECTS.has(response.status)) {
        await response.body?.cancel()
        const location = response.headers.get('location')
        if (location === null) return failed(`${current} answered ${response.status} without a Location`)
        if (redirects === MAX_REDIRECTS) return failed(`more than ${MAX_REDIRECTS} redirects from ${url} (the last to ${quote(location)})`)
        let next: URL | undefined
        try { next = new URL(location, current) } catch {}
        if (next === undefined || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
          return failed(`${current} redirected to ${quote(location)}, which is not an http or https URL`)
        }
        current = next.href
        continue
      }
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel()
        return failed(`${current} answered HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`)
      }
      const body = await readBounded(response.body, o.maxBytes)
      if (body === undefined) return failed(`the answer from ${current} is larger than ${o.maxBytes} bytes (option maxBytes)`)
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch (err) {
        return failed(`the answer from ${current} is not JSON: ${(err as Error).message}`)
      }
      return readNetwork(json, url, current)
    }
  } catch (err) {
    if (signal.aborted) return failed(`no complete answer from ${current} within ${o.timeout} ms (option timeout)`)
    const cause = (err as { cause?: unknown }).cause
    return failed(`${current} could not be asked: ${cause instanceof Error ? cause.message : (err as Error).message}`)
  }
}

/**
 * Makes the lookup of a run. Throws `createAbuseLookup: option ...` for an option out of its range.
 * Answers, by status: `found` (the network's abuse mailbox), `none` (the registry names the network but no
 * abuse mailbox), `private` (a special-purpose address, `error` naming the purpose, also when off), `not looked up` (off,
 * or past maxLookups with the reason in `error`), `failed` (with what happened in `error`).
 */
export function createAbuseLookup (options: AbuseLookupOptions = {}): AbuseLookup {
  const o = resolve(options)
  const answers = new Map<string, Promise<AbuseContact>>()
  let sent = 0
  let active = 0
  const waiting: Array<() => void> = []

  // A finished lookup hands its slot to the next one waiting, so no more than `concurrency` are in flight.
  async function inSlot (task: () => Promise<AbuseContact>): Promise<AbuseContact> {
    if (active < o.concurrency) active++
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await task()
    } finally {
      const next = waiting.shift()
      if (next === undefined) active--
      else next()
    }
  }

  async function lookup (address: string): Promise<AbuseContact> {
    // Special-purpose and invalid addresses are told apart without the network, so offline too.
    const reading = readSourceAddress(address)
    if (reading.kind === 'invalid') return contact('failed', { error: `${reading.reason}: nothing to look up` })
    if (reading.kind === 'special') {
      return contact('private', { error: `${reading.address} is a special-purpose address, ${reading.purpose}: no registry holds it for a network` })
    }
    if (!o.enabled) return contact('not looked up')
    const known = answers.get(reading.address)
    if (known !== undefined) return await known
    if (sent >= o.maxLookups) {
      return contact('not looked up', { error: `the run's ${o.maxLookups} lookups were already made (option maxLookups)` })
    }
    sent++
    const url = `${o.baseUrl}/ip/${reading.address}`
    const answer = inSlot(async () => await ask(url, o))
    answers.set(reading.address, answer)
    return await answer
  }

  return { lookup }
}

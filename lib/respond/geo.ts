import { readFileSync } from 'node:fs'
import { isIPv4, isIPv6 } from 'node:net'
import type { Reader } from 'maxmind'
import { Lru, LruMap } from 'toad-cache'
import { own, sourceKey } from '../detect/behaviour/source-key.js'
import type { Geo, GeoLookup } from './types.js'

/** Option `respond.geoip`: local MaxMind DB (.mmdb) files, read once at registration. Give one or both. */
export interface GeoOptions {
  /** Path of a country database (GeoLite2/GeoIP2 Country or City, DB-IP country or city): rules' `country`. */
  country?: string
  /** Path of an autonomous system database (GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN lite): rules' `asn`. */
  asn?: string
}

/** One database opened by `openGeo`, as a log line would describe it. */
export interface GeoDatabase {
  /** The option that named it. */
  readonly option: 'country' | 'asn'
  readonly path: string
  /** Metadata `database_type`, e.g. `GeoLite2-Country`. */
  readonly databaseType: string
  /** Metadata `build_epoch`: when the data was built (a stale database gives stale countries). */
  readonly built: Date
}

/** A `GeoLookup` that also says which databases it reads. */
export type OpenedGeo = GeoLookup & { readonly databases: readonly GeoDatabase[] }

/**
 * `database_type` values whose records have the fields read here: `country.iso_code` (or
 * `registered_country.iso_code`) for country, `autonomous_system_number` at the top for ASN. DB-IP writes
 * GeoIP2-compatible records.
 */
const ACCEPTED: Readonly<Record<'country' | 'asn', readonly string[]>> = {
  country: [
    'GeoLite2-Country', 'GeoIP2-Country', 'GeoLite2-City', 'GeoIP2-City', 'GeoIP2-Enterprise',
    'DBIP-Country-Lite', 'DBIP-City-Lite', 'DBIP-Country', 'DBIP-Location (compat=City)'
  ],
  asn: ['GeoLite2-ASN', 'GeoIP2-ISP', 'DBIP-ASN-Lite (compat=GeoLite2-ASN)']
}

// The metadata section starts after the last "\xAB\xCD\xEFMaxMind.com" in the file, at most 128 KiB from its
// end (MaxMind DB spec 2.0, "Database Metadata").
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex')
const METADATA_MAX = 128 * 1024
// The search tree is followed by 16 zero bytes before the data section (spec, "Data Section Separator").
const SEPARATOR = 16
// Decoded records kept by the reader, keyed by their offset: a country database has a few hundred distinct
// records, so every lookup after the first few is a tree walk; a city record is ~2 KB, hence the bound.
const CACHED_RECORDS = 4096
// Answers kept per address: a tree walk and the reader's parsing cost 1-3 µs, a cached answer ~0.1 µs, and
// most requests come from addresses seen shortly before.
const CACHED_ADDRESSES = 10_000
// Longer than any IPv6 address with a zone index (45 characters and an interface name): no need to look.
const MAX_ADDRESS = 100
const UNKNOWN: Geo = Object.freeze({ country: undefined, asn: undefined })

interface CountryRecord {
  country?: { iso_code?: unknown }
  registered_country?: { iso_code?: unknown }
}

interface AsnRecord {
  autonomous_system_number?: unknown
}

interface Opened {
  reader: Reader<any>
  /** An IPv4-only database (`ip_version` 4) knows nothing of IPv6 addresses. */
  ipv4Only: boolean
  database: GeoDatabase
}

/**
 * Opens the databases `options` names, synchronously (plugin registration), and returns the lookup of an
 * address's country and autonomous system: a frozen answer, the same object for the same address while it is
 * cached. Throws, naming the option (`where.country`, `where.asn`) and the file, when a file is missing or
 * unreadable, is not a MaxMind DB, or is a database of another kind. `names` are the names given in those
 * messages, where the paths come from elsewhere than the option (the CLI's `--country-db`).
 */
export function openGeo (options: GeoOptions, where = 'respond.geoip', names = { country: `${where}.country`, asn: `${where}.asn` }): OpenedGeo {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${where}: must be an object with the paths of a country and/or an asn .mmdb file, got ${show(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (key !== 'country' && key !== 'asn') throw new Error(`${where}.${key}: unknown option; accepted: country, asn`)
  }
  if (options.country === undefined && options.asn === undefined) {
    throw new Error(`${where}: give country, asn or both (paths of .mmdb files)`)
  }
  const country = options.country === undefined ? undefined : open(options.country, 'country', names.country)
  const asn = options.asn === undefined ? undefined : open(options.asn, 'asn', names.asn)

  const answers = new LruMap<Geo>(CACHED_ADDRESSES)
  const lookup: GeoLookup = (ip) => {
    if (typeof ip !== 'string' || ip.length > MAX_ADDRESS) return UNKNOWN
    const cached = answers.get(ip)
    if (cached !== undefined) return cached
    const address = lookupAddress(ip)
    if (address === undefined) return UNKNOWN
    const v6 = address.includes(':')
    const geo = Object.freeze({
      country: country === undefined ? undefined : countryOf(record(country, address, v6)),
      asn: asn === undefined ? undefined : asnOf(record(asn, address, v6))
    })
    // `ip` may be a slice of a long X-Forwarded-For header: the key kept is a copy of its own.
    answers.set(own(ip, MAX_ADDRESS), geo)
    return geo
  }
  const databases = [country, asn].flatMap((o) => o === undefined ? [] : [o.database])
  return Object.assign(lookup, { databases })
}

function open (path: unknown, option: 'country' | 'asn', name: string): Opened {
  if (typeof path !== 'string' || path === '') throw new Error(`${name}: must be the path of a .mmdb file, got ${show(path)}`)
  const file = JSON.stringify(path)
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (err) {
    throw new Error(`${name}: cannot read ${file}: ${(err as Error).message}`)
  }
  // RFC 1952 §2.3.1: a gzip member starts with 1f 8b. MaxMind and DB-IP ship .mmdb.gz downloads.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new Error(`${name}: ${file} is gzip-compressed; decompress it (gunzip) first`)
  const tail = Math.max(0, bytes.length - METADATA_MAX)
  const marker = bytes.subarray(tail).lastIndexOf(METADATA_MARKER)
  if (marker === -1) throw new Error(`${name}: ${file} is not a MaxMind DB file (no metadata marker in its last 128 KiB)`)
  let reader: Reader<any>
  try {
    // Loaded here: the reader takes tens of ms to load, which users without a database never pay.
    const { Reader: MaxmindReader } = require('maxmind') as typeof import('maxmind')
    reader = new MaxmindReader<any>(bytes, { cache: new Lru<unknown>(CACHED_RECORDS) })
  } catch (err) {
    throw new Error(`${name}: ${file} is not a readable MaxMind DB file: ${(err as Error).message}`)
  }
  const m = reader.metadata
  // The reader trusts the metadata; a tree that would run into the metadata is a damaged or truncated file.
  if (m.binaryFormatMajorVersion !== 2 || (m.ipVersion !== 4 && m.ipVersion !== 6) || !Number.isInteger(m.nodeCount) ||
    m.nodeCount < 1 || m.searchTreeSize + SEPARATOR > tail + marker) {
    throw new Error(`${name}: ${file} is not a readable MaxMind DB file (format ${String(m.binaryFormatMajorVersion)}, ` +
      `ip_version ${String(m.ipVersion)}, node_count ${String(m.nodeCount)} in ${bytes.length} bytes)`)
  }
  if (!ACCEPTED[option].includes(m.databaseType)) {
    throw new Error(`${name}: ${file} is a ${JSON.stringify(m.databaseType)} database; accepted for ${option}: ` +
      ACCEPTED[option].join(', '))
  }
  return {
    reader,
    ipv4Only: m.ipVersion === 4,
    database: { option, path, databaseType: m.databaseType, built: m.buildEpoch }
  }
}

/**
 * The form the reader looks up, or undefined when `ip` is no IP address: an IPv4 address; an IPv6 address
 * without its zone index (`fe80::1%eth0`: the zone names a local interface); an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, RFC 4291 §2.5.5.2) as its IPv4 address, since databases file IPv4 networks apart.
 */
function lookupAddress (ip: string): string | undefined {
  if (isIPv4(ip)) return ip
  const pct = ip.indexOf('%')
  const bare = pct === -1 ? ip : ip.slice(0, pct)
  if (!isIPv6(bare)) return undefined
  // A mapped address starts with a zero group (`::`, `0:`); sourceKey reads it as the IPv4 address.
  const first = bare.charCodeAt(0)
  if (first === 58 || first === 48) {
    const key = sourceKey(bare)
    if (isIPv4(key)) return key
  }
  return bare
}

function record (db: Opened, address: string, v6: boolean): unknown {
  if (v6 && db.ipv4Only) return null
  try {
    return db.reader.get(address)
  } catch {
    // A damaged data section (a pointer past the end) fails one record, not the request: it is unknown.
    return null
  }
}

function countryOf (found: unknown): string | undefined {
  if (found === null || typeof found !== 'object') return undefined
  const r = found as CountryRecord
  const code = r.country?.iso_code ?? r.registered_country?.iso_code
  return typeof code === 'string' && code.length === 2 ? code.toUpperCase() : undefined
}

function asnOf (found: unknown): number | undefined {
  if (found === null || typeof found !== 'object') return undefined
  const n = (found as AsnRecord).autonomous_system_number
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined
}

/** A value for an error message: strings quoted, anything else by its type or value, cut short. */
function show (value: unknown): string {
  let text: string
  if (typeof value === 'string') text = JSON.stringify(value)
  else if (value === null || typeof value !== 'object') text = String(value)
  else text = Array.isArray(value) ? 'an array' : 'an object'
  return text.length > 80 ? text.slice(0, 80) + '…' : text
}

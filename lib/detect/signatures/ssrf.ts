/**
 * Server-side request forgery (CRS 934110-934190 for the idea): an argument holding a URL the server will
 * fetch, pointed at the server itself, its private network or the cloud's instance-metadata service, or using
 * a scheme that talks to other protocols (`gopher://`, `dict://`).
 *
 * Each URL's host is read the way the lenient parsers an attacker plays against read it: every host after an
 * `@` counts (parsers disagree on which userinfo wins), backslash escapes and Unicode look-alikes
 * (`①②⑦`, `。`) are folded by NFKC, and an IPv4 address may be written in any inet_aton(3) notation (dotless
 * decimal, octal, hex, fewer than four parts, overflowing 32 bits), or inside an IPv6 literal.
 */
import { Char } from '../chars.js'
import { active, report } from '../report.js'
import { ARGUMENTS, Place, ruleMaker, type Detector, type Inspected, type Scope, type Threat } from '../types.js'
import { ADDRESS_DOMAINS, LOOPBACK_DOMAINS, LOOPBACK_NAMES, METADATA_NAMES } from './data/ssrf-hosts.js'

const rule = ruleMaker('ssrf')
const METADATA = rule('ssrf-cloud-metadata', 1, 5, 'A URL to an instance-metadata service: 169.254.0.0/16, `metadata.google.internal`, `100.100.100.200`, `fd00:ec2::254`')
const LOOPBACK = rule('ssrf-loopback', 1, 5, 'A URL to the server itself: `localhost` and its aliases, 127.0.0.0/8, 0.0.0.0, `[::1]`, in any notation; or `localhost/` with no scheme')
const SCHEME = rule('ssrf-scheme', 1, 5, 'A URL whose scheme speaks another protocol through the fetcher: `gopher://`, `dict://`, `tftp://`, `ldap://`, `jar:`, `netdoc:`, a `file:` argument')
const PRIVATE = rule('ssrf-private-address', 2, 5, 'A URL to a private or non-global address: 10/8, 172.16/12, 192.168/16, 100.64/10, IPv6 outside 2000::/3')
const ENCODED = rule('ssrf-encoded-address', 2, 5, 'A URL host written as an IP address in an unusual notation: `0x7f.1`, `2130706433`, `0177.0.0.1`, `[::ffff:7f00:1]`, `①②⑦.⓪.⓪.①`')
const DATA_URI = rule('ssrf-data-uri', 2, 5, 'An argument that is a non-media `data:` URI (`data:text/plain;base64,...`)')

const enum Target { None, Private, Loopback, Metadata }

interface Host { target: Target, encoded: boolean }

const TWO_32 = 4294967296

/**
 * An IPv4 address as inet_aton(3) reads it: one to four parts, each decimal, octal (leading 0) or hex
 * (leading 0x), the last filling the remaining bytes; numbers wider than their bytes wrap the way the
 * truncating parsers attackers target wrap them. Returns -1 when `host` is no such address.
 */
function parseIPv4 (host: string, flags: { encoded: boolean }): number {
  const parts = host.split('.')
  if (parts.length > 4 || host.length > 64) return -1
  const values: number[] = []
  for (const part of parts) {
    let base = 10
    let digits = part
    if (/^0x/.test(part)) { base = 16; digits = part.slice(2) } else if (part.length > 1 && part[0] === '0') { base = 8; digits = part.slice(1) }
    if (base !== 10) flags.encoded = true
    if (digits === '' && base !== 16) return -1
    let n = 0
    for (let i = 0; i < digits.length; i++) {
      const d = parseInt(digits[i], base)
      if (Number.isNaN(d)) return -1
      n = (n * base + d) % TWO_32
    }
    values.push(n)
  }
  if (values.length < 4) flags.encoded = true
  let address = 0
  for (let i = 0; i < values.length - 1; i++) {
    if (values[i] > 255) flags.encoded = true
    address = address * 256 + (values[i] & 255)
  }
  const room = 2 ** (8 * (5 - values.length))
  const last = values[values.length - 1]
  if (last >= room) flags.encoded = true
  return (address * room + (last % room)) % TWO_32
}

/** Where an IPv4 address leads. */
function classifyIPv4 (a: number): Target {
  const first = Math.floor(a / 16777216)
  const second = Math.floor(a / 65536) % 256
  // 0.0.0.0 reaches the local host on Linux and macOS; the rest of 0.0.0.0/8 is merely unroutable.
  if (first === 127 || a === 0) return Target.Loopback
  if ((first === 169 && second === 254) || a === 0x646464c8 || a === 0xc00000c0) return Target.Metadata // 100.100.100.200, 192.0.0.192
  if (first === 10 || (first === 172 && second >= 16 && second < 32) || (first === 192 && second === 168) ||
    (first === 100 && second >= 64 && second < 128) || first === 0) return Target.Private
  return Target.None
}

/** An IPv6 literal's eight groups (RFC 4291 §2.2, a dotted IPv4 tail allowed), or null. Zone ids are dropped. */
function parseIPv6 (literal: string): number[] | null {
  const zone = literal.indexOf('%')
  let text = zone === -1 ? literal : literal.slice(0, zone)
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (lastColon !== -1 && text.includes('.', lastColon)) {
    const v4 = parseIPv4(text.slice(lastColon + 1), { encoded: false })
    if (v4 < 0) return null
    tail = [Math.floor(v4 / 65536), v4 % 65536]
    text = text.slice(0, lastColon + 1)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return null
  const read = (s: string): number[] | null => {
    if (s === '') return []
    const groups = s.split(':').map((g) => /^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : -1)
    return groups.includes(-1) ? null : groups
  }
  const head = read(halves[0])
  const rest = halves.length === 2 ? read(halves[1]) : []
  if (head === null || rest === null) return null
  if (halves.length === 1) return head.length + tail.length === 8 ? [...head, ...tail] : null
  const fill = 8 - head.length - rest.length - tail.length
  return fill < 0 ? null : [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail]
}

/** Where an IPv6 literal leads; IPv4-mapped and -compatible forms count as encoded IPv4. */
function classifyIPv6 (groups: number[], host: Host): void {
  const zeroHead = groups.slice(0, 5).every((g) => g === 0)
  if (zeroHead && (groups[5] === 0xffff || groups[5] === 0) && (groups[6] !== 0 || groups[7] > 1)) {
    host.encoded = true
    host.target = classifyIPv4(groups[6] * 65536 + groups[7])
  } else if (zeroHead && groups[5] === 0 && groups[6] === 0 && groups[7] <= 1) host.target = Target.Loopback // :: and ::1
  else if (groups[0] === 0xfd00 && groups[1] === 0x0ec2 && groups.slice(2, 7).every((g) => g === 0) && groups[7] === 0x254) host.target = Target.Metadata
  else if (groups[0] < 0x2000 || groups[0] > 0x3fff) host.target = Target.Private // link-local, unique-local, reserved
}

const LOOK_ALIKE_DOTS = /[\u3002\uff61\uff0e]/g

/** Classifies one host as a fetcher would resolve it. `name` is lowercased, without port or userinfo. */
function classifyHost (name: string): Host {
  const host: Host = { target: Target.None, encoded: false }
  let h = name
  if (/[^\x00-\x7f]/.test(h)) {
    const folded = h.normalize('NFKC').toLowerCase().replace(LOOK_ALIKE_DOTS, '.')
    if (folded !== h) host.encoded = true
    h = folded
  }
  if (h.endsWith('.')) h = h.slice(0, -1)
  if (h.startsWith('[')) {
    const groups = parseIPv6(h.slice(1, h.indexOf(']') === -1 ? h.length : h.indexOf(']')))
    if (groups !== null) classifyIPv6(groups, host)
    return host
  }
  if (/^[0-9][0-9a-fx.]*$/.test(h)) {
    const address = parseIPv4(h, host)
    if (address >= 0) host.target = classifyIPv4(address)
    return host
  }
  if (LOOPBACK_NAMES.has(h) || LOOPBACK_DOMAINS.some((d) => h.endsWith(d))) host.target = Target.Loopback
  else if (METADATA_NAMES.has(h)) host.target = Target.Metadata
  else {
    const domain = ADDRESS_DOMAINS.find((d) => h.endsWith(d))
    // `10.0.0.1.nip.io`, `app-127-0-0-1.sslip.io`: the address is the last four numeric labels or dashed parts.
    const embedded = domain === undefined ? null : /(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})$/.exec(h.slice(0, -domain.length))
    if (embedded !== null) host.target = classifyIPv4(((+embedded[1] * 256 + +embedded[2]) * 256 + +embedded[3]) * 256 + +embedded[4])
  }
  return host
}

// `scheme:` with up to three slashes of either kind after it (WHATWG URL parsers accept `http:\\host`).
const URL_START = /([a-z][a-z0-9+.-]{1,15}):([\\/]{0,3})/g
const OTHER_PROTOCOLS = new Set(['gopher', 'dict', 'tftp', 'ldap', 'ldaps', 'netdoc', 'jar', 'sftp', 'ftp+ssh', 'phar+http'])
// Host characters, a bracketed IPv6 literal, or a run of non-ASCII look-alikes.
const HOST = /^\s*(\[[^\]/?#]{1,64}\]|[^\s/?#:@\\&]{1,253})/
// How far into an authority a later `@host` is looked for.
const AUTHORITY = 160
const MAX_URLS = 8
const WHOLE_ADDRESS = /^(?:\[|(?:0x[0-9a-f]{8}|\d{8,10})(?![\w.])|[0-9a-fx]{1,12}(?:\.[0-9a-fx]{1,12}){3}(?![\w.]))/

function reportHost (host: Host, value: Inspected, index: number, length: number, scope: Scope, out: Threat[]): void {
  const found = host.target === Target.Metadata ? METADATA : host.target === Target.Loopback ? LOOPBACK : host.target === Target.Private ? PRIVATE : null
  if (found !== null && active(found, scope)) report(out, found, value, index, length)
  if (host.encoded && active(ENCODED, scope)) report(out, ENCODED, value, index, length)
}

/**
 * Every host of the authority at `start`: the first, and each one after an `@`. Without slashes after the
 * scheme (`http:127.0.0.1`) only a whole address is read as a host: four parts in any radix, a full 32-bit
 * number (8 or more digits), or an IPv6 literal; `http:0xabcdef` is more likely a typo than a target.
 */
function inspectAuthority (value: Inspected, start: number, slashes: boolean, scope: Scope, out: Threat[]): void {
  if (!slashes && !WHOLE_ADDRESS.test(value.text.slice(start, start + 64))) return
  let region = value.text.slice(start, start + AUTHORITY)
  // `\l\o\c\a\l\h\o\s\t`: escapes some parsers drop, themselves an evasion.
  let escaped = false
  if (region.includes('\\')) {
    const unescaped = region.replace(/\\+(?=[a-z0-9.])/g, '')
    escaped = unescaped !== region
    region = unescaped
  }
  const end = region.search(/[/?\\]/)
  if (end !== -1) region = region.slice(0, end)
  let from = 0
  while (from <= region.length) {
    const host = HOST.exec(region.slice(from))
    if (host !== null) {
      const found = classifyHost(host[1])
      if (escaped) found.encoded = true
      reportHost(found, value, start + from, host[0].length, scope, out)
    }
    const at = region.indexOf('@', from)
    if (at === -1) break
    from = at + 1
  }
}

// A value that starts with a host and a path or port, with no scheme (frameworks prepend `http://`).
const SCHEMELESS = /^\s*([a-z0-9][a-z0-9.-]{0,252}|\[[0-9a-f:.]{2,45}\])(?:\/|:\d)/
const DATA = /^\s*data:(?!(?:image|audio|video|font)\/)[a-z]{2,20}\/[a-z0-9.+-]{1,64}(?:;[^,]{0,100})?(?:,|$)/

/** SSRF targets in argument values and names. */
export const ssrf: Detector = {
  kind: 'ssrf',
  rules: [METADATA, LOOPBACK, SCHEME, PRIVATE, ENCODED, DATA_URI],
  places: ARGUMENTS | Place.queryName | Place.bodyName,
  triggers: Char.colon | Char.slash,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    const text = value.text
    if ((value.chars & Char.colon) !== 0) {
      URL_START.lastIndex = 0
      let match
      for (let n = 0; n < MAX_URLS && (match = URL_START.exec(text)) !== null; n++) {
        const scheme = match[1]
        const slashes = match[2].length
        if (OTHER_PROTOCOLS.has(scheme) || (scheme === 'file' && match.index === 0 && slashes > 0)) {
          if (active(SCHEME, scope)) report(out, SCHEME, value, match.index, match[0].length)
        }
        const web = scheme === 'http' || scheme === 'https'
        // `http:127.0.0.1` has no slashes; for other schemes a bare `x:y` is too common to read as a URL.
        if (slashes > 0 || web) inspectAuthority(value, URL_START.lastIndex, slashes > 0, scope, out)
      }
      if (active(DATA_URI, scope) && text.includes('data:')) {
        const data = DATA.exec(text)
        if (data !== null) report(out, DATA_URI, value, data.index, data[0].length)
      }
    }
    const bare = SCHEMELESS.exec(text)
    // Without a scheme, a number is only an address as a dotted quad: `1/4`, `12:30` are not hosts.
    if (bare !== null && (/[a-z[]/.test(bare[1]) || /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare[1]))) {
      const host = classifyHost(bare[1])
      // Without a scheme only the targets no ordinary value names count: a private address may be a form field.
      if (host.target === Target.Loopback || host.target === Target.Metadata) reportHost({ target: host.target, encoded: false }, value, bare.index, bare[0].length, scope, out)
    }
  }
}

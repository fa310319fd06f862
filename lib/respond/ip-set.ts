/**
 * Sets of IP addresses and CIDR blocks, IPv4 and IPv6, checked once per request.
 *
 * An address is parsed into 32-bit words (one for IPv4, four for IPv6). Each family keeps one table per
 * prefix length present in the set, so a lookup masks the address once per distinct length and asks a Set:
 * its cost follows the number of distinct lengths, not the number of entries. IPv6 tables are nested maps
 * keyed by whole words, so no key string is built per request.
 */

/** A set of addresses and blocks. */
export interface IpSet {
  /**
   * Whether `ip` is one of the addresses or inside one of the blocks. An IPv4-mapped IPv6 address
   * (`::ffff:1.2.3.4`, as a dual-stack socket reports an IPv4 client) is the IPv4 address; a zone id
   * (`fe80::1%eth0`) is ignored; anything that is not an address matches nothing.
   */
  has (ip: string): boolean
}

/** An entry parsed: its family's words, masked to `prefix` bits. */
export interface IpBlock {
  /** False for IPv4, IPv4-mapped blocks included. */
  v6: boolean
  /** The network address: one 32-bit word for IPv4, four for IPv6, bits beyond `prefix` cleared. */
  words: Uint32Array
  /** Prefix length: 32 or 128 for a single address. */
  prefix: number
}

// Longest textual IPv6 address: 6 groups and an embedded IPv4 address (RFC 4291, section 2.2), 45 characters.
const MAX_ADDRESS = 45
// Longest request address looked at, zone id included (interface names are short: IFNAMSIZ is 16 on Linux).
const MAX_REQUEST_ADDRESS = MAX_ADDRESS + 1 + 64

// Scratch of the parser: the request path parses without allocating. The last address parsed is kept, so
// several sets asked about the same request address parse it once.
const GROUPS = new Uint16Array(8)
const WORDS = new Uint32Array(4)
let lastText: string | undefined
let lastFamily = 0

/** Parses an IPv4 dotted quad in `s[start, end)`: four decimal octets without leading zeros. -1 if not one. */
function parseV4 (s: string, start: number, end: number): number {
  let value = 0
  let octets = 0
  let i = start
  while (true) {
    const first = i
    let octet = 0
    while (i < end) {
      const c = s.charCodeAt(i) - 48
      if (c < 0 || c > 9) break
      octet = octet * 10 + c
      i++
    }
    const digits = i - first
    // Leading zeros are refused: inet_aton reads them as octal, so "010.0.0.1" is ambiguous.
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && s.charCodeAt(first) === 48)) return -1
    value = value * 256 + octet
    if (++octets === 4) return i === end ? value : -1
    if (i === end || s.charCodeAt(i) !== 46) return -1
    i++
  }
}

function hexDigit (c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  const lower = c | 0x20
  return lower >= 97 && lower <= 102 ? lower - 87 : -1
}

/** Parses an IPv6 address in `s[0, end)` (RFC 4291, section 2.2) into WORDS. */
function parseV6 (s: string, end: number): boolean {
  if (end < 2) return false
  let count = 0
  let gap = -1
  let i = 0
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false
    gap = 0
    i = 2
  }
  while (i < end) {
    const start = i
    let group = 0
    while (i < end) {
      const d = hexDigit(s.charCodeAt(i))
      if (d < 0) break
      group = group * 16 + d
      i++
    }
    if (i < end && s.charCodeAt(i) === 46) {
      // An embedded IPv4 address fills the last 32 bits.
      if (count > 6) return false
      const v4 = parseV4(s, start, end)
      if (v4 < 0) return false
      GROUPS[count++] = v4 >>> 16
      GROUPS[count++] = v4 & 0xffff
      break
    }
    if (i === start || i - start > 4 || count === 8) return false
    GROUPS[count++] = group
    if (i === end) break
    if (s.charCodeAt(i) !== 58) return false
    i++
    if (i < end && s.charCodeAt(i) === 58) {
      if (gap !== -1) return false
      gap = count
      i++
    } else if (i === end) {
      return false
    }
  }
  if (gap === -1 ? count !== 8 : count > 7) return false
  if (gap !== -1) {
    // "::" stands for as many zero groups as are missing: the groups after it move to the end.
    const zeros = 8 - count
    for (let g = count - 1; g >= gap; g--) GROUPS[g + zeros] = GROUPS[g]
    for (let g = gap; g < gap + zeros; g++) GROUPS[g] = 0
  }
  for (let w = 0; w < 4; w++) WORDS[w] = GROUPS[2 * w] * 65536 + GROUPS[2 * w + 1]
  return true
}

/**
 * Parses `s[0, end)` into WORDS: 4 for IPv4 (or IPv4-mapped IPv6, moved to WORDS[0]), 6 for IPv6, 0 if it
 * is not an address.
 */
function parseAddress (s: string, end: number): number {
  let colon = false
  for (let i = 0; i < end; i++) {
    if (s.charCodeAt(i) === 58) { colon = true; break }
  }
  if (!colon) {
    const v4 = parseV4(s, 0, end)
    if (v4 < 0) return 0
    WORDS[0] = v4
    return 4
  }
  if (!parseV6(s, end)) return 0
  // ::ffff:0:0/96 holds IPv4 addresses (RFC 4291, section 2.5.5.2).
  if (WORDS[0] === 0 && WORDS[1] === 0 && WORDS[2] === 0xffff) {
    WORDS[0] = WORDS[3]
    return 4
  }
  return 6
}

/** Parses a request's address into WORDS (see parseAddress); the last one parsed is remembered. */
function parseRequestAddress (ip: string): number {
  if (ip === lastText) return lastFamily
  let family = 0
  if (typeof ip === 'string' && ip.length <= MAX_REQUEST_ADDRESS) {
    // A zone id (RFC 4007, section 11) names the link, not the address.
    const zone = ip.indexOf('%')
    family = parseAddress(ip, zone === -1 ? ip.length : zone)
  }
  lastText = ip
  lastFamily = family
  return family
}

/** `value` quoted for an error message, cut to a readable length. */
export function quote (value: unknown): string {
  let text: string
  try { text = JSON.stringify(value) ?? String(value) } catch { text = String(value) }
  return text.length > 80 ? text.slice(0, 77) + '…' : text
}

/** Bits of a word kept by a prefix covering `bits` (0 to 32) of it. */
function mask (bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
}

/**
 * Parses one entry: an address (`10.0.0.1`, `2001:db8::1`) or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
 * Bits of the address beyond the prefix are accepted and masked off (`10.1.2.3/8` is `10.0.0.0/8`), as
 * routers and firewalls do. A block inside ::ffff:0:0/96 is the IPv4 block it maps (`::ffff:10.0.0.0/104` is
 * `10.0.0.0/8`); a shorter IPv6 block, `::/0` included, never matches an IPv4 client.
 * Throws `${where}: "x" is not an IP address or CIDR block` otherwise.
 */
export function parseIpEntry (entry: unknown, where: string): IpBlock {
  const fail = (detail: string): never => {
    throw new Error(`${where}: ${quote(entry)} is not an IP address or CIDR block${detail}`)
  }
  if (typeof entry !== 'string') return fail('')
  lastText = undefined
  const slash = entry.indexOf('/')
  const end = slash === -1 ? entry.length : slash
  if (end > MAX_ADDRESS) return fail('')
  const family = parseAddress(entry, end)
  if (family === 0) return fail('')
  const mapped = family === 4 && entry.lastIndexOf(':', end) !== -1
  const v6 = family === 6
  const bits = v6 || mapped ? 128 : 32
  let prefix = bits
  if (slash !== -1) {
    const text = entry.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(text) || Number(text) > bits) {
      return fail(` (the prefix length of an ${bits === 32 ? 'IPv4' : 'IPv6'} block is 0 to ${bits})`)
    }
    prefix = Number(text)
  }
  if (mapped) {
    if (prefix >= 96) return { v6: false, words: Uint32Array.of(WORDS[0] & mask(prefix - 96)), prefix: prefix - 96 }
    // A shorter block around the IPv4-mapped range is an IPv6 block like any other: WORDS back to IPv6.
    WORDS[0] = 0
  }
  const words = v6 || mapped ? WORDS.slice(0, 4) : WORDS.slice(0, 1)
  for (let w = 0; w < words.length; w++) words[w] = words[w] & mask(Math.min(32, Math.max(0, prefix - 32 * w)))
  return { v6: v6 || mapped, words, prefix }
}

type Table = Map<number, Table> | Set<number>

/** The entries of one prefix length: nested maps keyed by the leading whole words, then a Set of the last. */
interface Length {
  /** Words looked at: ceil(prefix / 32). */
  depth: number
  /** Mask of the last word looked at. */
  last: number
  table: Table
}

/** One family's entries, one table per prefix length present. */
class Family {
  private lengths: Length[] = []
  private readonly byPrefix = new Map<number, Length>()
  private everything = false

  add (block: IpBlock): void {
    const { words, prefix } = block
    if (prefix === 0) {
      this.everything = true
      return
    }
    const depth = Math.ceil(prefix / 32)
    let length = this.byPrefix.get(prefix)
    if (length === undefined) {
      length = { depth, last: mask(prefix - 32 * (depth - 1)), table: depth === 1 ? new Set() : new Map() }
      this.byPrefix.set(prefix, length)
      this.lengths = [...this.byPrefix.values()]
    }
    let table = length.table
    for (let w = 0; w < depth - 1; w++) {
      const level = table as Map<number, Table>
      let next = level.get(words[w])
      if (next === undefined) {
        next = w === depth - 2 ? new Set() : new Map()
        level.set(words[w], next)
      }
      table = next
    }
    (table as Set<number>).add(words[depth - 1])
  }

  /** Whether the address in WORDS is in a block of this family. */
  has (): boolean {
    if (this.everything) return true
    const lengths = this.lengths
    for (let l = 0; l < lengths.length; l++) {
      const { depth, last } = lengths[l]
      let table: Table | undefined = lengths[l].table
      for (let w = 0; w < depth - 1 && table !== undefined; w++) table = (table as Map<number, Table>).get(WORDS[w])
      if (table !== undefined && (table as Set<number>).has((WORDS[depth - 1] & last) >>> 0)) return true
    }
    return false
  }
}

/**
 * A set of the addresses and CIDR blocks in `entries` (see parseIpEntry for what an entry may be). Throws
 * `${where}[i]: "x" is not an IP address or CIDR block` for the first entry that is not one.
 */
export function createIpSet (entries: readonly string[], where: string): IpSet {
  const v4 = new Family()
  const v6 = new Family()
  for (let i = 0; i < entries.length; i++) {
    const block = parseIpEntry(entries[i], `${where}[${i}]`)
    if (block.v6) v6.add(block)
    else v4.add(block)
  }
  return {
    has (ip: string): boolean {
      const family = parseRequestAddress(ip)
      return family === 4 ? v4.has() : family === 6 ? v6.has() : false
    }
  }
}

import { isIPv4, isIPv6 } from 'node:net'

// Longest text kept of a source that is not an IP address (a hostile or misconfigured `realIp`).
const MAX_OTHER_KEY = 64
// V8 copies substrings and concatenations shorter than this; longer ones may be slices that keep their
// parent alive, or pairs of parts.
const FLAT_MIN = 13

/**
 * `value` cut to `max` characters, as a flat string of its own: a substring of a long request (a path sliced
 * from a 64 KB URL, an address sliced from a long X-Forwarded-For) would otherwise keep the whole request in
 * memory for as long as the behaviour state holds it. A JSON round trip is the copy that V8 neither slices
 * nor leaves as a pair of parts (and it keeps lone surrogates as they are).
 */
export function own (value: string, max: number): string {
  const cut = value.length > max ? value.slice(0, max) : value
  return cut.length < FLAT_MIN ? cut : JSON.parse(JSON.stringify(cut)) as string
}

/**
 * The key behaviour state is kept under for a client address: the IPv4 address; for IPv6 its /64 prefix in
 * RFC 5952 form (`2001:db8:1:2::/64`), since one subscriber or one server usually holds a whole /64 and can
 * change its low 64 bits at will; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as a dual-stack socket
 * reports IPv4 clients) as the IPv4 address. Anything else is kept as given, cut to 64 characters.
 */
export function sourceKey (realIp: string): string {
  if (isIPv4(realIp)) return own(realIp, 15)
  if (realIp.length <= 100) {
    // A zone index (`fe80::1%eth0`) names the interface, not the client.
    const pct = realIp.indexOf('%')
    const ip = pct === -1 ? realIp : realIp.slice(0, pct)
    if (isIPv6(ip)) return ipv6Key(ip)
  }
  return own(realIp, MAX_OTHER_KEY)
}

function ipv6Key (ip: string): string {
  const g = groups(ip)
  // ::ffff:0:0/96 is IPv4-mapped (RFC 4291 §2.5.5.2).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`
  }
  // The last four groups of the prefix are zero, so RFC 5952 compresses the longest zero run from there on:
  // the trailing zero groups of the first four, and the host part.
  let last = 3
  while (last >= 0 && g[last] === 0) last--
  let out = ''
  for (let i = 0; i <= last; i++) out += (i === 0 ? '' : ':') + g[i].toString(16)
  return own(out + '::/64', 64)
}

/** The eight 16-bit groups of an address `net.isIPv6` accepted (no zone). */
function groups (ip: string): number[] {
  const gap = ip.indexOf('::')
  const head = split(gap === -1 ? ip : ip.slice(0, gap))
  const tail = gap === -1 ? [] : split(ip.slice(gap + 2))
  const out = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  return out.slice(0, 8)
}

/** Hex groups separated by ':'; a dotted IPv4 last part (`::ffff:1.2.3.4`) gives two groups. */
function split (part: string): number[] {
  if (part === '') return []
  const out: number[] = []
  for (const group of part.split(':')) {
    if (group.includes('.')) {
      const b = group.split('.').map(Number)
      out.push((b[0] << 8) | b[1], (b[2] << 8) | b[3])
    } else out.push(parseInt(group, 16))
  }
  return out
}

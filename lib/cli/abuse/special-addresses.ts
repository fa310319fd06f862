/**
 * Addresses no registry holds for a network operator: the IANA special-purpose address registries (IPv4 and
 * IPv6, RFC 6890 and the RFCs since), multicast, and IPv6 outside the global unicast space. An abuse desk
 * cannot be asked about them, so they are answered without a lookup.
 */
import { createIpSet, parseIpEntry, quote, type IpSet } from '../../respond/ip-set.js'

/** A source key read as the address a registry would be asked about. */
export type AddressReading =
  /** A public address, in its canonical form (IPv6 compressed as RFC 5952 writes it). */
  | { readonly kind: 'public', readonly address: string }
  /** An address of a special purpose; `purpose` names it (`private-use (RFC 1918)`). */
  | { readonly kind: 'special', readonly address: string, readonly purpose: string }
  /** Not an address; `reason` says why. */
  | { readonly kind: 'invalid', readonly reason: string }

// Every entry of both registries is listed, the globally reachable ones too (AS112, anycast relays): they
// belong to a protocol, not to a network with an abuse desk.
const SPECIAL_BLOCKS: ReadonlyArray<readonly [block: string, purpose: string]> = [
  ['0.0.0.0/8', '"this network" (RFC 791)'],
  ['10.0.0.0/8', 'private-use (RFC 1918)'],
  ['100.64.0.0/10', 'shared address space of carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback (RFC 1122)'],
  ['169.254.0.0/16', 'link-local (RFC 3927)'],
  ['172.16.0.0/12', 'private-use (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.0/24', 'documentation, TEST-NET-1 (RFC 5737)'],
  ['192.31.196.0/24', 'AS112 DNS service (RFC 7535)'],
  ['192.52.193.0/24', 'automatic multicast tunneling (RFC 7450)'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast (RFC 7526)'],
  ['192.168.0.0/16', 'private-use (RFC 1918)'],
  ['192.175.48.0/24', 'AS112 direct delegation service (RFC 7534)'],
  ['198.18.0.0/15', 'benchmarking (RFC 2544)'],
  ['198.51.100.0/24', 'documentation, TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0/24', 'documentation, TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0/4', 'multicast (RFC 5771)'],
  ['240.0.0.0/4', 'reserved (RFC 1112)'],
  ['255.255.255.255/32', 'limited broadcast (RFC 919)'],
  ['::/128', 'unspecified (RFC 4291)'],
  ['::1/128', 'loopback (RFC 4291)'],
  ['64:ff9b::/96', 'IPv4/IPv6 translation (RFC 6052)'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation (RFC 8215)'],
  ['100::/64', 'discard-only (RFC 6666)'],
  ['100:0:0:1::/64', 'dummy IPv6 prefix (RFC 9780)'],
  ['2001::/23', 'IETF protocol assignments (RFC 2928)'],
  ['2001::/32', 'Teredo (RFC 4380)'],
  ['2001:1::1/128', 'Port Control Protocol anycast (RFC 7723)'],
  ['2001:1::2/128', 'TURN anycast (RFC 8155)'],
  ['2001:1::3/128', 'DNS-SD service registration anycast (RFC 9665)'],
  ['2001:2::/48', 'benchmarking (RFC 5180)'],
  ['2001:3::/32', 'automatic multicast tunneling (RFC 7450)'],
  ['2001:4:112::/48', 'AS112 DNS service (RFC 7535)'],
  ['2001:10::/28', 'deprecated ORCHID (RFC 4843)'],
  ['2001:20::/28', 'ORCHIDv2 (RFC 7343)'],
  ['2001:30::/28', 'drone remote ID entity tags (RFC 9374)'],
  ['2001:db8::/32', 'documentation (RFC 3849)'],
  ['2002::/16', '6to4 (RFC 3056)'],
  ['2620:4f:8000::/48', 'AS112 direct delegation service (RFC 7534)'],
  ['3fff::/20', 'documentation (RFC 9637)'],
  ['5f00::/16', 'segment routing SIDs (RFC 9602)'],
  ['fc00::/7', 'unique local (RFC 4193)'],
  ['fe80::/10', 'link-local (RFC 4291)'],
  ['ff00::/8', 'multicast (RFC 4291)']
]

/** The blocks, most specific first, so that an address is named by the narrowest block holding it. */
const SPECIAL: ReadonlyArray<{ readonly set: IpSet, readonly purpose: string }> = SPECIAL_BLOCKS
  .map(([block, purpose]) => ({ set: createIpSet([block], 'special'), purpose, prefix: parseIpEntry(block, 'special').prefix }))
  .sort((a, b) => b.prefix - a.prefix)

// IANA allocates IPv6 to the registries from 2000::/3 only (IPv6 Address Space registry); the rest is
// reserved by the IETF.
const GLOBAL_UNICAST_V6 = createIpSet(['2000::/3'], 'global unicast')

/** Four 32-bit words as an IPv6 address compressed as RFC 5952 writes it (longest run of zero groups, first on a tie). */
function formatV6 (words: Uint32Array): string {
  const groups: number[] = []
  for (const word of words) groups.push(word >>> 16, word & 0xffff)
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) { bestStart = i; bestLength = j - i }
    i = j
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':')
  return bestStart === -1 ? hex(0, 8) : `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`
}

/** The special purpose of a canonical address, or undefined for a public one. */
function specialPurpose (address: string): string | undefined {
  for (const { set, purpose } of SPECIAL) {
    if (set.has(address)) return purpose
  }
  if (address.includes(':') && !GLOBAL_UNICAST_V6.has(address)) return 'reserved by the IETF, outside IPv6 global unicast 2000::/3 (RFC 4291)'
  return undefined
}

/**
 * Reads a report's source key: an IPv4 or IPv6 address (a zone id dropped; IPv4-mapped IPv6 read as the IPv4
 * address), or an IPv6 /64 key (`2001:db8:1:2::/64`), read as its network address.
 */
export function readSourceAddress (key: string): AddressReading {
  const invalid = (why: string): AddressReading => ({ kind: 'invalid', reason: `${quote(key)} ${why}` })
  if (typeof key !== 'string') return invalid('is not an IP address')
  const slash = key.indexOf('/')
  const zone = key.indexOf('%')
  const text = zone !== -1 && slash === -1 ? key.slice(0, zone) : key
  let block
  try {
    block = parseIpEntry(text, 'source')
  } catch {
    return invalid('is not an IP address')
  }
  if (slash !== -1 && !(block.v6 && block.prefix === 64)) {
    return invalid('is a block; only an address or an IPv6 /64 key can be looked up')
  }
  const address = block.v6
    ? formatV6(block.words)
    : `${block.words[0] >>> 24}.${(block.words[0] >>> 16) & 255}.${(block.words[0] >>> 8) & 255}.${block.words[0] & 255}`
  const purpose = specialPurpose(address)
  return purpose === undefined ? { kind: 'public', address } : { kind: 'special', address, purpose }
}

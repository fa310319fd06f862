import { createHmac } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'
import type { FastifyRequest } from 'fastify'
import type { IpPrivacy } from '../options.js'

/**
 * Normalises an address as @fastify/rate-limit does: lowercase, IPv4-mapped IPv6 (`::ffff:a.b.c.d`)
 * as plain IPv4, so one client has one spelling in records, rules and counters.
 */
export function normaliseIp (address: string | undefined): string {
  if (address === undefined) return ''
  if (address.length > 7 && address.charCodeAt(0) === 58 && address.startsWith('::ffff:') && isIPv4(address.slice(7))) {
    return address.slice(7)
  }
  return address.includes(':') ? address.toLowerCase() : address
}

/** The addresses Fastify resolves for a request: the socket peer, the client, the forwarded chain. */
export interface ClientAddresses {
  /** The socket peer (a load balancer when there is one). */
  ip: string
  /** The client, as Fastify's trustProxy resolves it. */
  realIp: string
  /** The forwarded chain, closest first (peer first), when the peer is a trusted proxy; otherwise empty. */
  ips: string[]
  /** Whether the socket peer passes Fastify's trustProxy test. */
  peerTrusted: boolean
}

// A stand-in request whose only forwarded hop is a placeholder: see peerIsTrusted.
const PROBE_HEADERS = Object.freeze({ 'x-forwarded-for': '192.0.2.1' })

/**
 * Fastify does not expose its trustProxy function. Its `ips` getter returns proxy-addr's `all(raw, trust)`,
 * which walks past the socket address only when trust(peer, 0) holds; asked about a stand-in carrying
 * the real peer and one forwarded hop, it answers with exactly Fastify's verdict on the peer.
 */
function peerIsTrusted (request: FastifyRequest, peer: string | undefined): boolean {
  const probe = { raw: { socket: { remoteAddress: peer }, headers: PROBE_HEADERS } }
  const chain = Reflect.get(request, 'ips', probe) as string[] | undefined
  return chain !== undefined && chain.length > 1
}

/**
 * Reads the addresses once per request. Without trustProxy Fastify defines no `ips`, and nothing is
 * trusted. With it, `ips` is read once (each read re-parses X-Forwarded-For) and realIp is its last entry,
 * which is exactly what Fastify's own `request.ip` returns.
 */
export function clientAddresses (request: FastifyRequest, needPeerTrust: boolean): ClientAddresses {
  const peer = request.raw.socket?.remoteAddress
  const ip = normaliseIp(peer)
  const chain = request.ips
  if (chain === undefined || chain.length < 2) {
    const peerTrusted = chain !== undefined && needPeerTrust && peerIsTrusted(request, peer)
    return { ip, realIp: ip, ips: peerTrusted ? [ip] : [], peerTrusted }
  }
  const ips = chain.map(normaliseIp)
  return { ip, realIp: ips[ips.length - 1], ips, peerTrusted: true }
}

function truncateIpv6 (address: string): string {
  const zone = address.indexOf('%')
  const bare = zone === -1 ? address : address.slice(0, zone)
  const [head, tail] = bare.split('::')
  const groups = head === '' ? [] : head.split(':')
  if (tail === undefined || groups.length >= 3) return `${groups.slice(0, 3).join(':')}::`
  // '::' inside the first three groups: the missing groups are zeros.
  const rest = tail === '' ? [] : tail.split(':')
  const missing = 8 - groups.length - rest.length
  const full = [...groups, ...Array(missing).fill('0'), ...rest]
  return `${full.slice(0, 3).map((g) => g === '' ? '0' : g).join(':')}::`
}

/** Returns the function that turns an address into what the record keeps of it. */
export function createIpMasker (mode: IpPrivacy, hmacKey: Buffer | undefined): (address: string) => string | undefined {
  switch (mode) {
    case 'full': return (address) => address
    case 'none': return () => undefined
    case 'hmac': return (address) => createHmac('sha256', hmacKey as Buffer).update(address).digest('hex')
    case 'truncate': return (address) => {
      if (isIPv4(address)) return address.slice(0, address.lastIndexOf('.')) + '.0'
      if (isIPv6(address)) return truncateIpv6(address)
      return undefined
    }
  }
}

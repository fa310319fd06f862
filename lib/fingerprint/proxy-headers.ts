import type { IncomingHttpHeaders } from 'node:http'
import { md5Hex } from './hash.js'

/**
 * Header names through which a proxy or CDN forwards client fingerprints. Each list is tried in order
 * and the first header present wins. A JA3 header may carry the raw JA3 string or its MD5.
 */
export interface FingerprintHeaderNames {
  /** Header(s) carrying the JA3 string or its MD5 hash. */
  ja3?: string | string[]
  /** Header(s) carrying the JA4 fingerprint. */
  ja4?: string | string[]
  /** Header(s) carrying the Akamai-format HTTP/2 fingerprint. */
  h2?: string | string[]
}

/** Names of the built-in header presets. */
export type FingerprintHeaderPreset = 'nginx-ssl-fingerprint' | 'fingerproxy' | 'cloudfront' | 'cloudflare'

/**
 * nginx-ssl-fingerprint exposes variables ($http_ssl_ja3, $http_ssl_ja3_hash, $http_ssl_ja4,
 * $http2_fingerprint) and the operator names the headers: the preset uses the names of
 * examples/nginx/nginx.conf. fingerproxy and CloudFront use fixed names. Cloudflare sends cf-ja3-hash;
 * its JA4 needs a transform rule, for which the preset expects the name cf-ja4.
 */
export const FINGERPRINT_HEADER_PRESETS: Readonly<Record<FingerprintHeaderPreset, FingerprintHeaderNames>> = Object.freeze({
  'nginx-ssl-fingerprint': { ja3: ['x-ssl-ja3', 'x-ssl-ja3-hash'], ja4: 'x-ssl-ja4', h2: 'x-http2-fingerprint' },
  fingerproxy: { ja3: 'x-ja3-fingerprint', ja4: 'x-ja4-fingerprint', h2: 'x-http2-fingerprint' },
  cloudfront: { ja3: 'cloudfront-viewer-ja3-fingerprint', ja4: 'cloudfront-viewer-ja4-fingerprint' },
  cloudflare: { ja3: 'cf-ja3-hash', ja4: 'cf-ja4' }
})

/** Fingerprints read from proxy headers; `invalid` counts values present but malformed. */
export interface HeaderFingerprints {
  ssl: string | undefined
  sslh: string | undefined
  ja4: string | undefined
  h2: string | undefined
  invalid: number
}

const MAX_JA3_LENGTH = 8192
const MAX_H2_LENGTH = 2048
// JA4 part a: protocol, 2-char version, SNI flag, 2-digit counts, 2-char ALPN; then two 12-hex hashes.
const JA4 = /^[tqd][0-9a-z]{2}[di][0-9]{4}[0-9A-Za-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/
const MD5 = /^[0-9a-f]{32}$/i
// Akamai format S|WU|P|PS; no nested quantifiers, so matching is linear in the (capped) length.
const H2 = /^[0-9:;]*\|[0-9]+\|[0-9:,]*\|[masp,]*$/

/** A JA3 string: decimal numbers, `-` inside a field, exactly five fields separated by `,`. */
export function isJa3String (value: string): boolean {
  if (value.length === 0 || value.length > MAX_JA3_LENGTH) return false
  let commas = 0
  let previous = ','
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c >= 48 && c <= 57) { previous = 'd'; continue }
    // '-' only between two numbers, ',' never right after '-'
    if (previous === '-' || (c !== 44 && (c !== 45 || previous !== 'd'))) return false
    if (c === 44) commas++
    previous = c === 44 ? ',' : '-'
  }
  // The version field must hold a number and no field may end with '-'.
  return commas === 4 && previous !== '-' && value.charCodeAt(0) !== 44
}

function firstHeader (headers: IncomingHttpHeaders, names: string[]): string | undefined {
  for (let i = 0; i < names.length; i++) {
    const value = headers[names[i]]
    // A header sent twice is ambiguous evidence; Node joins most duplicates with ', ', which fails validation.
    if (typeof value === 'string') return value.trim()
    if (Array.isArray(value)) return value.join(', ')
  }
  return undefined
}

/** True when any of the configured fingerprint headers is present on the request. */
export function hasFingerprintHeader (headers: IncomingHttpHeaders, names: { ja3: string[], ja4: string[], h2: string[] }): boolean {
  return firstHeader(headers, names.ja3) !== undefined || firstHeader(headers, names.ja4) !== undefined ||
    firstHeader(headers, names.h2) !== undefined
}

/** Reads and validates the fingerprint headers a trusted proxy sent; malformed values are dropped and counted. */
export function readFingerprintHeaders (headers: IncomingHttpHeaders, names: { ja3: string[], ja4: string[], h2: string[] }): HeaderFingerprints {
  const result: HeaderFingerprints = { ssl: undefined, sslh: undefined, ja4: undefined, h2: undefined, invalid: 0 }
  const ja3 = firstHeader(headers, names.ja3)
  if (ja3 !== undefined) {
    if (ja3.length === 32 && MD5.test(ja3)) result.sslh = ja3.toLowerCase()
    else if (isJa3String(ja3)) { result.ssl = ja3; result.sslh = md5Hex(ja3) } else result.invalid++
  }
  const ja4 = firstHeader(headers, names.ja4)
  if (ja4 !== undefined) {
    if (ja4.length === 36 && JA4.test(ja4)) result.ja4 = ja4
    else result.invalid++
  }
  const h2 = firstHeader(headers, names.h2)
  if (h2 !== undefined) {
    if (h2.length <= MAX_H2_LENGTH && H2.test(h2)) result.h2 = h2
    else result.invalid++
  }
  return result
}

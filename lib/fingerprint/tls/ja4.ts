import * as crypto from 'node:crypto'
import type { ClientHello } from './client-hello.js'
import { isGrease } from './grease.js'

/** The four JA4 forms (FoxIO JA4, TLS client; BSD-3-Clause). */
export interface Ja4 {
  /** `a_b_c`: sorted lists, hashed. */
  ja4: string
  /** Sorted lists, not hashed. */
  ja4_r: string
  /** Lists in wire order (SNI and ALPN kept), hashed. */
  ja4_o: string
  /** Lists in wire order, not hashed. */
  ja4_ro: string
}

/** `t` for TLS over TCP, `q` for QUIC, `d` for DTLS. */
export type Ja4Protocol = 't' | 'q' | 'd'

const VERSIONS: Record<number, string> = {
  0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3'
}
const EMPTY_HASH = '000000000000'

function hex4 (value: number): string {
  return value.toString(16).padStart(4, '0')
}

// crypto.hash() (Node 20.12 on) hashes in one call, without a Hash object: a fingerprint takes four.
const sha256Hex: (text: string) => string = typeof (crypto as { hash?: unknown }).hash === 'function'
  ? (text) => (crypto as unknown as { hash: (algorithm: string, data: string) => string }).hash('sha256', text)
  : (text) => crypto.createHash('sha256').update(text).digest('hex')

function hash12 (text: string): string {
  return sha256Hex(text).slice(0, 12)
}

function twoDigits (count: number): string {
  return String(Math.min(count, 99)).padStart(2, '0')
}

function isAlphanumeric (byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
}

/**
 * First and last character of the first ALPN value; `00` without one. A byte that is not an ASCII letter
 * or digit would break the fingerprint's format, so then the first and last hex digits of the value are
 * used instead (JA4.md, 2026-01: 0xAB → `ab`, 0xAB 0xCD → `ad`).
 */
function alpnChars (alpn: readonly Buffer[]): string {
  const first = alpn[0]
  if (first === undefined || first.length === 0) return '00'
  const a = first[0] as number
  const z = first[first.length - 1] as number
  if (isAlphanumeric(a) && isAlphanumeric(z)) return String.fromCharCode(a, z)
  const hex = first.toString('hex')
  return (hex[0] as string) + (hex[hex.length - 1] as string)
}

/** The version: the highest non-GREASE supported_versions value when that extension is sent, else legacy_version. */
function versionOf (hello: ClientHello): string {
  const offered = hello.supportedVersions.filter((v) => !isGrease(v))
  const version = offered.length > 0 ? Math.max(...offered) : hello.legacyVersion
  return VERSIONS[version] ?? '00'
}

/** The parts every JA4 form is made of. */
function partsOf (hello: ClientHello, protocol: Ja4Protocol): { a: string, ciphers: string[], extensions: string[], signatures: string } {
  const ciphers = hello.ciphers.filter((v) => !isGrease(v)).map(hex4)
  const extensions = hello.extensions.filter((v) => !isGrease(v)).map(hex4)
  const a = protocol + versionOf(hello) + (hello.extensions.includes(0x0000) ? 'd' : 'i') +
    twoDigits(ciphers.length) + twoDigits(extensions.length) + alpnChars(hello.alpn)
  return { a, ciphers, extensions, signatures: hello.signatureAlgorithms.filter((v) => !isGrease(v)).map(hex4).join(',') }
}

function withSignatures (list: string, signatures: string): string {
  return signatures === '' ? list : `${list}_${signatures}`
}

/** The sorted lists of `ja4` and `ja4_r`: all ciphers; the extensions without SNI (0000) and ALPN (0010). */
function sortedLists (ciphers: string[], extensions: string[]): { ciphers: string, extensions: string[] } {
  return { ciphers: [...ciphers].sort().join(','), extensions: extensions.filter((e) => e !== '0000' && e !== '0010').sort() }
}

/** `ja4` and the unhashed lists it is made of (`ja4_r` is `a_b_c` of those lists). */
function sortedForm (hello: ClientHello, protocol: Ja4Protocol): { a: string, b: string, c: string, ja4: string, parts: ReturnType<typeof partsOf> } {
  const parts = partsOf(hello, protocol)
  const { a, ciphers, extensions, signatures } = parts
  const sorted = sortedLists(ciphers, extensions)
  const c = withSignatures(sorted.extensions.join(','), signatures)
  const ja4 = `${a}_${ciphers.length === 0 ? EMPTY_HASH : hash12(sorted.ciphers)}_${sorted.extensions.length === 0 ? EMPTY_HASH : hash12(c)}`
  return { a, b: sorted.ciphers, c, ja4, parts }
}

/** JA4 of a ClientHello, exact to FoxIO's JA4.md: the fingerprint a connection is known by. */
export function calculateJa4 (hello: ClientHello, protocol: Ja4Protocol = 't'): string {
  return sortedForm(hello, protocol).ja4
}

/** All four JA4 forms; the raw and original-order ones explain a fingerprint, and cost two more hashes. */
export function calculateJa4Forms (hello: ClientHello, protocol: Ja4Protocol = 't'): Ja4 {
  const { a, b, c, ja4, parts: { ciphers, extensions, signatures } } = sortedForm(hello, protocol)
  const originalCiphers = ciphers.join(',')
  const originalExtensions = withSignatures(extensions.join(','), signatures)
  return {
    ja4,
    ja4_r: `${a}_${b}_${c}`,
    ja4_o: `${a}_${ciphers.length === 0 ? EMPTY_HASH : hash12(originalCiphers)}_${extensions.length === 0 ? EMPTY_HASH : hash12(originalExtensions)}`,
    ja4_ro: `${a}_${originalCiphers}_${originalExtensions}`
  }
}

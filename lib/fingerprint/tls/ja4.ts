import type { ClientHello } from './client-hello.js'
import { fingerprintText } from './fingerprint-text.js'
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

const COMMA = 0x2c
const UNDERSCORE = 0x5f

/** The values as comma-separated four-digit lowercase hex, in the order given. */
function hexList (values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (i !== 0) fingerprintText.char(COMMA)
    fingerprintText.hex4(values[i] as number)
  }
}

/** The first 12 hex digits of the SHA-256 of the text written. */
function hash12 (): string {
  return fingerprintText.hash('sha256').slice(0, 12)
}

// Loops rather than Array.prototype.filter: a callback per value cost more than the rest of the list work
// (callgrind, per new TLS connection).
function withoutGrease (values: readonly number[]): number[] {
  const kept: number[] = []
  for (const value of values) if (!isGrease(value)) kept.push(value)
  return kept
}

/**
 * The numbers in the order JA4.md sorts their hex strings: four lowercase hex digits sort as the numbers
 * they stand for, and a Uint16Array sorts numerically.
 */
function sortedAsHex (values: readonly number[]): Uint16Array {
  return new Uint16Array(values).sort()
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
  let highest = -1
  for (const value of hello.supportedVersions) if (!isGrease(value) && value > highest) highest = value
  return VERSIONS[highest === -1 ? hello.legacyVersion : highest] ?? '00'
}

/** The parts every JA4 form is made of: `a`, and the lists without GREASE, in wire order. */
interface Parts {
  a: string
  ciphers: number[]
  extensions: number[]
  /** signature_algorithms: JA4.md keeps them in wire order, also in the sorted forms. */
  signatures: number[]
}

function partsOf (hello: ClientHello, protocol: Ja4Protocol): Parts {
  const ciphers = withoutGrease(hello.ciphers)
  const extensions = withoutGrease(hello.extensions)
  const a = protocol + versionOf(hello) + (hello.extensions.includes(0x0000) ? 'd' : 'i') +
    twoDigits(ciphers.length) + twoDigits(extensions.length) + alpnChars(hello.alpn)
  return { a, ciphers, extensions, signatures: withoutGrease(hello.signatureAlgorithms) }
}

/**
 * `a_b_c`: b the ciphers, c the extensions then `_` and the signature algorithms when there are any; as
 * hex lists, or hashed (12 hex digits of SHA-256; all zeros for an empty cipher or extension list).
 */
function form (a: string, ciphers: ArrayLike<number>, extensions: ArrayLike<number>, signatures: readonly number[], hashed: boolean): string {
  // Four hex digits and a separator per value.
  fingerprintText.reset(5 * ciphers.length)
  hexList(ciphers)
  const b = !hashed ? fingerprintText.text() : ciphers.length === 0 ? EMPTY_HASH : hash12()
  fingerprintText.reset(5 * (extensions.length + signatures.length))
  hexList(extensions)
  if (signatures.length > 0) {
    fingerprintText.char(UNDERSCORE)
    hexList(signatures)
  }
  const c = !hashed ? fingerprintText.text() : extensions.length === 0 ? EMPTY_HASH : hash12()
  return `${a}_${b}_${c}`
}

/** The sorted lists of `ja4` and `ja4_r`: all ciphers; the extensions without SNI (0000) and ALPN (0010). */
function sortedLists ({ ciphers, extensions }: Parts): { ciphers: Uint16Array, extensions: Uint16Array } {
  const kept: number[] = []
  for (const extension of extensions) if (extension !== 0x0000 && extension !== 0x0010) kept.push(extension)
  return { ciphers: sortedAsHex(ciphers), extensions: sortedAsHex(kept) }
}

/** JA4 of a ClientHello, exact to FoxIO's JA4.md: the fingerprint a connection is known by. */
export function calculateJa4 (hello: ClientHello, protocol: Ja4Protocol = 't'): string {
  const parts = partsOf(hello, protocol)
  const sorted = sortedLists(parts)
  return form(parts.a, sorted.ciphers, sorted.extensions, parts.signatures, true)
}

/** All four JA4 forms; the raw and original-order ones explain a fingerprint, and cost two more hashes. */
export function calculateJa4Forms (hello: ClientHello, protocol: Ja4Protocol = 't'): Ja4 {
  const parts = partsOf(hello, protocol)
  const { a, ciphers, extensions, signatures } = parts
  const sorted = sortedLists(parts)
  return {
    ja4: form(a, sorted.ciphers, sorted.extensions, signatures, true),
    ja4_r: form(a, sorted.ciphers, sorted.extensions, signatures, false),
    ja4_o: form(a, ciphers, extensions, signatures, true),
    ja4_ro: form(a, ciphers, extensions, signatures, false)
  }
}

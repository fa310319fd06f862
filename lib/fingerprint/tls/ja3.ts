import type { ClientHello } from './client-hello.js'
import { fingerprintText } from './fingerprint-text.js'
import { isGrease } from './grease.js'

const COMMA = 0x2c
const DASH = 0x2d

/** The values in decimal, dash-separated, GREASE left out. */
function decimals (values: readonly number[]): void {
  let first = true
  for (const value of values) {
    if (isGrease(value)) continue
    if (!first) fingerprintText.char(DASH)
    fingerprintText.decimal(value)
    first = false
  }
}

/**
 * Writes the JA3 string (salesforce/ja3): `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`
 * in decimal, wire order, GREASE left out. SSLVersion is the hello's own legacy_version, not the record
 * version and not supported_versions. Empty fields stay empty.
 */
function writeJa3 (hello: ClientHello): void {
  // The version and four commas, then at most five digits and a dash per value.
  fingerprintText.reset(9 + 6 * (hello.ciphers.length + hello.extensions.length + hello.groups.length + hello.pointFormats.length))
  fingerprintText.decimal(hello.legacyVersion)
  fingerprintText.char(COMMA)
  decimals(hello.ciphers)
  fingerprintText.char(COMMA)
  decimals(hello.extensions)
  fingerprintText.char(COMMA)
  decimals(hello.groups)
  fingerprintText.char(COMMA)
  decimals(hello.pointFormats)
}

/** The JA3 string. */
export function ja3String (hello: ClientHello): string {
  writeJa3(hello)
  return fingerprintText.text()
}

/** JA3: the JA3 string and its lowercase hex MD5. */
export function calculateJa3 (hello: ClientHello): { ja3: string, ja3Hash: string } {
  writeJa3(hello)
  const ja3 = fingerprintText.text()
  return { ja3, ja3Hash: fingerprintText.hash('md5', ja3) }
}

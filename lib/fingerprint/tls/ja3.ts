import { md5Hex } from '../hash.js'
import type { ClientHello } from './client-hello.js'
import { isGrease } from './grease.js'

function decimals (values: readonly number[]): string {
  return values.filter((v) => !isGrease(v)).join('-')
}

/**
 * The JA3 string (salesforce/ja3): `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`
 * in decimal, wire order, GREASE left out. SSLVersion is the hello's own legacy_version, not the record
 * version and not supported_versions. Empty fields stay empty.
 */
export function ja3String (hello: ClientHello): string {
  return `${hello.legacyVersion},${decimals(hello.ciphers)},${decimals(hello.extensions)},${decimals(hello.groups)},${hello.pointFormats.join('-')}`
}

/** JA3: the lowercase hex MD5 of the JA3 string. */
export function calculateJa3 (hello: ClientHello): { ja3: string, ja3Hash: string } {
  const ja3 = ja3String(hello)
  return { ja3, ja3Hash: md5Hex(ja3) }
}

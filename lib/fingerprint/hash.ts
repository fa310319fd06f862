import { createHash } from 'node:crypto'
import type { XXHashAPI } from 'xxhash-wasm' with { 'resolution-mode': 'import' }

// xxhash-wasm ships a CommonJS build but one set of ES-module typings, so the require is typed by hand.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xxhash = require('xxhash-wasm') as () => Promise<XXHashAPI>

/** A string hasher returning xxhash64 as 16 lowercase hex digits. */
export type Hash64 = (input: string) => string

let loading: Promise<Hash64> | undefined

/**
 * Instantiates the xxhash WebAssembly module once per process; every plugin instance shares it.
 * `h64ToString` is used rather than `h64` because `h64` returns a BigInt, which JSON cannot serialise.
 */
export function loadHash64 (): Promise<Hash64> {
  loading ??= xxhash().then((api) => (input: string) => api.h64ToString(input))
  return loading
}

/** The standard JA3 fingerprint: lowercase hex MD5 of the JA3 string, so it matches public JA3 lists. */
export function md5Hex (input: string): string {
  return createHash('md5').update(input, 'latin1').digest('hex')
}

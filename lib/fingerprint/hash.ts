import { createHash } from 'node:crypto'
import { memoizeByString } from './memo.js'
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

/**
 * Wraps `hash64` with a bounded LRU keyed by the value. Header values such as Accept and the header order
 * repeat across requests; a Map lookup costs less than encoding the value into WebAssembly memory and
 * printing the 64-bit result as hex.
 */
export function createCachedHash64 (hash64: Hash64, size: number): Hash64 {
  return memoizeByString(size, hash64)
}

/** The standard JA3 fingerprint: lowercase hex MD5 of the JA3 string, so it matches public JA3 lists. */
export function md5Hex (input: string): string {
  return createHash('md5').update(input, 'latin1').digest('hex')
}

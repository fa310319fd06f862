import { createHash } from 'node:crypto'
import { LruMap } from 'toad-cache'
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

/** Values longer than this are hashed every time: a cache of huge one-off values would only hold memory. */
export const MAX_CACHED_LENGTH = 512

/**
 * Wraps `hash64` with a bounded LRU keyed by the value itself. Header values such as Accept and the header
 * order repeat across requests; a Map lookup (V8's own seeded string hash, an exact key comparison) costs
 * less than encoding the value into WebAssembly memory and printing the 64-bit result as hex.
 */
export function createCachedHash64 (hash64: Hash64, size: number): Hash64 {
  if (size === 0) return hash64
  const cache = new LruMap<string>(size)
  return function cachedHash64 (input) {
    if (input.length > MAX_CACHED_LENGTH) return hash64(input)
    let hash = cache.get(input)
    if (hash === undefined) {
      hash = hash64(input)
      cache.set(input, hash)
    }
    return hash
  }
}

/** The standard JA3 fingerprint: lowercase hex MD5 of the JA3 string, so it matches public JA3 lists. */
export function md5Hex (input: string): string {
  return createHash('md5').update(input, 'latin1').digest('hex')
}

import { LruMap } from 'toad-cache'

/** Values longer than this are computed every time: a cache of huge one-off values would only hold memory. */
export const MAX_CACHED_LENGTH = 512

/**
 * Wraps `compute` with a bounded LRU keyed by the input string itself (V8's seeded string hash, an exact key
 * comparison: two inputs never share an entry). `size` 0 turns the cache off.
 */
export function memoizeByString<T> (size: number, compute: (input: string) => T): (input: string) => T {
  if (size === 0) return compute
  const cache = new LruMap<T>(size)
  return function memoized (input) {
    if (input.length > MAX_CACHED_LENGTH) return compute(input)
    let value = cache.get(input)
    if (value === undefined) {
      value = compute(input)
      cache.set(input, value)
    }
    return value
  }
}

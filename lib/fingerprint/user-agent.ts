import { Lru } from 'toad-cache'
import { UAParser } from 'ua-parser-js'

/** A User-Agent parsed by ua-parser-js 1.x. Objects are frozen: one instance is shared by all requests with that User-Agent. */
export interface UserAgentInfo {
  browser: { name?: string, version?: string, major?: string }
  engine: { name?: string, version?: string }
  os: { name?: string, version?: string }
  device: { vendor?: string, model?: string, type?: string }
  cpu: { architecture?: string }
}

/** Parses a User-Agent, with results cached by the User-Agent's hash. */
export type ParseUserAgent = (ua: string, uah: string) => UserAgentInfo

// ua-parser-js reads at most its first 500 characters; longer strings are parsed but not cached, so that
// a flood of huge distinct User-Agents cannot grow the cache beyond userAgentCacheSize × this length.
const MAX_CACHED_LENGTH = 512

interface CacheEntry { ua: string, info: UserAgentInfo }

function freeze (result: UAParser.IResult): UserAgentInfo {
  return Object.freeze({
    browser: Object.freeze({ name: result.browser.name, version: result.browser.version, major: result.browser.major }),
    engine: Object.freeze({ name: result.engine.name, version: result.engine.version }),
    os: Object.freeze({ name: result.os.name, version: result.os.version }),
    device: Object.freeze({ vendor: result.device.vendor, model: result.device.model, type: result.device.type }),
    cpu: Object.freeze({ architecture: result.cpu.architecture })
  })
}

/** Returns a parser keeping up to `cacheSize` parsed User-Agents in an LRU (0 turns the cache off). */
export function createUserAgentParser (cacheSize: number): ParseUserAgent {
  const parser = new UAParser()
  const parse = (ua: string): UserAgentInfo => freeze(parser.setUA(ua).getResult())
  if (cacheSize === 0) return parse
  const cache = new Lru<CacheEntry>(cacheSize)

  return function parseUserAgent (ua, uah) {
    const hit = cache.get(uah)
    // The hash is xxhash64, which is not collision resistant: compare the string before trusting a hit.
    if (hit !== undefined && hit.ua === ua) return hit.info
    const info = parse(ua)
    if (ua.length <= MAX_CACHED_LENGTH) cache.set(uah, { ua, info })
    return info
  }
}

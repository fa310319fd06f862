import { UAParser } from 'ua-parser-js'
import type { Hash64 } from './hash.js'
import { memoizeByString } from './memo.js'

/** A User-Agent parsed by ua-parser-js 1.x. Objects are frozen: one instance is shared by all requests with that User-Agent. */
export interface UserAgentInfo {
  browser: { name?: string, version?: string, major?: string }
  engine: { name?: string, version?: string }
  os: { name?: string, version?: string }
  device: { vendor?: string, model?: string, type?: string }
  cpu: { architecture?: string }
}

/** A User-Agent's hash (`uah`) and parse (`uai`). */
export interface UserAgentFingerprint {
  readonly uah: string
  readonly uai: UserAgentInfo
}

/** Fingerprints a User-Agent, with results cached. */
export type FingerprintUserAgent = (ua: string) => UserAgentFingerprint

function freeze (result: UAParser.IResult): UserAgentInfo {
  return Object.freeze({
    browser: Object.freeze({ name: result.browser.name, version: result.browser.version, major: result.browser.major }),
    engine: Object.freeze({ name: result.engine.name, version: result.engine.version }),
    os: Object.freeze({ name: result.os.name, version: result.os.version }),
    device: Object.freeze({ vendor: result.device.vendor, model: result.device.model, type: result.device.type }),
    cpu: Object.freeze({ architecture: result.cpu.architecture })
  })
}

/**
 * Returns a User-Agent fingerprinter keeping up to `cacheSize` results in an LRU (0 turns the cache off).
 * ua-parser-js costs tens of µs per call inside a server (reference/performance.md), and a few User-Agents
 * make most of any traffic. The cache is keyed by the User-Agent itself, hashed by V8's Map: exact key
 * comparison, so two User-Agents never share an entry, and the xxhash64 `uah` is kept in the entry.
 * ua-parser-js reads at most 500 characters; longer User-Agents are fingerprinted but not cached, so a flood
 * of huge distinct User-Agents cannot grow the cache beyond cacheSize × MAX_CACHED_LENGTH (memo.ts).
 */
export function createUserAgentFingerprinter (cacheSize: number, hash64: Hash64): FingerprintUserAgent {
  const parser = new UAParser()
  const fingerprint = (ua: string): UserAgentFingerprint =>
    Object.freeze({ uah: hash64(ua), uai: freeze(parser.setUA(ua).getResult()) })
  return memoizeByString(cacheSize, fingerprint)
}

// A User-Agent's first product token and the leading digits of its version; anchored and bounded.
const PRODUCT = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64})(?:\/v?([0-9]{1,9}))?/

/** A client's family and major version, as rules (`uaFamily`, `uaVersion`) and reports name them. */
export interface Client {
  readonly family: string | undefined
  readonly major: string | undefined
}

/**
 * The client family: the browser as ua-parser-js names it, else the User-Agent's first product token (RFC
 * 9110 §10.1.5: `product = token ["/" product-version]`), which is how HTTP libraries and tools name
 * themselves (`curl/8.5.0`, `python-requests/2.32.3`, `Go-http-client/1.1`, `sqlmap/1.8`) and which
 * ua-parser-js 1.x leaves unnamed; the major version of the one or the other.
 */
export function clientOf (ua: string | undefined, browser: UserAgentInfo['browser'] | undefined): Client {
  const name = browser?.name
  if (name !== undefined || ua === undefined) return { family: name, major: browser?.major }
  const product = PRODUCT.exec(ua)
  return { family: product?.[1], major: product?.[2] }
}

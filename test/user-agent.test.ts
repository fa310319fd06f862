import { test } from 'tap'
import { createUserAgentFingerprinter } from '../lib/fingerprint/user-agent'
import { createCachedHash64, loadHash64 } from '../lib/fingerprint/hash'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

test('fingerprints are cached and shared, frozen', async (t) => {
  const hash64 = await loadHash64()
  const fingerprint = createUserAgentFingerprinter(10, hash64)
  const a = fingerprint(FIREFOX)
  t.equal(fingerprint(FIREFOX), a, 'the cached object is returned')
  t.ok(Object.isFrozen(a) && Object.isFrozen(a.uai) && Object.isFrozen(a.uai.browser))
  t.equal(a.uah, hash64(FIREFOX))
  t.equal(a.uai.browser.name, 'Firefox')
  t.equal(a.uai.engine.name, 'Gecko')
  t.equal(a.uai.os.name, 'Linux')
  const b = fingerprint(CHROME)
  t.equal(b.uai.browser.name, 'Chrome', 'another User-Agent never gets a cached parse of the first')
  t.not(b.uah, a.uah)
})

test('the cache is bounded and can be turned off', async (t) => {
  const hash64 = await loadHash64()
  const fingerprint = createUserAgentFingerprinter(2, hash64)
  const first = fingerprint('agent/1')
  fingerprint('agent/2')
  fingerprint('agent/3')
  t.not(fingerprint('agent/1'), first, 'the least recently used entry was evicted')
  t.same(fingerprint('agent/1'), first, 'and computed again to the same values')
  const uncached = createUserAgentFingerprinter(0, hash64)
  t.not(uncached(FIREFOX), uncached(FIREFOX))
})

test('User-Agents longer than the parser reads are fingerprinted but not cached', async (t) => {
  const fingerprint = createUserAgentFingerprinter(10, await loadHash64())
  const long = FIREFOX + ' ' + 'x'.repeat(600)
  const a = fingerprint(long)
  t.equal(a.uai.browser.name, 'Firefox')
  t.not(fingerprint(long), a)
})

test('cached header hashes equal the plain hash, long values are not cached', async (t) => {
  const hash64 = await loadHash64()
  let calls = 0
  const counting = (value: string): string => { calls++; return hash64(value) }
  const cached = createCachedHash64(counting, 4)
  t.equal(cached('text/html'), hash64('text/html'))
  t.equal(cached('text/html'), hash64('text/html'))
  t.equal(calls, 1)
  const long = 'a'.repeat(513)
  cached(long)
  cached(long)
  t.equal(calls, 3)
  t.equal(createCachedHash64(counting, 0), counting, 'size 0 turns the cache off')
})

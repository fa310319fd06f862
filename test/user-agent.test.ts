import { test } from 'tap'
import { createUserAgentParser } from '../lib/fingerprint/user-agent'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'

test('parsed User-Agents are cached by hash and shared, frozen', async (t) => {
  const parse = createUserAgentParser(10)
  const a = parse(FIREFOX, 'h1')
  const b = parse(FIREFOX, 'h1')
  t.equal(a, b, 'the cached object is returned')
  t.ok(Object.isFrozen(a) && Object.isFrozen(a.browser))
  t.equal(a.browser.name, 'Firefox')
  t.equal(a.engine.name, 'Gecko')
  t.equal(a.os.name, 'Linux')
})

test('a hash collision never returns another User-Agent\'s parse', async (t) => {
  const parse = createUserAgentParser(10)
  parse(FIREFOX, 'same-hash')
  const other = parse('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'same-hash')
  t.equal(other.browser.name, 'Chrome')
})

test('the cache is bounded and can be turned off', async (t) => {
  const parse = createUserAgentParser(2)
  const first = parse('agent/1', 'k1')
  parse('agent/2', 'k2')
  parse('agent/3', 'k3')
  t.not(parse('agent/1', 'k1'), first, 'the least recently used entry was evicted')
  const uncached = createUserAgentParser(0)
  t.not(uncached(FIREFOX, 'h'), uncached(FIREFOX, 'h'))
})

test('User-Agents longer than the parser reads are parsed but not cached', async (t) => {
  const parse = createUserAgentParser(10)
  const long = FIREFOX + ' ' + 'x'.repeat(600)
  const a = parse(long, 'long')
  t.equal(a.browser.name, 'Firefox')
  t.not(parse(long, 'long'), a)
})

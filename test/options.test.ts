import { test } from 'tap'
import Fastify from 'fastify'
import requestInfo = require('../lib/index')
import { resolveOptions } from '../lib/options'

async function registrationError (options: unknown): Promise<string> {
  const app = Fastify()
  try {
    await app.register(requestInfo, options as any)
    return 'no error'
  } catch (err) {
    return (err as Error).message
  } finally {
    await app.close().catch(() => {})
  }
}

test('invalid options fail registration with a message naming the option and the accepted values', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ shape: 'xml' }, /option shape must be one of 'ecs', 'flat'; got 'xml'/],
    [{ ip: 'maybe' }, /option ip must be one of 'full', 'truncate', 'hmac', 'none'; got 'maybe'/],
    [{ ip: 'hmac' }, /option ipHmacKey is required when option ip is 'hmac'/],
    [{ ip: 'hmac', ipHmacKey: 'short' }, /option ipHmacKey must be at least 16 bytes long; got 5/],
    [{ ipHmacKey: 42 }, /option ipHmacKey must be a string or a Buffer/],
    [{ recordLevel: 'loud' }, /option recordLevel must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace'; got 'loud'/],
    [{ serviceName: '' }, /option serviceName must be a non-empty string; got ''/],
    [{ publicPrefix: 'api' }, /option publicPrefix must be a string starting with '\/' \(or ''\); got 'api'/],
    [{ skip: true }, /option skip must be a function \(request\) => boolean; got true/],
    [{ logQuery: 'yes' }, /option logQuery must be a boolean; got 'yes'/],
    [{ maxValueLength: 10 }, /option maxValueLength must be an integer from 64 to 1048576; got 10/],
    [{ userAgentCacheSize: 1.5 }, /option userAgentCacheSize must be an integer from 0 to 1000000; got 1.5/],
    [{ logger: {} }, /option logger must be a pino logger/],
    [{ fingerprintHeaders: 'akamai' }, /option fingerprintHeaders must name a preset \('nginx-ssl-fingerprint', 'fingerproxy', 'cloudfront', 'cloudflare'\).*got 'akamai'/],
    [{ fingerprintHeaders: { ja5: 'x' } }, /option fingerprintHeaders accepts the keys ja3, ja4, h2; got 'ja5'/],
    [{ fingerprintHeaders: { ja3: 'bad header' } }, /option fingerprintHeaders.ja3 must be a header name or a list of header names; got 'bad header'/],
    [{ fingerprintHeaders: [42] }, /option fingerprintHeaders must name a preset/],
    [{ trustproxy: true }, /unknown option 'trustproxy'; known options are serviceName, /],
    [{ fingerprintHeaders: '__proto__' }, /option fingerprintHeaders must name a preset/]
  ]
  for (const [options, message] of cases) {
    const got = await registrationError(options)
    t.match(got, /^fastify-request-info: /, JSON.stringify(options))
    t.match(got, message, JSON.stringify(options))
  }
})

test('defaults', async (t) => {
  const resolved = resolveOptions(undefined)
  t.equal(resolved.serviceName, 'fastify')
  t.equal(resolved.publicPrefix, '')
  t.equal(resolved.shape, 'ecs')
  t.equal(resolved.ip, 'full')
  t.equal(resolved.logQuery, false)
  t.equal(resolved.recordLevel, 'info')
  t.equal(resolved.maxValueLength, 2048)
  t.equal(resolved.userAgentCacheSize, 1000)
  t.same(resolved.fingerprintHeaders, { ja3: [], ja4: [], h2: [] })
})

test('fingerprint header presets merge, lowercase and without duplicates', async (t) => {
  const resolved = resolveOptions({ fingerprintHeaders: ['fingerproxy', { ja4: ['X-JA4-Fingerprint', 'X-Other'] }] })
  t.same(resolved.fingerprintHeaders, { ja3: ['x-ja3-fingerprint'], ja4: ['x-ja4-fingerprint', 'x-other'], h2: ['x-http2-fingerprint'] })
})

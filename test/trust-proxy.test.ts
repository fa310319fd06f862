import { test } from 'tap'
import { build, settledRecords } from './helper'

// The route answers with the plugin's view and Fastify's own, so every case compares the two.
async function resolve (trustProxy: unknown, remoteAddress: string, headers: Record<string, string>) {
  const { app, lines } = await build({ fingerprintHeaders: 'fingerproxy' }, trustProxy === undefined ? {} : { trustProxy: trustProxy as any }, (server) => {
    server.get('/who', async (request) => ({ info: request.requestInfo, fastifyIp: request.ip, fastifyIps: request.ips }))
  })
  const res = await app.inject({ url: '/who', remoteAddress, headers })
  await app.close()
  return { ...res.json(), record: (await settledRecords(lines))[0], counters: app.requestInfo.counters }
}

const SPOOF = {
  'x-forwarded-for': '203.0.113.66',
  'x-real-ip': '203.0.113.67',
  forwarded: 'for=203.0.113.68',
  'x-ja4-fingerprint': 't13d1516h2_8daaf6152771_e5627efa2ab1'
}

test('without trustProxy, forwarding and fingerprint headers are ignored and realIp is the peer', async (t) => {
  const r = await resolve(undefined, '198.51.100.9', SPOOF)
  t.equal(r.info.realIp, '198.51.100.9')
  t.equal(r.info.ip, '198.51.100.9')
  t.same(r.info.ips, [])
  t.equal(r.info.ja4, undefined)
  t.equal(r.counters.untrustedFingerprintHeaders, 1)
  t.equal(r.record.source.ip, '198.51.100.9')
})

test('from an untrusted peer, X-Forwarded-For, X-Real-IP, Forwarded and fingerprint headers are ignored', async (t) => {
  const r = await resolve(['10.0.0.0/8'], '198.51.100.9', SPOOF)
  t.equal(r.info.realIp, '198.51.100.9')
  t.equal(r.info.realIp, r.fastifyIp, 'same answer as Fastify')
  t.same(r.info.ips, [])
  t.equal(r.info.ja4, undefined)
  t.equal(r.info.fingerprintSource, undefined)
  t.equal(r.counters.untrustedFingerprintHeaders, 1)
})

test('from a trusted proxy, realIp and ips are exactly what Fastify resolves', async (t) => {
  const r = await resolve(['10.0.0.0/8'], '10.1.2.3', { 'x-forwarded-for': '192.0.2.10, 10.9.9.9' })
  t.equal(r.info.realIp, '192.0.2.10')
  t.equal(r.info.realIp, r.fastifyIp)
  t.same(r.info.ips, ['10.1.2.3', '10.9.9.9', '192.0.2.10'], 'closest first')
  t.same(r.info.ips, r.fastifyIps)
  t.equal(r.record.source.ip, '192.0.2.10')
  t.equal(r.record.network.forwarded_ip, '10.1.2.3')
})

test('a client cannot push a spoofed address past the first untrusted hop', async (t) => {
  const r = await resolve(['10.0.0.0/8'], '10.1.2.3', { 'x-forwarded-for': '6.6.6.6, 192.0.2.10' })
  t.equal(r.info.realIp, '192.0.2.10')
  t.equal(r.info.realIp, r.fastifyIp)
})

test('trustProxy given as a comma-separated string and as a function', async (t) => {
  const s = await resolve('127.0.0.1, 10.0.0.0/8', '10.0.0.1', { 'x-forwarded-for': '192.0.2.1' })
  t.equal(s.info.realIp, '192.0.2.1')
  t.equal(s.info.realIp, s.fastifyIp)
  const f = await resolve((address: string) => address === '10.0.0.1', '10.0.0.1', { 'x-forwarded-for': '192.0.2.2' })
  t.equal(f.info.realIp, '192.0.2.2')
  t.equal(f.info.realIp, f.fastifyIp)
})

test('a hop count does not trust the peer, as in Fastify since 5.12.1', async (t) => {
  const r = await resolve(1, '198.51.100.9', SPOOF)
  t.equal(r.info.realIp, '198.51.100.9')
  t.equal(r.info.realIp, r.fastifyIp)
  t.equal(r.info.ja4, undefined)
})

test('IPv4-mapped IPv6 and upper-case IPv6 addresses are normalised', async (t) => {
  const mapped = await resolve(undefined, '::ffff:192.0.2.33', {})
  t.equal(mapped.info.realIp, '192.0.2.33')
  const upper = await resolve(['::1/128'], '::1', { 'x-forwarded-for': '2001:DB8::A' })
  t.equal(upper.info.realIp, '2001:db8::a')
  t.same(upper.info.ips, ['::1', '2001:db8::a'])
})

test('a trusted proxy that sends no X-Forwarded-For is still trusted for its fingerprint headers', async (t) => {
  const r = await resolve(['10.0.0.0/8'], '10.0.0.5', { 'x-ja4-fingerprint': 't13d1516h2_8daaf6152771_e5627efa2ab1' })
  t.equal(r.info.realIp, '10.0.0.5')
  t.same(r.info.ips, ['10.0.0.5'])
  t.equal(r.info.ja4, 't13d1516h2_8daaf6152771_e5627efa2ab1')
  t.equal(r.counters.untrustedFingerprintHeaders, 0)
})

import { test } from 'tap'
import { build, settledRecords } from './helper'
import { isJa3String, readFingerprintHeaders } from '../lib/fingerprint/proxy-headers'

const JA3 = '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0'
const JA3_MD5 = 'ada70206e40642a3e4461f35503241d5'
const JA4 = 't13d1516h2_8daaf6152771_e5627efa2ab1'
const H2 = '1:65536;2:0;3:1000;4:6291456;6:262144|15663105|0|m,a,s,p'
const PROXY = { trustProxy: ['10.0.0.0/8'] }

async function viaProxy (fingerprintHeaders: any, headers: Record<string, string>, remoteAddress = '10.0.0.1') {
  const { app, lines } = await build({ fingerprintHeaders }, PROXY)
  const info = (await app.inject({ url: '/', remoteAddress, headers: { 'x-forwarded-for': '192.0.2.7', ...headers } })).json()
  await app.close()
  return { info, record: (await settledRecords(lines))[0], counters: app.requestInfo.counters }
}

test('JA3 strings and hashes from the sample of the JA3 article', async (t) => {
  t.ok(isJa3String(JA3))
  t.ok(isJa3String('769,4-5-10-9-100-98-3-6-19-18-99,,,'), 'empty fields stay empty')
  for (const bad of ['', '769', '769,1-,2,3,4', '769,-1,2,3,4', ',1,2,3,4', '769,1,2,3,4,5', '769,a,2,3,4', '769,1--2,,,']) {
    t.notOk(isJa3String(bad), `rejects ${JSON.stringify(bad)}`)
  }
  const read = readFingerprintHeaders({ 'x-ja3': '769,4-5-10-9-100-98-3-6-19-18-99,,,' }, { ja3: ['x-ja3'], ja4: [], h2: [] })
  t.equal(read.sslh, 'de350869b8c85de67a350c8d186f11e6')
})

test('nginx-ssl-fingerprint preset: raw JA3 string (MD5 computed), JA4 and HTTP/2 fingerprint', async (t) => {
  const r = await viaProxy('nginx-ssl-fingerprint', { 'x-ssl-ja3': JA3, 'x-ssl-ja4': JA4, 'x-http2-fingerprint': H2 })
  t.equal(r.info.ssl, JA3)
  t.equal(r.info.sslh, JA3_MD5)
  t.equal(r.info.ja4, JA4)
  t.equal(r.info.h2, H2)
  t.equal(r.info.fingerprintSource, 'header')
  t.equal(r.record.tls.client.ja3, JA3_MD5, 'ECS tls.client.ja3 is the hash')
  t.equal(r.record.tls.client.ja4, JA4)
  t.equal(r.record.request_info.ssl, JA3)
  t.equal(r.record.request_info.h2, H2)
  t.equal(r.record.request_info.fingerprint_source, 'header')
})

test('nginx-ssl-fingerprint preset falls back to the hash header', async (t) => {
  const r = await viaProxy('nginx-ssl-fingerprint', { 'x-ssl-ja3-hash': JA3_MD5.toUpperCase() })
  t.equal(r.info.ssl, undefined)
  t.equal(r.info.sslh, JA3_MD5)
})

test('fingerproxy, CloudFront and Cloudflare presets', async (t) => {
  const fp = await viaProxy('fingerproxy', { 'x-ja3-fingerprint': JA3_MD5, 'x-ja4-fingerprint': JA4, 'x-http2-fingerprint': H2 })
  t.same([fp.info.sslh, fp.info.ja4, fp.info.h2], [JA3_MD5, JA4, H2])
  const cf = await viaProxy('cloudfront', { 'cloudfront-viewer-ja3-fingerprint': JA3_MD5, 'cloudfront-viewer-ja4-fingerprint': JA4 })
  t.same([cf.info.sslh, cf.info.ja4], [JA3_MD5, JA4])
  const cl = await viaProxy('cloudflare', { 'cf-ja3-hash': JA3_MD5, 'cf-ja4': JA4 })
  t.same([cl.info.sslh, cl.info.ja4], [JA3_MD5, JA4])
})

test('header names of your own, several sources, first present wins', async (t) => {
  const r = await viaProxy([{ ja3: ['x-my-ja3'], ja4: 'X-My-JA4' }, 'cloudflare'], { 'x-my-ja4': JA4, 'cf-ja3-hash': JA3_MD5 })
  t.equal(r.info.ja4, JA4)
  t.equal(r.info.sslh, JA3_MD5)
})

test('malformed values from a trusted proxy are dropped and counted', async (t) => {
  const r = await viaProxy('fingerproxy', {
    'x-ja3-fingerprint': 'not-a-fingerprint',
    'x-ja4-fingerprint': 't13d1516h2_8daaf6152771_e5627efa2ab1<script>',
    'x-http2-fingerprint': 'x'.repeat(5000)
  })
  t.equal(r.info.sslh, undefined)
  t.equal(r.info.ja4, undefined)
  t.equal(r.info.h2, undefined)
  t.equal(r.info.fingerprintSource, undefined)
  t.equal(r.counters.invalidFingerprintHeaders, 3)
  t.equal(r.record.tls, undefined)
})

test('fingerprint headers from an untrusted peer are ignored and counted', async (t) => {
  const r = await viaProxy('fingerproxy', { 'x-ja3-fingerprint': JA3_MD5, 'x-ja4-fingerprint': JA4 }, '198.51.100.1')
  t.equal(r.info.sslh, undefined)
  t.equal(r.info.ja4, undefined)
  t.equal(r.counters.untrustedFingerprintHeaders, 1)
  t.equal(r.info.realIp, '198.51.100.1')
})

test('fingerprint headers and proxy headers stay out of the header order', async (t) => {
  const r = await viaProxy({ ja4: 'x-custom-ja4' }, { 'x-custom-ja4': JA4, 'x-real-ip': '1.2.3.4', 'cf-ray': 'abc', 'user-agent': 'curl/8.5.0' })
  t.equal(r.info.ho, 'Tp', 'x-forwarded-for, the fingerprint header, x-real-ip and cf-ray left out')
})

test('64 KB of hostile input in every fingerprint header is rejected without backtracking', async (t) => {
  // Each value is length-checked before its (linear, anchored) pattern runs.
  const hostile = {
    'x-ja3-fingerprint': '1,'.repeat(32768),
    'x-ja4-fingerprint': 't13d1516h2_' + '0'.repeat(65536),
    'x-http2-fingerprint': '1:1;'.repeat(16384) + '|'
  }
  const read = readFingerprintHeaders(hostile, { ja3: ['x-ja3-fingerprint'], ja4: ['x-ja4-fingerprint'], h2: ['x-http2-fingerprint'] })
  t.same(read, { ssl: undefined, sslh: undefined, ja4: undefined, h2: undefined, invalid: 3 })
  t.notOk(isJa3String('1-'.repeat(32768) + '1,,,,'), 'over the JA3 length cap')
})

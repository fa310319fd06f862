import { test } from 'tap'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import YAML from 'yaml'
import { build, settledRecords, tmpDir } from './helper'
import { buildMmdb } from './helpers/mmdb'
import { reportOf } from './helpers/cli'
import { renderRules } from '../lib/cli/render/rules'
import { validateRules } from '../lib/respond/rules'

// Records written by the plugin itself, read back by the CLI: the same requests written as an access log give
// the same attacks; the records add what only they carry (fingerprints, impersonation, decisions).

const PROXY = '10.0.0.1'
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
const JA4 = 't13d1516h2_8daaf6152771_b0da82dd1658'

interface Sent { ip: string, url: string, ua: string, headers?: Record<string, string>, status: number }

const ATTACKER = '45.33.32.156'
const SENT: Sent[] = [
  { ip: ATTACKER, url: '/item?id=1%20union%20select%20password%20from%20users', ua: 'sqlmap/1.8#stable (https://sqlmap.org)', status: 404 },
  { ip: ATTACKER, url: '/item?id=1%27%20or%201=1--', ua: 'sqlmap/1.8#stable (https://sqlmap.org)', status: 404 },
  { ip: ATTACKER, url: '/download?file=../../../../etc/passwd', ua: 'sqlmap/1.8#stable (https://sqlmap.org)', status: 200 },
  { ip: ATTACKER, url: '/search?q=%3Cscript%3Ealert(1)%3C/script%3E', ua: 'sqlmap/1.8#stable (https://sqlmap.org)', status: 200 },
  { ip: '198.51.100.20', url: '/', ua: CHROME, headers: { 'x-ja4-fingerprint': JA4 }, status: 200 },
  { ip: '198.51.100.20', url: '/cart', ua: CHROME, headers: { 'x-ja4-fingerprint': JA4 }, status: 200 },
  { ip: '198.51.100.21', url: '/page?file=../../etc/passwd', ua: FIREFOX, status: 500 },
  ...Array.from({ length: 6 }, (_, i): Sent => ({
    ip: '203.0.113.5', url: `/products/${i}`, ua: FIREFOX, status: 200,
    headers: { accept: 'text/html,application/xhtml+xml', 'accept-language': 'en-US,en;q=0.5', 'accept-encoding': 'gzip, deflate, br', 'x-ja4-fingerprint': JA4 }
  }))
]

async function recordsOf (shape: 'ecs' | 'flat'): Promise<string[]> {
  const { app, lines } = await build({ shape, logQuery: true, fingerprintHeaders: 'fingerproxy' }, { trustProxy: PROXY }, (app) => {
    app.get('/*', async (request, reply) => reply.code(Number((request.headers['x-status'] as string | undefined) ?? 200)).send('ok'))
  })
  for (const s of SENT) {
    await app.inject({ url: s.url, remoteAddress: PROXY, headers: { host: 'shop.example', 'user-agent': s.ua, 'x-forwarded-for': s.ip, 'x-status': String(s.status), ...s.headers } })
  }
  const records = await settledRecords(lines)
  await app.close()
  return records.map((r) => JSON.stringify(r))
}

function accessLog (): string {
  return SENT.map((s, i) => `${s.ip} - - [22/Nov/2026:10:00:${String(i).padStart(2, '0')} +0100] "GET ${s.url} HTTP/1.1" ${s.status} 2 "-" "${s.ua}"`).join('\n') + '\n'
}

const withoutImpersonation = (kinds: ReadonlyArray<{ value: string }>): string[] => kinds.map((k) => k.value).filter((k) => k !== 'impersonation').sort()

test('records of both shapes and the same requests as an access log give the same attacks', async (t) => {
  const dir = tmpDir(t, 'fri-cli-records-')
  const log = join(dir, 'access.log')
  writeFileSync(log, accessLog())
  const fromLog = await reportOf([log])
  t.equal(fromLog.attacks.requests, 5)
  t.same(fromLog.attacks.groups.map((g) => [g.key, g.attacks]), [[ATTACKER, 4], ['198.51.100.21', 1]])
  for (const shape of ['ecs', 'flat'] as const) {
    const file = join(dir, `${shape}.ndjson`)
    const alert = shape === 'ecs' ? '{"ecs":{"version":"9.4.0"},"event":{"kind":"alert","type":["info"]}}' : '{"serviceName":"s","alert":{"scenario":"x"}}'
    writeFileSync(file, [...await recordsOf(shape), alert, 'not json at all'].join('\n') + '\n')
    const report = await reportOf([file])
    t.match(report.inputs, { records: SENT.length, otherRecords: 1, unparseable: 1, accessLogLines: 0 }, `${shape}: counts`)
    t.match(report.inputs.unparseableSamples, [{ line: SENT.length + 2, reason: /no \[time\] field/ }])
    t.equal(report.attacks.requests, fromLog.attacks.requests, `${shape}: the same attack requests`)
    t.same(report.attacks.groups.map((g) => [g.key, g.attacks, withoutImpersonation(g.kinds)]),
      fromLog.attacks.groups.map((g) => [g.key, g.attacks, withoutImpersonation(g.kinds)]), `${shape}: the same sources and kinds`)
    t.same(report.attacks.outcomes.map((o) => [o.status, o.count]), fromLog.attacks.outcomes.map((o) => [o.status, o.count]), `${shape}: the same statuses`)
    const chrome = report.clients.families.find((f) => f.family === 'Chrome')
    t.match(chrome, { requests: 2, sources: 1, versions: [{ value: '120', count: 2 }], ja4: [{ value: JA4, count: 2 }] }, `${shape}: Chrome's fingerprints`)
    t.equal(chrome?.headerOrders.length, 1)
    t.type(chrome?.headerOrders[0].ho, 'string', 'the header order beside its hash')
    const firefox = report.clients.families.find((f) => f.family === 'Firefox')
    t.match(firefox, { requests: 7, sources: 2, ja4: [{ value: JA4, count: 6 }] })
    t.equal(firefox?.headerOrders.length, 2, 'two header orders for Firefox: with and without Accept headers')
    t.match(report.clients.suspects, [{ family: 'Chrome', rule: /^impersonation-/, excerpt: /claims Chrome 120/, requests: 2, sources: ['198.51.100.20'] }],
      `${shape}: Chrome without its headers is an impersonation suspect`)
    t.same(fromLog.clients.suspects, [], 'an access log carries no header order')
  }
})

test('abuse contacts over RDAP, countries and networks, rules the plugin loads', async (t) => {
  const dir = tmpDir(t, 'fri-cli-rdap-')
  const log = join(dir, 'access.log')
  writeFileSync(log, accessLog())
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    res.setHeader('content-type', 'application/rdap+json')
    res.end(JSON.stringify({
      objectClassName: 'ip network', handle: 'NET-45-33-32-0-1', name: 'LINODE-US', startAddress: '45.33.32.0', endAddress: '45.33.63.255',
      entities: [{ objectClassName: 'entity', roles: ['abuse'], vcardArray: ['vcard', [['version', {}, 'text', '4.0'], ['email', {}, 'text', 'abuse@linode.example']]] }]
    }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const country = join(dir, 'country.mmdb')
  const asn = join(dir, 'asn.mmdb')
  writeFileSync(country, buildMmdb({ databaseType: 'GeoLite2-Country', networks: [{ cidr: '45.33.32.0/19', data: { country: { iso_code: 'US' } } }, { cidr: '198.51.100.0/24', data: { country: { iso_code: 'NL' } } }] }))
  writeFileSync(asn, buildMmdb({ databaseType: 'GeoLite2-ASN', networks: [{ cidr: '45.33.32.0/19', data: { autonomous_system_number: 63949, autonomous_system_organization: 'Akamai' } }] }))
  const port = (server.address() as AddressInfo).port
  const report = await reportOf(['--lookup', '--rdap', `http://127.0.0.1:${port}`, '--country-db', country, '--asn-db', asn, log])
  t.same(asked, [`/ip/${ATTACKER}`], 'one lookup, for the one source over the threshold')
  t.match(report.drafts, [{ source: ATTACKER, attacks: 4, contact: { status: 'found', email: 'abuse@linode.example' } }])
  t.match(report.drafts[0].text, /^To: abuse@linode\.example\n/)
  t.match(report.attacks.groups[0], { key: ATTACKER, country: 'US', asn: 63949 })
  t.same(report.traffic.countries.map((c) => [c.key, c.requests, c.attacks]), [['US', 4, 4], ['NL', 3, 1]])
  t.same(report.traffic.asns.map((c) => [c.key, c.requests, c.attacks]), [['63949', 4, 4]])

  const yaml = renderRules(report, 'yaml')
  const rules = validateRules(YAML.parse(yaml).rules, 'suggested')
  t.match(rules, [{ id: 'attack-sources', action: 'block', mode: 'monitor', match: { ip: [ATTACKER] } }])
  t.match(yaml, /^# Suggested by request-info from 13 requests/)
  t.match(yaml, /# 1 source with at least 3 attack requests each/)
  t.same(JSON.parse(renderRules(report, 'json')), { rules }, 'JSON: the same rules')
  const file = join(dir, 'rules.yaml')
  writeFileSync(file, yaml)
  const { app, lines } = await build({ respond: { rulesFile: file } }, { trustProxy: PROXY })
  await app.inject({ url: '/', remoteAddress: PROXY, headers: { 'x-forwarded-for': ATTACKER } })
  const [record] = await settledRecords(lines)
  await app.close()
  t.match(record.request_info.decision, { action: 'blocked', monitor: true, id: 'attack-sources' }, 'the plugin loads the file and monitors the source')
})

import { test } from 'tap'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, tmpDir, until } from './helper'
import { buildMmdb } from './helpers/mmdb'

test('a country and ASN rule, with databases the plugin reads at registration', async (t) => {
  const dir = tmpDir(t, 'respond-geo-')
  const country = join(dir, 'country.mmdb')
  const asn = join(dir, 'asn.mmdb')
  writeFileSync(country, buildMmdb({
    databaseType: 'GeoLite2-Country',
    networks: [
      { cidr: '192.0.2.0/24', data: { country: { iso_code: 'FR' } } },
      { cidr: '198.51.100.0/24', data: { country: { iso_code: 'KP' } } },
      { cidr: '2001:db8::/32', data: { country: { iso_code: 'KP' } } }
    ]
  }))
  writeFileSync(asn, buildMmdb({
    databaseType: 'GeoLite2-ASN',
    networks: [{ cidr: '203.0.113.0/24', data: { autonomous_system_number: 64500, autonomous_system_organization: 'Example Hosting' } }]
  }))
  const { app } = await build({
    respond: {
      mode: 'block',
      geoip: { country, asn },
      rules: [
        { id: 'embargo', action: 'block', match: { country: ['kp', 'IR'] } },
        { id: 'hosting', action: 'block', match: { asn: 64500 } }
      ]
    }
  })
  const from = async (ip: string) => (await app.inject({ url: '/', remoteAddress: ip })).statusCode
  t.equal(await from('192.0.2.1'), 200, 'FR')
  t.equal(await from('198.51.100.1'), 403, 'KP (IPv4)')
  t.equal(await from('::ffff:198.51.100.1'), 403, 'KP (IPv4-mapped)')
  t.equal(await from('2001:db8::5'), 403, 'KP (IPv6)')
  t.equal(await from('203.0.113.77'), 403, 'AS64500')
  t.equal(await from('10.0.0.1'), 200, 'in no database')
  await app.close()
})

test('a country rule without respond.geoip fails registration, naming the option', async (t) => {
  await t.rejects(build({ respond: { rules: [{ id: 'c', action: 'block', match: { country: 'FR' } }] } }), /respond\.geoip/)
})

test('a database of the wrong kind fails registration', async (t) => {
  const dir = tmpDir(t, 'respond-geo-')
  const asn = join(dir, 'asn.mmdb')
  writeFileSync(asn, buildMmdb({ databaseType: 'GeoLite2-ASN', networks: [] }))
  await t.rejects(build({ respond: { geoip: { country: asn } } }), /GeoLite2-ASN/)
})

test('the rules file is reloaded on change; a malformed file is logged and the rules in force stay', async (t) => {
  const dir = tmpDir(t, 'respond-rules-')
  const file = join(dir, 'rules.yaml')
  writeFileSync(file, 'rules:\n  - id: block-admin\n    action: block\n    match:\n      path: /admin\n')
  const { app, lines } = await build({ respond: { mode: 'block', rulesFile: file } }, {}, (app) => {
    app.get('/admin', async () => 'admin')
    app.get('/export', async () => 'export')
  })
  const status = async (url: string) => (await app.inject({ url })).statusCode
  t.equal(await status('/admin'), 403)
  t.equal(await status('/export'), 200)

  // An editor's save: a new file renamed over the old one.
  writeFileSync(file + '.tmp', 'rules:\n  - id: block-export\n    action: block\n    match:\n      path: /export\n')
  renameSync(file + '.tmp', file)
  await until(() => lines.some((l) => l.msg === 'fastify-request-info: rules file reloaded'), 5000)
  t.equal(await status('/admin'), 200, 'the old rule is gone')
  t.equal(await status('/export'), 403, 'the new rule is in force')

  writeFileSync(file, 'rules:\n  - id: broken\n    action: explode\n')
  await until(() => app.requestInfo.counters.rulesReloadsFailed === 1, 5000)
  const error = lines.find((l) => l.msg === 'fastify-request-info: the rules file failed to load; the rules in force stay')
  t.match(error?.err?.message, /rules\.yaml/, 'the error names the file')
  t.equal(await status('/export'), 403, 'the rules in force stay')

  writeFileSync(file, 'rules: []\n')
  await until(() => lines.filter((l) => l.msg === 'fastify-request-info: rules file reloaded').length === 2, 5000)
  t.equal(await status('/export'), 200, 'a fixed file is read again')
  await app.close()
})

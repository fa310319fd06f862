import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { build, tmpDir } from './helper'
import { buildMmdb } from './helpers/mmdb'

/** The first code block of `language` under a README heading. */
function block (heading: string, language: string): string {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
  const start = readme.indexOf(`\n${heading}\n`)
  const found = start === -1 ? null : new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(readme.slice(start))
  if (found === null) throw new Error(`README has no ${language} block under '${heading}'`)
  return found[1]
}

test('the rules file of "From monitor to block" works as copied from the README', async (t) => {
  const dir = tmpDir(t, 'readme-respond-')
  const rulesFile = join(dir, 'rules.yaml')
  writeFileSync(rulesFile, block('### From monitor to block', 'yaml'))
  const country = join(dir, 'country.mmdb')
  writeFileSync(country, buildMmdb({ databaseType: 'GeoLite2-Country', networks: [{ cidr: '198.18.0.0/15', data: { country: { iso_code: 'KP' } } }] }))
  const { app } = await build({ respond: { mode: 'block', rulesFile, geoip: { country } } }, {}, (app) => {
    app.post('/login', async () => 'welcome')
  })
  const send = async (method: 'GET' | 'POST', url: string, ip: string, ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0') =>
    (await app.inject({ method, url, remoteAddress: ip, headers: { 'user-agent': ua } })).statusCode
  t.equal(await send('POST', '/login', '192.0.2.1'), 200, 'a browser logs in')
  t.equal(await send('POST', '/login', '192.0.2.1', 'curl/8.5.0'), 403, 'scripts-on-login')
  t.equal(await send('GET', '/', '192.0.2.1', 'curl/8.5.0'), 200, 'scripts may read')
  t.equal(await send('GET', '/wp-login.php', '192.0.2.2'), 403, 'wordpress-probe')
  t.equal(await send('GET', '/', '192.0.2.2'), 403, '… and the source stays banned')
  t.equal(app.requestInfo.bans()[0].until - app.requestInfo.bans()[0].since, 86_400_000, 'for a day')
  t.equal(await send('GET', '/wp-login.php', '203.0.113.9'), 404, 'the office is allowed')
  t.equal(await send('GET', '/', '198.18.0.1'), 403, 'embargo')
  t.equal(await send('GET', "/?q=1'+UNION+SELECT+password+FROM+users--", '192.0.2.3'), 403, 'attacks')
  await app.close()
})

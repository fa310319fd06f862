import { test } from 'tap'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { isIP } from 'node:net'
import { parseAccessLine } from '../lib/cli/input/access-log'
import { parseRecordLine, NOT_A_REQUEST } from '../lib/cli/input/record'
import { MAX_LINE, readLines } from '../lib/cli/input/lines'
import { expandInputs } from '../lib/cli/input/files'
import type { Entry } from '../lib/cli/entry'

function entry (line: string): Entry {
  const e = parseAccessLine(line)
  if (typeof e === 'string') throw new Error(`not parsed: ${e}`)
  return e
}

test('combined: nginx and Apache, IPv4 and IPv6', async (t) => {
  const e = entry('203.0.113.7 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?a=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"')
  t.match(e, { format: 'access-log', source: '203.0.113.7', site: undefined, method: 'GET', url: '/apache_pb.gif?a=1', status: 200, referer: 'http://www.example.com/start.html', ua: 'Mozilla/4.08 [en] (Win98; I ;Nav)' })
  t.equal(e.time, Date.UTC(2000, 9, 10, 20, 55, 36), 'the zone is applied')
  t.equal(e.offset, -420)
  const v6 = entry('2001:db8::1 - - [01/Jan/2024:00:00:00 +0000] "POST /login HTTP/2.0" 401 0 "-" "curl/8.5.0" "-"')
  t.match(v6, { source: '2001:db8::1', method: 'POST', url: '/login', status: 401, referer: undefined, ua: 'curl/8.5.0' })
})

test('vhost_combined: the virtual host and port first', async (t) => {
  const e = entry('shop.example.com:443 198.51.100.2 - - [01/Jan/2024:10:00:00 +0100] "GET / HTTP/1.1" 304 0 "-" "Wget/1.21"')
  t.match(e, { site: 'shop.example.com', source: '198.51.100.2', status: 304, ua: 'Wget/1.21' })
  t.equal(entry('[2001:db8::5]:8443 198.51.100.2 - - [01/Jan/2024:10:00:00 +0100] "GET / HTTP/1.1" 200 1').site, '2001:db8::5')
})

test('seed 000 lines: typographic quotes and dashes, the site first, no client address, a unique id after the User-Agent', async (t) => {
  const e = entry('domain1.com – – [21/Jun/2011:11:56:40 -0400] “GET /contact/press_release_pop.php?id=-109+UNION+SELECT+1,2 HTTP/1.1” 500 3506 “-” “Python-urllib/2.7” TgC-OK3By8sACPOAAFA “-“')
  t.match(e, { site: 'domain1.com', source: undefined, method: 'GET', url: '/contact/press_release_pop.php?id=-109+UNION+SELECT+1,2', status: 500, referer: undefined, ua: 'Python-urllib/2.7', reqId: 'TgC-OK3By8sACPOAAFA' })
  t.equal(e.time, Date.UTC(2011, 5, 21, 15, 56, 40))
  const noId = entry('domain2.com – – [22/Jun/2011:01:46:14 -0400] “GET //index.php HTTP/1.1” 500 3506 “-” “Mozilla/5.0 (X11; U; Linux i686; cs-CZ; rv:1.7.12) Gecko/20050929”')
  t.equal(noId.reqId, undefined)
  t.equal(noId.ua, 'Mozilla/5.0 (X11; U; Linux i686; cs-CZ; rv:1.7.12) Gecko/20050929')
})

test('quotes inside quoted fields (not before a space) and escaped quotes stay in the value', async (t) => {
  const e = entry('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET /search?q=\\"x\\" HTTP/1.1" 200 5 "-" "Mozilla/5.0 (x"y) thing"')
  t.equal(e.url, '/search?q="x"')
  t.equal(e.ua, 'Mozilla/5.0 (x"y) thing')
})

test('fields as the one-pass reading splits them: escapes, quotes, tabs and typographic quotes mixed', async (t) => {
  const head = '192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] '
  t.match(entry(head + '"GET /a\\\\ HTTP/1.1" 200 1 "x\\y" "ua"'), { url: '/a\\', referer: 'x\\y', ua: 'ua' }, 'an escaped backslash before the closing quote')
  t.match(entry(head + '"GET /a\\" b HTTP/1.1" 200 1 "-" "ua"'), { url: '/a" b', ua: 'ua' }, 'an escaped quote before a space does not close the field')
  t.match(entry(head + '"GET /“x”y HTTP/1.1" 200 1 “r” "ua \t"'), { url: '/“x”y', referer: 'r', ua: 'ua \t' }, 'typographic quotes close a field only before a space')
  t.match(entry('192.0.2.1\t-\t-\t[01/Jan/2024:00:00:00 +0000]\t"GET / HTTP/1.1"\t200\t1\t"-"\t"ua"'), { source: '192.0.2.1', url: '/', status: 200, ua: 'ua' }, 'tabs separate fields')
  t.match(entry(head + '"GET / HTTP/1.1" 200 1 "-" "ua" [x]y'), { ua: 'ua', reqId: '[x]y' }, 'a bracket not followed by a space is a word: the request id')
})

test('a first field is a client address exactly when net.isIP says so', async (t) => {
  const time = ' - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1'
  for (const host of ['192.0.2.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.4.', '١.٢.٣.٤', '2001:db8::1', '::ffff:1.2.3.4', 'fe80::1%eth0', 'example.com', '1.2.3.04']) {
    t.equal(entry(host + time).source, isIP(host) !== 0 ? host : undefined, host)
  }
})

test('a request line that is not method, target and protocol still gives an entry', async (t) => {
  const tls = entry('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "\\x16\\x03\\x01\\x00\\xa5\\x01" 400 157 "-" "-"')
  t.match(tls, { method: '', url: '\\x16\\x03\\x01\\x00\\xa5\\x01', status: 400, ua: undefined })
  t.match(entry('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "-" 408 0 "-" "-"'), { method: '', url: '', status: 408 })
  t.match(entry('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET /" 200 0'), { method: 'GET', url: '/', referer: undefined, ua: undefined })
})

test('lines that are not access-log lines say why', async (t) => {
  t.match(parseAccessLine('just some text'), /no \[time\] field/)
  t.match(parseAccessLine('a b [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1'), /2 fields before the \[time\]/)
  t.match(parseAccessLine('192.0.2.1 - - [yesterday] "GET / HTTP/1.1" 200 1'), /is not a time/)
  t.match(parseAccessLine('192.0.2.1 - - [32/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1'), /is not a time/)
  t.match(parseAccessLine('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] GET / 200 1'), /no quoted request line/)
  t.match(parseAccessLine('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" abc 1'), /is not a 3-digit code/)
  t.match(parseAccessLine('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 2000 1'), /is not a 3-digit code/)
})

test('hostile lines of 64 KB parse in one pass', async (t) => {
  const head = '192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] '
  // The last ones would cost a search to the end of the line per field if searches were not resumed.
  for (const body of ['"'.repeat(65536), '“'.repeat(65536), '['.repeat(65536), '\\"'.repeat(32768), ' '.repeat(65536), '"a '.repeat(21845),
    '[a '.repeat(21845) + ']x', '"a" '.repeat(16384) + '\\', '“a” '.repeat(16384) + '\\']) {
    const result = parseAccessLine(head + body)
    t.ok(typeof result === 'string' || result.format === 'access-log', `${JSON.stringify(body.slice(0, 6))}… gives a defined outcome`)
  }
  const e = entry(head + `"GET /${'%27'.repeat(20000)} HTTP/1.1" 200 1 "-" "${'A'.repeat(10000)}"`)
  t.equal(e.url.length, 60001)
  t.equal(e.ua?.length, 10000)
})

test('plugin records: the ECS and flat shapes', async (t) => {
  const ecs = parseRecordLine(JSON.stringify({
    level: 30, time: 1795328980471, ecs: { version: '9.4.0' }, event: { kind: 'event', category: ['web'], type: ['access'], outcome: 'success' },
    source: { ip: '203.0.113.9' }, http: { request: { method: 'GET', id: 'req-1', referrer: 'https://a.example/' }, response: { status_code: 403 } },
    url: { path: '/x.php', query: 'id=1', domain: 'example.com' }, user_agent: { original: 'Mozilla/5.0 Chrome/120.0.0.0', name: 'Chrome', version: '120.0.0.0' },
    tls: { client: { ja3: 'e7d705a3286e19ea42f587b344ee6865', ja4: 't13d1516h2_8daaf6152771_b0da82dd1658' } },
    request_info: { ho: 'Tp', hoh: '3c0caa809e63e093', threats: [{ kind: 'sqli', rule: 'sqli-union-select', where: 'query:id', excerpt: 'x', score: 5 }], decision: { action: 'blocked', monitor: false } }
  }))
  t.match(ecs, {
    format: 'record', time: 1795328980471, source: '203.0.113.9', site: 'example.com', method: 'GET', url: '/x.php?id=1', status: 403,
    referer: 'https://a.example/', ua: 'Mozilla/5.0 Chrome/120.0.0.0', reqId: 'req-1', ja3: 'e7d705a3286e19ea42f587b344ee6865',
    ja4: 't13d1516h2_8daaf6152771_b0da82dd1658', hoh: '3c0caa809e63e093', ho: 'Tp', browser: 'Chrome', browserMajor: '120',
    threats: [{ kind: 'sqli', rule: 'sqli-union-select', score: 5 }], decision: { action: 'blocked', monitor: false }
  })
  const flat = parseRecordLine(JSON.stringify({
    time: '2026-01-02T03:04:05.678Z', serviceName: 's', realIp: '2001:db8::7', reqId: 'r', method: 'POST', path: '/login', host: 'example.com:3000',
    ua: 'curl/8.5.0', uai: { browser: {} }, sslh: 'e7d705a3286e19ea42f587b344ee6865', status: 401
  }))
  t.match(flat, { format: 'record', time: Date.UTC(2026, 0, 2, 3, 4, 5, 678), source: '2001:db8::7', site: 'example.com', method: 'POST', url: '/login', status: 401, ua: 'curl/8.5.0', ja3: 'e7d705a3286e19ea42f587b344ee6865', browser: undefined })
})

test('records that are not requests, and forged ones', async (t) => {
  t.equal(parseRecordLine('{"ecs":{"version":"9.4.0"},"event":{"kind":"alert","type":["info"]}}'), NOT_A_REQUEST, 'an ECS alert')
  t.equal(parseRecordLine('{"serviceName":"s","alert":{"scenario":"http-probing"},"method":"GET","path":"/"}'), NOT_A_REQUEST, 'a flat alert')
  t.equal(parseRecordLine('{"level":30,"msg":"Server listening at http://127.0.0.1:3000"}'), NOT_A_REQUEST, 'an application line')
  t.match(parseRecordLine('{"method":'), /invalid JSON/)
  t.match(parseRecordLine('[1,2]'), /not an object/)
  const forged = parseRecordLine(JSON.stringify({
    __proto__: { method: 'GET' }, method: 'GET', path: '/', time: 'yesterday', status: 'two hundred', realIp: 42,
    threats: [...Array.from({ length: 1000 }, () => ({ kind: 'sqli', rule: 'r', where: 'w', excerpt: 'e', score: 5 })), { kind: 1 }, null, { kind: 'x', rule: 'y', score: Infinity }]
  }))
  if (typeof forged === 'string' || forged === NOT_A_REQUEST) throw new Error('a request record')
  t.equal(forged.time, undefined, 'a time without a zone is not read')
  t.equal(forged.status, undefined)
  t.equal(forged.source, undefined, 'a number is not an address')
  t.equal(forged.threats?.length, 64, 'findings per record are bounded, invalid ones dropped')
  const iso = parseRecordLine('{"method":"GET","path":"/","time":"2026-01-02T03:04:05"}')
  t.equal(typeof iso === 'object' ? iso.time : 'x', undefined, 'an ISO time without a zone is not read in the local zone')
})

async function lines (chunks: Buffer[]): Promise<Array<string | undefined>> {
  const out: Array<string | undefined> = []
  await readLines(Readable.from(chunks), { bytes: 0 }, (line) => out.push(line))
  return out
}

test('lines: split across chunks, CRLF, a last line without a break, gzip, over-long lines skipped', async (t) => {
  t.same(await lines([Buffer.from('a\r\nb'), Buffer.from('c\nd')]), ['a', 'bc', 'd'])
  t.same(await lines([gzipSync('one\ntwo\n')]), ['one', 'two'], 'gzip found by its magic number')
  const long = 'x'.repeat(MAX_LINE + 10)
  t.same(await lines([Buffer.from(`a\n${long.slice(0, 1000)}`), Buffer.from(`${long.slice(1000)}\nb\n`)]), ['a', undefined, 'b'], 'too long across chunks')
  t.same(await lines([Buffer.from(`${long}\nb\n`)]), [undefined, 'b'], 'too long in one chunk')
  t.same(await lines([Buffer.from('é'), Buffer.from([0xc3]), Buffer.from([0xa9, 0x0a])]), ['éé'], 'UTF-8 split inside a character')
  await t.rejects(lines([Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00])]), 'a truncated gzip stream is an error')
})

test('inputs: files, patterns, missing files and directories', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fri-cli-files-'))
  mkdirSync(join(dir, 'sub'))
  for (const f of ['a.log', 'b.log.gz', 'c.txt', 'sub/d.log', '.hidden.log']) writeFileSync(join(dir, f), 'x\n')
  t.same(expandInputs([join(dir, '*.log*')]), [join(dir, 'a.log'), join(dir, 'b.log.gz')])
  t.same(expandInputs([join(dir, '**', '*.log')]), [join(dir, 'a.log'), join(dir, 'sub', 'd.log')])
  t.same(expandInputs([join(dir, 'c.txt'), '-']), [join(dir, 'c.txt'), '-'])
  t.throws(() => expandInputs([join(dir, 'nope.log')]), /nope\.log: no such file/)
  t.throws(() => expandInputs([join(dir, '*.json')]), /no file matches/)
  t.throws(() => expandInputs([dir]), /is a directory/)
})

import { test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { BatchWriter, readBatch, type Request } from '../lib/cli/analyse/request'
import { InputError, parseCommandLine, type CliOptions } from '../lib/cli/args'
import { MAX_LINE, splitLines, wholeLines } from '../lib/cli/input/lines'
import { makeReport } from '../lib/cli/main'
import { Memo } from '../lib/cli/memo'
import { tmpDir } from './helper'
// The bench's generator: a day of a shop's traffic, attacks included, the same at every run.
const { requests, accessLine } = require('../bench/cli-input.js') as {
  requests: (lines: number, seed: number) => Iterable<unknown>
  accessLine: (q: unknown) => string
}

const NOW = new Date('2026-11-22T00:00:00Z')

function optionsOf (args: string[]): CliOptions {
  return parseCommandLine(['report', '-q', ...args]) as CliOptions
}

/** Records as the plugin writes them, flat and ECS, with findings, decisions and fingerprints. */
function records (): string[] {
  const threat = { kind: 'impersonation', rule: 'impersonation-ja4', where: 'tls', excerpt: 'claims Chrome 120, looks like curl', score: 5 }
  const sqli = { kind: 'sqli', rule: 'sqli-union-select', where: 'query:id', excerpt: 'union select', score: 5 }
  return [
    JSON.stringify({
      time: '2026-03-14T10:00:00.000Z', realIp: '45.33.32.156', reqId: 'r1', method: 'GET', path: '/item', query: 'id=1 union select 2', host: 'shop.example.com',
      ua: 'curl/8.5.0', uai: { browser: {} }, sslh: 'e7d705a3286e19ea42f587b344ee6865', ja4: 't13d1516h2_8daaf6152771_b0da82dd1658', hoh: '3c0caa809e63e093', ho: 'Hs,Ua,Ac',
      status: 403, threats: [sqli], decision: { action: 'blocked', monitor: false }
    }),
    JSON.stringify({
      '@timestamp': '2026-03-14T10:00:01.000Z', ecs: { version: '9.4.0' }, event: { kind: 'event', type: ['access'] }, source: { ip: '2001:db8:1:2::7' },
      http: { request: { method: 'POST', id: 'r2', referrer: 'https://shop.example.com/\n' }, response: { status_code: 200 } },
      url: { path: '/login', domain: 'shop.example.com' }, user_agent: { original: 'Mozilla/5.0 Chrome/120.0.0.0', name: 'Chrome', version: '120.0.0.0' },
      tls: { client: { ja4: 't13d1516h2_8daaf6152771_b0da82dd1658' } }, request_info: { h2: '1:65536;2:0|15663105|0|m,a,s,p', threats: [threat], decision: { action: 'rate-limited', monitor: true } }
    }),
    '{"level":30,"msg":"Server listening at http://127.0.0.1:3000"}',
    '{"method":'
  ]
}

test('the report is the same on one thread, with one reading thread and with two', async (t) => {
  const dir = tmpDir(t, 'fri-cli-threads-')
  const lines: string[] = []
  for (const q of requests(12_000, 7)) lines.push(accessLine(q).replace(/\n$/, ''))
  // Lines that are no request, lines too long to read (one across the 256 KB chunks, one longer than a chunk), CRLF.
  lines.splice(1100, 0, 'garbage line', '', '   ', `198.51.100.9 - - [14/Mar/2026:10:00:00 +0100] "GET /${'a'.repeat(MAX_LINE)} HTTP/1.1" 200 1 "-" "x"`)
  lines.splice(5000, 0, 'x'.repeat(300 * 1024), 'domain1.com – – [14/Mar/2026:11:56:40 +0100] “GET /p.php?id=-1+UNION+SELECT+1,2 HTTP/1.1” 500 3 “-” “Python-urllib/2.7” TgC-OK3By8sACPOAAFA')
  const log = join(dir, 'access.log')
  writeFileSync(log, lines.slice(0, 8000).map((l, i) => i % 7 === 0 ? l + '\r' : l).join('\n') + '\n')
  const gz = join(dir, 'access.log.gz')
  writeFileSync(gz, gzipSync(lines.slice(8000).join('\n')))
  const broken = join(dir, 'broken.gz')
  writeFileSync(broken, gzipSync(lines.slice(0, 3000).join('\n')).subarray(0, 20_000))
  const ndjson = join(dir, 'records.ndjson')
  writeFileSync(ndjson, records().join('\n') + '\n')
  const options = optionsOf(['--threshold', '2', log, broken, ndjson, gz])
  const one = await makeReport(options, false, NOW, 1)
  t.ok(one.inputs.lines > 12_010, 'every line read, and the truncated file up to where it breaks')
  t.ok(one.inputs.unparseableSamples.some((s) => s.file === broken && s.line === 0 && s.reason.startsWith('read error')), 'the truncated file is reported')
  t.ok(one.inputs.unparseableSamples.some((s) => s.reason === `longer than ${MAX_LINE} bytes`), 'the long lines are reported')
  t.ok(one.attacks.requests > 200, 'attacks found')
  t.ok(one.clients.suspects.length > 0 && one.attacks.groups.length > 10, 'records and access-log lines counted')
  t.same(await makeReport(options, false, NOW, 2), one, 'one reading thread')
  t.same(await makeReport(options, false, NOW, 4), one, 'two reading threads')
})

test('an unreadable .mmdb stops the report on threads as on one', async (t) => {
  const dir = tmpDir(t, 'fri-cli-threads-')
  const log = join(dir, 'access.log')
  writeFileSync(log, '192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1\n')
  writeFileSync(join(dir, 'bad.mmdb'), 'not a database')
  const options = optionsOf(['--country-db', join(dir, 'bad.mmdb'), log])
  for (const threads of [1, 2]) {
    const err = await makeReport(options, false, NOW, threads).then(() => undefined, (e: Error) => e)
    t.ok(err instanceof InputError, `${threads} thread(s): an InputError (exit status 2)`)
    t.match(err?.message, /--country-db/)
  }
})

test('wholeLines: pieces that splitLines reads as the same lines, however the input is chunked', async (t) => {
  const texts = ['a\r\nbb\n', '', '\n\n', 'x'.repeat(MAX_LINE + 5) + '\nafter\n', 'y'.repeat(3 * MAX_LINE) + '\nz', 'é'.repeat(1000) + '\nlast']
  for (const text of texts) {
    const bytes = Buffer.from(text)
    for (const size of [bytes.length < 10_000 ? 1 : 4099, 1000, MAX_LINE + 3, bytes.length + 1]) {
      const chunks = (): Readable => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)))
      const expected: Array<string | undefined> = []
      await splitLines(chunks(), (line) => expected.push(line))
      const got: Array<string | undefined> = []
      for await (const piece of wholeLines(chunks())) {
        if (piece === undefined) got.push(undefined)
        else await splitLines(piece.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)), (line) => got.push(line))
      }
      t.same(got, expected, `${JSON.stringify(text.slice(0, 12))}… in chunks of ${size}`)
    }
  }
})

test('wholeLines: each piece owns its memory, so that it can be handed over', async (t) => {
  const shared = Buffer.from('one\ntwo\nthr')
  const pieces: Uint8Array[][] = []
  for await (const piece of wholeLines(Readable.from([shared.subarray(0, 6), shared.subarray(6), Buffer.from('ee\n')]))) if (piece !== undefined) pieces.push(piece)
  for (const part of pieces.flat()) t.not(part.buffer, shared.buffer, 'not a view of a chunk that shares its memory')
  t.same(pieces.map((p) => Buffer.concat(p).toString()), ['one\n', 'two\n', 'three\n'])
})

test('Memo: keeps a generation and the one before, moves back what is asked for, skips long keys', async (t) => {
  const memo = new Memo<number>(2, 5)
  memo.set('a', 1)
  memo.set('b', 2)
  memo.set('c', 3)
  t.equal(memo.get('a'), 1, 'the older generation is still asked')
  memo.set('d', 4)
  memo.set('e', 5)
  t.equal(memo.get('a'), 1, 'a key asked for moved back into the recent generation')
  t.equal(memo.get('b'), undefined, 'a key not asked for is dropped after two generations')
  memo.set('toolong', 6)
  t.equal(memo.get('toolong'), undefined, 'longer keys are not kept')
})

test('batches: every field of a request crosses as it was', async (t) => {
  const base: Request = {
    time: 1, offset: -240, source: '2001:db8::1', key: '2001:db8::/64', keyHash: 12345, site: 'a.example', method: '', url: '/x?y', status: 404,
    reqId: 'id', decision: { action: 'banned', monitor: true }, ja3: 'j3', ja4: 'j4', hoh: 'h', ho: 'Ho,Ac', h2: 'h2', family: 'curl', major: '8', tool: true,
    threats: [{ kind: 'sqli', rule: 'r', where: 'query:q', excerpt: 'e\u0000\ud800', score: 5 }], attack: true, line: 'the line'
  }
  const sparse: Request = {
    ...base, time: undefined, source: undefined, key: undefined, keyHash: 0, site: undefined, status: undefined, reqId: undefined, decision: undefined, ja3: undefined, ja4: undefined,
    hoh: undefined, ho: undefined, h2: undefined, family: undefined, major: undefined, tool: false, threats: [], attack: false, line: undefined
  }
  const writer = new BatchWriter()
  for (const r of [base, sparse, { ...base, source: '192.0.2.1', key: '192.0.2.1' }]) writer.add(r)
  const read: Request[] = []
  readBatch(structuredClone(writer.take()), (r) => read.push(r))
  t.same(read, [base, sparse, { ...base, source: '192.0.2.1', key: '192.0.2.1' }])
  t.equal(writer.take().count, 0, 'a new batch begun')
})

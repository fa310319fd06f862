// The Logstash transport against a receiver we did not write: Debian's syslog-ng, reading the NDJSON stream
// from a plain tcp source (one message per line) and parsing each line with its own JSON parser. Two files
// come out of every syslog-ng run: `raw` holds each message as syslog-ng framed it, so a partial or merged
// line shows there even when the JSON parser would have thrown it away; `parsed` holds the fields syslog-ng's
// parser found, written back as JSON, so field values are checked through an independent JSON implementation.
import { t as rootTest, test } from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, hostname } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import * as net from 'node:net'
import pino from 'pino'
import { until } from './helper'

const SYSLOG_NG = '/usr/sbin/syslog-ng'
const TRANSPORT = join(__dirname, '..', 'dist', 'logstash.js')
const RECORDS = 2000

// syslog-ng starts in well under a second, but this machine has two cores shared with other test files.
rootTest.setTimeout(240_000)

interface SyslogNg {
  stop: () => Promise<void>
  raw: () => string[]
  parsed: () => Array<Record<string, any>>
}

function lines (file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : []
}

async function freePort (): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/** Starts syslog-ng in the foreground with its own config, state and output files under `dir`, named after `run`. */
async function startSyslogNg (dir: string, port: number, run: string): Promise<SyslogNg> {
  const configVersion = /Config version: (\S+)/.exec(execFileSync(SYSLOG_NG, ['--version'], { encoding: 'utf8' }))?.[1] ?? '3.35'
  const raw = join(dir, `${run}.raw.ndjson`)
  const parsed = join(dir, `${run}.parsed.ndjson`)
  // flow-control: a slow file write holds the source back instead of dropping messages. log-msg-size: the
  // default 64 KiB would split the long records this test sends into two messages.
  writeFileSync(join(dir, `${run}.conf`), `@version: ${configVersion}
options { stats-freq(0); };
source s_ndjson { network(ip("127.0.0.1") port(${port}) transport("tcp") flags(no-parse) log-msg-size(1048576)); };
parser p_json { json-parser(prefix(".json.")); };
destination d_raw { file("${raw}" template("$MSG\\n")); };
destination d_parsed { file("${parsed}" template("$(format-json --scope none --key .json.* --shift-levels 2)\\n")); };
log { source(s_ndjson); destination(d_raw); };
log { source(s_ndjson); parser(p_json); destination(d_parsed); flags(flow-control); };
`)
  const child = spawn(SYSLOG_NG, ['-F', '--no-caps', '-f', join(dir, `${run}.conf`), '-R', join(dir, 'persist'),
    '-p', join(dir, `${run}.pid`), '--control', join(dir, `${run}.ctl`)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  let exited = false
  const exit = once(child, 'exit').then(() => { exited = true })
  const end = Date.now() + 30_000
  while (!await accepts(port)) {
    if (exited || Date.now() > end) {
      child.kill('SIGKILL')
      throw new Error(`syslog-ng did not start listening on ${port}:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    async stop () {
      if (!exited) child.kill('SIGTERM')
      await exit
    },
    raw: () => lines(raw),
    parsed: () => lines(parsed).map((line) => JSON.parse(line))
  }
}

/** The i-th record: unicode outside the BMP, quotes, backslashes, escaped control characters, nesting, long values. */
function content (i: number): Record<string, any> {
  return {
    i,
    text: ['plain', 'héllo wörld ✓ 日本語 😀', 'say "hi" and \'bye\'', 'C:\\path\\to\\file \\" \\\\', 'line\nbreak\ttab\r'][i % 5],
    user: { name: `user-${i}`, tags: ['a', `t${i % 7}`], depth: { level: i % 4, flag: i % 2 === 0, gone: null } },
    ratio: i / 4,
    long: i % 100 === 0 ? `${i}:`.padEnd(20_000, 'абв') : undefined
  }
}

/**
 * Compares what syslog-ng wrote with what was logged. syslog-ng 3.x keeps every value as a string (numbers
 * printed with %f, null as '', an array of scalars as its comma-separated list, any other array as JSON
 * text), 4.x keeps types; both are accepted. No logged array element contains a comma.
 */
function differences (got: any, want: any, at: string, out: string[]): string[] {
  if (want === undefined) {
    if (got !== undefined) out.push(`${at}: unexpected ${JSON.stringify(got)}`)
  } else if (typeof want === 'number') {
    if (Number(got) !== want) out.push(`${at}: ${JSON.stringify(got)} is not ${want}`)
  } else if (typeof want === 'boolean') {
    if (String(got) !== String(want)) out.push(`${at}: ${JSON.stringify(got)} is not ${want}`)
  } else if (want === null) {
    if (got !== '' && got !== null && got !== undefined) out.push(`${at}: ${JSON.stringify(got)} is not null`)
  } else if (Array.isArray(want)) {
    const list = typeof got !== 'string' ? got : got.startsWith('[') ? JSON.parse(got) : got.split(',')
    if (!Array.isArray(list) || list.length !== want.length) out.push(`${at}: ${JSON.stringify(got)} is not ${JSON.stringify(want)}`)
    else want.forEach((item, n) => differences(list[n], item, `${at}[${n}]`, out))
  } else if (typeof want === 'object') {
    if (typeof got !== 'object' || got === null) out.push(`${at}: ${JSON.stringify(got)} is not an object`)
    else for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) differences(got[key], want[key], `${at}.${key}`, out)
  } else if (got !== want) {
    out.push(`${at}: ${JSON.stringify(got)} is not ${JSON.stringify(want)}`)
  }
  return out
}

/** The transport, once its worker runs: until then pino holds the lines, and nothing is streamed. */
async function tcpTransport (port: number, extra: Record<string, unknown> = {}): Promise<ReturnType<typeof pino.transport>> {
  const transport = pino.transport({ target: TRANSPORT, options: { mode: 'tcp', port, countersInterval: 0, ...extra } })
  await once(transport, 'ready')
  return transport
}

async function endTransport (transport: ReturnType<typeof pino.transport>): Promise<void> {
  const closed = once(transport, 'close')
  transport.end()
  await closed
}

/** Splits a record id into the transport's per-process prefix and its sequence number. */
function idParts (record: Record<string, any>): [string, number] {
  const [prefix, seq] = String(record.record_id).split('-')
  return [prefix as string, parseInt(seq as string, 36)]
}

const skip = existsSync(SYSLOG_NG) ? false : `${SYSLOG_NG} is not installed (Debian: apt-get install syslog-ng-core)`

test('syslog-ng receives every record, in order, with the values that were logged', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fri-syslog-ng-'))
  const port = await freePort()
  const syslogNg = await startSyslogNg(dir, port, 'one')
  t.teardown(async () => {
    await syslogNg.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const transport = await tcpTransport(port)
  const logger = pino({ level: 'info' }, transport)
  for (let i = 0; i < RECORDS; i++) logger.info(content(i), `record ${i}`)
  await endTransport(transport)

  await until(() => syslogNg.raw().length >= RECORDS, 60_000)
  await until(() => syslogNg.parsed().length >= RECORDS, 10_000)
  const raw = syslogNg.raw()
  const parsed = syslogNg.parsed()
  t.equal(raw.length, RECORDS, 'one syslog-ng message per record')
  t.equal(parsed.length, RECORDS, 'syslog-ng parsed every message as JSON')
  const prefixes = new Set(parsed.map((record) => idParts(record)[0]))
  t.equal(prefixes.size, 1, 'one id prefix for the whole run')
  const mismatches: string[] = []
  parsed.forEach((record, n) => {
    if (idParts(record)[1] !== n) mismatches.push(`line ${n}: record_id ${String(record.record_id)} out of order`)
    const { record_id: _id, time, ...rest } = record
    if (!(Number(time) > 0)) mismatches.push(`line ${n}: time ${String(time)}`)
    differences(rest, { level: 30, pid: process.pid, hostname: hostname(), ...content(n), msg: `record ${n}` }, `line ${n}`, mismatches)
  })
  t.same(mismatches.slice(0, 10), [], `${mismatches.length} differences`)
})

test('after syslog-ng restarts mid-stream, every line is whole and only the replayed records repeat', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fri-syslog-ng-'))
  const port = await freePort()
  const first = await startSyslogNg(dir, port, 'first')
  let second: SyslogNg | undefined
  t.teardown(async () => {
    await first.stop()
    await second?.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  // The default replay window (4 MiB) is larger than everything this test sends, so whatever syslog-ng had not
  // yet read when it stopped is sent again. A short backoff ceiling: the test should not wait up to 30 s for the
  // transport's next attempt.
  const transport = await tcpTransport(port, { backoffMax: 500 })
  const logger = pino({ level: 'info' }, transport)
  let logged = 0
  const logSteadily = async (upTo: number): Promise<void> => {
    while (logged < upTo) {
      for (const end = Math.min(upTo, logged + 10); logged < end; logged++) logger.info(content(logged), `record ${logged}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  // Stopped while records are still being logged, once they are seen to flow: syslog-ng writes its file in
  // bursts, so what it has written says little about how far the stream has gone.
  const phaseOne = logSteadily(1500)
  await until(() => logged >= 700 && first.raw().length > 0, 60_000)
  const loggedAtStop = logged
  await first.stop()
  t.comment(`syslog-ng was stopped when ${loggedAtStop} records had been logged; ${logged} were logged by the time it exited, and it wrote ${first.raw().length}`)
  await phaseOne
  await logSteadily(1700)
  second = await startSyslogNg(dir, port, 'second')
  await logSteadily(RECORDS)
  await endTransport(transport)

  const ids = (run: SyslogNg): number[] => run.raw().map((line) => JSON.parse(line).i)
  await until(() => new Set([...ids(first), ...ids(second)]).size === RECORDS, 60_000)
  for (const [name, run] of [['first', first], ['second', second]] as const) {
    const broken = run.raw().filter((line) => { try { JSON.parse(line); return false } catch { return true } })
    t.same(broken, [], `${name} syslog-ng: every message is one whole record`)
    t.equal(run.parsed().length, run.raw().length, `${name} syslog-ng: its JSON parser accepted every message`)
  }
  const a = first.parsed()
  const b = second.parsed()
  const order = (records: Array<Record<string, any>>): number[] => records.map((r) => Number(r.i))
  t.same(order(a), a.map((_, n) => n), 'the first syslog-ng got records 0.. in order, each once')
  const from = Math.min(...order(b))
  const tail = Array.from({ length: RECORDS - from }, (_, n) => from + n)
  t.same(order(b).sort((x, y) => x - y), tail, `the second got records ${from}.. each once`)
  t.same(order(b), tail, 'the second got them in order')
  t.ok(from <= a.length, 'no record is missing between the two')
  const duplicates = b.filter((r) => Number(r.i) < a.length).sort((x, y) => Number(x.i) - Number(y.i))
  t.same(duplicates, a.slice(from), 'a record received twice is the same record, with the same id')
  t.comment(`${duplicates.length} records were received twice`)
})

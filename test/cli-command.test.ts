import { test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { stderrProgress } from '../lib/cli/input/index'
import { tmpDir } from './helper'

// The built command, as npm links it (package.json `bin`); `npm test` builds dist/ first.
const BIN = join(__dirname, '..', 'dist', 'cli', 'main.js')
const PKG = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string, bin: Record<string, string> }

interface Run { code: number | null, stdout: string, stderr: string }

function run (args: string[], stdin?: Buffer | string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr })
    })
    child.stdin?.end(stdin)
  })
}

const LINES = [
  '45.33.32.156 - - [22/Nov/2026:10:00:00 +0100] "GET /item?id=1%20union%20select%20password%20from%20users HTTP/1.1" 404 2 "-" "sqlmap/1.8"',
  '45.33.32.156 - - [22/Nov/2026:10:00:01 +0100] "GET /download?file=../../../../etc/passwd HTTP/1.1" 200 2 "-" "sqlmap/1.8"',
  '45.33.32.156 - - [22/Nov/2026:10:00:02 +0100] "GET /.env HTTP/1.1" 404 2 "-" "\u001b]0;pwned\u0007\u001b[2J"',
  '198.51.100.2 - - [22/Nov/2026:10:00:03 +0100] "GET / HTTP/1.1" 200 2 "-" "curl/8.5.0"',
  'garbage line'
].join('\n') + '\n'

test('the package names the command', { skip: existsSync(BIN) ? false : `${BIN} is not built (npm run build)` }, async (t) => {
  t.same(PKG.bin, { 'request-info': './dist/cli/main.js' })
  t.match(readFileSync(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'a shebang line')
  const help = await run(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage:\n {2}request-info report/)
  t.same(await run(['--version']), { code: 0, stdout: PKG.version + '\n', stderr: '' })
})

test('mistakes on the command line and missing inputs: exit 2 with a message', { skip: existsSync(BIN) ? false : 'not built' }, async (t) => {
  const dir = tmpDir(t, 'fri-cli-command-')
  for (const [args, message] of [
    [[], /give a command: report or rules/],
    [['patrol'], /unknown command "patrol"/],
    [['report', '--nope'], /Unknown option '--nope'/],
    [['report', '--threshold', '0', 'x'], /--threshold must be an integer from 1 to 1000000; got "0"/],
    [['report', '--paranoia', '5', 'x'], /--paranoia must be an integer from 1 to 4/],
    [['report', '--format', 'pdf', 'x'], /--format must be text, json or html/],
    [['rules', '-f', 'html', 'x'], /--format for rules is text \(YAML\) or json/],
    [['report', '--rdap', 'ftp://x', 'x'], /--rdap must be an http or https URL/],
    [['report', join(dir, 'missing.log')], /missing\.log: no such file/],
    [['report', join(dir, '*.gz')], /no file matches/],
    [['report', dir], /is a directory/],
    [['report', '--country-db', join(dir, 'no.mmdb'), '-'], /--country-db: cannot read/]
  ] as Array<[string[], RegExp]>) {
    const r = await run(args, '')
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, message)
    t.equal(r.stdout, '')
  }
})

test('reads standard input (gzipped too), writes text, JSON, HTML and drafts', { skip: existsSync(BIN) ? false : 'not built' }, async (t) => {
  const dir = tmpDir(t, 'fri-cli-command-')
  const text = await run(['report'], gzipSync(LINES))
  t.equal(text.code, 0)
  t.match(text.stdout, /request-info report: 4 requests from 1 input \(-\)/)
  t.match(text.stdout, /1 unreadable/)
  t.notMatch(text.stdout, /\u001b/, 'no escape sequence from a log line reaches the terminal')
  t.match(text.stdout, /\\x1b\]0;pwned/, 'it is shown escaped')
  t.match(text.stderr, /1 of 5 lines could not be read/)
  const json = await run(['report', '-q', '-f', 'json', '-'], LINES)
  const report = JSON.parse(json.stdout)
  t.match(report, { version: 1, inputs: { requests: 4, unparseable: 1 }, attacks: { requests: 3, groups: [{ key: '45.33.32.156', attacks: 3 }] } })
  t.equal(json.stderr, '', '-q: nothing on standard error')
  const log = join(dir, 'access.log')
  writeFileSync(log, LINES)
  const html = await run(['report', '-q', '-o', join(dir, 'report.html'), '--drafts', join(dir, 'drafts'), log])
  t.equal(html.code, 0)
  t.match(readFileSync(join(dir, 'report.html'), 'utf8'), /^<!doctype html>/i, 'the format follows the extension')
  t.same(readdirSync(join(dir, 'drafts')), ['abuse-45.33.32.156.txt'])
  t.match(readFileSync(join(dir, 'drafts', 'abuse-45.33.32.156.txt'), 'utf8'), /Subject: Abuse report: 3 attack attempts from 45\.33\.32\.156/)
  const rules = await run(['rules', '-q', log])
  t.match(rules.stdout, /- id: attack-sources\n {4}action: block\n {4}mode: monitor\n {4}match:\n {6}ip:\n {8}- 45\.33\.32\.156/)
})

test('progress: one line a second on a terminal, only once the first second has passed', async (t) => {
  let written = ''
  const stream = Object.assign(new Writable({ write (chunk, _e, cb) { written += String(chunk); cb() } }), { isTTY: true }) as unknown as NodeJS.WriteStream
  const progress = stderrProgress(1000, stream)
  const stats = { files: [], lines: 100, requests: 100, records: 0, accessLogLines: 100, otherRecords: 0, unparseable: 0, unparseableSamples: [], untimed: 0 }
  progress.tick(stats, 100)
  t.equal(written, '', 'nothing in the first second')
  await new Promise((resolve) => setTimeout(resolve, 1100))
  progress.tick(stats, 500)
  t.match(written, /^\rrequest-info: 100 lines, 0\.0 MB \(50 %\), \d+ lines\/s\u001b\[K$/)
  progress.done()
  t.match(written, /\n$/, 'the line is ended')
})

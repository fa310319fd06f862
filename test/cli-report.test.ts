import { test } from 'tap'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { renderText } from '../lib/cli/render/text'
import { reportOf } from './helpers/cli'

// Golden tests on fixed inputs: seed 000's lines and the CrowdSec hub's scenario logs from ../shared/corpus.
const CORPUS = join(__dirname, '..', '..', 'shared', 'corpus')
const SEED = join(CORPUS, 'seed-access.log')
const ACCESS = join(CORPUS, 'access-logs.ndjson')
const absent = (file: string): string | false => existsSync(file) ? false : `${file} is absent (the shared corpus lives beside the repository)`

test('seed 000: the SQL injection, the traversal and the file inclusion, grouped by site, not blocked (500)', { skip: absent(SEED) }, async (t) => {
  const report = await reportOf([relative(process.cwd(), SEED)])
  t.match(report.inputs, { lines: 9, requests: 9, accessLogLines: 9, unparseable: 0, untimed: 0 })
  t.equal(report.attacks.requests, 9, 'every line is an attack')
  t.equal(report.attacks.groupedBy, 'site', 'the lines carry no client address')
  t.same(report.attacks.kinds, [
    { value: 'lfi', count: 5, blocked: 0, notBlocked: 5 },
    { value: 'rfi', count: 3, blocked: 0, notBlocked: 3 },
    { value: 'sqli', count: 1, blocked: 0, notBlocked: 1 }
  ])
  t.same(report.attacks.outcomes, [{
    status: 500, verdict: 'not blocked', count: 9,
    meaning: 'internal server error: it reached the application and made it fail; review the code it reached'
  }])
  t.same(report.attacks.groups.map((g) => [g.key, g.by, g.attacks, g.kinds.map((k) => `${k.value} ${k.count}`), g.first?.text, g.last?.text, g.notBlocked]), [
    ['domain3.com', 'site', 6, ['lfi 3', 'rfi 3'], '2011-06-22 13:46:16 -0400', '2011-06-22 13:47:01 -0400', 6],
    ['domain2.com', 'site', 2, ['lfi 2'], '2011-06-22 01:46:14 -0400', '2011-06-22 01:46:14 -0400', 2],
    ['domain1.com', 'site', 1, ['sqli 1'], '2011-06-21 11:56:40 -0400', '2011-06-21 11:56:40 -0400', 1]
  ])
  const sqli = report.attacks.groups[2].evidence[0]
  t.match(sqli, { status: 500, verdict: 'not blocked', kinds: ['sqli'] })
  t.ok(sqli.rules.includes('sqli-union-select'), 'the rule that caught it')
  t.match(sqli.line, /^domain1\.com – – \[21\/Jun\/2011:11:56:40 -0400\] “GET \/contact\/press_release_pop\.php\?id=-109\+UNION\+SELECT/, 'the line as logged')
  t.same(report.drafts, [], 'no source address: no abuse report')
  t.same(report.sites.map((s) => [s.site, s.sources, s.attacks, s.notice !== null]), [
    ['domain3.com', null, 6, true], ['domain2.com', null, 2, false], ['domain1.com', null, 1, false]
  ], 'the site with three attacks or more gets a notice for its owner')
  t.match(report.sites[0].notice, /domain3\.com received 6 requests that tried to attack it/)
  const text = renderText(report)
  for (const line of [
    '9 attack requests: 0 blocked, 9 not blocked.',
    'By site (the lines carry no client address), most attacks first:',
    'lfi          5        0            5',
    'sqli         1        0            1',
    '   500         9  not blocked  internal server error: it reached the application and made …'
  ]) t.ok(text.includes(line), `the text says: ${line}`)
})

test('seed 000 read again with a lower threshold: drafts stay for sources only, notices follow the threshold', { skip: absent(SEED) }, async (t) => {
  const report = await reportOf(['--threshold', '1', SEED])
  t.same(report.drafts, [])
  t.same(report.sites.filter((s) => s.notice !== null).map((s) => s.site), ['domain3.com', 'domain2.com', 'domain1.com'])
})

test('the CrowdSec hub logs as an access log: attacks by source, behaviour alerts, drafts and rules', { skip: absent(ACCESS) }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fri-cli-crowdsec-'))
  const records = readFileSync(ACCESS, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { raw_log: string, source_ip: string, label: string })
  const file = join(dir, 'access.log')
  writeFileSync(file, records.map((r) => r.raw_log).join('\n') + '\n')
  const report = await reportOf([file])
  t.match(report.inputs, { lines: 183, requests: 183, accessLogLines: 183, unparseable: 0 })
  t.equal(report.attacks.groupedBy, 'source')
  t.same(report.attacks.groups.map((g) => [g.key, g.attacks]), [['172.17.0.1', 87], ['127.0.0.1', 47], ['2001:db8:85a3::/64', 2]])
  t.same(report.traffic.topSources.map((s) => [s.key, s.requests]), [['172.17.0.1', 90], ['127.0.0.1', 65], ['1.2.3.4', 23], ['157.230.234.189', 3], ['2001:db8:85a3::/64', 2]])
  t.equal(report.traffic.topSources.reduce((n, s) => n + s.requests, 0), 183)
  // The expected alerts of each CrowdSec file are checked in detect-behaviour-corpus.test.ts, file by file;
  // read as one log, every scenario of the hub's files still fires.
  const scenarios = new Set(report.alerts.map((a) => a.scenario))
  for (const s of ['http-probing', 'http-sensitive-files', 'http-bad-user-agent', 'http-backdoors-attempts', 'http-sqli-probing', 'http-xss-probing', 'http-path-traversal-probing', 'repeated-attacks']) {
    t.ok(scenarios.has(s), s)
  }
  t.same(report.drafts.map((d) => [d.source, d.attacks, d.contact.status]), [['172.17.0.1', 87, 'private'], ['127.0.0.1', 47, 'private']], 'private sources are told offline')
  t.match(report.drafts[0].text, /^To: \(no abuse contact: 172\.17\.0\.1 is a special-purpose address, private-use/)
  t.match(report.drafts[0].text, /\nSubject: Abuse report: 87 attack attempts from 172\.17\.0\.1/)
  t.match(report.drafts[0].text, /2021-09-29 12:37:05 \+0000 \(status 404\)\n172\.17\.0\.1 - - \[29\/Sep\/2021:12:37:05 \+0000\] "GET \/src\/scripture\.php/)
  t.same(report.rules, [], 'loopback and private sources are not suggested for blocking (they are usually proxies), and Mozilla is no tool')
  t.equal(report.traffic.timeline.points.reduce((n, p) => n + p.requests, 0), 183, 'the timeline holds every timed request')
  t.ok(report.traffic.timeline.points.length <= 500)
})

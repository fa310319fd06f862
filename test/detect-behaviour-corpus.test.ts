import { test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createBehaviour, type Alert } from '../lib/detect/behaviour/index'
import { createDetection, threatScore } from '../lib/detect/index'

// The CrowdSec hub's scenario test logs (../shared/corpus/access-logs.ndjson): each file's records, replayed
// in order with their own times through the signature findings and the behaviour windows, give the number
// of alerts its CrowdSec scenario expects.
const CORPUS = join(__dirname, '..', '..', 'shared', 'corpus')
const FILE = join(CORPUS, 'access-logs.ndjson')

interface LogRecord {
  id: string
  method: string | null
  uri: string
  headers: Record<string, string>
  status: number
  source_ip: string
  time: string
  group: { file: string, scenario: string, expected_alerts_for_file: number }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `29/Sep/2021:12:37:05 +0000` (the access-log time) as ms since the epoch. */
function logTime (text: string): number {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text)
  if (m === null) throw new Error(`not an access-log time: ${text}`)
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000
  return Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset
}

/** Header names lowercased, as Node gives them. */
function lower (headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value
  return out
}

test('the CrowdSec hub test logs give their expected alerts', { skip: existsSync(FILE) ? false : `${CORPUS} is absent (the shared corpus lives beside the repository)` }, async (t) => {
  const records = readFileSync(FILE, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LogRecord)
  const files = new Map<string, LogRecord[]>()
  for (const r of records) files.set(r.group.file, [...(files.get(r.group.file) ?? []), r])
  t.ok(files.size >= 12, `${files.size} files`)
  const detection = createDetection({ paranoia: 1, disable: [], bodyLimit: 65536, userAgentCacheSize: 1024 })
  for (const [file, list] of files) {
    const { scenario, expected_alerts_for_file: expected } = list[0].group
    // The scenario ids are CrowdSec's without its namespace.
    const ours = scenario.replace(/^crowdsecurity\//, '')
    const behaviour = createBehaviour({ now: () => logTime(list[0].time) })
    const alerts: Alert[] = []
    for (const r of list) {
      const threats = detection.request({ url: r.uri, headers: lower(r.headers) })
      alerts.push(...behaviour.observe({
        realIp: r.source_ip, host: undefined, method: r.method ?? '', url: r.uri, status: r.status,
        reqId: r.id, time: logTime(r.time), threats, threatScore: threatScore(threats)
      }))
    }
    const got = alerts.filter((a) => a.scenario === ours)
    t.equal(got.length, expected, `${file.split('/').pop() ?? file}: ${ours} (all alerts: ${alerts.map((a) => `${a.scenario} ${a.count}`).join(', ') || 'none'})`)
    for (const a of got) {
      t.equal(a.evidence.length > 0 && a.evidence.length <= 20, true, 'evidence bounded')
      t.ok(a.evidence.every((e) => list.some((r) => r.id === e.reqId)), 'evidence names the file\'s requests')
    }
  }
})

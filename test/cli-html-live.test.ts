import { test } from 'tap'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderHtml } from '../lib/cli/render/html'
import { chromiumPath, consoleErrors, dumpDom, screenshot } from './helpers/chromium'
import { reportOf } from './helpers/cli'
import { buildMmdb } from './helpers/mmdb'
import { tmpDir } from './helper'

// The HTML of a real report (the CrowdSec hub's logs from ../shared/corpus, with countries and networks from a
// small .mmdb), opened in headless Chromium. `SCREENSHOT_TO=docs/cli-report.png` keeps the screenshot (README).
const ACCESS = join(__dirname, '..', '..', 'shared', 'corpus', 'access-logs.ndjson')
const skip = chromiumPath() === undefined
  ? 'chromium is not installed (Debian package chromium; .ci/run installs it)'
  : existsSync(ACCESS) ? false : `${ACCESS} is absent (the shared corpus lives beside the repository)`

/** The values of the marks of series `series` in chart `id`, in the order drawn. */
function values (dom: string, id: string, series: string): number[] {
  const start = dom.indexOf(`<svg id="${id}"`)
  const svg = dom.slice(start, dom.indexOf('</svg>', start))
  return Array.from(svg.matchAll(new RegExp(`data-series="${series}"[^>]*?data-value="([0-9.]+)"`, 'g')), (m) => Number(m[1]))
}

test('a real report renders in Chromium, without a console message, with its data in the charts', { skip }, async (t) => {
  const dir = tmpDir(t, 'fri-cli-html-')
  const lines = readFileSync(ACCESS, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { raw_log: string }).raw_log)
  writeFileSync(join(dir, 'access.log'), lines.join('\n') + '\n')
  writeFileSync(join(dir, 'country.mmdb'), buildMmdb({
    databaseType: 'GeoLite2-Country',
    networks: [{ cidr: '172.16.0.0/12', data: { country: { iso_code: 'DE' } } }, { cidr: '127.0.0.0/8', data: { country: { iso_code: 'FR' } } }, { cidr: '1.2.3.0/24', data: { country: { iso_code: 'AU' } } }]
  }))
  const report = await reportOf(['--country-db', join(dir, 'country.mmdb'), join(dir, 'access.log')])
  const page = join(dir, 'report.html')
  writeFileSync(page, renderHtml(report))
  t.same(await consoleErrors(page), [], 'no console message')
  const dom = await dumpDom(page)
  t.same(values(dom, 'chart-timeline', 'requests'), report.traffic.timeline.points.map((p) => p.requests), 'the timeline: requests per bucket')
  t.same(values(dom, 'chart-timeline', 'attacks'), report.traffic.timeline.points.map((p) => p.attacks), 'the timeline: attacks per bucket')
  t.same(values(dom, 'chart-sources', 'requests'), report.traffic.topSources.map((s) => s.requests), 'top sources')
  t.same(values(dom, 'chart-countries', 'requests'), [90, 65, 23], 'countries: DE, FR, AU')
  t.same(values(dom, 'chart-countries', 'attacks'), [87, 47, 0])
  t.equal(values(dom, 'chart-fingerprints', 'ja4').length, report.clients.families.length, 'one group of bars per family')
  t.ok(dom.includes('Abuse report: 87 attack attempts from 172.17.0.1'), 'the drafts are in the page')
  const png = join(dir, 'report.png')
  await screenshot(page, png, { width: 1280, height: 1600 })
  const bytes = readFileSync(png)
  t.same([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG')
  t.same([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [1280, 1600], 'of the window\'s size')
  t.ok(bytes.length > 100_000, `${bytes.length} bytes: not a blank page`)
  if (process.env.SCREENSHOT_TO !== undefined) copyFileSync(png, process.env.SCREENSHOT_TO)
})

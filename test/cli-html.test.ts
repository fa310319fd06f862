import { test } from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderHtml } from '../lib/cli/render/html'
import { barChart, timelineChart, zoneOf } from '../lib/cli/render/charts'
import { escapeHtml } from '../lib/cli/render/markup'
import type { Report } from '../lib/cli/report'
import { chromiumPath, consoleErrors, dumpDom, screenshot } from './helpers/chromium'
import { HOSTILE, LONG_UA, LONG_URL, SPIKE_MINUTE, SPIKE_REQUESTS, at, emptyReport, sampleReport } from './helpers/sample-report'

// The page is read back with a scanner of start tags that knows quoted attribute values may hold `>`, and
// with the five entities the renderer writes and the ones Chromium's serialiser writes.
const TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

function decode (text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) =>
    name[0] === '#' ? String.fromCodePoint(parseInt(name.slice(name[1] === 'x' || name[1] === 'X' ? 2 : 1), name[1] === 'x' || name[1] === 'X' ? 16 : 10)) : NAMED[name] ?? whole)
}

interface Tag { name: string, attributes: Map<string, string> }

function tags (html: string): Tag[] {
  return Array.from(html.matchAll(TAG), (m) => ({
    name: m[1].toLowerCase(),
    attributes: new Map(Array.from(m[2].matchAll(ATTRIBUTE), (a) => [a[1].toLowerCase(), decode(a[2] ?? a[3] ?? a[4] ?? '')]))
  }))
}

/** The page's text as a reader sees it: styles dropped, tags removed, entities decoded. */
function visibleText (html: string): string {
  return decode(html.replace(/<style>[\s\S]*?<\/style>/g, '').replace(TAG, '').replace(/<\/[a-zA-Z0-9-]+>/g, ''))
}

interface Mark { key: string, series: string, value: number }

/** A value as the page shows it: C0 controls and DEL as their Control Pictures (U+2400 + code, U+2421). */
function shown (value: string): string {
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)))
}

/** The data marks of the chart `id`: every element inside its <svg> that has a data-key. */
function marks (html: string, id: string): Mark[] {
  const start = html.indexOf(`<svg id="${id}"`)
  if (start === -1) throw new Error(`no chart ${id} in the page`)
  return tags(html.slice(start, html.indexOf('</svg>', start)))
    .filter((tag) => tag.attributes.has('data-key'))
    .map((tag) => ({ key: tag.attributes.get('data-key') ?? '', series: tag.attributes.get('data-series') ?? '', value: Number(tag.attributes.get('data-value')) }))
}

/** The marks a bar chart of `rows` must have, in order. */
function barMarks (rows: ReadonlyArray<{ key: string, values: readonly number[] }>, series: readonly string[]): Mark[] {
  return rows.flatMap((row) => series.map((name, i) => ({ key: shown(row.key), series: name, value: row.values[i] })))
}

function expectedMarks (report: Report): Record<string, Mark[]> {
  const traffic = (rows: Report['traffic']['topSources']): Mark[] => barMarks(rows.map((r) => ({ key: r.key, values: [r.requests, r.attacks] })), ['requests', 'attacks'])
  return {
    'chart-timeline': [
      ...report.traffic.timeline.points.flatMap((p) => [{ key: String(p.ms), series: 'requests', value: p.requests }, { key: String(p.ms), series: 'attacks', value: p.attacks }]),
      ...report.traffic.spikes.map((s) => ({ key: String(s.minute.ms), series: 'spike', value: s.requests }))
    ],
    'chart-sources': traffic(report.traffic.topSources),
    'chart-fingerprints': barMarks(report.clients.families.map((f) => ({ key: f.family, values: [f.ja4.length, f.ja3.length, f.headerOrders.length, f.h2.length] })), ['ja4', 'ja3', 'ho', 'h2']),
    'chart-countries': traffic(report.traffic.countries),
    'chart-asns': traffic(report.traffic.asns)
  }
}

/** Every coordinate of the SVG drawn: finite, and no negative length. */
function badCoordinates (svg: string): string[] {
  const bad: string[] = []
  for (const tag of tags(svg)) {
    for (const [name, value] of tag.attributes) {
      if (['x', 'y', 'x1', 'x2', 'y1', 'y2', 'width', 'height', 'dy'].includes(name) && !(Number.isFinite(Number(value)) && !((name === 'width' || name === 'height') && Number(value) < 0))) bad.push(`${tag.name} ${name}="${value}"`)
      if (name === 'points' && !value.split(/[ ,]/).every((n) => Number.isFinite(Number(n)))) bad.push(`${tag.name} points="${value}"`)
      if (name === 'viewbox' && !value.split(' ').every((n) => Number.isFinite(Number(n)))) bad.push(`svg viewBox="${value}"`)
    }
  }
  if (/NaN|Infinity/.test(svg.replace(/<title>[^<]*<\/title>/g, ''))) bad.push('NaN or Infinity in the SVG')
  return bad
}

// What the page is made of; anything else (img, script, iframe, object, a form, …) came from data.
const ELEMENTS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'header', 'nav', 'main', 'section', 'article', 'div', 'h1', 'h2', 'h3', 'h4',
  'p', 'a', 'br', 'span', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'details', 'summary', 'pre', 'figure', 'figcaption',
  'svg', 'g', 'rect', 'line', 'polygon', 'text'])

function foreignMarkup (html: string): string[] {
  return tags(html).flatMap((tag) => [
    ...(ELEMENTS.has(tag.name) ? [] : [`element <${tag.name}>`]),
    ...Array.from(tag.attributes.keys()).filter((name) => name.startsWith('on') || ['src', 'srcset', 'style', 'action', 'formaction', 'xlink:href', 'background', 'poster'].includes(name))
      .map((name) => `attribute ${name} on <${tag.name}>`),
    ...(tag.attributes.has('href') && !(tag.attributes.get('href') ?? '').startsWith('#') ? [`href="${tag.attributes.get('href')}"`] : [])
  ])
}

// The escaped forms, written out by hand rather than by the function under test.
const ESCAPED = {
  script: '&lt;script&gt;alert(1)&lt;/script&gt;',
  attribute: '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;',
  entity: '&amp;amp;',
  url: LONG_URL.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

test('escapeHtml: markup characters become references, invisible controls their pictures', async (t) => {
  t.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
  t.equal(escapeHtml('\u0000\u001b[31m\u007f\t\n'), '\u2400\u241b[31m\u2421\t\n', 'NUL, ESC and DEL shown; tab and line feed kept')
  t.equal(escapeHtml('plain \u2028 text é 🙂'), 'plain \u2028 text é 🙂', 'everything else unchanged')
})

test('hostile strings from the logs are shown as text, never as markup', async (t) => {
  const html = renderHtml(sampleReport())
  t.notMatch(html, /<script/i, 'no script element, and no `<script` of a log line unescaped')
  t.notOk(html.includes(HOSTILE.script), 'the script payload never appears unescaped')
  t.notOk(html.includes(HOSTILE.attribute), 'the attribute breakout never appears unescaped')
  t.notOk(html.includes('\u001b'), 'no raw escape character')
  t.ok(html.includes(ESCAPED.script), 'the script payload is escaped')
  t.ok(html.includes(ESCAPED.attribute), 'the attribute breakout is escaped')
  t.ok(html.includes(ESCAPED.entity), '`&amp;` of a log is written `&amp;amp;`: read as the five characters it was')
  t.same(foreignMarkup(html), [], 'only the page\'s own elements, no event handler, no resource attribute, no link out of the page')

  const text = visibleText(html)
  for (const [name, value] of Object.entries(HOSTILE)) {
    if (name !== 'escape') t.ok(text.includes(value), `${name} is shown as the text it was`)
  }
  t.ok(text.includes('\u241b[31m'), 'the escape character is shown as its picture')

  t.ok(html.includes(ESCAPED.url), 'the 3,000-character URL is in the page whole (escaped)')
  const cutUrl = tags(html).filter((tag) => tag.name === 'span' && tag.attributes.get('class') === 'cut' && tag.attributes.get('title') === LONG_URL)
  t.ok(cutUrl.length > 0, 'where a cell shows it cut, its title holds it whole')
  const labels = Array.from(html.matchAll(/<text class="key"[^>]*><title>([^<]*)<\/title>([^<]*)<\/text>/g), (m) => [decode(m[1]), decode(m[2])])
  for (const [name, value] of [['the 3,000-character URL', LONG_URL], ['the 500-character User-Agent', LONG_UA]]) {
    const cutLabels = labels.filter(([title]) => title === value)
    t.ok(cutLabels.length > 0 && cutLabels.every(([, label]) => label === value.slice(0, 36) + '…'), `${name} is cut to 36 characters in a chart's label, whole in its title`)
  }
})

test('the page loads nothing: no script, no reference out of the page, a policy that forbids both', async (t) => {
  for (const report of [sampleReport(), emptyReport()]) {
    const html = renderHtml(report)
    t.notMatch(html, /\b(?:src|href|srcset|action|poster)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'no http(s) or protocol-relative src/href')
    const css = Array.from(html.matchAll(/<style>([\s\S]*?)<\/style>/g), (m) => m[1]).join('\n')
    t.ok(css.length > 0, 'the style is inline')
    t.notMatch(css, /url\s*\(|@import|@font-face/i, 'the style loads nothing (no url(), no @import, no font)')
    const policy = tags(html).find((tag) => tag.name === 'meta' && tag.attributes.get('http-equiv') === 'Content-Security-Policy')?.attributes.get('content') ?? ''
    t.match(policy, /default-src 'none'/, 'the policy allows no resource by default')
    t.match(policy, /script-src 'none'/, 'the policy runs no script')
    t.same(tags(html).filter((tag) => tag.attributes.has('href')).map((tag) => tag.attributes.get('href')),
      ['#summary', '#attacks', '#drafts', '#sites', '#alerts', '#clients', '#traffic', '#rules'], 'the only links are to the sections')
  }
})

test('the sections are in order, and the sample\'s data is in them', async (t) => {
  const report = sampleReport()
  const html = renderHtml(report)
  const order = Array.from(html.matchAll(/<section id="([a-z]+)">/g), (m) => m[1])
  t.same(order, ['summary', 'attacks', 'drafts', 'sites', 'alerts', 'clients', 'traffic', 'rules'])
  const text = visibleText(html)
  t.ok(text.includes('341 attack requests: 320 not blocked, 21 blocked. 2 sources listed, 2 abuse-report drafts, 2 sites attacked, 1 notice to site owners, 1 behaviour alert.'),
    'the headline counts what got through')
  t.ok(text.includes('Country NL, AS64500.'), 'a source\'s country and autonomous system')
  t.ok(text.includes('500: reached the application and made it fail; review the code it reached'), 'an outcome with its meaning')
  t.ok(text.includes(shown(report.drafts[0].text)), 'a draft\'s whole text')
  t.ok(text.includes('look-up failed: timed out'), 'a contact whose look-up failed says so')
  t.ok(text.includes('not looked up'), 'a contact not looked up says so')
  t.ok(text.includes(shown(report.sites[0].notice ?? 'a notice')), 'the site notice')
  t.ok(text.includes(JSON.stringify(report.rules[0].rule, null, 2)), 'a rule as JSON')
  t.ok(text.includes(`${report.rules[1].why}`), 'and why it is suggested')
  t.match(html, /<details><summary>As a rules file \(YAML[^<]*<\/summary><pre>[^<]*- id: block-203\.0\.113\.7\n {4}action: block\n {4}mode: monitor/, 'the rules file, as YAML')
  t.match(html, /<details><summary>Evidence: 2 requests<\/summary>/, 'evidence in a collapsible block')
  for (const [id, expected] of Object.entries(expectedMarks(report))) t.same(marks(html, id), expected, `${id} holds the report's data`)
})

test('an empty report renders, every part saying in one line that it has nothing', async (t) => {
  const html = renderHtml(emptyReport())
  const text = visibleText(html)
  for (const line of ['Every line was read.', 'No attack found.', 'No source reached the threshold of 3 attacks.', 'No site was attacked by several sources.',
    'No behaviour alert.', 'No client family.', 'No request claimed a client it does not look like.', 'No timed request in this period.',
    'No spike: no minute went far over its baseline.', 'No status.', 'No client address in the lines.', 'No country database was given: not known.', 'No rule suggested.']) {
    t.ok(text.includes(line), line)
  }
  for (const id of ['chart-timeline', 'chart-sources', 'chart-fingerprints', 'chart-countries', 'chart-asns']) t.same(marks(html, id), [], `${id} is there, without a mark`)
  t.same(badCoordinates(html), [])
})

test('charts: no point, one point, 500 points, zeros and huge values stay finite', async (t) => {
  const zone = zoneOf('2011-06-21 11:56:40 -0400')
  t.same(zone, { minutes: -240, label: '-0400' })
  t.same(zoneOf('2024-05-01T10:00:00.000Z'), { minutes: 0, label: 'UTC' })
  t.same(zoneOf('2024-05-01 10:00:00 +05:30'), { minutes: 330, label: '+0530' })

  const huge = [0, 1, Number.MAX_SAFE_INTEGER, 1e300, Number.MAX_VALUE]
  const timelines: Array<[string, Report['traffic']['timeline'], number]> = [
    ['no point', { bucketMs: 60_000, points: [] }, 0],
    ['one point', { bucketMs: 60_000, points: [{ ms: at(0).ms, requests: 5, attacks: 1 }] }, 1],
    ['one point of zeros', { bucketMs: 60_000, points: [{ ms: at(0).ms, requests: 0, attacks: 0 }] }, 1],
    ['500 points, huge values', { bucketMs: 60_000, points: Array.from({ length: 500 }, (_, i) => ({ ms: at(i).ms, requests: huge[i % 5], attacks: huge[(i + 2) % 5] })) }, 500],
    ['a bucket of 0 ms and times a Date cannot hold', { bucketMs: 0, points: [{ ms: 8.64e15 + 1, requests: 1, attacks: 0 }, { ms: Number.MAX_VALUE, requests: 2, attacks: 2 }] }, 2],
    ['points out of order', { bucketMs: 60_000, points: [{ ms: 0, requests: 1, attacks: 0 }, { ms: 1e300, requests: 2, attacks: 1 }, { ms: -1e300, requests: 3, attacks: 3 }, { ms: 600_000, requests: 4, attacks: 0 }] }, 4],
    ['times that are not numbers', { bucketMs: Number.NaN, points: [{ ms: Number.NaN, requests: Number.POSITIVE_INFINITY, attacks: -1 }, { ms: 5, requests: 3, attacks: 0 }] }, 2]
  ]
  for (const [what, timeline, points] of timelines) {
    const spikes = [{ minute: at(3), requests: 1e300, baseline: 0 }, { minute: { ms: Number.NaN, text: 'never' }, requests: 1, baseline: 1 }]
    const svg = timelineChart(timeline, spikes, zone)
    t.same(badCoordinates(svg), [], `${what}: every coordinate finite`)
    const drawn = marks(svg, 'chart-timeline')
    t.equal(drawn.filter((m) => m.series === 'requests').length, points, `${what}: a requests bar per point`)
    t.equal(drawn.filter((m) => m.series === 'attacks').length, points, `${what}: an attacks bar per point`)
  }
  const big = marks(timelineChart(timelines[3][1], [], zone), 'chart-timeline')
  t.same(big.filter((m) => m.series === 'requests').map((m) => m.value), timelines[3][1].points.map((p) => p.requests), 'huge values are read back exactly')

  const series = [{ name: 'requests', label: 'requests' }, { name: 'attacks', label: 'attack requests' }]
  const tables: Array<[string, Array<{ key: string, values: number[] }>]> = [
    ['no row', []],
    ['one row of zeros', [{ key: '192.0.2.1', values: [0, 0] }]],
    ['500 rows, huge values', Array.from({ length: 500 }, (_, i) => ({ key: `192.0.2.${i}`, values: [huge[i % 5], huge[(i + 3) % 5]] }))],
    ['values that are not counts', [{ key: 'x', values: [Number.NaN, Number.NEGATIVE_INFINITY] }, { key: LONG_URL, values: [-5, 3] }]]
  ]
  for (const [what, rows] of tables) {
    const svg = barChart('chart-test', 'test', series, rows, 'Nothing.')
    t.same(badCoordinates(svg), [], `${what}: every coordinate finite`)
    t.same(marks(svg, 'chart-test'), barMarks(rows, ['requests', 'attacks']).map((m) => ({ ...m, value: Number.isFinite(m.value) ? m.value : 0 })), `${what}: a bar per value, read back`)
  }
})

const noChromium = chromiumPath() === undefined ? 'chromium is not installed (Debian package chromium; .ci/run installs it)' : false

test('in headless Chromium', { skip: noChromium }, async (t) => {
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'request-info-html-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const report = sampleReport()
  const html = renderHtml(report)
  const page = join(dir, 'report.html')
  writeFileSync(page, html)

  await t.test('the console check sees an uncaught error, and what the page\'s policy refuses', async (t) => {
    const throwing = join(dir, 'throwing.html')
    writeFileSync(throwing, '<!doctype html><title>x</title><p>x</p><script>throw new Error("deliberate")</script>')
    t.match(await consoleErrors(throwing), [/^Uncaught Error: deliberate/], 'an uncaught error')
    // The report with what a failure of escaping would let in: the policy refuses to run or load it, and says so.
    const broken = join(dir, 'broken.html')
    writeFileSync(broken, html.replace('<main>', `<main>${HOSTILE.script}<img src="https://example.invalid/x.png">`))
    const refused = await consoleErrors(broken)
    t.ok(refused.some((m) => /inline script violates .*Content Security Policy/.test(m)), 'the script is refused and reported')
    t.ok(refused.some((m) => /Loading the image 'https:\/\/example\.invalid\/x\.png' violates/.test(m)), 'the image is refused and reported')
  })

  await t.test('the report renders without a console message', async (t) => {
    t.same(await consoleErrors(page), [])
  })

  await t.test('the DOM Chromium built holds each chart\'s data, and no element of the logs', async (t) => {
    const dom = await dumpDom(page)
    for (const [id, expected] of Object.entries(expectedMarks(report))) t.same(marks(dom, id), expected, `${id}: ${expected.length} marks, the report's keys and values`)
    t.equal(marks(dom, 'chart-timeline').filter((m) => m.series === 'spike')[0]?.key, String(at(SPIKE_MINUTE).ms), 'the spike is marked at its minute')
    t.equal(Math.max(...marks(dom, 'chart-timeline').filter((m) => m.series === 'requests').map((m) => m.value)), SPIKE_REQUESTS)
    t.same(foreignMarkup(dom), [], 'as parsed by the browser: no element or attribute that came from a log line')
  })

  await t.test('long values do not make the page wider than a 1280 px window', async (t) => {
    // A copy with a probe that opens every <details> and writes the page's width into the DOM (the report's
    // own policy runs no script, so the copy goes without it).
    const probe = '<script>for (const d of document.querySelectorAll("details")) d.open = true; document.body.dataset.pageWidth = document.documentElement.scrollWidth; document.body.dataset.windowWidth = innerWidth</script>'
    const widths = async (file: string, body: string): Promise<[number, number]> => {
      writeFileSync(file, body.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</body>', `${probe}</body>`))
      const dom = await dumpDom(file, { width: 1280, height: 900 })
      const attributes = tags(dom).find((tag) => tag.name === 'body')?.attributes
      return [Number(attributes?.get('data-page-width')), Number(attributes?.get('data-window-width'))]
    }
    const [control, controlWindow] = await widths(join(dir, 'control.html'), `<!doctype html><body><p style="white-space: nowrap">${'x'.repeat(3000)}</p></body>`)
    t.ok(control > controlWindow, `the probe sees a page wider than its window (${control} > ${controlWindow})`)
    const [width, window] = await widths(join(dir, 'probed.html'), html)
    t.equal(window, 1280, 'the window is 1280 px wide')
    t.ok(width <= window, `the report, details open, is ${width} px wide`)
  })

  await t.test('a screenshot is written', async (t) => {
    const png = join(dir, 'report.png')
    await screenshot(page, png, { width: 1280, height: 2000 })
    const bytes = readFileSync(png)
    t.same(bytes.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'PNG signature')
    t.same([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [1280, 2000], 'the window\'s size (IHDR)')
    // A blank page of that size compresses to about 10 KB; text, tables and charts weigh far more.
    t.ok(bytes.length > 100_000, `${bytes.length} bytes: something was drawn`)
  })
  t.comment(`headless Chromium tests: ${Date.now() - started} ms`)
})

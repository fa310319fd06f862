/**
 * The HTML report's charts: pure functions returning inline SVG. Every mark that carries a datum has
 * `data-key`, `data-series` and `data-value` attributes and a `<title>` (its tooltip), so the data can be read
 * back from the page; every coordinate is a finite number whatever the data (no point, one, hundreds; zeros;
 * counts near Number.MAX_VALUE), since a single NaN makes a browser drop the mark.
 */
import type { Report, Spike } from '../report.js'
import { escapeHtml, formatShort, head } from './markup.js'
import { formatCount } from '../words.js'

/** A time zone to show times in: minutes east of UTC, and how it is written (`-0400`, `UTC`). */
export interface Zone {
  readonly minutes: number
  readonly label: string
}

const UTC: Zone = { minutes: 0, label: 'UTC' }

/** The zone a logged time was written in (`2011-06-21 11:56:40 -0400`, `…Z`); UTC when it names none. */
export function zoneOf (text: string | undefined): Zone {
  const offset = text === undefined ? null : /([+-])(\d{2}):?(\d{2})$/.exec(text)
  if (offset === null) return UTC
  const minutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]))
  return minutes === 0 ? UTC : { minutes, label: `${offset[1]}${offset[2]}${offset[3]}` }
}

/** `06-21 11:56` in `zone`, or `—` for a time a Date cannot hold. */
function clock (ms: number, zone: Zone): string {
  const date = new Date(ms + zone.minutes * 60_000)
  return Number.isNaN(date.getTime()) ? '—' : date.toISOString().slice(5, 16).replace('T', ' ')
}

/** A bucket's length as people say it: `10 s`, `5 min`, `1 h`. */
function duration (ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${formatCount(ms / 3_600_000)} h`
  if (ms >= 60_000) return `${formatCount(ms / 60_000)} min`
  return `${formatCount(ms / 1000)} s`
}

/** A coordinate for an attribute: finite, one decimal. */
function at (n: number): string {
  const rounded = Math.round(n * 10) / 10
  return Number.isFinite(rounded) ? String(rounded) : '0'
}

/** A count as drawn: finite and not negative, 0 otherwise. */
function measure (n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0
}

/** The largest of the counts; 0 when there are none. */
function largest (values: readonly number[]): number {
  let max = 0
  for (const v of values) if (measure(v) > max) max = v
  return max
}

/** The attributes a mark carrying a datum has. */
function datum (key: string, series: string, value: number): string {
  return `data-key="${escapeHtml(key)}" data-series="${series}" data-value="${Number.isFinite(value) ? value : 0}"`
}

/** The SVG element of a chart; `body` empty draws `empty` in its place. */
function svg (id: string, label: string, height: number, body: string, empty: string): string {
  const content = body !== '' ? body : `<text class="none" x="0" y="${at(height / 2)}" dy="4">${escapeHtml(empty)}</text>`
  return `<svg id="${id}" class="chart" viewBox="0 0 1000 ${at(height)}" role="img" aria-label="${escapeHtml(label)}">\n${content}</svg>`
}

/** The caption under a chart: what it shows, and a swatch per series. */
function caption (label: string, series: readonly BarSeries[]): string {
  const swatches = series.map((s) => `<span class="swatch s-${s.name}"></span>${escapeHtml(s.label)}`).join(' ')
  return `<figcaption>${escapeHtml(label)}. ${swatches}</figcaption>`
}

// A chart without data is one line of text.
const EMPTY_HEIGHT = 24
const PLOT_LEFT = 64
const PLOT_RIGHT = 990
const PLOT_TOP = 22
const PLOT_BOTTOM = 200
const TIMELINE_HEIGHT = 236
// Wider bars than this (a few buckets) would read as a block, not as a count per bucket.
const WIDEST_BUCKET = 40

/**
 * Requests and attack requests per bucket of `traffic.timeline`, one pair of bars per bucket placed by its
 * time, and the spikes marked above the bars; times in `zone`. Id `chart-timeline`; marks of series
 * `requests`, `attacks` (keyed by the bucket's ms) and `spike` (keyed by the minute's ms).
 */
export function timelineChart (timeline: Report['traffic']['timeline'], spikes: readonly Spike[], zone: Zone): string {
  const points = timeline.points
  const series: BarSeries[] = [{ name: 'requests', label: 'requests' }, { name: 'attacks', label: 'attack requests' }, { name: 'spike', label: 'spike (requests per minute over the baseline)' }]
  const bucket = Number.isFinite(timeline.bucketMs) && timeline.bucketMs > 0 ? timeline.bucketMs : 60_000
  const label = `Requests and attack requests per ${duration(bucket)}, times at ${zone.label}`
  if (points.length === 0) return `<figure>${svg('chart-timeline', label, EMPTY_HEIGHT, '', 'No timed request in this period.')}</figure>`

  const first = points[0].ms
  const span = points[points.length - 1].ms - first + bucket
  // Times that cannot be placed (not finite, or out of order enough to leave no span) are placed by index.
  const byTime = Number.isFinite(first) && Number.isFinite(span) && span > 0 && points.every((p) => Number.isFinite(p.ms))
  const width = PLOT_RIGHT - PLOT_LEFT
  const slot = byTime ? width * bucket / span : width / points.length
  const barWidth = Math.min(Math.max(slot, 0.6), WIDEST_BUCKET)
  // Clamped: a point out of order (the timeline is oldest first) still lands inside the plot.
  const xOf = (ms: number, index: number): number => Math.min(Math.max(PLOT_LEFT + (byTime ? (ms - first) / span * width : index * slot) +
    Math.max(slot - barWidth, 0) / 2, PLOT_LEFT), PLOT_RIGHT - barWidth)
  const max = largest(points.flatMap((p) => [p.requests, p.attacks]))
  const yOf = (n: number): number => PLOT_BOTTOM - (max > 0 ? measure(n) / max : 0) * (PLOT_BOTTOM - PLOT_TOP)

  const parts: string[] = []
  for (const fraction of [0, 0.5, 1]) {
    const y = at(PLOT_BOTTOM - fraction * (PLOT_BOTTOM - PLOT_TOP))
    parts.push(`<line class="grid" x1="${PLOT_LEFT}" x2="${PLOT_RIGHT}" y1="${y}" y2="${y}"/><text class="axis" x="${PLOT_LEFT - 6}" y="${y}" dy="4" text-anchor="end">${formatShort(max * fraction)}</text>`)
  }
  const ticks = Math.min(points.length, 6)
  for (let k = 0; k < ticks; k++) {
    const index = ticks === 1 ? 0 : Math.min(points.length - 1, Math.round(k * points.length / (ticks - 1)))
    const x = xOf(points[index].ms, index) + barWidth / 2
    // The first and last labels grow inwards, so that they stay within the chart.
    const anchor = ticks > 1 && k === 0 ? 'start' : ticks > 1 && k === ticks - 1 ? 'end' : 'middle'
    parts.push(`<text class="axis" x="${at(x)}" y="${PLOT_BOTTOM + 16}" text-anchor="${anchor}">${escapeHtml(clock(points[index].ms, zone))}</text>`)
  }
  points.forEach((p, index) => {
    const x = at(xOf(p.ms, index))
    const key = Number.isFinite(p.ms) ? String(p.ms) : ''
    const title = `${clock(p.ms, zone)} ${zone.label}: ${formatCount(p.requests)} requests, ${formatCount(p.attacks)} attack requests`
    for (const [name, value] of [['requests', p.requests], ['attacks', p.attacks]] as const) {
      const y = yOf(value)
      parts.push(`<rect class="s-${name}" x="${x}" y="${at(y)}" width="${at(barWidth)}" height="${at(PLOT_BOTTOM - y)}" ${datum(key, name, value)}><title>${escapeHtml(title)}</title></rect>`)
    }
  })
  for (const spike of spikes) {
    const ms = spike.minute.ms
    if (!byTime || !(ms >= first && ms < first + span)) continue
    const x = PLOT_LEFT + (ms - first) / span * width
    const title = `spike at ${spike.minute.text}: ${formatCount(spike.requests)} requests in the minute, baseline ${formatCount(spike.baseline)} per minute`
    parts.push(`<g class="s-spike" ${datum(String(ms), 'spike', spike.requests)}><title>${escapeHtml(title)}</title>` +
      `<line x1="${at(x)}" x2="${at(x)}" y1="${PLOT_TOP - 6}" y2="${PLOT_BOTTOM}"/><polygon points="${at(x - 6)},4 ${at(x + 6)},4 ${at(x)},${PLOT_TOP - 6}"/></g>`)
  }
  parts.push(`<text class="axis" x="${PLOT_RIGHT}" y="${TIMELINE_HEIGHT - 4}" text-anchor="end">times at ${escapeHtml(zone.label)}</text>`)
  return `<figure>${svg('chart-timeline', label, TIMELINE_HEIGHT, parts.join('\n'), '')}${caption(label, series)}</figure>`
}

/** One series of a bar chart: `name` is its CSS class (`s-<name>`) and its marks' `data-series`. */
export interface BarSeries {
  readonly name: string
  readonly label: string
}

/** One row of a bar chart: its key and one value per series, in the series' order. */
export interface BarRow {
  readonly key: string
  readonly values: readonly number[]
}

const LABEL_END = 310
const BAR_LEFT = 320
const BAR_WIDTH = 580
// Characters of a row's key that fit left of the bars; the whole key is in the label's title.
const LABEL_CHARACTERS = 36

/**
 * Horizontal bars, one group per row (a bar per series, one scale for all), the value at each bar's end and
 * the key on the left, cut when long. `empty` is said when there is no row.
 */
export function barChart (id: string, label: string, series: readonly BarSeries[], rows: readonly BarRow[], empty: string): string {
  const bar = 13
  const rowHeight = series.length * bar + 10
  const height = rows.length === 0 ? EMPTY_HEIGHT : rows.length * rowHeight + 8
  const max = largest(rows.flatMap((r) => r.values))
  const parts: string[] = []
  rows.forEach((row, index) => {
    const top = 4 + index * rowHeight + 5
    const text = row.key.length > LABEL_CHARACTERS ? head(row.key, LABEL_CHARACTERS) + '…' : row.key
    parts.push(`<text class="key" x="${LABEL_END}" y="${at(top + series.length * bar / 2)}" dy="4" text-anchor="end"><title>${escapeHtml(row.key)}</title>${escapeHtml(text)}</text>`)
    series.forEach((s, i) => {
      const value = row.values[i] ?? 0
      const length = max > 0 ? measure(value) / max * BAR_WIDTH : 0
      const y = top + i * bar
      parts.push(`<rect class="s-${s.name}" x="${BAR_LEFT}" y="${at(y)}" width="${at(length)}" height="${bar - 1}" ${datum(row.key, s.name, value)}><title>${escapeHtml(`${row.key}: ${formatCount(value)} ${s.label}`)}</title></rect>` +
        `<text class="value" x="${at(BAR_LEFT + length + 4)}" y="${at(y + bar - 2)}">${formatShort(value)}</text>`)
    })
  })
  return `<figure>${svg(id, label, height, parts.join('\n'), empty)}${rows.length === 0 ? '' : caption(label, series)}</figure>`
}

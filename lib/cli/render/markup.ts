/**
 * The pieces of markup the HTML report and its charts are written with. Every string of a report may come
 * from a log line an attacker wrote (URLs, User-Agents, hosts): all of them go through `escapeHtml`, whether
 * they land in text or in an attribute, and no piece of a report is ever placed in a script.
 */

import { formatCount } from '../words.js'

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

// Markup characters, and the C0 controls other than tab, line feed and carriage return, and DEL: HTML does not
// allow them (NUL is replaced, the others are invisible), and a terminal escape hidden in a log line is worth
// seeing. They are shown as their Control Pictures (U+2400 + code, U+2421 for DEL).
const SPECIAL = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

/** `value` as HTML text or as a quoted attribute's value (double or single quotes): nothing in it is markup. */
export function escapeHtml (value: string): string {
  return value.replace(SPECIAL, (c) => ENTITIES[c] ?? String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)))
}

/** The first `max` UTF-16 units of `value`, never ending inside a surrogate pair. */
export function head (value: string, max: number): string {
  if (value.length <= max) return value
  const end = /[\ud800-\udbff]/.test(value.charAt(max - 1)) ? max - 1 : max
  return value.slice(0, end)
}

/**
 * `value` escaped, cut to `max` characters with an ellipsis when longer, the whole value then in a title
 * (the tooltip, and the DOM, keep it all).
 */
export function cut (value: string, max: number): string {
  if (value.length <= max) return escapeHtml(value)
  return `<span class="cut" title="${escapeHtml(value)}">${escapeHtml(head(value, max))}…</span>`
}


// Compact notation stops at trillions (`1,000,000T`): past that a mantissa and an exponent read better.
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })


/** A count short enough for a chart's axis or a bar's end: `950`, `12K`, `3.4M`, `1.2e+18`. */
export function formatShort (n: number): string {
  if (!Number.isFinite(n)) return '—'
  if (Math.abs(n) >= 1e15) return n.toExponential(1)
  return COMPACT.format(n)
}

/** A cell of `table`: HTML (already escaped), or a count, written right-aligned. */
export type Cell = string | number

/**
 * A table: `headings` are plain text; a column whose first row holds a count is aligned right, heading
 * included.
 */
export function table (headings: readonly string[], rows: ReadonlyArray<readonly Cell[]>, className = ''): string {
  const numeric = headings.map((_, i) => rows.length > 0 && typeof rows[0][i] === 'number')
  const align = (i: number): string => numeric[i] ? ' class="n"' : ''
  const head = headings.map((h, i) => `<th${align(i)}>${escapeHtml(h)}</th>`).join('')
  const body = rows.map((row) => '<tr>' + row.map((cell, i) =>
    typeof cell === 'number' ? `<td${align(i)}>${formatCount(cell)}</td>` : `<td${align(i)}>${cell}</td>`).join('') + '</tr>')
  return `<table${className === '' ? '' : ` class="${className}"`}><thead><tr>${head}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`
}

/** Values and their counts on one line (`sqli ×4, lfi ×2`), the first `max` of them, and how many more. */
export function countList (list: ReadonlyArray<{ readonly value: string, readonly count: number }>, max = 6, width = 60): string {
  if (list.length === 0) return '—'
  const shown = list.slice(0, max).map((c) => `${cut(c.value, width)} ×${formatCount(c.count)}`).join(', ')
  return list.length > max ? `${shown}, and ${formatCount(list.length - max)} more` : shown
}

/** One line saying a part of the report has nothing to show. */
export function nothing (text: string): string {
  return `<p class="none">${escapeHtml(text)}</p>`
}

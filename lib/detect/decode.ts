/**
 * Decoding before matching, the way servers and browsers will read the value: what an attacker encodes to
 * slip past a signature is decoded here first. Every step is one linear pass.
 */

const HEX = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i
  HEX[0x61 + i] = 10 + i
}

function hex (s: string, i: number): number {
  const c = s.charCodeAt(i)
  return c < 128 ? HEX[c] : -1
}

// Text is built from code units in chunks: String.fromCharCode.apply has an argument limit.
const CHUNK = 8192

class TextBuilder {
  private units: number[] = []
  private text = ''
  push (unit: number): void {
    this.units.push(unit)
    if (this.units.length === CHUNK) this.flush()
  }

  flush (): void {
    this.text += String.fromCharCode.apply(null, this.units)
    this.units.length = 0
  }

  done (): string {
    this.flush()
    return this.text
  }
}

/**
 * Appends percent-decoded bytes as UTF-8, tolerating what a lenient server tolerates: overlong forms decode to
 * their character (`%c0%ae` is `.`), and a byte that starts no valid sequence stands for itself (Latin-1).
 */
function pushUtf8 (bytes: number[], out: TextBuilder): void {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]
    let need = 0
    let cp = b
    if (b >= 0xc0 && b < 0xe0) { need = 1; cp = b & 0x1f } else if (b >= 0xe0 && b < 0xf0) { need = 2; cp = b & 0x0f } else if (b >= 0xf0 && b < 0xf8) { need = 3; cp = b & 0x07 }
    let ok = need > 0 && i + need < bytes.length
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false
      else cp = (cp << 6) | (c & 0x3f)
    }
    if (ok && cp <= 0x10ffff) {
      if (cp > 0xffff) {
        cp -= 0x10000
        out.push(0xd800 + (cp >> 10))
        out.push(0xdc00 + (cp & 0x3ff))
      } else out.push(cp)
      i += need + 1
    } else {
      out.push(b)
      i++
    }
  }
  bytes.length = 0
}

/**
 * One level of percent-decoding: `%hh` bytes as UTF-8 (see pushUtf8), IIS-style `%uhhhh`, and `+` as a space
 * when `plusIsSpace` (query strings and form bodies). A `%` not followed by hex digits stays as it is.
 */
export function percentDecode (s: string, plusIsSpace: boolean): string {
  const out = new TextBuilder()
  const bytes: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x25) {
      const h = hex(s, i + 1)
      const l = hex(s, i + 2)
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l)
        i += 2
        continue
      }
      const u = s.charCodeAt(i + 1)
      if (u === 0x75 || u === 0x55) {
        const a = hex(s, i + 2); const b = hex(s, i + 3); const d = hex(s, i + 4); const e = hex(s, i + 5)
        if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
          if (bytes.length > 0) pushUtf8(bytes, out)
          out.push(((a * 16 + b) * 16 + d) * 16 + e)
          i += 5
          continue
        }
      }
    }
    if (bytes.length > 0) pushUtf8(bytes, out)
    out.push(c === 0x2b && plusIsSpace ? 0x20 : c)
  }
  if (bytes.length > 0) pushUtf8(bytes, out)
  return out.done()
}

const PERCENT_ESCAPE = /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')',
  sol: '/', bsol: '\\', semi: ';', equals: '=', comma: ',', period: '.', excl: '!', grave: '`', nbsp: ' ',
  lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', lcub: '{', rcub: '}', lbrace: '{', rbrace: '}', quest: '?',
  num: '#', dollar: '$', percnt: '%', plus: '+', ast: '*', verbar: '|', vert: '|', hyphen: '-', dash: '-'
}

// Browsers accept numeric references without the closing `;` and with any number of leading zeros.
const ENTITY = /&(?:#x0*([0-9a-f]{1,6})|#0*([0-9]{1,7})|([a-z]{2,8}));?/gi

function entity (match: string, hexDigits: string | undefined, decimal: string | undefined, name: string | undefined): string {
  if (name !== undefined) return Object.hasOwn(NAMED_ENTITIES, name.toLowerCase()) ? NAMED_ENTITIES[name.toLowerCase()] : match
  const cp = hexDigits !== undefined ? parseInt(hexDigits, 16) : parseInt(decimal ?? '0', 10)
  return cp <= 0x10ffff ? String.fromCodePoint(cp) : match
}

/** HTML character references (`&lt;`, `&#60`, `&#x3c;`, `&colon;`) as the characters they stand for. */
export function decodeEntities (s: string): string {
  return s.indexOf('&') === -1 ? s : s.replace(ENTITY, entity)
}

const NEEDS_WORK = /[%&\0+]/

/**
 * The text the rules match: percent-decoded up to two levels, `+` as a space when `plusIsSpace`, NUL bytes
 * removed, HTML character references decoded, lowercased. SQL comments and shell quoting are left to the
 * families that care (sqli.ts, rce.ts).
 */
export function decodeValue (raw: string, plusIsSpace: boolean): string {
  if (!NEEDS_WORK.test(raw)) return raw.toLowerCase()
  let s = raw
  if (s.indexOf('%') !== -1 || (plusIsSpace && s.indexOf('+') !== -1)) {
    s = percentDecode(s, plusIsSpace)
    // A second level: `%252e` is `%2e` after the first. `+` is not a space at this level: it was a `%2b`.
    if (PERCENT_ESCAPE.test(s)) s = percentDecode(s, false)
  }
  s = decodeEntities(s)
  if (s.indexOf('\0') !== -1) s = s.replaceAll('\0', '')
  return s.toLowerCase()
}

/**
 * Access-log lines: Apache/nginx `combined` (`%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`),
 * Apache `vhost_combined` (`%v:%p` first), and the virtual host first with no client address, as in seed 000.
 * Lines copied from web pages carry typographic quotes (“ ”) and dashes (– —) for `"` and `-`: both are read
 * as their ASCII forms. Fields after the User-Agent are ignored, except a bare word right after it, which
 * Apache's `%{UNIQUE_ID}e` puts there and which becomes the request id.
 */
import { isIP } from 'node:net'
import type { Entry } from '../entry.js'
import { Memo } from '../memo.js'
import { parseLogTime, type LoggedTime } from '../time.js'

/** Why a line is not an access-log line. */
export type AccessLogError = string

const enum Token { word, bracket, quoted }

function isSpace (c: number): boolean {
  return c === 32 || c === 9
}

function isQuote (c: number): boolean {
  return c === 34 || c === 0x201c || c === 0x201d || c === 0x201e
}

/** `-`, or a typographic dash standing for it: an empty field. */
function isEmpty (s: string): boolean {
  return s === '-' || s === '\u2013' || s === '\u2014' || s === ''
}

/** The next space or tab from `i`, or the end of the line; `tabs` says whether the line has any tab. */
function wordEnd (line: string, i: number, tabs: boolean): number {
  if (!tabs) {
    const space = line.indexOf(' ', i)
    return space === -1 ? line.length : space
  }
  let j = i
  while (j < line.length && !isSpace(line.charCodeAt(j))) j++
  return j
}

/** The first quote (`"` or, when `typographic`, “ ” „) from `i`, or the end of the line. */
function nextQuote (line: string, i: number, typographic: boolean): number {
  if (!typographic) {
    const quote = line.indexOf('"', i)
    return quote === -1 ? line.length : quote
  }
  let j = i
  while (j < line.length && !isQuote(line.charCodeAt(j))) j++
  return j
}

// Where the quoted field readQuoted last read ends: its closing quote, or the end of the line.
let quotedEnd = 0
// The next backslash and the next `]` in the line being split, at or after the position last asked about;
// -1 when there is none. Positions only grow while a line is split, so each is searched for again only once
// passed, and a line costs one pass however many fields it has.
let nextBackslash = -1
let nextBracket = -1

/**
 * The quoted field whose text starts at `start`: it ends at a quote followed by a space or the end of the
 * line, so quotes inside a URL or User-Agent stay in it; `\"` and `\\` (Apache's escapes) are unescaped.
 */
function readQuoted (line: string, start: number, typographic: boolean): string {
  const n = line.length
  let text = ''
  let from = start
  let j = start
  let quote = -1
  for (;;) {
    if (quote < j) quote = nextQuote(line, j, typographic)
    if (nextBackslash !== -1 && nextBackslash < j) nextBackslash = line.indexOf('\\', j)
    if (nextBackslash !== -1 && nextBackslash < quote) {
      const at = nextBackslash
      const next = at + 1 < n ? line.charCodeAt(at + 1) : -1
      if (next === 34 || next === 92) {
        text += line.slice(from, at)
        from = at + 1
        j = at + 2
      } else j = at + 1
      continue
    }
    if (quote === n || quote + 1 === n || isSpace(line.charCodeAt(quote + 1))) {
      quotedEnd = quote
      return text + line.slice(from, quote)
    }
    j = quote + 1
  }
}

/**
 * Splits a line into words, `[bracketed]` and quoted fields (readQuoted). No regex: the line is attacker
 * data. Typographic quotes and tabs are rare, and a line without them is split with native searches
 * (indexOf) rather than by looking at each character in turn.
 */
function tokenize (line: string, texts: string[], kinds: Token[]): void {
  const n = line.length
  const tabs = line.indexOf('\t') !== -1
  const typographic = line.indexOf('\u201c') !== -1 || line.indexOf('\u201d') !== -1 || line.indexOf('\u201e') !== -1
  nextBackslash = line.indexOf('\\')
  nextBracket = line.indexOf(']')
  let i = 0
  while (i < n) {
    const c = line.charCodeAt(i)
    if (isSpace(c)) { i++; continue }
    if (c === 91) { // '[': a bracketed field ends at a ']' followed by a space; `[2001:db8::1]:443` is a word
      if (nextBracket !== -1 && nextBracket < i + 1) nextBracket = line.indexOf(']', i + 1)
      const end = nextBracket
      if (end === -1 || end + 1 === n || isSpace(line.charCodeAt(end + 1))) {
        const stop = end === -1 ? n : end
        texts.push(line.slice(i + 1, stop))
        kinds.push(Token.bracket)
        i = stop + 1
        continue
      }
    }
    if (isQuote(c)) {
      texts.push(readQuoted(line, i + 1, typographic))
      kinds.push(Token.quoted)
      i = quotedEnd + 1
      continue
    }
    const j = wordEnd(line, i + 1, tabs)
    texts.push(line.slice(i, j))
    kinds.push(Token.word)
    i = j
  }
}

/** `domain.com:443` → `domain.com`; `[2001:db8::1]:443` → `2001:db8::1`. */
function siteOf (vhost: string): string | undefined {
  if (isEmpty(vhost)) return undefined
  if (vhost.charCodeAt(0) === 91) {
    const end = vhost.indexOf(']')
    return end === -1 ? vhost : vhost.slice(1, end)
  }
  const colon = vhost.indexOf(':')
  return colon === -1 || vhost.indexOf(':', colon + 1) !== -1 ? vhost : vhost.slice(0, colon)
}

const texts: string[] = []
const kinds: Token[] = []
// Lines of one second share their time field: the last one read is kept rather than read again.
let lastTimeText = ''
let lastTime: LoggedTime | undefined
// Whether a first field that is not a dotted IPv4 address is an address (IPv6), by field.
const addresses = new Memo<boolean>(4096, 64)

/**
 * Whether `text` is an IPv4 address as `net.isIPv4` reads one (four decimal parts of 0 to 255, no leading
 * zero), without its regular expression: most first fields are one.
 */
function isIPv4Text (text: string): boolean {
  let parts = 0
  let digits = 0
  let value = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i)
    if (c === 46) {
      if (digits === 0 || value > 255 || ++parts > 4) return false
      digits = 0
      value = 0
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) return false
      if (++digits > 3) return false
      value = value * 10 + c - 48
    } else return false
  }
  return parts === 4
}

function isAddress (host: string): boolean {
  if (isIPv4Text(host)) return true
  let address = addresses.get(host)
  if (address === undefined) {
    address = isIP(host) !== 0
    addresses.set(host, address)
  }
  return address
}

/**
 * Reads one access-log line (without its line break). Returns the entry, or why the line is not one. A
 * request line that does not split into method, target and protocol (a TLS hello sent to the HTTP port,
 * `-`) still gives an entry: method empty, the whole request line as the URL.
 */
export function parseAccessLine (line: string): Entry | AccessLogError {
  texts.length = 0
  kinds.length = 0
  tokenize(line, texts, kinds)
  const at = kinds.indexOf(Token.bracket)
  if (at === -1) return 'no [time] field'
  if (at < 3 || at > 4) return `${at} fields before the [time] field; expected the client address, ident and user (and the virtual host first)`
  if (texts[at] !== lastTimeText) {
    lastTime = parseLogTime(texts[at])
    lastTimeText = texts[at]
  }
  const time = lastTime
  if (time === undefined) return `[${texts[at].slice(0, 40)}] is not a time like [21/Jun/2011:11:56:40 -0400]`
  if (kinds[at + 1] !== Token.quoted) return 'no quoted request line after the time'
  const statusText = texts[at + 2]
  const status = statusText === undefined || isEmpty(statusText) ? undefined : Number(statusText)
  if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 999 && statusText.length === 3)) {
    return `status ${JSON.stringify(statusText.slice(0, 20))} is not a 3-digit code`
  }
  // Seed 000's layout: the virtual host in %h's place. A client address is an IP address (HostnameLookups
  // is off by default on Apache and impossible on nginx), so a first field that is not one is the site.
  const host = texts[at - 3]
  const hasVhost = at === 4
  const source = isAddress(host) ? host : undefined
  const site = hasVhost ? siteOf(texts[0]) : source === undefined ? siteOf(host) : undefined
  const request = texts[at + 1]
  const first = request.indexOf(' ')
  const last = request.lastIndexOf(' ')
  let method = ''
  let url = isEmpty(request) ? '' : request
  if (first > 0 && (last === first || request.startsWith('HTTP/', last + 1))) {
    method = request.slice(0, first)
    url = last === first ? request.slice(first + 1) : request.slice(first + 1, last)
  }
  const referer = kinds[at + 4] === Token.quoted && !isEmpty(texts[at + 4]) ? texts[at + 4] : undefined
  const hasUa = kinds[at + 5] === Token.quoted
  const ua = hasUa && !isEmpty(texts[at + 5]) ? texts[at + 5] : undefined
  const idText = hasUa && kinds[at + 6] === Token.word ? texts[at + 6] : undefined
  return {
    format: 'access-log',
    time: time.ms,
    offset: time.offset,
    source,
    site,
    method,
    url,
    status,
    referer,
    ua,
    reqId: idText === undefined || isEmpty(idText) ? undefined : idText,
    threats: undefined,
    decision: undefined,
    ja3: undefined,
    ja4: undefined,
    hoh: undefined,
    ho: undefined,
    h2: undefined,
    browser: undefined,
    browserMajor: undefined,
    line
  }
}

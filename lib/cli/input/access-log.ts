/**
 * Access-log lines: Apache/nginx `combined` (`%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`),
 * Apache `vhost_combined` (`%v:%p` first), and the virtual host first with no client address, as in seed 000.
 * Lines copied from web pages carry typographic quotes (“ ”) and dashes (– —) for `"` and `-`: both are read
 * as their ASCII forms. Fields after the User-Agent are ignored, except a bare word right after it, which
 * Apache's `%{UNIQUE_ID}e` puts there and which becomes the request id.
 */
import { isIP } from 'node:net'
import type { Entry } from '../entry.js'
import { parseLogTime } from '../time.js'

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

/**
 * Splits a line into words, `[bracketed]` and quoted fields. A quoted field ends at a quote followed by a
 * space or the end of the line, so quotes inside a URL or User-Agent stay in it; `\"` and `\\` (Apache's
 * escapes) are unescaped. One pass, no regex: the line is attacker data.
 */
function tokenize (line: string, texts: string[], kinds: Token[]): void {
  const n = line.length
  let i = 0
  while (i < n) {
    const c = line.charCodeAt(i)
    if (isSpace(c)) { i++; continue }
    if (c === 91) { // '[': a bracketed field ends at a ']' followed by a space; `[2001:db8::1]:443` is a word
      const end = line.indexOf(']', i + 1)
      if (end === -1 || end + 1 === n || isSpace(line.charCodeAt(end + 1))) {
        const stop = end === -1 ? n : end
        texts.push(line.slice(i + 1, stop))
        kinds.push(Token.bracket)
        i = stop + 1
        continue
      }
    }
    if (isQuote(c)) {
      let text = ''
      let from = i + 1
      let j = from
      for (; j < n; j++) {
        const d = line.charCodeAt(j)
        if (d === 92 && j + 1 < n && (line.charCodeAt(j + 1) === 34 || line.charCodeAt(j + 1) === 92)) {
          text += line.slice(from, j)
          from = ++j
        } else if (isQuote(d) && (j + 1 === n || isSpace(line.charCodeAt(j + 1)))) break
      }
      texts.push(text + line.slice(from, j))
      kinds.push(Token.quoted)
      i = j + 1
      continue
    }
    let j = i + 1
    while (j < n && !isSpace(line.charCodeAt(j))) j++
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
  const time = parseLogTime(texts[at])
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
  const source = isIP(host) !== 0 ? host : undefined
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

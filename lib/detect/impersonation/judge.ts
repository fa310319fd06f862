import { active, excerpt } from '../report.js'
import { ruleMaker, type Rule, type Scope, type Threat } from '../types.js'
import type { Claim } from './claim.js'
import {
  ACCEPT, ACCEPT_LANGUAGE, BROWSERS, PREFLIGHT, SCRIPT_CIPHERS, SCRIPT_H2, SCRIPT_PSEUDO_ORDERS, SCRIPTS, SEC_FETCH, UPGRADE,
  type BrowserProfile
} from './profiles.js'

const rule = ruleMaker('impersonation')

const BROWSER_UA = rule('impersonation-browser-ua', 1, 4,
  'A browser User-Agent on a request that is a script client\'s: its headers name the client (curl, wget, Python, Node), or its TLS or HTTP/2 fingerprint does while its headers are no browser\'s')
const TRANSPORT = rule('impersonation-browser-transport', 1, 3,
  'A browser User-Agent over a script client\'s TLS library (JA4 cipher list) or HTTP/2 stack, or an HTTP/2 pseudo-header order the claimed browser never sends')
const MISSING = rule('impersonation-missing-header', 1, 3,
  'A browser User-Agent without a header every browser request carries: Accept-Language, Accept (except WebSocket upgrades), or the Sec-Fetch-Site/Mode/Dest set')
const ORDER = rule('impersonation-header-order', 2, 3,
  'A browser User-Agent with a header order the claimed engine never sends (Host not first, Accept before User-Agent, ...) or Title-Case client hints over HTTP/1.1')
const ENGINE = rule('impersonation-browser-engine', 2, 2,
  'A browser User-Agent over another browser engine\'s TLS or HTTP/2 stack (a User-Agent switcher, or automation of another browser)')
/** The learned-profile rule: applied by index.ts, outside the cached verdict. */
export const UNSEEN = rule('impersonation-unseen-traits', 3, 2,
  'A header order, JA4 or HTTP/2 fingerprint never seen for a well-established User-Agent family (learned profiles, option learn)')

/** The impersonation rules, strongest first. */
export const RULES: readonly Rule[] = [BROWSER_UA, TRANSPORT, MISSING, ORDER, ENGINE, UNSEEN]

/** JA4 part b: the cipher-list hash of `t13d1516h2_8daaf6152771_…`. */
function cipherHash (ja4: string | undefined): string | undefined {
  return ja4 !== undefined && ja4.length === 36 && ja4.charCodeAt(10) === 95 ? ja4.slice(11, 23) : undefined
}

/** The script client a request's TLS and HTTP/2 fingerprints name, as `TLS of …` or `HTTP/2 of …`. */
function transportScript (ciphers: string | undefined, connection: string | undefined, pseudo: string | undefined): { name: string, what: string } | undefined {
  const tls = ciphers === undefined ? undefined : SCRIPT_CIPHERS.get(ciphers)
  if (tls !== undefined) return { name: tls, what: `TLS of ${tls}` }
  const h2 = (connection === undefined ? undefined : SCRIPT_H2.get(connection)) ?? (pseudo === undefined ? undefined : SCRIPT_PSEUDO_ORDERS.get(pseudo))
  return h2 === undefined ? undefined : { name: h2, what: `HTTP/2 of ${h2}` }
}

/** What a browser request would have and this one lacks, or undefined. */
function missingHeader (ho: string): string | undefined {
  if (ho.includes(UPGRADE)) return undefined
  if (!ho.includes(ACCEPT_LANGUAGE)) return 'no Accept-Language'
  if (!ho.includes(ACCEPT)) return 'no Accept'
  let fetch = 0
  for (let i = 0; i < SEC_FETCH.length; i++) if (ho.includes(SEC_FETCH[i])) fetch++
  if (fetch !== 0 && fetch !== SEC_FETCH.length) return 'an incomplete Sec-Fetch-* set'
  return undefined
}

const LETTER_NAMES: Readonly<Record<string, string>> = {
  T: 'User-Agent', a: 'Accept', c: 'Accept-Encoding', d: 'Accept-Language', m: 'Cookie', F: 'Sec-Fetch-Dest', G: 'Sec-Fetch-Mode', H: 'Sec-Fetch-Site'
}

/** The first header-order rule of `profile` that `ho` breaks, described; or undefined. */
function orderBroken (profile: BrowserProfile, ho: string, h1: boolean, titleHints: boolean): string | undefined {
  if (h1 && profile.hostFirst && ho.length > 0 && ho.charCodeAt(0) !== 112) return 'Host not first'
  // A CORS preflight has an order of its own: Chromium sends Accept first, then the Access-Control-Request-*.
  if (!ho.includes(PREFLIGHT)) {
    for (const pair of profile.before) {
      const first = ho.indexOf(pair[0])
      const second = ho.indexOf(pair[1])
      if (first !== -1 && second !== -1 && first > second) return `${LETTER_NAMES[pair[1]]} before ${LETTER_NAMES[pair[0]]}`
    }
  }
  return titleHints ? 'Title-Case Sec-Ch-Ua on HTTP/1.1' : undefined
}

/** The browser engine a request's TLS or HTTP/2 pseudo-header order belongs to, when it is not the claimed one. */
function otherEngine (profile: BrowserProfile, ciphers: string | undefined, pseudo: string | undefined): { label: string, what: string } | undefined {
  for (const other of BROWSERS) {
    if (other === profile) continue
    if (ciphers !== undefined && other.ciphers.includes(ciphers) && !profile.ciphers.includes(ciphers)) return { label: other.label, what: 'TLS' }
    if (pseudo !== undefined && other.pseudoOrders.includes(pseudo) && !profile.pseudoOrders.includes(pseudo)) return { label: other.label, what: 'HTTP/2' }
  }
  return undefined
}

function finding (r: Rule, text: string): Threat {
  return Object.freeze({ kind: r.kind, rule: r.id, where: 'client', excerpt: excerpt(text, 0, 0), score: r.score })
}

/**
 * The finding of the built-in profiles for a browser claim, or undefined: the strongest active rule that
 * applies. Pure: the result is cached by the caller on its arguments.
 */
export function judge (claim: Claim, ho: string, ja4: string | undefined, h2: string | undefined, h1: boolean, titleHints: boolean, scope: Scope): Threat | undefined {
  const said = `claims ${claim.label}`
  const ciphers = cipherHash(ja4)
  const bar = h2 === undefined ? -1 : h2.lastIndexOf('|')
  const pseudo = h2 === undefined ? undefined : h2.slice(bar + 1)
  const connection = h2 === undefined || bar === -1 ? undefined : h2.slice(0, bar)
  const transport = transportScript(ciphers, connection, pseudo)
  const missing = missingHeader(ho)
  const profile = claim.profile
  const order = profile === undefined ? undefined : orderBroken(profile, ho, h1, titleHints)

  if (active(BROWSER_UA, scope)) {
    // The headers name a script only when they already lack what every browser sends.
    const byHeaders = missing === undefined ? undefined : SCRIPTS.find((s) => s.headers !== undefined && s.headers(ho))
    if (byHeaders !== undefined) return finding(BROWSER_UA, `${said}, looks like ${transport?.name ?? byHeaders.label}`)
    if (transport !== undefined && (missing !== undefined || order !== undefined)) {
      return finding(BROWSER_UA, `${said}, looks like ${transport.name} (${transport.what.slice(0, transport.what.indexOf(' '))}, ${missing ?? order})`)
    }
  }
  if (active(TRANSPORT, scope)) {
    if (transport !== undefined) return finding(TRANSPORT, `${said}, ${transport.what}`)
    if (profile !== undefined && pseudo !== undefined && pseudo !== '' && !profile.pseudoOrders.includes(pseudo) &&
      !BROWSERS.some((b) => b.pseudoOrders.includes(pseudo))) {
      return finding(TRANSPORT, `${said}, HTTP/2 pseudo-header order ${pseudo}`)
    }
  }
  if (missing !== undefined && active(MISSING, scope)) return finding(MISSING, `${said}, ${missing}`)
  if (order !== undefined && active(ORDER, scope)) return finding(ORDER, `${said}, ${order}`)
  if (profile !== undefined && active(ENGINE, scope)) {
    const other = otherEngine(profile, ciphers, pseudo)
    if (other !== undefined) return finding(ENGINE, `${said}, ${other.what} of ${other.label}`)
  }
  return undefined
}

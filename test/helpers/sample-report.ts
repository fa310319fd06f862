/**
 * Reports for the renderers' tests, typed as `Report` so they follow the shape as it changes: a realistic
 * day of patrol (attack groups with evidence, drafts, sites, families, a 300-minute timeline with a spike)
 * whose every string that comes from a log carries hostile text, and an empty report.
 */
import { REPORT_VERSION, type Count, type Moment, type Report } from '../../lib/cli/report'

/** A request-target of 3,000 characters, with characters HTML must escape in it. */
export const LONG_URL = ('/search?q=' + 'a&b<c>"d\''.repeat(400)).slice(0, 3000)

/** A User-Agent of 500 characters. */
export const LONG_UA = ('Mozilla/5.0 (X11; Linux x86_64) ' + 'Gecko/20100101 Firefox/133.0 '.repeat(20)).slice(0, 500)

/** What a log line can carry to break a page, each on its own. */
export const HOSTILE = {
  script: '<script>alert(1)</script>',
  attribute: '"><img src=x onerror=alert(1)>',
  close: '</script>',
  separator: '\u2028',
  entity: '&amp;',
  escape: '\u001b[31m'
} as const

// All of them at once, appended to values read from logs.
const BAD = HOSTILE.script + HOSTILE.attribute + HOSTILE.close + HOSTILE.separator + HOSTILE.entity + HOSTILE.escape

/** Start of the sample's period: 2011-06-21 11:00:00 -0400. */
export const START = Date.UTC(2011, 5, 21, 15, 0, 0)

/** A Moment `minutes` after START, written as the access log of seed 000 writes it (-0400). */
export function at (minutes: number, seconds = 0): Moment {
  const ms = START + minutes * 60_000 + seconds * 1000
  const local = new Date(ms - 4 * 3_600_000).toISOString()
  return { ms, text: `${local.slice(0, 10)} ${local.slice(11, 19)} -0400` }
}

/** The minute of the spike in the sample's timeline, and its requests. */
export const SPIKE_MINUTE = 200
export const SPIKE_REQUESTS = 950

const SQLI = `domain1.com - - [21/Jun/2011:11:56:40 -0400] "GET /contact/press_release_pop.php?id=-109+UNION+SELECT+1,2,3${BAD} HTTP/1.1" 500 3506 "-" "Python-urllib/2.7"`
const LFI = `domain2.com - - [22/Jun/2011:01:46:14 -0400] "GET ${LONG_URL.slice(0, 1900)}../../proc/self/environ%00 HTTP/1.1" 500 3506 "-" "${LONG_UA}"`

function counts (...pairs: Array<[string, number]>): Count[] {
  return pairs.map(([value, count]) => ({ value, count }))
}

/** Requests per minute: a daily shape, a minute of nothing, and the spike. */
function timeline (): Report['traffic']['timeline'] {
  const points = Array.from({ length: 300 }, (_, minute) => {
    const requests = minute === SPIKE_MINUTE ? SPIKE_REQUESTS : minute === 17 ? 0 : 40 + (minute * 37) % 23
    return { ms: START + minute * 60_000, requests, attacks: minute === SPIKE_MINUTE ? 310 : minute % 11 === 0 ? 3 : 0 }
  })
  return { bucketMs: 60_000, points }
}

/** A realistic report whose log-derived strings are all hostile. */
export function sampleReport (): Report {
  return {
    version: REPORT_VERSION,
    generated: '2011-06-22T18:00:00.000Z',
    inputs: {
      files: ['/var/log/nginx/access.log', `/var/log/${BAD}.log`],
      lines: 12_345,
      requests: 12_300,
      records: 0,
      accessLogLines: 12_300,
      otherRecords: 0,
      unparseable: 45,
      unparseableSamples: [
        { file: '/var/log/nginx/access.log', line: 17, reason: 'no request line', text: `garbage ${BAD}` },
        { file: `/var/log/${BAD}.log`, line: 2, reason: 'line too long', text: LONG_URL }
      ],
      untimed: 3
    },
    period: { first: at(0), last: at(299, 59) },
    settings: { threshold: 3, siteSources: 3, paranoia: 1, lookup: false, spike: { factor: 5, min: 30 } },
    attacks: {
      requests: 341,
      kinds: [{ value: 'sqli', count: 200, blocked: 20, notBlocked: 180 }, { value: 'lfi', count: 140, blocked: 0, notBlocked: 140 }, { value: BAD, count: 1, blocked: 1, notBlocked: 0 }],
      outcomes: [
        { status: 500, verdict: 'not blocked', meaning: '500: reached the application and made it fail; review the code it reached', count: 320 },
        { status: 403, verdict: 'blocked', meaning: '403: refused', count: 21 }
      ],
      groupedBy: 'source',
      groups: [
        {
          key: '203.0.113.7', by: 'source', attacks: 310, kinds: counts(['sqli', 200], ['lfi', 110]), first: at(3, 12), last: at(201, 2),
          sites: ['domain1.com', `domain2.com${BAD}`], blocked: 20, notBlocked: 290, country: 'NL', asn: 64_500,
          evidence: [
            { time: at(3, 12), status: 500, verdict: 'not blocked', kinds: ['sqli'], rules: ['sqli-union'], line: SQLI },
            { time: at(4, 0), status: 500, verdict: 'not blocked', kinds: ['lfi', BAD], rules: ['lfi-proc', BAD], line: LFI }
          ]
        },
        {
          key: `2001:db8:1:2::/64${BAD}`, by: 'source', attacks: 31, kinds: counts(['lfi', 30], [BAD, 1]), first: at(10), last: null,
          sites: [LONG_URL], blocked: 1, notBlocked: 30, country: BAD, asn: null,
          evidence: [{ time: null, status: null, verdict: 'unknown', kinds: ['lfi'], rules: [], line: LONG_URL }]
        }
      ],
      groupsNotListed: 4,
      sourcesNotTracked: 0
    },
    drafts: [{
      source: '203.0.113.7',
      attacks: 310,
      contact: { status: 'failed', email: null, network: `NET-203-0-113${BAD}`, range: '203.0.113.0/24', url: 'https://rdap.example/ip/203.0.113.7', error: `timed out ${BAD}` },
      subject: `Attacks from 203.0.113.7 ${BAD}`,
      text: `Hello,\n\n203.0.113.7 sent 310 attacks between ${at(3, 12).text} and ${at(201, 2).text}:\n\n${SQLI}\n${LFI}\n`
    }, {
      source: `198.51.100.9${BAD}`,
      attacks: 3,
      contact: { status: 'not looked up', email: null, network: null, range: null, url: null, error: null },
      subject: 'Attacks from 198.51.100.9',
      text: `${BAD}\n${LONG_URL}`
    }],
    sites: [
      { site: 'domain2.com', sources: 4, attacks: 140, kinds: counts(['lfi', 140]), first: at(4), last: at(250), notice: `Your application at domain2.com was attacked by 4 sources.\n${BAD}` },
      { site: `domain3.com${BAD}`, sources: null, attacks: 6, kinds: counts(['rfi', 3], ['lfi', 3]), first: null, last: null, notice: null }
    ],
    alerts: [{ scenario: 'scan-404', source: `203.0.113.7${BAD}`, count: 2, first: at(5), last: at(9), summary: `44 not-found answers in 60 s ${BAD}` }],
    clients: {
      families: [
        {
          family: 'Chrome', requests: 8000, sources: 300, attacks: 0, versions: counts(['131', 6000], ['120', 2000]),
          ja3: counts(['cd08e31494f9531f560d64c695473da9', 7990], [BAD, 10]), ja4: counts(['t13d1516h2_8daaf6152771_02713d6af862', 8000]),
          headerOrders: [{ value: 'a1b2c3d4', count: 7900, ho: 'Hhaculs' }, { value: 'ffee0011', count: 100, ho: BAD }], h2: counts(['1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p', 7000])
        },
        {
          family: LONG_UA, requests: 3000, sources: 12, attacks: 140, versions: counts([BAD, 3000]),
          ja3: [], ja4: counts([BAD, 2000], ['t13d311200_e8f1e7e78f70_d41ae481755e', 1000]), headerOrders: [], h2: []
        },
        { family: `curl${BAD}`, requests: 1, sources: 1, attacks: 1, versions: [], ja3: [], ja4: [], headerOrders: [{ value: '00', count: 1, ho: null }], h2: [] }
      ],
      suspects: [{ family: 'Chrome', rule: 'impersonation-browser-ua', excerpt: `claims Chrome 131, looks like curl/OpenSSL ${BAD}`, requests: 12, sources: ['203.0.113.7', BAD] }]
    },
    traffic: {
      timeline: timeline(),
      spikes: [{ minute: at(SPIKE_MINUTE), requests: SPIKE_REQUESTS, baseline: 50.4 }],
      statuses: [
        { status: 200, verdict: 'not blocked', meaning: '200: answered', count: 11_900 },
        { status: 500, verdict: 'not blocked', meaning: `500: failed ${BAD}`, count: 320 },
        { status: null, verdict: 'unknown', meaning: 'no status', count: 80 }
      ],
      topSources: [
        { key: '203.0.113.7', requests: 4000, attacks: 310 },
        { key: '198.51.100.9', requests: 2500, attacks: 3 },
        { key: BAD, requests: 1200, attacks: 0 },
        { key: LONG_URL, requests: 7, attacks: 7 }
      ],
      countries: [{ key: 'NL', requests: 6000, attacks: 310 }, { key: 'US', requests: 5000, attacks: 1 }, { key: BAD, requests: 1, attacks: 0 }],
      asns: [{ key: 'AS64500', requests: 6000, attacks: 310 }, { key: `AS64501 ${BAD}`, requests: 300, attacks: 0 }],
      approximate: true,
      geo: { country: '/srv/geo/country.mmdb', asn: `/srv/geo/${BAD}.mmdb` }
    },
    rules: [
      { rule: { id: 'block-203.0.113.7', action: 'block', mode: 'monitor', match: { ip: '203.0.113.7' } }, why: `310 attacks ${BAD}` },
      { rule: { id: 'block-ja4', action: 'block', mode: 'monitor', match: { ja4: BAD, uaFamily: LONG_UA, path: LONG_URL } }, why: 'a fingerprint seen only in attacks' }
    ]
  }
}

/** A report of an input with no line. */
export function emptyReport (): Report {
  return {
    version: REPORT_VERSION,
    generated: '2011-06-22T18:00:00.000Z',
    inputs: { files: [], lines: 0, requests: 0, records: 0, accessLogLines: 0, otherRecords: 0, unparseable: 0, unparseableSamples: [], untimed: 0 },
    period: { first: null, last: null },
    settings: { threshold: 3, siteSources: 3, paranoia: 1, lookup: false, spike: { factor: 5, min: 30 } },
    attacks: { requests: 0, kinds: [], outcomes: [], groupedBy: 'source', groups: [], groupsNotListed: 0, sourcesNotTracked: 0 },
    drafts: [],
    sites: [],
    alerts: [],
    clients: { families: [], suspects: [] },
    traffic: {
      timeline: { bucketMs: 60_000, points: [] },
      spikes: [],
      statuses: [],
      topSources: [],
      countries: [],
      asns: [],
      approximate: false,
      geo: { country: null, asn: null }
    },
    rules: []
  }
}

import { test, type Test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createAbuseLookup } from '../lib/cli/abuse/rdap'
import { abuseDraft, siteNotice } from '../lib/cli/abuse/draft'
import type { AbuseContact, AttackGroup, Evidence, Moment } from '../lib/cli/report'

type Property = [name: string, parameters: Record<string, unknown>, type: string, value: string]

/** A jCard (RFC 7095) as the registries write them: version, fn, then the mailbox if there is one. */
function vcard (fn: string, email?: string): ['vcard', Property[]] {
  const properties: Property[] = [['version', {}, 'text', '4.0'], ['fn', {}, 'text', fn]]
  if (email !== undefined) properties.push(['email', { type: 'work' }, 'text', email])
  return ['vcard', properties]
}

// Modelled on ARIN's answer for 8.8.8.8: the abuse contact is nested under the registrant organisation,
// beside a technical contact with a mailbox of its own.
const ARIN = {
  rdapConformance: ['nro_rdap_profile_0', 'rdap_level_0', 'cidr0', 'arin_originas0'],
  objectClassName: 'ip network', handle: 'NET-8-8-8-0-2', name: 'GOGL', type: 'DIRECT ALLOCATION', ipVersion: 'v4',
  startAddress: '8.8.8.0', endAddress: '8.8.8.255', parentHandle: 'NET-8-0-0-0-0', cidr0_cidrs: [{ v4prefix: '8.8.8.0', length: 24 }],
  entities: [{
    objectClassName: 'entity', handle: 'GOGL', roles: ['registrant'], vcardArray: vcard('Google LLC'),
    entities: [
      { objectClassName: 'entity', handle: 'ZG39-ARIN', roles: ['administrative', 'technical'], vcardArray: vcard('Google LLC', 'arin-contact@google.com') },
      { objectClassName: 'entity', handle: 'ABUSE5250-ARIN', roles: ['abuse'], vcardArray: vcard('Abuse', 'network-abuse@google.com') }
    ]
  }],
  events: [{ eventAction: 'registration', eventDate: '2014-03-14T16:52:05-04:00' }]
}
// Modelled on RIPE's: the abuse contact (a role object) beside the registrant, a country, no cidr0.
const RIPE = {
  rdapConformance: ['cidr0', 'rdap_level_0', 'nro_rdap_profile_0'],
  objectClassName: 'ip network', handle: '193.0.0.0 - 193.0.7.255', name: 'RIPE-NCC', country: 'NL', ipVersion: 'v4',
  startAddress: '193.0.0.0', endAddress: '193.0.7.255',
  entities: [
    { objectClassName: 'entity', handle: 'ORG-RIEN1-RIPE', roles: ['registrant'], vcardArray: vcard('Reseaux IP Europeens Network Coordination Centre (RIPE NCC)') },
    { objectClassName: 'entity', handle: 'OPS4-RIPE', roles: ['abuse', 'technical'], vcardArray: vcard('RIPE NCC Operations', 'abuse@ripe.net') }
  ]
}
// IPv6, ranged by cidr0 only.
const RIPE_V6 = {
  objectClassName: 'ip network', handle: '2a00:1450::/29', name: 'DE-GOOGLE-20091005', country: 'IE', ipVersion: 'v6',
  cidr0_cidrs: [{ v6prefix: '2a00:1450::', length: 29 }],
  entities: [{ objectClassName: 'entity', handle: 'AR1-RIPE', roles: ['abuse'], vcardArray: vcard('Abuse-C Role', 'network-abuse@google.com') }]
}
const NO_ABUSE = { ...ARIN, handle: 'NET-2-2-2-0-1', name: 'NOABUSE', entities: [ARIN.entities[0].entities[0]] }
// An abuse contact nested 20 entities deep: beyond the bound the walk goes to.
let DEEP: Record<string, unknown> = { objectClassName: 'entity', roles: ['abuse'], vcardArray: vcard('Deep', 'deep@example.net') }
for (let i = 0; i < 20; i++) DEEP = { objectClassName: 'entity', roles: ['registrant'], entities: [DEEP] }

interface RdapServer { url: string, paths: string[], maxInFlight: number, count: (path: string) => number }

/** An RDAP server on 127.0.0.1 with one route per address; its requests are counted. */
async function rdapServer (t: Test): Promise<RdapServer> {
  const state: RdapServer = { url: '', paths: [], maxInFlight: 0, count: (p) => state.paths.filter((x) => x === p).length }
  let inFlight = 0
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/rdap+json' }).end(JSON.stringify(body))
  }
  const routes: Record<string, (res: ServerResponse) => void> = {
    '/ip/8.8.8.8': (res) => json(res, 200, ARIN),
    '/ip/193.0.6.139': (res) => res.writeHead(302, { location: `${state.url}/ripe/ip/193.0.6.139` }).end(),
    '/ripe/ip/193.0.6.139': (res) => json(res, 200, RIPE),
    '/ip/2a00:1450:4001:81c::': (res) => res.writeHead(302, { location: '/ripe/ip/2a00:1450:4001:81c::' }).end(),
    '/ripe/ip/2a00:1450:4001:81c::': (res) => json(res, 200, RIPE_V6),
    '/ip/2.2.2.2': (res) => json(res, 200, NO_ABUSE),
    '/ip/31.13.64.1': (res) => json(res, 200, { ...ARIN, entities: [DEEP] }),
    '/ip/1.1.1.1': (res) => json(res, 404, { errorCode: 404, title: 'Not Found' }),
    '/ip/9.9.9.9': (res) => res.writeHead(500).end('internal error'),
    '/ip/3.3.3.3': (res) => res.writeHead(302, { location: '/ip/3.3.3.3' }).end(),
    '/ip/3.3.3.4': (res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
    '/ip/4.4.4.4': (res) => json(res, 200, { hello: 'world' }),
    '/ip/7.7.7.7': (res) => res.writeHead(200).end('{"objectClassName": "ip network", "entities": ['),
    '/ip/5.5.5.5': (res) => {
      // Chunked: no Content-Length announces the size.
      res.writeHead(200, { 'content-type': 'application/rdap+json' })
      for (let i = 0; i < 10; i++) res.write(' '.repeat(10_000))
      res.end('{}')
    },
    '/ip/6.6.6.6': () => {}
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? ''
    state.paths.push(path)
    state.maxInFlight = Math.max(state.maxInFlight, ++inFlight)
    // 'finish' comes before the client can read the end of the answer, so a lookup that follows it is not
    // counted as overlapping it.
    res.on('finish', () => { inFlight-- })
    const slow = /^\/slow\/ip\/(.+)$/.exec(path)
    if (slow !== null) {
      setTimeout(() => json(res, 200, { ...RIPE, handle: slow[1], entities: [{ roles: ['abuse'], vcardArray: vcard('x', `abuse@${slow[1]}.example`) }] }), 50)
    } else if (routes[path] !== undefined) routes[path](res)
    else json(res, 404, { errorCode: 404, title: 'Not Found' })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return state
}

test('ARIN- and RIPE-shaped answers: the abuse entity\'s mailbox, the network, its range; redirects followed', async (t) => {
  const server = await rdapServer(t)
  const { lookup } = createAbuseLookup({ enabled: true, baseUrl: server.url + '/' })
  t.same(await lookup('8.8.8.8'), {
    status: 'found', email: 'network-abuse@google.com', network: 'GOGL (NET-8-8-8-0-2)', range: '8.8.8.0 - 8.8.8.255', url: `${server.url}/ip/8.8.8.8`, error: null
  }, 'the nested abuse contact, not the technical contact beside it')
  t.same(await lookup('193.0.6.139'), {
    status: 'found', email: 'abuse@ripe.net', network: 'RIPE-NCC (193.0.0.0 - 193.0.7.255, NL)', range: '193.0.0.0 - 193.0.7.255', url: `${server.url}/ip/193.0.6.139`, error: null
  })
  const v6 = await lookup('2a00:1450:4001:81c::/64')
  t.same([v6.status, v6.email, v6.network, v6.range], ['found', 'network-abuse@google.com', 'DE-GOOGLE-20091005 (2a00:1450::/29, IE)', '2a00:1450::/29'])
  t.same(server.paths, ['/ip/8.8.8.8', '/ip/193.0.6.139', '/ripe/ip/193.0.6.139', '/ip/2a00:1450:4001:81c::', '/ripe/ip/2a00:1450:4001:81c::'],
    'the /64 key is looked up by its network address')
  t.same(await lookup('2.2.2.2'), { status: 'none', email: null, network: 'NOABUSE (NET-2-2-2-0-1)', range: '8.8.8.0 - 8.8.8.255', url: `${server.url}/ip/2.2.2.2`, error: null },
    'no abuse entity: none, and no other role\'s mailbox stands in')
  t.equal((await lookup('31.13.64.1')).status, 'none', 'an abuse entity past the depth bound is not reached')
})

test('what fails is said, never thrown: HTTP errors, redirect loops and schemes, bodies, JSON, timeouts, refused connections', async (t) => {
  const server = await rdapServer(t)
  const { lookup } = createAbuseLookup({ enabled: true, baseUrl: server.url, maxBytes: 65_536, timeout: 400 })
  const failure = async (address: string): Promise<string> => {
    const answer = await lookup(address)
    t.equal(answer.status, 'failed', address)
    t.equal(answer.url, `${server.url}/ip/${address}`)
    return answer.error ?? ''
  }
  t.equal(await failure('1.1.1.1'), `${server.url}/ip/1.1.1.1 answered HTTP 404 Not Found`)
  t.equal(await failure('9.9.9.9'), `${server.url}/ip/9.9.9.9 answered HTTP 500 Internal Server Error`)
  t.equal(await failure('3.3.3.3'), `more than 5 redirects from ${server.url}/ip/3.3.3.3 (the last to "/ip/3.3.3.3")`)
  t.equal(server.count('/ip/3.3.3.3'), 6)
  t.equal(await failure('3.3.3.4'), `${server.url}/ip/3.3.3.4 redirected to "file:///etc/passwd", which is not an http or https URL`)
  t.equal(await failure('5.5.5.5'), `the answer from ${server.url}/ip/5.5.5.5 is larger than 65536 bytes (option maxBytes)`)
  t.match(await failure('7.7.7.7'), new RegExp(`^the answer from ${server.url}/ip/7\\.7\\.7\\.7 is not JSON: `))
  t.equal(await failure('4.4.4.4'), `the answer from ${server.url}/ip/4.4.4.4 is not an RDAP IP network (objectClassName undefined)`)
  const started = Date.now()
  t.equal(await failure('6.6.6.6'), `no complete answer from ${server.url}/ip/6.6.6.6 within 400 ms (option timeout)`)
  t.ok(Date.now() - started < 3000, 'the timeout ends the lookup')

  const closed = createServer()
  closed.listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const refused = await createAbuseLookup({ enabled: true, baseUrl: `http://127.0.0.1:${port}` }).lookup('8.8.8.8')
  t.same([refused.status, refused.error], ['failed', `http://127.0.0.1:${port}/ip/8.8.8.8 could not be asked: connect ECONNREFUSED 127.0.0.1:${port}`])
})

test('special-purpose addresses are private and anything else fails, without a request; off, nothing is looked up', async (t) => {
  const server = await rdapServer(t)
  const { lookup } = createAbuseLookup({ enabled: true, baseUrl: server.url })
  const special = ['10.0.0.1', '172.16.5.4', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '192.0.2.1', '198.51.100.2',
    '203.0.113.7', '224.0.0.251', '0.0.0.0', '255.255.255.255', '240.0.0.1', '198.18.0.1', '192.0.0.9', '::', '::1', 'fe80::1',
    'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1', '2001:db8:1:2::/64', '::ffff:10.0.0.1', '::ffff:127.0.0.1',
    '64:ff9b::808:808', '2002:c000:201::1', '2001::1', '3fff::1', '4000::1']
  for (const address of special) t.equal((await lookup(address)).status, 'private', address)
  t.equal((await lookup('10.0.0.1')).error, '10.0.0.1 is a special-purpose address, private-use (RFC 1918): no registry holds it for a network')
  t.match((await lookup('100.64.0.1')).error, /carrier-grade NAT \(RFC 6598\)/)
  t.match((await lookup('::ffff:127.0.0.1')).error, /^127\.0\.0\.1 is a special-purpose address, loopback/, 'IPv4-mapped IPv6 is its IPv4 address')
  t.match((await lookup('2001:db8:1:2::/64')).error, /^2001:db8:1:2:: is a special-purpose address, documentation \(RFC 3849\)/)
  for (const key of ['domain1.com', '999.1.1.1', '', '01.2.3.4', '8.8.8.8\r\nHost: evil', 'x'.repeat(5000)]) {
    const answer = await lookup(key)
    t.same([answer.status, answer.url], ['failed', null], JSON.stringify(key).slice(0, 40))
    t.match(answer.error, /is not an IP address: nothing to look up$/)
  }
  t.equal((await lookup('1.2.3.0/24')).error, '"1.2.3.0/24" is a block; only an address or an IPv6 /64 key can be looked up: nothing to look up')
  const off = createAbuseLookup({ baseUrl: server.url })
  t.same(await off.lookup('8.8.8.8'), { status: 'not looked up', email: null, network: null, range: null, url: null, error: null })
  t.equal((await off.lookup('10.0.0.1')).status, 'private', 'a special-purpose address needs no lookup, so it is told offline too')
  t.equal((await off.lookup('domain1.com')).status, 'failed')
  t.same(server.paths, [], 'the server was never asked')
})

test('one request per address, at most `concurrency` in flight, at most `maxLookups` sent', async (t) => {
  const server = await rdapServer(t)
  const cached = createAbuseLookup({ enabled: true, baseUrl: server.url })
  const answers = await Promise.all(['8.8.8.8', '8.8.8.8', '::ffff:8.8.8.8', '2a00:1450:4001:81c::/64', '2a00:1450:4001:81c::'].map(cached.lookup))
  t.same(answers.map((a) => a.email), ['network-abuse@google.com', 'network-abuse@google.com', 'network-abuse@google.com', 'network-abuse@google.com', 'network-abuse@google.com'])
  t.equal((await cached.lookup('8.8.8.8')).status, 'found')
  t.equal(server.count('/ip/8.8.8.8'), 1)
  t.equal(server.count('/ip/2a00:1450:4001:81c::'), 1)

  const bounded = createAbuseLookup({ enabled: true, baseUrl: `${server.url}/slow`, concurrency: 3 })
  const addresses = Array.from({ length: 10 }, (_, i) => `45.33.0.${i + 1}`)
  const slow = await Promise.all(addresses.map(bounded.lookup))
  t.same(slow.map((a) => a.email), addresses.map((a) => `abuse@${a}.example`))
  t.equal(server.maxInFlight, 3, 'three in flight at most, and three reached')

  const limited = createAbuseLookup({ enabled: true, baseUrl: server.url, maxLookups: 2 })
  t.equal((await limited.lookup('8.8.8.8')).status, 'found')
  t.equal((await limited.lookup('10.0.0.1')).status, 'private', 'a private address is no lookup')
  t.equal((await limited.lookup('193.0.6.139')).status, 'found')
  t.same(await limited.lookup('1.1.1.1'), {
    status: 'not looked up', email: null, network: null, range: null, url: null, error: 'the run\'s 2 lookups were already made (option maxLookups)'
  })
  t.equal((await limited.lookup('8.8.8.8')).status, 'found', 'an address already asked is still answered')
  t.equal(server.count('/ip/1.1.1.1'), 0)
})

test('options are checked', async (t) => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ timeout: 0 }, /^createAbuseLookup: option timeout must be an integer from 1 to 600000 \(ms\); got 0$/],
    [{ timeout: '10' }, /option timeout must be an integer .*; got "10"$/],
    [{ maxBytes: 1.5 }, /option maxBytes must be an integer from 1 to 67108864 \(bytes\); got 1.5$/],
    [{ concurrency: 0 }, /option concurrency must be an integer from 1 to 64; got 0$/],
    [{ maxLookups: -1 }, /option maxLookups must be an integer from 0 to 1000000; got -1$/],
    [{ enabled: 'yes' }, /option enabled must be a boolean; got "yes"$/],
    [{ retries: 3 }, /unknown option 'retries'; known are enabled, baseUrl, timeout, maxBytes, concurrency, maxLookups$/],
    [{ baseUrl: 'ftp://rdap.example' }, /option baseUrl must be an http or https URL without query, fragment or credentials; got "ftp:\/\/rdap.example"$/],
    [{ baseUrl: 'rdap.org' }, /option baseUrl must be an http or https URL/],
    [{ baseUrl: 'https://rdap.example/?x=1' }, /option baseUrl must be an http or https URL/],
    [{ baseUrl: 'https://user:secret@rdap.example' }, /option baseUrl must be an http or https URL/]
  ]
  for (const [options, message] of bad) t.throws(() => createAbuseLookup(options), message, JSON.stringify(options))
})

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** The time of an access-log line as the report gives it: `2011-06-21 11:56:40 -0400`. */
function momentOf (line: string): Moment {
  const m = /\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]/.exec(line)
  if (m === null) throw new Error(`no time in ${line}`)
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000
  const month = MONTHS.indexOf(m[2])
  return {
    text: `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1]} ${m[4]}:${m[5]}:${m[6]} ${m[7]}${m[8]}${m[9]}`,
    ms: Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset
  }
}

// The seed's nine lines, as one source's attacks (the lines carry no address: 203.0.113.7 stands for one).
const SEED = readFileSync(join(__dirname, '..', '..', 'shared', 'corpus', 'seed-access.log'), 'utf8').split('\n').filter((l) => l !== '')
const KINDS = ['sqli', 'lfi', 'lfi', 'lfi', 'lfi', 'lfi', 'rfi', 'rfi', 'rfi']
const evidence = (line: string, i: number): Evidence => ({ time: momentOf(line), status: 500, verdict: 'not blocked', kinds: [KINDS[i]], rules: [], line })
const GROUP: AttackGroup = {
  key: '203.0.113.7', by: 'source', attacks: 9, kinds: [{ value: 'lfi', count: 5 }, { value: 'rfi', count: 3 }, { value: 'sqli', count: 1 }],
  first: momentOf(SEED[0]), last: momentOf(SEED[8]), sites: ['domain1.com', 'domain2.com', 'domain3.com'], blocked: 0, notBlocked: 9,
  country: null, asn: null, evidence: SEED.slice(0, 4).map(evidence)
}
const FOUND: AbuseContact = { status: 'found', email: 'abuse@example.net', network: 'EXAMPLE-NET (NET-203-0-113-0-1, US)', range: '203.0.113.0 - 203.0.113.255', url: 'https://rdap.example/ip/203.0.113.7', error: null }
const OFFLINE: AbuseContact = { status: 'not looked up', email: null, network: null, range: null, url: null, error: null }
const CONTEXT = { reporter: 'Example Hosting NOC <noc@hosting.example>', generated: '2011-06-23T08:00:00.000Z' }

test('the abuse draft of the seed\'s attacks, as a whole', async (t) => {
  const draft = abuseDraft(GROUP, FOUND, CONTEXT)
  t.equal(draft.subject, 'Abuse report: 9 attack attempts from 203.0.113.7 (lfi, rfi, sqli)')
  t.same([draft.source, draft.attacks, draft.contact], ['203.0.113.7', 9, FOUND])
  t.equal(draft.text, [
    'To: abuse@example.net',
    'Subject: Abuse report: 9 attack attempts from 203.0.113.7 (lfi, rfi, sqli)',
    '',
    'Hello,',
    '',
    'Our web servers received 9 attack attempts from 203.0.113.7 between',
    '2011-06-21 11:56:40 -0400 and 2011-06-22 13:47:01 -0400, against 3',
    'sites: domain1.com, domain2.com, domain3.com. The registry\'s RDAP data',
    'places this address in network EXAMPLE-NET (NET-203-0-113-0-1, US),',
    'range 203.0.113.0 - 203.0.113.255.',
    '',
    'What was seen:',
    '  - path traversal / local file inclusion: 5 requests',
    '  - remote file inclusion: 3 requests',
    '  - SQL injection: 1 request',
    '',
    'Of these, 0 were blocked and 9 reached the web application.',
    '',
    'The log lines, as our server wrote them (each after its time, with its',
    'UTC offset):',
    '',
    '2011-06-21 11:56:40 -0400 (status 500)',
    SEED[0],
    '',
    '2011-06-22 01:46:14 -0400 (status 500)',
    SEED[1],
    '',
    '2011-06-22 01:46:14 -0400 (status 500)',
    SEED[2],
    '',
    '2011-06-22 13:46:16 -0400 (status 500)',
    SEED[3],
    '',
    '(5 more attack requests from this address are not listed here.)',
    '',
    'Please investigate: the machine at this address may be compromised, or',
    'its user may be attacking other sites. We would be glad to hear what you',
    'find.',
    '',
    'Regards,',
    'Example Hosting NOC <noc@hosting.example>',
    '',
    '(Made from our web server logs on 2011-06-23T08:00:00.000Z.)',
    ''
  ].join('\n'))
  t.ok(draft.text.includes('domain1.com – – [21/Jun/2011:11:56:40 -0400] “GET /contact/'), 'the evidence keeps the seed\'s typographic quotes and dashes')
  const ours = draft.text.split('\n').filter((l) => !SEED.includes(l)).join('\n')
  t.match(ours, /^[\t\n\x20-\x7e]*$/, 'our own text is ASCII')
})

test('the addressee line says why there is no mailbox, and where to look', async (t) => {
  const to = (contact: AbuseContact, key = '203.0.113.7'): string => abuseDraft({ ...GROUP, key }, contact, {}).text.split('\n')[0]
  t.equal(to(OFFLINE), 'To: (abuse contact not looked up: run with --lookup, or look up 203.0.113.7 at https://rdap.org/ip/203.0.113.7)')
  t.equal(to(OFFLINE, '2001:db8:1:2::/64'), 'To: (abuse contact not looked up: run with --lookup, or look up 2001:db8:1:2::/64 at https://rdap.org/ip/2001:db8:1:2::/64)')
  t.equal(to({ ...OFFLINE, error: 'the run\'s 100 lookups were already made (option maxLookups)' }),
    'To: (abuse contact not looked up: the run\'s 100 lookups were already made (option maxLookups), or look up 203.0.113.7 at https://rdap.org/ip/203.0.113.7)')
  t.equal(to({ ...OFFLINE, status: 'failed', url: 'https://rdap.org/ip/203.0.113.7', error: 'https://rdap.org/ip/203.0.113.7 answered HTTP 500 Internal Server Error' }),
    'To: (abuse contact lookup failed: https://rdap.org/ip/203.0.113.7 answered HTTP 500 Internal Server Error; look up 203.0.113.7 at https://rdap.org/ip/203.0.113.7)')
  t.equal(to({ ...FOUND, status: 'none', email: null }), 'To: (the registry names no abuse contact for EXAMPLE-NET (NET-203-0-113-0-1, US); see https://rdap.example/ip/203.0.113.7)')
  t.equal(to({ ...OFFLINE, status: 'private', error: '10.0.0.1 is a special-purpose address, private-use (RFC 1918): no registry holds it for a network' }, '10.0.0.1'),
    'To: (no abuse contact: 10.0.0.1 is a special-purpose address, private-use (RFC 1918): no registry holds it for a network)')
  const unsigned = abuseDraft(GROUP, OFFLINE, {}).text
  t.ok(unsigned.endsWith('Regards,\n[your name, organisation and contact address]\n'), 'without a reporter, a placeholder to fill in')
  t.throws(() => abuseDraft({ ...GROUP, by: 'site', key: 'domain3.com' }, OFFLINE, {}),
    /^abuseDraft: group "domain3.com" is the attacks on a site; an abuse report is about a source address$/)
})

test('control characters in log lines and keys cannot forge headers or reach a terminal', async (t) => {
  const hostile = 'GET /a HTTP/1.1" 500\r\nBcc: victim@example.com\x1b[2J\x00\u0085\u2028\u202eevil\tend'
  const draft = abuseDraft({ ...GROUP, sites: ['site.example\nCc: x@example.com'], evidence: [{ ...evidence(SEED[0], 0), line: hostile }] }, OFFLINE, { reporter: 'NOC\x1b]0;title\x07' })
  t.notMatch(draft.text, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]/, 'no control character but tab and our own line ends')
  t.ok(draft.text.includes('GET /a HTTP/1.1" 500\\x0d\\x0aBcc: victim@example.com\\x1b[2J\\x00\\x85\\u2028\\u202eevil\tend'), 'written as escapes, tab kept')
  t.notOk(draft.text.split('\n').some((l) => /^(Bcc|Cc):/.test(l)), 'no line starts a forged header')
  t.ok(draft.text.includes('site.example\\x0aCc: x@example.com'))
  t.ok(draft.text.includes('NOC\\x1b]0;title\\x07'))
})

test('the notice to a site\'s owner: kinds, period, paths to review, whether they got through', async (t) => {
  const domain3 = SEED.slice(3)
  const site = {
    site: 'domain3.com', sources: null, attacks: 6, kinds: [{ value: 'lfi', count: 3 }, { value: 'rfi', count: 3 }], first: momentOf(domain3[0]), last: momentOf(domain3[5])
  }
  const reached = {
    paths: [{ value: '/home.php', count: 2 }, { value: '/athletics/home.php', count: 2 }, { value: '/hr/home.php', count: 2 }],
    outcomes: [{ status: 500, verdict: 'not blocked' as const, meaning: '500: reached the application and made it fail; review the code it reached', count: 6 }]
  }
  t.equal(siteNotice(site, reached, CONTEXT), [
    'Subject: Attacks against domain3.com: 6 attack attempts (lfi, rfi)',
    '',
    'Hello,',
    '',
    'domain3.com received 6 requests that tried to attack it between',
    '2011-06-22 13:46:16 -0400 and 2011-06-22 13:47:01 -0400 (the log lines',
    'carry no client address, so their sources are not known).',
    '',
    'What was tried:',
    '  - path traversal / local file inclusion: 3 requests',
    '  - remote file inclusion: 3 requests',
    '',
    'Attacks in such numbers against one site often mean that someone knows,',
    'or believes, that an application on it is vulnerable. Please review the',
    'applications these requests reached (e.g. the paths /home.php (2',
    'attacks), /athletics/home.php (2 attacks), /hr/home.php (2 attacks)),',
    'check them for the kinds of attack above, and keep them up to date.',
    '',
    'Did they get through?',
    '  - 500: reached the application and made it fail; review the code it reached (6 requests)',
    '',
    'Of these, 0 were blocked and 6 reached the web application.',
    '',
    'Regards,',
    'Example Hosting NOC <noc@hosting.example>',
    '',
    '(Made from our web server logs on 2011-06-23T08:00:00.000Z.)',
    ''
  ].join('\n'))
  const many = siteNotice({ ...site, site: 'shop.example\r\nX: y', sources: 4 }, {
    paths: [],
    outcomes: [{ status: 403, verdict: 'blocked', meaning: '403: refused', count: 4 }, { status: null, verdict: 'unknown', meaning: 'no status logged', count: 2 }]
  }, {})
  t.match(many, /^Subject: Attacks against shop\.example\\x0d\\x0aX: y: 6 attack attempts/)
  const prose = many.replace(/\s+/g, ' ')
  t.match(prose, /from 4 different sources\./)
  t.match(prose, /Please review the applications these requests reached, check them/)
  t.match(prose, /Of these, 4 were blocked, 0 reached the web application and for 2 the outcome is not known \(no status logged\)\./)
  t.match(many, /Did they get through\?\n {2}- 403: refused \(4 requests\)\n {2}- no status logged \(2 requests\)\n/)
})

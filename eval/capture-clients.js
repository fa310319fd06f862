#!/usr/bin/env node
'use strict'
/*
 * Regenerates test/fixtures/clients/*.json: real HTTP clients of this machine (headless Chromium, curl, wget,
 * Node https / fetch / http2, Python urllib and requests) request a local Fastify https server that has the
 * plugin registered with tlsCapture and h2Capture, and each request is written down as the server saw it:
 * rawHeaders (names and values, in order), Accept, User-Agent, the plugin's header order `ho`, JA4 and the
 * HTTP/2 fingerprint. lib/detect/impersonation/profiles.ts is derived from these files (by hand: what holds
 * across them), and test/detect-impersonation.test.ts replays them.
 *
 *   npx tsc -p tsconfig.json --outDir .dist-imp && DETECT_DIST=.dist-imp node eval/capture-clients.js [--only <id>]
 *
 * The build is read from dist/, or from $DETECT_DIST. Clients that are not installed are left out with a
 * line on stderr; their old fixture, if any, stays. Besides each client's own User-Agent, a few runs send a
 * browser's User-Agent (and headers) from a script client: these "impostor" fixtures are what the detector
 * must flag. Needs openssl for the throwaway certificate.
 */
const { execFile, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')

const ROOT = path.join(__dirname, '..')
const DIST = process.env.DETECT_DIST === undefined ? path.join(ROOT, 'dist') : path.resolve(process.env.DETECT_DIST)
const OUT = path.join(ROOT, 'test', 'fixtures', 'clients')
const { values: args } = parseArgs({ options: { only: { type: 'string' } } })

// A current desktop Chrome and Firefox, as an impostor would copy them from a browser's developer tools.
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'
// Chrome's DevTools "Copy as cURL" of a navigation: every header Chrome sent, as -H options.
const CHROME_COPIED = [
  'accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'accept-language: en-US,en;q=0.9', 'cache-control: no-cache', 'pragma: no-cache', 'priority: u=0, i',
  'sec-ch-ua: "Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile: ?0',
  'sec-ch-ua-platform: "Windows"', 'sec-fetch-dest: document', 'sec-fetch-mode: navigate', 'sec-fetch-site: none',
  'sec-fetch-user: ?1', 'upgrade-insecure-requests: 1', `user-agent: ${CHROME_UA}`
]
const CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors',
  '--virtual-time-budget=5000', '--dump-dom']

const NODE_HTTPS = "require('https').get('<url>', { rejectUnauthorized: false }, (res) => { res.resume(); res.on('end', () => process.exit(0)) })"
const NODE_FETCH = "fetch('<url>').then((r) => r.text()).then(() => process.exit(0))"
const NODE_FETCH_CHROME = `fetch('<url>', { headers: { 'user-agent': '${CHROME_UA}', accept: 'text/html,application/xhtml+xml', 'accept-language': 'en-US,en;q=0.9' } }).then((r) => r.text()).then(() => process.exit(0))`
const NODE_HTTP2 = "const s = require('http2').connect('<origin>', { rejectUnauthorized: false }); const r = s.request({ ':path': '/' }); r.resume(); r.on('end', () => s.close()); r.end()"
const NODE_HTTPS_CHROME = `require('https').get('<url>', { rejectUnauthorized: false, headers: { 'User-Agent': '${CHROME_UA}', Accept: '*/*' } }, (res) => { res.resume(); res.on('end', () => process.exit(0)) })`
const URLLIB = "import ssl, urllib.request; urllib.request.urlopen('<url>', context=ssl._create_unverified_context()).read()"
const URLLIB_CHROME = `import ssl, urllib.request; urllib.request.urlopen(urllib.request.Request('<url>', headers={'User-Agent': '${CHROME_UA}'}), context=ssl._create_unverified_context()).read()`
const REQUESTS = "import requests, urllib3; urllib3.disable_warnings(); requests.get('<url>', verify=False)"
const REQUESTS_FIREFOX = 'import requests, urllib3; urllib3.disable_warnings(); requests.get(\'<url>\', verify=False, headers={' +
  `'User-Agent': '${FIREFOX_UA}', 'Accept': 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', ` +
  "'Accept-Language': 'en-US,en;q=0.5', 'Upgrade-Insecure-Requests': '1', 'Sec-Fetch-Dest': 'document', 'Sec-Fetch-Mode': 'navigate'})"

/**
 * The clients, in the order they run: `<url>` is https://localhost:<port>/, `<origin>` the same without the
 * path, `<page>` a page that loads a style sheet, a script, an image and makes fetch() and XHR calls.
 * `env` is added to the client's environment.
 */
const CLIENTS = [
  { id: 'chromium-h2', client: 'chromium', argv: ['chromium', ...CHROMIUM_FLAGS, '--user-data-dir=<profile>', '<page>'] },
  { id: 'chromium-h1', client: 'chromium', argv: ['chromium', ...CHROMIUM_FLAGS, '--disable-http2', '--user-data-dir=<profile>', '<page>'] },
  { id: 'curl-h2', client: 'curl', argv: ['curl', '-sk', '-o', '/dev/null', '<url>'] },
  { id: 'curl-h1', client: 'curl', argv: ['curl', '-sk', '-o', '/dev/null', '--http1.1', '<url>'] },
  { id: 'curl-h1-post', client: 'curl', argv: ['curl', '-sk', '-o', '/dev/null', '--http1.1', '--compressed', '-d', 'a=1', '<url>'] },
  { id: 'wget', client: 'wget', argv: ['wget', '-q', '-O', '/dev/null', '--no-check-certificate', '<url>'] },
  { id: 'node-https', client: 'node', argv: ['node', '-e', NODE_HTTPS] },
  { id: 'node-fetch', client: 'node', argv: ['node', '-e', NODE_FETCH], env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } },
  { id: 'node-http2', client: 'node', argv: ['node', '-e', NODE_HTTP2] },
  { id: 'python-urllib', client: 'python3', argv: ['python3', '-c', URLLIB] },
  { id: 'python-requests', client: 'python3', argv: ['python3', '-c', REQUESTS], needs: ['python3', '-c', 'import requests'] },
  { id: 'impostor-curl-chrome-ua-h2', client: 'curl', impostor: true, argv: ['curl', '-sk', '-o', '/dev/null', '-A', CHROME_UA, '<url>'] },
  { id: 'impostor-curl-chrome-ua-h1', client: 'curl', impostor: true, argv: ['curl', '-sk', '-o', '/dev/null', '--http1.1', '-H', `User-Agent: ${CHROME_UA}`, '<url>'] },
  { id: 'impostor-curl-copied-chrome-h2', client: 'curl', impostor: true, argv: ['curl', '-sk', '-o', '/dev/null', ...CHROME_COPIED.flatMap((h) => ['-H', h]), '<url>'] },
  { id: 'impostor-wget-chrome-ua', client: 'wget', impostor: true, argv: ['wget', '-q', '-O', '/dev/null', '--no-check-certificate', '-U', CHROME_UA, '<url>'] },
  { id: 'impostor-node-fetch-chrome-ua', client: 'node', impostor: true, argv: ['node', '-e', NODE_FETCH_CHROME], env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } },
  { id: 'impostor-node-https-chrome-ua', client: 'node', impostor: true, argv: ['node', '-e', NODE_HTTPS_CHROME] },
  { id: 'impostor-python-urllib-chrome-ua', client: 'python3', impostor: true, argv: ['python3', '-c', URLLIB_CHROME] },
  { id: 'impostor-python-requests-firefox', client: 'python3', impostor: true, argv: ['python3', '-c', REQUESTS_FIREFOX], needs: ['python3', '-c', 'import requests'] }
]

// What the page makes Chromium request besides itself: a document's usual subresources, script calls, a
// cross-origin fetch with its CORS preflight (127.0.0.1 is another origin than localhost) and a beacon.
const PAGE = `<!doctype html><html><head><link rel="stylesheet" href="/r/style.css"><script src="/r/app.js"></script></head>
<body><img src="/r/image.png"><pre id="out"></pre><script>
fetch('/r/fetch').then((r) => r.text()).then(() => fetch('/r/post', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }))
  .then(() => fetch('https://127.0.0.1:' + location.port + '/r/cors', { headers: { 'x-custom': '1' } }))
  .then(() => { navigator.sendBeacon('/r/beacon', 'x'); const x = new XMLHttpRequest(); x.open('GET', '/r/xhr'); x.onload = () => { document.getElementById('out').textContent = 'done' }; x.send() })
</script></body></html>`
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4d50000000049454e44ae426082', 'hex')

function run (file, argv) {
  try {
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
  } catch {
    return undefined
  }
}

function versions () {
  return {
    chromium: run('chromium', ['--version']),
    curl: run('curl', ['--version'])?.split('\n')[0],
    wget: run('wget', ['--version'])?.split('\n')[0],
    node: `Node ${process.version} (undici ${process.versions.undici}, OpenSSL ${process.versions.openssl})`,
    python3: run('python3', ['--version']),
    'python-requests': run('python3', ['-c', 'import requests; print(requests.__version__)']),
    system: fs.existsSync('/etc/debian_version') ? `Debian ${fs.readFileSync('/etc/debian_version', 'utf8').trim()}` : os.type()
  }
}

function certificate () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-clients-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem',
      '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { cwd: dir, stdio: 'ignore' })
    return { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** One request as the server saw it; the port in values is replaced by `<port>` so runs compare. */
function seen (request, port) {
  const info = request.requestInfo
  const raw = request.raw.rawHeaders.map((v) => v.split(String(port)).join('<port>'))
  return {
    method: request.method,
    url: request.url,
    httpVersion: request.raw.httpVersion,
    rawHeaders: raw,
    ua: info.ua,
    ac: info.ac,
    ho: info.ho,
    ja4: info.ja4,
    h2: info.h2,
    alpn: info.alpn,
    tlsVersion: info.tlsVersion
  }
}

async function server () {
  const Fastify = require(path.join(ROOT, 'node_modules', 'fastify'))
  const plugin = require(path.join(DIST, 'index.js'))
  const pino = require(path.join(ROOT, 'node_modules', 'pino'))
  const app = Fastify({ http2: true, https: { ...certificate(), allowHTTP1: true } })
  await app.register(plugin, { tlsCapture: true, h2Capture: true, logger: pino({ level: 'silent' }) })
  const state = { requests: [], port: 0 }
  app.addHook('onRequest', async (request) => { state.requests.push(seen(request, state.port)) })
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  app.get('/', async () => 'ok\n')
  // A cookie, so the page's own requests show where Chromium puts Cookie.
  app.get('/page', async (_request, reply) => reply.type('text/html').header('set-cookie', 'sid=1; Path=/; Secure; SameSite=None').send(PAGE))
  app.get('/r/style.css', async (_request, reply) => reply.type('text/css').send('pre { color: black }'))
  app.get('/r/app.js', async (_request, reply) => reply.type('text/javascript').send('window.loaded = true'))
  app.get('/r/image.png', async (_request, reply) => reply.type('image/png').send(PNG))
  app.get('/r/fetch', async () => ({ ok: true }))
  app.get('/r/xhr', async () => ({ ok: true }))
  app.post('/r/post', async () => ({ ok: true }))
  app.post('/r/beacon', async () => ({ ok: true }))
  app.options('/r/cors', async (_request, reply) => reply.headers({ 'access-control-allow-origin': '*', 'access-control-allow-headers': 'x-custom' }).send())
  app.get('/r/cors', async (_request, reply) => reply.header('access-control-allow-origin', '*').send({ ok: true }))
  app.post('/', async () => 'ok\n')
  await app.listen({ host: '127.0.0.1', port: 0 })
  state.port = app.server.address().port
  return { app, state }
}

function runClient (client, port) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-clients-profile-'))
  const url = `https://localhost:${port}/`
  const fill = (arg) => arg.replace(/<url>/g, url).replace(/<origin>/g, url.slice(0, -1))
    .replace(/<page>/g, `${url}page`).replace(/<profile>/g, profile)
  const [file, ...argv] = client.argv.map(fill)
  return new Promise((resolve) => {
    execFile(file, argv, { timeout: 30000, killSignal: 'SIGKILL', env: { ...process.env, ...client.env } }, (err) => {
      fs.rmSync(profile, { recursive: true, force: true })
      resolve(err)
    })
  })
}

async function main () {
  const tools = versions()
  const { app, state } = await server()
  fs.mkdirSync(OUT, { recursive: true })
  const captured = new Date().toISOString().slice(0, 10)
  try {
    for (const client of CLIENTS) {
      if (args.only !== undefined && client.id !== args.only) continue
      const installed = tools[client.client] !== undefined && (client.needs === undefined || run(client.needs[0], client.needs.slice(1)) !== undefined)
      if (!installed) {
        process.stderr.write(`${client.id}: ${client.client} is not installed, left out\n`)
        continue
      }
      state.requests = []
      const err = await runClient(client, state.port)
      if (err) process.stderr.write(`${client.id}: ${err.message.split('\n')[0]}\n`)
      const version = client.needs === undefined ? tools[client.client] : `${tools[client.client]}, requests ${tools['python-requests']}`
      const record = {
        id: client.id,
        client: client.client,
        version,
        impostor: client.impostor === true,
        command: client.argv,
        env: client.env,
        captured,
        system: tools.system,
        requests: state.requests
      }
      fs.writeFileSync(path.join(OUT, `${client.id}.json`), JSON.stringify(record, null, 1) + '\n')
      process.stdout.write(`${client.id}: ${state.requests.length} request(s)\n`)
    }
  } finally {
    await app.close()
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`)
  process.exitCode = 1
})

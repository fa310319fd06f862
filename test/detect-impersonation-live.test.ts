import { test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { AddressInfo } from 'node:net'
import { execFile, execFileSync } from 'node:child_process'
import Fastify from 'fastify'
import pino from 'pino'
import requestInfo = require('../lib/index')
import { createImpersonation } from '../lib/detect/impersonation'
import type { Threat } from '../lib/detect/types'
import { testCertificate } from './helper'

// Real clients of this machine against a local https server with the plugin (tlsCapture, h2Capture): their
// own requests give no finding, the same clients with a browser's User-Agent are found.

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'
const PAGE = '<!doctype html><img src="/r/image.png"><script>fetch("/r/fetch").then(() => { document.title = "done" })</script>'

const { skip: noOpenssl, ...certificate } = testCertificate()

function installed (file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const absent = (what: string, file: string, args: string[]): string | false => installed(file, args) ? false : `${what} is not installed`

interface Seen { url: string, ua: string | undefined, found: Threat | undefined }

async function server (t: any): Promise<{ url: string, seen: Seen[] }> {
  const app = Fastify({ http2: true, https: { ...certificate, allowHTTP1: true } })
  await app.register(requestInfo, { tlsCapture: true, h2Capture: true, logger: pino({ level: 'silent' }) })
  const check = createImpersonation({ paranoia: 1, disable: [], learn: false, maxFamilies: 16 })
  const seen: Seen[] = []
  app.addHook('onRequest', async (request) => {
    const info = request.requestInfo
    const found = check.check({ ua: info.ua, uai: info.uai, rawHeaders: request.raw.rawHeaders, ho: info.ho, ac: info.ac, ja4: info.ja4, h2: info.h2, httpVersion: request.raw.httpVersion })
    seen.push({ url: request.url, ua: info.ua, found })
  })
  app.get('/', async () => 'ok\n')
  app.get('/page', async (_request, reply) => reply.type('text/html').send(PAGE))
  app.get('/r/image.png', async (_request, reply) => reply.type('image/png').send(Buffer.alloc(0)))
  app.get('/r/fetch', async () => ({ ok: true }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  return { url: `https://localhost:${(app.server.address() as AddressInfo).port}/`, seen }
}

function run (file: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30000, killSignal: 'SIGKILL', env: { ...process.env, ...env } }, () => resolve())
  })
}

/** Runs a client; returns the findings of the requests it made. */
async function findings (seen: Seen[], client: () => Promise<void>): Promise<Seen[]> {
  const from = seen.length
  await client()
  return seen.slice(from)
}

function expectClean (t: any, what: string, requests: Seen[]): void {
  t.ok(requests.length > 0, `${what}: made requests`)
  for (const r of requests) t.equal(r.found, undefined, `${what} ${r.url}: no finding`)
}

function expectFound (t: any, what: string, requests: Seen[], excerpt: string | RegExp): void {
  t.ok(requests.length > 0, `${what}: made requests`)
  for (const r of requests) t.match(r.found, { rule: 'impersonation-browser-ua', excerpt, score: 4 }, what)
}

test('headless Chromium over HTTP/2 and HTTP/1.1: no finding on any of its requests', {
  skip: noOpenssl || absent('chromium', 'chromium', ['--version'])
}, async (t) => {
  const { url, seen } = await server(t)
  for (const extra of [[], ['--disable-http2']]) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-imp-chromium-'))
    const requests = await findings(seen, () => run('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors', '--virtual-time-budget=3000',
      ...extra, `--user-data-dir=${profile}`, '--dump-dom', `${url}page`]))
    fs.rmSync(profile, { recursive: true, force: true })
    t.ok(requests.some((r) => r.url === '/r/fetch'), 'the page\'s fetch arrived')
    expectClean(t, `chromium ${extra.join(' ')}`, requests)
  }
})

test('curl as itself, and with Chrome\'s User-Agent', { skip: noOpenssl || absent('curl', 'curl', ['--version']) }, async (t) => {
  const { url, seen } = await server(t)
  expectClean(t, 'curl', await findings(seen, () => run('curl', ['-sk', '-o', '/dev/null', url])))
  expectClean(t, 'curl --http1.1', await findings(seen, () => run('curl', ['-sk', '-o', '/dev/null', '--http1.1', url])))
  expectFound(t, 'curl -A Chrome', await findings(seen, () => run('curl', ['-sk', '-o', '/dev/null', '-A', CHROME, url])), 'claims Chrome 131, looks like curl/OpenSSL')
  expectFound(t, 'curl --http1.1 -A Chrome', await findings(seen, () => run('curl', ['-sk', '-o', '/dev/null', '--http1.1', '-A', CHROME, url])), 'claims Chrome 131, looks like curl/OpenSSL')
})

test('wget as itself, and with Chrome\'s User-Agent', { skip: noOpenssl || absent('wget', 'wget', ['--version']) }, async (t) => {
  const { url, seen } = await server(t)
  const wget = ['-q', '-O', '/dev/null', '--no-check-certificate']
  expectClean(t, 'wget', await findings(seen, () => run('wget', [...wget, url])))
  expectFound(t, 'wget -U Chrome', await findings(seen, () => run('wget', [...wget, '-U', CHROME, url])), // Debian builds wget on GnuTLS, other systems on OpenSSL: the TLS library names it.
    /^claims Chrome 131, looks like (wget|curl\/OpenSSL)/)
})

test('Python urllib and requests as themselves, and with a browser\'s User-Agent', { skip: noOpenssl || absent('python3', 'python3', ['--version']) }, async (t) => {
  const { url, seen } = await server(t)
  const urllib = (headers: string): string => `import ssl, urllib.request; urllib.request.urlopen(urllib.request.Request('${url}', headers=${headers}), context=ssl._create_unverified_context()).read()`
  expectClean(t, 'urllib', await findings(seen, () => run('python3', ['-c', urllib('{}')])))
  expectFound(t, 'urllib with Chrome\'s User-Agent', await findings(seen, () => run('python3', ['-c', urllib(`{'User-Agent': '${CHROME}'}`)])), 'claims Chrome 131, looks like Python')
  if (!installed('python3', ['-c', 'import requests'])) {
    t.comment('python requests is not installed: its part is skipped')
    return
  }
  const requests = (headers: string): string => `import requests, urllib3; urllib3.disable_warnings(); requests.get('${url}', verify=False, headers=${headers})`
  expectClean(t, 'requests', await findings(seen, () => run('python3', ['-c', requests('{}')])))
  expectFound(t, 'requests with Firefox\'s headers', await findings(seen, () => run('python3', ['-c',
    requests(`{'User-Agent': '${FIREFOX}', 'Accept': 'text/html', 'Accept-Language': 'en-US,en;q=0.5'}`)])), 'claims Firefox 133, looks like Python')
})

test('Node https, fetch and http2 as themselves, and fetch with Chrome\'s User-Agent', { skip: noOpenssl }, async (t) => {
  const { url, seen } = await server(t)
  const insecure = { NODE_TLS_REJECT_UNAUTHORIZED: '0' }
  const node = process.execPath
  expectClean(t, 'https', await findings(seen, () => run(node, ['-e', `require('https').get('${url}', { rejectUnauthorized: false }, (r) => r.resume())`])))
  expectClean(t, 'fetch', await findings(seen, () => run(node, ['-e', `fetch('${url}').then((r) => r.text())`], insecure)))
  expectClean(t, 'http2', await findings(seen, () => run(node, ['-e',
    `const s = require('http2').connect('${url.slice(0, -1)}', { rejectUnauthorized: false }); const r = s.request({ ':path': '/' }); r.resume(); r.on('end', () => s.close())`])))
  expectFound(t, 'fetch with Chrome\'s User-Agent', await findings(seen, () => run(node, ['-e', `fetch('${url}', { headers: { 'user-agent': '${CHROME}' } }).then((r) => r.text())`], insecure)),
    'claims Chrome 131, looks like Node.js')
})

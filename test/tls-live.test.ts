import { test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import Fastify, { type FastifyInstance } from 'fastify'
import requestInfo = require('../lib/index')

// Real clients against a Fastify https server with the plugin, while tshark records the loopback traffic:
// for every connection, requestInfo.ssl and .sslh (read by the plugin from the socket) must equal the JA3
// tshark computes from the capture. Connections are matched by the client's source port.

function installed (command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined
}

const hasTshark = installed('tshark')
const hasOpenssl = installed('openssl')
const hasCurl = installed('curl')
const CHROMIUM = '/usr/bin/chromium'
const hasChromium = fs.existsSync(CHROMIUM)
const skip = !hasTshark
  ? 'tshark is not installed (Debian: apt-get install tshark): it is the independent JA3 oracle of this test'
  : !hasOpenssl ? 'openssl is not installed: it makes the test certificates' : false

interface Answer { ssl?: string, sslh?: string, ja4?: string, fingerprintSource?: string, port: number }

/** Runs a client to its end (20 s at most) and resolves with its stdout. */
function output (file: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 20000, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err !== null && stdout === '') reject(new Error(`${file} ${args.join(' ')}: ${err.message} ${stderr}`))
      else resolve(stdout)
    })
    child.stdin?.on('error', () => {})
    child.stdin?.end(stdin ?? '')
  })
}

/** The JSON object in a client's output: after HTTP headers (openssl), or in Chromium's <pre>. */
function answer (text: string): Answer {
  const pre = /<pre>([\s\S]*?)<\/pre>/.exec(text)
  const body = pre === null ? text : (pre[1] as string).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
  const start = body.indexOf('{')
  if (start === -1) throw new Error(`no JSON answer in ${JSON.stringify(text.slice(0, 300))}`)
  return JSON.parse(body.slice(start, body.lastIndexOf('}') + 1))
}

/** Starts tshark on lo for `port`; resolves once it reports "Capturing on", plus a short grace. */
function startTshark (port: number, file: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const tshark = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    const timer = setTimeout(() => { tshark.kill('SIGKILL'); reject(new Error(`tshark did not start capturing in 15 s: ${stderr}`)) }, 15000)
    tshark.stderr?.setEncoding('utf8')
    tshark.stderr?.on('data', (chunk: string) => {
      stderr += chunk
      if (stderr.includes('Capturing on')) {
        clearTimeout(timer)
        setTimeout(() => resolve(tshark), 300)
      }
    })
    tshark.on('error', (err) => { clearTimeout(timer); reject(err) })
    tshark.on('exit', (code) => { clearTimeout(timer); reject(new Error(`tshark exited (${code}) before capturing: ${stderr.trim()}`)) })
  })
}

/** Stops tshark the way ^C does, so it closes its file; SIGKILL if it has not exited after 5 s. */
async function stopTshark (tshark: ChildProcess): Promise<void> {
  if (tshark.exitCode !== null || tshark.signalCode !== null) return
  const exited = new Promise<void>((resolve) => tshark.once('exit', () => resolve()))
  tshark.kill('SIGINT')
  const timer = setTimeout(() => tshark.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

const GET = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors', '--dump-dom']

test('requestInfo ssl and sslh equal the JA3 tshark computes, for each connection of real clients', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-tls-live-'))
  let tshark: ChildProcess | undefined
  let server: FastifyInstance | undefined
  t.teardown(async () => {
    if (tshark !== undefined) await stopTshark(tshark)
    await server?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  // RSA and ECDSA certificates, so that a client limited to ECDHE-RSA or ECDHE-ECDSA suites has a match.
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:example.test', '-days', '2', '-nodes']
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-keyout', 'rsa.key', '-out', 'rsa.pem', ...subject], { cwd: dir, stdio: 'ignore' })
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', 'ec.key', '-out', 'ec.pem', ...subject], { cwd: dir, stdio: 'ignore' })
  const read = (file: string): Buffer => fs.readFileSync(path.join(dir, file))
  server = Fastify({ https: { key: [read('rsa.key'), read('ec.key')], cert: [read('rsa.pem'), read('ec.pem')] }, logger: false })
  await server.register(requestInfo)
  server.get('/', async (request) => {
    const { ssl, sslh, ja4, fingerprintSource } = request.requestInfo
    return { ssl, sslh, ja4, fingerprintSource, port: request.socket.remotePort }
  })
  await server.listen({ host: '127.0.0.1', port: 0 })
  const port = (server.server.address() as AddressInfo).port
  const url = `https://127.0.0.1:${port}/`

  const pcap = path.join(dir, 'live.pcapng')
  try {
    tshark = await startTshark(port, pcap)
  } catch (err) {
    t.plan(0, `tshark cannot capture on lo here (it needs root or the wireshark group): ${(err as Error).message}`)
    return
  }

  const curl = (args: string[]) => async () => answer(await output('curl', ['-sk', ...args, url]))
  const openssl = (args: string[]) => async () => answer(await output('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`, ...args], GET))
  const chromium = async (): Promise<Answer> => {
    const profile = fs.mkdtempSync(path.join(dir, 'chromium-'))
    return answer(await output(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, url]))
  }
  const node = (): Promise<Answer> => new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve(JSON.parse(body)))
    }).on('error', reject)
  })
  const noCurl = hasCurl ? false : 'curl is not installed'
  const noChromium = hasChromium ? false : `${CHROMIUM} is absent (Debian: apt-get install chromium)`
  const clients: Array<{ name: string, skip: string | false, run: () => Promise<Answer> }> = [
    { name: 'curl', skip: noCurl, run: curl([]) },
    { name: 'curl --http1.1', skip: noCurl, run: curl(['--http1.1']) },
    { name: 'curl --tlsv1.2 --tls-max 1.2', skip: noCurl, run: curl(['--tlsv1.2', '--tls-max', '1.2']) },
    { name: 'openssl s_client', skip: false, run: openssl([]) },
    { name: 'openssl s_client -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256', skip: false, run: openssl(['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']) },
    { name: 'openssl s_client -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384', skip: false, run: openssl(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384']) },
    { name: 'openssl s_client -groups X25519', skip: false, run: openssl(['-groups', 'X25519']) },
    { name: 'openssl s_client -ciphersuites TLS_AES_256_GCM_SHA384', skip: false, run: openssl(['-ciphersuites', 'TLS_AES_256_GCM_SHA384']) },
    { name: 'openssl s_client -alpn h2,http/1.1', skip: false, run: openssl(['-alpn', 'h2,http/1.1']) },
    { name: 'openssl s_client -servername example.test', skip: false, run: openssl(['-servername', 'example.test']) },
    { name: 'Node https (default agent)', skip: false, run: node },
    { name: 'Chromium (first run)', skip: noChromium, run: chromium },
    { name: 'Chromium (second run)', skip: noChromium, run: chromium }
  ]
  const answers = new Map<string, Answer | Error>()
  for (const client of clients) {
    if (client.skip !== false) continue
    answers.set(client.name, await client.run().catch((err: Error) => err))
  }
  await new Promise((resolve) => setTimeout(resolve, 300))
  await stopTshark(tshark)

  // tshark's JA3 of every ClientHello in the capture, by client source port.
  const fields = execFileSync('tshark', ['-r', pcap, '-n', '-d', `tcp.port==${port},tls`, '-Y', 'tls.handshake.type == 1',
    '-T', 'fields', '-E', 'separator=/t', '-e', 'tcp.srcport', '-e', 'tls.handshake.ja3_full', '-e', 'tls.handshake.ja3'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  const oracle = new Map<number, { ssl: string, sslh: string }>()
  for (const line of fields.split('\n')) {
    const [srcport, ssl, sslh] = line.split('\t')
    if (srcport !== undefined && srcport !== '' && ssl !== undefined && sslh !== undefined) oracle.set(Number(srcport), { ssl, sslh })
  }
  t.ok(oracle.size >= answers.size, `tshark saw ${oracle.size} ClientHellos for ${answers.size} clients`)

  for (const client of clients) {
    await t.test(client.name, { skip: client.skip }, async (t) => {
      const got = answers.get(client.name)
      if (got instanceof Error || got === undefined) {
        t.fail(`no answer: ${got?.message}`)
        return
      }
      t.equal(got.fingerprintSource, 'socket', 'fingerprinted from the socket')
      const wire = oracle.get(got.port)
      t.ok(wire, `tshark saw the ClientHello from port ${got.port}`)
      t.equal(got.sslh, wire?.sslh, `sslh ${got.sslh} equals tshark`)
      t.equal(got.ssl, wire?.ssl, 'ssl equals tshark\'s JA3 string')
      t.match(got.ja4, /^t1[23][di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/, `ja4 ${got.ja4}`)
    })
  }

  const browser = [...answers].filter(([name]) => name.startsWith('Chromium')).map(([, a]) => a).filter((a): a is Answer => !(a instanceof Error))
  if (browser.length === 2) {
    t.equal(browser[0]?.ja4, browser[1]?.ja4, 'Chromium: the same JA4 on each connection')
    t.comment(`Chromium JA3 per connection (extension order is shuffled): ${browser.map((a) => a.sslh).join(', ')}`)
  }
})

import { test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { httpReceiver } from './receivers'

const ROOT = path.join(__dirname, '..')

/** The first js code block of a README section. */
function codeOf (section: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(`\n## ${section}\n`)
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(start))
  if (start === -1 || block === null) throw new Error(`README has no js block under '${section}'`)
  return block[1] as string
}

test('the configuration of "Shipping to ELK" works as copied from the README', async (t) => {
  const receiver = await httpReceiver()
  t.teardown(() => receiver.stop())
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-readme-'))
  t.teardown(() => fs.rmSync(spool, { recursive: true, force: true }))
  const code = codeOf('Shipping to ELK')
  t.match(code, "'http://127.0.0.1:8080/'", 'the README points at the example stack')
  // Only the addresses change: the receiver's port and a temporary spool directory.
  const script = code.replace("'http://127.0.0.1:8080/'", JSON.stringify(receiver.url)).replace("'/var/spool/my-service'", JSON.stringify(spool)) + `
fastify.get('/', async () => 'ok')
fastify.ready().then(async () => {
  for (let i = 0; i < 10; i++) await fastify.inject('/')
  await fastify.close()
})
`
  // An application of its own, with this package installed beside fastify and pino as npm would.
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-readme-app-'))
  t.teardown(() => fs.rmSync(app, { recursive: true, force: true }))
  fs.mkdirSync(path.join(app, 'node_modules'))
  fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'fastify-request-info'))
  for (const name of ['fastify', 'pino']) fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(app, 'node_modules', name))
  fs.writeFileSync(path.join(app, 'server.js'), script)
  await promisify(execFile)(process.execPath, ['server.js'], { cwd: app, timeout: 30_000 })
  const records = receiver.records()
  t.equal(records.filter((r) => r.msg === 'request completed').length, 10, 'the ten access records reached the receiver')
  t.ok(records.every((r) => typeof r.record_id === 'string'), 'each with its id')
  t.same(fs.readdirSync(spool), [], 'nothing left in the spool')
})

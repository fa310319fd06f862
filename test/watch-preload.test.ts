import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

// The preload entry, run as users run it: `node --require` / `node --import fastify-request-info/process-watch`
// on a service whose code took the child_process functions before registering the plugin. The package is the
// build (dist/), found by its own name (a package may import itself).
const ROOT = join(__dirname, '..')
const built = existsSync(join(ROOT, 'dist', 'process-watch.js'))
const skip = built ? false : 'dist/ is missing: npm run build'

function run (flags: string[], fixture: string, env: Record<string, string> = {}): Array<Record<string, any>> {
  const out = execFileSync(process.execPath, [...flags, join('test', 'fixtures', 'watch', fixture)], {
    cwd: ROOT, env: { ...process.env, ...env, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 30_000
  })
  return out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
}

const alerts = (lines: Array<Record<string, any>>): Array<Record<string, any>> => lines.filter((line) => line.msg === 'process watch alert')

test('--require: functions taken before the plugin registered are wrapped; start-up spawns are judged once it does', { skip }, async (t) => {
  const lines = run(['--require', 'fastify-request-info/process-watch'], 'app.js')
  const found = alerts(lines)
  t.same(found.map((a) => a.process.args), [['/bin/echo', 'starting'], ['/bin/echo', 'taken early']])
  t.same(found.map((a) => a.request_info.process.source), ['wrap', 'wrap'])
  t.equal(found[0].source, undefined, 'the start-up spawn has no request')
  t.equal(found[1].source?.ip, '192.0.2.9', 'the other is attributed to its request')
  t.equal(lines.find((l) => l.msg === 'answer')?.answer, 'ran')
})

test('--require, block mode: the call taken early throws and the child never starts', { skip }, async (t) => {
  const lines = run(['--require', 'fastify-request-info/process-watch'], 'app.js', { WATCH_MODE: 'block' })
  t.equal(lines.find((l) => l.msg === 'answer')?.answer, 'ERR_PROCESS_BLOCKED')
  t.same(alerts(lines).map((a) => a.event.action), ['process-started', 'process-blocked'], 'the start-up spawn ran before any policy')
})

test('without the preload the sync call taken early is missed: what the preload is for', { skip }, async (t) => {
  const lines = run([], 'app.js')
  t.same(alerts(lines), [], 'no source sees it (the diagnostics channel never fires for the sync variants)')
  t.equal(lines.find((l) => l.msg === 'answer')?.answer, 'ran')
})

test('--import: ES module named imports taken before the plugin registered are wrapped', { skip }, async (t) => {
  const found = alerts(run(['--import', 'fastify-request-info/process-watch'], 'app.mjs'))
  t.equal(found.length, 1)
  t.same(found[0]?.process.args, ['/bin/echo', 'from esm'])
  t.equal(found[0]?.source?.ip, '192.0.2.10')
})

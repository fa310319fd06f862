// The package as it is published: `npm pack` of the built dist/, installed into two consumer applications
// (test/fixtures/consumers: a CommonJS one and an ES module one, each TypeScript, strict, module node16),
// type-checked with the repo's tsc and run; plus attw and publint on the package.
//
// Installing is local and fast: the tarball is extracted into the consumer's node_modules/fastify-request-info,
// and fastify, @types/node and the package's runtime dependencies are symlinked from the repo's node_modules.
// The consumers load the packed files, never lib/: each prints where 'fastify-request-info' resolved to.
import { t as rootTest, test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

// tsc, attw's npm pack and the consumers take a while on a 2-core machine with other test files running.
rootTest.setTimeout(180_000)

const root = resolve(__dirname, '..')
const bin = (name: string): string => join(root, 'node_modules', '.bin', name)
const CHROME_MAJOR = '131'
const RUNTIME_DEPENDENCIES = ['fastify-plugin', 'ua-parser-js', 'xxhash-wasm', 'toad-cache', 'pino-abstract-transport', 'maxmind', 'yaml']
const BUILT = ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts',
  'dist/logstash.js', 'dist/logstash.mjs', 'dist/logstash.d.ts', 'dist/logstash.d.mts', 'dist/cli/main.js',
  'dist/process-watch.js', 'dist/process-watch.mjs', 'dist/process-watch.d.ts', 'dist/process-watch.d.mts', 'dist/watch/poller-worker.js']

interface Run { code: number, stdout: string, stderr: string }

/**
 * The environment of a child process without the test runner's own loaders and coverage hooks
 * (NODE_OPTIONS, _TAPJS_*): consumers run as plain Node.js, and tsc is not slowed down by instrumentation.
 */
function cleanEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key.startsWith('_TAPJS_') || key.startsWith('TAP')) continue
    env[key] = value
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra }
}

function run (command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: cleanEnv(extraEnv), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

function describe (command: string, result: Run): string {
  return `${command} exited ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '')

/** The last line of stdout that is a JSON object: what a consumer printed. */
function printed (result: Run): Record<string, any> {
  const line = result.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'))
  if (line === undefined) throw new Error(`no JSON line in the output\n${result.stdout}\n${result.stderr}`)
  return JSON.parse(line)
}

const work = mkdtemp(join(tmpdir(), 'fastify-request-info-package-'))
rootTest.teardown(async () => { await rm(await work, { recursive: true, force: true }) })

interface Packed { tarball: string, files: string[] }

/** `npm pack` of the current dist/ (scripts ignored: no rebuild, that is `npm test`'s first step). */
const packed: Promise<Packed> = (async () => {
  const missing = BUILT.filter((file) => !existsSync(join(root, file)))
  if (missing.length > 0) {
    throw new Error(`dist/ is not built (missing ${missing.join(', ')}): run \`npm run build\` first (\`npm test\` does)`)
  }
  const dir = join(await work, 'pack')
  await mkdir(dir)
  const result = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root)
  if (result.code !== 0) throw new Error(describe('npm pack', result))
  const [info] = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) }
})()
// Awaited by the tests; keeps a failure from being reported as an unhandled rejection before them.
packed.catch(() => {})

interface Consumer { dir: string, tsc: Run }

/** Copies a consumer fixture, installs the packed package into it and type-checks it with the repo's tsc. */
async function consumer (name: 'cjs' | 'esm'): Promise<Consumer> {
  const { tarball } = await packed
  const dir = join(await work, name)
  await cp(join(root, 'test', 'fixtures', 'consumers', name), dir, {
    recursive: true,
    filter: (src) => !src.split(sep).some((part) => part === 'node_modules' || part === 'out')
  })
  const modules = join(dir, 'node_modules')
  const pkg = join(modules, 'fastify-request-info')
  await mkdir(pkg, { recursive: true })
  await mkdir(join(modules, '@types'))
  await symlink(join(root, 'node_modules', 'fastify'), join(modules, 'fastify'), 'dir')
  // Only @types/node: the package's declarations must not need the repo's other @types (ua-parser-js).
  await symlink(join(root, 'node_modules', '@types', 'node'), join(modules, '@types', 'node'), 'dir')
  for (const dependency of RUNTIME_DEPENDENCIES) {
    await symlink(join(root, 'node_modules', dependency), join(modules, dependency), 'dir')
  }
  const untar = await run('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1'], dir)
  if (untar.code !== 0) throw new Error(describe('tar', untar))
  const tsc = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir)
  return { dir, tsc }
}

// Both consumers are set up and type-checked at once; each test awaits its own.
const consumers = { cjs: consumer('cjs'), esm: consumer('esm') }
consumers.cjs.catch(() => {})
consumers.esm.catch(() => {})

test('npm pack ships the built entry points and no sources', async (t) => {
  const { files } = await packed
  for (const file of [...BUILT, 'package.json', 'README.md', 'LICENSE', 'NOTICE.md']) {
    if (file === 'README.md' && !existsSync(join(root, 'README.md'))) continue
    t.ok(files.includes(file), `${file} is in the tarball`)
  }
  t.same(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'NOTICE.md'].includes(f)), [],
    'nothing but dist/, package.json, README.md, LICENSE and NOTICE.md')
  t.same(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.d.mts')), [], 'no TypeScript sources')
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))
  t.same(Object.keys(manifest.dependencies ?? {}).sort(), [...RUNTIME_DEPENDENCIES].sort(),
    'the runtime dependencies the consumers link are the package\'s dependencies')
})

/** What every consumer must have printed. */
function checkOutput (t: tap.Test, out: Record<string, any>, dir: string, serviceName: string): void {
  const resolved = String(out.resolved).startsWith('file:') ? fileURLToPath(out.resolved) : String(out.resolved)
  t.ok(realpathSync(resolved).startsWith(realpathSync(join(dir, 'node_modules', 'fastify-request-info')) + sep),
    `the packed package was loaded (${resolved}), not the repo's`)
  t.equal(out.typeofPlugin, 'function', 'the entry point is the plugin function')
  t.equal(out.defaultIsPlugin, true, '.default is the same function')
  t.equal(out.namedIsPlugin, true, '.fastifyRequestInfo is the same function')
  t.equal(out.statusCode, 200)
  const info = out.requestInfo
  t.equal(info.serviceName, serviceName)
  t.equal(info.ip, '127.0.0.1')
  t.equal(info.realIp, '127.0.0.1')
  t.match(info.uah, /^[0-9a-f]{16}$/, 'uah is 16 hex digits (xxhash-wasm loaded)')
  t.match(info.hoh, /^[0-9a-f]{16}$/)
  t.equal(info.uai?.browser?.name, 'Chrome', 'the User-Agent was parsed (ua-parser-js loaded)')
  t.equal(info.uai?.browser?.major, CHROME_MAJOR)
  t.same(info.custom, { tenant: 'acme' })
  t.equal(out.records, 1, 'one record written, counted on fastify.requestInfo.counters')
  t.ok(out.record !== undefined && out.record !== null, 'the record reached the Fastify logger')
}

test('a CommonJS TypeScript consumer: import = require()', async (t) => {
  const { dir, tsc } = await consumers.cjs
  t.equal(tsc.code, 0, 'tsc -p test/fixtures/consumers/cjs exits 0', { output: describe('tsc -p test/fixtures/consumers/cjs', tsc) })
  if (tsc.code !== 0) return
  const result = await run(process.execPath, ['out/app.js'], dir)
  t.equal(result.code, 0, 'node out/app.js exits 0', { output: describe('node out/app.js', result) })
  if (result.code !== 0) return
  const out = printed(result)
  t.equal(out.kind, 'cjs-ts')
  checkOutput(t, out, dir, 'consumer-cjs')
  t.equal(out.requestInfo.user, 'u-42')
  t.equal(out.requestInfo.mfa, true)
  t.equal(out.requestInfo.captcha, false)
  t.equal(out.record.ip, '127.0.0.0', "the flat record with ip: 'truncate'")
  t.equal(out.record.user, 'u-42')
  t.same(out.record.custom, { tenant: 'acme' })
})

test('a plain JavaScript CommonJS consumer: require()', async (t) => {
  const { dir } = await consumers.cjs
  const result = await run(process.execPath, ['index.js'], dir)
  t.equal(result.code, 0, 'node index.js exits 0', { output: describe('node index.js', result) })
  if (result.code !== 0) return
  const out = printed(result)
  t.equal(out.kind, 'cjs-js')
  checkOutput(t, out, dir, 'consumer-js')
  t.equal(out.record.service?.name, 'consumer-js', 'the default ECS record')
})

test('an ES module TypeScript consumer: default and named import', async (t) => {
  const { dir, tsc } = await consumers.esm
  t.equal(tsc.code, 0, 'tsc -p test/fixtures/consumers/esm exits 0', { output: describe('tsc -p test/fixtures/consumers/esm', tsc) })
  if (tsc.code !== 0) return
  const result = await run(process.execPath, ['out/app.js'], dir)
  t.equal(result.code, 0, 'node out/app.js exits 0', { output: describe('node out/app.js', result) })
  if (result.code !== 0) return
  const out = printed(result)
  t.equal(out.kind, 'esm-ts')
  checkOutput(t, out, dir, 'consumer-esm')
  t.match(String(out.resolved), /\/dist\/index\.mjs$/, 'import resolves to the ES module entry')
  t.equal(out.requireIsImport, true, 'import and require share one plugin instance')
  t.equal(out.logstashEntry, true, "fastify-request-info/logstash imports as an ES module: the transport and createLogstashStream")
  t.equal(out.requestInfo.user, 42)
  t.equal(out.record.service?.name, 'consumer-esm')
  t.equal(out.record.user?.id, '42')
  t.same(out.record.request_info?.custom, { tenant: 'acme' })
})

test('the installed package runs its command from the tarball', async (t) => {
  const { dir } = await consumers.cjs
  const main = join(dir, 'node_modules', 'fastify-request-info', 'dist', 'cli', 'main.js')
  const result = await run(process.execPath, [main, '--version'], dir)
  t.equal(result.code, 0, describe('request-info --version', result))
  t.equal(result.stdout.trim(), JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version)
})

test('attw --pack . finds no problem in the types', async (t) => {
  await packed // dist/ is there
  // npm_config_ignore_scripts: attw's own `npm pack` must not run `prepare` (a rebuild that empties dist/).
  const result = await run(bin('attw'), ['--pack', '.'], root, { npm_config_ignore_scripts: 'true' })
  const output = stripAnsi(result.stdout + result.stderr)
  t.equal(result.code, 0, 'attw --pack . exits 0', { output: describe('attw --pack .', result) })
  t.match(output, /No problems found/, 'attw --pack . reports no problem', { output: describe('attw --pack .', result) })
  t.notMatch(output, /does not contain types/, 'attw found the types (it exits 0 without any)')
})

test('publint --strict finds nothing', async (t) => {
  await packed
  const result = await run(bin('publint'), ['--strict'], root)
  const output = stripAnsi(result.stdout + result.stderr)
  t.equal(result.code, 0, 'publint --strict exits 0', { output: describe('publint --strict', result) })
  t.match(output, /All good!/, 'publint --strict reports no problem', { output: describe('publint --strict', result) })
  t.notMatch(output, /^(Errors|Warnings|Suggestions):/m, 'no errors, warnings or suggestions')
})

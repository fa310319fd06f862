import { t as tap, test } from 'tap'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

// 1,000,000 distinct sources (IPv4 and IPv6 /64s in turn), every one of them a 404 probe and one in eight an
// attack, observed by behaviour windows with the default bound; the child measures its heap after gc.
const SOURCES = 1_000_000
const MAX_BYTES = 32 * 1024 * 1024
// Under a loaded machine the child can take a minute or more; the default file timeout is 120 s.
const TIMEOUT = 300_000
tap.setTimeout(TIMEOUT)

test('1,000,000 distinct sources stay within maxBytes, and the real heap within 32 MB', async (t) => {
  const script = join(__dirname, '..', 'bench', 'behaviour-memory.js')
  const lib = join(__dirname, '..', 'lib', 'detect', 'behaviour', 'index.ts')
  // The child loads the TypeScript source through the loader tap runs this test with.
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script, lib, '--sources', String(SOURCES), '--max-bytes', String(MAX_BYTES)], { encoding: 'utf8', timeout: TIMEOUT - 10_000 })
  t.equal(child.status, 0, child.stderr)
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>
  t.comment(JSON.stringify(r))
  t.equal(r.sources, SOURCES)
  t.ok(r.bytes <= MAX_BYTES, `estimated bytes ${r.bytes} <= maxBytes ${MAX_BYTES}`)
  t.ok(r.held > 10_000 && r.held < SOURCES, `sources held: ${r.held}`)
  t.ok(r.heapGrowth < 32_000_000, `heap growth ${r.heapGrowth} < 32 MB`)
  t.ok(r.realPerSource <= r.estimatePerSource, `real ${r.realPerSource} <= estimated ${r.estimatePerSource} bytes per source`)
})

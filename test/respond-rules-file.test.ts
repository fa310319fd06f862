import { test, type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readRulesFile, watchRulesFile } from '../lib/respond/rules-file'
import type { Rule } from '../lib/respond/types'

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'respond-rules-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const yamlRule = (id: string): string => `rules:\n  - id: ${id}\n    action: block\n    match:\n      path: /${id}\n`
const ids = (rules: Rule[]): string[] => rules.map((r) => r.id)

test('reads JSON and YAML rule files', async (t) => {
  const dir = tempDir(t)
  const json = join(dir, 'rules.json')
  writeFileSync(json, '\ufeff' + JSON.stringify({ rules: [{ id: 'a', action: 'ban', ttl: '1h', match: { ip: ['10.0.0.0/8'] } }] }))
  t.same(readRulesFile(json), [{ id: 'a', action: 'ban', ttl: '1h', match: { ip: ['10.0.0.0/8'] } }], 'a byte order mark is skipped')
  const yaml = join(dir, 'rules.YML')
  writeFileSync(yaml, '# office first\n' + yamlRule('b') + '  - id: c\n    action: allow\n    match: { ip: 192.0.2.0/24, method: [GET, HEAD] }\n')
  t.same(readRulesFile(yaml), [
    { id: 'b', action: 'block', match: { path: '/b' } },
    { id: 'c', action: 'allow', match: { ip: '192.0.2.0/24', method: ['GET', 'HEAD'] } }
  ])
  const list = join(dir, 'list.yaml')
  writeFileSync(list, '- id: d\n  action: block\n  match: { threat: sqli }\n')
  t.same(ids(readRulesFile(list)), ['d'], 'a bare list of rules')
})

test('errors name the file, and the line and column of a syntax error', async (t) => {
  const dir = tempDir(t)
  const file = (name: string, text: string): string => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }
  const cases: Array<[string, string | RegExp]> = [
    [file('rules.txt', '[]'), `${dir}/rules.txt: a rules file must end in .json, .yaml or .yml`],
    [join(dir, 'absent.yaml'), `${dir}/absent.yaml: cannot be read (ENOENT: no such file or directory)`],
    [file('a.json', '{\n  "rules": [\n    { "id": 1 2 }\n  ]\n}'), /a\.json:3:15: invalid JSON: \S/],
    [file('b.json', '{"rules": [}'), /^.*\/b\.json: invalid JSON: Unexpected token '\}'/],
    [file('c.json', ''), `${dir}/c.json: invalid JSON: Unexpected end of JSON input`],
    [file('d.yaml', 'rules:\n  - id: a\n   action: block\n'), `${dir}/d.yaml:3:1: invalid YAML: Sequence item without - indicator`],
    [file('e.yaml', 'rules:\n  - id: a\n    id: b\n'), `${dir}/e.yaml:3:5: invalid YAML: Map keys must be unique`],
    [file('f.yaml', 'rules: []\n---\nrules: []\n'), `${dir}/f.yaml:2:1: invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()`],
    [file('g.yaml', ''), `${dir}/g.yaml: must be a list of rules or an object { rules: [...] }; got null`],
    [file('h.yaml', yamlRule('x') + '    mode: enforce\n'), `${dir}/h.yaml: rules[0].mode: must be 'monitor' or 'block'; got "enforce"`],
    [file('i.yaml', 'rules:\n  - id: x\n    action: block\n    match: { ip: 10.0.0.300/8 }\n'), `${dir}/i.yaml: rules[0].match.ip: "10.0.0.300/8" is not an IP address or CIDR block`],
    [file('j.yaml', 'rules:\n  - __proto__: { mode: monitor }\n    id: x\n'), `${dir}/j.yaml: rules[0]: unknown key "__proto__"; known keys are id, action, match, mode, ttl`],
    [file('k.yaml', 'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n' + Array.from({ length: 12 }, (_, i) => `b${i}: &b${i} [${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}, ${i === 0 ? '*a' : `*b${i - 1}`}]`).join('\n') + '\n'),
      `${dir}/k.yaml: invalid YAML: Excessive alias count indicates a resource exhaustion attack`]
  ]
  for (const [path, message] of cases) t.throws(() => readRulesFile(path), { message }, String(message))
})

test('a file in a directory that does not exist cannot be watched', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'absent', 'rules.yaml')
  t.throws(() => watchRulesFile(path, () => {}, () => {}), { message: `${path}: its directory cannot be watched (ENOENT: no such file or directory)` })
  t.throws(() => watchRulesFile(join(dir, 'rules.toml'), () => {}, () => {}), { message: `${dir}/rules.toml: a rules file must end in .json, .yaml or .yml` })
})

/** Watches `path`, collecting what the callbacks receive; `next()` resolves at the next callback. */
function collect (t: Test, path: string): { events: string[], next: () => Promise<string> } {
  const events: string[] = []
  let waiting: ((event: string) => void) | undefined
  const push = (event: string): void => {
    events.push(event)
    const resolve = waiting
    waiting = undefined
    resolve?.(event)
  }
  const watch = watchRulesFile(path, (rules) => push(`rules ${ids(rules).join(',')}`), (err) => push(`error ${err.message}`))
  t.teardown(() => watch.close())
  return { events, next: async () => await new Promise<string>((resolve) => { waiting = resolve }) }
}

test('a watched file: change, in-place save in pieces, rename over it, malformed then fixed, deleted then recreated', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'rules.yaml')
  writeFileSync(path, yamlRule('first'))
  const { events, next } = collect(t, path)

  let event = next()
  writeFileSync(path, yamlRule('changed'))
  t.equal(await event, 'rules changed')

  // An editor writing in place: truncate, then the text in several writes. One reload, of the whole file.
  event = next()
  const fd = openSync(path, 'w')
  const text = yamlRule('pieces')
  for (let i = 0; i < text.length; i += 8) writeSync(fd, text.slice(i, i + 8))
  closeSync(fd)
  t.equal(await event, 'rules pieces')

  event = next()
  writeFileSync(join(dir, '.rules.yaml.swp'), yamlRule('copy'))
  renameSync(join(dir, '.rules.yaml.swp'), path)
  t.equal(await event, 'rules copy', 'a file renamed over the watched one')

  event = next()
  writeFileSync(path, 'rules:\n  - id: [\n')
  t.match(await event, /^error .*rules\.yaml:3:1: invalid YAML: /)
  event = next()
  writeFileSync(path, yamlRule('fixed'))
  t.equal(await event, 'rules fixed')

  event = next()
  unlinkSync(path)
  t.equal(await event, `error ${path}: cannot be read (ENOENT: no such file or directory)`)
  event = next()
  writeFileSync(path, yamlRule('fixed'))
  t.equal(await event, 'rules fixed', 'recreated with the same rules: reported again')

  // Other files of the directory do not reload; the same text saved again is not reported again.
  writeFileSync(join(dir, 'other.yaml'), 'not rules')
  writeFileSync(path, yamlRule('fixed'))
  event = next()
  writeFileSync(path, yamlRule('last'))
  t.equal(await event, 'rules last')
  t.same(events, ['rules changed', 'rules pieces', 'rules copy', events[3], 'rules fixed', events[5], 'rules fixed', 'rules last'],
    'one callback per save')
})

test('close() releases the watch: no handle is left and the process can exit', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'rules.json')
  writeFileSync(path, '[]')
  // libuv releases a closed handle in the close phase, after the immediates of its turn: counted a turn later.
  const handles = async (): Promise<number> => {
    await new Promise(setImmediate)
    await new Promise(setImmediate)
    return process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length
  }
  const before = await handles()
  const watch = watchRulesFile(path, () => {}, () => {})
  t.equal(await handles(), before + 1)
  writeFileSync(path, '{"rules": []}')
  watch.close()
  t.equal(await handles(), before, 'the watcher is closed')

  // A process that watches, sees one change and closes the watch ends by itself.
  const script = join(dir, 'watch-once.ts')
  writeFileSync(script, `
    import { writeFileSync } from 'node:fs'
    import { watchRulesFile } from ${JSON.stringify(resolve(__dirname, '../lib/respond/rules-file'))}
    const path = process.argv[2]
    const watch = watchRulesFile(path, (rules) => { console.log('rules', rules.length); watch.close() }, (err) => { console.log(err.message); watch.close() })
    writeFileSync(path, '[{"id":"a","action":"block","match":{"path":"/"}}]')
  `)
  // The test's own loaders (TypeScript) run the script; its deadline only guards against a hang.
  const output = execFileSync(process.execPath, [...process.execArgv, script, path], { encoding: 'utf8', timeout: 60_000 })
  t.equal(output.trim(), 'rules 1')
})

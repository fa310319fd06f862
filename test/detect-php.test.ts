import { test } from 'tap'
import { createDetection, type Paranoia, type Threat } from '../lib/detect/index.js'
import { php } from '../lib/detect/signatures/php.js'
import { findDangerousCall, withoutComments } from '../lib/detect/signatures/php-code.js'

function detection (paranoia: Paranoia = 1, disable: string[] = []) {
  return createDetection({ paranoia, disable, bodyLimit: 65536, userAgentCacheSize: 16 }, [php])
}

/** Rule ids found when `value` is sent (percent-encoded) as query parameter `q`. */
function rules (value: string, paranoia: Paranoia = 1): string[] {
  return detection(paranoia).request({ url: '/p?q=' + encodeURIComponent(value), headers: {} }).map((t) => t.rule)
}

test('every rule is documented, php-prefixed and scored', async (t) => {
  const ids = new Set<string>()
  for (const rule of php.rules) {
    t.match(rule.id, /^php(-[a-z0-9]+)+$/)
    t.equal(rule.kind, 'php')
    t.ok(rule.summary.length > 10, rule.id)
    t.ok(rule.score >= 1 && rule.score <= 5, rule.id)
    t.notOk(ids.has(rule.id), 'unique ' + rule.id)
    ids.add(rule.id)
  }
})

test('PHP comments are removed the way the lexer drops them', async (t) => {
  t.equal(withoutComments('exec/*c*/(1)'), 'exec (1)')
  t.equal(withoutComments('exec #c\n(1)'), 'exec  (1)')
  t.equal(withoutComments('exec //c\r\n(1)'), 'exec  \n(1)')
  t.equal(withoutComments('http://host/x(y)'), 'http://host/x(y)', 'no line break: a URL, not a comment')
  t.equal(withoutComments('a /* never closed'), 'a  ')
  t.equal(findDangerousCall('operating system (os)'), -1)
  t.equal(findDangerousCall('x=system(id)'), 2)
})

const ATTACKS: Record<string, string[]> = {
  'php-open-tag': ['<?php system("id"); ?>', '<?PHP echo 1', '<?= $x ?>', '<? echo 1', '<?\tphp echo', 'test<?', '<?xml :echo 1;', '<?xml\t\t();echo 1',
    '[php]echo 1;[/php]', '{php}x{/php}', 'x[\\php]'],
  'php-config-directive': ['allow_url_include=1', '-d allow_url_include=1 -d auto_prepend_file=php://input', 'memory_limit = 512M',
    'opcache.jit_max_polymorphic_calls=50', 'engine=true', 'a=1\nsmtp=x'],
  'php-superglobal': ['$_GET["c"]', '$_%53ERVER["x"]', '$GLOBALS["a"]', 'eval($_POST[x])', '$HTTP_RAW_POST_DATA'],
  'php-variable-variable': ["${'ff'}", '$ {$a}', "${'_VAR'.'IABLE'}", '${ CONSTANT }'],
  'php-stream-wrapper': ['php://input', 'PHP://filter/convert.base64-encode/resource=index.php', 'phar://x.zip/y', 'expect://id', 'zip://a.zip#b',
    'compress.zlib://http://x', 'ssh2.exec://u:p@h/cmd', 'php://stdout'],
  'php-function-call': ['system("id")', 'SyStEm(whoami)', 'exec  (blah)', 'exec\t(x)', 'exec/*c*/(x)', 'exec #c\n(x)', 'exec //c\n(x)', '@exec("x")',
    'base64_decode(', 'FOOcall_user_func()', 'Shell_exec=(bla)', 'gzuncompress/*x*/()', 'file_ExistS (\n\n)', "('system')('id')", '(system)(whoami)',
    'return"system"(x)', 'FILE\r\n()', 'eval(gzinflate(str_rot13(base64_decode("x"))))', 'include($x)', 'assert_options (\n)'],
  'php-variable-call': ['$a(1)', '$$b(2)', '@$__[o](4)', "$__['o'](5)", '$__[$_[1]](7)', '${@a}(10)', "$GLOBALS['cf'](14)", '$OOO000000{0}(15)',
    '$_aB_4c[5][\'d\'] /*lol*/ (17)', '$function\r\n (23)', '$foo->$funcname()', 'Foo::$variable()', '$a //x\n()', '$a/*c*/()'],
  'php-callable-string': ["(system)('uname') ;", "(sy.(st).em)('uname');", "(string)\"system\"('uname');", '"\\x73y\\x73tem"(ls);', '[system][0](ls);',
    "define('x', 'sys' . 'tem');(x)/* c */('uname');", "$y = 'sys'.'tem';($y)('uname');"],
  'php-serialized-object': ['O:8:"stdClass":0:{}', 'O:+8:"stdClass":1:{s:1:"a";i:2;}', '_|O:32:"Monolog\\Handler\\SyslogUdpHandler":1:{S:6:"socket";}',
    'C:11:"ArrayObject":37:{x}']
}

test('each rule finds its attacks, in every spelling', async (t) => {
  for (const [rule, inputs] of Object.entries(ATTACKS)) {
    for (const input of inputs) t.ok(rules(input).includes(rule), `${rule}: ${JSON.stringify(input)} -> ${JSON.stringify(rules(input))}`)
  }
})

test('uploads: PHP extensions and session file names in X-Filename and multipart bodies', async (t) => {
  const d = detection()
  const header = (name: string, value: string): string[] => d.request({ url: '/upload', headers: { [name]: value } }).map((f) => f.rule)
  for (const name of ['a.php', 'a.php5...', 'fda.phtml', 'x.phar ', 'photo. php', 'dangerous.pht', 'x.phpt']) t.ok(header('x-filename', name).includes('php-script-upload'), name)
  t.ok(header('x-file-name', 'a.php7').includes('php-script-upload'))
  t.ok(header('x_filename', 'sess_d8ew88tqmabdcokhumchy8htqm').includes('php-session-upload'))
  t.ok(header('x.filename', 'C:\\temp\\sess_malicious12345678901').includes('php-session-upload'))
  t.same(header('x-filename', 'safe.phpinfo'), [])
  t.same(header('x-filename', 'sess_short'), [])
  t.same(header('x-other', 'a.php'), [], 'only the upload file-name headers')
  const multipart = (filename: string): string[] => {
    const out = d.request({ url: '/post', headers: {} })
    d.body(`--b\r\nContent-Disposition: form-data; name="f"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n`, 'multipart/form-data; boundary=b', out)
    return out.map((f) => f.rule)
  }
  t.ok(multipart('something/dangerous.php').includes('php-script-upload'))
  t.ok(multipart('/tmp/sess_d8ew88tqmabdcokhumchy8htqm').includes('php-session-upload'))
  t.same(multipart('safe.txt'), [])
  t.notOk(multipart('test.php.jpg').includes('php-double-extension-upload'), 'double extensions wait for paranoia 3')
  const at3 = detection(3)
  const out = at3.request({ url: '/upload', headers: { 'x-filename': 'test.phar .png' } })
  t.ok(out.some((f) => f.rule === 'php-double-extension-upload'))
})

test('higher paranoia: the whole function dictionary, word-like names, server keys, closing tags', async (t) => {
  const cases: Array<[string, string, Paranoia]> = [
    ['php-any-function-call', 'array_diff (', 2], ['php-any-function-call', 'ldap_get_entries()', 2],
    ['php-word-function-call', 'checkdate()', 3], ['php-word-function-call', 'touch/*a*/()', 3], ['php-word-function-call', 'crypt(abc)', 3],
    ['php-server-variable', "$_S ERVER['x']", 3], ['php-server-variable', 'REQUEST_URI', 3],
    ['php-expression-call', '(sy.(st).em)(@id)', 3], ['php-close-tag', 'echo 1; ?>', 3]
  ]
  for (const [rule, input, paranoia] of cases) {
    t.ok(rules(input, paranoia).includes(rule), `${rule}: ${input}`)
    t.notOk(rules(input, 1).includes(rule), `${rule} stays off at paranoia 1`)
  }
  t.same(rules('work time (rosewood, lavender) recommended', 3), [])
  t.same(rules('pack (8.5x11" 300 dpi)', 3), [])
  t.same(rules('(1 2) (3 4)', 3), [])
  t.same(rules('<?xml version="1.0"?>', 3), [])
})

// Text that looks near an attack but is not one.
const BENIGN = [
  'the system is down()', 'ecosystem()', 'systems()', 'system something()', 'operating system (OS)', 'the file (PDF) is attached', 'exec (',
  'executor()', 'cheval($foo)', 'audiofile($foo)', 'the files (yep)', 'A loaded ghost gun (unserialized)', 'phpinfo can leak details',
  '$a#foo()', '$a//foo()', '$a[]()', '${}()', '$a{}()', 'costs $5 (five dollars)', '[ACME]: this is, (another) test (foo)bar or foo(bar).',
  'this is a "dog" (not a cat)', '<?xml version="1.0" encoding="UTF-8"?>', '<?xml-stylesheet type="text/xsl" href="s.xsl"?>',
  'var x = (a < b) ? c : d; // <?test', '<?xpacket begin="?"', 'x=<?xb echo 1;', 'lz77://some_file.lz', 'data://text/plain;base64,SSBsb3Zl',
  'search engine=google', 'the precision=high mode', 'file(s)', 'autodescription-site-settings[title_strip_tags]', 'O:8 stdClass', 'https://example.com/a(b)'
]

test('benign near-misses are not flagged at paranoia 1', async (t) => {
  for (const input of BENIGN) t.same(rules(input), [], JSON.stringify(input))
})

test('findings carry where, kind and score; places', async (t) => {
  const d = detection()
  const found = d.request({ url: '/get/eval(base64_decode(%27x%27))?%24_COOKIE=1', headers: { cookie: 's=<?php phpinfo(); ?>', 'x-forwarded-for': '<?=phpinfo()?>' } })
  t.ok(found.some((f) => f.rule === 'php-function-call' && f.where === 'path'))
  t.ok(found.some((f) => f.rule === 'php-superglobal' && f.where === 'query-name'))
  t.ok(found.some((f) => f.rule === 'php-open-tag' && f.where === 'cookie:s'))
  for (const f of found) {
    t.equal(f.kind, 'php')
    t.equal(f.score, 5)
    t.ok(f.excerpt.length <= 80)
  }
  t.same(d.request({ url: '/', headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)' } }), [])
  t.same(detection(1, ['php-open-tag']).request({ url: '/?q=%3C%3Fphp%20x', headers: {} }), [])
})

/** Rule ids found in a text body. */
function bodyRules (text: string, paranoia: Paranoia = 1): string[] {
  const out: Threat[] = []
  detection(paranoia).body(text, 'text/plain', out)
  return out.map((x) => x.rule)
}

test('a call, a directive or an upload behind many decoys is still found', async (t) => {
  t.ok(rules('f(x) '.repeat(2000) + "system('id');").includes('php-function-call'))
  t.ok(rules('a('.repeat(5000) + 'x.call_user_func(1').includes('php-function-call'), 'a high-risk name ending an identifier')
  t.ok(rules('((((('.repeat(5000) + 'array_diff (', 2).includes('php-any-function-call'))
  t.ok(rules('touch time (x) '.repeat(1000) + 'touch ()', 3).includes('php-word-function-call'))
  t.ok(bodyRules('a=1\n'.repeat(2000) + 'allow_url_include=1').includes('php-config-directive'))
  t.ok(bodyRules('filename="photo.jpg"\r\n'.repeat(40) + 'filename="shell.php"').includes('php-script-upload'))
  t.same(rules('((((('.repeat(13000)), [], '`(` repeated is no call')
})

test('hostile input stays linear', async (t) => {
  const d = detection(4)
  for (const unit of ['(', 'eval(', 'a(', 'char(', '$a(', '$a[', '${a', ')(', '"a"(', '#a', '//a', '/*a', 'a=', 'engine=', 'o:1:"a":', 'filename="', '<?']) {
    const text = unit.repeat(Math.ceil(65536 / unit.length)).slice(0, 65536)
    // Timed once warm: the bound is for the linear walk, not for compiling it on a loaded test machine.
    d.body(text, 'text/plain', [])
    const start = performance.now()
    const out = d.request({ url: '/', headers: {} })
    d.body(text, 'text/plain', out)
    d.body({ q: text }, 'application/json', out)
    t.ok(performance.now() - start < 100, JSON.stringify(unit))
  }
})

test('a run of `$` is read once, wherever a variable call could start in it', async (t) => {
  const d = detection(4)
  const text = '() {'.repeat(8192) + '$'.repeat(32768)
  d.body(text, 'text/plain', [])
  const start = performance.now()
  d.body(text, 'text/plain', [])
  t.ok(performance.now() - start < 100, '32,768 `$` (from each, `\\$+` read the rest of the run again: 3.9 s)')
  t.ok(rules('$'.repeat(30000) + '$f(1)').includes('php-variable-call'), 'a call after the run is still found')
  t.ok(rules('$'.repeat(30000) + '$$f(1)').includes('php-variable-call'), 'and a variable variable')
})

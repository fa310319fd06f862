import { test } from 'tap'
import { createDetection, type Threat } from '../lib/detect/index'
import { lfi } from '../lib/detect/signatures/lfi'

const at = (paranoia: 1 | 2) => createDetection({ paranoia, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [lfi])
const pl1 = at(1)
const pl2 = at(2)
const rules = (url: string, headers: Record<string, string> = {}, d = pl1) => d.request({ url, headers }).map((f) => f.rule).sort()
const q = (value: string) => '/read?file=' + value

test('traversal sequences in every encoding', async (t) => {
  for (const v of ['../../etc/x', '..%2f..%2fx', '%2e%2e%2f%2e%2e%2f', '%252e%252e%252f%252e%252e%252f', '%c0%ae%c0%ae/%c0%ae%c0%ae/x',
    '%u002e%u002e/%u002e%u002e/', '..\\..\\boot', '..%5c..%5cx', '....//....//x', '.../.../x', '..;/..;/x', '.%2e/.%2e/x',
    '0x2e0x2e0x2f0x2e0x2e0x2f', '../x', '..\\pineapple']) {
    t.ok(rules(q(v)).includes('lfi-traversal'), v)
  }
  const [finding] = pl1.request({ url: q('../../x'), headers: {} })
  t.same([finding.kind, finding.rule, finding.where, finding.score], ['lfi', 'lfi-traversal', 'query:file', 5])
  t.same(rules('/static/..%2f..%2fx'), ['lfi-traversal'], 'in the path')
  t.same(rules('/a/%2e%2e/b'), ['lfi-traversal'], 'one dot segment left in the path')
  t.same(rules('/x', { 'x-file': '\\..\\x' }), ['lfi-traversal'], 'in another header')
  t.same(pl1.request({ url: '/up', headers: {} }).length, 0)
  const out = pl1.request({ url: '/up', headers: {} })
  pl1.body('--b\r\nContent-Disposition: form-data; name="f"; filename="../1.7z"\r\n\r\nX\r\n--b--', 'multipart/form-data; boundary=b', out)
  t.same(out.map((f) => f.rule), ['lfi-traversal'], 'a multipart filename')
})

test('one traversal inside text is a hint, ordinary dots are nothing', async (t) => {
  t.same(pl1.request({ url: '/s?q=' + encodeURIComponent('junk <a href="../">x</a>'), headers: {} }).map((f) => [f.rule, f.score]), [['lfi-traversal-single', 3]])
  for (const v of ['wait...%20ok', 'v1.2..3', 'a..b', 'see...', 'http://example.com/a/b', '/home/user/docs', '..', 'x/...']) {
    t.same(rules(q(v)), [], v)
  }
})

test('operating-system files in arguments', async (t) => {
  for (const v of ['/etc/passwd', '/etc/shadow%00', '/proc/self/environ', 'c:%5cwindows%5cwin.ini', 'C:\\boot.ini', '.ssh/id_rsa',
    '/root/.aws/credentials', 'backup.sql.zip', '/sys/class', 'WEB-INF/web.xml', '/var/www/html/.htpasswd']) {
    t.ok(rules(q(v)).includes('lfi-os-file'), v)
  }
  t.same(rules('/get?/sys/class=test'), ['lfi-os-file'], 'in a query name')
  t.same(rules(q('abc.botox.jpg')), [], 'a dotfile name must end where the name ends')
  t.same(rules(q('passwords.txt')), [])
  t.same(rules(q('/products/shoes/red')), [])
})

test('system directories in the path, files in headers at paranoia 2', async (t) => {
  t.same(rules('/@fs/etc/passwd'), ['lfi-system-file-path'])
  t.same(rules('/cgi-bin/proc/self/environ'), ['lfi-system-file-path'])
  t.same(rules('/blog/etcetera/passwords'), [])
  t.same(rules('/', { 'user-agent': '/proc/net/tcp' }), [], 'headers wait for paranoia 2')
  t.same(rules('/', { 'user-agent': 'cat /root/.ssh/id_rsa' }, pl2), ['lfi-os-file-header'])
})

test('NUL bytes and the seed lines', async (t) => {
  t.same(pl1.request({ url: q('image.php%00.jpg'), headers: {} }).map((f) => [f.rule, f.score]), [['lfi-null-byte', 3]])
  const seed = pl1.request({ url: '/home.php?pgi?pgi=../../../../../../proc/self/environ%00', headers: {} })
  t.same(seed.map((f) => f.rule).sort(), ['lfi-null-byte', 'lfi-os-file', 'lfi-traversal'])
  t.equal(seed[0].where, 'query:pgi?pgi')
  const joomla = pl1.request({ url: '//index.php?option=com_ckforms&controller=../../../../../..//proc/self/environ%0000', headers: {} })
  t.ok(joomla.some((f) => f.rule === 'lfi-traversal' && f.where === 'query:controller'))
})

test('long hostile values: the same findings, a file found after any padding', async (t) => {
  const pad = (unit: string) => unit.repeat(Math.ceil(65536 / unit.length)).slice(0, 65536)
  for (const unit of ['concat(', 'php://', 'a.', '.git', 'wp-confix ', 'proc/sel ', 'etc/zz ']) {
    t.same(rules('/', { 'user-agent': pad(unit) }, pl2), [], unit)
    t.same(rules('/', { 'user-agent': pad(unit) + ' /etc/passwd' }, pl2), ['lfi-os-file-header'], unit + ' then a file')
    const out: Threat[] = []
    pl1.body({ q: pad(unit).slice(0, 60000) + 'wp-config-sample.php' }, 'application/json', out)
    t.same(out.map((f) => f.rule), ['lfi-os-file'], unit + ' then a loose name')
  }
  t.same(rules(q(pad('a.') + '..%2f..%2f')), ['lfi-traversal'], 'a climb after a long run of dots')
})

test('rules can be disabled', async (t) => {
  const d = createDetection({ paranoia: 1, disable: ['lfi-traversal'], bodyLimit: 65536, userAgentCacheSize: 16 }, [lfi])
  t.same(d.request({ url: q('../../x'), headers: {} }).map((f) => f.rule), [])
})

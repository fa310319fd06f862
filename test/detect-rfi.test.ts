import { test } from 'tap'
import { createDetection } from '../lib/detect/index'
import { rfi } from '../lib/detect/signatures/rfi'

const at = (paranoia: 1 | 2) => createDetection({ paranoia, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [rfi])
const pl1 = at(1)
const pl2 = at(2)
const rules = (url: string, d = pl1) => d.request({ url, headers: {} }).map((f) => f.rule).sort()

test('a URL ending in ? (the seed line)', async (t) => {
  const [finding, ...rest] = pl1.request({ url: '/home.php?pgi?pgi=http://www.example.pt/x/vero.txt?', headers: {} })
  t.same([finding.kind, finding.rule, finding.where, finding.score], ['rfi', 'rfi-url-trailing-question', 'query:pgi?pgi', 5])
  t.same(rest.map((f) => f.rule), ['rfi-script-url'])
  for (const v of ['http?', 'ftps?', 'file?', 'https://foo.bar?', 'HTTP://EVIL.COM/x??', 'http%3A%2F%2Fevil.com%2Fshell%3F']) {
    t.ok(rules('/p?x=' + v).includes('rfi-url-trailing-question'), v)
  }
  t.same(rules('/p?q=' + encodeURIComponent('is http faster than https? really')), [])
})

test('IP-literal hosts, script files, include-like names', async (t) => {
  for (const v of ['http://66.240.183.75/crash.php', 'https://[2001:41d0:701:1100::29c8]/gecko.php', 'https://2001:41d0::29c8/x',
    'ftp://1.1.1.1', 'http://user@10.0.0.1/', 'http://3232235521/']) {
    t.ok(rules('/p?src=' + encodeURIComponent(v)).includes('rfi-ip-host'), v)
  }
  for (const v of ['http://evil.example/shell.txt', 'https://evil.example/c99.inc', 'ftp://h/x.sh', 'http://h/a/b.ps1#x']) {
    t.ok(rules('/p?page=' + encodeURIComponent(v)).includes('rfi-script-url'), v)
  }
  t.same(pl1.request({ url: '/p?next=https://shop.example/login.php', headers: {} }).map((f) => [f.rule, f.score]), [['rfi-page-url', 3]])
  for (const name of ['_CONF[path]', 'mosConfig_absolute_path', 'include', 'template', 'config[root_dir]', 'file']) {
    t.same(rules(`/p?${encodeURIComponent(name)}=https://foo.bar`), ['rfi-include-parameter'], name)
  }
  const out = pl1.request({ url: '/api', headers: {} })
  pl1.body('<catalog><tag>ftp%3A%2F%2F1.1.1.1</tag></catalog>', 'application/xml', out)
  t.same(out.map((f) => [f.rule, f.where]), [['rfi-ip-host', 'body']])
})

test('ordinary links stay below 5 at paranoia 1', async (t) => {
  for (const v of ['https://example.com/page', 'https://example.com/a?b=c', 'http://example.com:8080/path', 'https://cdn.example/x.png']) {
    t.same(rules('/p?next=' + encodeURIComponent(v)), [], v)
    t.same(rules('/p?x=' + encodeURIComponent(v)), [], v)
  }
  t.same(rules('/p?file=report.pdf'), [])
})

test('paranoia 2: any URL argument, URLs in the path', async (t) => {
  for (const v of ['https://foo.bar', 'gopher://g.com/_x', 'url:file:///etc/passwd', 'jar:http://evil.co/b.zip!a', 'local_file://x']) {
    t.same(rules('/p?x=' + encodeURIComponent(v), pl2), ['rfi-url-argument'], v)
  }
  t.same(rules('/p?url=https://example.com', pl2), [], 'a parameter named for links')
  t.same(rules('/p?redirect_uri=https://example.com/cb', pl2), [])
  t.same(rules('/get/https://example.com/', pl2), ['rfi-url-path'])
  t.same(rules('/get/file:%2f%2f/usr/src', pl2), ['rfi-url-path'])
  t.same(rules('/get/https://example.com/'), [], 'not at paranoia 1')
})

test('long hostile values are read in one pass, and a URL after decoys is still found', async (t) => {
  const body = (text: string) => {
    const out: ReturnType<typeof pl1.request> = []
    pl1.body(text, 'text/plain', out)
    return out.map((f) => f.rule)
  }
  const start = Date.now()
  t.same(body('=http://example.com/a '.repeat(40) + '=http://example.com/shell.txt'), ['rfi-script-url'], 'after 40 other URLs')
  t.same(body('http://evil.example/x' + '?'.repeat(60000)), ['rfi-url-trailing-question'], 'a long run of ?')
  t.same(body('http://evil.example/x' + '?'.repeat(60000) + ' x?'), [], 'a run of ? that does not end the value')
  t.same(body('=http://'.repeat(8000)), [])
  t.same(body(':'.repeat(60000)), [])
  t.same(body('http://example.com/' + 'a'.repeat(3000) + '.txt'), ['rfi-script-url'], 'a path of any length')
  t.ok(Date.now() - start < 1000, 'in linear time')
})

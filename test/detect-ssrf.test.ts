import { test } from 'tap'
import { createDetection } from '../lib/detect/index'
import { ssrf } from '../lib/detect/signatures/ssrf'

const at = (paranoia: 1 | 2) => createDetection({ paranoia, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [ssrf])
const pl1 = at(1)
const pl2 = at(2)
const rules = (url: string, d = pl1) => d.request({ url, headers: {} }).map((f) => f.rule).sort()
const q = (value: string) => '/fetch?url=' + encodeURIComponent(value)

test('cloud metadata services in any notation', async (t) => {
  for (const v of ['http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/computeMetadata/v1/',
    'http://100.100.100.200/latest/meta-data/', 'http://[fd00:ec2::254]/latest/', 'http://169.254.170.2/v2/credentials',
    'http://instance-data/latest/', 'http://169。254。169。254/', 'http://⑯⑨。②⑤④。⑯⑨。②⑤④/']) {
    t.ok(rules(q(v)).includes('ssrf-cloud-metadata'), v)
  }
  const [finding] = pl1.request({ url: q('http://169.254.169.254/latest/'), headers: {} })
  t.same([finding.kind, finding.where, finding.score], ['ssrf', 'query:url', 5])
})

test('loopback hosts, encodings and parser tricks', async (t) => {
  for (const v of ['http://localhost:8080/admin', 'https://127.0.0.1/', 'http://127.1/', 'http://0.0.0.0:6379/', 'http://[::1]/',
    'http://[0:0:0:0:0:ffff:127.0.0.1]/', 'http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://017700000001/',
    'http://LOCALHOST/', 'http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/', 'http://evil.com@127.0.0.1/', 'http://google.com:80#@127.88.23.245:22/',
    'http://\\l\\o\\c\\a\\l\\h\\o\\s\\t/', 'http:127.0.0.1', 'https:/\\localhost/', 'http://127.0.0.1.nip.io/', 'http://x.localhost/',
    'localhost/admin', 'host.docker.internal:2375/containers/json', 'kubernetes.default.svc/api']) {
    t.ok(rules(q(v)).includes('ssrf-loopback'), v)
  }
})

test('other protocols and data: URIs', async (t) => {
  t.same(rules(q('gopher://127.0.0.1:6379/_INFO')), ['ssrf-loopback', 'ssrf-scheme'])
  t.same(rules(q('dict://example.com:11211/stat')), ['ssrf-scheme'])
  t.same(rules(q('file:///etc/passwd')), ['ssrf-scheme'])
  t.same(rules(q('data:text/plain;base64,SGVsbG8=')), [], 'data: URIs are paranoia 2')
  t.same(rules(q('data:text/plain;base64,SGVsbG8='), pl2), ['ssrf-data-uri'])
  t.same(rules(q('data:image/png;base64,iVBORw0KGgo='), pl2), [], 'media data: URIs are content')
})

test('paranoia 2: private, non-global and encoded addresses', async (t) => {
  t.same(rules(q('http://10.0.0.5/')), [])
  t.same(rules(q('http://10.0.0.5/'), pl2), ['ssrf-private-address'])
  t.same(rules(q('http://[fe80::1%25eth0]/'), pl2), ['ssrf-private-address'])
  t.same(rules(q('http://0x08080808/'), pl2), ['ssrf-encoded-address'], 'public, but written to evade')
  t.same(rules(q('http://7147006462/'), pl2), ['ssrf-cloud-metadata', 'ssrf-encoded-address'], 'wraps past 32 bits to 169.254.169.254')
})

test('ordinary values stay quiet', async (t) => {
  for (const v of ['https://example.com/page?x=1', 'http://8.8.8.8/', 'http://[2001:db8::1]/', '12:30:45', '1/4" wide ribbon',
    '9/16 plugs', '01/dec/2011:20:45:25', 'http:0xabcdef', 'data://text/plain;base64,SSBsb3ZlIFBIUAo=', 'localhost',
    'mailto:someone@example.com', 'http://localhost.example.com/', 'ftp://files.example.org/pub/']) {
    t.same(rules(q(v), pl2), [], v)
  }
})

import { test } from 'tap'
import { createDetection, threatScore } from '../lib/detect/index'
import { scanner, scriptClient } from '../lib/detect/signatures/scanner'

const detection = createDetection({ paranoia: 1, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [scanner, scriptClient])
const ua = (agent: string) => detection.request({ url: '/', headers: { 'user-agent': agent } })

test('security scanners are critical findings', async (t) => {
  for (const agent of ['Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)', 'sqlmap/1.7.2#stable (https://sqlmap.org)',
    'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 'nuclei', 'masscan/1.3',
    'WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)', 'gobuster/3.6', 'Mozilla/5.0 zgrab/0.x',
    'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1) Havij', 'Arachni/v1.5.1', 'Fuzz Faster U Fool v2.1.0', 'NESSUS', 'dirsearch']) {
    const found = ua(agent)
    t.same(found.map((f) => [f.kind, f.rule, f.where, f.score]), [['scanner', 'scanner-user-agent', 'header:user-agent', 5]], agent)
  }
})

test('browsers, crawlers and look-alike words are not scanners', async (t) => {
  for (const agent of ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'LasVegasBrowser/1.0', 'Snmapper/2']) {
    t.same(ua(agent), [], agent)
  }
})

test('script clients are a hint of score 1, never an attack', async (t) => {
  for (const agent of ['curl/8.5.0', 'Wget/1.21.4', 'python-requests/2.31.0', 'Python-urllib/2.7', 'libwww-perl/6.02',
    'Go-http-client/1.1', 'Java/17.0.2', 'okhttp/4.12.0', 'axios/1.6.7', 'node-fetch/1.0', 'undici',
    'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1']) {
    const found = ua(agent)
    t.same(found.map((f) => [f.kind, f.rule, f.score]), [['script-client', 'script-client-user-agent', 1]], agent)
    t.ok(threatScore(found) < 5)
  }
  t.same(ua('curlew-app/1.0'), [], 'a product merely starting with a client name is not one')
})

test('rules can be disabled', async (t) => {
  const off = createDetection({ paranoia: 1, disable: ['scanner-user-agent'], bodyLimit: 65536, userAgentCacheSize: 16 }, [scanner])
  t.same(off.request({ url: '/', headers: { 'user-agent': 'sqlmap/1.7' } }), [])
})

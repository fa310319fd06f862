import { test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHeaderOrder, HEADER_LETTERS, HEADER_ORDER_VERSION, UNKNOWN_HEADER } from '../lib/fingerprint/header-order'

test('the README prints exactly the table the code uses', async (t) => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
  const table = readme.split('<!-- header-order-table:start -->')[1].split('<!-- header-order-table:end -->')[0]
  const documented: Record<string, string> = {}
  for (const match of table.matchAll(/\| `(.)` \| ([a-z0-9-]+) /g)) documented[match[2]] = match[1]
  t.same(documented, HEADER_LETTERS)
  t.match(readme, `## Header order (\`ho\`), version ${HEADER_ORDER_VERSION}\n`, 'the README names the version it prints')
})

test('letters are unique single characters and never the unknown marker', async (t) => {
  const letters = Object.values(HEADER_LETTERS)
  t.equal(new Set(letters).size, letters.length)
  for (const letter of letters) {
    t.equal(letter.length, 1)
    t.not(letter, UNKNOWN_HEADER)
  }
})

test('typical clients', async (t) => {
  const headerOrder = createHeaderOrder()
  const names = (list: string[]): string[] => list.flatMap((name) => [name, 'v'])
  t.equal(headerOrder(names(['Host', 'User-Agent', 'Accept'])), 'pTa', 'curl')
  t.equal(headerOrder(names(['Host', 'Connection', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform',
    'Upgrade-Insecure-Requests', 'User-Agent', 'Accept', 'Sec-Fetch-Site', 'Sec-Fetch-Mode', 'Sec-Fetch-User',
    'Sec-Fetch-Dest', 'Accept-Encoding', 'Accept-Language'])), 'piCDESTaHGIFcd', 'Chrome over HTTP/1.1')
})

test('case does not matter; unknown headers get the marker; proxy and pseudo-headers stay out', async (t) => {
  const headerOrder = createHeaderOrder(['x-my-ja4'])
  const raw = ['HOST', 'h', 'uSeR-aGeNt', 'u', 'X-Custom', 'c', 'X-Forwarded-For', 'f', 'x-forwarded-proto', 'p',
    'Forwarded', 'f', 'Via', 'v', 'X-Real-IP', 'r', 'CF-Connecting-IP', 'c', 'CloudFront-Viewer-Country', 'c',
    'X-Envoy-Attempt-Count', 'e', 'X-My-JA4', 'j', ':method', 'GET', ':path', '/', 'Accept', 'a']
  t.equal(headerOrder(raw), 'pT*a')
})

test('hostile names: __proto__, constructor, empty, very long, binary', async (t) => {
  const headerOrder = createHeaderOrder()
  t.equal(headerOrder(['__proto__', 'x', 'constructor', 'x', 'toString', 'x', 'hasOwnProperty', 'x']), '****')
  t.equal(headerOrder(['', 'x', 'a'.repeat(65536), 'x', '\u00ff\u00fe', 'x']), '***')
  t.equal(headerOrder([]), '')
})

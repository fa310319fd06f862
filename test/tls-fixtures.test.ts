import { test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseClientHello, readClientHello } from '../lib/fingerprint/tls/client-hello'
import { calculateJa3 } from '../lib/fingerprint/tls/ja3'
import { calculateJa4, calculateJa4Forms } from '../lib/fingerprint/tls/ja4'

// ClientHellos of real clients captured on loopback (test/fixtures/tls/README.md): JA3 as tshark 4.0.17
// computed it from the capture, JA4 (all four forms) as FoxIO's python/ja4.py computed it.
interface Fixture {
  id: string
  client: string
  version: string
  command: string[]
  record_count: number
  client_records_hex: string
  ja3: string
  ja3_hash: string
  ja4: string
  ja4_r: string
  ja4_o: string
  ja4_ro: string
}

const { clients: fixtures } = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'tls', 'clients.json'), 'utf8')) as { clients: Fixture[] }

test('the fixtures cover curl, openssl s_client, Node and Chromium', async (t) => {
  const kinds = new Set(fixtures.map((f) => f.client))
  t.same([...kinds].sort(), ['chromium', 'curl', 'node', 'openssl'])
  t.equal(new Set(fixtures.map((f) => f.id)).size, fixtures.length, 'ids are unique')
})

for (const fixture of fixtures) {
  test(`${fixture.id} (${fixture.version.split(' ').slice(0, 2).join(' ')}): ${fixture.ja4}`, async (t) => {
    const bytes = Buffer.from(fixture.client_records_hex, 'hex')
    const read = readClientHello(bytes, 65536)
    if (read.state !== 'complete') {
      t.fail(`the record bytes give ${read.state}`)
      return
    }
    for (const cut of [1, 5, bytes.length - 1]) {
      t.equal(readClientHello(bytes.subarray(0, cut), 65536).state, 'incomplete', `the first ${cut} byte(s) are incomplete`)
    }
    const hello = parseClientHello(read.handshake)
    const { ja3, ja3Hash } = calculateJa3(hello)
    t.equal(ja3, fixture.ja3, 'JA3 string equals tshark')
    t.equal(ja3Hash, fixture.ja3_hash, 'JA3 hash equals tshark')
    const forms = calculateJa4Forms(hello)
    t.same(forms, { ja4: fixture.ja4, ja4_r: fixture.ja4_r, ja4_o: fixture.ja4_o, ja4_ro: fixture.ja4_ro }, 'JA4, JA4_r, JA4_o, JA4_ro equal FoxIO ja4.py')
    t.equal(calculateJa4(hello), forms.ja4, 'calculateJa4 equals the JA4 of calculateJa4Forms')
  })
}

test('Chromium shuffles its extensions: JA3 differs per connection, JA4 does not', async (t) => {
  const chromium = fixtures.filter((f) => f.client === 'chromium')
  t.ok(chromium.length >= 2, `${chromium.length} Chromium hellos`)
  t.ok(new Set(chromium.map((f) => f.ja3_hash)).size > 1, 'more than one JA3')
  t.equal(new Set(chromium.map((f) => f.ja4)).size, 1, 'one JA4')
  t.equal(new Set(chromium.map((f) => f.ja4_r)).size, 1, 'one JA4_r (sorted lists)')
  t.ok(new Set(chromium.map((f) => f.ja4_o)).size > 1, 'JA4_o (wire order) differs, as JA3 does')
})

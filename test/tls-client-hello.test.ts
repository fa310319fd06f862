import { test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parseClientHello, readClientHello, ClientHelloError, ClientHelloReader } from '../lib/fingerprint/tls/client-hello'
import { calculateJa3, ja3String } from '../lib/fingerprint/tls/ja3'
import { calculateJa4, calculateJa4Forms } from '../lib/fingerprint/tls/ja4'
import { isGrease } from '../lib/fingerprint/tls/grease'

const VECTORS = join(__dirname, '..', '..', 'shared', 'vectors', 'tls', 'clienthellos.json')

interface Vector {
  id: string
  transport: 'tcp' | 'udp'
  client_hello_handshake_hex: string
  client_records_hex?: string
  tshark_4_0_17: { ja3: string, ja3_full?: string }
  spec_computed: { ja3_full: string, ja4: string, ja4_r: string, ja4_o: string, ja4_ro: string }
}

const vectors: Vector[] = existsSync(VECTORS) ? JSON.parse(readFileSync(VECTORS, 'utf8')) : []
const skip = vectors.length === 0 ? `${VECTORS} is absent (the shared test data sits beside the repository)` : false

test('JA3 equals tshark and JA4 (all four forms) equals the spec on every shared ClientHello', { skip }, async (t) => {
  let ja3 = 0
  let ja4 = 0
  for (const vector of vectors) {
    const hello = parseClientHello(Buffer.from(vector.client_hello_handshake_hex, 'hex'))
    const computed = calculateJa3(hello)
    const protocol = vector.transport === 'udp' ? 'q' : 't'
    const fingerprint = calculateJa4Forms(hello, protocol)
    if (calculateJa4(hello, protocol) !== fingerprint.ja4) t.fail(`calculateJa4 and calculateJa4Forms differ on ${vector.id}`)
    // tshark's hash is the oracle; its string is missing for a few records, where the spec's string stands in.
    if (computed.ja3Hash === vector.tshark_4_0_17.ja3 && computed.ja3 === (vector.tshark_4_0_17.ja3_full ?? vector.spec_computed.ja3_full)) ja3++
    else t.fail(`JA3 of ${vector.id}: ${computed.ja3}`)
    const expected = vector.spec_computed
    if (fingerprint.ja4 === expected.ja4 && fingerprint.ja4_r === expected.ja4_r && fingerprint.ja4_o === expected.ja4_o && fingerprint.ja4_ro === expected.ja4_ro) ja4++
    else t.fail(`JA4 of ${vector.id}: ${JSON.stringify(fingerprint)}`)
  }
  t.equal(ja3, vectors.length, `${ja3}/${vectors.length} JA3`)
  t.equal(ja4, vectors.length, `${ja4}/${vectors.length} JA4`)
})

test('the ClientHello is collected from the exact record bytes, also when fragmented over records', { skip }, async (t) => {
  const withRecords = vectors.filter((v) => v.client_records_hex !== undefined && v.client_records_hex !== null)
  let fragmented = 0
  for (const vector of withRecords) {
    const bytes = Buffer.from(vector.client_records_hex as string, 'hex')
    const read = readClientHello(bytes, 65536)
    if (read.state !== 'complete' || read.handshake.toString('hex') !== vector.client_hello_handshake_hex) t.fail(`${vector.id}: ${read.state}`)
    if (bytes.readUInt16BE(3) + 5 < bytes.length) fragmented++
    // Every proper prefix is incomplete: the reader never guesses.
    for (const cut of [1, 5, Math.floor(bytes.length / 2), bytes.length - 1]) {
      if (readClientHello(bytes.subarray(0, cut), 65536).state !== 'incomplete') t.fail(`${vector.id} cut at ${cut}`)
    }
  }
  t.ok(withRecords.length > 150, `${withRecords.length} hellos with record bytes`)
  t.comment(`${fragmented} of them span more than one record`)
})

// Regression: the capture re-read every record from the start on each read, so a hello trickled in many
// one-byte records cost CPU in the square of its length. A reader now carries on from its last whole record;
// fed the same growing bytes, it must answer exactly as a fresh read of them.
test('a trickled ClientHello: one reader fed growing bytes answers as a fresh read at every length', { skip }, async (t) => {
  const vector = vectors.find((v) => v.client_records_hex !== undefined && v.client_records_hex !== null) as Vector
  const handshake = Buffer.from(vector.client_hello_handshake_hex, 'hex')
  // The hello in one-byte records, then the same in records of 100 bytes.
  for (const size of [1, 100]) {
    const parts: Buffer[] = []
    for (let i = 0; i < handshake.length; i += size) parts.push(record(handshake.subarray(i, i + size)))
    const bytes = Buffer.concat(parts)
    const reader = new ClientHelloReader(65536)
    let mismatches = 0
    for (let end = 1; end <= bytes.length; end += end < 64 ? 1 : 7) {
      const prefix = bytes.subarray(0, end)
      if (JSON.stringify(reader.read(prefix)) !== JSON.stringify(readClientHello(prefix, 65536))) mismatches++
    }
    const whole = reader.read(bytes)
    t.equal(mismatches, 0, `records of ${size} bytes: no prefix read differently`)
    t.same(whole.state === 'complete' ? whole.handshake : whole, handshake, `records of ${size} bytes: the whole hello`)
  }
})

/** A minimal ClientHello handshake message with the given extensions block (undefined: none at all). */
function hello (extensions?: Buffer, ciphers = [0x1301, 0x0a0a]): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]), Buffer.alloc(32), Buffer.from([0]),
    Buffer.from([0, ciphers.length * 2]), Buffer.from(ciphers.flatMap((c) => [c >> 8, c & 0xff])),
    Buffer.from([1, 0]),
    extensions === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from([extensions.length >> 8, extensions.length & 0xff]), extensions])
  ])
  return Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body])
}

function record (fragment: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, fragment.length >> 8, fragment.length & 0xff]), fragment])
}

test('a hello without an extensions block has empty lists', async (t) => {
  const parsed = parseClientHello(hello())
  t.same(parsed.extensions, [])
  t.equal(ja3String(parsed), '771,4865,,,', 'empty JA3 fields stay empty')
  t.match(calculateJa4(parsed), /^t12i010000_[0-9a-f]{12}_000000000000$/)
})

test('GREASE is exactly the sixteen RFC 8701 values', async (t) => {
  const grease = Array.from({ length: 65536 }, (_, v) => v).filter(isGrease)
  t.same(grease, Array.from({ length: 16 }, (_, i) => (i << 12) | 0x0a00 | (i << 4) | 0x0a))
})

test('hostile bytes: lengths past the end, truncation and noise end in a defined outcome, never a crash', async (t) => {
  const good = hello(Buffer.from([0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d]))
  t.equal(parseClientHello(good).groups[0], 0x1d)
  for (let cut = 1; cut < good.length; cut++) {
    t.throws(() => parseClientHello(good.subarray(0, cut)), ClientHelloError)
  }
  const liar = Buffer.from(good)
  liar.writeUInt16BE(0xffff, liar.length - 6) // the supported_groups list claims 65535 bytes
  t.throws(() => parseClientHello(liar), /ends .* early/)
  t.throws(() => parseClientHello(Buffer.from([2, 0, 0, 0])), /not a ClientHello/)

  t.equal(readClientHello(Buffer.from('GET / HTTP/1.1\r\n'), 65536).state, 'not-tls', 'plain HTTP on the TLS port')
  t.equal(readClientHello(Buffer.from([0x80, 0x2e, 0x01]), 65536).state, 'not-tls', 'an SSLv2-style hello')
  t.match(readClientHello(record(Buffer.alloc(0)), 65536), { state: 'invalid' }, 'an empty record')
  const big = Buffer.concat([Buffer.from([1, 0x01, 0x00, 0x00]), Buffer.alloc(65532)]) // a 64 KB handshake message
  const records: Buffer[] = []
  for (let i = 0; i < big.length; i += 16384) records.push(record(big.subarray(i, i + 16384)))
  t.match(readClientHello(Buffer.concat(records), 16384), { state: 'invalid', reason: /over the 16384-byte cap/ }, 'a 64 KB hello over the cap')

  // One byte per record: the smallest fragments a client can send.
  const oneByte = Buffer.concat([...good].map((byte) => record(Buffer.from([byte]))))
  const read = readClientHello(oneByte, 65536)
  t.ok(read.state === 'complete' && read.handshake.equals(good), 'a hello in one-byte records is put together')

  let outcomes = 0
  for (let i = 0; i < 20_000; i++) {
    const noise = randomBytes(1 + (i % 300))
    if (i % 2 === 0) noise[0] = 0x16
    const result = readClientHello(noise, 65536)
    if (result.state === 'complete') {
      try { parseClientHello(result.handshake) } catch (err) { if (!(err instanceof ClientHelloError)) throw err }
    }
    outcomes++
  }
  t.equal(outcomes, 20_000, 'random input: only the defined states and ClientHelloError')
})

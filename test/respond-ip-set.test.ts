import { test } from 'tap'
import { BlockList } from 'node:net'
import { createIpSet } from '../lib/respond/ip-set'

function matches (entries: string[], addresses: string[]): boolean[] {
  const set = createIpSet(entries, 'ip')
  return addresses.map((a) => set.has(a))
}

test('IPv4 addresses and blocks, prefix lengths 0, 1, 31 and 32', async (t) => {
  t.same(matches(['192.0.2.7'], ['192.0.2.7', '192.0.2.6', '192.0.2.70']), [true, false, false])
  t.same(matches(['192.0.2.7/32'], ['192.0.2.7', '192.0.2.6']), [true, false])
  t.same(matches(['192.0.2.6/31'], ['192.0.2.5', '192.0.2.6', '192.0.2.7', '192.0.2.8']), [false, true, true, false])
  t.same(matches(['128.0.0.0/1'], ['127.255.255.255', '128.0.0.0', '255.255.255.255', '0.0.0.0']), [false, true, true, false])
  t.same(matches(['0.0.0.0/1'], ['127.255.255.255', '128.0.0.0']), [true, false])
  t.same(matches(['0.0.0.0/0'], ['0.0.0.0', '255.255.255.255', '10.1.2.3', '::ffff:10.1.2.3', '::1', '2001:db8::1']),
    [true, true, true, true, false, false], '/0 is the whole IPv4 family, not IPv6')
  t.same(matches(['10.0.0.0/8'], ['10.0.0.0', '10.255.255.255', '9.255.255.255', '11.0.0.0']), [true, true, false, false])
})

test('host bits of a block are masked off', async (t) => {
  t.same(matches(['10.1.2.3/8'], ['10.200.0.1', '11.0.0.1']), [true, false])
  t.same(matches(['2001:db8:1:2:3:4:5:6/32'], ['2001:db8::', '2001:db9::']), [true, false])
})

test('IPv6 addresses and blocks, compressed forms, /0, /1, /127, /128', async (t) => {
  t.same(matches(['2001:db8::'], ['2001:db8::', '2001:db8:0:0:0:0:0:0', '2001:DB8::0', '2001:db8::1']), [true, true, true, false])
  t.same(matches(['::1'], ['::1', '0:0:0:0:0:0:0:1', '::', '1::']), [true, true, false, false])
  t.same(matches(['::'], ['::', '0::0', '::1', '0.0.0.0']), [true, true, false, false])
  t.same(matches(['::/128'], ['::', '::1']), [true, false])
  t.same(matches(['2001:db8::1/128'], ['2001:db8::1', '2001:db8::']), [true, false])
  t.same(matches(['2001:db8::/127'], ['2001:db8::', '2001:db8::1', '2001:db8::2']), [true, true, false])
  t.same(matches(['8000::/1'], ['8000::', 'ffff::1', '7fff:ffff::', '::1']), [true, true, false, false])
  t.same(matches(['::/0'], ['::1', 'fe80::1', '2001:db8::1', '10.0.0.1', '::ffff:10.0.0.1']), [true, true, true, false, false],
    '/0 is the whole IPv6 family, IPv4 clients (mapped or not) excluded')
  t.same(matches(['2001:db8:1234::/48'], ['2001:db8:1234:ffff::1', '2001:db8:1235::1']), [true, false])
  t.same(matches(['2001:db8::/64'], ['2001:db8::ffff:ffff:ffff:ffff', '2001:db8:0:1::']), [true, false])
  t.same(matches(['2001:db8::/96'], ['2001:db8::ffff:ffff', '2001:db8::1:0:0']), [true, false])
  t.same(matches(['1:2:3:4:5:6:7:8'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:9']), [true, false])
  t.same(matches(['1:2:3:4:5:6:1.2.3.4'], ['1:2:3:4:5:6:102:304']), [true], 'embedded IPv4 in the last 32 bits')
})

test('IPv4-mapped IPv6 is the IPv4 address, as an entry and as a request address', async (t) => {
  t.same(matches(['192.0.2.1'], ['::ffff:192.0.2.1', '::FFFF:c000:201', '0:0:0:0:0:ffff:192.0.2.1', '::ffff:192.0.2.2']),
    [true, true, true, false])
  t.same(matches(['::ffff:192.0.2.1'], ['192.0.2.1', '::ffff:192.0.2.1', '192.0.2.2']), [true, true, false])
  t.same(matches(['::ffff:192.0.2.0/120'], ['192.0.2.255', '192.0.3.0']), [true, false], 'a mapped /120 is an IPv4 /24')
  t.same(matches(['::ffff:0:0/96'], ['1.2.3.4', '255.255.255.255', '::1']), [true, true, false], 'the mapped /96 is all IPv4')
  t.same(matches(['::ffff:1.2.3.4/95'], ['1.2.3.4', '::ffff:1.2.3.4', '::fffe:0:1', '::1']), [false, false, true, false],
    'a block shorter than /96 is IPv6 (::fffe:0:0/95) and does not match IPv4 clients')
  t.same(matches(['::192.0.2.1'], ['192.0.2.1', '::c000:201']), [false, true], 'IPv4-compatible (::a.b.c.d) is IPv6')
})

test('an IPv4 entry never matches a native IPv6 address, nor the reverse', async (t) => {
  t.same(matches(['0.0.0.1'], ['::1']), [false])
  t.same(matches(['::1'], ['0.0.0.1']), [false])
  t.same(matches(['0.0.0.0/8'], ['::', '::1']), [false, false])
})

test('a zone id is stripped from the request address', async (t) => {
  t.same(matches(['fe80::1'], ['fe80::1%eth0', 'fe80::1%1', 'fe80::2%eth0']), [true, true, false])
  t.same(matches(['fe80::/10'], ['fe80::abcd%wlan0']), [true])
})

test('a request address that is not an address matches nothing', async (t) => {
  const set = createIpSet(['0.0.0.0/0', '::/0'], 'ip')
  const garbage = ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '1..2.3',
    ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '1:2:3:4:5:6:7::8:9', '1::2:', '1:2:3:4:5:6:7:8:', ':1::', '::1.2.3', '::1.2.3.256',
    '1:2:3:4:5:6:7:1.2.3.4', '[::1]', '::1/128', '1.2.3.4/32', '%eth0', 'x'.repeat(65536), '1'.repeat(65536),
    ':'.repeat(65536), '1.2.3.4' + ' '.repeat(65536)]
  for (const address of garbage) t.equal(set.has(address), false, JSON.stringify(address.slice(0, 40)))
  t.equal(set.has(undefined as unknown as string), false)
  t.equal(set.has(42 as unknown as string), false)
  // The set still answers for real addresses after the garbage.
  t.equal(set.has('1.2.3.4'), true)
  t.equal(set.has('::1'), true)
})

test('bad entries are refused with the index and the value', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['10.0.0.300/8', 'ip[1]: "10.0.0.300/8" is not an IP address or CIDR block'],
    ['10.0.0.0/33', 'ip[1]: "10.0.0.0/33" is not an IP address or CIDR block (the prefix length of an IPv4 block is 0 to 32)'],
    ['::/129', 'ip[1]: "::/129" is not an IP address or CIDR block (the prefix length of an IPv6 block is 0 to 128)'],
    ['10.0.0.0/', 'ip[1]: "10.0.0.0/" is not an IP address or CIDR block (the prefix length of an IPv4 block is 0 to 32)'],
    ['10.0.0.0/08', 'ip[1]: "10.0.0.0/08" is not an IP address or CIDR block (the prefix length of an IPv4 block is 0 to 32)'],
    ['10.0.0.0/8/8', 'ip[1]: "10.0.0.0/8/8" is not an IP address or CIDR block (the prefix length of an IPv4 block is 0 to 32)'],
    ['10.0.0.0/-1', 'ip[1]: "10.0.0.0/-1" is not an IP address or CIDR block (the prefix length of an IPv4 block is 0 to 32)'],
    ['fe80::1%eth0', 'ip[1]: "fe80::1%eth0" is not an IP address or CIDR block'],
    ['010.0.0.1', 'ip[1]: "010.0.0.1" is not an IP address or CIDR block'],
    ['example.com', 'ip[1]: "example.com" is not an IP address or CIDR block'],
    ['', 'ip[1]: "" is not an IP address or CIDR block'],
    [42, 'ip[1]: 42 is not an IP address or CIDR block'],
    [null, 'ip[1]: null is not an IP address or CIDR block'],
    ['1'.repeat(10000), `ip[1]: "${'1'.repeat(76)}… is not an IP address or CIDR block`]
  ]
  for (const [entry, message] of cases) {
    t.throws(() => createIpSet(['10.0.0.1', entry as string], 'ip'), { message }, String(entry).slice(0, 20))
  }
})

test('10,000 entries: every one found, neighbours not', async (t) => {
  const entries: string[] = []
  for (let i = 0; i < 5000; i++) entries.push(`10.${(i >> 8) & 255}.${i & 255}.${i % 2 === 0 ? '0/24' : '1'}`)
  for (let i = 0; i < 5000; i++) entries.push(`2001:db8:${i.toString(16)}::/${i % 2 === 0 ? 48 : 128}`)
  const set = createIpSet(entries, 'ip')
  for (let i = 0; i < 5000; i++) {
    const a = (i >> 8) & 255
    const b = i & 255
    if (i % 2 === 0) {
      if (!set.has(`10.${a}.${b}.77`)) t.fail(`10.${a}.${b}.77`)
    } else {
      if (!set.has(`10.${a}.${b}.1`)) t.fail(`10.${a}.${b}.1`)
      if (set.has(`10.${a}.${b}.2`)) t.fail(`10.${a}.${b}.2`)
      if (!set.has(`2001:db8:${i.toString(16)}::`)) t.fail(`2001:db8:${i.toString(16)}::`)
      if (set.has(`2001:db8:${i.toString(16)}::1`)) t.fail(`2001:db8:${i.toString(16)}::1`)
    }
  }
  t.equal(set.has('10.20.0.0'), false)
  t.equal(set.has('2001:db8:1388::'), false)
  t.equal(set.has('2001:db8:2::abcd'), true, 'inside an even /48')
})

test('agrees with node:net BlockList on random addresses and blocks', async (t) => {
  let seed = 42
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed % n
  }
  const v4 = (): string => [random(4), random(256), random(256), random(256)].join('.')
  const v6 = (): string => ['2001', 'db8', ...Array.from({ length: 6 }, () => random(4).toString(16))].join(':')
  const entries: string[] = []
  const list = new BlockList()
  for (let i = 0; i < 300; i++) {
    const v = i % 2 === 0
    const prefix = v ? random(33) : 16 + random(113)
    const address = v ? v4() : v6()
    entries.push(`${address}/${prefix}`)
    // BlockList masks the host bits off too.
    list.addSubnet(address, prefix, v ? 'ipv4' : 'ipv6')
  }
  const set = createIpSet(entries, 'ip')
  let disagreements = 0
  for (let i = 0; i < 3000; i++) {
    const v = i % 2 === 0
    const address = v ? v4() : v6()
    if (set.has(address) !== list.check(address, v ? 'ipv4' : 'ipv6')) disagreements++
  }
  t.equal(disagreements, 0)
})

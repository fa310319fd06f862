import t0, { test } from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Reader } from 'maxmind'
import { buildMmdb, type MmdbNetwork } from './helpers/mmdb'
import { openGeo } from '../lib/respond/geo'

const dir = mkdtempSync(join(tmpdir(), 'respond-geo-'))
t0.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** Writes `bytes` to a new file in the test directory and returns its path. */
function file (name: string, bytes: Buffer | string): string {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

const COUNTRY_NETWORKS: MmdbNetwork[] = [
  { cidr: '10.0.0.0/8', data: { country: { iso_code: 'DE' } } },
  { cidr: '10.1.2.0/24', data: { country: { iso_code: 'IT', names: { en: 'Italy' } } } },
  { cidr: '192.0.2.0/24', data: { country: { iso_code: 'fr' } } },
  // An anonymous proxy or satellite network: no `country`, only where it is registered.
  { cidr: '198.51.100.0/24', data: { registered_country: { iso_code: 'NL' } } },
  { cidr: '2001:db8::/32', data: { country: { iso_code: 'JP' }, registered_country: { iso_code: 'US' } } },
  { cidr: 'fe80::/10', data: { country: { iso_code: 'CH' } } }
]
const ASN_NETWORKS: MmdbNetwork[] = [
  { cidr: '10.0.0.0/8', data: { autonomous_system_number: 64496, autonomous_system_organization: 'Example' } },
  { cidr: '192.0.2.0/24', data: { autonomous_system_number: 4200000000, autonomous_system_organization: 'Big' } },
  { cidr: '2001:db8::/32', data: { autonomous_system_number: 65551, autonomous_system_organization: 'V6' } }
]
const countryPath = file('country.mmdb', buildMmdb({ databaseType: 'GeoLite2-Country', networks: COUNTRY_NETWORKS, buildEpoch: 1714521600 }))
const asnPath = file('asn.mmdb', buildMmdb({ databaseType: 'GeoLite2-ASN', networks: ASN_NETWORKS }))

test('buildMmdb: the maxmind reader reads every record size, IPv4 and IPv6, nested networks, and misses', async (t) => {
  for (const recordSize of [24, 28, 32] as const) {
    const reader = new Reader<any>(buildMmdb({ databaseType: 'GeoLite2-Country', recordSize, networks: COUNTRY_NETWORKS }))
    t.equal(reader.metadata.recordSize, recordSize)
    t.same(reader.get('10.200.0.1'), { country: { iso_code: 'DE' } }, `${recordSize}: IPv4 /8`)
    t.same(reader.getWithPrefixLength('10.1.2.3'), [{ country: { iso_code: 'IT', names: { en: 'Italy' } } }, 24], `${recordSize}: /24 inside the /8`)
    // The /8 is split around the /24: the reader reports the part it ends in, as for any real database.
    t.same(reader.getWithPrefixLength('10.1.3.3'), [{ country: { iso_code: 'DE' } }, 24], `${recordSize}: the /8 beside the /24`)
    t.same(reader.getWithPrefixLength('10.128.0.1'), [{ country: { iso_code: 'DE' } }, 9], `${recordSize}: the half of the /8 without the /24`)
    t.same(reader.get('2001:db8:ffff::1'), { country: { iso_code: 'JP' }, registered_country: { iso_code: 'US' } }, `${recordSize}: IPv6`)
    // IPv4 networks live under ::/96, where the reader's IPv4 start node is.
    t.same(reader.get('::10.1.2.3'), { country: { iso_code: 'IT', names: { en: 'Italy' } } }, `${recordSize}: ::/96`)
    for (const miss of ['11.0.0.1', '9.255.255.255', '0.0.0.0', '255.255.255.255', '2001:db9::1', '::1', 'ffff::']) {
      t.equal(reader.get(miss), null, `${recordSize}: ${miss} is in no network`)
    }
  }
})

test('buildMmdb: the order of networks does not matter; /0, no networks, IPv4-only trees', async (t) => {
  const reversed = new Reader<any>(buildMmdb({ databaseType: 'T', networks: [...COUNTRY_NETWORKS].reverse() }))
  t.same(reversed.get('10.1.2.3'), { country: { iso_code: 'IT', names: { en: 'Italy' } } })
  // NAT64's well-known prefix (RFC 6052) written with a dotted tail.
  const all = new Reader<any>(buildMmdb({ databaseType: 'T', networks: [{ cidr: '::/0', data: 'all' }, { cidr: '192.0.2.0/24', data: 'doc' }, { cidr: '64:ff9b::192.0.2.0/120', data: 'nat64' }] }))
  t.same([all.get('8.8.8.8'), all.get('192.0.2.9'), all.get('2001:db8::1'), all.get('64:ff9b::c000:2ff'), all.get('64:ff9b::c000:300')], ['all', 'doc', 'all', 'nat64', 'all'])
  const none = new Reader<any>(buildMmdb({ databaseType: 'T', networks: [] }))
  t.same([none.metadata.nodeCount, none.get('8.8.8.8'), none.get('::1')], [1, null, null])
  const v4 = new Reader<any>(buildMmdb({ databaseType: 'T', ipVersion: 4, recordSize: 24, networks: [{ cidr: '0.0.0.0/0', data: 1 }, { cidr: '203.0.113.128/25', data: 2 }] }))
  t.same([v4.metadata.ipVersion, v4.get('203.0.113.200'), v4.get('203.0.113.1')], [4, 2, 1])
})

test('buildMmdb: data types, size encodings and pointers round-trip; metadata as given', async (t) => {
  const data = {
    strings: ['', 'a', 'x'.repeat(28), 'y'.repeat(29), 'z'.repeat(284), 'w'.repeat(285), 'v'.repeat(65820), 'u'.repeat(65821), 'é€😀'],
    ints: [0, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -2147483648],
    big: [18446744073709551615n, 18446744073709551616n],
    other: [1.5, true, false, { nested: { deeper: [] } }],
    repeated: ['again', 'again', { again: 'again' }]
  }
  const db = buildMmdb({
    databaseType: 'Test-Types', ipVersion: 6, recordSize: 32, languages: ['en', 'fr'], description: { en: 'Types', fr: 'Types' },
    buildEpoch: 1714521600, networks: [{ cidr: '192.0.2.0/24', data }]
  })
  const reader = new Reader<any>(db)
  const got = reader.get('192.0.2.1')
  t.same(got.strings, data.strings)
  t.same(got.ints, [0, 255, 256, 65535, 65536, 4294967295, 4294967296n, -1, -2147483648], 'above 2^32 comes back as uint64 (BigInt)')
  t.same(got.big, data.big)
  t.same(got.other, data.other)
  t.same(got.repeated, data.repeated)
  t.equal(db.indexOf('again'), db.lastIndexOf('again'), 'a repeated string is written once and pointed to')
  t.match(reader.metadata, {
    binaryFormatMajorVersion: 2, binaryFormatMinorVersion: 0, buildEpoch: new Date('2024-05-01T00:00:00Z'),
    databaseType: 'Test-Types', description: { en: 'Types', fr: 'Types' }, ipVersion: 6, languages: ['en', 'fr'], recordSize: 32
  })
})

test('buildMmdb: 28-bit records above 2^24 keep their top bits in the middle byte; 24-bit ones refuse them', async (t) => {
  // A 16 MiB record first puts the second record's data offset, hence its record value, above 2^24.
  // Its repeated string is a pointer of the 32-bit form (offsets from 526336 on).
  const networks = [{ cidr: '192.0.2.0/25', data: 'p'.repeat(2 ** 24) }, { cidr: '192.0.2.128/25', data: { far: 'far' } }]
  const reader = new Reader<any>(buildMmdb({ databaseType: 'T', recordSize: 28, networks }))
  t.same(reader.get('192.0.2.200'), { far: 'far' })
  t.equal(reader.get('192.0.2.1').length, 2 ** 24)
  t.throws(() => buildMmdb({ databaseType: 'T', recordSize: 24, networks }), { message: /^record value \d+ does not fit in 24 bits$/ })
})

test('buildMmdb: bad networks are refused', async (t) => {
  const bad: Array<[string, 4 | 6, string]> = [
    ['192.0.2.1/24', 6, '192.0.2.1/24: host bits are set'],
    ['2001:db8::1/32', 6, '2001:db8::1/32: host bits are set'],
    ['192.0.2.0/33', 6, '192.0.2.0/33: bad prefix length'],
    ['192.0.2.0', 6, '192.0.2.0: not an IPv4 or IPv6 network'],
    ['2001:db8::/129', 6, '2001:db8::/129: bad prefix length'],
    ['2001:db8::/32', 4, '2001:db8::/32: not an IPv4 network'],
    ['example.com/8', 6, 'example.com/8: not an IPv4 or IPv6 network']
  ]
  for (const [cidr, ipVersion, message] of bad) {
    t.throws(() => buildMmdb({ databaseType: 'T', ipVersion, networks: [{ cidr, data: 1 }] }), { message }, cidr)
  }
})

test('openGeo: country and ASN of IPv4, IPv6, IPv4-mapped and zoned addresses', async (t) => {
  const geo = openGeo({ country: countryPath, asn: asnPath })
  const cases: Array<[string, string | undefined, number | undefined]> = [
    ['10.9.9.9', 'DE', 64496],
    ['10.1.2.3', 'IT', 64496],
    ['192.0.2.77', 'FR', 4200000000], // stored lower case, given upper case
    ['198.51.100.1', 'NL', undefined], // registered_country when there is no country
    ['2001:db8::1', 'JP', 65551], // country wins over registered_country
    ['2001:DB8:0:0::FFFF', 'JP', 65551],
    ['::ffff:10.1.2.3', 'IT', 64496],
    ['::FFFF:192.0.2.1', 'FR', 4200000000],
    ['::ffff:c000:201', 'FR', 4200000000], // 192.0.2.1 in hex groups
    ['0:0:0:0:0:ffff:10.1.2.3', 'IT', 64496],
    ['fe80::1%eth0', 'CH', undefined],
    ['fe80::1%25', 'CH', undefined],
    ['8.8.8.8', undefined, undefined],
    ['2001:db9::1', undefined, undefined],
    ['::1', undefined, undefined],
    ['::', undefined, undefined]
  ]
  for (const [ip, country, asn] of cases) t.same(geo(ip), { country, asn }, ip)
  t.same(geo.databases, [
    { option: 'country', path: countryPath, databaseType: 'GeoLite2-Country', built: new Date('2024-05-01T00:00:00Z') },
    { option: 'asn', path: asnPath, databaseType: 'GeoLite2-ASN', built: new Date(1700000000 * 1000) }
  ])
})

test('openGeo: one database alone answers for its own field only', async (t) => {
  const country = openGeo({ country: countryPath })
  t.same(country('10.1.2.3'), { country: 'IT', asn: undefined })
  t.same(country.databases.map((d) => d.option), ['country'])
  const asn = openGeo({ asn: asnPath }, 'cli.geoip')
  t.same(asn('10.1.2.3'), { country: undefined, asn: 64496 })
  t.same(asn.databases.map((d) => d.option), ['asn'])
})

test('openGeo: anything that is not an IP address gives no country and no ASN, without throwing', async (t) => {
  const geo = openGeo({ country: countryPath, asn: asnPath })
  const hostile: unknown[] = [
    '', ' ', '10.1.2.3 ', ' 10.1.2.3', '10.1.2.3\n', '10.1.2', '10.1.2.256', '010.1.2.3', '10.1.2.3/8', '10.1.2.3:80',
    '::ffff:999.1.2.3', '::ffff:10.1.2', ':::', '1::2::3', '2001:db8::g', '%eth0', '[2001:db8::1]', 'localhost',
    '__proto__', 'constructor', 'x'.repeat(65536), '1.'.repeat(32768), '::ffff:' + '1'.repeat(65536),
    'fe80::1%' + 'a'.repeat(65536), '10.1.2.3%eth0', '\u0000', '１０.1.2.3',
    undefined, null, 42, {}, ['10.1.2.3'], { toString: () => '10.1.2.3' }
  ]
  for (const ip of hostile) {
    t.same(geo(ip as string), { country: undefined, asn: undefined }, typeof ip === 'string' ? JSON.stringify(ip.slice(0, 20)) : String(ip))
  }
})

test('openGeo: an IPv4-only database knows nothing of IPv6 addresses, but reads IPv4-mapped ones', async (t) => {
  const path = file('v4.mmdb', buildMmdb({ databaseType: 'DBIP-Country-Lite', ipVersion: 4, networks: [{ cidr: '0.0.0.0/1', data: { country: { iso_code: 'SE' } } }] }))
  const geo = openGeo({ country: path })
  t.same([geo('10.0.0.1').country, geo('::ffff:10.0.0.1').country, geo('128.0.0.1').country], ['SE', 'SE', undefined])
  t.equal(geo('::1').country, undefined, 'not read as 0.0.0.0 by the first 32 bits')
  t.equal(geo('2001:db8::1').country, undefined)
})

test('openGeo: records of unexpected shapes give no country or ASN', async (t) => {
  const odd: MmdbNetwork[] = [
    { cidr: '192.0.2.0/28', data: 'FR' },
    { cidr: '192.0.2.16/28', data: { country: { iso_code: 42 }, autonomous_system_number: '64496' } },
    { cidr: '192.0.2.32/28', data: { country: { iso_code: 'FRA' }, autonomous_system_number: -1 } },
    { cidr: '192.0.2.48/28', data: { country: 'FR', autonomous_system_number: 1.5 } },
    { cidr: '192.0.2.64/28', data: [{ country: { iso_code: 'FR' } }] }
  ]
  const geo = openGeo({
    country: file('odd-country.mmdb', buildMmdb({ databaseType: 'GeoIP2-City', networks: odd })),
    asn: file('odd-asn.mmdb', buildMmdb({ databaseType: 'GeoIP2-ISP', networks: odd }))
  })
  for (const ip of ['192.0.2.1', '192.0.2.17', '192.0.2.33', '192.0.2.49', '192.0.2.65']) {
    t.same(geo(ip), { country: undefined, asn: undefined }, ip)
  }
})

test('openGeo: a damaged record is unknown, not an exception', async (t) => {
  const bytes = buildMmdb({ databaseType: 'GeoLite2-Country', networks: [{ cidr: '192.0.2.0/24', data: { country: { iso_code: 'FR' } } }] })
  const reader = new Reader<any>(bytes)
  // Extended type 0 + 7 = 7 is no type (spec: extended types start at 8): the record cannot be decoded.
  const dataStart = reader.metadata.searchTreeSize + 16
  bytes[dataStart] = 0x00
  bytes[dataStart + 1] = 0x00
  const geo = openGeo({ country: file('damaged.mmdb', bytes) })
  t.same(geo('192.0.2.1'), { country: undefined, asn: undefined })
})

test('openGeo: errors name the option and the file, and say what is accepted', async (t) => {
  const missing = join(dir, 'nope.mmdb')
  const subdir = join(dir, 'a-directory.mmdb')
  mkdirSync(subdir)
  const truncated = buildMmdb({ databaseType: 'GeoLite2-Country', networks: COUNTRY_NETWORKS })
  const metadataStart = truncated.lastIndexOf(Buffer.from('MaxMind.com')) - 3
  const cases: Array<[unknown, string | RegExp, string?]> = [
    [{ country: missing }, `respond.geoip.country: cannot read ${JSON.stringify(missing)}: ENOENT: no such file or directory, open '${missing}'`],
    [{ asn: subdir }, /^respond\.geoip\.asn: cannot read ".*a-directory\.mmdb": EISDIR: illegal operation on a directory/],
    [{ country: file('empty.mmdb', '') }, /^respond\.geoip\.country: ".*empty\.mmdb" is not a MaxMind DB file \(no metadata marker in its last 128 KiB\)$/],
    [{ country: file('text.mmdb', 'country,asn\nFR,1\n') }, /^respond\.geoip\.country: ".*text\.mmdb" is not a MaxMind DB file \(no metadata marker in its last 128 KiB\)$/],
    [{ country: file('db.mmdb.gz', gzipSync(truncated)) }, /^respond\.geoip\.country: ".*db\.mmdb\.gz" is gzip-compressed; decompress it \(gunzip\) first$/],
    [{ country: file('marker-only.mmdb', Buffer.concat([Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'), Buffer.from('junk')])) },
      /^respond\.geoip\.country: ".*marker-only\.mmdb" is not a readable MaxMind DB file: /],
    // The tree and data cut away: the metadata's node_count no longer fits in the file.
    [{ country: file('truncated.mmdb', truncated.subarray(metadataStart - 4)) },
      /^respond\.geoip\.country: ".*truncated\.mmdb" is not a readable MaxMind DB file \(format 2, ip_version 6, node_count \d+ in \d+ bytes\)$/],
    [{ country: asnPath }, `respond.geoip.country: ${JSON.stringify(asnPath)} is a "GeoLite2-ASN" database; accepted for country: ` +
      'GeoLite2-Country, GeoIP2-Country, GeoLite2-City, GeoIP2-City, GeoIP2-Enterprise, DBIP-Country-Lite, DBIP-City-Lite, DBIP-Country, DBIP-Location (compat=City)'],
    [{ asn: countryPath }, `respond.geoip.asn: ${JSON.stringify(countryPath)} is a "GeoLite2-Country" database; accepted for asn: ` +
      'GeoLite2-ASN, GeoIP2-ISP, DBIP-ASN-Lite (compat=GeoLite2-ASN)'],
    [{ country: countryPath, asn: countryPath }, /^respond\.geoip\.asn: .* is a "GeoLite2-Country" database/, 'the first good, the second not'],
    [{ asn: 42 }, 'respond.geoip.asn: must be the path of a .mmdb file, got 42'],
    [{ country: '' }, 'respond.geoip.country: must be the path of a .mmdb file, got ""'],
    [{}, 'respond.geoip: give country, asn or both (paths of .mmdb files)'],
    [{ contry: countryPath }, 'respond.geoip.contry: unknown option; accepted: country, asn'],
    [JSON.parse(`{ "__proto__": { "country": ${JSON.stringify(countryPath)} } }`), 'respond.geoip.__proto__: unknown option; accepted: country, asn'],
    [null, 'respond.geoip: must be an object with the paths of a country and/or an asn .mmdb file, got null'],
    [countryPath, `respond.geoip: must be an object with the paths of a country and/or an asn .mmdb file, got ${JSON.stringify(countryPath)}`],
    ['y'.repeat(200), /^respond\.geoip: must be an object .* got "y{79}…$/],
    [{ country: ['a.mmdb'] }, 'respond.geoip.country: must be the path of a .mmdb file, got an array'],
    [{ asn: { path: 'a.mmdb' } }, 'respond.geoip.asn: must be the path of a .mmdb file, got an object'],
    [{ asn: 'x'.repeat(300) }, /^respond\.geoip\.asn: cannot read "x{300}": ENAMETOOLONG/]
  ]
  for (const [options, message, name] of cases) {
    t.throws(() => openGeo(options as any), { message }, name ?? JSON.stringify(options))
  }
  t.throws(() => openGeo({ asn: countryPath }, 'cli.geoip'), { message: /^cli\.geoip\.asn: / }, 'the caller names the option')
})

test('openGeo: answers are cached per address; cost of a lookup (reported, not asserted)', async (t) => {
  const geo = openGeo({ country: countryPath, asn: asnPath })
  t.equal(geo('10.1.2.3'), geo('10.1.2.3'), 'the same frozen answer for the same address')
  t.ok(Object.isFrozen(geo('10.1.2.3')))
  const perLookup = (ips: string[], n: number): number => {
    let known = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) if (geo(ips[i % ips.length] as string).country !== undefined) known++
    const us = Number(process.hrtime.bigint() - start) / 1000 / n
    t.equal(known, n, 'every address is in the country database')
    return us
  }
  const few = ['10.1.2.3', '192.0.2.1', '2001:db8::42', '::ffff:10.9.9.9']
  perLookup(few, 20000) // warm up
  const hit = perLookup(few, 200000)
  // Twice as many distinct addresses as the cache holds, in turn: every lookup walks both trees.
  const many = Array.from({ length: 20000 }, (_, i) => i % 2 === 0 ? `10.${i >> 8 & 255}.${i & 255}.7` : `2001:db8:${i.toString(16)}::1`)
  perLookup(many, 20000)
  const miss = perLookup(many, 100000)
  t.comment(`openGeo (country + ASN): ${hit.toFixed(2)} µs per lookup of a cached address, ${miss.toFixed(2)} µs uncached (IPv4 and IPv6)`)
})

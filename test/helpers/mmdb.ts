/**
 * Writes MaxMind DB files (binary format 2.0, https://maxmind.github.io/MaxMind-DB/) for tests: a search tree
 * of the given networks, a data section and the metadata, small enough to build in each test run.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** A value of the data section: maps, arrays, UTF-8 strings, integers, doubles and booleans. */
export type MmdbValue = string | number | bigint | boolean | MmdbValue[] | { [key: string]: MmdbValue }

/** One network and the record every address inside it maps to. */
export interface MmdbNetwork {
  /** `192.0.2.0/24` or `2001:db8::/32`; host bits must be zero. An IPv4 network goes under ::/96 in an IPv6 tree. */
  cidr: string
  data: MmdbValue
}

export interface MmdbOptions {
  /** Metadata `database_type`, e.g. `GeoLite2-Country`. */
  databaseType: string
  /** Networks; a more specific one wins over a less specific one containing it, whatever the order. */
  networks: MmdbNetwork[]
  /** Metadata `ip_version`: 6 holds IPv4 and IPv6 networks, 4 only IPv4. @default 6 */
  ipVersion?: 4 | 6
  /** Bits per search-tree record. @default 28 */
  recordSize?: 24 | 28 | 32
  /** Metadata `languages`. @default ['en'] */
  languages?: string[]
  /** Metadata `description`, language → text. @default { en: 'Test database' } */
  description?: Record<string, string>
  /** Metadata `build_epoch`, seconds since the epoch. @default 1700000000 */
  buildEpoch?: number
}

// Data field types (spec, "Output Data Section"); 8 and above are "extended" types, written as 0 in the
// control byte followed by a byte holding type − 7.
const POINTER = 1
const UTF8 = 2
const DOUBLE = 3
const UINT16 = 5
const UINT32 = 6
const MAP = 7
const INT32 = 8
const UINT64 = 9
const UINT128 = 10
const ARRAY = 11
const BOOLEAN = 14

// The search tree and the data section are separated by 16 zero bytes; a record value v > node_count points
// at data section offset v − node_count − 16 (spec, "Search Tree Section" and "Data Section Separator").
const SEPARATOR = 16
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex') // \xAB\xCD\xEF + "MaxMind.com"

/** Appends data fields; strings written before are written again as pointers to the first copy. */
class DataWriter {
  private readonly chunks: Buffer[] = []
  private readonly strings = new Map<string, number>()
  private readonly records = new Map<string, number>()
  length = 0

  constructor (private readonly pointers: boolean) {}

  /** Offset of `value` in this section: written once, the same offset for every equal value. */
  record (value: MmdbValue): number {
    const key = JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? `${v}n` : v)
    let offset = this.records.get(key)
    if (offset === undefined) {
      offset = this.length
      this.records.set(key, offset)
      this.value(value)
    }
    return offset
  }

  value (value: MmdbValue): void {
    if (typeof value === 'string') this.string(value)
    else if (typeof value === 'boolean') this.control(BOOLEAN, value ? 1 : 0)
    else if (typeof value === 'bigint') {
      if (value < 0n) throw new Error(`${value}: only unsigned big integers are written`)
      this.uint(value <= 0xffffffffffffffffn ? UINT64 : UINT128, value)
    }
    else if (typeof value === 'number') this.number(value)
    else if (Array.isArray(value)) {
      this.control(ARRAY, value.length)
      for (const item of value) this.value(item)
    } else {
      const keys = Object.keys(value)
      this.control(MAP, keys.length)
      for (const key of keys) {
        this.string(key)
        this.value(value[key] as MmdbValue)
      }
    }
  }

  /** A map whose values are written by the given functions (for fields of a fixed type). */
  fields (pairs: Array<[string, () => void]>): void {
    this.control(MAP, pairs.length)
    for (const [key, write] of pairs) {
      this.string(key)
      write()
    }
  }

  string (text: string): void {
    const seen = this.strings.get(text)
    if (seen !== undefined) return this.pointer(seen)
    const bytes = Buffer.from(text, 'utf8')
    if (this.pointers && bytes.length >= 2) this.strings.set(text, this.length)
    this.control(UTF8, bytes.length)
    this.push(bytes)
  }

  /** An unsigned integer in as few big-endian bytes as it needs (the size says how many; spec, "uint16"). */
  uint (type: number, value: bigint | number): void {
    let hex = BigInt(value).toString(16)
    if (hex === '0') hex = ''
    if (hex.length % 2 === 1) hex = '0' + hex
    const bytes = Buffer.from(hex, 'hex')
    this.control(type, bytes.length)
    this.push(bytes)
  }

  private number (value: number): void {
    if (!Number.isInteger(value)) {
      const bytes = Buffer.alloc(8)
      bytes.writeDoubleBE(value)
      this.control(DOUBLE, 8)
      this.push(bytes)
    } else if (value < 0) {
      const bytes = Buffer.alloc(4)
      bytes.writeInt32BE(value)
      this.control(INT32, 4)
      this.push(bytes)
    } else this.uint(value <= 0xffff ? UINT16 : value <= 0xffffffff ? UINT32 : UINT64, value)
  }

  /** `001SSVVV`: SS picks 11, 19, 27 or 32 value bits, the larger sizes biased (spec, "pointer - 1"). */
  private pointer (offset: number): void {
    if (offset < 2048) this.push(Buffer.from([(POINTER << 5) | (offset >> 8), offset & 0xff]))
    else if (offset < 526336) {
      const v = offset - 2048
      this.push(Buffer.from([(POINTER << 5) | (1 << 3) | (v >> 16), (v >> 8) & 0xff, v & 0xff]))
    } else {
      // Size 3: the value is the next 4 bytes, unbiased (size 2, biased by 526336, is not needed).
      const bytes = Buffer.alloc(5)
      bytes[0] = (POINTER << 5) | (3 << 3)
      bytes.writeUInt32BE(offset, 1)
      this.push(bytes)
    }
  }

  /**
   * Type in the top 3 bits (0 and a byte holding type − 7 for extended types), size in the low 5 bits: below
   * 29 as is, then 29 + 1 byte, 285 + 2 bytes, 65821 + 3 bytes, after the extended-type byte (spec, "Payload Size").
   */
  private control (type: number, size: number): void {
    const head = type < 8 ? [type << 5] : [0, type - 7]
    if (size < 29) head[0] |= size
    else if (size < 285) {
      head[0] |= 29
      head.push(size - 29)
    } else if (size < 65821) {
      head[0] |= 30
      head.push((size - 285) >> 8, (size - 285) & 0xff)
    } else {
      head[0] |= 31
      head.push((size - 65821) >> 16, ((size - 65821) >> 8) & 0xff, (size - 65821) & 0xff)
    }
    this.push(Buffer.from(head))
  }

  private push (bytes: Buffer): void {
    this.chunks.push(bytes)
    this.length += bytes.length
  }

  bytes (): Buffer {
    return Buffer.concat(this.chunks)
  }
}

interface Node { children: [Child, Child] }
interface Leaf { offset: number }
type Child = Node | Leaf | undefined

/** The address bytes and prefix length of a CIDR block, IPv4 blocks placed under ::/96 when `bits` is 128. */
function network (cidr: string, bits: 32 | 128): { bytes: Uint8Array, prefix: number } {
  const slash = cidr.indexOf('/')
  const address = cidr.slice(0, slash)
  const length = slash === -1 ? NaN : Number(cidr.slice(slash + 1))
  let bytes: Uint8Array
  let prefix: number
  if (isIPv4(address)) {
    const v4 = address.split('.').map(Number)
    bytes = bits === 32 ? Uint8Array.from(v4) : Uint8Array.from([...new Array<number>(12).fill(0), ...v4])
    prefix = length <= 32 ? length + bits - 32 : NaN
  } else if (isIPv6(address) && bits === 128) {
    bytes = ipv6Bytes(address)
    prefix = length
  } else throw new Error(`${cidr}: not an IPv4${bits === 32 ? '' : ' or IPv6'} network`)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new Error(`${cidr}: bad prefix length`)
  for (let bit = prefix; bit < bits; bit++) {
    if (bitAt(bytes, bit) === 1) throw new Error(`${cidr}: host bits are set`)
  }
  return { bytes, prefix }
}

/** The 16 bytes of an IPv6 address `isIPv6` accepted (RFC 4291 §2.2: `::` stands for zero groups). */
function ipv6Bytes (address: string): Uint8Array {
  const groups = (part: string): number[] => {
    const out: number[] = []
    for (const group of part === '' ? [] : part.split(':')) {
      if (group.includes('.')) {
        // A dotted IPv4 tail (`::ffff:192.0.2.1`) is the last two groups.
        const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number]
        out.push((a << 8) | b, (c << 8) | d)
      } else out.push(parseInt(group, 16))
    }
    return out
  }
  const gap = address.indexOf('::')
  const head = groups(gap === -1 ? address : address.slice(0, gap))
  const tail = gap === -1 ? [] : groups(address.slice(gap + 2))
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]))
}

function bitAt (bytes: Uint8Array, bit: number): 0 | 1 {
  return (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) as 0 | 1
}

/** Builds a MaxMind DB file mapping `networks` to their data. */
export function buildMmdb (options: MmdbOptions): Buffer {
  const ipVersion = options.ipVersion ?? 6
  const recordSize = options.recordSize ?? 28
  const bits = ipVersion === 4 ? 32 : 128
  const data = new DataWriter(true)
  const root: Node = { children: [undefined, undefined] }
  const blocks = options.networks.map((n) => ({ ...network(n.cidr, bits), leaf: { offset: data.record(n.data) } }))
  // Less specific first, so that a network inserted later inside one already there splits its leaf.
  blocks.sort((a, b) => a.prefix - b.prefix)
  for (const { bytes, prefix, leaf } of blocks) {
    if (prefix === 0) {
      root.children = [leaf, leaf]
      continue
    }
    let node = root
    for (let depth = 0; depth < prefix - 1; depth++) {
      const b = bitAt(bytes, depth)
      const child = node.children[b]
      const next: Node = child !== undefined && 'children' in child ? child : { children: [child, child] }
      node.children[b] = next
      node = next
    }
    node.children[bitAt(bytes, prefix - 1)] = leaf
  }

  // Nodes numbered breadth first: the root is node 0, as readers start there.
  const nodes: Node[] = [root]
  for (let i = 0; i < nodes.length; i++) {
    for (const child of (nodes[i] as Node).children) if (child !== undefined && 'children' in child) nodes.push(child)
  }
  const number = new Map(nodes.map((node, i) => [node, i]))
  const nodeCount = nodes.length
  // A record equal to node_count means "no data" (spec, "Search Tree Section").
  const recordValue = (child: Child): number => child === undefined
    ? nodeCount
    : 'children' in child ? number.get(child) as number : nodeCount + SEPARATOR + child.offset
  const nodeBytes = recordSize / 4
  const tree = Buffer.alloc(nodeCount * nodeBytes)
  for (const [i, node] of nodes.entries()) {
    const [left, right] = node.children.map(recordValue) as [number, number]
    if (Math.max(left, right) >= 2 ** recordSize) throw new Error(`record value ${Math.max(left, right)} does not fit in ${recordSize} bits`)
    const at = i * nodeBytes
    if (recordSize === 24) {
      tree.writeUIntBE(left, at, 3)
      tree.writeUIntBE(right, at + 3, 3)
    } else if (recordSize === 28) {
      // The middle byte holds the top 4 bits of the left record, then those of the right one.
      tree.writeUIntBE(left & 0xffffff, at, 3)
      tree[at + 3] = ((left >>> 24) << 4) | (right >>> 24)
      tree.writeUIntBE(right & 0xffffff, at + 4, 3)
    } else {
      tree.writeUInt32BE(left, at)
      tree.writeUInt32BE(right, at + 4)
    }
  }

  // Metadata fields and their types (spec, "Database Metadata").
  const meta = new DataWriter(false)
  meta.fields([
    ['node_count', () => meta.uint(UINT32, nodeCount)],
    ['record_size', () => meta.uint(UINT16, recordSize)],
    ['ip_version', () => meta.uint(UINT16, ipVersion)],
    ['database_type', () => meta.string(options.databaseType)],
    ['languages', () => meta.value(options.languages ?? ['en'])],
    ['binary_format_major_version', () => meta.uint(UINT16, 2)],
    ['binary_format_minor_version', () => meta.uint(UINT16, 0)],
    ['build_epoch', () => meta.uint(UINT64, options.buildEpoch ?? 1700000000)],
    ['description', () => meta.value(options.description ?? { en: 'Test database' })]
  ])
  return Buffer.concat([tree, Buffer.alloc(SEPARATOR), data.bytes(), METADATA_MARKER, meta.bytes()])
}

import * as crypto from 'node:crypto'

// crypto.hash() (Node 20.12 on) hashes in one call, without a Hash object: a fingerprint takes three.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Buffer, outputEncoding: 'hex') => string }).hash
const hexDigest: (algorithm: string, data: Buffer) => string = oneShotHash !== undefined
  ? (algorithm, data) => oneShotHash(algorithm, data, 'hex')
  : (algorithm, data) => crypto.createHash(algorithm).update(data).digest('hex')

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1')

// Digests by text: clients of one kind send the same cipher and extension lists on every connection, and
// a digest through OpenSSL costs several times the lookup of its text (bench/README.md, instructions per
// new connection). Bounded, emptied when full: a flood of distinct hellos only costs their digests again.
const DIGESTS_KEPT = 512
const LONGEST_KEPT = 2048
const ZERO = 0x30

/**
 * The text of a fingerprint (the JA3 string, JA4's lists), written as ASCII into one buffer that every
 * fingerprint reuses, then hashed from there and read back as a string where it is wanted. Built as a string,
 * such a text is some forty concatenations that the hash then flattens and encodes again; writing the bytes
 * instead took a third off JA3 and a quarter off JA4 (bench/client-hello.js).
 * Synchronous use only: the next fingerprint overwrites it.
 */
class FingerprintText {
  private bytes = Buffer.allocUnsafe(4096)
  private length = 0
  private readonly digests = { md5: new Map<string, string>(), sha256: new Map<string, string>() }

  /** Empties the buffer, with room for at least `capacity` bytes. */
  reset (capacity: number): void {
    if (this.bytes.length < capacity) this.bytes = Buffer.allocUnsafe(capacity)
    this.length = 0
  }

  /** One ASCII character, by its code. */
  char (code: number): void {
    this.bytes[this.length++] = code
  }

  /** A 16-bit value in decimal, at most five digits. */
  decimal (value: number): void {
    const bytes = this.bytes
    if (value >= 10000) bytes[this.length++] = ZERO + Math.floor(value / 10000)
    if (value >= 1000) bytes[this.length++] = ZERO + Math.floor(value / 1000) % 10
    if (value >= 100) bytes[this.length++] = ZERO + Math.floor(value / 100) % 10
    if (value >= 10) bytes[this.length++] = ZERO + Math.floor(value / 10) % 10
    bytes[this.length++] = ZERO + value % 10
  }

  /** A 16-bit value as four lowercase hex digits: 0x002f → `002f`. */
  hex4 (value: number): void {
    const bytes = this.bytes
    bytes[this.length++] = HEX_DIGITS[value >> 12] as number
    bytes[this.length++] = HEX_DIGITS[(value >> 8) & 0xf] as number
    bytes[this.length++] = HEX_DIGITS[(value >> 4) & 0xf] as number
    bytes[this.length++] = HEX_DIGITS[value & 0xf] as number
  }

  /** The lowercase hex digest of the text; `text` is the text as a string, when the caller has made it already. */
  hash (algorithm: 'md5' | 'sha256', text?: string): string {
    if (this.length > LONGEST_KEPT) return hexDigest(algorithm, this.bytes.subarray(0, this.length))
    const kept = this.digests[algorithm]
    text ??= this.text()
    let digest = kept.get(text)
    if (digest === undefined) {
      digest = hexDigest(algorithm, this.bytes.subarray(0, this.length))
      if (kept.size >= DIGESTS_KEPT) kept.clear()
      kept.set(text, digest)
    }
    return digest
  }

  text (): string {
    return this.bytes.toString('latin1', 0, this.length)
  }
}

/** The one buffer JA3 and JA4 write their text into. */
export const fingerprintText = new FingerprintText()

// Reading a TLS ClientHello from the bytes a client sends first (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2),
// synchronously, over one buffer: no stream reads per field, no allocation per extension beyond the lists.

/** What JA3 and JA4 need of a ClientHello, values in wire order, GREASE included. */
export interface ClientHello {
  /** `legacy_version` (`client_version` before TLS 1.3), e.g. 0x0303. */
  legacyVersion: number
  ciphers: number[]
  /** Extension types, in wire order. */
  extensions: number[]
  /** `supported_groups` (0x000a), formerly elliptic_curves. */
  groups: number[]
  /** `ec_point_formats` (0x000b). */
  pointFormats: number[]
  /** `signature_algorithms` (0x000d). */
  signatureAlgorithms: number[]
  /** `supported_versions` (0x002b); empty when the extension is absent. */
  supportedVersions: number[]
  /** The first host_name of `server_name` (0x0000), or undefined. */
  serverName: string | undefined
  /** `application_layer_protocol_negotiation` (0x0010) protocol names, as bytes. */
  alpn: Buffer[]
}

/** A ClientHello that breaks its own length rules. */
export class ClientHelloError extends Error {
  override name = 'ClientHelloError'
}

function fail (message: string): never {
  throw new ClientHelloError(message)
}

/**
 * A cursor over [start, end) that refuses to read past `end`. `what` names the field in errors; a number is
 * an extension's type, made into a name only if the error happens (a hello has some twenty extensions).
 */
class Reader {
  constructor (private readonly data: Buffer, public offset: number, public readonly end: number, private readonly what: string | number) {}

  need (length: number): void {
    if (this.offset + length > this.end) {
      const what = typeof this.what === 'number' ? `extension ${this.what}` : this.what
      fail(`${what} ends ${this.offset + length - this.end} byte(s) early`)
    }
  }

  // Big-endian integers from the bytes themselves: Buffer's readUInt16BE and readUIntBE check their
  // arguments on every call, which was about half of the parse's time.
  u8 (): number {
    this.need(1)
    return this.data[this.offset++] as number
  }

  u16 (): number {
    this.need(2)
    const value = ((this.data[this.offset] as number) << 8) | (this.data[this.offset + 1] as number)
    this.offset += 2
    return value
  }

  u24 (): number {
    this.need(3)
    const value = ((this.data[this.offset] as number) << 16) | ((this.data[this.offset + 1] as number) << 8) | (this.data[this.offset + 2] as number)
    this.offset += 3
    return value
  }

  /** A sub-reader over the next `length` bytes, which this reader skips. */
  sub (length: number, what: string | number): Reader {
    this.need(length)
    const reader = new Reader(this.data, this.offset, this.offset + length, what)
    this.offset += length
    return reader
  }

  u16List (lengthBytes: 1 | 2, what: string): number[] {
    const length = lengthBytes === 1 ? this.u8() : this.u16()
    if (length % 2 !== 0) fail(`${what} has an odd length (${length})`)
    const list = this.sub(length, what)
    const values: number[] = []
    while (list.offset < list.end) values.push(list.u16())
    return values
  }
}

/**
 * Parses a ClientHello handshake message: type 1, a 3-byte length, then the body. A hello without an
 * extensions block (allowed before TLS 1.3) has empty lists. Throws ClientHelloError on a length that points
 * past the end of the message or on a message that is not a ClientHello.
 */
export function parseClientHello (handshake: Buffer): ClientHello {
  const message = new Reader(handshake, 0, handshake.length, 'the handshake message')
  if (message.u8() !== 1) fail(`handshake type ${handshake[0]} is not a ClientHello (1)`)
  const body = message.sub(message.u24(), 'the ClientHello')
  const legacyVersion = body.u16()
  body.sub(32, 'random')
  body.sub(body.u8(), 'legacy_session_id')
  const ciphers = body.u16List(2, 'cipher_suites')
  body.sub(body.u8(), 'legacy_compression_methods')
  const hello: ClientHello = {
    legacyVersion,
    ciphers,
    extensions: [],
    groups: [],
    pointFormats: [],
    signatureAlgorithms: [],
    supportedVersions: [],
    serverName: undefined,
    alpn: []
  }
  if (body.offset === body.end) return hello
  const extensions = body.sub(body.u16(), 'extensions')
  while (extensions.offset < extensions.end) {
    const type = extensions.u16()
    const data = extensions.sub(extensions.u16(), type)
    hello.extensions.push(type)
    switch (type) {
      case 0x0000: hello.serverName ??= readServerName(handshake, data); break
      case 0x000a: hello.groups = data.u16List(2, 'supported_groups'); break
      case 0x000b: {
        const list = data.sub(data.u8(), 'ec_point_formats')
        while (list.offset < list.end) hello.pointFormats.push(list.u8())
        break
      }
      case 0x000d: hello.signatureAlgorithms = data.u16List(2, 'signature_algorithms'); break
      case 0x0010: {
        const list = data.sub(data.u16(), 'application_layer_protocol_negotiation')
        while (list.offset < list.end) {
          const name = list.sub(list.u8(), 'a protocol name')
          hello.alpn.push(handshake.subarray(name.offset, name.end))
        }
        break
      }
      case 0x002b: hello.supportedVersions = data.u16List(1, 'supported_versions'); break
    }
  }
  return hello
}

function readServerName (handshake: Buffer, data: Reader): string | undefined {
  if (data.offset === data.end) return undefined // a server's empty echo; a client should not send it
  const list = data.sub(data.u16(), 'server_name_list')
  while (list.offset < list.end) {
    const nameType = list.u8()
    const name = list.sub(list.u16(), 'a server name')
    if (nameType === 0) return handshake.toString('latin1', name.offset, name.end)
  }
  return undefined
}

/** The outcome of looking at the first bytes of a connection. */
export type ClientHelloRead =
  | { state: 'complete', handshake: Buffer }
  | { state: 'incomplete' }
  | { state: 'not-tls' }
  | { state: 'invalid', reason: string }

// A TLSPlaintext fragment is at most 2^14 bytes (RFC 8446 §5.1).
const MAX_FRAGMENT = 16384

/**
 * Collects the ClientHello from the TLS records at the start of the bytes a connection sends: a hello may
 * be fragmented over several handshake records (RFC 8446 §5.1), which is a cheap evasion for readers of the
 * first record only. `maxBytes` bounds the handshake message. Give `read` everything received so far (the
 * same bytes, longer each time) while it says 'incomplete': it goes on from the last whole record it read,
 * so a hello that arrives in many small reads or records costs time in proportion to its length, not to
 * its length squared.
 */
export class ClientHelloReader {
  private offset = 0
  private readonly fragments: Buffer[] = []
  private collected = 0
  private needed = -1

  constructor (private readonly maxBytes: number) {}

  read (bytes: Buffer): ClientHelloRead {
    if (bytes.length === 0) return { state: 'incomplete' }
    // Content type 22 (handshake); anything else, an SSLv2-style hello included, is not a TLS ClientHello.
    if (bytes[0] !== 0x16) return { state: 'not-tls' }
    for (;;) {
      const offset = this.offset
      if (offset + 5 > bytes.length) return { state: 'incomplete' }
      if (bytes[offset] !== 0x16) return { state: 'invalid', reason: `record type ${bytes[offset]} inside the ClientHello` }
      if (bytes[offset + 1] !== 0x03) return offset === 0 ? { state: 'not-tls' } : { state: 'invalid', reason: 'record version is not 3.x' }
      const length = bytes.readUInt16BE(offset + 3)
      if (length === 0 || length > MAX_FRAGMENT) return { state: 'invalid', reason: `record length ${length}` }
      if (offset + 5 + length > bytes.length) return { state: 'incomplete' }
      this.fragments.push(bytes.subarray(offset + 5, offset + 5 + length))
      this.collected += length
      this.offset = offset + 5 + length
      if (this.needed === -1 && this.collected >= 4) {
        const head = this.fragments.length === 1 ? this.fragments[0] as Buffer : Buffer.concat(this.fragments)
        if (head[0] !== 1) return { state: 'invalid', reason: `handshake type ${head[0]} is not a ClientHello` }
        this.needed = 4 + head.readUIntBE(1, 3)
        if (this.needed > this.maxBytes) return { state: 'invalid', reason: `ClientHello of ${this.needed} bytes is over the ${this.maxBytes}-byte cap` }
      }
      if (this.needed !== -1 && this.collected >= this.needed) {
        const handshake = this.fragments.length === 1 ? this.fragments[0] as Buffer : Buffer.concat(this.fragments)
        return { state: 'complete', handshake: handshake.subarray(0, this.needed) }
      }
    }
  }
}

/** The ClientHello at the start of `bytes` (see ClientHelloReader). Pure: call it again with more bytes while it says 'incomplete'. */
export function readClientHello (bytes: Buffer, maxBytes: number): ClientHelloRead {
  return new ClientHelloReader(maxBytes).read(bytes)
}

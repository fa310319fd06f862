/**
 * HTTP/2 client fingerprint in the Akamai format (Shuster, Black Hat EU 2017): `S|WU|P|PS`.
 *
 * S, WU and P come from the frames a client sends before its first request (read by the connection
 * capture, see tls/capture.ts); PS comes from each request's pseudo-header order. Node's own API only
 * gives PS: `session.remoteSettings` is normalised, with defaults filled in and the wire order lost.
 */

/** RFC 9113 §3.4: every HTTP/2 connection opens with these 24 octets. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
/** RFC 9113 §4.1: 24-bit length, 8-bit type, 8-bit flags, 1 reserved bit + 31-bit stream identifier. */
const FRAME_HEADER_BYTES = 9

const PRIORITY = 0x2
const SETTINGS = 0x4
const WINDOW_UPDATE = 0x8
const ACK = 0x1

/** What a client's first frames say, as far as they have been read. */
export interface Http2Preface {
  /** `complete`: a frame other than SETTINGS, WINDOW_UPDATE or PRIORITY (normally the first HEADERS) arrived. */
  state: 'complete' | 'incomplete' | 'not-http2' | 'invalid'
  /** S: the first SETTINGS frame's `id:value` pairs in wire order, joined by `;` (`''` for an empty frame). */
  settings: string | undefined
  /** WU: the first connection-level WINDOW_UPDATE increment, or `'00'` when none came before the request. */
  windowUpdate: string
  /** P: PRIORITY frames as `stream:exclusive:dependsOn:weight`, weight 1–256, in wire order. */
  priorities: string[]
  /** Why the bytes are `invalid`. */
  reason?: string
}

/**
 * Reads the client connection preface and the frames after it from the start of the decrypted stream.
 * Give `read` everything received so far (the same bytes, longer each time) while it says 'incomplete': it
 * goes on from the last whole frame it read, so a client that trickles its frames costs time in proportion
 * to their length, not to its square.
 */
export class Http2PrefaceReader {
  private offset = 0
  private readonly preface: Omit<Http2Preface, 'state'> = { settings: undefined, windowUpdate: '00', priorities: [] }

  read (bytes: Buffer): Http2Preface {
    const result = this.preface
    if (this.offset === 0) {
      const prefix = Math.min(bytes.length, PREFACE.length)
      if (bytes.compare(PREFACE, 0, prefix, 0, prefix) !== 0) return this.end('not-http2')
      if (bytes.length < PREFACE.length) return this.end('incomplete')
      this.offset = PREFACE.length
    }
    while (this.offset + FRAME_HEADER_BYTES <= bytes.length) {
      const offset = this.offset
      const length = bytes.readUIntBE(offset, 3)
      const type = bytes[offset + 3]
      const flags = bytes[offset + 4] as number
      const stream = bytes.readUInt32BE(offset + 5) & 0x7fffffff
      const payload = offset + FRAME_HEADER_BYTES
      // §3.4: the client's preface ends with a SETTINGS frame; anything else first is a protocol error.
      if (result.settings === undefined && type !== SETTINGS) return this.end('invalid', 'the preface is not followed by a SETTINGS frame')
      if (type !== SETTINGS && type !== WINDOW_UPDATE && type !== PRIORITY) return this.end('complete')
      if (payload + length > bytes.length) break
      if (type === SETTINGS) {
        // §6.5: a length that is not a multiple of 6 is a FRAME_SIZE_ERROR.
        if (length % 6 !== 0 || stream !== 0) return this.end('invalid', 'malformed SETTINGS frame')
        if (result.settings === undefined && (flags & ACK) === 0) {
          const pairs: string[] = []
          for (let i = payload; i < payload + length; i += 6) pairs.push(`${bytes.readUInt16BE(i)}:${bytes.readUInt32BE(i + 2)}`)
          result.settings = pairs.join(';')
        }
      } else if (type === WINDOW_UPDATE) {
        if (length !== 4) return this.end('invalid', 'malformed WINDOW_UPDATE frame') // §6.9
        if (stream === 0 && result.windowUpdate === '00') result.windowUpdate = String(bytes.readUInt32BE(payload) & 0x7fffffff)
      } else {
        if (length !== 5 || stream === 0) return this.end('invalid', 'malformed PRIORITY frame') // §6.3
        const dependency = bytes.readUInt32BE(payload)
        result.priorities.push(`${stream}:${dependency >>> 31}:${dependency & 0x7fffffff}:${(bytes[payload + 4] as number) + 1}`)
      }
      this.offset = payload + length
    }
    return this.end('incomplete')
  }

  /** What was read so far; `priorities` is the reader's own list, which later reads extend. */
  private end (state: Http2Preface['state'], reason?: string): Http2Preface {
    const { settings, windowUpdate, priorities } = this.preface
    return reason === undefined ? { state, settings, windowUpdate, priorities } : { state, settings, windowUpdate, priorities, reason }
  }
}

/** The preface at the start of `bytes` (see Http2PrefaceReader). Pure: the same bytes give the same answer. */
export function readHttp2Preface (bytes: Buffer): Http2Preface {
  return new Http2PrefaceReader().read(bytes)
}

/** `S|WU|P`: the connection part of the Akamai fingerprint, from a preface with its SETTINGS frame. */
export function http2ConnectionFingerprint (preface: Http2Preface): string | undefined {
  if (preface.settings === undefined) return undefined
  const priorities = preface.priorities.length === 0 ? '0' : preface.priorities.join(',')
  return `${preface.settings}|${preface.windowUpdate}|${priorities}`
}

const PSEUDO_LETTERS: ReadonlyMap<string, string> = new Map([[':method', 'm'], [':authority', 'a'], [':scheme', 's'], [':path', 'p']])

/**
 * PS: the order of the four request pseudo-headers as sent, e.g. `m,a,s,p`. They precede every regular
 * header (RFC 9113 §8.3), so the scan stops at the first name without a colon. Others (`:protocol`) are
 * left out, as in the Akamai format.
 */
export function pseudoHeaderOrder (rawHeaders: readonly string[]): string {
  let order = ''
  for (let i = 0; i < rawHeaders.length && rawHeaders[i].charCodeAt(0) === 58; i += 2) {
    const letter = PSEUDO_LETTERS.get(rawHeaders[i])
    if (letter !== undefined) order += order === '' ? letter : ',' + letter
  }
  return order
}

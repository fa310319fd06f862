import type { Server, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { IncomingMessage } from 'node:http'
import type { Http2ServerRequest, Http2Session } from 'node:http2'
import { parseClientHello, ClientHelloReader, ClientHelloError } from './client-hello.js'
import { calculateJa3 } from './ja3.js'
import { calculateJa4 } from './ja4.js'
import { http2ConnectionFingerprint, Http2PrefaceReader, type Http2Preface } from '../http2.js'

/** What the ClientHello of a connection says about its client. */
interface HelloFingerprint {
  ssl: string
  sslh: string
  ja4: string
}

/** What the plugin knows of one TLS connection this server terminated. */
export interface TlsConnection {
  /** The JA3 string, when the ClientHello was captured. */
  ssl: string | undefined
  /** JA3: MD5 of the JA3 string. */
  sslh: string | undefined
  ja4: string | undefined
  /** SNI host name the client asked for, when it sent one. */
  sni: string | undefined
  /** ALPN protocol agreed on (`h2`, `http/1.1`), when the client offered ALPN. */
  alpn: string | undefined
  /** TLS version agreed on, as ECS writes it: `1.3`, `1.2`. */
  tlsVersion: string | undefined
  /** `S|WU|P`, the connection part of the HTTP/2 Akamai fingerprint, when the client's first frames were read. */
  h2: string | undefined
}

/** How long a read may wait for its bytes, and how many it may take. */
export interface ReadLimits {
  /** Milliseconds. */
  timeout: number
  /** Bytes. */
  maxBytes: number
}

export interface ConnectionCaptureOptions {
  /** Read each ClientHello before TLS (JA3, JA4); a client that does not send one in time is closed. */
  hello: ReadLimits | false
  /** Read the first decrypted HTTP/2 frames (SETTINGS, WINDOW_UPDATE, PRIORITY) before the session does. */
  h2: ReadLimits | false
}

/** What the capture reports, for counters and logs. */
export interface ConnectionCaptureEvents {
  /** A connection closed by the capture: stalled past the timeout, over the cap, or malformed. */
  refused: (reason: string) => void
  /** An HTTP/2 connection handed on without a fingerprint of its frames: too slow, too big, or malformed. */
  h2Unread: (reason: string) => void
}

// Per TLS socket for HTTP/1 requests; per HTTP/2 session for HTTP/2 ones, whose `socket` is a Proxy.
const byTlsSocket = new WeakMap<TLSSocket, TlsConnection>()
const bySession = new WeakMap<Http2Session, TlsConnection>()

/** The TLS connection a request came over, when this server terminated it and captured it. */
export function tlsConnectionOf (request: IncomingMessage | Http2ServerRequest): TlsConnection | undefined {
  const stream = (request as Http2ServerRequest).stream
  if (stream !== undefined) return stream.session === undefined ? undefined : bySession.get(stream.session)
  return byTlsSocket.get(request.socket as TLSSocket)
}

function helloFingerprintOf (handshake: Buffer): HelloFingerprint {
  const hello = parseClientHello(handshake)
  const { ja3, ja3Hash } = calculateJa3(hello)
  return { ssl: ja3, sslh: ja3Hash, ja4: calculateJa4(hello, 't') }
}

/** `TLSv1.3` → `1.3`, as ECS `tls.version` has it (with `tls.version_protocol: tls`). */
function versionOf (protocol: string | null): string | undefined {
  return protocol?.startsWith('TLSv') === true ? protocol.slice(4) : undefined
}

/**
 * Takes over a TLS server's (https, or http2 with TLS) `connection` and `secureConnection` listeners.
 *
 * With `hello`, the first bytes of each new connection are read before TLS sees them, JA3 and JA4 are
 * computed from the ClientHello, every byte is put back and the socket goes on to the server's own TLS
 * handling. Node's handshakeTimeout is not running while the capture waits, so it has its own timeout
 * and byte cap: a client that sends five bytes and stalls is closed. Bytes that are not TLS pass untouched.
 *
 * With `h2`, a connection that agreed on `h2` is held after its handshake until its preface and first
 * frames have arrived (or the limits are reached); the decrypted bytes are put back before the HTTP/2
 * session is created, which reads what the socket has buffered first.
 */
export function captureConnections (server: Server, options: ConnectionCaptureOptions, events: ConnectionCaptureEvents): void {
  // The TLS socket is a new object over the same connection, so the ClientHello's fingerprint waits here,
  // keyed by the connection's own socket, until the handshake is done. Node's TLS server gives each TLS
  // socket the socket it wraps as `_parent` (the tests check that every connection gets its fingerprint).
  // Keyed by the socket, an entry goes with it: no address to look up, no listener to clean up after it.
  const pending = new WeakMap<object, HelloFingerprint>()

  if (options.hello !== false) {
    const limits = options.hello
    const handlers = takeListeners(server, 'connection')
    server.on('connection', (socket: Socket) => {
      readClientHelloOf(socket, limits, {
        refused (reason) {
          events.refused(reason)
          socket.destroy()
        },
        read (bytes, fingerprint) {
          if (fingerprint !== undefined) pending.set(socket, fingerprint)
          socket.unshift(bytes)
          for (const handler of handlers) handler.call(server, socket)
        }
      })
    })
  }

  const secureHandlers = takeListeners(server, 'secureConnection')
  // `session` is emitted synchronously by the http2 server's own secureConnection listener, so the
  // connection being handed on is the one the new session runs over.
  let handingOn: TlsConnection | undefined
  server.on('session', (session: Http2Session) => {
    if (handingOn !== undefined) bySession.set(session, handingOn)
  })
  server.on('secureConnection', (tlsSocket: TLSSocket) => {
    const parent = (tlsSocket as TLSSocket & { _parent?: unknown })._parent
    const hello = typeof parent === 'object' && parent !== null ? pending.get(parent) : undefined
    const connection: TlsConnection = {
      ssl: hello?.ssl,
      sslh: hello?.sslh,
      ja4: hello?.ja4,
      sni: typeof tlsSocket.servername === 'string' ? tlsSocket.servername : undefined,
      alpn: typeof tlsSocket.alpnProtocol === 'string' ? tlsSocket.alpnProtocol : undefined,
      tlsVersion: versionOf(tlsSocket.getProtocol()),
      h2: undefined
    }
    byTlsSocket.set(tlsSocket, connection)
    const handOn = (): void => {
      handingOn = connection
      try {
        for (const handler of secureHandlers) handler.call(server, tlsSocket)
      } finally {
        handingOn = undefined
      }
    }
    if (options.h2 === false || connection.alpn !== 'h2') {
      handOn()
      return
    }
    readHttp2FramesOf(tlsSocket, options.h2, (bytes, preface, unread) => {
      connection.h2 = preface === undefined ? undefined : http2ConnectionFingerprint(preface)
      if (unread !== undefined) events.h2Unread(unread)
      if (bytes.length > 0) tlsSocket.unshift(bytes)
      handOn()
    })
  })
}

function takeListeners (server: Server, event: string): Array<(socket: Socket) => void> {
  const handlers = server.listeners(event) as Array<(socket: Socket) => void>
  server.removeAllListeners(event)
  return handlers
}

/** What to do with the bytes read so far: `undefined` to wait for more. */
type Verdict = (() => void) | undefined

/**
 * Reads a socket's first bytes until `examine` gives a verdict, then stops reading and pauses the socket
 * before acting on it, so that nothing more is consumed before the bytes are put back. When `timeout`
 * passes first, `onTimeout` gets what came.
 */
function collect (socket: Socket, timeout: number, examine: (bytes: Buffer) => Verdict, onTimeout: (bytes: Buffer) => void): void {
  // Everything read so far, in one buffer that doubles when full: copying all the earlier bytes on every
  // read would make a client that trickles its bytes in small segments cost their number squared.
  let received: Buffer = Buffer.alloc(0)
  let length = 0
  const stop = (): void => {
    clearTimeout(timer)
    socket.off('data', onData)
    socket.off('close', onClose)
    socket.pause()
  }
  const bytesSoFar = (): Buffer => received.subarray(0, length)
  const onData = (chunk: Buffer): void => {
    // Most hellos come whole in the first chunk: it is examined as it is, without a copy.
    if (length === 0) {
      received = chunk
      length = chunk.length
    } else {
      if (length + chunk.length > received.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * received.length, length + chunk.length, 2048))
        received.copy(grown, 0, 0, length)
        received = grown
      }
      chunk.copy(received, length)
      length += chunk.length
    }
    const verdict = examine(bytesSoFar())
    if (verdict === undefined) return
    stop()
    verdict()
  }
  const onClose = (): void => { clearTimeout(timer) }
  const timer = setTimeout(() => {
    stop()
    onTimeout(bytesSoFar())
  }, timeout)
  socket.on('data', onData)
  socket.on('close', onClose)
  socket.on('error', () => {}) // a reset while waiting; the socket closes and the timer is cleared
}

interface HelloOutcome {
  refused: (reason: string) => void
  /** Hands on `bytes` (all that was read); `fingerprint` is undefined for bytes that are not TLS. */
  read: (bytes: Buffer, fingerprint: HelloFingerprint | undefined) => void
}

function readClientHelloOf (socket: Socket, limits: ReadLimits, outcome: HelloOutcome): void {
  const reader = new ClientHelloReader(limits.maxBytes)
  collect(socket, limits.timeout, (bytes) => {
    const read = reader.read(bytes)
    if (read.state === 'incomplete') {
      // Record headers and fragmentation add a little to the hello itself; beyond that, stop reading.
      if (bytes.length <= limits.maxBytes + 4096) return undefined
      return () => outcome.refused(`no complete ClientHello in ${bytes.length} bytes`)
    }
    // The server answers bytes that are not TLS as it would without the capture.
    if (read.state === 'not-tls') return () => outcome.read(bytes, undefined)
    if (read.state === 'invalid') return () => outcome.refused(read.reason)
    let fingerprint: HelloFingerprint
    try {
      fingerprint = helloFingerprintOf(read.handshake)
    } catch (err) {
      if (!(err instanceof ClientHelloError)) throw err
      return () => outcome.refused(err.message)
    }
    return () => outcome.read(bytes, fingerprint)
  }, () => outcome.refused(`no complete ClientHello within ${limits.timeout} ms`))
}

/** Hands on the bytes read and the preface as far as it was read; `unread` says why it gave no fingerprint. */
type Http2Outcome = (bytes: Buffer, preface: Http2Preface | undefined, unread: string | undefined) => void

function readHttp2FramesOf (socket: TLSSocket, limits: ReadLimits, outcome: Http2Outcome): void {
  const reader = new Http2PrefaceReader()
  collect(socket, limits.timeout, (bytes) => {
    const preface = reader.read(bytes)
    if (preface.state === 'complete') return () => outcome(bytes, preface, undefined)
    if (preface.state !== 'incomplete') return () => outcome(bytes, undefined, preface.reason ?? 'not an HTTP/2 connection preface')
    if (bytes.length > limits.maxBytes) return () => outcome(bytes, preface, `no request within the first ${limits.maxBytes} bytes`)
    return undefined
  }, (bytes) => {
    // A client may open a connection ahead of its first request: what it sent so far is its fingerprint.
    const preface = reader.read(bytes)
    outcome(bytes, preface, preface.settings === undefined ? `no HTTP/2 SETTINGS frame within ${limits.timeout} ms` : undefined)
  })
}

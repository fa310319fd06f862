import type { Server } from 'node:net'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { parseClientHello, readClientHello, ClientHelloError } from './client-hello.js'
import { calculateJa3 } from './ja3.js'
import { calculateJa4 } from './ja4.js'
import { isGrease } from './grease.js'

/** What the ClientHello of a connection says about its client. */
export interface TlsClientFingerprint {
  /** The JA3 string. */
  ssl: string
  /** JA3: MD5 of the JA3 string. */
  sslh: string
  ja4: string
  /** SNI host name, when sent. */
  serverName: string | undefined
  /** ALPN protocols offered, in the client's order. */
  alpn: string[]
  /** Highest TLS version offered: supported_versions, else legacy_version, e.g. 0x0304. */
  version: number
}

export interface TlsCaptureOptions {
  /** Milliseconds a new connection has to send its whole ClientHello before it is closed. */
  timeout: number
  /** Largest ClientHello accepted, in bytes; a larger one closes the connection. */
  maxBytes: number
}

/** What the capture reports, for counters and logs. */
export interface TlsCaptureEvents {
  /** A connection closed by the capture: stalled past the timeout, over the cap, or malformed. */
  refused: (reason: string) => void
}

const captured = new WeakMap<TLSSocket, TlsClientFingerprint>()

/** The fingerprint of the TLS connection a request came over, if its ClientHello was captured. */
export function tlsFingerprintOf (socket: unknown): TlsClientFingerprint | undefined {
  return typeof socket === 'object' && socket !== null ? captured.get(socket as TLSSocket) : undefined
}

function fingerprintOf (handshake: Buffer): TlsClientFingerprint {
  const hello = parseClientHello(handshake)
  const { ja3, ja3Hash } = calculateJa3(hello)
  const offered = hello.supportedVersions.filter((v) => !isGrease(v))
  return {
    ssl: ja3,
    sslh: ja3Hash,
    ja4: calculateJa4(hello, 't'),
    serverName: hello.serverName,
    alpn: hello.alpn.map((name) => name.toString('latin1')),
    version: offered.length > 0 ? Math.max(...offered) : hello.legacyVersion
  }
}

/**
 * Reads the first bytes of each new connection of a TLS server (https, or http2 with TLS) before TLS sees
 * them, computes JA3 and JA4 from the ClientHello, puts every byte back and hands the socket on to the
 * server's own TLS handling. Node's handshakeTimeout is not running while the capture waits, so the
 * capture has its own timeout and byte cap: a client that sends five bytes and stalls is closed.
 * The fingerprint is found again by the TLS socket's address and port once its handshake is done (the
 * TLS socket is a new object over the same connection), then kept in a WeakMap keyed by that TLS socket.
 */
export function captureClientHellos (server: Server, options: TlsCaptureOptions, events: TlsCaptureEvents): void {
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>
  server.removeAllListeners('connection')
  const pending = new Map<string, TlsClientFingerprint>()
  const keyOf = (socket: Socket): string => `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`

  server.on('secureConnection', (tlsSocket: TLSSocket) => {
    const key = keyOf(tlsSocket)
    const fingerprint = pending.get(key)
    if (fingerprint === undefined) return
    pending.delete(key)
    captured.set(tlsSocket, fingerprint)
  })

  server.on('connection', (socket: Socket) => {
    const chunks: Buffer[] = []
    let length = 0
    const finish = (): void => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.pause()
    }
    const refuse = (reason: string): void => {
      finish()
      events.refused(reason)
      socket.destroy()
    }
    const handOn = (bytes: Buffer): void => {
      finish()
      socket.unshift(bytes)
      for (const handler of handlers) handler.call(server, socket)
    }
    const onClose = (): void => { clearTimeout(timer) }
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      length += chunk.length
      const bytes = chunks.length === 1 ? chunk : Buffer.concat(chunks, length)
      const read = readClientHello(bytes, options.maxBytes)
      if (read.state === 'incomplete') {
        // Record headers and fragmentation add a little to the hello itself; beyond that, stop reading.
        if (length > options.maxBytes + 4096) refuse(`no complete ClientHello in ${length} bytes`)
        return
      }
      // Bytes that are not TLS go on untouched: the server answers them as it would without the capture.
      if (read.state === 'not-tls') {
        handOn(bytes)
        return
      }
      if (read.state === 'invalid') {
        refuse(read.reason)
        return
      }
      let fingerprint: TlsClientFingerprint
      try {
        fingerprint = fingerprintOf(read.handshake)
      } catch (err) {
        if (!(err instanceof ClientHelloError)) throw err
        refuse(err.message)
        return
      }
      const key = keyOf(socket)
      pending.set(key, fingerprint)
      // A connection that never completes its handshake must not leave its entry behind.
      socket.once('close', () => { if (pending.get(key) === fingerprint) pending.delete(key) })
      handOn(bytes)
    }
    const timer = setTimeout(() => refuse(`no complete ClientHello within ${options.timeout} ms`), options.timeout)
    socket.on('data', onData)
    socket.on('close', onClose)
    socket.on('error', () => {}) // a reset while waiting; the socket closes and the timer is cleared
  })
}

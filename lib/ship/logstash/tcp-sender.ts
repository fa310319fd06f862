import * as net from 'node:net'
import * as tls from 'node:tls'
import type { ResolvedLogstashOptions } from './options.js'

/** What a sender tells the shipper about its connection. */
export interface SenderEvents {
  /** A connection was made after an earlier one failed or broke. */
  reconnected: () => void
  /** A connection that had carried records broke: records recently written may not have been read. */
  broken: (err: Error | undefined) => void
}

/** Delivers one batch at a time; send() resolves once the batch is delivered as far as the protocol tells. */
export interface Sender {
  send: (text: string) => Promise<void>
  close: () => void
}

/**
 * NDJSON over one TCP (or TLS) connection to a Logstash tcp input. A batch counts as sent once the socket
 * has handed it to the kernel: TCP has no acknowledgement a sender can see, which is why the shipper keeps
 * the last `replayBytes` for a broken connection.
 */
export class TcpSender implements Sender {
  private socket: net.Socket | undefined
  private connecting: Promise<net.Socket> | undefined
  private wrote = false
  private failedBefore = false
  private closed = false

  constructor (private readonly options: ResolvedLogstashOptions, private readonly events: SenderEvents) {}

  async send (text: string): Promise<void> {
    const socket = this.socket ?? await (this.connecting ??= this.connect())
    this.wrote = true
    await new Promise<void>((resolve, reject) => {
      socket.write(text, (err) => err ? reject(err) : resolve())
    })
  }

  close (): void {
    this.closed = true
    this.socket?.end()
  }

  private connect (): Promise<net.Socket> {
    const o = this.options
    return new Promise<net.Socket>((resolve, reject) => {
      const port = o.port as number
      const socket = o.tls
        ? tls.connect({ host: o.host, port, ca: o.ca, cert: o.cert, key: o.key, servername: o.servername ?? (net.isIP(o.host) === 0 ? o.host : undefined), rejectUnauthorized: o.rejectUnauthorized })
        : net.connect({ host: o.host, port })
      const timer = setTimeout(() => socket.destroy(new Error(`connection to ${o.host}:${port} timed out after ${o.connectTimeout} ms`)), o.connectTimeout)
      const failed = (err: Error): void => {
        clearTimeout(timer)
        this.connecting = undefined
        this.failedBefore = true
        reject(err)
      }
      socket.once('error', failed)
      socket.once(o.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.off('error', failed)
        socket.setNoDelay(true)
        if (o.keepAlive > 0) socket.setKeepAlive(true, o.keepAlive)
        // An open connection to Logstash must not keep a process alive that has nothing else to do.
        socket.unref()
        this.watch(socket)
        this.socket = socket
        this.connecting = undefined
        if (this.failedBefore) this.events.reconnected()
        this.failedBefore = false
        if (this.closed) socket.end()
        resolve(socket)
      })
    })
  }

  /** Logstash never writes back; whatever it sends is read and ignored so that it cannot fill a buffer. */
  private watch (socket: net.Socket): void {
    let error: Error | undefined
    socket.on('data', () => {})
    socket.on('error', (err) => { error = err })
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined
      if (this.closed) return
      this.failedBefore = true
      if (this.wrote) this.events.broken(error)
      this.wrote = false
    })
  }
}

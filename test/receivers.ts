import * as net from 'node:net'
import * as tls from 'node:tls'
import * as http from 'node:http'
import * as https from 'node:https'
import { once } from 'node:events'

/** A Logstash stand-in: it keeps every NDJSON line it receives, and can be stopped and started on its port. */
export interface Receiver {
  port: number
  lines: string[]
  /** Parsed records, in arrival order. */
  records: () => Array<Record<string, any>>
  /** Stops listening; `crash` resets open connections instead of letting them finish. */
  stop: (crash?: boolean) => Promise<void>
  start: () => Promise<void>
  /** Stops reading from open connections, as a receiver busy with back-pressure would; data piles up in the kernel. */
  pause: () => void
}

export interface TlsFiles { key: string, cert: string, ca?: string, requestCert?: boolean }

function collect (lines: string[]): (chunk: string) => void {
  let partial = ''
  return (chunk) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() as string
    for (const line of parts) lines.push(line)
  }
}

async function listen (server: net.Server, port: number): Promise<number> {
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as net.AddressInfo).port
}

/** A TCP (or TLS) listener for the Logstash tcp input's json_lines. */
export async function tcpReceiver (tlsFiles?: TlsFiles): Promise<Receiver> {
  const lines: string[] = []
  const sockets = new Set<net.Socket>()
  let server: net.Server
  const make = (): net.Server => {
    const onSocket = (socket: net.Socket): void => {
      sockets.add(socket)
      socket.setEncoding('utf8')
      socket.on('data', collect(lines))
      socket.on('error', () => {})
      socket.on('close', () => sockets.delete(socket))
    }
    return tlsFiles === undefined
      ? net.createServer(onSocket)
      : tls.createServer({ ...tlsFiles, rejectUnauthorized: tlsFiles.requestCert === true }, onSocket)
  }
  server = make()
  const receiver: Receiver = {
    port: await listen(server, 0),
    lines,
    records: () => lines.map((line) => JSON.parse(line)),
    async stop (crash = false) {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const socket of sockets) crash ? socket.resetAndDestroy() : socket.end()
      await closed
    },
    async start () {
      server = make()
      await listen(server, receiver.port)
    },
    pause () {
      for (const socket of sockets) socket.pause()
    }
  }
  return receiver
}

/** An HTTP listener for the Logstash http input; `status` is what it answers (200 by default). */
export async function httpReceiver (tlsFiles?: TlsFiles): Promise<Receiver & { url: string, status: number, posts: number }> {
  const lines: string[] = []
  let server: http.Server
  const make = (): http.Server => {
    const handler: http.RequestListener = (req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => { body += chunk })
      req.on('end', () => {
        receiver.posts++
        if (receiver.status >= 200 && receiver.status < 300) for (const line of body.split('\n')) if (line !== '') lines.push(line)
        res.writeHead(receiver.status).end()
      })
    }
    return tlsFiles === undefined ? http.createServer(handler) : https.createServer({ ...tlsFiles, rejectUnauthorized: tlsFiles.requestCert === true }, handler)
  }
  server = make()
  const port = await listen(server, 0)
  const receiver = {
    port,
    url: `${tlsFiles === undefined ? 'http' : 'https'}://127.0.0.1:${port}/`,
    status: 200,
    posts: 0,
    lines,
    records: () => lines.map((line) => JSON.parse(line)),
    async stop () {
      const closed = new Promise((resolve) => server.close(resolve))
      server.closeAllConnections()
      await closed
    },
    async start () {
      server = make()
      await listen(server, port)
    },
    pause () {}
  }
  return receiver
}

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis, type RedisOptions } from 'ioredis'

/** The Debian package's binary; tests that need Redis skip with a message when it is absent. */
export const REDIS_SERVER = '/usr/bin/redis-server'

/** Whether `redis-server` is installed (`.ci/run` installs it). */
export const redisAvailable = existsSync(REDIS_SERVER)

/** A redis-server of a test's own, on loopback. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** Kills the server (SIGKILL: clients see the connection drop as in a crash) and waits for its exit. */
  stop (): Promise<void>
  /**
   * Starts it again on the same port and waits until it answers PING. Nothing is saved on its own: the data
   * is the last snapshot a client asked for with SAVE, as after a crash of a server with RDB persistence.
   */
  restart (): Promise<void>
  /** SIGSTOP: connections stay open and nothing is answered (a hung server). */
  pause (): void
  /** SIGCONT after `pause()`. */
  resume (): void
}

/** A port nobody listens on now: the kernel's choice for port 0, released at once. */
async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no TCP address for port 0')
  return address.port
}

/** Resolves once a server on `port` answers PING with PONG (RESP inline command), rejects after `ms`. */
async function waitForPing (port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      let text = ''
      socket.setTimeout(200, () => socket.destroy())
      socket.on('connect', () => socket.write('PING\r\n'))
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1')
        if (text.includes('\r\n')) {
          socket.destroy()
          resolve(text.startsWith('+PONG'))
        }
      })
      socket.on('error', () => resolve(false))
      socket.on('close', () => resolve(false))
    })
    if (answered) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Starts `redis-server` on a free loopback port with automatic persistence off, in a temporary directory.
 * The server is killed and its directory removed by `teardown` (give it `t.teardown` of the test that owns
 * the server), and the server is killed when this process exits.
 */
export async function startRedis (teardown: (fn: () => Promise<void>) => unknown): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'redis-'))
  let child: ChildProcess | undefined

  const kill = (): void => { child?.kill('SIGKILL') }
  process.once('exit', kill)

  async function start (): Promise<void> {
    const started = spawn(REDIS_SERVER, [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning',
      '--dir', dir
    ], { stdio: ['ignore', 'ignore', 'inherit'] })
    child = started
    started.once('exit', () => { if (child === started) child = undefined })
    await waitForPing(port, 5000)
  }

  async function stop (): Promise<void> {
    const running = child
    if (running === undefined) return
    const exited = once(running, 'exit')
    running.kill('SIGKILL')
    await exited
  }

  teardown(async () => {
    child?.kill('SIGCONT')
    await stop()
    process.removeListener('exit', kill)
    rmSync(dir, { recursive: true, force: true })
  })
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart () {
      await stop()
      await start()
    },
    pause () { child?.kill('SIGSTOP') },
    resume () { child?.kill('SIGCONT') }
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Ms until `predicate` holds, polled every ms; throws past `ms` (a protocol deadline such as the 1 s). */
export async function within (ms: number, predicate: () => boolean): Promise<number> {
  const start = performance.now()
  while (!predicate()) {
    if (performance.now() - start > ms) throw new Error(`condition not met within ${ms} ms`)
    await sleep(1)
  }
  return performance.now() - start
}

/** A promise that rejects when it does not settle within `ms`, so that a test ends. */
export async function settled<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms) })
  return await Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

/** A user's ioredis client: one retry per command, quick reconnections, closed when `t` ends. */
export function redisClient (t: { teardown: (fn: () => unknown) => unknown }, server: RedisServer, options: RedisOptions = {}): Redis {
  const redis = new Redis({
    host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1, retryStrategy: () => 20, ...options
  })
  // Connection errors while a test has stopped the server are expected: tests watch `status` instead.
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  return redis
}

/** `INFO commandstats` as command → calls (INFO itself left out), counted since the last CONFIG RESETSTAT. */
export async function commandCounts (admin: Redis): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const [, name, calls] of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts[name as string] = Number(calls)
  }
  delete counts.info
  return counts
}

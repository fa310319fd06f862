import * as http from 'node:http'
import * as https from 'node:https'
import type { ResolvedLogstashOptions } from './options.js'
import type { Sender, SenderEvents } from './tcp-sender.js'

/**
 * Batches POSTed to a Logstash http input (`content-type: application/x-ndjson`). Logstash answers 200 once
 * the batch is in its pipeline's queue: that answer, and only a 2xx, makes the batch delivered.
 */
export class HttpSender implements Sender {
  private readonly agent: http.Agent
  private readonly request: typeof http.request
  private failedBefore = false

  constructor (private readonly options: ResolvedLogstashOptions, private readonly events: SenderEvents) {
    const o = options
    const secure = (o.url as URL).protocol === 'https:'
    this.request = secure ? https.request : http.request
    this.agent = secure
      ? new https.Agent({ keepAlive: o.keepAlive > 0, keepAliveMsecs: o.keepAlive || 1000, maxSockets: 1, ca: o.ca, cert: o.cert, key: o.key, servername: o.servername, rejectUnauthorized: o.rejectUnauthorized })
      : new http.Agent({ keepAlive: o.keepAlive > 0, keepAliveMsecs: o.keepAlive || 1000, maxSockets: 1 })
  }

  async send (text: string): Promise<void> {
    const body = Buffer.from(text)
    const o = this.options
    try {
      await new Promise<void>((resolve, reject) => {
        const req = this.request(o.url as URL, {
          method: 'POST',
          agent: this.agent,
          headers: { ...o.headers, 'content-type': 'application/x-ndjson', 'content-length': body.length },
          timeout: o.requestTimeout
        }, (res) => {
          res.resume()
          res.once('error', reject)
          res.once('end', () => {
            const status = res.statusCode ?? 0
            if (status >= 200 && status < 300) resolve()
            else reject(new Error(`${o.url?.origin} answered ${status} ${res.statusMessage ?? ''}`.trimEnd()))
          })
        })
        req.once('timeout', () => req.destroy(new Error(`no answer from ${o.url?.origin} within ${o.requestTimeout} ms`)))
        req.once('error', reject)
        req.end(body)
      })
    } catch (err) {
      this.failedBefore = true
      throw err
    }
    if (this.failedBefore) this.events.reconnected()
    this.failedBefore = false
  }

  close (): void {
    this.agent.destroy()
  }
}

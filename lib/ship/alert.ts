import { isIP } from 'node:net'
import type { Alert } from '../detect/behaviour/index.js'
import { ECS_VERSION } from './record.js'

/** What an alert record keeps, as the access records do. */
export interface AlertSettings {
  shape: 'ecs' | 'flat'
  serviceName: string
  maskIp: (address: string) => string | undefined
  /** Query strings stay out of the evidence unless the records carry them too. */
  logQuery: boolean
}

/** Builds the object logged for one alert. */
export type AlertRecordBuilder = (alert: Alert) => Record<string, unknown>

/**
 * An alert's source as the records write addresses: an IPv4 address or IPv6 /64 goes through the `ip`
 * privacy option; the host of a `distributed-attack` alert is no address and stays.
 */
function maskedSource (alert: Alert, mask: AlertSettings['maskIp']): string | undefined {
  if (alert.scenario === 'distributed-attack') return alert.source
  const slash = alert.source.indexOf('/')
  const address = slash === -1 ? alert.source : alert.source.slice(0, slash)
  if (isIP(address) === 0) return mask(alert.source)
  const masked = mask(address)
  return masked === address ? alert.source : masked
}

function evidenceOf (alert: Alert, logQuery: boolean): Array<Record<string, unknown>> {
  return alert.evidence.map((e) => {
    const q = logQuery ? -1 : e.url.indexOf('?')
    return { reqId: e.reqId, time: new Date(e.time).toISOString(), method: e.method, url: q === -1 ? e.url : e.url.slice(0, q), status: e.status, rules: e.rules }
  })
}

/**
 * One record per alert, beside the access records: ECS `event.kind: alert` with the scenario as
 * `event.action` and `rule.name`, the details under `request_info.alert`; or flat, under `alert`.
 */
export function createAlertRecord (settings: AlertSettings): AlertRecordBuilder {
  return (alert) => {
    const source = maskedSource(alert, settings.maskIp)
    const details = {
      scenario: alert.scenario,
      source,
      host: alert.host,
      count: alert.count,
      first: new Date(alert.first).toISOString(),
      last: new Date(alert.last).toISOString(),
      summary: alert.summary,
      evidence: evidenceOf(alert, settings.logQuery)
    }
    if (settings.shape === 'flat') return { serviceName: settings.serviceName, alert: details }
    const address = source?.split('/')[0]
    return {
      ecs: { version: ECS_VERSION },
      event: {
        kind: 'alert',
        category: ['intrusion_detection'],
        type: ['info'],
        action: alert.scenario,
        dataset: `${settings.serviceName}.alert`,
        start: details.first,
        end: details.last
      },
      service: { name: settings.serviceName },
      rule: { name: alert.scenario, description: alert.summary },
      ...(alert.scenario === 'distributed-attack' || address === undefined
        ? {}
        : isIP(address) !== 0 ? { source: { ip: address } } : { source: { address } }),
      request_info: { alert: details }
    }
  }
}

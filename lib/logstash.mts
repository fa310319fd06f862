// The ES module entry of the transport re-exports the CommonJS build, as the plugin's entry does.
import logstashTransport from './logstash.js'

export default logstashTransport
export const createLogstashStream = logstashTransport.createLogstashStream
export const COUNTERS_EVENT = logstashTransport.COUNTERS_EVENT
export type { LogstashOptions, LogstashCounters, Shipper } from './logstash.js'

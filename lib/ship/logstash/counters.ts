// Shared by the transport and the plugin, which reads the counters without loading the transport itself.

/** What the transport has done so far; `queuedBytes` and `spooledBytes` are what it holds now. */
export interface LogstashCounters {
  /** Records delivered: acknowledged by a 2xx (http) or handed to the kernel (tcp). */
  delivered: number
  /** Records sent again after a failed POST or a broken connection. */
  retried: number
  /** Records given up: queue or spool full, or still undelivered at close without a spool. */
  dropped: number
  /** Bytes of records waiting for delivery: memory queue, spool, the batch in flight, records to send again. */
  queuedBytes: number
  /** Bytes of records in the spool. */
  spooledBytes: number
  /** Connections made (tcp) or deliveries that succeeded (http) after a failure. */
  reconnects: number
}

/** Event emitted with a LogstashCounters object, every second while records flow and on close. */
export const COUNTERS_EVENT = 'logstash-counters'

import { subscribe } from 'node:diagnostics_channel'
import { threadId } from 'node:worker_threads'
import type { ChildProcess } from 'node:child_process'
import type { ProcessWatchHub } from './hub.js'

let listening = false

/**
 * The backstop for code that took a `child_process` function before the wrappers were installed: Node
 * publishes every new ChildProcess on the `child_process` channel (Node >= 16.18), from its constructor, so
 * before the command is known and never for the sync variants. The child is judged once it has started, by
 * its `spawnfile` and `spawnargs`; in block mode it is killed then. Spawns a wrapper handles are skipped.
 */
export function watchChildProcessChannel (hub: ProcessWatchHub): void {
  if (listening) return
  listening = true
  subscribe('child_process', (message) => {
    if (hub.inside) return
    const child = (message as { process?: ChildProcess }).process
    if (child === undefined || typeof child.once !== 'function') return
    // Published in the async context of the caller; the 'spawn' event is emitted on a tick queued from it.
    const context = hub.requests.getStore()
    child.once('spawn', () => {
      const args = child.spawnargs.slice(1)
      hub.seen({
        call: { api: 'unknown', file: child.spawnfile, args, shell: undefined, command: [child.spawnfile, ...args].join(' ') },
        source: 'diagnostics',
        time: Date.now(),
        thread: threadId,
        pid: child.pid,
        context,
        blocked: false,
        killed: false
      }, () => child.kill('SIGKILL'))
    })
  })
}

// The preload entry: `node --require fastify-request-info/process-watch app.js` (or `--import`). Loaded before
// the application, it wraps the child_process functions before any code takes them, in the main thread and
// in every worker thread (which inherit the flag). The plugin's `processWatch` option judges what it sees;
// spawns before the plugin registers are kept (up to 100) and judged when it does.
import { isMainThread } from 'node:worker_threads'
import { processWatchHub } from './watch/hub.js'
import { wrapChildProcess } from './watch/wrap.js'
import { watchChildProcessChannel } from './watch/diagnostics.js'
import { forwardToMainThread } from './watch/worker-link.js'

const hub = processWatchHub()
wrapChildProcess(hub)
watchChildProcessChannel(hub)
if (!isMainThread) forwardToMainThread(hub)

export { ProcessBlockedError } from './watch/hub.js'

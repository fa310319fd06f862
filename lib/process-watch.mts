// The ES module form of the preload entry, for `node --import fastify-request-info/process-watch`: it loads
// the CommonJS build, so that the preload and the plugin share one watch.
import processWatch from './process-watch.js'

export const ProcessBlockedError = processWatch.ProcessBlockedError

'use strict'

// The names of the server configurations in bench/server.js, for the benchmarks that start them.

/** Measured by npm run bench. */
const DEFAULT_CONFIGURATIONS = ['bare', 'fastify-logging', 'plugin', 'plugin-no-detect', 'plugin-respond', 'plugin-devnull']

/**
 * Also known: the process watch against the plugin without it (npm run bench:watch), and bare Fastify with a
 * request context (what AsyncLocalStorage costs by itself).
 */
const CONFIGURATION_NAMES = [...DEFAULT_CONFIGURATIONS, 'plugin-watch', 'plugin-watch-context', 'plugin-watch-poller', 'bare-context']

module.exports = { DEFAULT_CONFIGURATIONS, CONFIGURATION_NAMES }

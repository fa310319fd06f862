import { createRequire, syncBuiltinESMExports } from 'node:module'
import { promisify } from 'node:util'
import type { ProcessWatchHub } from './hub.js'
import type { SpawnApi } from './types.js'

// Every function of `child_process` that starts a process; the others (ChildProcess, _forkChild) do not.
const WRAPPED: ReadonlyArray<Exclude<SpawnApi, 'unknown'>> = ['spawn', 'exec', 'execFile', 'fork', 'spawnSync', 'execSync', 'execFileSync']

const kOriginal = Symbol.for('fastify-request-info.process-watch.original')

type Wrapped = ((...args: unknown[]) => unknown) & { [kOriginal]?: (...args: unknown[]) => unknown }

/**
 * Replaces the `child_process` functions that start processes with ones that ask `hub` first, and updates
 * the named exports ES modules see (`import { exec } from 'node:child_process'`). Code that took a function
 * before this ran keeps the original: hence the preload entry. Idempotent.
 */
export function wrapChildProcess (hub: ProcessWatchHub): void {
  // The module object itself, as `require` returns it: the ES module namespace cannot be assigned to.
  const childProcess = createRequire(__filename)('node:child_process') as Record<string, Wrapped>
  for (const api of WRAPPED) {
    const original = childProcess[api]
    if (typeof original !== 'function' || original[kOriginal] !== undefined) continue
    const wrapped: Wrapped = {
      // The method syntax keeps the function's own name, which stack traces and tools show.
      [api] (this: unknown, ...args: unknown[]): unknown {
        return hub.wrapCall(api, args, original, this)
      }
    }[api]
    Object.defineProperty(wrapped, 'length', { value: original.length })
    wrapped[kOriginal] = original
    // util.promisify(exec) and (execFile) use Node's own promise version, which calls the original: judged too.
    const promised = (original as unknown as Record<symbol, unknown>)[promisify.custom]
    if (typeof promised === 'function') {
      Object.defineProperty(wrapped, promisify.custom, {
        value: function (this: unknown, ...args: unknown[]): unknown {
          return hub.wrapCall(api, args, promised as (...args: unknown[]) => unknown, this)
        }
      })
    }
    childProcess[api] = wrapped
  }
  syncBuiltinESMExports()
}

'use strict'

// Starting the benchmarks' child processes, pinning them to CPUs, talking to them over IPC, and the CPU time
// the whole machine used.

const fs = require('node:fs')
const { spawn, execFileSync } = require('node:child_process')
const { once } = require('node:events')
const path = require('node:path')

/** Expands a Linux CPU list such as '0-3,6' into numbers. */
function parseCpuList (list) {
  return list.split(',').flatMap((part) => {
    const [first, last = first] = part.split('-').map(Number)
    return Array.from({ length: last - first + 1 }, (_, i) => first + i)
  })
}

/**
 * Gives the servers a CPU of their own and keeps this process (autocannon) and the sink on the others,
 * so that load generation does not steal the server's time and the server's throughput is that of one
 * core. Returns { server, others } as taskset CPU lists, or undefined when pinning is impossible
 * (no taskset, a single CPU), in which case everything shares all CPUs.
 */
function pinCpus () {
  let allowed
  try {
    const shown = execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' })
    allowed = parseCpuList(shown.slice(shown.lastIndexOf(':') + 1).trim())
  } catch {
    return undefined
  }
  if (allowed.length < 2) return undefined
  const server = String(allowed[allowed.length - 1])
  const others = allowed.slice(0, -1).join(',')
  // -a: every thread of this process; the threads and children it starts later inherit the mask.
  execFileSync('taskset', ['-a', '-c', '-p', others, String(process.pid)], { stdio: 'ignore' })
  return { server, others }
}

/** A child process running bench/<file>, optionally pinned, with a promise-based request/reply over IPC. */
class Child {
  /**
   * `wrapper`: a command the child runs under, such as valgrind with its options; `nodeFlags`: node's own;
   * `cwd`: where files the child writes by name end up (V8's logs).
   */
  constructor (name, file, args, cpus, { wrapper = [], nodeFlags = [], cwd = undefined } = {}) {
    const node = [...wrapper, process.execPath, ...nodeFlags, path.join(__dirname, file), ...args]
    const [command, ...rest] = cpus === undefined ? node : ['taskset', '-c', cpus, ...node]
    this.name = name
    this.process = spawn(command, rest, { cwd, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.exited = once(this.process, 'exit')
  }

  /** The next message from the child; rejects if the child exits first. */
  reply () {
    return new Promise((resolve, reject) => {
      const onMessage = (message) => {
        this.process.off('exit', onExit)
        resolve(message)
      }
      const onExit = (code, signal) => {
        this.process.off('message', onMessage)
        reject(new Error(`${this.name} exited (${signal ?? `code ${code}`}) while an answer was awaited`))
      }
      this.process.once('message', onMessage)
      this.process.once('exit', onExit)
    })
  }

  ask (message) {
    const reply = this.reply()
    this.process.send(message)
    return reply
  }

  /** Disconnecting is the children's signal to finish; waits for the child to exit. */
  async close () {
    if (this.process.connected) this.process.disconnect()
    await this.exited
  }
}

/**
 * CPU time used so far on the whole machine, in µs, from the busy columns of /proc/stat (in USER_HZ ticks,
 * 100 per second on Linux). softirq is included because getrusage charges it to the processes (it is where
 * loopback TCP is handled), steal because time the hypervisor gives elsewhere is lost to the server too.
 * NaN where there is no /proc/stat.
 */
function machineBusyMicros () {
  let stat
  try {
    stat = fs.readFileSync('/proc/stat', 'latin1')
  } catch {
    return NaN
  }
  const [user, nice, system, , , irq, softirq, steal] = stat.slice(4, stat.indexOf('\n')).trim().split(/\s+/).map(Number)
  return (user + nice + system + irq + softirq + steal) * 10_000
}

module.exports = { pinCpus, Child, machineBusyMicros }

'use strict'

// The log sink, standing in for Logstash: a TCP listener that only counts the bytes and lines it receives.
// It runs in its own process so its work is charged neither to a server nor to the load generator.
// IPC: it sends { port } once listening, and answers every message with the lines, bytes and its own CPU
// time so far.

const net = require('node:net')

let lines = 0
let bytes = 0

const server = net.createServer((socket) => {
  socket.on('data', (chunk) => {
    bytes += chunk.length
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
  })
  // A server that dies resets its connection; the run reports the server's failure, the sink carries on.
  socket.on('error', (err) => console.error(`sink: ${err.message}`))
})

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))

process.on('message', () => {
  // Data that became readable together with the question is counted first (poll callbacks run before
  // setImmediate), so a count asked for right after a server flushed its logger includes those lines.
  setImmediate(() => {
    const cpu = process.cpuUsage()
    process.send({ lines, bytes, cpuMicros: cpu.user + cpu.system })
  })
})

// The parent is done: stop listening; the process exits once the servers' transports have hung up.
process.on('disconnect', () => server.close())

'use strict'

// A pino transport target: `pino.transport({ target: <this file>, options: { port } })` runs it in a worker
// thread and writes each chunk of log lines to the stream it returns. A TCP socket already is such a stream:
// - no line is dropped: write() returning false makes the worker wait for 'drain' before reading more;
// - it ends cleanly: on end() the socket sends FIN once everything is written, the sink answers with its
//   own FIN, and the resulting 'close' is what lets the worker (and the server's logger.end()) finish.

const net = require('node:net')
const { once } = require('node:events')

module.exports = async function tcpTransport ({ port, host = '127.0.0.1' }) {
  const socket = net.connect({ port, host })
  // Waiting here makes a missing sink fail the transport at start-up rather than at the first line.
  await once(socket, 'connect')
  // Without Nagle every batch leaves at once, so after a logger flush the sink's count is up to date.
  socket.setNoDelay(true)
  return socket
}

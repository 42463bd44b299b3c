// Port choice for the stack: the configured port when it is free, otherwise (or for 0) a free one,
// so a machine where another tool holds 1883 or 8086 still runs the stack.
import { createServer } from 'node:net'

function tryListen (port: number, host: string): Promise<number | null> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(null))
    server.listen(port, host, () => {
      const address = server.address()
      const chosen = typeof address === 'object' && address !== null ? address.port : null
      server.close(() => resolve(chosen))
    })
  })
}

export async function pickPort (preferred: number, host = '127.0.0.1', taken: Set<number> = new Set()): Promise<number> {
  if (preferred > 0 && !taken.has(preferred)) {
    const port = await tryListen(preferred, host)
    if (port !== null) { taken.add(port); return port }
  }
  for (;;) {
    const port = await tryListen(0, host)
    if (port !== null && !taken.has(port)) { taken.add(port); return port }
  }
}

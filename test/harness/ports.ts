// Free TCP ports on loopback for real servers started by tests (ARCHITECTURE §10: port 0, never
// fixed ports). The port is released before it is returned, so a caller that binds it later can
// still lose a race with another process: harnesses retry their start once on "address in use".
import { createServer } from 'node:net'

/** Asks the kernel for an unused port on 127.0.0.1 (the port 0 trick) and releases it. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('could not read the port of a listening socket'))
        return
      }
      server.close(() => resolve(address.port))
    })
  })
}

/** Several distinct free ports at once (held together, so they cannot repeat). */
export async function freePorts (count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(server))
  })))
  const ports = servers.map(s => (s.address() as { port: number }).port)
  await Promise.all(servers.map(s => new Promise<void>(resolve => s.close(() => resolve()))))
  return ports
}

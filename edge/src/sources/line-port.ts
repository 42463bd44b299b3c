// A serial port read line by line (CR LF or LF), reopened after a delay when it fails or closes:
// what the streaming sources (nmea0183, serial-line) share. The source decides what a line means.
import { SerialPort } from 'serialport'

export interface LinePortOptions {
  path: string
  baudRate: number
  reopenMs: number
  /** A partial line longer than this is dropped (and reported through onOverlong). */
  maxLine: number
  onLine: (line: string) => void
  onOverlong: () => void
  /** The port could not be opened or closed on its own; it is reopened after reopenMs. */
  onPortError: (err: Error) => void
}

export interface LinePort {
  start: () => void
  stop: () => Promise<void>
}

export function createLinePort (options: LinePortOptions): LinePort {
  let port: SerialPort | undefined
  let stopped = true
  let timer: NodeJS.Timeout | undefined

  function open (): void {
    if (stopped) return
    let partial = ''
    const p = new SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false })
    const retry = (err: Error): void => {
      options.onPortError(err)
      if (port === p) port = undefined
      if (!stopped) timer = setTimeout(open, options.reopenMs)
    }
    p.open(err => {
      if (err != null) { retry(err); return }
      port = p
      p.on('data', (chunk: Buffer) => {
        partial += chunk.toString('latin1')
        let nl: number
        while ((nl = partial.indexOf('\n')) >= 0) {
          options.onLine(partial.slice(0, nl))
          partial = partial.slice(nl + 1)
        }
        if (partial.length > options.maxLine) { options.onOverlong(); partial = '' }
      })
      p.on('close', (closeErr: Error | null) => { if (!stopped) retry(closeErr ?? new Error('port closed')) })
      p.on('error', () => {})
    })
  }

  return {
    start () { stopped = false; open() },
    async stop () {
      stopped = true
      clearTimeout(timer)
      const p = port
      port = undefined
      if (p?.isOpen === true) await new Promise<void>(resolve => p.close(() => resolve()))
    }
  }
}

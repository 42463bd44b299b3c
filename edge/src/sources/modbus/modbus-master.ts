// Modbus RTU master over one serial port (spec/modbus-sensors.md §2). One request at a time; each
// request has its own timeout and retries. Faults are reported per slave address to `onFault`
// (timeout, crc, frame, exception) and the request rejects with a coded error after the last try.
import { SerialPort } from 'serialport'
import { appendModbusCrc, checkModbusCrc } from '@shennong/core/codecs/modbus-crc.ts'
import { ShennongError } from '@shennong/core/errors.ts'

export interface ModbusMasterOptions {
  path: string
  baudRate: number
  dataBits: 7 | 8
  parity: 'none' | 'even' | 'odd'
  stopBits: 1 | 2
  timeoutMs: number
  retries: number
  onFault: (address: number, what: 'timeout' | 'crc' | 'frame' | 'exception' | 'port', err: Error) => void
}

export interface ModbusMaster {
  readRegisters: (address: number, fn: 3 | 4, start: number, count: number) => Promise<number[]>
  writeCoil: (address: number, register: number, on: boolean) => Promise<void>
  writeRegister: (address: number, register: number, value: number) => Promise<void>
  writeRegisters: (address: number, start: number, values: number[]) => Promise<void>
  close: () => Promise<void>
}

/** Modbus over Serial Line V1.02 §2.5.1.1: t3.5 = 3.5 characters of 11 bits; fixed 1.75 ms above 19200 baud. */
export function interFrameMs (baudRate: number): number {
  return baudRate > 19200 ? 1.75 : (3.5 * 11 * 1000) / baudRate
}

export const EXCEPTIONS: Record<number, string> = {
  1: 'illegal function', 2: 'illegal data address', 3: 'illegal data value', 4: 'server device failure', 5: 'acknowledge', 6: 'server busy'
}

interface Pending {
  address: number
  fn: number
  /** Expected length of a normal reply, or a function of the bytes seen (reads carry a byte count). */
  expect: (rx: Buffer, at: number) => number
  resolve: (frame: Buffer) => void
  fail: (what: 'crc' | 'frame' | 'exception', err: Error) => void
}

export function createModbusMaster (options: ModbusMasterOptions): ModbusMaster {
  const gapMs = Math.ceil(interFrameMs(options.baudRate))
  let port: SerialPort | undefined
  let opening: Promise<SerialPort> | undefined
  let rx: Buffer = Buffer.alloc(0)
  let lastActivity = 0
  let pending: Pending | undefined
  let chain: Promise<unknown> = Promise.resolve()
  let closed = false

  function onData (chunk: Buffer): void {
    lastActivity = performance.now()
    rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk])
    if (pending !== undefined) scan(pending)
  }

  /** Looks for the reply in rx: tolerates garbage before it; a damaged reply at the start is a CRC fault. */
  function scan (p: Pending): void {
    for (let i = 0; i < rx.length; i++) {
      if (rx[i] !== p.address) continue
      if (i + 1 >= rx.length) return
      const f = rx[i + 1]
      let len: number
      if (f === (p.fn | 0x80)) len = 5
      else if (f === p.fn) {
        if (i + 2 >= rx.length) return
        len = p.expect(rx, i)
      } else continue
      if (rx.length - i < len) return
      const frame = rx.subarray(i, i + len)
      if (checkModbusCrc(frame)) {
        rx = Buffer.alloc(0)
        if (f === (p.fn | 0x80)) {
          const code = frame[2]
          p.fail('exception', new ShennongError('ERR_MODBUS_EXCEPTION', `slave ${p.address} answered function ${p.fn} with exception ${code} (${EXCEPTIONS[code] ?? 'unknown'})`, { details: { exception: code } }))
        } else p.resolve(Buffer.from(frame))
        return
      }
      if (i === 0) {
        rx = Buffer.alloc(0)
        p.fail('crc', new ShennongError('ERR_MODBUS_CRC', `reply from slave ${p.address} failed its CRC`))
        return
      }
    }
  }

  async function openPort (): Promise<SerialPort> {
    if (port?.isOpen === true) return port
    opening ??= new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path: options.path, baudRate: options.baudRate, dataBits: options.dataBits, parity: options.parity, stopBits: options.stopBits, autoOpen: false })
      p.open(err => {
        opening = undefined
        if (err != null) { reject(new ShennongError('ERR_MODBUS_PORT', `cannot open ${options.path}: ${err.message}`, { cause: err })); return }
        p.on('data', onData)
        p.on('close', () => { if (port === p) port = undefined })
        p.on('error', () => { /* the next request reopens */ })
        port = p
        resolve(p)
      })
    })
    return await opening
  }

  function sleep (ms: number): Promise<void> { return new Promise(resolve => setTimeout(resolve, ms)) }

  async function once (pdu: Buffer, address: number, expect: Pending['expect']): Promise<Buffer> {
    const p = await openPort()
    // Bus idle for t3.5 before a new frame; whatever arrived meanwhile is stray and discarded.
    const idle = performance.now() - lastActivity
    if (idle < gapMs) await sleep(gapMs - idle)
    rx = Buffer.alloc(0)
    const frame = Buffer.from(appendModbusCrc(Buffer.concat([Buffer.from([address]), pdu])))
    return await new Promise<Buffer>((resolve, reject) => {
      let settled = false
      const finish = (): void => { settled = true; clearTimeout(timer); pending = undefined; lastActivity = performance.now() }
      const timer = setTimeout(() => {
        if (settled) return
        finish()
        // Bytes came but never a valid reply: noise or a garbled frame, not silence.
        const garbled = rx.length > 0
        rx = Buffer.alloc(0)
        const err = garbled
          ? new ShennongError('ERR_MODBUS_FRAME', `slave ${address} sent no valid reply to function ${pdu[0]} within ${options.timeoutMs} ms (only unframed bytes)`)
          : new ShennongError('ERR_MODBUS_TIMEOUT', `slave ${address} did not answer function ${pdu[0]} within ${options.timeoutMs} ms`)
        reject(Object.assign(err, { what: garbled ? 'frame' : 'timeout' }))
      }, options.timeoutMs)
      pending = {
        address,
        fn: pdu[0],
        expect,
        resolve: f => { if (!settled) { finish(); resolve(f) } },
        fail: (what, err) => { if (!settled) { finish(); reject(Object.assign(err, { what })) } }
      }
      p.write(frame, err => {
        lastActivity = performance.now()
        if (err != null && !settled) { finish(); reject(Object.assign(new ShennongError('ERR_MODBUS_PORT', `write to ${options.path} failed: ${err.message}`, { cause: err }), { what: 'port' })) }
      })
    })
  }

  async function transact (pdu: Buffer, address: number, expect: Pending['expect']): Promise<Buffer> {
    const run = async (): Promise<Buffer> => {
      if (closed) throw new ShennongError('ERR_MODBUS_PORT', `bus ${options.path} is closed`)
      let last: Error | undefined
      for (let attempt = 0; attempt <= options.retries; attempt++) {
        try {
          return await once(pdu, address, expect)
        } catch (err) {
          const e = err as Error & { what?: 'timeout' | 'crc' | 'frame' | 'exception' | 'port', details?: { exception?: number } }
          const what = e.what ?? 'port'
          options.onFault(address, what, e)
          last = e
          if (what === 'port') { await closePort(); break }
          // §6.2: an exception is an answer, not a transmission fault; only "busy"/"acknowledge" are retried.
          if (what === 'exception' && e.details?.exception !== 5 && e.details?.exception !== 6) break
        }
      }
      throw last as Error
    }
    const result = chain.then(run, run)
    chain = result.catch(() => {})
    return await result
  }

  async function closePort (): Promise<void> {
    const p = port
    port = undefined
    if (p?.isOpen === true) await new Promise<void>(resolve => p.close(() => resolve()))
  }

  const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff]

  return {
    async readRegisters (address, fn, start, count) {
      const pdu = Buffer.from([fn, ...u16(start), ...u16(count)])
      const frame = await transact(pdu, address, (buf, at) => 5 + buf[at + 2])
      if (frame[2] !== count * 2) {
        const err = new ShennongError('ERR_MODBUS_FRAME', `slave ${address} sent ${frame[2]} bytes for ${count} registers`)
        options.onFault(address, 'frame', err)
        throw err
      }
      const out: number[] = []
      for (let i = 0; i < count; i++) out.push(frame.readUInt16BE(3 + 2 * i))
      return out
    },
    async writeCoil (address, register, on) {
      await transact(Buffer.from([5, ...u16(register), on ? 0xff : 0x00, 0x00]), address, () => 8)
    },
    async writeRegister (address, register, value) {
      await transact(Buffer.from([6, ...u16(register), ...u16(value & 0xffff)]), address, () => 8)
    },
    async writeRegisters (address, start, values) {
      const data = values.flatMap(v => u16(v & 0xffff))
      await transact(Buffer.from([16, ...u16(start), ...u16(values.length), data.length, ...data]), address, () => 8)
    },
    async close () {
      closed = true
      await chain
      await closePort()
    }
  }
}

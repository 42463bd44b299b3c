// Modbus RTU slaves on one simulated RS-485 bus (spec/modbus-sensors.md §2): answers 03/04 reads and
// 05/06/16 writes for every configured address, with faults on request. A real slave stays silent on
// a frame with a bad CRC or another address, and so does this one.
import { SerialPort } from 'serialport'
import { appendModbusCrc, checkModbusCrc } from '@shennong/core/codecs/modbus-crc.ts'

export type SlaveFault =
  | { kind: 'none' }
  | { kind: 'dead' }
  | { kind: 'slow', delayMs: number }
  | { kind: 'crc' }
  | { kind: 'exception', code: number }
  | { kind: 'garbage' }

export interface SimSlave {
  address: number
  holding: Map<number, number>
  input: Map<number, number>
  coils: Map<number, boolean>
  fault: SlaveFault
  /** Requests addressed to this slave that it received intact. */
  requests: number
  /** Times of those requests (ms, performance.now()). */
  requestTimes: number[]
  writes: Array<{ function: number, register: number, values: number[] }>
}

export interface ModbusBusSim {
  slave: (address: number) => SimSlave
  addSlave: (address: number) => SimSlave
  setFault: (address: number, fault: SlaveFault) => void
  /** Frames seen on the bus with a bad CRC (ignored, as on a real bus). */
  badFrames: () => number
  close: () => Promise<void>
}

export interface ModbusBusSimOptions {
  path: string
  baudRate?: number
  addresses: number[]
}

function requestLength (buf: Buffer): number | null {
  if (buf.length < 2) return null
  const fn = buf[1]
  if (fn === 3 || fn === 4 || fn === 5 || fn === 6) return 8
  if (fn === 16) return buf.length < 7 ? null : 9 + buf[6]
  return 8
}

export async function startModbusBusSim (options: ModbusBusSimOptions): Promise<ModbusBusSim> {
  const slaves = new Map<number, SimSlave>()
  const addSlave = (address: number): SimSlave => {
    const s: SimSlave = { address, holding: new Map(), input: new Map(), coils: new Map(), fault: { kind: 'none' }, requests: 0, requestTimes: [], writes: [] }
    slaves.set(address, s)
    return s
  }
  for (const a of options.addresses) addSlave(a)
  let bad = 0
  let rx: Buffer = Buffer.alloc(0)
  const port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 9600, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open(err => (err != null ? reject(err) : resolve())))

  const send = (frame: Uint8Array, delayMs: number): void => {
    if (delayMs > 0) setTimeout(() => { if (port.isOpen) port.write(Buffer.from(frame)) }, delayMs)
    else port.write(Buffer.from(frame))
  }

  function answer (s: SimSlave, req: Buffer): Uint8Array | null {
    const fn = req[1]
    const reg = req.readUInt16BE(2)
    const exc = (code: number): Uint8Array => appendModbusCrc(Uint8Array.from([s.address, fn | 0x80, code]))
    if (s.fault.kind === 'exception') return exc(s.fault.code)
    if (fn === 3 || fn === 4) {
      const qty = req.readUInt16BE(4)
      if (qty < 1 || qty > 125) return exc(3)
      const table = fn === 3 ? s.holding : s.input
      const body = Buffer.alloc(3 + 2 * qty)
      body[0] = s.address; body[1] = fn; body[2] = 2 * qty
      for (let i = 0; i < qty; i++) body.writeUInt16BE(table.get(reg + i) ?? 0, 3 + 2 * i)
      return appendModbusCrc(body)
    }
    if (fn === 5) {
      const v = req.readUInt16BE(4)
      if (v !== 0xff00 && v !== 0x0000) return exc(3)
      s.coils.set(reg, v === 0xff00)
      s.writes.push({ function: 5, register: reg, values: [v === 0xff00 ? 1 : 0] })
      return appendModbusCrc(req.subarray(0, 6))
    }
    if (fn === 6) {
      const v = req.readUInt16BE(4)
      s.holding.set(reg, v)
      s.writes.push({ function: 6, register: reg, values: [v] })
      return appendModbusCrc(req.subarray(0, 6))
    }
    if (fn === 16) {
      const qty = req.readUInt16BE(4)
      const values: number[] = []
      for (let i = 0; i < qty; i++) { const v = req.readUInt16BE(7 + 2 * i); values.push(v); s.holding.set(reg + i, v) }
      s.writes.push({ function: 16, register: reg, values })
      return appendModbusCrc(req.subarray(0, 6))
    }
    return exc(1)
  }

  function handle (req: Buffer): void {
    if (!checkModbusCrc(req)) { bad++; return }
    const s = slaves.get(req[0])
    if (s === undefined || s.fault.kind === 'dead') return
    s.requests++
    s.requestTimes.push(performance.now())
    const reply = answer(s, req)
    if (reply === null) return
    const f = s.fault
    if (f.kind === 'crc') {
      const broken = Uint8Array.from(reply)
      broken[broken.length - 1] ^= 0x5a
      send(broken, 2)
    } else if (f.kind === 'garbage') {
      send(Uint8Array.from([0x00, 0xff, 0x13, 0x37, ...reply.subarray(0, 3)]), 2)
    } else send(reply, f.kind === 'slow' ? f.delayMs : 2)
  }

  port.on('data', (chunk: Buffer) => {
    rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk])
    for (;;) {
      const len = requestLength(rx)
      if (len === null || rx.length < len) break
      const req = rx.subarray(0, len)
      rx = rx.subarray(len)
      if (!checkModbusCrc(req)) {
        // Out of step (noise): resynchronise by dropping everything buffered, as a silence gap would.
        bad++
        rx = Buffer.alloc(0)
        break
      }
      handle(Buffer.from(req))
    }
  })

  return {
    slave: address => {
      const s = slaves.get(address)
      if (s === undefined) throw new Error(`no simulated slave ${address}`)
      return s
    },
    addSlave,
    setFault: (address, fault) => { const s = slaves.get(address); if (s !== undefined) s.fault = fault },
    badFrames: () => bad,
    close: () => new Promise<void>(resolve => { if (!port.isOpen) resolve(); else port.close(() => resolve()) })
  }
}

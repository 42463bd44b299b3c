// Source `modbus`: one RS-485 bus (one serial port) with several slaves, each polled on its own
// interval through a device profile. The runner serialises the polls of one bus, so a dead slave
// costs its neighbours at most timeout × (retries + 1) per attempt, and the runner backs it off.
import { ShennongError } from '@shennong/core/errors.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { isKind } from '@shennong/core/catalog.ts'
import type { Flag } from '@shennong/core/reading.ts'
import type { CommandRequest, PollTask, ReadingDraft, Source, SourceDefinition, SourceIo } from '../source.ts'
import { createModbusMaster, type ModbusMaster } from './modbus-master.ts'
import { decodeGroup, type Profile } from './profile.ts'
import type { PreparedModbusConfig } from './modbus-config.ts'


function create (config: PreparedModbusConfig): Source {
  const problems: string[] = []
  const addresses = new Set<number>()
  const devices = config.devices.map(d => {
    if (addresses.has(d.address)) problems.push(`devices: address ${d.address} is used twice on bus ${config.name}`)
    addresses.add(d.address)
    // Profiles are read and validated with the config (modbus-config.ts), not here: no I/O.
    const profile: Profile | undefined = d.profileData
    if (d.profile !== undefined && profile === undefined) problems.push(`device ${d.device}: profile "${d.profile}" was not loaded with the config (prepareModbusConfig)`)
    if (d.kind !== undefined && !isKind(d.kind)) problems.push(`device ${d.device}: unknown kind "${d.kind}"`)
    return { ...d, profileData: profile, intervalMs: parseDuration(d.interval) }
  })
  if (problems.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `modbus bus ${config.name}: ${problems.join('; ')}`)
  const byAddress = new Map(devices.map(d => [d.address, d]))
  let master: ModbusMaster | undefined
  let io: SourceIo | undefined

  const bus = (): ModbusMaster => {
    if (master === undefined) throw new ShennongError('ERR_MODBUS_PORT', `bus ${config.name} is not started`)
    return master
  }

  const tasks: PollTask[] = devices.filter(d => d.profileData !== undefined).map(d => {
    const profile = d.profileData as Profile
    const kind = (d.kind ?? profile.kind) as ReadingDraft['kind']
    return {
      device: d.device,
      intervalMs: d.intervalMs,
      async poll () {
        const m = bus()
        for (const step of profile.prepare) {
          await m.writeRegister(d.address, step.register, step.value)
          if (step.waitMs > 0) await new Promise(resolve => setTimeout(resolve, step.waitMs))
        }
        const metrics: Record<string, number> = {}
        const flags: Record<string, Flag> = {}
        let firstError: Error | undefined
        // One failing group (e.g. an exception for one register block) does not lose the others.
        for (const group of profile.groups) {
          try {
            const regs = await m.readRegisters(d.address, group.function, group.start, group.count)
            const decoded = decodeGroup(group, regs)
            Object.assign(metrics, decoded.metrics)
            Object.assign(flags, decoded.flags)
          } catch (err) {
            firstError ??= err as Error
            if ((err as { code?: string }).code === 'ERR_MODBUS_TIMEOUT') break
          }
        }
        if (Object.keys(metrics).length === 0) throw firstError ?? new ShennongError('ERR_MODBUS_FRAME', `no metrics from ${d.device}`)
        const draft: ReadingDraft = { device: d.device, kind, metrics }
        if (Object.keys(flags).length > 0) draft.flags = flags
        return [draft]
      }
    }
  })

  return {
    devices: devices.map(d => d.device),
    tasks,
    async start (sourceIo) {
      io = sourceIo
      master = createModbusMaster({
        path: config.port,
        baudRate: config.baudRate,
        dataBits: config.dataBits,
        parity: config.parity,
        stopBits: config.stopBits,
        timeoutMs: parseDuration(config.timeout),
        retries: config.retries,
        onFault: (address, what, err) => io?.fault(byAddress.get(address)?.device ?? `address-${address}`, what, err)
      })
    },
    async stop () {
      await master?.close()
      master = undefined
    },
    async execute (cmd: CommandRequest) {
      const d = devices.find(x => x.device === cmd.device)
      const spec = d?.commands[cmd.name]
      if (d === undefined || spec === undefined) {
        throw new ShennongError('ERR_CMD_UNKNOWN', `device ${cmd.device} on bus ${config.name} has no command "${cmd.name}"; it offers: ${Object.keys(d?.commands ?? {}).join(', ') || 'none'}`)
      }
      const raw = cmd.args.value
      const values = Array.isArray(raw) ? raw : [raw]
      if (values.length === 0 || !values.every(v => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) || (spec.function !== 16 && values.length !== 1)) {
        throw new ShennongError('ERR_CMD_REFUSED', `command ${cmd.name} needs args.value: ${spec.function === 16 ? 'an array of integers 0–65535' : 'one integer 0–65535'}`)
      }
      const nums = values as number[]
      for (const v of nums) {
        if (spec.allowed !== undefined && !spec.allowed.includes(v)) throw new ShennongError('ERR_CMD_REFUSED', `command ${cmd.name} does not allow value ${v}; allowed: ${spec.allowed.join(', ')}`)
        if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) throw new ShennongError('ERR_CMD_REFUSED', `command ${cmd.name}: value ${v} is outside ${spec.min ?? 0}–${spec.max ?? 65535}`)
      }
      const m = bus()
      try {
        if (spec.function === 5) await m.writeCoil(d.address, spec.register, nums[0] !== 0)
        else if (spec.function === 6) await m.writeRegister(d.address, spec.register, nums[0])
        else await m.writeRegisters(d.address, spec.register, nums)
      } catch (err) {
        throw new ShennongError('ERR_CMD_FAILED', `${cmd.name} on ${cmd.device}: ${(err as Error).message}`, { cause: err })
      }
      return { function: spec.function, register: spec.register, value: spec.function === 16 ? nums : nums[0] }
    }
  }
}

export const modbus: SourceDefinition<PreparedModbusConfig> = {
  kind: 'modbus',
  create: config => create(config)
}

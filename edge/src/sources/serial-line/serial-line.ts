// Source `serial-line`: simple sensors that print one line per measurement on a serial port, as
// CSV (`23.4,58.1,1013.2`) or key=value pairs (`T=23.4 RH=58.1`). A mapping turns columns or keys
// into catalog metrics (with scale and offset). Lines that do not fit are counted, never fatal.
import { CATALOG, isKind, type Kind } from '@shennong/core/catalog.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { SerialLineConfig } from './serial-line-config.ts'
import type { Source, SourceDefinition, SourceIo } from '../source.ts'
import { createLinePort, type LinePort } from '../line-port.ts'


export interface LineParser { line: (text: string) => void }

/** Validates the mapping against the catalog and returns the line-to-reading function. */
export function createLineParser (config: SerialLineConfig, io: SourceIo): LineParser {
  if (!isKind(config.kind)) throw new ShennongError('ERR_EDGE_CONFIG', `serial-line ${config.name}: unknown kind "${config.kind}"`)
  const kind: Kind = config.kind
  const mappings = config.format === 'csv' ? config.columns.filter(c => c !== null) : Object.values(config.keys)
  if (mappings.length === 0) throw new ShennongError('ERR_EDGE_CONFIG', `serial-line ${config.name}: map at least one ${config.format === 'csv' ? 'column' : 'key'} to a metric`)
  const unknown = mappings.filter(m => m !== null && !Object.hasOwn(CATALOG[kind], m.metric)).map(m => m?.metric)
  if (unknown.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `serial-line ${config.name}: ${unknown.join(', ')} not in the catalog for kind ${kind}`)
  const pairSplit = new RegExp(`[\\s${config.separator.replace(/[\\\]^-]/g, '\\$&')}]+`)

  function put (metrics: Record<string, number>, m: { metric: string, scale: number, offset: number }, text: string): boolean {
    const v = Number(text.trim())
    if (text.trim() === '' || !Number.isFinite(v)) return false
    // Defaults inside a Record are not filled by the schema defaults: apply them here.
    metrics[m.metric] = Number((v * (m.scale ?? 1) + (m.offset ?? 0)).toPrecision(12))
    return true
  }

  return {
    line (raw) {
      const text = raw.replace(/\r$/, '').trim()
      if (text === '') return
      const metrics: Record<string, number> = {}
      let bad = 0
      if (config.format === 'csv') {
        const cells = text.split(config.separator)
        config.columns.forEach((m, i) => { if (m !== null && (i >= cells.length || !put(metrics, m, cells[i]))) bad++ })
      } else {
        for (const pair of text.split(pairSplit)) {
          const eq = pair.indexOf('=')
          if (eq <= 0) continue
          const m = config.keys[pair.slice(0, eq)]
          if (m !== undefined && !put(metrics, m, pair.slice(eq + 1))) bad++
        }
      }
      if (bad > 0 || Object.keys(metrics).length === 0) {
        io.fault(config.device, 'parse', new ShennongError('ERR_SERIAL_LINE_PARSE', `line ${JSON.stringify(text.slice(0, 80))} does not match the ${config.format} mapping`))
      }
      if (Object.keys(metrics).length > 0) io.emit({ device: config.device, kind, metrics })
    }
  }
}

function create (config: SerialLineConfig): Source {
  const reopenMs = parseDuration(config.reopen)
  // Validate the mapping now (create does no I/O, but reports config problems).
  createLineParser(config, { emit: () => {}, fault: () => {} })
  let linePort: LinePort | undefined

  return {
    devices: [config.device],
    tasks: [],
    async start (io) {
      const parser = createLineParser(config, io)
      linePort = createLinePort({
        path: config.port,
        baudRate: config.baudRate,
        reopenMs,
        maxLine: 1024,
        onLine: line => parser.line(line),
        onOverlong: () => io.fault(config.device, 'parse'),
        onPortError: err => io.fault(config.device, 'port', err)
      })
      linePort.start()
    },
    async stop () {
      await linePort?.stop()
      linePort = undefined
    }
  }
}

export const serialLine: SourceDefinition<SerialLineConfig> = {
  kind: 'serial-line',
  create: config => create(config)
}

// Where ingest spends CPU per reading, stage by stage, in process (no I/O): decode + validate,
// quality control, and the line of line protocol the pipeline writes (`line`; `pointThenLine` is
// the generic Point → formatPoint path, for comparison). Prints one JSON line.
import { decodeEntry } from '../ingest/src/pipeline/decode-entry.ts'
import { createQualityControl } from '../ingest/src/qc/quality-control.ts'
import { createReadingLineFormatter, readingToPoint } from '../ingest/src/pipeline/to-point.ts'
import { formatPoints } from '../ingest/src/influx/line-protocol.ts'
import { loadIngestConfig } from '../ingest/src/config.ts'
import { encodeLogMeta } from '../core/src/ingest-log.ts'
import { buildTopic } from '../core/src/topics.ts'

const config = loadIngestConfig({ value: {}, env: {} })
const qc = createQualityControl(config.qc)
const perMessage = 50
const messages = 4000
const start = Date.now() - 86_400_000
const meta = encodeLogMeta({ topic: buildTopic({ site: 's', id: 'gw', channel: 'telemetry' }), sender: 'gw', transport: 'mqtt', receivedAt: Date.now() })
const entries = Array.from({ length: messages }, (_, m) => ({
  id: m + 1, appendedAt: Date.now(), meta,
  payload: Buffer.from(JSON.stringify(Array.from({ length: perMessage }, (_, i) => {
    const seq = m * perMessage + i
    return { device: `dev-${seq % 200}`, kind: 'soil', ts: start + seq * 10, seq, metrics: { moisture_vwc_pct: 20 + (seq % 100) / 10, temperature_c: 15 + (seq % 50) / 10 } }
  })))
}))
const formatter = createReadingLineFormatter()
const timings: Record<string, number> = { decode: 0, qc: 0, line: 0, pointThenLine: 0 }
for (let round = 0; round < 3; round++) {
  for (const e of entries) {
    let t = performance.now()
    const d = decodeEntry(e, { maxFutureMs: 300_000 })
    timings.decode += performance.now() - t
    t = performance.now()
    const checked = d.readings.map(r => ({ reading: r.reading, qc: qc.check(r.reading) }))
    timings.qc += performance.now() - t
    t = performance.now()
    const lines: string[] = []
    for (const c of checked) lines.push(formatter.format(c.reading, 's', c.qc.flags))
    lines.join('\n')
    timings.line += performance.now() - t
    t = performance.now()
    formatPoints(checked.map(c => readingToPoint(c.reading, 's', c.qc.flags)))
    timings.pointThenLine += performance.now() - t
  }
}
const readings = 3 * messages * perMessage
console.log(JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, `${(v * 1000 / readings).toFixed(2)} µs/reading`]))))

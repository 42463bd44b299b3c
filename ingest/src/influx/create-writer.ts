// Chooses the InfluxDB write path from `influx.api`: v1 (/write) or v2 (/api/v2/write through
// @influxdata/influxdb-client). Both share the semantics of writer.ts (batch-writer.ts).
import type { Logger } from '@shennong/core/logger.ts'
import type { InfluxConfig } from './config.ts'
import { createV1Writer } from './writer-v1.ts'
import { createV2Writer } from './writer-v2.ts'
import type { InfluxWriter } from './writer.ts'

export function createInfluxWriter (config: InfluxConfig, deps: { logger?: Logger } = {}): InfluxWriter {
  return config.api === 'v2' ? createV2Writer(config, deps) : createV1Writer(config, deps)
}

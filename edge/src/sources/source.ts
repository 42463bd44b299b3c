// The contract between the runner and a source (STYLE.md "An edge source"), in two halves: the
// config half (schema, prepare) runs while the config is checked; the definition validates what the
// schema cannot and precomputes in `create` without I/O; the instance opens its port in `start`. Polled sources
// list tasks and the runner calls them one at a time (one bus, one conversation); streaming sources
// call `io.emit`. Sources never stamp `seq`, never log, never retry on their own schedule.
import type { TSchema, Static } from 'typebox'
import type { Kind } from '@shennong/core/catalog.ts'
import type { Flag } from '@shennong/core/reading.ts'

/** A reading before the runner gives it `seq` (and `ts`, when the source has none). */
export interface ReadingDraft {
  device: string
  kind: Kind
  metrics: Record<string, number>
  flags?: Record<string, Flag>
  /** Epoch ms from the device (e.g. GNSS UTC); omitted means "now" at the runner. */
  ts?: number
}

/** One polled device. */
export interface PollTask {
  device: string
  intervalMs: number
  /** Reads the device once; rejects (with a coded error) when it cannot. */
  poll: () => Promise<ReadingDraft[]>
}

export interface SourceIo {
  emit: (draft: ReadingDraft) => void
  /** Counts a problem against a device (`what`: timeout, crc, exception, frame, checksum, parse, …). */
  fault: (device: string, what: string, err?: Error) => void
}

export interface CommandRequest {
  device: string
  name: string
  args: Record<string, unknown>
}

export interface Source {
  /** Every device this source speaks for (commands are routed by it). */
  devices: string[]
  tasks: PollTask[]
  start: (io: SourceIo) => Promise<void>
  stop: () => Promise<void>
  /** Executes a command for one of `devices`; rejects with ERR_CMD_* when refused or failed. */
  execute?: (cmd: CommandRequest) => Promise<Record<string, unknown>>
}

export interface SourceContext {
  /** The instance name from the config (unique per agent). */
  name: string
}

/**
 * The running half of a source kind (`<kind>.ts`): builds an instance from its prepared config.
 * It never imports TypeBox: validation happened in the config half, before the agent runs.
 */
export interface SourceDefinition<C = unknown> {
  kind: string
  create: (config: C, ctx: SourceContext) => Source
}

/**
 * The config half of a source kind (`<kind>-config.ts`), used only while the config is checked:
 * the TypeBox schema of one instance (defaults, `additionalProperties: false`) and, when the config
 * names files (Modbus profiles), `prepare`, which reads and validates them and returns the config
 * with their content as plain JSON-safe data for `create`.
 */
export interface SourceConfigDefinition<S extends TSchema = TSchema> {
  kind: string
  schema: S
  prepare?: (config: Static<S>) => unknown
}

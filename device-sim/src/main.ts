// Composition root of `shennong sim`: reads argv, builds the transport and the fleet, installs the
// signal handlers, prints the report. `runSim` is the same without argv or signals, for tests and
// benchmarks.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createLogger, type LogLevel } from '../../core/src/logger.ts'
import { createFleet } from './fleet.ts'
import { formatReport, type SimReport } from './report.ts'
import { createHttpSender } from './senders/http-sender.ts'
import { createMqttSender } from './senders/mqtt-sender.ts'
import type { Sender } from './senders/sender.ts'
import { DEFAULT_DEVICES, resolveSimOptions, type SimOptions } from './sim-options.ts'

export type { SimOptions } from './sim-options.ts'
export type { SimReport } from './report.ts'

export const HELP = `Usage: shennong sim (--mqtt-url URL | --http-url URL) [options]

Runs a simulated fleet of field devices (soil, water, air, weather, vessel, cold_chain) behind
site gateways, sends their readings over MQTT (QoS 1) or HTTP, and prints a JSON report of what
was sent and acknowledged (per device seq ranges, faults, transport errors).

Transport and identity
  --mqtt-url URL          broker, e.g. mqtt://127.0.0.1:1883
  --http-url URL          ingest API base, e.g. http://127.0.0.1:8080 (POST /v1/readings)
  --credentials FILE      {"gateways":[{"site","id","secret","kinds"?,"devices"?}]}; omitted: demo
                          mode (generated sites farm-01, river-01, …; gateways gw-<site>, no secret)
  --sites LIST            sites per kind, e.g. soil=farm-a+farm-b,water=river-1
  --per-site N            devices per generated site in demo mode (default 10)
  --prefix TEXT           prefix for device ids (default none: soil-0001, …)

Fleet and time
  --devices LIST          devices per kind (default ${DEFAULT_DEVICES})
  --interval 5s           reporting interval in simulated time (default 5s)
  --per-message N         readings per message; >1 sends JSON arrays (default 1)
  --duration 60s          simulated time to cover (default: until Ctrl-C)
  --messages N            stop after N normal messages (fault messages come on top)
  --start ISO             time of the first reading (default now; with --speed > 1, now minus
                          the duration, so backfilled data ends about now)
  --speed N|max           time acceleration: simulated seconds per wall second (default 1)
  --seed N                PRNG seed; same seed and start, same readings (default 1)
  --seq-start N           first seq of every device (default 1)
  --window N              unacknowledged messages per gateway (default 32)

Scenarios
  --dry                   the first soil plot dries steadily (drought warnings)
  --dry-devices IDS       these soil devices dry steadily instead (comma-separated)
  --dry-rate N            %VWC lost per day by a dry plot (default 4)
  --water-episode T       river pollution episode at T (offset "6h" or ISO time)
  --air-episode T         PM2.5/PM10 haze build-up from T
  --excursion T           refrigeration failure on the first cold chain truck at T
  --excursion-duration D  its length (default 2h)

Faults (rates with a decimal point, counts as whole numbers)
  --faults LIST           malformed, wrong_type, unknown_metric, out_of_range, future_ts,
                          zoneless_ts, duplicate, burst; e.g. malformed=0.01,duplicate=3
  --burst-ticks N         ticks a gateway holds messages before a burst (default 10)

Output
  --report FILE           also write the report to FILE
  --log-level LEVEL       debug, info, warn, error, silent (default info; logs go to stderr)
  -h, --help              this text

Exit status: 0 when every valid reading sent was acknowledged, 1 otherwise, 2 on bad options.
`

function createSender (transport: ReturnType<typeof resolveSimOptions>['transport']): Sender {
  return transport.kind === 'mqtt'
    ? createMqttSender({ url: transport.url })
    : createHttpSender({ url: transport.url, retries: transport.retries })
}

/** Runs a fleet to its end (or until `options.signal` aborts) and resolves with the report. */
export async function runSim (options: SimOptions): Promise<SimReport> {
  const { fleet: config, transport } = resolveSimOptions(options, Date.now())
  const fleet = createFleet(config, { sender: createSender(transport), ...(options.logger !== undefined ? { logger: options.logger } : {}) })
  const stop = (): void => fleet.stop()
  if (options.signal?.aborted === true) stop()
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    const report = await fleet.run()
    if (options.report !== undefined) writeFileSync(options.report, formatReport(report))
    return report
  } finally {
    options.signal?.removeEventListener('abort', stop)
  }
}

function toNumber (v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v)
}

export function parseSimArgs (argv: string[]): SimOptions & { help: boolean, logLevel: LogLevel } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'mqtt-url': { type: 'string' },
      'http-url': { type: 'string' },
      credentials: { type: 'string' },
      sites: { type: 'string' },
      'per-site': { type: 'string' },
      prefix: { type: 'string' },
      devices: { type: 'string' },
      interval: { type: 'string' },
      'per-message': { type: 'string' },
      duration: { type: 'string' },
      messages: { type: 'string' },
      start: { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      'seq-start': { type: 'string' },
      window: { type: 'string' },
      dry: { type: 'boolean' },
      'dry-devices': { type: 'string' },
      'dry-rate': { type: 'string' },
      'water-episode': { type: 'string' },
      'air-episode': { type: 'string' },
      excursion: { type: 'string' },
      'excursion-duration': { type: 'string' },
      faults: { type: 'string' },
      'burst-ticks': { type: 'string' },
      report: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const o: SimOptions = {}
  const set = <K extends keyof SimOptions>(key: K, value: SimOptions[K] | undefined): void => { if (value !== undefined) o[key] = value }
  set('mqttUrl', values['mqtt-url'])
  set('httpUrl', values['http-url'])
  set('credentials', values.credentials)
  set('sites', values.sites)
  set('devicesPerSite', toNumber(values['per-site']))
  set('devicePrefix', values.prefix)
  set('devices', values.devices)
  set('interval', values.interval)
  set('perMessage', toNumber(values['per-message']))
  set('duration', values.duration)
  set('messages', toNumber(values.messages))
  set('start', values.start)
  set('speed', values.speed === 'max' ? 'max' : toNumber(values.speed))
  set('seed', toNumber(values.seed))
  set('seqStart', toNumber(values['seq-start']))
  set('window', toNumber(values.window))
  set('dry', values['dry-devices'] ?? (values.dry === true ? true : undefined))
  set('dryRate', toNumber(values['dry-rate']))
  set('waterEpisode', values['water-episode'])
  set('airEpisode', values['air-episode'])
  set('excursion', values.excursion)
  set('excursionDuration', values['excursion-duration'])
  set('faults', values.faults)
  set('burstTicks', toNumber(values['burst-ticks']))
  set('report', values.report)
  return { ...o, help: values.help === true, logLevel: (values['log-level'] ?? 'info') as LogLevel }
}

export async function main (argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseSimArgs>
  try {
    options = parseSimArgs(argv)
  } catch (err) {
    process.stderr.write(`shennong sim: ${(err as Error).message}\n\n${HELP}`)
    return 2
  }
  if (options.help) { process.stdout.write(HELP); return 0 }
  const logger = createLogger('sim', options.logLevel)
  const controller = new AbortController()
  let signals = 0
  const onSignal = (name: string) => (): void => {
    if (++signals > 1) process.exit(130)
    logger.info('stopping: settling in-flight messages, then the report', { signal: name })
    controller.abort()
  }
  const onInt = onSignal('SIGINT')
  const onTerm = onSignal('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  try {
    const report = await runSim({ ...options, logger, signal: controller.signal })
    process.stdout.write(formatReport(report))
    return report.readings.acknowledged === report.readings.sent ? 0 : 1
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SIM_OPTIONS') {
      process.stderr.write(`shennong sim: ${(err as Error).message}\n`)
      return 2
    }
    throw err
  } finally {
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
  }
}

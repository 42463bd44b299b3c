// `shennong sim-hj212 --port 9212 --kind air --mn … --password … [--speed 60]
// [--minutes 60] [--outage 3:5] [--bad-crc 0.1] [--split] [--random-chunks] [--storm 5]`
// Runs one simulated HJ 212 station against a platform and prints its counters as JSON.
import { parseArgs } from 'node:util'
import { runStation } from './run-station.ts'

const HELP = `Usage: shennong sim-hj212 [options]

Runs one simulated HJ 212 station (air or water) against a platform's HJ 212 server and prints
its counters as JSON. docs/hj212-stations.md describes the faults.

  --host H --port P          platform address (default 127.0.0.1:9212)
  --kind air|water           station kind (default air)
  --mn MN --password PW      station identity
  --speed N                  simulated minutes per wall minute (default 60)
  --minutes N                simulated minutes to run (default 60)
  --interval N               minutes between 2051 records (default 10)
  --realtime N               a 2011 real-time record every N minutes (0 = none)
  --outage AFTER:RECORDS     go silent after AFTER records for RECORDS records, then reconnect
  --bad-crc RATE --wrong-password PW --split --random-chunks --storm N   faults
  --seed N
`

export async function main (argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(HELP); return 0 }
  const { values } = parseArgs({
    args: argv,
    options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9212' },
    kind: { type: 'string', default: 'air' },
    mn: { type: 'string', default: '010000A8900016F000169DC0' },
    password: { type: 'string', default: '123456' },
    speed: { type: 'string', default: '60' },
    minutes: { type: 'string', default: '60' },
    interval: { type: 'string', default: '10' },
    realtime: { type: 'string', default: '0' },
    outage: { type: 'string' },
    'bad-crc': { type: 'string' },
    'wrong-password': { type: 'string' },
    split: { type: 'boolean' },
    'random-chunks': { type: 'boolean' },
    storm: { type: 'string' },
    seed: { type: 'string', default: '1' }
  }
  })
  const [after, records] = (values.outage ?? '').split(':').map(Number)
  const run = runStation({
    host: values.host,
    port: Number(values.port),
    kind: values.kind === 'water' ? 'water' : 'air',
    mn: values.mn!,
    password: values.password!,
    speed: Number(values.speed),
    minutes: Number(values.minutes),
    minuteInterval: Number(values.interval),
    realtimeEvery: Number(values.realtime),
    seed: Number(values.seed),
    ...(values.outage === undefined ? {} : { outage: { after, records } }),
    ...(values.storm === undefined ? {} : { reconnectStorm: Number(values.storm) }),
    faults: {
      ...(values['bad-crc'] === undefined ? {} : { badCrc: Number(values['bad-crc']) }),
      ...(values['wrong-password'] === undefined ? {} : { wrongPassword: values['wrong-password'] }),
      splitPackets: values.split === true,
      randomChunks: values['random-chunks'] === true
    }
  })
  process.once('SIGINT', () => { run.stop() })
  const stats = await run.done
  process.stdout.write(JSON.stringify(stats) + '\n')
  run.stop()
  return 0
}

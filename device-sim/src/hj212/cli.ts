// `node device-sim/src/hj212/cli.ts --port 9212 --kind air --mn … --password … [--speed 60]
// [--minutes 60] [--outage 3:5] [--bad-crc 0.1] [--split] [--random-chunks] [--storm 5]`
// Runs one simulated HJ 212 station against a platform and prints its counters as JSON.
import { parseArgs } from 'node:util'
import { runStation } from './run-station.ts'

const { values } = parseArgs({
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
